#pragma once
/// @file quantized_linear.h
/// A projection stored as packed integer codes in the GPTQ layout (see quant_type.h): the model
/// holds only `qweight`, `qzeros` (or fp16 `zeros`), `scales` and `g_idx`, so memory and files
/// shrink for real.  One-row products (decode) run kernels over the packed codes (core/cpu/gemv.h,
/// core/cuda/decode_kernels.h); otherwise forward() de-quantizes into the activation dtype and runs a
/// dense GEMM.  Storage stays packed.

#include "core/model/linear.h"
#include "core/quant/quantizer.h"

namespace slim::quant {

class QuantizedLinear final : public model::Linear {
public:
    /// Pack a quantization result (codes, per-group scales and zeros) into the GPTQ layout, with
    /// scales (and float zeros) in fp16.  `activation` = the dtype forward() computes in.
    QuantizedLinear(const IntQuantized& q, std::optional<at::Tensor> bias, at::ScalarType activation);
    /// From stored tensors: qweight (in·B/32, out) int32, zeros either packed (qzeros, groups x
    /// out·B/32 int32, actual zero points) or float (groups, out); scales (groups, out); gIdx (in) int32
    /// or undefined.  Shapes are checked (FormatError naming `what`).
    QuantizedLinear(const IntSpec& spec, int64_t in, int64_t out, at::Tensor qweight, at::Tensor qzeros,
                    at::Tensor floatZeros, at::Tensor scales, at::Tensor gIdx, std::optional<at::Tensor> bias,
                    at::ScalarType activation, const std::string& what);

    at::Tensor forward(const at::Tensor& x) const override;
    int64_t inFeatures() const override { return m_in; }
    int64_t outFeatures() const override { return m_out; }
    std::string kind() const override;
    /// qweight, qzeros | zeros, scales, g_idx (only when not the plain column / group order), bias.
    std::vector<model::StoredTensor> storedTensors() const override;
    at::Tensor denseWeight() const override;
    std::optional<at::Tensor> bias() const override { return m_bias; }
    void to(const at::Device& device, at::ScalarType dtype) override;
    /// 4-bit codes on CUDA in the plain group order (held with contiguous rows for the decode kernels).
    std::optional<model::DecodeView> decodeView() const override;

    const IntSpec& spec() const { return m_spec; }
    bool floatZero() const { return m_floatZeros.defined(); }
    /// Codes (out, in) uint8 and zero points (groups, out) float32, unpacked (for export and tests).
    at::Tensor codes() const;
    at::Tensor zeroPoints() const;
    const at::Tensor& scales() const { return m_scales; }
    /// Group of every input column (in) int64.
    at::Tensor groupIndex() const;
    /// The codes in the GPTQ layout (in·B/32, out) — a copy when the CPU holds them tiled.
    at::Tensor qweight() const;
    const at::Tensor& qzeros() const { return m_qzeros; }

private:
    IntSpec m_spec;
    /// How m_qweight is held in memory: the GPTQ layout (in·B/32, out); on the CPU tiled for the integer
    /// kernel where it applies (cpu::tileIntWeights: (out/16, in·B/32, 16)); on CUDA, 4-bit codes in the
    /// plain group order with contiguous rows for the decode kernels ((out, in/8), the GPTQ layout
    /// transposed).  Checkpoints and qweight() always get the GPTQ layout.
    enum class Layout { Gptq, CpuTiles, CudaRows };
    void arrangeForDevice();
    bool cudaRowsApply() const;
    int64_t m_in = 0, m_out = 0;
    Layout m_layout = Layout::Gptq;
    at::Tensor m_qweight, m_qzeros, m_floatZeros, m_scales, m_gIdx;
    std::optional<at::Tensor> m_bias;
    at::ScalarType m_activation = at::kFloat;
};

} // namespace slim::quant
