#include "core/prune/depth_prune.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/model/tensor_names.h"
#include "core/prune/width_prune.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace fs = std::filesystem;

namespace slim::prune {

std::vector<int64_t> checkLayersToRemove(std::vector<int64_t> layers, int64_t L) {
    std::sort(layers.begin(), layers.end());
    layers.erase(std::unique(layers.begin(), layers.end()), layers.end());
    if (layers.empty())
        throw ConfigError("depth pruning: no layer to remove");
    for (int64_t l : layers)
        if (l < 0 || l >= L)
            throw ConfigError("depth pruning: layer " + std::to_string(l) +
                              " does not exist (the model has layers 0.." + std::to_string(L - 1) + ", 0-based)");
    if (static_cast<int64_t>(layers.size()) >= L)
        throw ConfigError("depth pruning: removing all " + std::to_string(L) + " layers leaves no model");
    return layers;
}

nlohmann::json depthPrunedConfig(const nlohmann::json& config, const std::vector<int64_t>& removed) {
    nlohmann::json c = config;
    const int64_t L = c.at("num_hidden_layers").get<int64_t>();
    const std::set<int64_t> gone(removed.begin(), removed.end());
    auto shorten = [&](nlohmann::json& arr) {
        if (!arr.is_array() || static_cast<int64_t>(arr.size()) != L)
            return;
        nlohmann::json kept = nlohmann::json::array();
        for (int64_t l = 0; l < L; ++l)
            if (!gone.count(l))
                kept.push_back(arr[static_cast<size_t>(l)]);
        arr = std::move(kept);
    };
    if (c.contains("layer_types"))
        shorten(c["layer_types"]);
    if (c.contains("slimbench_layer_shapes") && c["slimbench_layer_shapes"].is_object())
        for (auto& [k, v] : c["slimbench_layer_shapes"].items())
            shorten(v);
    // Qwen2: layers >= max_window_layers use the sliding window; the kept layers below the old
    // threshold are exactly the first ones of the new numbering.
    if (c.contains("max_window_layers") && c["max_window_layers"].is_number_integer()) {
        const int64_t mwl = c["max_window_layers"].get<int64_t>();
        int64_t below = 0;
        for (int64_t l = 0; l < std::min(mwl, L); ++l)
            below += gone.count(l) ? 0 : 1;
        c["max_window_layers"] = mwl >= L ? L - static_cast<int64_t>(removed.size()) : below;
    }
    c["num_hidden_layers"] = L - static_cast<int64_t>(removed.size());
    return c;
}

void writeDepthPruned(const fs::path& srcDir, const std::vector<int64_t>& removedIn, const fs::path& dstDir,
                      const JobContext& ctx) {
    const fs::path cfgPath = srcDir / "config.json";
    const nlohmann::json config = io::parseJsonStrict(io::readTextFile(cfgPath), cfgPath.string());
    const model::ModelConfig cfg = model::ModelConfig::fromJson(config, cfgPath.string());
    const auto removed = checkLayersToRemove(removedIn, cfg.numLayers);
    const io::Checkpoint ckpt = io::Checkpoint::open(srcDir);
    cfg.validateAgainst(ckpt);
    std::vector<int64_t> newIndex(static_cast<size_t>(cfg.numLayers), -1);
    for (int64_t l = 0, k = 0; l < cfg.numLayers; ++l)
        if (!std::binary_search(removed.begin(), removed.end(), l))
            newIndex[static_cast<size_t>(l)] = k++;

    std::vector<io::NamedTensor> out;
    const auto names = ckpt.names();
    for (size_t i = 0; i < names.size(); ++i) {
        ctx.checkCancel();
        const std::string& name = names[i];
        std::string newName = name;
        if (auto l = model::layerIndexOf(name)) {
            const int64_t ni = newIndex[static_cast<size_t>(*l)];
            if (ni < 0)
                continue;
            const std::string oldPrefix = "model.layers." + std::to_string(*l) + ".";
            newName = "model.layers." + std::to_string(ni) + "." + name.substr(oldPrefix.size());
        }
        out.push_back({newName, ckpt.load(name)});
        ctx.setProgress(0.9 * static_cast<double>(i + 1) / static_cast<double>(names.size()));
    }
    ctx.setStatus("writing " + std::to_string(out.size()) + " tensors");
    io::writeCheckpointWeights(dstDir, out);
    io::writeFileAtomic(dstDir / "config.json", depthPrunedConfig(config, removed).dump(2) + "\n");
    ctx.setProgress(1.0);
}

nlohmann::json PerplexityCriterion::toJson() const {
    nlohmann::json per = nlohmann::json::array();
    for (double p : pplWithout)
        per.push_back(std::isnan(p) ? nlohmann::json(nullptr) : nlohmann::json(p));
    return {{"criterion", "ppl"},
            {"base_ppl", basePpl},
            {"ppl_without_layer", per},
            {"candidates", candidates},
            {"layers", layers},
            {"keep_first", keepFirst},
            {"keep_last", keepLast},
            {"definition",
             "perplexity of the calibration windows (every token but each window's first) with one "
             "layer skipped; the layers whose removal raises it least are removed (Shortened LLaMA, one-shot)"}};
}

namespace {

/// Mean NLL over the calibration windows with layer `skip` left out (-1 = none).
double windowsNll(const model::LlamaModel& m, const at::Tensor& ids, int64_t skip, int64_t batchSize) {
    const int64_t N = ids.size(0), T = ids.size(1);
    double sum = 0;
    int64_t count = 0;
    for (int64_t b0 = 0; b0 < N; b0 += batchSize) {
        const int64_t B = std::min(batchSize, N - b0);
        const at::Tensor x = ids.narrow(0, b0, B).to(m.device());
        const auto li = m.layerInputs(B, T, m.device());
        at::Tensor h = m.embed(x);
        for (int64_t l = 0; l < m.numLayers(); ++l)
            if (l != skip)
                h = m.runLayer(l, h, li.cos, li.sin, li.maskOf(m.config(), l, T), nullptr, nullptr);
        const at::Tensor logits = m.head(h).narrow(1, 0, T - 1); // (B, T-1, V) float32
        const at::Tensor target = x.narrow(1, 1, T - 1);
        const at::Tensor nll = at::logsumexp(logits, -1) - logits.gather(-1, target.unsqueeze(-1)).squeeze(-1);
        sum += nll.sum().item<double>();
        count += nll.numel();
    }
    return sum / static_cast<double>(std::max<int64_t>(count, 1));
}

/// Layers keepFirst .. L-keepLast-1, checked against `count` (ConfigError naming the rule).
std::vector<int64_t> candidateLayers(int64_t L, int64_t count, int64_t keepFirst, int64_t keepLast, const char* what,
                                     const at::Tensor& ids) {
    if (count < 1 || count >= L)
        throw ConfigError("depth pruning: --count must be between 1 and " + std::to_string(L - 1));
    if (!ids.defined() || ids.dim() != 2 || ids.size(1) < 2)
        throw ConfigError(std::string("depth pruning by ") + what +
                          " needs calibration windows of at least 2 tokens (--calib FILE)");
    std::vector<int64_t> c;
    for (int64_t l = keepFirst; l < L - keepLast; ++l)
        c.push_back(l);
    if (static_cast<int64_t>(c.size()) < count)
        throw ConfigError("depth pruning: only " + std::to_string(c.size()) + " layers may be removed with keep-first " +
                          std::to_string(keepFirst) + " and keep-last " + std::to_string(keepLast) +
                          ", but --count is " + std::to_string(count));
    return c;
}

/// The `count` candidates with the lowest score, sorted by layer (ties: lower layer first).
std::vector<int64_t> lowestScored(std::vector<int64_t> candidates, const std::vector<double>& score, int64_t count) {
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](int64_t a, int64_t b) { return score[static_cast<size_t>(a)] < score[static_cast<size_t>(b)]; });
    candidates.resize(static_cast<size_t>(count));
    std::sort(candidates.begin(), candidates.end());
    return candidates;
}

} // namespace

PerplexityCriterion chooseByPerplexity(const model::LlamaModel& m, const at::Tensor& ids, int64_t count,
                                       int64_t keepFirst, int64_t keepLast, int64_t batchSize, const JobContext& ctx) {
    at::InferenceMode guard;
    const int64_t L = m.numLayers();
    PerplexityCriterion r;
    r.keepFirst = std::max<int64_t>(0, keepFirst);
    r.keepLast = std::max<int64_t>(0, keepLast);
    r.candidates = candidateLayers(L, count, r.keepFirst, r.keepLast, "perplexity", ids);
    r.pplWithout.assign(static_cast<size_t>(L), std::numeric_limits<double>::quiet_NaN());
    ctx.setStatus("perplexity of the full model");
    r.basePpl = std::exp(windowsNll(m, ids, -1, batchSize));
    for (size_t i = 0; i < r.candidates.size(); ++i) {
        ctx.checkCancel();
        const int64_t l = r.candidates[i];
        ctx.setStatus("perplexity without layer " + std::to_string(l));
        r.pplWithout[static_cast<size_t>(l)] = std::exp(windowsNll(m, ids, l, batchSize));
        ctx.setProgress(static_cast<double>(i + 1) / static_cast<double>(r.candidates.size()));
    }
    r.layers = lowestScored(r.candidates, r.pplWithout, count);
    return r;
}

nlohmann::json TaylorCriterion::toJson() const {
    nlohmann::json per = nlohmann::json::array();
    for (double v : importance)
        per.push_back(std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
    return {{"criterion", "taylor"}, {"importance", per}, {"candidates", candidates}, {"layers", layers},
            {"keep_first", keepFirst}, {"keep_last", keepLast},
            {"definition", "sum over the layer's projection weights of |w * g|, g the calibration loss gradient "
                           "summed over samples (Shortened LLaMA Taylor+); the least important layers are removed"}};
}

TaylorCriterion chooseByTaylor(model::LlamaModel& m, const at::Tensor& ids, int64_t count, int64_t keepFirst,
                               int64_t keepLast, const JobContext& ctx) {
    const int64_t L = m.numLayers();
    TaylorCriterion r;
    r.keepFirst = std::max<int64_t>(0, keepFirst);
    r.keepLast = std::max<int64_t>(0, keepLast);
    r.candidates = candidateLayers(L, count, r.keepFirst, r.keepLast, "Taylor importance", ids);
    const LayerGradients g = accumulateGradients(m, ids, 0, L - 1, ctx.slice(0.0, 0.95));
    at::NoGradGuard noGrad;
    r.importance.assign(static_cast<size_t>(L), std::numeric_limits<double>::quiet_NaN());
    for (int64_t l : r.candidates) {
        double s = 0;
        for (int i = 0; i < model::kNumProj; ++i)
            s += (m.layer(l).p(model::kAllProj[i]).denseWeight().to(at::kDouble) * g.sum[size_t(l)][size_t(i)].to(at::kDouble))
                     .abs().sum().item<double>();
        r.importance[static_cast<size_t>(l)] = s;
    }
    r.layers = lowestScored(r.candidates, r.importance, count);
    ctx.setProgress(1.0);
    return r;
}

} // namespace slim::prune
