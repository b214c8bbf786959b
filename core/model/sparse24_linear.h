#pragma once
/// @file sparse24_linear.h
/// A 2:4 semi-structured sparse projection stored compressed: of every 4 consecutive inputs of a row,
/// 2 values are kept (`values` (out, in/2) in the activation dtype) with their 2-bit positions
/// (`positions` (out, in/8) uint8: per byte two groups, bits 1:0 and 3:2 the first group's ascending
/// positions, 5:4 and 7:6 the second's).  With 16-bit weights that is 1.125 bytes per input instead
/// of 2 (0.5625× in memory and on disk).  Decode on the CPU reads the compressed form directly
/// (cpu::sparse24Projection); other products rebuild the dense matrix (one parallel pass on the CPU).  The layout is
/// Slimbench's own (config.json `quantization_config` {"quant_method": "slimbench", "format":
/// "sparse24"}); `export --format hf` writes dense weights for other tools.

#include "core/model/linear.h"

namespace slim::model {

class Sparse24Linear final : public Linear {
public:
    /// Compress a dense (out, in) weight that has at most 2 non-zeros in every group of 4 inputs
    /// (ConfigError naming `what` otherwise, or when in % 8 != 0).
    static std::unique_ptr<Sparse24Linear> compress(const at::Tensor& weight, std::optional<at::Tensor> bias,
                                                    const std::string& what);
    /// From stored tensors (FormatError naming `what` when shapes or dtypes do not match).
    Sparse24Linear(at::Tensor values, at::Tensor positions, std::optional<at::Tensor> bias, int64_t out, int64_t in,
                   const std::string& what);

    at::Tensor forward(const at::Tensor& x) const override;
    int64_t inFeatures() const override { return m_in; }
    int64_t outFeatures() const override { return m_out; }
    std::string kind() const override { return "sparse-2:4"; }
    /// values, positions, bias.
    std::vector<StoredTensor> storedTensors() const override;
    at::Tensor denseWeight() const override;
    std::optional<at::Tensor> bias() const override { return m_bias; }
    void to(const at::Device& device, at::ScalarType dtype) override;

    const at::Tensor& values() const { return m_values; }
    const at::Tensor& positions() const { return m_positions; }

private:
    at::Tensor m_values, m_positions;
    std::optional<at::Tensor> m_bias;
    int64_t m_out = 0, m_in = 0;
};

} // namespace slim::model
