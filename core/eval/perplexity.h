#pragma once
/// @file perplexity.h
/// Token perplexity of a model over a token stream.  The default is the "GPTQ style" convention
/// (../shared/docs/evaluation.md): the text tokenized once without special tokens, cut to the
/// first maxTokens, split into ⌊T/n⌋ disjoint windows of n tokens; every token but each window's
/// first is predicted.  Options: a BOS token in front of every window (then every text token of
/// the window is predicted), and a stride < n for overlapping windows that score only new tokens.

#include <cstdint>
#include <string>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }

namespace slim::eval {

struct TokenPerplexityOptions {
    int64_t context = 2048;        ///< window length n (including the BOS when bosPerWindow)
    int64_t maxTokens = -1;        ///< cut the stream to its first M tokens (-1 = all)
    int64_t stride = -1;           ///< -1 = disjoint windows (stride = n)
    bool bosPerWindow = false;     ///< prepend BOS to every window
    int64_t bosId = 1;
    int64_t batchSize = -1;        ///< windows per forward (-1 = choose from the logits size)
};

struct PerplexityResult {
    double ppl = 0.0;
    double nllSum = 0.0;           ///< Σ −log p over predicted tokens (nats)
    int64_t tokens = 0;            ///< predicted tokens
    int64_t windows = 0;
    double seconds = 0.0;
    double tokensPerS = 0.0;       ///< tokens processed (windows × n) per second
};

PerplexityResult tokenPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& stream,
                                 const TokenPerplexityOptions& opts, const JobContext& ctx);

/// Σ −log p(ids[t+1] | ids[≤t]) of one sequence (all tokens but the first predicted).
double sequenceNll(const model::LlamaModel& model, const std::vector<int64_t>& ids);

} // namespace slim::eval
