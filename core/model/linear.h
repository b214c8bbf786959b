#pragma once
/// @file linear.h
/// The replaceable projection seam: the forward pass calls every projection through Linear,
/// so a dense, sparse, quantized or LoRA-wrapped projection stands in without touching the
/// forward code.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slim::model {

/// One tensor a projection stores, named by its suffix under the projection's prefix
/// ("weight", "bias", "qweight", "scales"...).  `storageDtype`: the tensor is a plain weight that a
/// checkpoint may store in its torch_dtype (dense weights and biases); false for codes, scales and
/// zero points, which keep their own dtype.
struct StoredTensor {
    std::string suffix;
    at::Tensor tensor;
    bool storageDtype = true;
};

/// A projection as the fused CUDA decode step (core/cuda/decode_kernels.h) reads it in place: dense
/// rows (out, in) in `dtype`, or 4-bit codes with contiguous rows (out, in/8) int32 plus the GPTQ
/// `qzeros` (groups, out/8) and fp16 `scales` (groups, out).  Pointers stay valid while the
/// projection is not moved or edited.
struct DecodeView {
    bool int4 = false;
    at::ScalarType dtype = at::kFloat;   ///< the activation dtype the weights (dense) and bias are in
    const void* weight = nullptr;
    const int32_t* qzeros = nullptr;
    const void* scales = nullptr;
    const void* bias = nullptr;
    int64_t group = 0;
};

class Linear {
public:
    virtual ~Linear() = default;
    /// y = x Wᵀ + b.  x: (..., in) -> (..., out), in the activation dtype of x.
    virtual at::Tensor forward(const at::Tensor& x) const = 0;
    virtual int64_t inFeatures() const = 0;
    virtual int64_t outFeatures() const = 0;
    /// "dense", "sparse-2:4", "rtn-int4-g128", "lora(dense)"...
    virtual std::string kind() const = 0;
    /// The tensors this projection writes to a checkpoint and holds in memory (a quantized projection
    /// lists its packed codes, scales and zeros — never a de-quantized weight).
    virtual std::vector<StoredTensor> storedTensors() const = 0;
    /// Bytes really stored for this projection (the sum over storedTensors()).
    virtual int64_t storageBytes() const;
    /// The effective dense weight (out, in) — dequantized / merged — for analysis and export.
    virtual at::Tensor denseWeight() const = 0;
    virtual std::optional<at::Tensor> bias() const = 0;
    /// Move to a device / activation dtype (quantized storage keeps its format).
    virtual void to(const at::Device& device, at::ScalarType dtype) = 0;
    /// Move back to host memory, writing into `previous` (storedTensors() as listed while this projection
    /// was last on the host) where a tensor's suffix, shape and dtype still match and nothing else holds
    /// its storage: layer-wise offload moves every layer to the device and back, and a fresh host
    /// allocation would fault in each page again.  Default: to(kCPU, dtype).
    virtual void toHost(at::ScalarType dtype, const std::vector<StoredTensor>& previous);
    /// The tensors a trainer may update (a LoRA adapter's A and B; empty for a frozen projection).
    virtual std::vector<at::Tensor> trainableParameters() const { return {}; }
    /// How the fused CUDA decode step reads this projection; nullopt = it cannot (the step then runs
    /// the layer-by-layer path).
    virtual std::optional<DecodeView> decodeView() const { return std::nullopt; }
};

/// `src` (any device) as a host tensor of `dtype`: copied into the tensor named `suffix` in `previous`
/// when that one is a contiguous host tensor of the same shape and dtype whose storage nothing else
/// shares, else a new host tensor.  The building block of Linear::toHost.
at::Tensor toHostInto(const at::Tensor& src, at::ScalarType dtype, const std::vector<StoredTensor>& previous,
                      const std::string& suffix);

/// at::linear(x, w, bias) — except on the CPU where LibTorch's GEMM in x's dtype is missing (fp16) or slow
/// (bf16 without AVX-512, cpu::fastBf16Gemm): there computed in fp32 and rounded once to x's dtype.
at::Tensor linearOnDevice(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias);
/// Whether a CPU product in `dtype` is better computed in fp32 (see linearOnDevice).
bool widenOnCpu(const at::Tensor& x);

/// A kernel's fp32 result y (rows, out) as a projection's output for input x (..., in): the bias added
/// in fp32, one rounding to x's dtype, x's leading shape (the CPU and CUDA decode kernels).
at::Tensor kernelOutput(const at::Tensor& yFloat, const at::Tensor& x, const std::optional<at::Tensor>& bias);

/// Plain dense projection: weight (out, in), optional bias (out).
class DenseLinear final : public Linear {
public:
    explicit DenseLinear(at::Tensor weight, std::optional<at::Tensor> bias = std::nullopt);
    at::Tensor forward(const at::Tensor& x) const override;
    int64_t inFeatures() const override { return m_weight.size(1); }
    int64_t outFeatures() const override { return m_weight.size(0); }
    std::string kind() const override { return "dense"; }
    std::vector<StoredTensor> storedTensors() const override;
    at::Tensor denseWeight() const override { return m_weight; }
    std::optional<at::Tensor> bias() const override { return m_bias; }
    void to(const at::Device& device, at::ScalarType dtype) override;
    void toHost(at::ScalarType dtype, const std::vector<StoredTensor>& previous) override;
    std::optional<DecodeView> decodeView() const override;
    /// Mutable access for in-place editing algorithms (pruning, AWQ scaling, training).
    at::Tensor& weight() { return m_weight; }
    std::optional<at::Tensor>& mutableBias() { return m_bias; }

private:
    at::Tensor m_weight;
    std::optional<at::Tensor> m_bias;
};

} // namespace slim::model
