#pragma once
/// @file generation.h
/// Text generation with a KV cache: greedy (temperature 0) or temperature + top-p sampling.

#include "core/model/llama_model.h"

#include <cstdint>
#include <functional>
#include <vector>

#include <string>

namespace slim { class JobContext; }
namespace slim::tok { class Tokenizer; }

namespace slim::model {

struct GenerationOptions {
    int64_t maxNewTokens = 32;
    double temperature = 0.0;    ///< 0 = greedy
    double topP = 1.0;
    uint64_t seed = 0;
    bool stopAtEos = false;      ///< stop at the config's EOS id(s)
};

struct GenerationResult {
    std::vector<int64_t> promptIds;
    std::vector<int64_t> newIds;
    double prefillSeconds = 0.0;
    double decodeSeconds = 0.0;
    double prefillTokensPerS = 0.0;
    double decodeTokensPerS = 0.0;   ///< new tokens after the first / decode time
};

/// Generate up to maxNewTokens after promptIds (batch 1).  `onToken` sees every new token as it
/// is produced (for streaming into the GUI).  Checks ctx for cancellation once per token.
GenerationResult generate(const LlamaModel& model, const std::vector<int64_t>& promptIds,
                          const GenerationOptions& opts, const JobContext& ctx,
                          std::function<void(int64_t token)> onToken = {});

/// Tokenize `prompt`, generate, and stream the text through ctx.output(): the prompt as decoded back
/// ("prompt"), then each new piece ("append"), or all generated text again ("replace") in the rare case
/// that a later token changed what was shown.  A character split over tokens is held back until complete.
/// Progress follows the new tokens.  Throws ConfigError when the prompt encodes to no token.
GenerationResult generateText(const LlamaModel& model, const tok::Tokenizer& tokenizer, const std::string& prompt,
                              bool addSpecialTokens, const GenerationOptions& opts, const JobContext& ctx);

/// Pick the next token from float logits (V): argmax when temperature == 0, else sample with
/// temperature and nucleus (top-p) filtering using `rng01` (uniform in [0,1)).
int64_t sampleToken(const at::Tensor& logits, double temperature, double topP, double rng01);

} // namespace slim::model
