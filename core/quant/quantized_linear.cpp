#include "core/quant/quantized_linear.h"

#include "core/common/errors.h"
#include "core/io/safetensors.h"
#include "core/quant/packing.h"

#include <ATen/ATen.h>

#include <cstdlib>
#include <cstring>

#include "core/cpu/projection.h"

#ifdef SLIMBENCH_WITH_CUDA
#include "core/cuda/decode_kernels.h"

#include <c10/cuda/CUDAStream.h>
#endif

namespace slim::quant {

#ifdef SLIMBENCH_WITH_CUDA
namespace {
slim::cuda::Dtype cudaDtype(at::ScalarType t) {
    return t == at::kBFloat16 ? slim::cuda::Dtype::BF16 : t == at::kHalf ? slim::cuda::Dtype::F16 : slim::cuda::Dtype::F32;
}
} // namespace
#endif


QuantizedLinear::QuantizedLinear(const IntQuantized& q, std::optional<at::Tensor> bias, at::ScalarType activation)
    : m_spec(q.spec), m_in(q.codes.size(1)), m_out(q.codes.size(0)), m_bias(std::move(bias)), m_activation(activation) {
    m_qweight = packRows(q.codes.t().contiguous(), m_spec.bits);
    if (q.floatZero)
        m_floatZeros = q.zeros.to(at::kHalf).contiguous();
    else
        m_qzeros = packCols(q.zeros.round().to(at::kLong), m_spec.bits);
    m_scales = q.scales.to(at::kHalf).contiguous();
    if (q.gIdx.defined())
        m_gIdx = q.gIdx.to(at::kInt).contiguous();
    if (m_bias)
        m_bias = m_bias->to(activation);
    arrangeForDevice();
}

QuantizedLinear::QuantizedLinear(const IntSpec& spec, int64_t in, int64_t out, at::Tensor qweight, at::Tensor qzeros,
                                 at::Tensor floatZeros, at::Tensor scales, at::Tensor gIdx,
                                 std::optional<at::Tensor> bias, at::ScalarType activation, const std::string& what)
    : m_spec(spec), m_in(in), m_out(out), m_qweight(std::move(qweight)), m_qzeros(std::move(qzeros)),
      m_floatZeros(std::move(floatZeros)), m_scales(std::move(scales)), m_gIdx(std::move(gIdx)),
      m_bias(std::move(bias)), m_activation(activation) {
    const int64_t G = spec.groupsOf(in);
    auto expect = [&](const at::Tensor& t, const char* name, std::vector<int64_t> shape, at::ScalarType dt) {
        if (t.sizes().vec() != shape || t.scalar_type() != dt)
            throw FormatError(what, std::string(name) + " has shape " + io::shapeText(t.sizes().vec()) + " " + std::string(c10::toString(t.scalar_type())) +
                                        "; a " + std::to_string(spec.bits) + "-bit projection of " + std::to_string(out) + " x " +
                                        std::to_string(in) + " with " + std::to_string(G) + " groups stores (" +
                                        std::to_string(shape[0]) + (shape.size() > 1 ? ", " + std::to_string(shape[1]) : "") +
                                        ") " + c10::toString(dt));
    };
    expect(m_qweight, "qweight", {in * spec.bits / 32, out}, at::kInt);
    if (m_floatZeros.defined())
        m_floatZeros = m_floatZeros.to(at::kHalf);
    else
        expect(m_qzeros, "qzeros", {G, out * spec.bits / 32}, at::kInt);
    if (!m_scales.is_floating_point() || m_scales.sizes().vec() != std::vector<int64_t>{G, out})
        expect(m_scales, "scales", {G, out}, at::kHalf);
    m_scales = m_scales.to(at::kHalf);
    if (m_gIdx.defined()) {
        expect(m_gIdx, "g_idx", {in}, at::kInt);
        if (m_gIdx.numel() && (m_gIdx.min().item<int>() < 0 || m_gIdx.max().item<int>() >= G))
            throw FormatError(what, "g_idx holds a group outside 0.." + std::to_string(G - 1));
        // The plain order (column / group size) needs no index.
        const at::Tensor plain = at::arange(in, at::kLong).div(spec.groupWidth(in), "floor").to(at::kInt);
        if (at::equal(m_gIdx.cpu(), plain))
            m_gIdx = at::Tensor();
    }
    if (m_bias)
        m_bias = m_bias->to(activation);
    arrangeForDevice();
}

bool QuantizedLinear::cudaRowsApply() const {
    const int64_t group = m_spec.groupWidth(m_in);
    return m_qweight.is_cuda() && m_spec.bits == 4 && !m_gIdx.defined() && !floatZero() && m_out % 8 == 0 &&
           group % 32 == 0 && m_in % group == 0;
}

void QuantizedLinear::arrangeForDevice() {
    Layout want = Layout::Gptq;
    if (m_qweight.device().is_cpu() && !m_gIdx.defined() &&
        cpu::tileIntWeights(m_spec.bits, m_in, m_out, m_spec.groupWidth(m_in), m_activation))
        want = Layout::CpuTiles;
    else if (cudaRowsApply())
        want = Layout::CudaRows;
    if (want == m_layout)
        return;
    m_qweight = qweight();   // back to the GPTQ layout
    if (want == Layout::CpuTiles)
        m_qweight = cpu::tileColumns(m_qweight);
    else if (want == Layout::CudaRows)
        m_qweight = m_qweight.t().contiguous();
    m_layout = want;
}

at::Tensor QuantizedLinear::qweight() const {
    switch (m_layout) {
    case Layout::CpuTiles: return cpu::untileColumns(m_qweight);
    case Layout::CudaRows: return m_qweight.t().contiguous();
    case Layout::Gptq: break;
    }
    return m_qweight;
}

std::optional<model::DecodeView> QuantizedLinear::decodeView() const {
    if (m_layout != Layout::CudaRows || (m_bias && (!m_bias->is_contiguous() || m_bias->scalar_type() != m_activation)))
        return std::nullopt;
    model::DecodeView v;
    v.int4 = true;
    v.dtype = m_activation;
    v.weight = m_qweight.data_ptr();
    v.qzeros = m_qzeros.data_ptr<int32_t>();
    v.scales = m_scales.data_ptr();
    v.bias = m_bias ? m_bias->data_ptr() : nullptr;
    v.group = m_spec.groupWidth(m_in);
    return v;
}

std::string QuantizedLinear::kind() const {
    return (floatZero() ? "hqq" : "int") + std::to_string(m_spec.bits) + "-" +
           (m_spec.groupSize > 0 ? "g" + std::to_string(m_spec.groupSize) : std::string("pc")) +
           (m_spec.symmetric ? "-sym" : "") + (m_gIdx.defined() ? "-act-order" : "");
}

at::Tensor QuantizedLinear::codes() const {
    return unpackRows(qweight(), m_spec.bits, m_in).t().contiguous();
}

at::Tensor QuantizedLinear::zeroPoints() const {
    return floatZero() ? m_floatZeros.to(at::kFloat) : unpackCols(m_qzeros, m_spec.bits, m_out).to(at::kFloat);
}

at::Tensor QuantizedLinear::groupIndex() const {
    if (m_gIdx.defined())
        return m_gIdx.to(at::kLong);
    return at::arange(m_in, at::TensorOptions().dtype(at::kLong).device(m_qweight.device()))
        .div(m_spec.groupWidth(m_in), "floor");
}

at::Tensor QuantizedLinear::denseWeight() const {
#ifdef SLIMBENCH_WITH_CUDA
    // 4-bit rows on CUDA: one kernel pass (the prefill GEMM's weight).
    if (const auto v = decodeView(); v && (m_activation == at::kBFloat16 || m_activation == at::kHalf || m_activation == at::kFloat)) {
        at::Tensor w = at::empty({m_out, m_in}, m_qweight.options().dtype(m_activation));
        slim::cuda::MatView mv{v->weight, v->qzeros, v->scales, nullptr, w.data_ptr(), int(m_out), int(v->group)};
        slim::cuda::dequantInt4(cudaDtype(m_activation), mv, int(m_in), c10::cuda::getCurrentCUDAStream().stream());
        return w;
    }
#endif
    // W (out, in) = scale · (q − zero) per column's group, computed in float32.
    const at::Tensor g = groupIndex();
    const at::Tensor q = unpackRows(qweight(), m_spec.bits, m_in).to(at::kFloat);          // (in, out)
    const at::Tensor wt = (q - zeroPoints().index_select(0, g)) * m_scales.to(at::kFloat).index_select(0, g);
    // Row-major like every other projection's weight: LibTorch 1.13's CPU GEMM in bf16 over a
    // transposed (column-major) weight keeps its partial sums in bf16 (measured on AVX2: 1.3-2.6 % of the
    // largest output off, against 0.2-0.3 % for the same product over a row-major weight).
    return wt.t().to(m_activation).contiguous();
}

at::Tensor QuantizedLinear::forward(const at::Tensor& x) const {
    // SLIMBENCH_NO_W4A16=1 keeps the de-quantize + GEMM path on CUDA and the CPU (for comparisons).
    static const bool kernelOff = std::getenv("SLIMBENCH_NO_W4A16") != nullptr;
#ifdef SLIMBENCH_WITH_CUDA
    // 1 row on CUDA (decode outside the fused step): the 4-bit GEMV over the codes in place; 2-8 rows
    // (batched decode, 16-bit activations): the GEMV over several rows of x, the codes read once per 4
    // rows (slimbench-cuda-check compares it with W = s·(q − z) built by tensor operations, batches 1-8;
    // SLIMBENCH_W4A16_ROWS=0 turns it off).
    static const bool rowsKernel = [] {
        const char* e = std::getenv("SLIMBENCH_W4A16_ROWS");
        return !(e && std::strcmp(e, "0") == 0);
    }();
    const int64_t xRows = x.size(-1) == m_in ? x.numel() / m_in : 0;
    const bool half = x.scalar_type() == at::kBFloat16 || x.scalar_type() == at::kHalf;
    if (!kernelOff && m_layout == Layout::CudaRows && x.is_cuda() && x.scalar_type() == m_activation &&
        (xRows == 1 ? half || x.scalar_type() == at::kFloat : rowsKernel && half && xRows >= 2 && xRows <= 8 && m_out % 4 == 0))
        if (const auto v = decodeView()) {
            const at::Tensor xc = x.contiguous();
            std::vector<int64_t> shape = x.sizes().vec();
            shape.back() = m_out;
            at::Tensor y = at::empty(shape, x.options());
            const slim::cuda::MatView mv{v->weight, v->qzeros, v->scales, v->bias, y.data_ptr(), int(m_out), int(v->group)};
            const auto stream = c10::cuda::getCurrentCUDAStream().stream();
            if (xRows == 1) {
                slim::cuda::GemvArgs a;
                a.dtype = cudaDtype(x.scalar_type());
                a.int4 = true;
                a.x = xc.data_ptr();
                a.K = int(m_in);
                a.mats[0] = mv;
                slim::cuda::gemv(a, stream);
            } else {
                slim::cuda::gemvInt4Rows(cudaDtype(x.scalar_type()), xc.data_ptr(), int(xRows), int(m_in), mv, stream);
            }
            return y;
        }
#endif
    // On the CPU: kernels over the packed codes (core/cpu/gemv.h), 4 and 8 bits in the plain group order
    // (SLIMBENCH_CPU_KERNELS=off turns them off too).
    if (!kernelOff && !m_gIdx.defined() && m_layout != Layout::CudaRows)
        if (auto y = cpu::intProjection(x, m_spec.bits, m_in, m_out, m_spec.groupWidth(m_in), m_qweight,
                                        m_layout == Layout::CpuTiles, m_qzeros,
                                        m_floatZeros, m_scales, m_bias))
            return *y;
    return model::linearOnDevice(x, denseWeight(), m_bias);
}

std::vector<model::StoredTensor> QuantizedLinear::storedTensors() const {
    std::vector<model::StoredTensor> out{{"qweight", qweight(), false}};
    if (floatZero())
        out.push_back({"zeros", m_floatZeros, false});
    else // checkpoint_format "gptq": zero − 1, masked to B bits (IST-DASLab/gptq quant.py pack)
        out.push_back({"qzeros", packCols((unpackCols(m_qzeros, m_spec.bits, m_out).to(at::kLong) - 1).bitwise_and(m_spec.maxq()),
                                          m_spec.bits), false});
    out.push_back({"scales", m_scales, false});
    if (m_gIdx.defined())
        out.push_back({"g_idx", m_gIdx, false});
    if (m_bias)
        out.push_back({"bias", *m_bias, true});
    return out;
}

void QuantizedLinear::to(const at::Device& device, at::ScalarType dtype) {
    m_qweight = qweight().to(device);
    m_layout = Layout::Gptq;
    if (m_qzeros.defined())
        m_qzeros = m_qzeros.to(device);
    if (m_floatZeros.defined())
        m_floatZeros = m_floatZeros.to(device);
    m_scales = m_scales.to(device);
    if (m_gIdx.defined())
        m_gIdx = m_gIdx.to(device);
    if (m_bias)
        m_bias = m_bias->to(device, dtype);
    m_activation = dtype;
    arrangeForDevice();
}

} // namespace slim::quant
