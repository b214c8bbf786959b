#pragma once
/// @file depth_prune.h
/// Depth pruning: remove whole decoder layers and write a valid Hugging Face checkpoint —
/// tensors of the kept layers renumbered 0…L'−1 in their stored dtype, config.json with
/// num_hidden_layers = L' and every per-layer list (`layer_types`, Slimbench's per-layer widths)
/// shortened, Qwen2's `max_window_layers` recounted.  The layers come from the user (0-based), from
/// the angular distance of PruneMe / Gromov et al. (analysis::recommendBlock), from ShortGPT's Block
/// Influence (analysis::lowestInfluenceLayers), or from the Shortened-LLaMA perplexity criterion
/// (Kim et al. 2024, Nota-NetsPresso/shortened-llm: the model's perplexity on the calibration
/// windows with each single layer removed; the `count` layers whose removal hurts least go, one shot).

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

namespace slim {
class JobContext;
}
namespace slim::model {
class LlamaModel;
}

namespace slim::prune {

/// Sorted, unique, each in [0, L), at least one layer kept; ConfigError naming the offending index.
std::vector<int64_t> checkLayersToRemove(std::vector<int64_t> layers, int64_t numLayers);

/// config.json of the pruned model (see the file comment); unknown keys are kept as they are.
nlohmann::json depthPrunedConfig(const nlohmann::json& config, const std::vector<int64_t>& removed);

/// Copy the checkpoint at `srcDir` without `removed` layers into `dstDir` (config.json and weights;
/// shards as the source size requires).  Progress per tensor, cancel between tensors.
void writeDepthPruned(const std::filesystem::path& srcDir, const std::vector<int64_t>& removed,
                      const std::filesystem::path& dstDir, const JobContext& ctx);

struct PerplexityCriterion {
    double basePpl = 0.0;
    std::vector<double> pplWithout;  ///< per layer; NaN for protected layers
    std::vector<int64_t> candidates; ///< layers that were tried
    std::vector<int64_t> layers;     ///< the `count` chosen, sorted
    int64_t keepFirst = 0, keepLast = 0;
    nlohmann::json toJson() const;
};

/// Shortened-LLaMA's PPL criterion on calibration ids (N, T): mean NLL of every token but each
/// window's first, for the full model and with each candidate layer skipped.  Layers 0…keepFirst−1
/// and the last keepLast are never candidates.
PerplexityCriterion chooseByPerplexity(const model::LlamaModel& model, const at::Tensor& ids, int64_t count,
                                       int64_t keepFirst, int64_t keepLast, int64_t batchSize, const JobContext& ctx);

/// Shortened-LLaMA's Taylor+ criterion: the importance of layer ℓ is Σ over its projection weights of
/// |w · g| with g = Σ_n ∂L_n/∂w over the calibration samples (first-order Taylor estimate of the loss
/// change when the block is removed); the `count` least important candidates go, one shot.
struct TaylorCriterion {
    std::vector<double> importance;   ///< per layer; NaN for protected layers
    std::vector<int64_t> candidates, layers;
    int64_t keepFirst = 0, keepLast = 0;
    nlohmann::json toJson() const;
};
TaylorCriterion chooseByTaylor(model::LlamaModel& model, const at::Tensor& ids, int64_t count, int64_t keepFirst,
                               int64_t keepLast, const JobContext& ctx);

} // namespace slim::prune
