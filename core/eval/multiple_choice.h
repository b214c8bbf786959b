#pragma once
/// @file multiple_choice.h
/// Zero-shot multiple choice with lm-evaluation-harness semantics (docs/evaluation.md):
/// each choice is scored by the summed log-likelihood of its continuation given the context.
///
/// Tokenization (HFLM._encode_pair): trailing whitespace of the context moves to the front of the
/// continuation; whole = encode(context + continuation), context tokens = encode(context), the
/// continuation's tokens are whole[len(context tokens):] — so a token that straddles the boundary
/// belongs to the continuation, exactly as in the harness.  No special tokens (the harness's
/// default add_bos_token = False for Llama-family models); an empty context is replaced by BOS.
/// Option `bos` puts BOS before every context instead (record it: numbers differ).
/// The model reads (context + continuation)[-(max_length+1):][:-1]; requests are sorted by length
/// and run in right-padded batches; log-softmax in float32 over the continuation positions only.
/// Metrics: acc = argmax of the sums (first maximum on ties, as numpy); acc_norm = argmax of the
/// sums divided by the choice's length in characters (Unicode code points, the harness's len(str));
/// truthfulqa_mc2 = Σ p(true) / Σ p(all) with p = exp(loglikelihood) (computed relative to the
/// largest, so that tiny probabilities do not underflow to 0/0).  Standard errors as the harness's
/// mean_stderr: sample standard deviation / sqrt(n).  Batch size never changes a result beyond
/// float rounding (tested).

#include "core/eval/task_data.h"

#include <cstdint>
#include <string>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }
namespace slim::tok { class Tokenizer; }

namespace slim::eval {

struct McOptions {
    int64_t batchSize = -1;      ///< requests per forward (-1 = auto from the logits size)
    int64_t maxLength = -1;      ///< -1 = the model's max_position_embeddings
    bool bos = false;            ///< BOS before every context
    int64_t bosId = -1;          ///< eval::prefixToken; also the context of an empty-context request (required)
};

struct McDocScore {
    std::vector<double> loglikelihoods;   ///< per choice
    std::vector<bool> greedy;             ///< the continuation is the greedy continuation
    int prediction = 0, predictionNorm = 0;
    double accuracy = 0, accuracyNorm = 0, mc2 = 0;
};

struct McResult {
    std::string task;
    int64_t n = 0, requests = 0, tokens = 0;
    double acc = 0, accStderr = 0;
    double accNorm = 0, accNormStderr = 0;   ///< when hasAccNorm
    double mc2 = 0, mc2Stderr = 0;           ///< when isMc2
    bool hasAccNorm = false, isMc2 = false;
    std::string lengthUnit = "characters";   ///< acc_norm's normalisation
    std::vector<McDocScore> docs;
    double seconds = 0.0;
};

/// Σ log p(continuation | context) and greedy flags of (context tokens, continuation tokens) pairs.
struct LoglikelihoodRequest {
    std::vector<int64_t> context, continuation;
};
std::vector<std::pair<double, bool>> scoreLoglikelihoods(const model::LlamaModel& model,
                                                         const std::vector<LoglikelihoodRequest>& requests,
                                                         int64_t maxLength, int64_t batchSize, const JobContext& ctx);

/// Tokenize one (context, continuation) pair the harness's way.
LoglikelihoodRequest encodePair(const tok::Tokenizer& tok, std::string context, std::string continuation,
                                const McOptions& opts);

McResult evaluateMultipleChoice(const model::LlamaModel& model, const tok::Tokenizer& tok, const McTask& task,
                                const McOptions& opts, const JobContext& ctx);

} // namespace slim::eval
