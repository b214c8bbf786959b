#include "core/prune/width_prune.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/linear.h"
#include "core/model/llama_model.h"
#include "core/train/trainable_scope.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace slim::prune {

using model::Proj;

std::string_view widthImportanceName(WidthImportance w) {
    switch (w) {
    case WidthImportance::L1: return "l1";
    case WidthImportance::L2: return "l2";
    case WidthImportance::Taylor: return "taylor";
    case WidthImportance::ParamMix: return "param-mix";
    }
    return "?";
}

WidthImportance parseWidthImportance(std::string_view s) {
    for (auto w : {WidthImportance::L1, WidthImportance::L2, WidthImportance::Taylor, WidthImportance::ParamMix})
        if (s == widthImportanceName(w))
            return w;
    throw ConfigError("--importance '" + std::string(s) + "' is unknown (l1, l2, taylor, param-mix)");
}

nlohmann::json WidthPruneReport::toJson() const {
    nlohmann::json per = nlohmann::json::array();
    for (const auto& l : layers)
        per.push_back({{"layer", l.layer}, {"heads", {l.headsBefore, l.headsAfter}}, {"kv_heads", {l.kvHeadsBefore, l.kvHeadsAfter}},
                       {"intermediate", {l.intermediateBefore, l.intermediateAfter}}});
    return {{"layers", per}, {"parameters_before", parametersBefore}, {"parameters_after", parametersAfter},
            {"kept", parametersBefore ? double(parametersAfter) / double(parametersBefore) : 0.0},
            {"uniform", uniform}, {"seconds", seconds}};
}

namespace {

model::DenseLinear& dense(model::LlamaModel& m, int64_t l, Proj p) {
    return m.denseProjection(l, p, "width pruning", "prune first");
}

/// Element scores of a weight for the chosen importance (float64).
at::Tensor elementScore(const at::Tensor& w, WidthImportance imp, const at::Tensor& g, const at::Tensor& g2) {
    const at::Tensor W = w.to(at::kDouble);
    switch (imp) {
    case WidthImportance::L1: return W.abs();
    case WidthImportance::L2: return W.pow(2);
    case WidthImportance::Taylor: return (W * g.to(at::kDouble)).abs();
    case WidthImportance::ParamMix:
        return (W * g.to(at::kDouble) - 0.5 * W * g2.to(at::kDouble) * W).abs();
    }
    return W.abs();
}

/// Keep the rows (dim 0) or columns (dim 1) `idx` of a projection (and its bias for rows).
void narrowProjection(model::LlamaModel& m, int64_t l, Proj p, int64_t dim, const at::Tensor& idx) {
    model::DenseLinear& d = dense(m, l, p);
    d.weight() = d.weight().index_select(dim, idx.to(d.weight().device())).contiguous();
    if (dim == 0 && d.mutableBias())
        d.mutableBias() = d.mutableBias()->index_select(0, idx.to(d.weight().device())).contiguous();
}

/// The `keep` most important of `score` (sorted indices, ascending).
at::Tensor keepIndices(const at::Tensor& score, int64_t keep) {
    const at::Tensor top = std::get<1>(at::topk(score, keep, 0, /*largest=*/true, /*sorted=*/false));
    return std::get<0>(at::sort(top));
}

} // namespace

GroupImportance layerImportance(const model::LlamaModel& mc, int64_t l, WidthImportance imp,
                                const std::vector<at::Tensor>& grads, const std::vector<at::Tensor>& sq) {
    auto& m = const_cast<model::LlamaModel&>(mc);
    const auto& L = m.layer(l);
    const int64_t H = L.numHeads, KV = L.numKvHeads, D = m.config().headDim, rep = KV > 0 ? H / KV : 1;
    auto score = [&](Proj p) {
        const int i = static_cast<int>(p);
        const at::Tensor g = grads.empty() ? at::Tensor() : grads[size_t(i)];
        const at::Tensor g2 = sq.empty() ? at::Tensor() : sq[size_t(i)];
        return elementScore(dense(m, l, p).weight(), imp, g, g2);
    };
    GroupImportance gi;
    if (KV > 0) {
        // q rows of group g: heads g·rep … (g+1)·rep−1, i.e. rows [g·rep·D, (g+1)·rep·D); k, v rows [g·D, (g+1)·D);
        // o columns like q's rows.
        const at::Tensor q = score(Proj::Q).sum(1).view({KV, rep * D}).sum(1);
        const at::Tensor k = score(Proj::K).sum(1).view({KV, D}).sum(1);
        const at::Tensor v = score(Proj::V).sum(1).view({KV, D}).sum(1);
        const at::Tensor o = score(Proj::O).sum(0).view({KV, rep * D}).sum(1);
        gi.attention = (q + k + v + o).cpu();
    }
    if (m.config().intermediateOf(l) > 0)
        gi.mlp = (score(Proj::Gate).sum(1) + score(Proj::Up).sum(1) + score(Proj::Down).sum(0)).cpu();
    return gi;
}

LayerGradients accumulateGradients(model::LlamaModel& m, const at::Tensor& ids, int64_t first, int64_t last,
                                   const JobContext& ctx) {
    const int64_t Lc = m.numLayers();
    LayerGradients out;
    out.sum.resize(static_cast<size_t>(Lc));
    out.sumSqOverN.resize(static_cast<size_t>(Lc));
    std::vector<at::Tensor> params;
    for (int64_t l = first; l <= last; ++l)
        for (Proj p : model::kAllProj) {
            at::Tensor& w = dense(m, l, p).weight();
            params.push_back(w);
            out.sum[size_t(l)].push_back(at::zeros_like(w, w.options().dtype(at::kFloat)));
            out.sumSqOverN[size_t(l)].push_back(at::zeros_like(w, w.options().dtype(at::kFloat)));
        }
    const train::TrainableScope trainable(params);
    const int64_t N = ids.size(0), T = ids.size(1);
    for (int64_t n = 0; n < N; ++n) {
        ctx.checkCancel();
        ctx.setStatus("gradients: sample " + std::to_string(n + 1) + "/" + std::to_string(N));
        for (auto& p : params)
            p.mutable_grad() = at::Tensor();
        const at::Tensor x = ids.narrow(0, n, 1).to(m.device());
        const at::Tensor logits = m.forward(x).narrow(1, 0, T - 1);
        at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), x.narrow(1, 1, T - 1).reshape({-1})).backward();
        at::NoGradGuard g;
        size_t k = 0;
        for (int64_t l = first; l <= last; ++l)
            for (size_t i = 0; i < static_cast<size_t>(model::kNumProj); ++i, ++k) {
                const at::Tensor gr = params[k].grad().to(at::kFloat);
                out.sum[size_t(l)][i].add_(gr);
                out.sumSqOverN[size_t(l)][i].add_(gr * gr / static_cast<double>(N));
            }
        ctx.setProgress(static_cast<double>(n + 1) / static_cast<double>(N));
    }
    return out;
}

WidthPruneReport pruneWidth(model::LlamaModel& m, const at::Tensor& ids, const WidthPruneOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!(o.ratio >= 0 && o.ratio < 1))
        throw ConfigError("width pruning: --ratio must be in [0, 1)");
    const int64_t Lc = m.numLayers();
    const int64_t first = std::max<int64_t>(0, o.firstLayer), last = o.lastLayer < 0 ? Lc - 1 : std::min(o.lastLayer, Lc - 1);
    if (first > last)
        throw ConfigError("width pruning: the layer range " + std::to_string(first) + ":" + std::to_string(last + 1) + " is empty");
    WidthPruneReport r;
    r.parametersBefore = m.parameterCount();

    // Gradients for the Taylor importances: Σ g and Σ g² / N over single-sample backward passes.
    const bool needGrad = o.importance == WidthImportance::Taylor || o.importance == WidthImportance::ParamMix;
    std::vector<std::vector<at::Tensor>> grads(static_cast<size_t>(Lc)), sq(static_cast<size_t>(Lc));
    if (needGrad) {
        if (!ids.defined() || ids.dim() != 2 || ids.size(1) < 2)
            throw ConfigError("width pruning with " + std::string(widthImportanceName(o.importance)) +
                              " importance needs calibration text (--calib FILE)");
        auto acc = accumulateGradients(m, ids, first, last, ctx.slice(0.0, 0.5));
        grads = std::move(acc.sum);
        sq = std::move(acc.sumSqOverN);
    }

    at::NoGradGuard noGrad;
    auto& cfg = m.mutableConfig();
    std::vector<int64_t> heads(static_cast<size_t>(Lc)), kvs(static_cast<size_t>(Lc)), inter(static_cast<size_t>(Lc));
    for (int64_t l = 0; l < Lc; ++l) {
        heads[size_t(l)] = cfg.headsOf(l);
        kvs[size_t(l)] = cfg.kvHeadsOf(l);
        inter[size_t(l)] = cfg.intermediateOf(l);
    }
    const int64_t D = cfg.headDim;
    for (int64_t l = first; l <= last; ++l) {
        ctx.checkCancel();
        ctx.setStatus("width pruning layer " + std::to_string(l + 1) + "/" + std::to_string(Lc));
        const GroupImportance gi = layerImportance(m, l, o.importance, grads[size_t(l)], sq[size_t(l)]);
        LayerWidth lw;
        lw.layer = l;
        auto& L = m.layer(l);
        lw.headsBefore = L.numHeads;
        lw.kvHeadsBefore = L.numKvHeads;
        lw.intermediateBefore = inter[size_t(l)];
        if (o.attention && L.numKvHeads > 0) {
            const int64_t KV = L.numKvHeads, rep = L.numHeads / KV;
            const int64_t keep = std::max<int64_t>(1, KV - static_cast<int64_t>(std::llround(o.ratio * static_cast<double>(KV))));
            if (keep < KV) {
                const at::Tensor groups = keepIndices(gi.attention, keep);                          // (keep)
                const at::Tensor qRows = (groups.unsqueeze(1) * (rep * D) + at::arange(rep * D).unsqueeze(0)).reshape({-1});
                const at::Tensor kvRows = (groups.unsqueeze(1) * D + at::arange(D).unsqueeze(0)).reshape({-1});
                narrowProjection(m, l, Proj::Q, 0, qRows);
                narrowProjection(m, l, Proj::K, 0, kvRows);
                narrowProjection(m, l, Proj::V, 0, kvRows);
                narrowProjection(m, l, Proj::O, 1, qRows);
                L.numKvHeads = keep;
                L.numHeads = keep * rep;
            }
        }
        if (o.mlp && inter[size_t(l)] > 0) {
            const int64_t I = inter[size_t(l)];
            const int64_t keep = std::max<int64_t>(1, I - static_cast<int64_t>(std::llround(o.ratio * static_cast<double>(I))));
            if (keep < I) {
                const at::Tensor ch = keepIndices(gi.mlp, keep);
                narrowProjection(m, l, Proj::Gate, 0, ch);
                narrowProjection(m, l, Proj::Up, 0, ch);
                narrowProjection(m, l, Proj::Down, 1, ch);
                inter[size_t(l)] = keep;
            }
        }
        heads[size_t(l)] = L.numHeads;
        kvs[size_t(l)] = L.numKvHeads;
        lw.headsAfter = L.numHeads;
        lw.kvHeadsAfter = L.numKvHeads;
        lw.intermediateAfter = inter[size_t(l)];
        r.layers.push_back(lw);
        ctx.setProgress(0.5 + 0.5 * static_cast<double>(l - first + 1) / static_cast<double>(last - first + 1));
    }
    // Uniform widths: a plain Hugging Face config; otherwise Slimbench's per-layer shapes.
    r.uniform = std::all_of(heads.begin(), heads.end(), [&](int64_t h) { return h == heads[0]; }) &&
                std::all_of(kvs.begin(), kvs.end(), [&](int64_t h) { return h == kvs[0]; }) &&
                std::all_of(inter.begin(), inter.end(), [&](int64_t h) { return h == inter[0]; });
    if (r.uniform) {
        cfg.layerNumHeads.clear();
        cfg.layerNumKvHeads.clear();
        cfg.layerIntermediateSize.clear();
        cfg.numHeads = heads[0];
        cfg.numKvHeads = kvs[0];
        cfg.intermediateSize = inter[0];
    } else {
        cfg.layerNumHeads = heads;
        cfg.layerNumKvHeads = kvs;
        cfg.layerIntermediateSize = inter;
    }
    r.parametersAfter = m.parameterCount();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ctx.setProgress(1.0);
    return r;
}

} // namespace slim::prune
