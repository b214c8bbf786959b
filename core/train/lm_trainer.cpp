#include "core/train/lm_trainer.h"

#include "core/train/grad_clip.h"
#include "core/train/trainable_scope.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/linear.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <random>
#include <sstream>

namespace slim::train {

namespace {

using model::DenseLinear;
using model::LlamaModel;
using model::Proj;

DenseLinear& denseOf(model::Linear& lin, const std::string& what) {
    auto* d = dynamic_cast<DenseLinear*>(&lin);
    if (!d)
        throw UnsupportedError("training needs dense projections; " + what + " is '" + lin.kind() + "'");
    return *d;
}

/// The trainable tensors, split as nanoGPT does: matrices get weight decay, norms and biases not.
struct Parameters {
    std::vector<at::Tensor> decay;
    std::vector<at::Tensor> noDecay;
    std::vector<at::Tensor> all() const {
        std::vector<at::Tensor> v = decay;
        v.insert(v.end(), noDecay.begin(), noDecay.end());
        return v;
    }
};

Parameters collectParameters(LlamaModel& m) {
    Parameters p;
    p.decay.push_back(m.embedTokens());
    p.noDecay.push_back(m.finalNorm());
    for (int64_t l = 0; l < m.numLayers(); ++l) {
        model::DecoderLayer& L = m.layer(l);
        p.noDecay.push_back(L.inputNorm);
        p.noDecay.push_back(L.postAttentionNorm);
        for (Proj which : model::kAllProj) {
            DenseLinear& d = denseOf(L.p(which), "layer " + std::to_string(l) + " projection " +
                                                     std::to_string(static_cast<int>(which)));
            p.decay.push_back(d.weight());
            if (d.mutableBias())
                p.noDecay.push_back(*d.mutableBias());
        }
    }
    if (!m.tiedLmHead())
        p.decay.push_back(denseOf(m.lmHead(), "lm_head").weight());
    return p;
}

at::Tensor windowTensor(const std::vector<int32_t>& stream, int64_t start, int64_t len) {
    at::Tensor t = at::empty({1, len}, at::kLong);
    int64_t* dst = t.data_ptr<int64_t>();
    for (int64_t i = 0; i < len; ++i)
        dst[i] = stream[static_cast<size_t>(start + i)];
    return t;
}

/// Window starts and lengths of the evaluation convention (see streamPerplexity).
std::vector<std::pair<int64_t, int64_t>> evalWindows(size_t streamSize, int64_t context, int64_t maxTokens) {
    int64_t n = static_cast<int64_t>(streamSize);
    if (maxTokens > 0)
        n = std::min(n, maxTokens);
    std::vector<std::pair<int64_t, int64_t>> w;
    for (int64_t s = 0; s + 2 <= n; s += context)
        w.emplace_back(s, std::min(context, n - s));
    return w;
}

double lrAt(const LmTrainOptions& o, int64_t step) {
    // Linear warmup to the peak, then cosine decay to peak * minRatio at the last step.
    if (step < o.warmupSteps)
        return o.learningRate * static_cast<double>(step + 1) / static_cast<double>(o.warmupSteps);
    const double span = static_cast<double>(std::max<int64_t>(1, o.steps - o.warmupSteps));
    const double progress = std::min(1.0, static_cast<double>(step - o.warmupSteps) / span);
    const double minLr = o.learningRate * o.minLearningRateRatio;
    return minLr + 0.5 * (o.learningRate - minLr) * (1.0 + std::cos(3.14159265358979323846 * progress));
}

void validate(const LlamaModel& model, const std::vector<int32_t>& stream, const char* what, int64_t minTokens) {
    if (static_cast<int64_t>(stream.size()) < minTokens)
        throw ConfigError(std::string(what) + " token stream has " + std::to_string(stream.size()) +
                          " tokens; at least " + std::to_string(minTokens) + " are needed");
    const int64_t V = model.config().vocabSize;
    for (int32_t id : stream)
        if (id < 0 || id >= V)
            throw ConfigError(std::string(what) + " token stream holds id " + std::to_string(id) +
                              " outside the vocabulary (0.." + std::to_string(V - 1) + ")");
}

} // namespace

void initForTraining(LlamaModel& m, double stddev, uint64_t seed) {
    at::NoGradGuard noGrad;
    at::manual_seed(seed);
    const double residualScale = 1.0 / std::sqrt(2.0 * static_cast<double>(std::max<int64_t>(1, m.numLayers())));
    m.embedTokens().normal_(0.0, stddev);
    m.finalNorm().fill_(1.0);
    for (int64_t l = 0; l < m.numLayers(); ++l) {
        model::DecoderLayer& L = m.layer(l);
        L.inputNorm.fill_(1.0);
        L.postAttentionNorm.fill_(1.0);
        for (Proj which : model::kAllProj) {
            DenseLinear& d = denseOf(L.p(which), "layer " + std::to_string(l));
            const bool residualOut = which == Proj::O || which == Proj::Down;
            d.weight().normal_(0.0, residualOut ? stddev * residualScale : stddev);
            if (d.mutableBias())
                d.mutableBias()->zero_();
        }
    }
    if (!m.tiedLmHead())
        denseOf(m.lmHead(), "lm_head").weight().normal_(0.0, stddev);
}

double streamPerplexity(const LlamaModel& model, const std::vector<int32_t>& stream, int64_t context,
                        int64_t maxTokens, int64_t* scored, const JobContext* ctx) {
    if (context < 2)
        throw ConfigError("perplexity context " + std::to_string(context) + " must be at least 2");
    at::NoGradGuard noGrad;
    const auto windows = evalWindows(stream.size(), context, maxTokens);
    if (windows.empty())
        throw ConfigError("perplexity needs a stream of at least 2 tokens");
    double nll = 0.0;
    int64_t count = 0;
    constexpr int64_t kBatch = 8;
    for (size_t i = 0; i < windows.size();) {
        if (ctx) {
            ctx->checkCancel();
            ctx->setProgress(static_cast<double>(i) / static_cast<double>(windows.size()));
        }
        // Full windows in batches; a shorter last window alone.
        const int64_t len = windows[i].second;
        std::vector<at::Tensor> rows;
        while (i < windows.size() && windows[i].second == len && static_cast<int64_t>(rows.size()) < kBatch) {
            rows.push_back(windowTensor(stream, windows[i].first, len));
            ++i;
        }
        const at::Tensor ids = at::cat(rows, 0);                                   // (b, len)
        const at::Tensor logits = model.forward(ids);                             // (b, len, V)
        const int64_t V = logits.size(2);
        const at::Tensor pred = logits.narrow(1, 0, len - 1).reshape({-1, V});
        const at::Tensor target = ids.narrow(1, 1, len - 1).reshape({-1}).to(logits.device());
        nll += at::cross_entropy_loss(pred, target, {}, at::Reduction::Sum).item<double>();
        count += pred.size(0);
    }
    if (scored)
        *scored = count;
    return std::exp(nll / static_cast<double>(count));
}

double unigramPerplexity(const std::vector<int32_t>& trainStream, const std::vector<int32_t>& stream,
                         int64_t vocabSize, int64_t context, int64_t maxTokens) {
    std::vector<double> counts(static_cast<size_t>(vocabSize), 0.5);
    for (int32_t id : trainStream)
        if (id >= 0 && id < vocabSize)
            counts[static_cast<size_t>(id)] += 1.0;
    const double total = static_cast<double>(trainStream.size()) + 0.5 * static_cast<double>(vocabSize);
    double nll = 0.0;
    int64_t n = 0;
    for (const auto& [s, len] : evalWindows(stream.size(), context, maxTokens)) {
        for (int64_t t = 1; t < len; ++t) {
            const int32_t id = stream[static_cast<size_t>(s + t)];
            const double c = (id >= 0 && id < vocabSize) ? counts[static_cast<size_t>(id)] : 0.5;
            nll -= std::log(c / total);
            ++n;
        }
    }
    return n > 0 ? std::exp(nll / static_cast<double>(n)) : 0.0;
}

LmTrainResult trainLanguageModel(LlamaModel& model, const std::vector<int32_t>& trainStream,
                                 const std::vector<int32_t>& heldoutStream, const LmTrainOptions& o,
                                 const JobContext& ctx) {
    if (o.steps < 1 || o.batchSize < 1 || o.context < 2)
        throw ConfigError("training needs steps >= 1, batch >= 1 and context >= 2 (got " + std::to_string(o.steps) +
                          ", " + std::to_string(o.batchSize) + ", " + std::to_string(o.context) + ")");
    if (o.context > model.config().maxPositionEmbeddings)
        throw ConfigError("training context " + std::to_string(o.context) + " exceeds max_position_embeddings " +
                          std::to_string(model.config().maxPositionEmbeddings));
    if (!(o.learningRate > 0.0) || o.warmupSteps < 0)
        throw ConfigError("learning rate must be > 0 and warmup >= 0");
    validate(model, trainStream, "training", o.context + 1);
    validate(model, heldoutStream, "held-out", 2);
    if (o.threads > 0)
        at::set_num_threads(o.threads);

    LmTrainResult r;
    const int64_t V = model.config().vocabSize;
    const JobContext evalBefore = ctx.slice(0.0, 0.04);
    const JobContext trainCtx = ctx.slice(0.04, 0.96);
    const JobContext evalAfter = ctx.slice(0.96, 1.0);
    // A fixed slice of the training text, as long as the held-out evaluation, for train ppl.
    const int64_t evalCap = o.evalMaxTokens > 0 ? o.evalMaxTokens : static_cast<int64_t>(heldoutStream.size());
    const int64_t trainEvalTokens = std::min<int64_t>(static_cast<int64_t>(trainStream.size()),
                                                      std::min<int64_t>(evalCap, static_cast<int64_t>(heldoutStream.size())));
    if (o.evaluate) {
        ctx.setStatus("perplexity before training");
        r.heldoutPplBefore = streamPerplexity(model, heldoutStream, o.context, evalCap, &r.evalTokens, &evalBefore);
        r.trainPplBefore = streamPerplexity(model, trainStream, o.context, trainEvalTokens);
        r.unigramHeldoutPpl = unigramPerplexity(trainStream, heldoutStream, V, o.context, evalCap);
    }

    const Parameters params = collectParameters(model);
    TrainableScope trainable(params.all());
    namespace optim = torch::optim;
    auto makeOptions = [&](double wd) {
        return std::make_unique<optim::AdamWOptions>(optim::AdamWOptions(o.learningRate)
                                                         .betas(std::make_tuple(o.beta1, o.beta2))
                                                         .eps(o.adamEps)
                                                         .weight_decay(wd));
    };
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(params.decay, makeOptions(o.weightDecay));
    groups.emplace_back(params.noDecay, makeOptions(0.0));
    optim::AdamW optimizer(std::move(groups), optim::AdamWOptions(o.learningRate));
    const std::vector<at::Tensor> all = params.all();

    std::mt19937_64 rng(o.seed);
    const int64_t maxStart = static_cast<int64_t>(trainStream.size()) - (o.context + 1);
    std::uniform_int_distribution<int64_t> startDist(0, maxStart);
    at::Tensor batch = at::empty({o.batchSize, o.context + 1}, at::kLong);
    const auto t0 = std::chrono::steady_clock::now();
    r.losses.reserve(static_cast<size_t>(o.steps));
    for (int64_t step = 0; step < o.steps; ++step) {
        trainCtx.checkCancel();
        int64_t* dst = batch.data_ptr<int64_t>();
        for (int64_t b = 0; b < o.batchSize; ++b) {
            const int64_t s = startDist(rng);
            for (int64_t t = 0; t <= o.context; ++t)
                dst[b * (o.context + 1) + t] = trainStream[static_cast<size_t>(s + t)];
        }
        const at::Tensor inputs = batch.narrow(1, 0, o.context).to(model.device());
        const at::Tensor targets = batch.narrow(1, 1, o.context).reshape({-1}).to(model.device());

        optimizer.zero_grad();
        const at::Tensor logits = model.forward(inputs);                        // (B, T, V) fp32
        const at::Tensor loss = at::cross_entropy_loss(logits.reshape({-1, V}), targets);
        loss.backward();
        if (o.gradClip > 0.0)
            clipGradNorm(all, o.gradClip, "training", step);   // global-norm clipping
        const double lr = lrAt(o, step);
        for (auto& g : optimizer.param_groups())
            g.options().set_lr(lr);
        optimizer.step();

        const double lossValue = loss.item<double>();
        if (!std::isfinite(lossValue))
            throw Error("training diverged: loss is " + std::to_string(lossValue) + " at step " + std::to_string(step));
        r.losses.push_back(lossValue);
        r.steps = step + 1;
        trainCtx.setProgress(static_cast<double>(step + 1) / static_cast<double>(o.steps));
        if (step % 10 == 0 || step + 1 == o.steps) {
            std::ostringstream s;
            s << "step " << step + 1 << "/" << o.steps << " loss " << std::fixed << std::setprecision(3) << lossValue
              << " lr " << std::scientific << std::setprecision(2) << lr;
            ctx.setStatus(s.str());
        }
    }
    r.trainSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.trainTokens = r.steps * o.batchSize * o.context;
    r.tokensPerSecond = r.trainSeconds > 0 ? static_cast<double>(r.trainTokens) / r.trainSeconds : 0.0;

    if (o.evaluate) {
        ctx.setStatus("perplexity after training");
        r.heldoutPplAfter = streamPerplexity(model, heldoutStream, o.context, evalCap, nullptr, &evalAfter);
        r.trainPplAfter = streamPerplexity(model, trainStream, o.context, trainEvalTokens);
    }
    ctx.setProgress(1.0);
    return r;
}

} // namespace slim::train
