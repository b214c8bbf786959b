#include "core/model/sparse24_linear.h"

#include "core/common/errors.h"
#include "core/cpu/projection.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>

namespace slim::model {

namespace {

/// (out, in/4, 2) int64 positions -> (out, in/8) uint8 (two groups per byte).
at::Tensor packPositions(const at::Tensor& pos) {
    const at::Tensor codes = pos.select(2, 0) + pos.select(2, 1) * 4;                   // (out, in/4): 4 bits per group
    const at::Tensor pairs = codes.view({codes.size(0), -1, 2});
    return (pairs.select(2, 0) + pairs.select(2, 1) * 16).to(at::kByte).contiguous();  // (out, in/8)
}

/// The inverse: (out, in/8) uint8 -> (out, in/4, 2) int64.
at::Tensor unpackPositions(const at::Tensor& packed) {
    const at::Tensor b = packed.to(at::kLong);
    const at::Tensor codes = at::stack({b.bitwise_and(15), b.bitwise_right_shift(4)}, 2).view({b.size(0), -1});   // (out, in/4)
    return at::stack({codes.bitwise_and(3), codes.bitwise_right_shift(2)}, 2);
}

} // namespace

std::unique_ptr<Sparse24Linear> Sparse24Linear::compress(const at::Tensor& weight, std::optional<at::Tensor> bias,
                                                         const std::string& what) {
    const int64_t out = weight.size(0), in = weight.size(1);
    if (in % 8 != 0)
        throw ConfigError(what + ": 2:4 compressed storage needs a multiple of 8 inputs (has " + std::to_string(in) + ")");
    const at::Tensor groups = weight.view({out, in / 4, 4});
    const at::Tensor nz = groups.ne(0);
    const int64_t worst = nz.sum(2).max().item<int64_t>();
    if (worst > 2)
        throw ConfigError(what + ": not 2:4 sparse (a group of 4 inputs holds " + std::to_string(worst) +
                          " non-zeros); prune with --pattern 2:4 first");
    // Keep the non-zeros, padding with the lowest zero positions; ascending within the group.
    const at::Tensor order = at::arange(4, weight.options().dtype(at::kLong)).view({1, 1, 4});
    const at::Tensor score = nz.to(at::kLong) * 8 + (3 - order);
    const at::Tensor pos = std::get<0>(std::get<1>(score.topk(2, 2)).sort(2));         // (out, in/4, 2), ascending
    const at::Tensor values = groups.gather(2, pos).reshape({out, in / 2}).contiguous();
    return std::make_unique<Sparse24Linear>(values, packPositions(pos), std::move(bias), out, in, what);
}

Sparse24Linear::Sparse24Linear(at::Tensor values, at::Tensor positions, std::optional<at::Tensor> bias, int64_t out, int64_t in,
                               const std::string& what)
    : m_values(std::move(values)), m_positions(std::move(positions)), m_bias(std::move(bias)), m_out(out), m_in(in) {
    if (in % 8 != 0 || !m_values.is_floating_point() || m_values.sizes().vec() != std::vector<int64_t>{out, in / 2})
        throw FormatError(what, "values has shape " + io::shapeText(m_values.sizes().vec()) + " " +
                                    std::string(c10::toString(m_values.scalar_type())) + "; a 2:4 projection of " +
                                    std::to_string(out) + " x " + std::to_string(in) + " stores (" + std::to_string(out) + ", " +
                                    std::to_string(in / 2) + ") floating values");
    if (m_positions.scalar_type() != at::kByte || m_positions.sizes().vec() != std::vector<int64_t>{out, in / 8})
        throw FormatError(what, "positions has shape " + io::shapeText(m_positions.sizes().vec()) + " " +
                                    std::string(c10::toString(m_positions.scalar_type())) + "; a 2:4 projection of " +
                                    std::to_string(out) + " x " + std::to_string(in) + " stores (" + std::to_string(out) + ", " +
                                    std::to_string(in / 8) + ") uint8");
    m_values = m_values.contiguous();
    m_positions = m_positions.contiguous();
}

at::Tensor Sparse24Linear::denseWeight() const {
    if (auto w = cpu::sparse24Dense(m_values, m_positions))
        return *w;
    const at::Tensor pos = unpackPositions(m_positions);                                   // (out, in/4, 2)
    at::Tensor w = at::zeros({m_out, m_in / 4, 4}, m_values.options());
    w.scatter_(2, pos, m_values.view({m_out, m_in / 4, 2}));
    return w.view({m_out, m_in});
}

at::Tensor Sparse24Linear::forward(const at::Tensor& x) const {
    if (auto y = cpu::sparse24Projection(x, m_values, m_positions, m_bias))
        return *y;
    // Prefill on the CPU: the dense matrix in a per-thread buffer shared by every projection, then the GEMM.
    thread_local at::Tensor scratch;
    if (x.device().is_cpu() && !x.requires_grad())
        if (auto w = cpu::sparse24Dense(m_values, m_positions, &scratch))
            return linearOnDevice(x, *w, m_bias);
    return linearOnDevice(x, denseWeight(), m_bias);
}

std::vector<StoredTensor> Sparse24Linear::storedTensors() const {
    std::vector<StoredTensor> out{{"values", m_values, true}, {"positions", m_positions, false}};
    if (m_bias)
        out.push_back({"bias", *m_bias, true});
    return out;
}

void Sparse24Linear::to(const at::Device& device, at::ScalarType dtype) {
    m_values = m_values.to(device, dtype).contiguous();
    m_positions = m_positions.to(device);
    if (m_bias)
        m_bias = m_bias->to(device, dtype);
}

} // namespace slim::model
