#include "core/quant/awq.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <functional>

namespace slim::quant {

using model::Proj;

namespace {

model::DenseLinear& dense(model::LlamaModel& m, int64_t l, Proj p) {
    return m.denseProjection(l, p, "AWQ");
}

/// Calls f(x's samples b0 .. b0 + n − 1) for consecutive batches of at most `batch` samples of x
/// (N, T, in), passing b0 too.
template <typename F>
void eachBatch(const at::Tensor& x, int64_t batch, F&& f) {
    for (int64_t b0 = 0; b0 < x.size(0); b0 += batch)
        f(b0, x.narrow(0, b0, std::min(batch, x.size(0) - b0)));
}

/// Run `block` over the samples of x in batches, the outputs written into one tensor (no second copy
/// for a concatenation: on the Llama-3-8B shape with 32 x 2048 calibration tokens an output is 512 MiB).
at::Tensor batched(const at::Tensor& x, int64_t batch, const std::function<at::Tensor(const at::Tensor&)>& block) {
    at::Tensor out;
    eachBatch(x, batch, [&](int64_t b0, const at::Tensor& xb) {
        const at::Tensor y = block(xb);
        if (!out.defined()) {
            auto shape = y.sizes().vec();
            shape[0] = x.size(0);
            out = at::empty(shape, y.options());
        }
        out.narrow(0, b0, xb.size(0)).copy_(y);
    });
    return out;
}

/// Mean squared difference between `ref` (the block's outputs before the trial) and the block's
/// outputs now, in fp32 per batch and summed in double: llm-awq's (org_out - out).float().pow(2).mean()
/// without holding a second full output and its fp32 differences (~4 GiB on the 8B shape).
double batchedMse(const at::Tensor& x, const at::Tensor& ref, int64_t batch, const std::function<at::Tensor(const at::Tensor&)>& block) {
    double sum = 0.0;
    eachBatch(x, batch, [&](int64_t b0, const at::Tensor& xb) {
        const at::Tensor d = block(xb).to(at::kFloat) - ref.narrow(0, b0, xb.size(0)).to(at::kFloat);
        sum += d.pow(2).sum().item<double>();
    });
    return sum / double(ref.numel());
}

/// Mean |x| per input channel over every token of x, in fp32, a batch of samples at a time (a whole
/// down_proj input in fp32 is 3.5 GiB on the 8B shape).
at::Tensor absMean(const at::Tensor& x, int64_t batch) {
    const int64_t in = x.size(-1);
    at::Tensor sum = at::zeros({in}, x.options().dtype(at::kFloat));
    eachBatch(x, batch, [&](int64_t, const at::Tensor& xb) { sum += xb.abs().reshape({-1, in}).to(at::kFloat).sum(0); });
    return sum / double(x.numel() / in);
}

} // namespace

std::vector<AwqGroupResult> awqLayer(model::LlamaModel& m, int64_t l, AwqLayerInputs in, const AwqOptions& o,
                                     const JobContext& ctx) {
    at::NoGradGuard noGrad;
    auto& L = m.layer(l);
    const auto& cfg = m.config();
    const int64_t T = in.qkv.size(1);
    std::map<int64_t, model::LlamaModel::LayerInputs> liCache;
    auto li = [&](int64_t B) -> const model::LlamaModel::LayerInputs& {
        auto it = liCache.find(B);
        if (it == liCache.end())
            it = liCache.emplace(B, m.layerInputs(B, T, in.qkv.device())).first;
        return it->second;
    };
    const auto attn = [&](const at::Tensor& h) {
        const auto& x = li(h.size(0));
        return m.attentionBlock(l, h, x.cos, x.sin, x.maskOf(cfg, l, T), nullptr, nullptr);
    };
    const auto mlp = [&](const at::Tensor& h) { return m.mlpBlock(l, h, nullptr); };
    const auto oProj = [&](const at::Tensor& h) { return L.p(Proj::O).forward(h); };
    const auto downProj = [&](const at::Tensor& h) { return L.p(Proj::Down).forward(h); };

    struct Group {
        std::string name;
        std::vector<Proj> linears;
        at::Tensor* x;
        std::function<at::Tensor(const at::Tensor&)> inspect;
        enum class Prev { InputNorm, PostNorm, VProj, UpProj } prev;
    };
    std::vector<Group> groups = {{"qkv", {Proj::Q, Proj::K, Proj::V}, &in.qkv, attn, Group::Prev::InputNorm},
                                 {"o", {Proj::O}, &in.o, oProj, Group::Prev::VProj},
                                 {"gate_up", {Proj::Gate, Proj::Up}, &in.gateUp, mlp, Group::Prev::PostNorm},
                                 {"down", {Proj::Down}, &in.down, downProj, Group::Prev::UpProj}};
    std::vector<AwqGroupResult> results;
    // The clip search's inputs: every (T·B / clipTokens)-th token (llm-awq's n_sample_token) of each
    // clipped projection's input divided by the chosen scales, kept instead of whole activations.
    std::map<Proj, at::Tensor> scaledInput;
    const auto clipSample = [&](const at::Tensor& x) {
        const at::Tensor flat = x.reshape({-1, x.size(-1)});
        const int64_t step = std::max<int64_t>(1, flat.size(0) / o.clipTokens);
        return flat.slice(0, 0, flat.size(0), step).clone();
    };
    const auto clipped = [](Proj p) { return p != Proj::Q && p != Proj::K; };
    for (auto& g : groups) {
        ctx.checkCancel();
        AwqGroupResult r;
        r.group = g.name;
        const at::Tensor& x = *g.x;
        if (g.prev == Group::Prev::VProj && dense(m, l, Proj::V).weight().size(0) != dense(m, l, Proj::O).weight().size(1)) {
            r.skipped = "v_proj output (" + std::to_string(dense(m, l, Proj::V).weight().size(0)) + ") != o_proj input (" +
                        std::to_string(dense(m, l, Proj::O).weight().size(1)) + "): grouped-query attention";
            results.push_back(r);
            for (Proj p : g.linears)
                if (o.clip && clipped(p))
                    scaledInput[p] = clipSample(x);
            continue;
        }
        const at::Tensor xMax = absMean(x, o.batchSize);                 // (in)
        const at::Tensor orgOut = batched(x, o.batchSize, g.inspect);   // in the activation dtype
        std::vector<at::Tensor> saved;
        for (Proj p : g.linears)
            saved.push_back(dense(m, l, p).weight().clone());
        double best = std::numeric_limits<double>::infinity();
        at::Tensor bestScales;
        for (int i = 0; i < o.grid; ++i) {
            const double ratio = double(i) / double(o.grid);
            at::Tensor s = xMax.pow(ratio).clamp_min(1e-4);
            s = s / (s.max() * s.min()).sqrt();
            for (size_t k = 0; k < g.linears.size(); ++k) {
                at::Tensor& w = dense(m, l, g.linears[k]).weight();
                const at::Tensor ws = saved[k].to(at::kFloat) * s.unsqueeze(0);
                w.copy_((fakeQuantize(ws, o.spec) / s.unsqueeze(0)).to(w.scalar_type()));
            }
            const double loss = batchedMse(x, orgOut, o.batchSize, g.inspect);
            if (i == 0)
                r.lossPlain = loss;
            if (loss < best) {
                best = loss;
                r.ratio = ratio;
                bestScales = s;
            }
        }
        for (size_t k = 0; k < g.linears.size(); ++k)
            dense(m, l, g.linears[k]).weight().copy_(saved[k]);
        if (!bestScales.defined())
            throw ConfigError("AWQ layer " + std::to_string(l) + " " + g.name + ": no finite loss in the scale search");
        r.loss = best;
        // Fold: previous op / s, the group's columns · s.
        const at::Tensor& s = bestScales;
        auto divRows = [&](Proj p) {
            auto& d = dense(m, l, p);
            const int64_t n = s.size(0);
            d.weight().narrow(0, d.weight().size(0) - n, n).div_(s.unsqueeze(1).to(d.weight().scalar_type()));
            if (d.mutableBias())
                d.mutableBias()->narrow(0, d.mutableBias()->size(0) - n, n).div_(s.to(d.mutableBias()->scalar_type()));
        };
        switch (g.prev) {
        case Group::Prev::InputNorm:
            L.inputNorm.div_(s.to(L.inputNorm.scalar_type()));
            break;
        case Group::Prev::PostNorm:
            L.postAttentionNorm.div_(s.to(L.postAttentionNorm.scalar_type()));
            break;
        case Group::Prev::VProj:
            divRows(Proj::V);
            break;
        case Group::Prev::UpProj:
            divRows(Proj::Up);
            break;
        }
        for (Proj p : g.linears) {
            at::Tensor& w = dense(m, l, p).weight();
            w.mul_(s.unsqueeze(0).to(w.scalar_type()));
            if (o.clip && clipped(p))
                scaledInput[p] = clipSample(x) / s.to(x.scalar_type());
        }
        results.push_back(r);
    }

    if (o.clip) {
        // llm-awq auto_clip: every projection but q and k (their error is dominated by the softmax).
        for (Proj p : {Proj::V, Proj::O, Proj::Gate, Proj::Up, Proj::Down}) {
            ctx.checkCancel();
            at::Tensor& wref = dense(m, l, p).weight();
            const at::Tensor w = wref.to(at::kFloat);
            const int64_t co = w.size(0), ci = w.size(1), gs = o.spec.groupWidth(ci);
            if (ci % gs)
                continue;
            const int64_t ng = ci / gs;
            const at::Tensor xs = scaledInput.at(p).to(at::kFloat);                    // (t, ci), sampled
            const at::Tensor xg = xs.reshape({xs.size(0), ng, gs}).permute({1, 0, 2}); // (ng, t, gs)
            const at::Tensor wg = w.reshape({co, ng, gs});
            const at::Tensor orgMax = wg.abs().amax(-1, true);          // (co, ng, 1)
            at::Tensor bestMax = orgMax.clone();
            // Output channels in batches (as llm-awq's oc_batch_size): the (ng, t, rows) partial outputs
            // of a whole down_proj would be ~1 GB each on the Llama-3-8B shape.  Rows are independent,
            // so the result is the same.
            const int64_t rowsPerBatch = std::max<int64_t>(64, (int64_t(64) << 20) / std::max<int64_t>(1, ng * xs.size(0)));
            for (int64_t r0 = 0; r0 < co; r0 += rowsPerBatch) {
                const int64_t nr = std::min(rowsPerBatch, co - r0);
                const at::Tensor wb = wg.narrow(0, r0, nr), maxB = orgMax.narrow(0, r0, nr);
                at::Tensor minErr = at::full({nr, ng, 1}, 1e30, w.options()), best = maxB.clone();
                // Partial outputs per group: (ng, t, gs) x (ng, gs, rows) -> (ng, t, rows)
                const at::Tensor orgOut = at::bmm(xg, wb.permute({1, 2, 0}));
                for (int i = 0; i < int(o.maxShrink * o.grid); ++i) {
                    const at::Tensor maxVal = maxB * (1.0 - double(i) / double(o.grid));
                    const at::Tensor cur = at::max(at::min(wb, maxVal), -maxVal);
                    const at::Tensor q = fakeQuantize(cur.reshape({nr, ci}), o.spec).reshape({nr, ng, gs});
                    const at::Tensor out = at::bmm(xg, q.permute({1, 2, 0}));
                    const at::Tensor err = (out - orgOut).pow(2).mean(1).t().unsqueeze(2); // (rows, ng, 1)
                    const at::Tensor better = err.lt(minErr);
                    minErr = at::where(better, err, minErr);
                    best = at::where(better, maxVal, best);
                }
                bestMax.narrow(0, r0, nr).copy_(best);
            }
            wref.copy_(at::max(at::min(wg, bestMax), -bestMax).reshape({co, ci}).to(wref.scalar_type()));
        }
    }
    return results;
}

} // namespace slim::quant
