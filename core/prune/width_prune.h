#pragma once
/// @file width_prune.h
/// Structured width pruning in the manner of LLM-Pruner (Ma et al. 2023,
/// https://arxiv.org/abs/2305.11627; horseee/LLM-Pruner hf_prune.py): coupled groups are removed
/// whole, so the tensors become physically smaller —
///  - attention: a KV group = one key/value head with its H/KV query heads: the rows of q, k, v
///    that belong to it and the matching input columns of o_proj (with GQA whole groups go, so the
///    ratio of query to key/value heads stays what the model expects);
///  - MLP: a channel j = row j of gate_proj and up_proj and column j of down_proj.
/// Importance of a group = the sum over its weights of an element score (LLM-Pruner's "sum" group
/// reduction): l1 |w|, l2 w², taylor |w·g| (first order), param-mix |w·g − ½·w·a·w| with
/// g = Σ_n ∂L_n/∂w and a = Σ_n (∂L_n/∂w)² / N over the calibration samples n (LLM-Pruner's
/// param_first / param_mix; a approximates the diagonal Fisher).  In every layer of the range the
/// round(ratio · count) least important attention groups and MLP channels are removed (block-wise,
/// local ranking, at least one group / channel kept).  Layers outside the range keep their widths.
/// The saved config has per-layer widths (`slimbench_layer_shapes`) unless every layer ends up the
/// same, in which case it is a plain Hugging Face config.

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }

namespace slim::prune {

enum class WidthImportance { L1, L2, Taylor, ParamMix };
std::string_view widthImportanceName(WidthImportance w);
WidthImportance parseWidthImportance(std::string_view s);   ///< l1 | l2 | taylor | param-mix

struct WidthPruneOptions {
    double ratio = 0.25;
    WidthImportance importance = WidthImportance::L2;
    int64_t firstLayer = 0, lastLayer = -1;   ///< inclusive range; -1 = the last layer
    bool attention = true, mlp = true;        ///< which groups to prune
};

struct LayerWidth {
    int64_t layer = 0;
    int64_t kvHeadsBefore = 0, kvHeadsAfter = 0, headsBefore = 0, headsAfter = 0;
    int64_t intermediateBefore = 0, intermediateAfter = 0;
};

struct WidthPruneReport {
    std::vector<LayerWidth> layers;
    int64_t parametersBefore = 0, parametersAfter = 0;
    bool uniform = false;            ///< every layer has the same widths afterwards
    double seconds = 0.0;
    nlohmann::json toJson() const;
};

/// Per-group importance of one layer: attention groups (KV heads) and MLP channels.
struct GroupImportance {
    at::Tensor attention;   ///< (KV) float64
    at::Tensor mlp;         ///< (I) float64
};

/// Importance from the weights alone (l1 / l2) or with gradients: `grads` / `sqGrads` map the
/// layer's projections (Proj order) to Σ g and Σ g² / N (undefined for l1 / l2).
GroupImportance layerImportance(const model::LlamaModel& model, int64_t layer, WidthImportance imp,
                                const std::vector<at::Tensor>& grads, const std::vector<at::Tensor>& sqGrads);

/// Σ_n ∂L_n/∂W and Σ_n (∂L_n/∂W)² / N of every projection of layers first..last over the calibration
/// samples (one backward pass per sample, next-token cross-entropy), indexed [layer][Proj].
struct LayerGradients {
    std::vector<std::vector<at::Tensor>> sum, sumSqOverN;
};
LayerGradients accumulateGradients(model::LlamaModel& model, const at::Tensor& calibIds, int64_t firstLayer,
                                   int64_t lastLayer, const JobContext& ctx);

/// Prune `model` in place (tensors narrowed, config widths updated).  `calibIds` (N, T) are needed
/// for taylor / param-mix (one backward pass per sample).
WidthPruneReport pruneWidth(model::LlamaModel& model, const at::Tensor& calibIds, const WidthPruneOptions& options,
                            const JobContext& ctx);

} // namespace slim::prune
