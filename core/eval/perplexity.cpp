#include "core/eval/perplexity.h"
#include "core/eval/prefix_token.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/eval/wikitext.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace slim::eval {

namespace {

struct Window {
    std::vector<int64_t> ids;   // tokens; the model reads ids[0 .. n-2] and predicts ids[1 .. n-1]
    int64_t scoreFrom = 1;      // first index whose token is scored (predicted from the previous)
};

struct WindowScore {
    double nll = 0.0;     // Σ −log p of the scored tokens
    double nllSq = 0.0;   // Σ (−log p)²
    int64_t tokens = 0;
};

// Per window: Σ −log p(ids[t] | ids[<t]) for t in [scoreFrom, len), one batched forward.
// Right padding: a padded position is never attended to by a real one (causal) and never scored.
std::vector<WindowScore> scoreWindows(const model::LlamaModel& model, const std::vector<const Window*>& batch) {
    const int64_t B = static_cast<int64_t>(batch.size());
    int64_t T = 1;
    for (const Window* w : batch)
        T = std::max<int64_t>(T, static_cast<int64_t>(w->ids.size()) - 1);
    // Pad the length to a multiple of 8: 2047-token inputs run markedly slower than 2048 on GPU
    // tensor cores, and right padding changes no real position's logits (causal attention).
    T = (T + 7) / 8 * 8;
    at::Tensor input = at::zeros({B, T}, at::kLong);
    at::Tensor targets = at::zeros({B, T}, at::kLong);
    at::Tensor weight = at::zeros({B, T}, at::kDouble);
    auto ia = input.accessor<int64_t, 2>();
    auto ta = targets.accessor<int64_t, 2>();
    auto wa = weight.accessor<double, 2>();
    for (int64_t b = 0; b < B; ++b) {
        const auto& ids = batch[static_cast<size_t>(b)]->ids;
        const int64_t n = static_cast<int64_t>(ids.size());
        for (int64_t t = 0; t + 1 < n; ++t) {
            ia[b][t] = ids[static_cast<size_t>(t)];
            ta[b][t] = ids[static_cast<size_t>(t + 1)];
        }
        for (int64_t t = std::max<int64_t>(batch[static_cast<size_t>(b)]->scoreFrom, 1); t < n; ++t)
            wa[b][t - 1] = 1.0;
    }
    const at::Tensor logits = model.forward(input);                                  // (B, T, V) fp32
    // −log softmax at the target = logsumexp − logit: no (B, T, V) log-probability copy.
    const at::Tensor picked = logits.gather(-1, targets.to(logits.device()).unsqueeze(-1)).squeeze(-1);
    const at::Tensor nll = (at::logsumexp(logits, -1) - picked).to(at::kDouble);
    const at::Tensor w = weight.to(logits.device());
    const at::Tensor sums = (nll * w).sum(1).cpu(), sq = (nll * nll * w).sum(1).cpu(), counts = weight.sum(1);
    std::vector<WindowScore> out(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b)
        out[static_cast<size_t>(b)] = {sums[b].item<double>(), sq[b].item<double>(),
                                       static_cast<int64_t>(counts[b].item<double>())};
    return out;
}

/// Windows per forward so that the fp32 logits of a batch (and the logsumexp's temporary) stay near
/// 512 MiB on the CPU and 4 GiB on a GPU.
int64_t autoBatch(const model::LlamaModel& model, int64_t requested, int64_t windowLength) {
    if (requested > 0)
        return requested;
    const double budget = (model.device().is_cuda() ? 4096.0 : 512.0) * 1024 * 1024;
    const double perWindow = static_cast<double>(windowLength) * static_cast<double>(model.config().vocabSize) * 4.0 * 2.0;
    return std::clamp<int64_t>(static_cast<int64_t>(budget / perWindow), 1, 64);
}

/// Score all windows in batches of similar length (longest first; the order does not change a
/// result), with progress and cancel per batch.  Returns one score per window, in input order.
std::vector<WindowScore> scoreAll(const model::LlamaModel& model, const std::vector<Window>& windows,
                                  int64_t batchSize, const JobContext& ctx) {
    std::vector<size_t> order(windows.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return windows[a].ids.size() > windows[b].ids.size(); });
    std::vector<WindowScore> scores(windows.size());
    at::InferenceMode guard;
    for (size_t i = 0; i < order.size(); i += static_cast<size_t>(batchSize)) {
        ctx.checkCancel();
        const size_t j = std::min(order.size(), i + static_cast<size_t>(batchSize));
        std::vector<const Window*> batch;
        for (size_t k = i; k < j; ++k)
            batch.push_back(&windows[order[k]]);
        const auto s = scoreWindows(model, batch);
        for (size_t k = i; k < j; ++k)
            scores[order[k]] = s[k - i];
        ctx.setProgress(static_cast<double>(j) / static_cast<double>(order.size()));
    }
    return scores;
}

void finish(PerplexityResult& r, const std::vector<WindowScore>& scores, int64_t processedTokens,
            std::chrono::steady_clock::time_point t0) {
    double sq = 0.0;
    for (const auto& s : scores) {
        r.nllSum += s.nll;
        sq += s.nllSq;
        r.tokens += s.tokens;
    }
    r.windows = static_cast<int64_t>(scores.size());
    const double n = static_cast<double>(r.tokens);
    const double mean = r.nllSum / n;
    r.ppl = std::exp(mean);
    // Delta method (as llama.cpp reports "PPL = x +/- y"): sd(nll) / sqrt(N) on the mean NLL.
    const double var = n > 1 ? std::max(0.0, (sq / n - mean * mean) * n / (n - 1)) : 0.0;
    r.nllStderr = std::sqrt(var / n);
    r.pplStderr = r.ppl * r.nllStderr;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.tokensPerS = static_cast<double>(processedTokens) / std::max(r.seconds, 1e-9);
}

} // namespace

PerplexityResult tokenPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& streamIn,
                                 const TokenPerplexityOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (o.context < 2)
        throw ConfigError("perplexity: context must be at least 2 tokens, got " + std::to_string(o.context));
    if (o.bosPerWindow)
        requirePrefixToken(o.bosId, "perplexity with BOS per window");
    std::vector<int64_t> stream(streamIn.begin(), streamIn.end());
    if (o.maxTokens >= 0 && static_cast<int64_t>(stream.size()) > o.maxTokens)
        stream.resize(static_cast<size_t>(o.maxTokens));
    const int64_t n = o.context;
    const int64_t text = o.bosPerWindow ? n - 1 : n;   // text tokens per window

    std::vector<Window> windows;
    const int64_t N = static_cast<int64_t>(stream.size());
    if (o.stride <= 0 || o.stride >= text) {
        // Disjoint windows: ⌊N / text⌋ of them; the remainder is dropped (GPTQ convention).
        for (int64_t start = 0; start + text <= N; start += text) {
            Window w;
            if (o.bosPerWindow)
                w.ids.push_back(o.bosId);
            w.ids.insert(w.ids.end(), stream.begin() + start, stream.begin() + start + text);
            w.scoreFrom = 1;
            windows.push_back(std::move(w));
        }
    } else {
        // Sliding windows (HF "perplexity of fixed-length models"): each window scores only the
        // tokens the previous one did not; the first scores all but its first token.
        int64_t scoredUpTo = 0;  // stream index of the first unscored token
        for (int64_t start = 0; scoredUpTo < N; start += o.stride) {
            const int64_t end = std::min(start + text, N);
            Window w;
            if (o.bosPerWindow)
                w.ids.push_back(o.bosId);
            w.ids.insert(w.ids.end(), stream.begin() + start, stream.begin() + end);
            const int64_t offset = o.bosPerWindow ? 1 : 0;
            w.scoreFrom = std::max<int64_t>(1, scoredUpTo - start + offset);
            scoredUpTo = end;
            if (static_cast<int64_t>(w.ids.size()) > w.scoreFrom)
                windows.push_back(std::move(w));
            if (end == N)
                break;
        }
    }
    if (windows.empty())
        throw ConfigError("perplexity: the text has " + std::to_string(N) + " tokens, fewer than one window of " +
                          std::to_string(n));

    PerplexityResult r;
    const auto scores = scoreAll(model, windows, autoBatch(model, o.batchSize, n), ctx);
    int64_t processed = 0;
    for (const auto& w : windows)
        processed += static_cast<int64_t>(w.ids.size());
    finish(r, scores, processed, t0);
    return r;
}

PerplexityResult llamaCppPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& streamIn,
                                    const LlamaCppPerplexityOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (o.context < 4)
        throw ConfigError("perplexity (llama.cpp style): context must be at least 4 tokens, got " + std::to_string(o.context));
    // llama.cpp tokenizes the whole file with BOS in front, cuts it into ⌊T / n_ctx⌋ chunks, puts
    // BOS in place of each chunk's first token and scores the predictions of positions
    // first = n_ctx / 2 .. n_ctx − 2, i.e. tokens n_ctx/2 + 1 .. n_ctx − 1 of every chunk.
    if (o.addBos)
        requirePrefixToken(o.bosId, "perplexity (llama.cpp style)");
    std::vector<int64_t> tokens;
    tokens.reserve(streamIn.size() + 1);
    if (o.addBos)
        tokens.push_back(o.bosId);
    tokens.insert(tokens.end(), streamIn.begin(), streamIn.end());
    const int64_t n = o.context;
    int64_t chunks = static_cast<int64_t>(tokens.size()) / n;
    if (o.maxChunks > 0)
        chunks = std::min(chunks, o.maxChunks);
    if (chunks < 1)
        throw ConfigError("perplexity (llama.cpp style): the text has " + std::to_string(tokens.size()) +
                          " tokens, fewer than one chunk of " + std::to_string(n));
    const int64_t first = n / 2;
    std::vector<Window> windows(static_cast<size_t>(chunks));
    for (int64_t c = 0; c < chunks; ++c) {
        Window& w = windows[static_cast<size_t>(c)];
        w.ids.assign(tokens.begin() + c * n, tokens.begin() + (c + 1) * n);
        if (o.addBos)
            w.ids[0] = o.bosId;
        w.scoreFrom = first + 1;
    }
    PerplexityResult r;
    const auto scores = scoreAll(model, windows, autoBatch(model, o.batchSize, n), ctx);
    finish(r, scores, chunks * n, t0);
    return r;
}

std::vector<std::pair<double, int64_t>> rollingLoglikelihood(const model::LlamaModel& model,
                                                             const std::vector<std::vector<int32_t>>& docs,
                                                             const RollingOptions& o, const JobContext& ctx,
                                                             int64_t* windowsOut) {
    if (o.maxLength < 1)
        throw ConfigError("rolling loglikelihood: max length must be at least 1, got " + std::to_string(o.maxLength));
    requirePrefixToken(o.prefixToken, "rolling loglikelihood");
    // lm-eval utils.get_rolling_token_windows(context_len = 1) + make_disjoint_window: the first
    // window reads [prefix] + x[0 .. L-2] and predicts x[0 .. L-1]; every later one predicts the
    // next (up to) L new tokens from a full window of L inputs ending just before its last target.
    const int64_t L = o.maxLength;
    std::vector<Window> windows;
    std::vector<size_t> owner;
    for (size_t d = 0; d < docs.size(); ++d) {
        const auto& x = docs[d];
        const int64_t N = static_cast<int64_t>(x.size());
        if (N == 0)
            continue;
        const int64_t firstLen = std::min(L, N);
        Window w;
        w.ids.push_back(o.prefixToken);
        w.ids.insert(w.ids.end(), x.begin(), x.begin() + firstLen);
        w.scoreFrom = 1;
        windows.push_back(std::move(w));
        owner.push_back(d);
        int64_t predicted = firstLen;
        while (predicted < N) {
            const int64_t len = std::min(N - predicted, L);
            const int64_t end = predicted + len;              // exclusive
            const int64_t start = std::max<int64_t>(0, end - L - 1);
            Window v;
            v.ids.assign(x.begin() + start, x.begin() + end);
            v.scoreFrom = static_cast<int64_t>(v.ids.size()) - len;
            windows.push_back(std::move(v));
            owner.push_back(d);
            predicted = end;
        }
    }
    if (windowsOut)
        *windowsOut = static_cast<int64_t>(windows.size());
    std::vector<std::pair<double, int64_t>> out(docs.size(), {0.0, 0});
    if (windows.empty())
        return out;
    const auto scores = scoreAll(model, windows, autoBatch(model, o.batchSize, L), ctx);
    for (size_t i = 0; i < windows.size(); ++i) {
        out[owner[i]].first -= scores[i].nll;
        out[owner[i]].second += scores[i].tokens;
    }
    return out;
}

WordPerplexityResult wordPerplexity(const model::LlamaModel& model, const tok::Tokenizer& tokenizer,
                                    const std::vector<std::string>& pages, const WordPerplexityOptions& o,
                                    const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    WordPerplexityResult r;
    std::vector<std::vector<int32_t>> tokens;
    tokens.reserve(pages.size());
    ctx.setStatus("tokenizing " + std::to_string(pages.size()) + " documents");
    for (const auto& page : pages) {
        ctx.checkCancel();
        const std::string target = o.detokenize ? wikitextDetokenize(page) : page;
        tokens.push_back(tokenizer.encode(target, /*addSpecialTokens=*/false));
        DocumentScore d;
        d.words = countWords(page);
        d.bytes = static_cast<int64_t>(page.size());
        d.tokens = static_cast<int64_t>(tokens.back().size());
        r.documents.push_back(d);
    }
    ctx.setStatus("scoring " + std::to_string(pages.size()) + " documents");
    const auto ll = rollingLoglikelihood(model, tokens, o.rolling, ctx, &r.windows);
    for (size_t i = 0; i < pages.size(); ++i) {
        r.documents[i].loglikelihood = ll[i].first;
        r.loglikelihood += ll[i].first;
        r.words += r.documents[i].words;
        r.bytes += r.documents[i].bytes;
        r.tokens += ll[i].second;
    }
    if (r.words == 0 || r.bytes == 0 || r.tokens == 0)
        throw ConfigError("word perplexity: the documents hold no text to score");
    r.wordPerplexity = std::exp(-r.loglikelihood / static_cast<double>(r.words));
    r.bytePerplexity = std::exp(-r.loglikelihood / static_cast<double>(r.bytes));
    r.bitsPerByte = -r.loglikelihood / static_cast<double>(r.bytes) / std::log(2.0);
    r.tokenPerplexity = std::exp(-r.loglikelihood / static_cast<double>(r.tokens));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.tokensPerS = static_cast<double>(r.tokens) / std::max(r.seconds, 1e-9);
    return r;
}

double sequenceNll(const model::LlamaModel& model, const std::vector<int64_t>& ids) {
    if (ids.size() < 2)
        return 0.0;
    at::InferenceMode guard;
    const Window w{ids, 1};
    return scoreWindows(model, {&w})[0].nll;
}

} // namespace slim::eval
