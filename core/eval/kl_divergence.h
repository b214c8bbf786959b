#pragma once
/// @file kl_divergence.h
/// How far a compressed variant's next-token distributions moved from its base model's, token by
/// token over a text (docs/evaluation.md; llama.cpp `perplexity --kl-divergence`):
///  - KL(base ‖ variant) = Σ_v p_base(v) (log p_base(v) − log p_variant(v)) per predicted position,
///    in nats; mean with its standard error, median, 99th percentile and max;
///  - top-1 agreement: the share of positions where both models' most likely token is the same;
///  - Δp: p_variant(correct) − p_base(correct) for the text's actual next token; mean and RMS.
/// Windows as the GPTQ token perplexity: the text tokenized once without special tokens, ⌊T/n⌋
/// disjoint windows of n tokens (optionally BOS first), every position but the last predicting the
/// next token.  Both models see exactly the same windows; log-softmax in float32, sums in float64.

#include <cstdint>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }

namespace slim::eval {

struct KlOptions {
    int64_t context = 512;         ///< window length n (including the BOS when bosPerWindow)
    int64_t maxTokens = -1;        ///< cut the stream to its first M tokens (-1 = all)
    bool bosPerWindow = false;
    int64_t bosId = -1;            ///< needed with bosPerWindow: eval::prefixToken
    int64_t batchSize = -1;        ///< windows per forward (-1 = auto)
};

struct KlResult {
    double meanKl = 0.0, klStderr = 0.0, medianKl = 0.0, p99Kl = 0.0, maxKl = 0.0;
    double top1Agreement = 0.0, top1Stderr = 0.0;   ///< fraction in [0, 1]
    double meanDeltaP = 0.0, rmsDeltaP = 0.0;
    double basePpl = 0.0, variantPpl = 0.0;          ///< on the same predicted tokens
    int64_t tokens = 0, windows = 0;
    double seconds = 0.0;
};

/// Throws ConfigError when the vocabularies differ or the text is shorter than one window.
KlResult klDivergence(const model::LlamaModel& base, const model::LlamaModel& variant,
                      const std::vector<int32_t>& stream, const KlOptions& opts, const JobContext& ctx);

} // namespace slim::eval
