#pragma once
/// @file perplexity.h
/// Perplexity in the three conventions of docs/evaluation.md, never mixed silently:
///  - token ppl "GPTQ style" (tokenPerplexity),
///  - lm-eval style word / byte perplexity and bits per byte over documents (wordPerplexity),
///  - llama.cpp style: BOS per chunk, second half scored (llamaCppPerplexity).
/// All score full windows in batches (one forward per batch, log-softmax in float32, sums in
/// float64); the batch size never changes a result beyond float rounding.
///
/// Token perplexity of a model over a token stream.  The default is the "GPTQ style" convention
/// (docs/evaluation.md): the text tokenized once without special tokens, cut to the
/// first maxTokens, split into ⌊T/n⌋ disjoint windows of n tokens; every token but each window's
/// first is predicted.  Options: a BOS token in front of every window (then every text token of
/// the window is predicted), and a stride < n for overlapping windows that score only new tokens.

#include <cstdint>
#include <string>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }
namespace slim::tok { class Tokenizer; }

namespace slim::eval {

struct TokenPerplexityOptions {
    int64_t context = 2048;        ///< window length n (including the BOS when bosPerWindow)
    int64_t maxTokens = -1;        ///< cut the stream to its first M tokens (-1 = all)
    int64_t stride = -1;           ///< -1 = disjoint windows (stride = n)
    bool bosPerWindow = false;     ///< prepend BOS to every window
    int64_t bosId = -1;            ///< needed with bosPerWindow: eval::prefixToken (prefix_token.h)
    int64_t batchSize = -1;        ///< windows per forward (-1 = choose from the logits size)
};

struct PerplexityResult {
    double ppl = 0.0;
    double nllSum = 0.0;           ///< Σ −log p over predicted tokens (nats)
    double nllStderr = 0.0;        ///< standard error of the mean NLL (sd / sqrt(N))
    double pplStderr = 0.0;        ///< ppl · nllStderr (delta method; what llama.cpp prints as ±)
    int64_t tokens = 0;            ///< predicted tokens
    int64_t windows = 0;
    double seconds = 0.0;
    double tokensPerS = 0.0;       ///< tokens processed (windows × n) per second
};

/// llama.cpp `perplexity` (examples/perplexity/perplexity.cpp): the text tokenized once with BOS in
/// front, cut into ⌊T/n_ctx⌋ chunks; each chunk's first token is replaced by BOS and only the
/// second half is scored (the predictions of positions n_ctx/2 … n_ctx−2).
struct LlamaCppPerplexityOptions {
    int64_t context = 512;         ///< n_ctx
    int64_t bosId = -1;            ///< needed with addBos: the tokenizer's BOS
    bool addBos = true;            ///< the model's tokenizer adds BOS (llama_add_bos_token; eval::tokenizerAddsBos)
    int64_t maxChunks = -1;        ///< --chunks (-1 = all)
    int64_t batchSize = -1;        ///< chunks per forward (-1 = auto)
};

PerplexityResult llamaCppPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& stream,
                                    const LlamaCppPerplexityOptions& opts, const JobContext& ctx);

/// lm-evaluation-harness `loglikelihood_rolling` (HFLM): windows of max_length from
/// utils.get_rolling_token_windows with context_len 1 and make_disjoint_window; the first window of
/// a document is prefixed with the prefix token (BOS for Llama-family tokenizers).
struct RollingOptions {
    int64_t maxLength = 2048;      ///< the harness's max_length: the model's max_position_embeddings
    int64_t prefixToken = -1;      ///< eval::prefixToken: the tokenizer's BOS, else its EOS (required)
    int64_t batchSize = -1;        ///< windows per forward (-1 = auto)
};

/// Σ log p of every token of each document (positive-is-better loglikelihood, as the harness) and
/// the number of tokens scored; `windows` receives the number of windows.
std::vector<std::pair<double, int64_t>> rollingLoglikelihood(const model::LlamaModel& model,
                                                             const std::vector<std::vector<int32_t>>& docs,
                                                             const RollingOptions& opts, const JobContext& ctx,
                                                             int64_t* windows = nullptr);

struct WordPerplexityOptions {
    RollingOptions rolling;
    bool detokenize = true;        ///< apply lm-eval's wikitext_detokenizer before tokenizing
};

struct DocumentScore {
    double loglikelihood = 0.0;
    int64_t words = 0, bytes = 0, tokens = 0;
};

/// lm-eval `wikitext`: word_perplexity = exp(−ΣLL/Σwords), byte_perplexity = exp(−ΣLL/Σbytes),
/// bits_per_byte = −ΣLL/Σbytes/ln 2, words and bytes counted on the original pages.
struct WordPerplexityResult {
    double wordPerplexity = 0.0, bytePerplexity = 0.0, bitsPerByte = 0.0;
    double tokenPerplexity = 0.0;  ///< exp(−ΣLL/Σtokens) over the same windows (for reference)
    double loglikelihood = 0.0;
    int64_t words = 0, bytes = 0, tokens = 0, windows = 0;
    double seconds = 0.0, tokensPerS = 0.0;
    std::vector<DocumentScore> documents;
};

/// Score `pages` (e.g. splitWikitextDocuments of wiki.test.raw) the lm-eval way.
WordPerplexityResult wordPerplexity(const model::LlamaModel& model, const tok::Tokenizer& tokenizer,
                                    const std::vector<std::string>& pages, const WordPerplexityOptions& opts,
                                    const JobContext& ctx);

PerplexityResult tokenPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& stream,
                                 const TokenPerplexityOptions& opts, const JobContext& ctx);

/// Σ −log p(ids[t+1] | ids[≤t]) of one sequence (all tokens but the first predicted).
double sequenceNll(const model::LlamaModel& model, const std::vector<int64_t>& ids);

} // namespace slim::eval
