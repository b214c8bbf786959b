#include "core/model/linear.h"

#include "core/cpu/gemv.h"
#include "core/cpu/projection.h"

#include <ATen/ATen.h>

namespace slim::model {

DenseLinear::DenseLinear(at::Tensor weight, std::optional<at::Tensor> bias)
    : m_weight(std::move(weight)), m_bias(std::move(bias)) {}

at::Tensor DenseLinear::forward(const at::Tensor& x) const {
    // (..., in) x (out, in)ᵀ -> (..., out).  Decode on the CPU (1..8 rows): a GEMV that reads the
    // weight once (core/cpu/gemv.h) instead of LibTorch's packing GEMM.
    if (auto y = cpu::denseProjection(x, m_weight, m_bias))
        return *y;
    return linearOnDevice(x, m_weight, m_bias);
}

bool widenOnCpu(const at::Tensor& x) {
    return x.device().is_cpu() &&
           (x.scalar_type() == at::kHalf || (x.scalar_type() == at::kBFloat16 && !cpu::fastBf16Gemm()));
}

at::Tensor linearOnDevice(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias) {
    if (widenOnCpu(x)) {   // LibTorch 1.13 has no fp16 GEMM on the CPU, and bf16 only with AVX-512
        if (auto y = cpu::widenedProjection(x, w, bias))
            return *y;
        thread_local at::Tensor scratch;   // the widened weight, reused by the next product
        const auto wide = x.requires_grad() ? std::nullopt : cpu::widenBf16(w, scratch);
        return at::linear(x.to(at::kFloat), wide ? *wide : w.to(at::kFloat), bias ? bias->to(at::kFloat) : at::Tensor())
            .to(x.scalar_type());
    }
    return at::linear(x, w.to(x.scalar_type()), bias ? *bias : at::Tensor());
}

at::Tensor kernelOutput(const at::Tensor& yFloat, const at::Tensor& x, const std::optional<at::Tensor>& bias) {
    at::Tensor y = yFloat;
    if (bias)
        y.add_(bias->to(at::kFloat));
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = yFloat.size(-1);
    return y.to(x.scalar_type()).view(shape);
}

int64_t Linear::storageBytes() const {
    int64_t bytes = 0;
    for (const auto& t : storedTensors())
        bytes += t.tensor.numel() * static_cast<int64_t>(t.tensor.element_size());
    return bytes;
}

std::vector<StoredTensor> DenseLinear::storedTensors() const {
    std::vector<StoredTensor> out{{"weight", m_weight}};
    if (m_bias)
        out.push_back({"bias", *m_bias});
    return out;
}

std::optional<DecodeView> DenseLinear::decodeView() const {
    const bool aligned = reinterpret_cast<uintptr_t>(m_weight.data_ptr()) % 16 == 0 &&
                         (m_weight.size(1) * int64_t(m_weight.element_size())) % 16 == 0;
    if (!m_weight.is_contiguous() || !aligned || (m_bias && (!m_bias->is_contiguous() || m_bias->scalar_type() != m_weight.scalar_type())))
        return std::nullopt;
    DecodeView v;
    v.dtype = m_weight.scalar_type();
    v.weight = m_weight.data_ptr();
    v.bias = m_bias ? m_bias->data_ptr() : nullptr;
    return v;
}

void DenseLinear::to(const at::Device& device, at::ScalarType dtype) {
    m_weight = m_weight.to(device, dtype);
    if (m_bias)
        m_bias = m_bias->to(device, dtype);
}

void DenseLinear::toHost(at::ScalarType dtype, const std::vector<StoredTensor>& previous) {
    m_weight = toHostInto(m_weight, dtype, previous, "weight");
    if (m_bias)
        m_bias = toHostInto(*m_bias, dtype, previous, "bias");
}

void Linear::toHost(at::ScalarType dtype, const std::vector<StoredTensor>& previous) {
    (void)previous;
    to(at::kCPU, dtype);
}

at::Tensor toHostInto(const at::Tensor& src, at::ScalarType dtype, const std::vector<StoredTensor>& previous,
                      const std::string& suffix) {
    for (const auto& p : previous) {
        const at::Tensor& dst = p.tensor;
        if (p.suffix != suffix || !dst.defined() || !dst.device().is_cpu() || dst.scalar_type() != dtype ||
            dst.sizes() != src.sizes() || !dst.is_contiguous())
            continue;
        // `previous` holds the only reference: no other tensor or view sees the overwrite.
        if (dst.use_count() != 1 || dst.storage().use_count() != 1)
            continue;
        dst.copy_(src);
        return dst;
    }
    return src.to(at::kCPU, dtype);
}

} // namespace slim::model
