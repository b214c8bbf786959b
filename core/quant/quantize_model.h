#pragma once
/// @file quantize_model.h
/// Weight quantization of every decoder projection of a model (docs/compression.md):
/// RTN, GPTQ, AWQ, HQQ and NF4, each replacing the dense projections by packed ones (quant_type.h),
/// layer by layer — the calibration-based methods through analysis::runLayerwise (GPTQ: each layer's
/// outputs computed with the quantized layer; AWQ: with the layer before quantization, as llm-awq),
/// the others one layer at a time on the compute device.  Progress per layer, cancel between layers
/// (and between batches), `offload` keeps the model in host memory.  The model's config gets the
/// quantization_config of the stored layout, so LlamaModel::save writes a checkpoint that loads back
/// packed.

#include "core/analysis/layerwise.h"
#include "core/quant/awq.h"
#include "core/quant/quant_layout.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slim {
class JobContext;
}
namespace slim::model {
class LlamaModel;
}

namespace slim::quant {

enum class QuantMethod { Rtn, Gptq, Awq, Hqq, Nf4 };
std::string_view quantMethodName(QuantMethod m);
/// "rtn" / "gptq" / "awq" / "hqq" / "nf4"; ConfigError listing them otherwise.
QuantMethod parseQuantMethod(std::string_view name);
bool needsCalibration(QuantMethod m);

struct QuantizeOptions {
    QuantMethod method = QuantMethod::Rtn;
    int bits = 4;
    int64_t groupSize = 128;   ///< 0 = per output channel
    bool symmetric = false;    ///< the GPTQ and AWQ references quantize with a zero point
    // GPTQ
    bool actOrder = false;
    bool staticGroups = false;
    double percdamp = 0.01;
    int64_t blockSize = 128;
    // AWQ
    int awqGrid = 20;
    bool awqClip = true;
    // NF4
    bool doubleQuant = false;
    /// Quantize the output projection too (calibration-free: RTN for the integer methods, else the
    /// method itself), as llama.cpp's quantized files do; the GPTQ / AWQ references keep it dense.  Its
    /// weights are a sixth of a 1B model's bytes read per token.  Refused with tied embeddings.
    bool lmHead = false;
    analysis::LayerwiseOptions layerwise;

    /// The integer spec of the method (AWQ uses its own parameter rule).
    IntSpec spec() const;
    /// Checks bits / group / method combinations; ConfigError naming the option and the rule.
    void validate() const;
    /// The checkpoint layout the result is stored in.
    QuantLayout layout() const;
    nlohmann::json toJson() const;
};

struct ProjectionQuantization {
    int64_t layer = 0;
    std::string projection, kind;
    int64_t storedBytes = 0, denseBytes = 0; ///< after / before (in the model's dtype)
    double relError = 0.0;                   ///< ‖W − Ŵ‖_F / ‖W‖_F
    double percdamp = 0.0;                   ///< GPTQ: damping used
};

struct QuantizeReport {
    std::vector<ProjectionQuantization> projections;
    std::vector<std::pair<int64_t, AwqGroupResult>> awq;
    int64_t storedBytes = 0, denseBytes = 0;
    double seconds = 0.0;
    std::optional<analysis::LayerwiseReport> layerwise;
    nlohmann::json toJson() const;
};

/// Quantize every selected decoder projection of `model` in place.  `calibIds` (N, T) is needed by
/// GPTQ and AWQ.  CancelledError between layers.
QuantizeReport quantizeModel(model::LlamaModel& model, const at::Tensor& calibIds, const QuantizeOptions& o,
                             const JobContext& ctx);

/// Quantize the dense projections of `model` into `layout` without calibration (RTN with the layout's
/// bits / group / symmetry, HQQ, or NF4): re-quantizing after a LoRA adapter was merged into the
/// de-quantized base (QLoRA's merge), so that the merged model is stored as small as its base.
QuantizeReport requantizeLike(model::LlamaModel& model, const QuantLayout& layout, const JobContext& ctx);

} // namespace slim::quant
