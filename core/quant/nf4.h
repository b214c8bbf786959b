#pragma once
/// @file nf4.h
/// NF4 as bitsandbytes stores it (Dettmers et al., QLoRA, 2023; bitsandbytes functional.py
/// `quantize_4bit`, `create_dynamic_map`): the flattened weight in blocks of 64, each block divided
/// by its absmax and every value replaced by the index of the nearest of the 16 NormalFloat values;
/// two indices per byte, the first in the high nibble.  Double quantization stores the absmax values
/// minus their mean as 8-bit indices into bitsandbytes' signed dynamic map, one fp32 absmax per
/// block of 256.  Tensors are named as transformers writes bitsandbytes 4-bit checkpoints:
/// `weight` (uint8, (n/2, 1)), `weight.absmax`, `weight.quant_map`, and with double quantization
/// `weight.nested_absmax`, `weight.nested_quant_map`, plus `weight.quant_state.bitsandbytes__nf4`
/// (the JSON quant state as uint8 bytes).

#include "core/model/linear.h"

#include <ATen/core/Tensor.h>

namespace slim::quant {

/// The 16 NF4 values (float32, ascending).
const at::Tensor& nf4Codebook();
/// bitsandbytes' signed 8-bit dynamic map (256 values, ascending), for the nested absmax.
const at::Tensor& dynamicMap8();
/// Index of the nearest codebook value for every element of x (codebook ascending): uint8.
at::Tensor nearestCode(const at::Tensor& x, const at::Tensor& codebook);

struct Nf4Quantized {
    int64_t out = 0, in = 0;
    int64_t blockSize = 64;
    at::Tensor packed;  ///< (out·in/2) uint8
    at::Tensor absmax;  ///< (blocks) float32, or uint8 indices when doubleQuant
    bool doubleQuant = false;
    at::Tensor nestedAbsmax; ///< (ceil(blocks/256)) float32
    double offset = 0.0;     ///< mean of the absmax values subtracted before nested quantization
    /// (out, in) float32.
    at::Tensor dequantize() const;
};

Nf4Quantized nf4Quantize(const at::Tensor& w, bool doubleQuant, int64_t blockSize = 64);

class Nf4Linear final : public model::Linear {
public:
    Nf4Linear(Nf4Quantized q, std::optional<at::Tensor> bias, at::ScalarType activation);
    at::Tensor forward(const at::Tensor& x) const override;
    int64_t inFeatures() const override { return m_q.in; }
    int64_t outFeatures() const override { return m_q.out; }
    std::string kind() const override { return m_q.doubleQuant ? "nf4-dq" : "nf4"; }
    std::vector<model::StoredTensor> storedTensors() const override;
    at::Tensor denseWeight() const override;
    std::optional<at::Tensor> bias() const override { return m_bias; }
    void to(const at::Device& device, at::ScalarType dtype) override;
    const Nf4Quantized& quantized() const { return m_q; }

    /// From the stored tensors (suffix -> tensor, as storedTensors() names them); FormatError naming
    /// `what` for wrong shapes or a quant state that is not NF4.
    static std::unique_ptr<Nf4Linear> fromStored(const std::function<at::Tensor(const std::string&)>& get,
                                                 const std::function<bool(const std::string&)>& has, int64_t out,
                                                 int64_t in, std::optional<at::Tensor> bias, at::ScalarType activation,
                                                 const std::string& what);

private:
    Nf4Quantized m_q;
    std::optional<at::Tensor> m_bias;
    at::ScalarType m_activation;
};

} // namespace slim::quant
