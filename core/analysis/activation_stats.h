#pragma once
/// @file activation_stats.h
/// Per-input-channel statistics of the activations that feed each projection, over the
/// calibration tokens — what activation-aware methods look at.
///
/// For the input X (tokens × C) of a projection, over the N non-padding calibration tokens t:
///  - mean_abs_j = (1/N) Σ_t |x_tj|: AWQ's activation scale `x_mean` (mit-han-lab/llm-awq
///    auto_scale.py: `x.abs().view(-1, C).mean(0)`);
///  - sum_sq_j = Σ_t x_tj²; l2_norm_j = sqrt(sum_sq_j) = ‖X_j‖₂ over all tokens;
///    mean_sq_j = sum_sq_j / N (the "mean of x_j² over all calibration tokens");
///    wanda_scaler_row_j = sum_sq_j / S with S = number of sequences, which is what Wanda's
///    WrappedGPT.scaler_row holds after all batches (locuslab/wanda lib/layerwrapper.py: it divides
///    by the running count of *samples*, not tokens).  Wanda's score |W_ij|·sqrt(scaler_row_j) ranks
///    weights within a row identically with any of these three, since they differ by one factor;
///  - max_abs_j = max_t |x_tj|;
///  - outliers: LLM.int8 (Dettmers et al. 2022) treats a feature dimension as an outlier when some
///    |x_tj| ≥ 6.0.  Here: a channel is an outlier channel when max_abs_j > threshold (default 6.0);
///    `above_j` counts its tokens with |x_tj| > threshold.
/// Projections fed by the same tensor (q/k/v after input_layernorm; gate/up after
/// post_attention_layernorm) share one entry listing all of them.  Values are reduced per batch
/// in float32 chunks of rows and accumulated in float64; non-finite inputs are counted.

#include "core/common/job_context.h"
#include "core/model/tensor_names.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace slim::model { class LlamaModel; }

namespace slim::analysis {

struct ActivationStatsOptions {
    int64_t batchSize = 8;
    double outlierThreshold = 6.0;            ///< LLM.int8's threshold on |x|
    /// Projections whose inputs are measured (default: all seven).
    std::vector<model::Proj> projections{model::kAllProj, model::kAllProj + model::kNumProj};
};

/// Statistics of one projection input.
struct ChannelStats {
    int64_t layer = 0;
    std::vector<model::Proj> projections;     ///< projections fed by this input (in call order)
    int64_t channels = 0;                     ///< C
    int64_t tokens = 0;                       ///< N
    int64_t sequences = 0;                    ///< S
    std::vector<double> meanAbs, sumSq, maxAbs;
    std::vector<int64_t> above;               ///< tokens with |x| > threshold, per channel
    int64_t nonFinite = 0;                    ///< non-finite input values seen
    double threshold = 6.0;

    double l2Norm(int64_t j) const;
    double meanSq(int64_t j) const;
    double wandaScalerRow(int64_t j) const;
    /// Channels with max |x| > threshold, ascending.
    std::vector<int64_t> outlierChannels() const;
    /// "q_proj,k_proj,v_proj".
    std::string projectionNames() const;
    /// withChannels = false leaves out the per-channel arrays (summary only).
    nlohmann::json toJson(bool withChannels = true) const;
};

struct ActivationStats {
    std::vector<ChannelStats> inputs;         ///< by layer, then in call order (qkv, o, gate/up, down)
    ActivationStatsOptions options;
    int64_t samples = 0, tokens = 0, batches = 0;
    std::string device, dtype;
    /// Entry for (layer, projection); nullptr when not measured.
    const ChannelStats* find(int64_t layer, model::Proj p) const;
    nlohmann::json toJson(bool withChannels = true) const;
};

/// Run `ids` (N, T) int64 (`attentionMask` (N, T), undefined = all real) through the model in
/// batches and accumulate the statistics through ForwardHooks::onProjInput; padding tokens are
/// excluded.  Progress and checkCancel per batch (CancelledError).
ActivationStats computeActivationStats(const model::LlamaModel& model, const at::Tensor& ids,
                                       const at::Tensor& attentionMask, const ActivationStatsOptions& options,
                                       const JobContext& ctx = JobContext::none());

} // namespace slim::analysis
