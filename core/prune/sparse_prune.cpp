#include "core/prune/sparse_prune.h"

#include "core/analysis/hessian.h"
#include "core/analysis/obs_block.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/linear.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

namespace slim::prune {

using model::Proj;

std::string_view sparseMethodName(SparseMethod m) {
    switch (m) {
    case SparseMethod::Magnitude:
        return "magnitude";
    case SparseMethod::Wanda:
        return "wanda";
    case SparseMethod::SparseGpt:
        return "sparsegpt";
    }
    return "?";
}

SparseMethod parseSparseMethod(std::string_view name) {
    for (auto m : {SparseMethod::Magnitude, SparseMethod::Wanda, SparseMethod::SparseGpt})
        if (name == sparseMethodName(m))
            return m;
    throw ConfigError("unknown sparsity method '" + std::string(name) + "' (known: magnitude, wanda, sparsegpt)");
}

std::string SparsityTarget::describe() const {
    if (isNM())
        return std::to_string(n) + ":" + std::to_string(m);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g %%", ratio * 100.0);
    return buf;
}

SparsityTarget SparsityTarget::parse(const std::optional<std::string>& sparsity,
                                     const std::optional<std::string>& pattern) {
    if (sparsity.has_value() == pattern.has_value())
        throw ConfigError("give exactly one of --sparsity R (0 <= R < 1) and --pattern N:M (e.g. 2:4)");
    SparsityTarget t;
    if (sparsity) {
        char* end = nullptr;
        t.ratio = std::strtod(sparsity->c_str(), &end);
        if (end == sparsity->c_str() || *end || !(t.ratio >= 0.0 && t.ratio < 1.0))
            throw ConfigError("--sparsity '" + *sparsity + "': expected a number in [0, 1)");
        return t;
    }
    const auto colon = pattern->find(':');
    int n = 0, m = 0;
    if (colon == std::string::npos || std::sscanf(pattern->c_str(), "%d:%d", &n, &m) != 2 ||
        pattern->find_first_not_of("0123456789:") != std::string::npos)
        throw ConfigError("--pattern '" + *pattern + "': expected N:M, e.g. 2:4");
    if (m < 2 || n < 1 || n >= m)
        throw ConfigError("--pattern '" + *pattern + "': needs 1 <= N < M and M >= 2");
    t.n = n;
    t.m = m;
    t.ratio = double(n) / double(m);
    return t;
}

at::Tensor nmMask(const at::Tensor& score, int n, int m) {
    const int64_t out = score.size(0), in = score.size(1);
    if (in % m != 0)
        throw ConfigError("N:M sparsity: " + std::to_string(in) +
                          " input columns are not a multiple of M = " + std::to_string(m));
    const at::Tensor s = score.reshape({out, in / m, m});
    const at::Tensor idx = std::get<1>(at::topk(s, n, /*dim=*/-1, /*largest=*/false));
    return at::zeros_like(s, s.options().dtype(at::kBool)).scatter_(-1, idx, true).reshape({out, in});
}

at::Tensor magnitudeMask(const at::Tensor& weight, const SparsityTarget& t) {
    const at::Tensor a = weight.to(at::kFloat).abs();
    if (t.isNM())
        return nmMask(a, t.n, t.m);
    const int64_t k = static_cast<int64_t>(static_cast<double>(a.numel()) * t.ratio);
    if (k <= 0)
        return at::zeros_like(a, a.options().dtype(at::kBool));
    const at::Tensor thresh = std::get<0>(at::sort(a.flatten())).select(0, k); // the reference: sorted[k]
    return a.le(thresh);
}

at::Tensor wandaMask(const at::Tensor& weight, const at::Tensor& scalerRow, const SparsityTarget& t) {
    if (scalerRow.dim() != 1 || scalerRow.size(0) != weight.size(1))
        throw ConfigError("Wanda: the activation norms have " + std::to_string(scalerRow.numel()) +
                          " entries for a weight with " + std::to_string(weight.size(1)) + " input columns");
    const at::Tensor score =
        weight.to(at::kFloat).abs() * scalerRow.to(weight.device(), at::kFloat).sqrt().unsqueeze(0);
    if (t.isNM())
        return nmMask(score, t.n, t.m);
    const int64_t k = static_cast<int64_t>(static_cast<double>(score.size(1)) * t.ratio);
    at::Tensor mask = at::zeros_like(score, score.options().dtype(at::kBool));
    if (k > 0) {
        const at::Tensor idx =
            std::get<1>(at::sort(score, c10::optional<bool>(true), /*dim=*/-1, /*descending=*/false)).narrow(1, 0, k);
        mask.scatter_(1, idx, true);
    }
    return mask;
}

double sparseGptPrune(at::Tensor& W, const at::Tensor& hessian, const SparsityTarget& t, double percdamp,
                      int64_t blockSize, const char* what) {
    if (W.scalar_type() != at::kFloat || W.dim() != 2)
        throw ConfigError(std::string(what) + ": expected a float32 (out, in) weight");
    const int64_t columns = W.size(1);
    if (t.isNM() && (columns % t.m != 0 || blockSize % t.m != 0))
        throw ConfigError(std::string(what) + ": " + std::to_string(columns) + " input columns (block " +
                          std::to_string(blockSize) + ") are not a multiple of M = " + std::to_string(t.m));
    analysis::InverseHessian ih = analysis::inverseHessianUpper(hessian.to(W.device()), percdamp, what);
    W.index_put_({at::indexing::Slice(), ih.deadColumns}, 0.0);
    const at::Tensor& Hinv = ih.hinvUpper;

    for (int64_t i1 = 0; i1 < columns; i1 += blockSize) {
        const int64_t i2 = std::min(i1 + blockSize, columns), count = i2 - i1;
        at::Tensor W1 = W.narrow(1, i1, count).clone();
        at::Tensor Q1 = at::zeros_like(W1);
        at::Tensor Err1 = at::zeros_like(W1);
        const at::Tensor Hinv1 = Hinv.narrow(0, i1, count).narrow(1, i1, count);
        const at::Tensor d1 = Hinv1.diagonal(); // (count)
        at::Tensor mask1;
        if (!t.isNM()) {
            // Adaptive mask over the block: w² / [H⁻¹]_cc², the ⌊ratio·numel⌋-th smallest as threshold.
            const at::Tensor tmp = W1.pow(2) / d1.pow(2).unsqueeze(0);
            const int64_t k = static_cast<int64_t>(static_cast<double>(tmp.numel()) * t.ratio);
            if (k > 0) {
                const at::Tensor thresh = std::get<0>(at::sort(tmp.flatten())).select(0, std::min(k, tmp.numel() - 1));
                mask1 = tmp.le(thresh);
            } else {
                mask1 = at::zeros_like(W1, W1.options().dtype(at::kBool));
            }
        } else {
            mask1 = at::zeros_like(W1, W1.options().dtype(at::kBool));
        }
        if (analysis::fusedObsEnabled(W.device(), blockSize)) {
            // One pass per row (core/analysis/obs_block.h), the N:M choice made inside.
            analysis::ObsBlock ob{W1, Hinv1.contiguous(), Err1};
            analysis::sparseGptBlock(ob, mask1, t.isNM() ? t.n : 0, t.isNM() ? t.m : 0, Q1);
        } else {
            for (int64_t i = 0; i < count; ++i) {
                const at::Tensor w = W1.select(1, i);
                const at::Tensor d = Hinv1[i][i];
                if (t.isNM() && i % t.m == 0) {
                    const at::Tensor tmp = W1.narrow(1, i, t.m).pow(2) / d1.narrow(0, i, t.m).pow(2).unsqueeze(0);
                    const at::Tensor idx = std::get<1>(at::topk(tmp, t.n, 1, /*largest=*/false)) + i;
                    mask1.scatter_(1, idx, true);
                }
                const at::Tensor q = w.masked_fill(mask1.select(1, i), 0.0);
                Q1.select(1, i).copy_(q);
                const at::Tensor err = (w - q) / d; // (out)
                W1.narrow(1, i, count - i).sub_(err.unsqueeze(1).matmul(Hinv1.narrow(0, i, 1).narrow(1, i, count - i)));
                Err1.select(1, i).copy_(err);
            }
        }
        W.narrow(1, i1, count).copy_(Q1);
        if (i2 < columns)
            W.narrow(1, i2, columns - i2).sub_(Err1.matmul(Hinv.narrow(0, i1, count).narrow(1, i2, columns - i2)));
    }
    return ih.usedPercdamp;
}

nlohmann::json SparsePruneReport::toJson() const {
    nlohmann::json per = nlohmann::json::array();
    for (const auto& p : projections) {
        nlohmann::json j = {{"layer", p.layer},
                            {"projection", p.projection},
                            {"zeros", p.zeros},
                            {"numel", p.numel},
                            {"sparsity", p.numel ? double(p.zeros) / double(p.numel) : 0.0}};
        if (p.percdamp > 0)
            j["percdamp"] = p.percdamp;
        per.push_back(j);
    }
    nlohmann::json j = {{"zeros", zeros},
                        {"numel", numel},
                        {"sparsity", numel ? double(zeros) / double(numel) : 0.0},
                        {"seconds", seconds},
                        {"projections", per}};
    if (layerwise)
        j["layerwise"] = layerwise->toJson();
    return j;
}

namespace {

model::DenseLinear& denseOf(model::LlamaModel& m, int64_t layer, Proj p) {
    return m.denseProjection(layer, p, "sparsity pruning", "prune before quantizing");
}

/// Apply a prune mask (or a new float32 weight) to a projection in its storage dtype and record it.
void record(SparsePruneReport& r, int64_t layer, Proj p, const at::Tensor& weight, double damp = 0.0) {
    ProjectionSparsity s;
    s.layer = layer;
    s.projection = std::string(model::projName(p));
    s.numel = weight.numel();
    s.zeros = weight.eq(0).sum().item<int64_t>();
    s.percdamp = damp;
    r.zeros += s.zeros;
    r.numel += s.numel;
    r.projections.push_back(std::move(s));
}

} // namespace

SparsePruneReport pruneSparse(model::LlamaModel& model, const at::Tensor& calibIds, const SparsePruneOptions& o,
                              const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    at::NoGradGuard noGrad;
    SparsePruneReport r;
    const auto& wanted = o.layerwise.projections;
    const int64_t L = model.numLayers();
    const int64_t first = std::max<int64_t>(0, o.layerwise.firstLayer);
    const int64_t last = o.layerwise.lastLayer < 0 ? L - 1 : std::min(o.layerwise.lastLayer, L - 1);

    if (o.method == SparseMethod::Magnitude) {
        // No calibration: one threshold per matrix.
        for (int64_t l = first; l <= last; ++l) {
            ctx.checkCancel();
            ctx.setStatus("magnitude pruning: layer " + std::to_string(l + 1) + "/" + std::to_string(L));
            for (Proj p : wanted) {
                at::Tensor& w = denseOf(model, l, p).weight();
                w.masked_fill_(magnitudeMask(w, o.target).to(w.device()), 0.0);
                record(r, l, p, w);
            }
            ctx.setProgress(double(l - first + 1) / double(last - first + 1));
        }
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return r;
    }
    if (!calibIds.defined())
        throw ConfigError(std::string(sparseMethodName(o.method)) + " needs calibration data (--calib FILE)");

    const int64_t T = calibIds.size(1);
    // Per projection of the current group: Wanda's Σ x_j² / sequences, or SparseGPT's Hessian.
    std::map<Proj, at::Tensor> sumSq;
    std::map<Proj, int64_t> sequences;
    std::map<Proj, analysis::HessianAccumulator> hessians;
    std::map<Proj, Proj> ownerOf; // q, k, v (and gate, up) read one tensor: one Hessian under the first
    analysis::LayerwiseVisitor v;
    v.beginGroup = [&](int64_t, const analysis::ProjGroup&) {
        sumSq.clear();
        sequences.clear();
        hessians.clear();
        ownerOf.clear();
    };
    v.observe = [&](int64_t, const analysis::ProjGroup& sharing, const at::Tensor& rows) {
        const int64_t seqs = std::max<int64_t>(1, rows.size(0) / T);
        if (o.method == SparseMethod::Wanda) {
            const at::Tensor s = rows.to(at::kFloat).pow(2).sum(0);
            for (Proj p : sharing) {
                auto it = sumSq.find(p);
                if (it == sumSq.end())
                    sumSq.emplace(p, s.clone());
                else
                    it->second.add_(s);
                sequences[p] += seqs;
            }
        } else {
            // One Hessian per shared input: q, k, v (and gate, up) read the same tensor.
            hessians[sharing.front()].add(rows, seqs);
            for (Proj p : sharing)
                ownerOf[p] = sharing.front();
        }
    };
    v.compress = [&](int64_t layer, const analysis::ProjGroup& group) {
        for (Proj p : group) {
            ctx.checkCancel();
            model::DenseLinear& lin = denseOf(model, layer, p);
            at::Tensor& w = lin.weight();
            if (o.method == SparseMethod::Wanda) {
                const at::Tensor scaler = sumSq.at(p) / static_cast<double>(sequences.at(p));
                w.masked_fill_(wandaMask(w, scaler, o.target), 0.0);
                record(r, layer, p, w);
            } else {
                // The Hessian of the input this projection shares (accumulated under its first reader).
                const Proj owner = ownerOf.at(p);
                const std::string what =
                    "SparseGPT layer " + std::to_string(layer) + " " + std::string(model::projName(p));
                at::Tensor wf = w.to(at::kFloat).clone();
                const double damp =
                    sparseGptPrune(wf, hessians.at(owner).hessian(), o.target, o.percdamp, o.blockSize, what.c_str());
                w.copy_(wf.to(w.scalar_type()));
                record(r, layer, p, w, damp);
                if (damp > o.percdamp)
                    ctx.warning(what + ": the Hessian needed damping " + std::to_string(damp) + " (asked " +
                                std::to_string(o.percdamp) + ")");
            }
        }
    };
    r.layerwise = analysis::runLayerwise(model, calibIds, o.layerwise, v, ctx);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

} // namespace slim::prune
