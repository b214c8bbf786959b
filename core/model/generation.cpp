#include "core/model/generation.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/static_decoder.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

namespace slim::model {

namespace {
using Clock = std::chrono::steady_clock;
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }
} // namespace

int64_t sampleToken(const at::Tensor& logits, double temperature, double topP, double rng01) {
    const at::Tensor l = logits.to(at::kCPU, at::kFloat).contiguous().view({-1});
    if (temperature <= 0.0)
        return l.argmax().item<int64_t>();
    // Softmax with temperature, then nucleus filtering (keep the smallest prefix of tokens sorted by
    // probability whose mass reaches top_p; the first token is always kept), renormalise, sample.
    const at::Tensor probs = at::softmax(l / temperature, -1);
    const auto sorted = probs.sort(/*dim=*/-1, /*descending=*/true);
    const at::Tensor sp = std::get<0>(sorted);
    const at::Tensor si = std::get<1>(sorted);
    const float* p = sp.data_ptr<float>();
    const int64_t* idx = si.data_ptr<int64_t>();
    const int64_t n = sp.numel();
    int64_t keep = n;
    if (topP < 1.0) {
        double cum = 0.0;
        for (int64_t i = 0; i < n; ++i) {
            cum += p[i];
            if (cum >= topP) {
                keep = i + 1;
                break;
            }
        }
    }
    double mass = 0.0;
    for (int64_t i = 0; i < keep; ++i)
        mass += p[i];
    const double target = rng01 * mass;
    double cum = 0.0;
    for (int64_t i = 0; i < keep; ++i) {
        cum += p[i];
        if (cum > target)
            return idx[i];
    }
    return idx[keep - 1];
}

namespace {

// Greedy decoding on CUDA through the static-cache decoder (one CUDA graph replay per token), in
// chunks so that streaming, EOS and cancellation are handled between chunks.
GenerationResult generateGreedyStatic(const LlamaModel& model, const std::vector<int64_t>& promptIds,
                                      const GenerationOptions& opts, const JobContext& ctx,
                                      const std::function<void(int64_t)>& onToken) {
    constexpr int64_t kChunk = 16;
    GenerationResult r;
    r.promptIds = promptIds;
    const int64_t T0 = static_cast<int64_t>(promptIds.size());
    StaticDecoder dec(model, 1, T0 + opts.maxNewTokens + 1);
    const auto& eos = model.config().eosTokenIds;
    ctx.setStatus("prefill");
    const auto t0 = Clock::now();
    const at::Tensor ids = at::tensor(promptIds, at::kLong).view({1, T0}).to(model.device());
    std::vector<int64_t> pending{dec.prefill(ids).to(at::kCPU).item<int64_t>()};
    const auto t1 = Clock::now();
    r.prefillSeconds = seconds(t0, t1);
    r.prefillTokensPerS = T0 / std::max(r.prefillSeconds, 1e-9);
    ctx.setStatus("decoding");
    bool stop = false;
    while (!stop) {
        for (int64_t tok : pending) {
            r.newIds.push_back(tok);
            if (onToken)
                onToken(tok);
            if ((opts.stopAtEos && std::find(eos.begin(), eos.end(), tok) != eos.end()) ||
                static_cast<int64_t>(r.newIds.size()) == opts.maxNewTokens) {
                stop = true;
                break;
            }
        }
        ctx.setProgress(static_cast<double>(r.newIds.size()) / static_cast<double>(opts.maxNewTokens));
        if (stop)
            break;
        ctx.checkCancel();
        const int64_t n = std::min<int64_t>(kChunk, opts.maxNewTokens - static_cast<int64_t>(r.newIds.size()));
        const at::Tensor chunk = dec.decode(n).to(at::kCPU).contiguous();
        pending.assign(chunk.data_ptr<int64_t>(), chunk.data_ptr<int64_t>() + n);
    }
    r.decodeSeconds = seconds(t1, Clock::now());
    const int64_t decoded = static_cast<int64_t>(r.newIds.size()) - 1;
    r.decodeTokensPerS = decoded > 0 ? decoded / std::max(r.decodeSeconds, 1e-9) : 0.0;
    return r;
}

} // namespace

GenerationResult generate(const LlamaModel& model, const std::vector<int64_t>& promptIds,
                          const GenerationOptions& opts, const JobContext& ctx,
                          std::function<void(int64_t)> onToken) {
    if (promptIds.empty())
        throw ConfigError("generate: the prompt has no tokens (add a BOS token or some text)");
    if (opts.maxNewTokens < 0)
        throw ConfigError("generate: max-new-tokens must be >= 0");
    GenerationResult r;
    r.promptIds = promptIds;
    const int64_t T0 = static_cast<int64_t>(promptIds.size());
    const at::TensorOptions kvOpts = at::TensorOptions().device(model.device()).dtype(model.dtype());
    KVCache cache;
    cache.allocate(model.config(), 1, T0 + std::max<int64_t>(opts.maxNewTokens, 1), kvOpts);
    std::mt19937_64 rng(opts.seed);
    std::uniform_real_distribution<double> uni(0.0, 1.0);
    const auto& eos = model.config().eosTokenIds;

    at::InferenceMode guard;
    if (model.device().is_cuda() && opts.temperature <= 0.0 && opts.maxNewTokens > 1)
        return generateGreedyStatic(model, promptIds, opts, ctx, onToken);
    ctx.setStatus("prefill");
    const auto t0 = Clock::now();
    const at::Tensor ids = at::tensor(promptIds, at::kLong).view({1, T0});
    ForwardOptions fo;
    fo.cache = &cache;
    fo.lastTokenOnly = true;
    at::Tensor logits = model.forward(ids, fo);                    // (1, 1, V)
    int64_t next = opts.maxNewTokens > 0 ? sampleToken(logits[0][0], opts.temperature, opts.topP, uni(rng)) : -1;
    const auto t1 = Clock::now();                                  // sampleToken synchronised the device
    r.prefillSeconds = seconds(t0, t1);
    r.prefillTokensPerS = T0 / std::max(r.prefillSeconds, 1e-9);
    if (opts.maxNewTokens == 0)
        return r;

    ctx.setStatus("decoding");
    for (int64_t i = 0; i < opts.maxNewTokens; ++i) {
        ctx.checkCancel();
        r.newIds.push_back(next);
        if (onToken)
            onToken(next);
        ctx.setProgress(static_cast<double>(i + 1) / static_cast<double>(opts.maxNewTokens));
        if (opts.stopAtEos && std::find(eos.begin(), eos.end(), next) != eos.end())
            break;
        if (i + 1 == opts.maxNewTokens)
            break;
        const at::Tensor step = at::tensor(std::vector<int64_t>{next}, at::kLong).view({1, 1});
        logits = model.forward(step, fo);
        next = sampleToken(logits[0][0], opts.temperature, opts.topP, uni(rng));
    }
    const auto t2 = Clock::now();
    r.decodeSeconds = seconds(t1, t2);
    const int64_t decoded = static_cast<int64_t>(r.newIds.size()) - 1;   // the first came from prefill
    r.decodeTokensPerS = decoded > 0 ? decoded / std::max(r.decodeSeconds, 1e-9) : 0.0;
    return r;
}

GenerationResult generateText(const LlamaModel& model, const tok::Tokenizer& tokenizer, const std::string& prompt,
                              bool addSpecialTokens, const GenerationOptions& opts, const JobContext& ctx) {
    const std::vector<int32_t> ids32 = tokenizer.encode(prompt, addSpecialTokens);
    if (ids32.empty())
        throw ConfigError("generate: the prompt is empty (it encodes to no token)");
    ctx.output(tokenizer.decode(ids32, true), "prompt");
    std::vector<int32_t> newIds;
    std::string shown;
    auto onToken = [&](int64_t token) {
        newIds.push_back(static_cast<int32_t>(token));
        ctx.setProgress(double(newIds.size()) / double(std::max<int64_t>(1, opts.maxNewTokens)));
        std::string text = tokenizer.decode(newIds, true);
        // A multi-byte character split over tokens decodes to U+FFFD (EF BF BD) until complete: wait.
        static const std::string kReplacement = "\xEF\xBF\xBD";
        if (text.size() >= 3 && text.compare(text.size() - 3, 3, kReplacement) == 0)
            return;
        if (text.compare(0, shown.size(), shown) != 0)
            ctx.output(text, "replace");
        else if (text.size() > shown.size())
            ctx.output(text.substr(shown.size()), "append");
        shown = std::move(text);
    };
    GenerationResult r = generate(model, std::vector<int64_t>(ids32.begin(), ids32.end()), opts, ctx, onToken);
    // What was held back (a character the last token left incomplete) is shown as it decodes.
    const std::string all = tokenizer.decode(newIds, true);
    if (all.compare(0, shown.size(), shown) != 0)
        ctx.output(all, "replace");
    else if (all.size() > shown.size())
        ctx.output(all.substr(shown.size()), "append");
    return r;
}

} // namespace slim::model
