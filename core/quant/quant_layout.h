#pragma once
/// @file quant_layout.h
/// `quantization_config` of config.json: how a checkpoint's projections are stored, and the
/// factory that builds each projection from its tensors (the seam between checkpoints and
/// model::Linear).  Read:
///  - GPTQ (`quant_method: gptq`): qweight / qzeros / scales / g_idx; `checkpoint_format` "gptq"
///    (the IST-DASLab / AutoGPTQ convention: qzeros hold zero − 1) or "gptq_v2" (zero as is);
///  - AWQ (`quant_method: awq`, `version: gemm`, AutoAWQ / llm-awq's packing): qweight (in, out·B/32)
///    packed along the output dimension in the order 0, 2, 4, 6, 1, 3, 5, 7, qzeros likewise, scales
///    (groups, out); converted to the GPTQ layout when loaded;
///  - bitsandbytes 4-bit NF4 (`quant_method: bitsandbytes`, `bnb_4bit_quant_type: nf4`);
///  - Slimbench's HQQ codes (`quant_method: slimbench`, `format: hqq`): the GPTQ layout with fp16 zeros;
///  - Slimbench's 2:4 compressed storage (`quant_method: slimbench`, `format: sparse24`): `values` and
///    `positions` per projection (model::Sparse24Linear) — compressed, not quantized.
/// Projections without quantized tensors (a `weight` in a floating dtype) stay dense.

#include "core/model/linear.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace slim::io { class Checkpoint; }

namespace slim::quant {

struct QuantLayout {
    enum class Method { None, Gptq, Awq, Nf4, Hqq, Sparse24 } method = Method::None;
    int bits = 4;
    int64_t groupSize = 128; ///< 0 = per output channel (config: -1)
    bool symmetric = false;
    bool descAct = false;
    bool zerosMinusOne = true; ///< GPTQ checkpoint_format "gptq" (v1)
    bool doubleQuant = false;  ///< NF4
    /// The output projection (lm_head) is quantized too (config "lm_head": true, GPTQModel's spelling);
    /// the GPTQ and AWQ references keep it dense, llama.cpp's quantized files do not.
    bool lmHead = false;
    /// The algorithm that produced the codes (informational: "gptq", "awq", "rtn"...).
    std::string producer;

    /// Integer / NF4 codes (what re-quantization and the quantized export paths handle).
    bool quantized() const { return method != Method::None && method != Method::Sparse24; }
    /// Any storage other than dense weights (quantized or 2:4 compressed).
    bool compressed() const { return method != Method::None; }
    /// Parse a quantization_config object (null / empty = not quantized).  UnsupportedError naming
    /// `file` for methods Slimbench does not read (e.g. AWQ gemv, fp8), ConfigError for bad values.
    static QuantLayout fromJson(const nlohmann::json& q, const std::string& file);
    static QuantLayout fromConfigText(const std::string& quantizationConfigJson, const std::string& file);
    /// The quantization_config to write (transformers' spelling for GPTQ and bitsandbytes).
    nlohmann::json toJson() const;

private:
    nlohmann::json toJsonWithoutHead() const;
};

using TensorGetter = std::function<at::Tensor(const std::string&)>;
using TensorExists = std::function<bool(const std::string&)>;

/// Check the tensors of one projection (`prefix` without ".weight") against the layout before any is
/// loaded: a floating `weight` (out, in) — dense —, or the layout's tensor set with its shapes and
/// dtypes.  Throws FormatError naming the checkpoint folder, the tensor and the rule.
void checkProjectionTensors(const QuantLayout& layout, const io::Checkpoint& ckpt, const std::string& prefix, int64_t out,
                            int64_t in, const std::string& because);

/// Build the projection at `prefix` from a checkpoint's tensors: dense when `prefix.weight` is
/// floating (or absent quantized tensors), otherwise the layout's quantized projection.  Weights of
/// dense projections and biases arrive converted by `conv`.
std::unique_ptr<model::Linear> makeProjection(const QuantLayout& layout, const std::string& prefix, int64_t out, int64_t in,
                                              bool hasBias, const TensorGetter& get, const TensorExists& has,
                                              const std::function<at::Tensor(const at::Tensor&)>& conv,
                                              const at::Device& device, at::ScalarType activation);

/// AutoAWQ gemm packing <-> codes: (rows, cols) codes -> (rows, cols·B/32) int32 and back.
at::Tensor awqPack(const at::Tensor& codes, int bits);
at::Tensor awqUnpack(const at::Tensor& packed, int bits, int64_t cols);

} // namespace slim::quant
