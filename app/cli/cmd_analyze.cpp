// slimbench-cli analyze: layer similarity (PruneMe / ShortGPT), weight and activation statistics.
//
//   analyze MODEL_DIR --calib FILE [--samples N] [--length L] [--seed S] [--calib-mode random|sequential]
//           [--bos-per-sample] [--batch B] [--all-tokens] [--drop-last] [--block-size n | --fraction f]
//           [--min-start s] [--shortgpt-k k] [--similarity] [--weights] [--activations]
//           [--bins B] [--hist-range LO:HI] [--log-counts] [--sigma K] [--group-by layer|kind]
//           [--outlier-threshold T]
//           [--no-channels] [--json] [--device ...] [--dtype ...] [--threads N]
//
// With none of --similarity / --weights / --activations, all three run.  --weights alone needs no
// --calib (it reads the checkpoint, not the loaded model).  With --json the result line holds
// everything the GUI draws (heatmaps, histograms, per-channel arrays); text mode prints a summary.
#include "app/cli/commands.h"

#include "core/analysis/activation_stats.h"
#include "core/analysis/calibration.h"
#include "core/analysis/layer_similarity.h"
#include "core/analysis/weight_stats.h"
#include "core/common/errors.h"
#include "core/io/checkpoint.h"
#include "core/io/dtype.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace slim::cli {

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::pair<double, double> parseRange(const std::string& s) {
    const auto colon = s.find(':');
    try {
        if (colon == std::string::npos)
            throw std::invalid_argument("no colon");
        const double lo = std::stod(s.substr(0, colon));
        const double hi = std::stod(s.substr(colon + 1));
        return {lo, hi};
    } catch (const std::exception&) {
        throw ConfigError("--hist-range '" + s + "': expected LO:HI, e.g. -0.1:0.1");
    }
}

std::string similaritySummary(const analysis::LayerSimilarity& s, const analysis::BlockRecommendation& rec,
                              const std::vector<int64_t>& shortGpt) {
    std::ostringstream os;
    const int64_t L = s.numLayers;
    os << "layer similarity (" << analysis::tokenSelectionName(s.options.tokens) << " tokens, " << s.samples
       << " samples, " << s.batches << " batches)\n";
    os << "d(l, n) = arccos(cos(x_l, x_l+n))/pi; rows n, columns l = 0.." << L - 1 << "\n";
    for (int64_t n = 1; n <= L; ++n) {
        os << "  n=" << n << ":";
        for (int64_t l = 0; l + n <= L; ++l)
            os << " " << fmt("%.3f", s.blockDistance(l, n));
        os << "\n";
    }
    os << "block influence (ShortGPT):";
    for (double b : s.blockInfluence)
        os << " " << fmt("%.4f", b);
    os << "\nrecommendation (PruneMe): drop the " << rec.blockSize << " layers " << rec.start << ".."
       << rec.start + rec.blockSize - 1 << " (0-based), d = " << fmt("%.4f", rec.distance) << "\n";
    os << "ShortGPT: lowest-BI layers:";
    for (int64_t l : shortGpt)
        os << " " << l;
    os << "\n";
    return os.str();
}

std::string weightSummary(const analysis::WeightStatsReport& r) {
    std::ostringstream os;
    os << "weight statistics: " << r.tensors.size() << " tensors, " << r.elements << " values in "
       << fmt("%.2f", r.seconds) << " s\n";
    for (const auto& w : r.layers)
        os << "  " << w.name << ": mean " << fmt("%.3g", w.mean) << " std " << fmt("%.3g", w.std) << " kurtosis "
           << fmt("%.3g", w.excessKurtosis) << " max|w| " << fmt("%.3g", w.maxAbs) << " >" << w.sigmaK << "sigma "
           << fmt("%.3g%%", 100.0 * w.beyondKSigmaFraction()) << " zeros " << fmt("%.3g%%", 100.0 * w.sparsity())
           << (w.nan + w.posInf + w.negInf ? " NON-FINITE " + std::to_string(w.nan + w.posInf + w.negInf) : "") << "\n";
    for (const auto& w : r.tensors)
        if (w.nan + w.posInf + w.negInf)
            os << "  " << w.name << ": " << w.nan << " NaN, " << w.posInf + w.negInf << " Inf\n";
    return os.str();
}

std::string activationSummary(const analysis::ActivationStats& a) {
    std::ostringstream os;
    os << "activation statistics: " << a.tokens << " tokens, outlier threshold " << a.options.outlierThreshold << "\n";
    for (const auto& c : a.inputs) {
        double peak = 0;
        for (double v : c.maxAbs)
            peak = std::max(peak, v);
        os << "  layer " << c.layer << " " << c.projectionNames() << ": " << c.channels << " channels, max|x| "
           << fmt("%.3g", peak) << ", " << c.outlierChannels().size() << " outlier channels\n";
    }
    return os.str();
}

} // namespace

int cmdAnalyze(const std::vector<std::string>& argv, Output& out) {
    const std::vector<std::string> flags = {"json", "all-tokens", "drop-last", "similarity", "weights", "activations",
                                            "log-counts", "no-channels", "bos-per-sample"};
    Args a(argv, flags);
    auto known = commonModelOptions();
    for (const char* k : {"calib", "samples", "length", "seed", "calib-mode", "batch", "block-size", "fraction",
                          "min-start", "shortgpt-k", "bins", "hist-range", "sigma", "outlier-threshold", "group-by"})
        known.emplace_back(k);
    known.insert(known.end(), flags.begin(), flags.end());
    a.allowOnly(known);
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    bool doSim = a.flag("similarity"), doWeights = a.flag("weights"), doAct = a.flag("activations");
    if (!doSim && !doWeights && !doAct)
        doSim = doWeights = doAct = true;
    if (a.has("block-size") && a.has("fraction"))
        throw ConfigError("analyze: give --block-size or --fraction, not both");

    JobContext ctx = out.jobContext();
    nlohmann::json result = {{"model", dir}};
    const bool needModel = doSim || doAct;
    // Progress slices: weights 0–0.2 (or all of it alone), calibration, load, similarity, activations.
    const double wEnd = !doWeights ? 0.0 : needModel ? 0.2 : 1.0;

    if (doWeights) {
        setupThreads(a);
        analysis::WeightStatsOptions wo;
        wo.histogram.bins = a.getInt("bins", 128);
        if (auto r = a.get("hist-range")) {
            const auto [lo, hi] = parseRange(*r);
            wo.histogram.lo = lo;
            wo.histogram.hi = hi;
        }
        wo.histogram.logCounts = a.flag("log-counts");
        if (auto g = a.get("group-by")) {
            if (*g != "layer" && *g != "kind")
                throw ConfigError("analyze: --group-by must be 'layer' or 'kind' (got '" + *g + "')");
            wo.perKind = *g == "kind";
        }
        wo.sigmaK = a.getDouble("sigma", 3.0);
        const auto ckpt = io::Checkpoint::open(dir);
        const auto report = analysis::computeWeightStats(ckpt, wo, ctx.slice(0.0, wEnd));
        result["weights"] = report.toJson();
        out.text(weightSummary(report));
    }

    if (needModel) {
        const auto calibFile = a.get("calib");
        if (!calibFile)
            throw ConfigError("analyze: --similarity and --activations need --calib FILE (a text file)");
        analysis::CalibrationOptions co;
        co.numSamples = a.getInt("samples", 32);
        co.sampleLength = a.getInt("length", 1024);
        co.seed = static_cast<uint64_t>(a.getInt("seed", 0));
        co.mode = analysis::parseCalibrationMode(a.get("calib-mode", "random"));
        co.bosPerSample = a.flag("bos-per-sample");
        const auto tok = tok::Tokenizer::fromPath(dir);
        const double span = 1.0 - wEnd;
        const auto calib = analysis::makeCalibration(*calibFile, tok, co, ctx.slice(wEnd, wEnd + 0.05 * span));
        result["calibration"] = calib.toJson();

        setupThreads(a);
        model::LoadOptions lo;
        lo.device = parseDevice(a);
        lo.dtype = parseDtype(a);
        const JobContext loadCtx = ctx.slice(wEnd + 0.05 * span, wEnd + 0.15 * span);
        const auto m = model::LlamaModel::load(dir, lo, &loadCtx);
        result["device"] = deviceName(m->device());
        result["dtype"] = io::displayName(m->dtype());
        const int64_t batch = a.getInt("batch", 8);
        const double simStart = wEnd + 0.15 * span;
        const double simEnd = doAct ? simStart + 0.5 * (1.0 - simStart) : 1.0;

        if (doSim) {
            analysis::LayerSimilarityOptions so;
            so.batchSize = batch;
            so.tokens = a.flag("all-tokens") ? analysis::TokenSelection::AllTokens : analysis::TokenSelection::LastToken;
            so.dropLastPartialBatch = a.flag("drop-last");
            const auto sim = analysis::computeLayerSimilarity(*m, calib.ids, at::Tensor(), so, ctx.slice(simStart, simEnd));
            const int64_t L = sim.numLayers;
            nlohmann::json sj = sim.toJson();
            if (L >= 2) {
                const int64_t n = a.has("fraction") ? analysis::blockSizeForFraction(L, a.getDouble("fraction", 0.25))
                                                    : a.getInt("block-size", analysis::blockSizeForFraction(L, 0.25));
                const auto rec = analysis::recommendBlock(sim, n, a.getInt("min-start", 0));
                const auto k = a.getInt("shortgpt-k", n);
                const auto shortGpt = analysis::lowestInfluenceLayers(sim.blockInfluence, k);
                // Every block size, for the GUI's "what if I drop n layers" slider.
                nlohmann::json all = nlohmann::json::array();
                for (int64_t m2 = 1; m2 < L; ++m2)
                    all.push_back(analysis::recommendBlock(sim, m2, std::min(a.getInt("min-start", 0), L - m2)).toJson());
                sj["recommendation"] = rec.toJson();
                sj["recommendations_by_block_size"] = all;
                sj["shortgpt"] = {{"k", k}, {"layers_to_drop", shortGpt}, {"indexing", "0-based, lowest BI first"}};
                out.text(similaritySummary(sim, rec, shortGpt));
            }
            result["similarity"] = sj;
        }
        if (doAct) {
            analysis::ActivationStatsOptions ao;
            ao.batchSize = batch;
            ao.outlierThreshold = a.getDouble("outlier-threshold", 6.0);
            const auto act = analysis::computeActivationStats(*m, calib.ids, at::Tensor(), ao, ctx.slice(simEnd, 1.0));
            result["activations"] = act.toJson(!a.flag("no-channels"));
            out.text(activationSummary(act));
        }
    }
    if (out.json())
        out.result(result);
    return 0;
}

} // namespace slim::cli
