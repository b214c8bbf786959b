#include "core/eval/kl_divergence.h"
#include "core/eval/prefix_token.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace slim::eval {

KlResult klDivergence(const model::LlamaModel& base, const model::LlamaModel& variant,
                      const std::vector<int32_t>& streamIn, const KlOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (base.config().vocabSize != variant.config().vocabSize)
        throw ConfigError("KL divergence: the base model has a vocabulary of " + std::to_string(base.config().vocabSize) +
                          " tokens, the variant " + std::to_string(variant.config().vocabSize) +
                          " — both must share one tokenizer");
    if (o.context < 2)
        throw ConfigError("KL divergence: context must be at least 2 tokens, got " + std::to_string(o.context));
    if (o.bosPerWindow)
        requirePrefixToken(o.bosId, "KL divergence with BOS per window");
    std::vector<int64_t> stream(streamIn.begin(), streamIn.end());
    if (o.maxTokens >= 0 && static_cast<int64_t>(stream.size()) > o.maxTokens)
        stream.resize(static_cast<size_t>(o.maxTokens));
    const int64_t n = o.context;
    const int64_t text = o.bosPerWindow ? n - 1 : n;
    const int64_t windows = static_cast<int64_t>(stream.size()) / text;
    if (windows < 1)
        throw ConfigError("KL divergence: the text has " + std::to_string(stream.size()) +
                          " tokens, fewer than one window of " + std::to_string(n));
    int64_t bs = o.batchSize;
    if (bs <= 0) {
        // Two models' logits and log-probabilities per window: keep a batch near 512 MiB.
        const double perWindow = static_cast<double>(n) * static_cast<double>(base.config().vocabSize) * 4.0 * 4.0;
        bs = std::clamp<int64_t>(static_cast<int64_t>((512.0 * 1024 * 1024) / perWindow), 1, 32);
    }

    KlResult r;
    r.windows = windows;
    std::vector<float> kls;
    kls.reserve(static_cast<size_t>(windows * (n - 1)));
    double klSum = 0, klSq = 0, agree = 0, dpSum = 0, dpSq = 0, nllBase = 0, nllVar = 0;
    at::InferenceMode guard;
    for (int64_t w0 = 0; w0 < windows; w0 += bs) {
        ctx.checkCancel();
        const int64_t B = std::min(bs, windows - w0);
        at::Tensor ids = at::empty({B, n}, at::kLong);
        auto ia = ids.accessor<int64_t, 2>();
        for (int64_t b = 0; b < B; ++b) {
            int64_t t = 0;
            if (o.bosPerWindow)
                ia[b][t++] = o.bosId;
            const int64_t start = (w0 + b) * text;
            for (int64_t k = 0; k < text; ++k)
                ia[b][t++] = stream[static_cast<size_t>(start + k)];
        }
        const at::Tensor input = ids.narrow(1, 0, n - 1);
        const at::Tensor lpBase = at::log_softmax(base.forward(input.to(base.device())), -1);          // (B, n-1, V)
        const at::Tensor lpVar = at::log_softmax(variant.forward(input.to(variant.device())), -1).to(lpBase.device());
        const at::Tensor kl = (lpBase.exp() * (lpBase - lpVar)).sum(-1).clamp_min(0.0).to(at::kDouble);  // (B, n-1)
        const at::Tensor same = (lpBase.argmax(-1) == lpVar.argmax(-1)).to(at::kDouble);
        const at::Tensor targets = ids.narrow(1, 1, n - 1).to(lpBase.device()).unsqueeze(-1);
        const at::Tensor lbT = lpBase.gather(-1, targets).squeeze(-1).to(at::kDouble);
        const at::Tensor lvT = lpVar.gather(-1, targets).squeeze(-1).to(at::kDouble);
        const at::Tensor dp = lvT.exp() - lbT.exp();
        klSum += kl.sum().item<double>();
        klSq += (kl * kl).sum().item<double>();
        agree += same.sum().item<double>();
        dpSum += dp.sum().item<double>();
        dpSq += (dp * dp).sum().item<double>();
        nllBase -= lbT.sum().item<double>();
        nllVar -= lvT.sum().item<double>();
        const at::Tensor klCpu = kl.to(at::kFloat).cpu().contiguous();
        kls.insert(kls.end(), klCpu.data_ptr<float>(), klCpu.data_ptr<float>() + klCpu.numel());
        ctx.setProgress(static_cast<double>(w0 + B) / static_cast<double>(windows));
    }
    const double N = static_cast<double>(kls.size());
    r.tokens = static_cast<int64_t>(kls.size());
    r.meanKl = klSum / N;
    r.klStderr = N > 1 ? std::sqrt(std::max(0.0, (klSq / N - r.meanKl * r.meanKl) * N / (N - 1)) / N) : 0.0;
    r.top1Agreement = agree / N;
    r.top1Stderr = N > 1 ? std::sqrt(r.top1Agreement * (1.0 - r.top1Agreement) / (N - 1)) : 0.0;
    r.meanDeltaP = dpSum / N;
    r.rmsDeltaP = std::sqrt(dpSq / N);
    r.basePpl = std::exp(nllBase / N);
    r.variantPpl = std::exp(nllVar / N);
    // Quantiles of the per-token KL (nearest rank on the sorted values).
    auto quantile = [&](double q) {
        const size_t k = std::min(kls.size() - 1, static_cast<size_t>(std::ceil(q * N)) - (q > 0 ? 1 : 0));
        std::nth_element(kls.begin(), kls.begin() + static_cast<long>(k), kls.end());
        return static_cast<double>(kls[k]);
    };
    r.medianKl = quantile(0.5);
    r.p99Kl = quantile(0.99);
    r.maxKl = static_cast<double>(*std::max_element(kls.begin(), kls.end()));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace slim::eval
