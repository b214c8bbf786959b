#include "core/eval/perplexity.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace slim::eval {

namespace {

struct Window {
    std::vector<int64_t> ids;   // model input
    int64_t scoreFrom = 1;      // first position whose token is scored (predicted from the previous)
};

// Σ −log p of targets ids[t] for t in [scoreFrom, len) of each window, batched.
double scoreWindows(const model::LlamaModel& model, const std::vector<Window>& batch) {
    const int64_t B = static_cast<int64_t>(batch.size());
    int64_t T = 0;
    for (const auto& w : batch)
        T = std::max<int64_t>(T, static_cast<int64_t>(w.ids.size()));
    // Right padding; padded positions are neither attended to by real tokens (causal) nor scored.
    at::Tensor ids = at::zeros({B, T}, at::kLong);
    at::Tensor weight = at::zeros({B, T - 1}, at::kFloat);
    auto ia = ids.accessor<int64_t, 2>();
    auto wa = weight.accessor<float, 2>();
    for (int64_t b = 0; b < B; ++b) {
        const auto& w = batch[static_cast<size_t>(b)];
        for (size_t t = 0; t < w.ids.size(); ++t)
            ia[b][static_cast<int64_t>(t)] = w.ids[t];
        for (int64_t t = std::max<int64_t>(w.scoreFrom, 1); t < static_cast<int64_t>(w.ids.size()); ++t)
            wa[b][t - 1] = 1.0f;
    }
    const at::Tensor logits = model.forward(ids);                              // (B, T, V) fp32
    const at::Tensor logp = at::log_softmax(logits.narrow(1, 0, T - 1), -1);   // (B, T-1, V)
    const at::Tensor targets = ids.narrow(1, 1, T - 1).to(logits.device());   // (B, T-1)
    const at::Tensor nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1); // (B, T-1)
    return (nll.to(at::kDouble) * weight.to(logits.device(), at::kDouble)).sum().item<double>();
}

} // namespace

PerplexityResult tokenPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& streamIn,
                                 const TokenPerplexityOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (o.context < 2)
        throw ConfigError("perplexity: context must be at least 2 tokens, got " + std::to_string(o.context));
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

    // Batch so that the fp32 logits of one batch stay around 512 MiB.
    int64_t bs = o.batchSize;
    if (bs <= 0) {
        const double perWindow = static_cast<double>(n) * static_cast<double>(model.config().vocabSize) * 4.0 * 2.0;
        bs = std::clamp<int64_t>(static_cast<int64_t>((512.0 * 1024 * 1024) / perWindow), 1, 64);
    }
    at::InferenceMode guard;
    PerplexityResult r;
    for (size_t i = 0; i < windows.size(); i += static_cast<size_t>(bs)) {
        ctx.checkCancel();
        const size_t j = std::min(windows.size(), i + static_cast<size_t>(bs));
        std::vector<Window> batch(windows.begin() + static_cast<long>(i), windows.begin() + static_cast<long>(j));
        r.nllSum += scoreWindows(model, batch);
        for (const auto& w : batch)
            r.tokens += static_cast<int64_t>(w.ids.size()) - w.scoreFrom;
        ctx.setProgress(static_cast<double>(j) / static_cast<double>(windows.size()));
    }
    r.windows = static_cast<int64_t>(windows.size());
    r.ppl = std::exp(r.nllSum / static_cast<double>(r.tokens));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.tokensPerS = static_cast<double>(r.windows * n) / std::max(r.seconds, 1e-9);
    return r;
}

double sequenceNll(const model::LlamaModel& model, const std::vector<int64_t>& ids) {
    if (ids.size() < 2)
        return 0.0;
    at::InferenceMode guard;
    return scoreWindows(model, {Window{ids, 1}});
}

} // namespace slim::eval
