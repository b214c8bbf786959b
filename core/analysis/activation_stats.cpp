#include "core/analysis/activation_stats.h"

#include "core/common/errors.h"
#include "core/io/dtype.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace slim::analysis {

namespace {

/// Float32 scratch per chunk of rows.
constexpr int64_t kScratchBytes = int64_t(128) << 20;

/// Device-side accumulators of one input.
struct Accumulator {
    int64_t layer = 0;
    std::vector<model::Proj> projections;
    int64_t channels = 0;
    at::Tensor sumAbs, sumSq;   // (C) float64
    at::Tensor maxAbs;          // (C) float32
    at::Tensor above;           // (C) int64
    at::Tensor nonFinite;       // () int64
    int64_t tokens = 0;
};

void addRows(Accumulator& a, const at::Tensor& rows, double threshold) {
    const int64_t M = rows.size(0), C = rows.size(1);
    const int64_t chunk = std::max<int64_t>(1, kScratchBytes / (4 * std::max<int64_t>(C, 1)));
    for (int64_t r = 0; r < M; r += chunk) {
        const at::Tensor x = rows.narrow(0, r, std::min(chunk, M - r)).to(at::kFloat).abs();   // (c, C)
        a.sumAbs.add_(x.sum(0).to(at::kDouble));
        a.sumSq.add_((x * x).sum(0).to(at::kDouble));
        a.maxAbs = at::maximum(a.maxAbs, x.amax(0));
        a.above.add_(x.gt(threshold).sum(0));
        a.nonFinite.add_(x.isfinite().logical_not().sum());
    }
    a.tokens += M;
}

std::vector<double> toDoubles(const at::Tensor& t) {
    const at::Tensor c = t.to(at::kCPU, at::kDouble).contiguous();
    return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

} // namespace

double ChannelStats::l2Norm(int64_t j) const { return std::sqrt(sumSq[size_t(j)]); }
double ChannelStats::meanSq(int64_t j) const { return tokens ? sumSq[size_t(j)] / double(tokens) : 0.0; }
double ChannelStats::wandaScalerRow(int64_t j) const { return sequences ? sumSq[size_t(j)] / double(sequences) : 0.0; }

std::vector<int64_t> ChannelStats::outlierChannels() const {
    std::vector<int64_t> out;
    for (int64_t j = 0; j < channels; ++j)
        if (maxAbs[size_t(j)] > threshold)
            out.push_back(j);
    return out;
}

std::string ChannelStats::projectionNames() const {
    std::string s;
    for (auto p : projections)
        s += (s.empty() ? "" : ",") + std::string(model::projName(p));
    return s;
}

nlohmann::json ChannelStats::toJson(bool withChannels) const {
    nlohmann::json projs = nlohmann::json::array();
    for (auto p : projections)
        projs.push_back(std::string(model::projName(p)));
    nlohmann::json outliers = nlohmann::json::array();
    for (int64_t j : outlierChannels())
        outliers.push_back({{"channel", j}, {"max_abs", maxAbs[size_t(j)]}, {"tokens_above", above[size_t(j)]},
                            {"mean_abs", meanAbs[size_t(j)]}});
    double peak = 0.0, meanOfMeanAbs = 0.0;
    for (int64_t j = 0; j < channels; ++j) {
        peak = std::max(peak, maxAbs[size_t(j)]);
        meanOfMeanAbs += meanAbs[size_t(j)] / double(std::max<int64_t>(channels, 1));
    }
    nlohmann::json j = {
        {"layer", layer}, {"projections", projs}, {"channels", channels}, {"tokens", tokens},
        {"sequences", sequences}, {"threshold", threshold}, {"max_abs_overall", peak},
        {"mean_abs_average", meanOfMeanAbs}, {"non_finite", nonFinite},
        {"outlier_channels", outliers},
    };
    if (withChannels) {
        std::vector<double> l2(static_cast<size_t>(channels)), msq(static_cast<size_t>(channels));
        for (int64_t c = 0; c < channels; ++c) {
            l2[size_t(c)] = l2Norm(c);
            msq[size_t(c)] = meanSq(c);
        }
        j["mean_abs"] = meanAbs;
        j["mean_sq"] = msq;
        j["l2_norm"] = l2;
        j["max_abs"] = maxAbs;
        j["above"] = above;
    }
    return j;
}

const ChannelStats* ActivationStats::find(int64_t layer, model::Proj p) const {
    for (const auto& c : inputs)
        if (c.layer == layer && std::find(c.projections.begin(), c.projections.end(), p) != c.projections.end())
            return &c;
    return nullptr;
}

nlohmann::json ActivationStats::toJson(bool withChannels) const {
    nlohmann::json in = nlohmann::json::array();
    for (const auto& c : inputs)
        in.push_back(c.toJson(withChannels));
    return {
        {"inputs", in}, {"samples", samples}, {"tokens", tokens}, {"batches", batches},
        {"batch_size", options.batchSize}, {"outlier_threshold", options.outlierThreshold},
        {"device", device}, {"dtype", dtype},
        {"definitions", {{"mean_abs", "mean over non-padding tokens of |x_j| (AWQ x_mean)"},
                         {"mean_sq", "mean over tokens of x_j^2"},
                         {"l2_norm", "sqrt(sum over tokens of x_j^2) = ||X_j||_2"},
                         {"wanda_scaler_row", "sum over tokens of x_j^2 / number of sequences = mean_sq * tokens / sequences"},
                         {"outlier_channels", "channels with max |x_j| > threshold (LLM.int8: 6.0)"},
                         {"above", "tokens with |x_j| > threshold"}}},
    };
}

ActivationStats computeActivationStats(const model::LlamaModel& model, const at::Tensor& ids,
                                       const at::Tensor& attentionMask, const ActivationStatsOptions& o,
                                       const JobContext& ctx) {
    if (!ids.defined() || ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1 || ids.scalar_type() != at::kLong)
        throw ConfigError("activation statistics: token ids must be a non-empty (N, T) int64 tensor");
    if (o.batchSize < 1)
        throw ConfigError("activation statistics: batch size must be >= 1 (got " + std::to_string(o.batchSize) + ")");
    if (!(o.outlierThreshold >= 0) || !std::isfinite(o.outlierThreshold))
        throw ConfigError("activation statistics: outlier threshold must be finite and >= 0");
    if (attentionMask.defined() && attentionMask.sizes() != ids.sizes())
        throw ConfigError("activation statistics: the attention mask must have the shape of the ids");
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= model.config().vocabSize)
        throw ConfigError("activation statistics: token id " + std::to_string(lo < 0 ? lo : hi) +
                          " outside the vocabulary [0, " + std::to_string(model.config().vocabSize) + ")");

    at::InferenceMode guard;
    const int64_t N = ids.size(0), T = ids.size(1), L = model.numLayers();
    const at::Device dev = model.device();
    const int64_t nBatches = (N + o.batchSize - 1) / o.batchSize;
    bool wanted[model::kNumProj] = {};
    for (auto p : o.projections)
        wanted[static_cast<int>(p)] = true;

    std::vector<Accumulator> accs;
    std::map<std::pair<int64_t, int>, size_t> accOf;   // (layer, first projection) -> accs index
    int64_t tokens = 0;

    for (int64_t b = 0; b < nBatches; ++b) {
        ctx.checkCancel();
        ctx.setStatus("activation statistics: batch " + std::to_string(b + 1) + "/" + std::to_string(nBatches));
        const int64_t b0 = b * o.batchSize, B = std::min(o.batchSize, N - b0);
        at::Tensor mask, realIdx;
        if (attentionMask.defined()) {
            mask = attentionMask.narrow(0, b0, B).to(dev).ne(0);
            realIdx = mask.reshape({-1}).nonzero().squeeze(1);
        }
        // Inputs already measured in the current layer of this batch -> accumulator, so q/k/v (and
        // gate/up) that receive the same tensor are reduced once.  The tensors are held, not just
        // their addresses: a freed input's memory may be reused by the next one of the same size.
        int64_t seenLayer = -1;
        std::vector<std::pair<at::Tensor, size_t>> seen;
        model::ForwardHooks hooks;
        hooks.onProjInput = [&](int64_t l, model::Proj p, const at::Tensor& x) {
            if (!wanted[static_cast<int>(p)])
                return;
            if (l != seenLayer) {
                seenLayer = l;
                seen.clear();
                ctx.checkCancel();
            }
            for (const auto& [k, idx] : seen)
                if (k.data_ptr() == x.data_ptr() && k.sizes() == x.sizes() && k.strides() == x.strides()) {
                    auto& projs = accs[idx].projections;
                    if (std::find(projs.begin(), projs.end(), p) == projs.end())
                        projs.push_back(p);
                    return;
                }
            const int64_t C = x.size(-1);
            const auto ak = std::make_pair(l, static_cast<int>(p));
            auto it = accOf.find(ak);
            if (it == accOf.end()) {
                Accumulator a;
                a.layer = l;
                a.projections = {p};
                a.channels = C;
                const auto d = at::TensorOptions().device(dev);
                a.sumAbs = at::zeros({C}, d.dtype(at::kDouble));
                a.sumSq = at::zeros({C}, d.dtype(at::kDouble));
                a.maxAbs = at::zeros({C}, d.dtype(at::kFloat));
                a.above = at::zeros({C}, d.dtype(at::kLong));
                a.nonFinite = at::zeros({}, d.dtype(at::kLong));
                accs.push_back(std::move(a));
                it = accOf.emplace(ak, accs.size() - 1).first;
            }
            const at::Tensor rows = x.reshape({-1, C});
            addRows(accs[it->second], realIdx.defined() ? rows.index_select(0, realIdx) : rows, o.outlierThreshold);
            seen.emplace_back(x, it->second);
        };
        model::ForwardOptions fo;
        fo.attentionMask = mask.defined() ? mask.to(at::kLong) : at::Tensor();
        fo.hooks = &hooks;
        fo.stopAfterLayer = L;   // no lm_head
        model.forward(ids.narrow(0, b0, B), fo);
        tokens += realIdx.defined() ? realIdx.size(0) : B * T;
        ctx.setProgress(static_cast<double>(b + 1) / static_cast<double>(nBatches));
    }

    ActivationStats r;
    r.options = o;
    r.samples = N;
    r.tokens = tokens;
    r.batches = nBatches;
    r.device = dev.str();
    r.dtype = io::displayName(model.dtype());
    std::vector<size_t> order(accs.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return accs[a].layer < accs[b].layer; });
    for (size_t i : order) {
        const Accumulator& a = accs[i];
        ChannelStats c;
        c.layer = a.layer;
        c.projections = a.projections;
        c.channels = a.channels;
        c.tokens = a.tokens;
        c.sequences = N;
        c.threshold = o.outlierThreshold;
        c.sumSq = toDoubles(a.sumSq);
        c.meanAbs = toDoubles(a.sumAbs);
        for (auto& v : c.meanAbs)
            v /= double(std::max<int64_t>(a.tokens, 1));
        c.maxAbs = toDoubles(a.maxAbs);
        const at::Tensor above = a.above.to(at::kCPU).contiguous();
        c.above.assign(above.data_ptr<int64_t>(), above.data_ptr<int64_t>() + above.numel());
        c.nonFinite = a.nonFinite.item<int64_t>();
        r.inputs.push_back(std::move(c));
    }
    return r;
}

} // namespace slim::analysis
