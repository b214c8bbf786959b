#include "core/analysis/layer_similarity.h"

#include "core/common/errors.h"
#include "core/io/dtype.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace slim::analysis {

namespace {

constexpr double kPi = 3.14159265358979323846;
/// Cosine that replaces a NaN one (ShortGPT's nan_to_num(nan=0.5)).
constexpr double kNanCosine = 0.5;
/// Bytes of float64 scratch per chunk of the pairwise computation.
constexpr int64_t kScratchBytes = int64_t(256) << 20;

/// Rows (M, H) -> unit rows in float64; a zero or non-finite row becomes NaN (its cosines are NaN).
at::Tensor unitRows(const at::Tensor& rows) {
    const at::Tensor d = rows.to(at::kDouble);
    return d / d.norm(2, {-1}, /*keepdim=*/true);
}

/// Add Σ over rows of (1 − cos(a_r, b_r)) to sum[0] and the number of NaN cosines to nan[0]
/// (device tensors, no host synchronisation).
void accumulateInfluence(const at::Tensor& a, const at::Tensor& b, at::Tensor sum, at::Tensor nan) {
    const int64_t M = a.size(0), H = a.size(1);
    const int64_t chunk = std::max<int64_t>(1, kScratchBytes / (2 * 8 * std::max<int64_t>(H, 1)));
    for (int64_t r = 0; r < M; r += chunk) {
        const int64_t c = std::min(chunk, M - r);
        at::Tensor cos = (unitRows(a.narrow(0, r, c)) * unitRows(b.narrow(0, r, c))).sum(-1);   // (c)
        const at::Tensor isNan = cos.isnan();
        nan.add_(isNan.sum());
        cos = cos.masked_fill(isNan, kNanCosine);
        sum.add_((1.0 - cos).sum());
    }
}

/// states[s]: (M, H) selected rows of hidden state s.  Adds Σ over rows of the angular distance
/// of every pair (i, j) to `sum` (S, S) float64 and the NaN cosines of pairs i < j to `nan`.
void accumulatePairs(const std::vector<at::Tensor>& states, at::Tensor& sum, at::Tensor& nan) {
    const int64_t S = static_cast<int64_t>(states.size());
    const int64_t M = states[0].size(0), H = states[0].size(1);
    const int64_t chunk = std::max<int64_t>(1, kScratchBytes / (8 * S * std::max<int64_t>(H, 1)));
    const at::Tensor upper = at::ones({S, S}, sum.options().dtype(at::kBool)).triu(1);
    for (int64_t r = 0; r < M; r += chunk) {
        const int64_t c = std::min(chunk, M - r);
        std::vector<at::Tensor> parts;
        parts.reserve(states.size());
        for (const auto& s : states)
            parts.push_back(s.narrow(0, r, c));
        const at::Tensor x = unitRows(at::stack(parts, 1));                            // (c, S, H)
        at::Tensor cos = at::bmm(x, x.transpose(1, 2));                                // (c, S, S)
        const at::Tensor isNan = cos.isnan();
        nan.add_(isNan.logical_and(upper).sum());
        cos = cos.masked_fill(isNan, kNanCosine);
        sum.add_(cos.clamp(-1.0, 1.0).acos_().div_(kPi).sum(0));
    }
}

void validateInputs(const model::LlamaModel& model, const at::Tensor& ids, const at::Tensor& mask,
                    const LayerSimilarityOptions& o) {
    if (!ids.defined() || ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1)
        throw ConfigError("layer similarity: token ids must be a non-empty (N, T) tensor");
    if (ids.scalar_type() != at::kLong)
        throw ConfigError("layer similarity: token ids must be int64");
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= model.config().vocabSize)
        throw ConfigError("layer similarity: token id " + std::to_string(lo < 0 ? lo : hi) +
                          " outside the vocabulary [0, " + std::to_string(model.config().vocabSize) + ")");
    if (o.batchSize < 1)
        throw ConfigError("layer similarity: batch size must be >= 1 (got " + std::to_string(o.batchSize) + ")");
    if (o.dropLastPartialBatch && ids.size(0) < o.batchSize)
        throw ConfigError("layer similarity: " + std::to_string(ids.size(0)) + " samples make no full batch of " +
                          std::to_string(o.batchSize) + " (drop-last is on)");
    if (mask.defined()) {
        if (mask.sizes() != ids.sizes())
            throw ConfigError("layer similarity: the attention mask must have the shape of the ids");
        const at::Tensor real = mask.ne(0).sum(1);
        if (real.min().item<int64_t>() == 0)
            throw ConfigError("layer similarity: sample " + std::to_string(real.argmin().item<int64_t>()) +
                              " has no real (non-padding) token");
    }
}

} // namespace

std::string_view tokenSelectionName(TokenSelection s) { return s == TokenSelection::LastToken ? "last" : "all"; }

LayerSimilarity computeLayerSimilarity(const model::LlamaModel& model, const at::Tensor& ids,
                                       const at::Tensor& attentionMask, const LayerSimilarityOptions& o,
                                       const JobContext& ctx) {
    validateInputs(model, ids, attentionMask, o);
    at::InferenceMode guard;
    const int64_t N = ids.size(0), T = ids.size(1);
    const int64_t L = model.numLayers(), S = L + 1, H = model.config().hiddenSize;
    const at::Device dev = model.device();
    const auto dopt = at::TensorOptions().device(dev).dtype(at::kDouble);
    const auto lopt = at::TensorOptions().device(dev).dtype(at::kLong);
    const int64_t nBatches = o.dropLastPartialBatch ? N / o.batchSize : (N + o.batchSize - 1) / o.batchSize;

    at::Tensor meanSum = at::zeros({S, S}, dopt);   // Σ over batches of the batch mean
    at::Tensor pairNan = at::zeros({}, lopt);
    at::Tensor biSum = at::zeros({L}, dopt);
    at::Tensor biNan = at::zeros({L}, lopt);
    int64_t selectedTokens = 0, influenceTokens = 0, samples = 0;

    for (int64_t b = 0; b < nBatches; ++b) {
        ctx.checkCancel();
        ctx.setStatus("layer similarity: batch " + std::to_string(b + 1) + "/" + std::to_string(nBatches));
        const int64_t b0 = b * o.batchSize, B = std::min(o.batchSize, N - b0);
        const at::Tensor batchIds = ids.narrow(0, b0, B);
        at::Tensor mask, realIdx, lastIdx;                          // flat row indices into (B*T)
        if (attentionMask.defined()) {
            mask = attentionMask.narrow(0, b0, B).to(dev).ne(0);
            realIdx = mask.reshape({-1}).nonzero().squeeze(1);
            // Last real position of each row (PruneMe: max index of the mask's nonzeros).
            const at::Tensor pos = at::arange(T, lopt).view({1, T}).expand({B, T});
            lastIdx = pos.masked_fill(mask.logical_not(), -1).amax(1) + at::arange(B, lopt) * T;
        } else {
            lastIdx = at::arange(B, lopt) * T + (T - 1);
        }
        const int64_t realCount = realIdx.defined() ? realIdx.size(0) : B * T;
        const bool allTokens = o.tokens == TokenSelection::AllTokens;

        std::vector<at::Tensor> states(static_cast<size_t>(S));
        at::Tensor prevReal;
        model::ForwardHooks hooks;
        hooks.onLayerInput = [&](int64_t l, const at::Tensor& hidden) {
            const at::Tensor rows = hidden.reshape({-1, H});                              // (B*T, H)
            // Copies (index_select / clone): the hook's tensor may not outlive the call.
            at::Tensor real = realIdx.defined() ? rows.index_select(0, realIdx) : rows.clone();
            if (l > 0)
                accumulateInfluence(prevReal, real, biSum.narrow(0, l - 1, 1).squeeze(0),
                                    biNan.narrow(0, l - 1, 1).squeeze(0));
            states[static_cast<size_t>(l)] = allTokens ? real : rows.index_select(0, lastIdx);
            prevReal = std::move(real);
            ctx.checkCancel();
        };
        model::ForwardOptions fo;
        fo.attentionMask = mask.defined() ? mask.to(at::kLong) : at::Tensor();
        fo.hooks = &hooks;
        fo.stopAfterLayer = L;   // hidden states only: no final norm, no lm_head
        model.forward(batchIds, fo);
        prevReal = at::Tensor();

        const int64_t M = states[0].size(0);
        at::Tensor batchSum = at::zeros({S, S}, dopt);
        accumulatePairs(states, batchSum, pairNan);
        meanSum.add_(batchSum / static_cast<double>(M));
        selectedTokens += M;
        influenceTokens += realCount;
        samples += B;
        ctx.setProgress(static_cast<double>(b + 1) / static_cast<double>(nBatches));
    }

    LayerSimilarity r;
    r.numLayers = L;
    r.options = o;
    r.samples = samples;
    r.batches = nBatches;
    r.selectedTokens = selectedTokens;
    r.influenceTokens = influenceTokens;
    r.nanCosines = pairNan.item<int64_t>();
    r.influenceNanCosines = biNan.sum().item<int64_t>();
    r.device = dev.str();
    r.dtype = io::displayName(model.dtype());
    const at::Tensor mean = (meanSum / static_cast<double>(nBatches)).cpu();
    const auto acc = mean.accessor<double, 2>();
    r.distance.assign(static_cast<size_t>(S), std::vector<double>(static_cast<size_t>(S), 0.0));
    for (int64_t i = 0; i < S; ++i)
        for (int64_t j = i + 1; j < S; ++j)   // upper triangle mirrored: exact symmetry, zero diagonal
            r.distance[size_t(i)][size_t(j)] = r.distance[size_t(j)][size_t(i)] = acc[i][j];
    const at::Tensor bi = (biSum / static_cast<double>(influenceTokens)).cpu();
    r.blockInfluence.assign(bi.data_ptr<double>(), bi.data_ptr<double>() + L);
    return r;
}

double LayerSimilarity::blockDistance(int64_t start, int64_t n) const {
    if (start < 0 || n < 1 || start + n > numLayers)
        throw ConfigError("block distance d(" + std::to_string(start) + ", " + std::to_string(n) +
                          "): needs 0 <= start, 1 <= n, start + n <= " + std::to_string(numLayers));
    return distance[size_t(start)][size_t(start + n)];
}

nlohmann::json LayerSimilarity::toJson() const {
    const int64_t L = numLayers;
    nlohmann::json block = nlohmann::json::array();
    for (int64_t n = 1; n <= L; ++n) {
        nlohmann::json row = nlohmann::json::array();
        for (int64_t l = 0; l < L; ++l)
            row.push_back(l + n <= L ? nlohmann::json(distance[size_t(l)][size_t(l + n)]) : nlohmann::json());
        block.push_back(std::move(row));
    }
    nlohmann::json stateNames = nlohmann::json::array();
    for (int64_t s = 0; s <= L; ++s)
        stateNames.push_back(s == 0 ? std::string("embeddings")
                                    : s == L ? "output of layer " + std::to_string(L - 1) + " (before final norm)"
                                             : "input of layer " + std::to_string(s));
    return {
        {"num_layers", L},
        {"states", stateNames},
        {"distance", distance},
        {"distance_doc", "(L+1)x(L+1) mean angular distance arccos(cos)/pi between hidden states x_i, x_j; "
                         "x_0 = embeddings, x_l = input of layer l (0-based), x_L = last layer output before the final norm"},
        {"block_distance", block},
        {"block_distance_doc", "rows n = 1..L (block size), columns l = 0..L-1 (first dropped layer); "
                               "value d(l, n) = distance[l][l+n]; null where l + n > L"},
        {"block_influence", blockInfluence},
        {"block_influence_doc", "ShortGPT BI of layer i = mean over all non-padding tokens of 1 - cos(x_i, x_{i+1})"},
        {"tokens", tokenSelectionName(options.tokens)},
        {"batch_size", options.batchSize},
        {"drop_last_partial_batch", options.dropLastPartialBatch},
        {"averaging", "mean over the selected tokens of each batch, then mean over batches (PruneMe)"},
        {"samples", samples},
        {"batches", batches},
        {"selected_tokens", selectedTokens},
        {"influence_tokens", influenceTokens},
        {"nan_cosines", nanCosines},
        {"influence_nan_cosines", influenceNanCosines},
        {"nan_cosine_value", kNanCosine},
        {"device", device},
        {"dtype", dtype},
    };
}

nlohmann::json BlockRecommendation::toJson() const {
    return {{"block_size", blockSize}, {"start", start}, {"end_exclusive", start + blockSize},
            {"distance", distance}, {"layers_to_drop", layersToDrop}, {"min_start", minStart},
            {"indexing", "0-based layer indices"}};
}

BlockRecommendation recommendBlock(const LayerSimilarity& sim, int64_t n, int64_t minStart) {
    const int64_t L = sim.numLayers;
    if (n < 1 || n > L - 1)
        throw ConfigError("depth pruning: block size " + std::to_string(n) + " must be between 1 and " +
                          std::to_string(L - 1) + " (the model has " + std::to_string(L) + " layers)");
    if (minStart < 0 || minStart > L - n)
        throw ConfigError("depth pruning: first allowed start " + std::to_string(minStart) + " leaves no block of " +
                          std::to_string(n) + " layers in " + std::to_string(L));
    BlockRecommendation r;
    r.blockSize = n;
    r.minStart = minStart;
    r.start = -1;
    r.distance = std::numeric_limits<double>::quiet_NaN();
    for (int64_t l = minStart; l + n <= L; ++l) {
        const double d = sim.blockDistance(l, n);
        if (!std::isnan(d) && (r.start < 0 || d < r.distance)) {   // strict: the first minimum wins
            r.start = l;
            r.distance = d;
        }
    }
    if (r.start < 0)
        throw ConfigError("depth pruning: every block distance of size " + std::to_string(n) + " is NaN");
    for (int64_t l = r.start; l < r.start + n; ++l)
        r.layersToDrop.push_back(l);
    return r;
}

int64_t blockSizeForFraction(int64_t numLayers, double fraction) {
    if (!(fraction > 0.0 && fraction < 1.0))
        throw ConfigError("depth pruning: fraction of layers " + std::to_string(fraction) + " must be in (0, 1)");
    if (numLayers < 2)
        throw ConfigError("depth pruning: a model with " + std::to_string(numLayers) + " layer(s) has no block to drop");
    const auto n = static_cast<int64_t>(std::llround(fraction * static_cast<double>(numLayers)));
    return std::clamp<int64_t>(n, 1, numLayers - 1);
}

std::vector<int64_t> lowestInfluenceLayers(const std::vector<double>& bi, int64_t k) {
    const auto L = static_cast<int64_t>(bi.size());
    if (k < 0 || k > L)
        throw ConfigError("ShortGPT: cannot pick " + std::to_string(k) + " of " + std::to_string(L) + " layers");
    std::vector<int64_t> order(bi.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        const double x = bi[size_t(a)], y = bi[size_t(b)];
        if (std::isnan(x) || std::isnan(y))
            return !std::isnan(x) && std::isnan(y);
        return x < y;
    });
    order.resize(static_cast<size_t>(k));
    return order;
}

} // namespace slim::analysis
