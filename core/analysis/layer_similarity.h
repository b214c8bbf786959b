#pragma once
/// @file layer_similarity.h
/// How much each layer (and each block of consecutive layers) changes the hidden state — the
/// evidence for depth pruning.
///
/// Notation: x_0 = embeddings, x_ℓ = the hidden state entering decoder layer ℓ (0-based),
/// x_L = the output of the last layer BEFORE the final norm.  (Hugging Face's
/// output_hidden_states puts the *normed* output last and PruneMe inherits that; we do not.)
///
///  - Angular distance (Gromov et al. 2024, "The Unreasonable Ineffectiveness of the Deeper
///    Layers"; arcee-ai/PruneMe compute_block_similarity/utils.py, layer_similarity.py):
///      d(ℓ, n) = arccos(clamp(cos(x_ℓ, x_{ℓ+n}), −1, 1)) / π,   n = 1 … L − ℓ,
///    averaged over the selected tokens of a batch, then the batch means averaged over batches
///    (each batch weighs the same — PruneMe's `np.mean` over per-batch `.mean().item()`).
///    Selected tokens: the last non-padding token of every sequence (PruneMe's default) or
///    every non-padding token.  Removing the block ℓ … ℓ+n−1 replaces x_{ℓ+n} by x_ℓ, so the
///    block with the smallest d(ℓ, n) is the candidate.  `distance` holds all pairs (i, j) of
///    hidden states: d(ℓ, n) = distance[ℓ][ℓ+n].
///    Differences from PruneMe, on purpose: ℓ = 0 (the embeddings) is a valid start (PruneMe drops
///    x_0, so its starts are ℓ ≥ 1 — `minStart = 1` reproduces that), x_L is un-normed, and
///    PruneMe's CSV writes `block_start = ℓ` 1-based; we list the removed layers 0-based.
///  - Block Influence (ShortGPT, Men et al. 2024): BI_i = mean over ALL non-padding tokens of
///    (1 − cos(x_i, x_{i+1})).  A global mean over tokens (ShortGPT sums; the ranking is the same).
///
/// A cosine is NaN when a state has zero norm or non-finite values; it then counts as 0.5
/// (ShortGPT's `nan_to_num(nan=0.5)`), for the angular distance too, and is counted in
/// `nanCosines` so the result shows it.  Cosines are computed in float64 from the captured states.
///
/// Memory: states are captured through ForwardHooks::onLayerInput one batch at a time and reduced
/// per batch.  Last-token mode keeps (L+1)·B·hidden values plus one full state (B·T·hidden, for
/// BI); all-tokens mode keeps every real token of the batch for every state, (L+1)·B·T·hidden in
/// the model dtype (a 7B model, B = 8, T = 1024: 2.2 GB in bf16) — lower the batch size if that
/// does not fit.  Float64 scratch for the cosines is bounded (256 MiB per chunk of tokens).

#include "core/common/job_context.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slim::model { class LlamaModel; }

namespace slim::analysis {

enum class TokenSelection { LastToken, AllTokens };
/// "last" / "all".
std::string_view tokenSelectionName(TokenSelection s);

struct LayerSimilarityOptions {
    int64_t batchSize = 8;                              ///< PruneMe's default
    TokenSelection tokens = TokenSelection::LastToken;  ///< PruneMe's default
    /// Skip a final batch smaller than batchSize, as PruneMe's DataLoader(drop_last=True) does.
    bool dropLastPartialBatch = false;
};

struct LayerSimilarity {
    int64_t numLayers = 0;   ///< L
    /// (L+1) × (L+1), symmetric, zero diagonal: mean angular distance between x_i and x_j.
    std::vector<std::vector<double>> distance;
    /// L values: BI of each layer.
    std::vector<double> blockInfluence;

    LayerSimilarityOptions options;
    int64_t samples = 0;           ///< sequences used
    int64_t batches = 0;           ///< batches averaged
    int64_t selectedTokens = 0;    ///< tokens behind the angular distances
    int64_t influenceTokens = 0;   ///< tokens behind BI
    int64_t nanCosines = 0;        ///< NaN cosines (counted as 0.5) in the angular distances
    int64_t influenceNanCosines = 0;
    std::string device;
    std::string dtype;

    /// d(ℓ, n) = distance[ℓ][ℓ + n]; ConfigError unless 0 ≤ ℓ, 1 ≤ n, ℓ + n ≤ L.
    double blockDistance(int64_t start, int64_t n) const;
    /// Everything the GUI draws: "distance" (L+1)² matrix, "block_distance" (rows n = 1..L,
    /// columns ℓ = 0..L−1, null where ℓ + n > L), "block_influence", counts and settings.
    nlohmann::json toJson() const;
};

/// Capture hidden states of `model` on calibration `ids` (N, T) int64 (`attentionMask` (N, T),
/// 1 = real token, may be undefined = all real), in batches, on the model's device.
/// Progress and cancellation per batch (CancelledError).  ConfigError for bad shapes / options
/// or a row without any real token.
LayerSimilarity computeLayerSimilarity(const model::LlamaModel& model, const at::Tensor& ids,
                                       const at::Tensor& attentionMask, const LayerSimilarityOptions& options,
                                       const JobContext& ctx = JobContext::none());

/// The PruneMe / Gromov recommendation for one block size.
struct BlockRecommendation {
    int64_t blockSize = 0;              ///< n
    int64_t start = 0;                  ///< ℓ* = argmin over ℓ ≥ minStart of d(ℓ, n) (first on ties)
    double distance = 0.0;              ///< d(ℓ*, n)
    std::vector<int64_t> layersToDrop;  ///< ℓ* … ℓ*+n−1, 0-based
    int64_t minStart = 0;
    nlohmann::json toJson() const;
};

/// Best block of `blockSize` layers to drop (1 ≤ n ≤ L − 1; NaN distances never win).
/// ConfigError for an impossible n / minStart.
BlockRecommendation recommendBlock(const LayerSimilarity& sim, int64_t blockSize, int64_t minStart = 0);

/// Block size for dropping a fraction of the layers: round(fraction · L), at least 1, at most L − 1.
int64_t blockSizeForFraction(int64_t numLayers, double fraction);

/// ShortGPT: the k layers with the lowest Block Influence, lowest first (ties: lower index first;
/// NaN ranks last).  0-based layer indices.
std::vector<int64_t> lowestInfluenceLayers(const std::vector<double>& blockInfluence, int64_t k);

} // namespace slim::analysis
