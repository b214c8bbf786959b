// slimbench-cli prune sparse | depth: write a pruned variant of a checkpoint (docs/compression.md).
//   prune sparse MODEL_DIR --method magnitude|wanda|sparsegpt (--sparsity R | --pattern N:M)
//                [calibration] [--true-sequential] [--offload] [--tf32] [--batch B] [--percdamp D] [--blocksize B] --out DIR
//   prune depth  MODEL_DIR (--layers 3,4,5 | --criterion angular|bi|ppl --count N) [calibration]
//                [--keep-first K] [--keep-last K] --out DIR
// Every output folder is written atomically with slimbench_provenance.json.
#include "app/cli/commands.h"

#include "core/analysis/layer_similarity.h"
#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/model/variant_writer.h"
#include "core/prune/depth_prune.h"
#include "core/prune/sparse_prune.h"
#include "core/model/sparse24_linear.h"
#include "core/model/tensor_names.h"
#include "core/quant/quant_layout.h"
#include "core/prune/width_prune.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <sstream>

namespace fs = std::filesystem;

namespace slim::cli {

namespace {

std::vector<int64_t> parseLayers(const std::string& s) {
    std::vector<int64_t> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const long long v = std::strtoll(item.c_str(), &end, 10);
        if (item.empty() || *end)
            throw ConfigError("--layers '" + s + "': expected 0-based layer indices separated by commas, e.g. 3,4,5");
        out.push_back(v);
    }
    return out;
}

std::string outDir(const Args& a) {
    const auto o = a.get("out");
    if (!o || o->empty())
        throw ConfigError("--out DIR is required (the folder the pruned model is written to)");
    return *o;
}

int pruneSparse(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "true-sequential", "offload", "bos-per-sample", "tf32"});
    auto known = withCommon({"method", "sparsity", "pattern", "batch", "percdamp", "blocksize", "out", "true-sequential",
                             "offload", "store", "tf32"});
    for (auto& k : calibrationOptions())
        known.push_back(k);
    a.allowOnly(known);
    const std::string dir = a.positionalAt(1, "MODEL_DIR");
    const std::string dst = outDir(a);
    prune::SparsePruneOptions o;
    o.method = prune::parseSparseMethod(a.get("method", "wanda"));
    o.target = prune::SparsityTarget::parse(a.get("sparsity"), a.get("pattern"));
    o.percdamp = a.getDouble("percdamp", 0.01);
    o.blockSize = a.getInt("blocksize", 128);
    o.layerwise.batchSize = a.getInt("batch", 8);
    o.layerwise.trueSequential = a.flag("true-sequential");
    o.layerwise.offload = a.flag("offload");
    o.layerwise.tf32 = a.flag("tf32");
    o.layerwise.computeDevice = parseDevice(a);
    if (!(o.percdamp > 0) || o.blockSize < 1)
        throw ConfigError("--percdamp must be > 0 and --blocksize >= 1");
    const std::string store = a.get("store", "dense");
    if (store != "dense" && store != "compressed")
        throw ConfigError("--store must be dense or compressed (got '" + store + "')");
    const bool compressed = store == "compressed";
    if (compressed && !(o.target.isNM() && o.target.describe() == "2:4"))
        throw ConfigError("--store compressed keeps 2 of every 4 weights: it needs --pattern 2:4 (got " + o.target.describe() + ")");

    JobContext ctx = out.jobContext();
    model::VariantWriter writer(dir, dst); // refuses an output inside the model folder before any work
    const bool calibrated = o.method != prune::SparseMethod::Magnitude;
    analysis::CalibrationSet calib;
    if (calibrated) {
        out.status("tokenizing the calibration text");
        // The references' defaults: 128 random windows of 2048 tokens (capped by the model's context).
        calib = calibrationFromArgs(a, dir, ctx.slice(0.0, 0.03), 128, 2048, true);
    }
    const auto cfg = model::ModelConfig::load(fs::path(dir) / "config.json");
    setupThreads(a);
    model::LoadOptions lo;
    lo.device = o.layerwise.offload ? at::Device(at::kCPU) : parseDevice(a);
    lo.dtype = parseDtype(a);
    const JobContext loadCtx = ctx.slice(0.03, 0.08);
    const auto model = model::LlamaModel::load(dir, lo, &loadCtx);
    const auto report = prune::pruneSparse(*model, calib.ids, o, ctx.slice(0.08, 0.92));
    const int64_t denseBytes = model->storageBytes();
    if (compressed) {
        // 2:4 weights as values + 2-bit positions (model::Sparse24Linear): the file and memory shrink.
        out.status("compressing the 2:4 projections");
        for (int64_t l = 0; l < model->numLayers(); ++l)
            for (auto p : model::kAllProj) {
                auto& slot = model->layer(l).proj[static_cast<int>(p)];
                slot = model::Sparse24Linear::compress(slot->denseWeight(), slot->bias(), model::projPrefix(l, p));
            }
        quant::QuantLayout layout;
        layout.method = quant::QuantLayout::Method::Sparse24;
        model->mutableConfig().quantizationConfig = layout.toJson().dump();
    }
    out.status("writing " + dst);
    writer.writeModel(*model, storedDtype(cfg));
    nlohmann::json settings = {
        {"method", std::string(prune::sparseMethodName(o.method))},
        {"target", o.target.describe()},
        {"sparsity", o.target.effectiveRatio()},
        {"pattern", o.target.isNM() ? nlohmann::json(o.target.describe()) : nlohmann::json(nullptr)},
        {"true_sequential", o.layerwise.trueSequential},
        {"offload", o.layerwise.offload},
        {"tf32", o.layerwise.tf32},
        {"batch", o.layerwise.batchSize},
        {"dtype", dtypeName(model->dtype())},
        {"device", deviceName(o.layerwise.offload ? o.layerwise.computeDevice : model->device())},
        {"store", store}};
    if (o.method == prune::SparseMethod::SparseGpt) {
        settings["percdamp"] = o.percdamp;
        settings["blocksize"] = o.blockSize;
    }
    writer.commit({{"command", "prune sparse"},
                   {"method", settings.at("method")},
                   {"settings", settings},
                   {"calibration", calibrated ? calib.toJson() : nlohmann::json(nullptr)}}, &ctx);
    ctx.setProgress(1.0);
    nlohmann::json r = {{"out", fs::absolute(dst).lexically_normal().string()},
                        {"settings", settings},
                        {"report", report.toJson()},
                        {"stored_bytes", {{"dense", denseBytes}, {"written", model->storageBytes()}}},
                        {"note", compressed ? "2:4 stored compressed (values + 2-bit positions, 0.5625x of 16-bit dense "
                                              "projections): the file and the memory shrink; CPU decode reads the "
                                              "compressed form, other products rebuild the dense matrix"
                                            : "zeroed weights are stored densely: the file and the memory footprint do not shrink, "
                                              "and dense kernels run no faster"}};
    if (calibrated)
        r["calibration"] = calib.toJson();
    std::ostringstream text;
    text << "pruned " << dir << " with " << settings.at("method").get<std::string>() << " to " << o.target.describe()
         << ": " << report.zeros << " of " << report.numel << " projection weights are zero ("
         << (report.numel ? 100.0 * double(report.zeros) / double(report.numel) : 0.0) << " %), " << report.seconds
         << " s -> " << dst << "\n";
    out.text(text.str());
    out.result(r);
    return 0;
}

int pruneDepth(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "bos-per-sample", "all-tokens"});
    auto known = withCommon({"layers", "criterion", "count", "keep-first", "keep-last", "batch", "out", "all-tokens"});
    for (auto& k : calibrationOptions())
        known.push_back(k);
    a.allowOnly(known);
    const std::string dir = a.positionalAt(1, "MODEL_DIR");
    const std::string dst = outDir(a);
    const auto layersArg = a.get("layers");
    const auto criterion = a.get("criterion");
    if (layersArg.has_value() == criterion.has_value())
        throw ConfigError(
            "prune depth: give exactly one of --layers 3,4,5 (0-based) and --criterion angular|bi|ppl --count N");
    JobContext ctx = out.jobContext();
    model::VariantWriter writer(dir, dst);
    const auto cfg = model::ModelConfig::load(fs::path(dir) / "config.json");

    std::vector<int64_t> layers;
    nlohmann::json evidence = nullptr;
    analysis::CalibrationSet calib;
    std::string how = "manual";
    if (layersArg) {
        layers = parseLayers(*layersArg);
    } else {
        how = *criterion;
        if (how != "angular" && how != "bi" && how != "ppl" && how != "taylor")
            throw ConfigError("prune depth: --criterion must be angular, bi, ppl or taylor (got '" + how + "')");
        const int64_t count = a.getInt("count", 0);
        if (count < 1 || count >= cfg.numLayers)
            throw ConfigError("prune depth: --count must be between 1 and " + std::to_string(cfg.numLayers - 1));
        out.status("tokenizing the calibration text");
        // PruneMe's defaults for the similarity criteria; Shortened LLaMA's for ppl and taylor.
        const bool shortened = how == "ppl" || how == "taylor";
        calib = calibrationFromArgs(a, dir, ctx.slice(0.0, 0.03), shortened ? 10 : 64, shortened ? 128 : 1024, true);
        const auto model = loadModel(dir, a, out);
        // Shortened LLaMA never removes the first four and the last two blocks (when the model has room).
        const int64_t keepFirst = a.getInt("keep-first", cfg.numLayers - count >= 6 + 1 ? 4 : 0);
        const int64_t keepLast = a.getInt("keep-last", cfg.numLayers - count >= 6 + 1 ? 2 : 0);
        if (how == "taylor") {
            const auto tc = prune::chooseByTaylor(*model, calib.ids, count, keepFirst, keepLast, ctx.slice(0.1, 0.8));
            layers = tc.layers;
            evidence = tc.toJson();
        } else if (how == "ppl") {
            at::InferenceMode guard;
            const auto pc = prune::chooseByPerplexity(*model, calib.ids, count, keepFirst, keepLast,
                                                      a.getInt("batch", 8), ctx.slice(0.1, 0.8));
            layers = pc.layers;
            evidence = pc.toJson();
        } else {
            at::InferenceMode guard;
            analysis::LayerSimilarityOptions so;
            so.batchSize = a.getInt("batch", 8);
            so.tokens =
                a.flag("all-tokens") ? analysis::TokenSelection::AllTokens : analysis::TokenSelection::LastToken;
            const auto sim = analysis::computeLayerSimilarity(*model, calib.ids, at::Tensor(), so, ctx.slice(0.1, 0.8));
            if (how == "angular") {
                const auto rec = analysis::recommendBlock(sim, count);
                layers = rec.layersToDrop;
                evidence = {{"criterion", "angular"}, {"recommendation", rec.toJson()}, {"similarity", sim.toJson()}};
            } else {
                layers = analysis::lowestInfluenceLayers(sim.blockInfluence, count);
                evidence = {{"criterion", "bi"}, {"block_influence", sim.blockInfluence}, {"layers", layers}};
            }
        }
    }
    layers = prune::checkLayersToRemove(layers, cfg.numLayers);
    out.status("writing " + dst);
    prune::writeDepthPruned(dir, layers, writer.staging(), ctx.slice(0.8, 0.98));
    const nlohmann::json settings = {{"method", "depth"},
                                     {"criterion", how},
                                     {"removed_layers", layers},
                                     {"layers_before", cfg.numLayers},
                                     {"layers_after", cfg.numLayers - static_cast<int64_t>(layers.size())},
                                     {"indexing", "0-based"}};
    writer.commit({{"command", "prune depth"},
                   {"method", "depth-" + how},
                   {"settings", settings},
                   {"calibration", calib.numSamples() ? calib.toJson() : nlohmann::json(nullptr)}}, &ctx);
    ctx.setProgress(1.0);
    std::ostringstream text;
    text << "removed layers";
    for (int64_t l : layers)
        text << " " << l;
    text << " (0-based, " << how << ") of " << cfg.numLayers << " -> " << dst << "\n";
    out.text(text.str());
    out.result(
        {{"out", fs::absolute(dst).lexically_normal().string()}, {"settings", settings}, {"evidence", evidence}});
    return 0;
}

int pruneWidth(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "bos-per-sample", "no-attention", "no-mlp"});
    auto known = withCommon({"ratio", "importance", "layer-range", "out", "no-attention", "no-mlp"});
    for (auto& k : calibrationOptions())
        known.push_back(k);
    a.allowOnly(known);
    const std::string dir = a.positionalAt(1, "MODEL_DIR");
    const std::string dst = outDir(a);
    const auto cfg = model::ModelConfig::load(fs::path(dir) / "config.json");
    prune::WidthPruneOptions o;
    o.ratio = a.getDouble("ratio", 0.25);
    o.importance = prune::parseWidthImportance(a.get("importance", "l2"));
    o.attention = !a.flag("no-attention");
    o.mlp = !a.flag("no-mlp");
    if (auto r = a.get("layer-range")) {
        int64_t lo = 0, hi = 0;
        if (std::sscanf(r->c_str(), "%ld:%ld", &lo, &hi) != 2 || lo < 0 || hi <= lo || hi > cfg.numLayers)
            throw ConfigError("--layer-range '" + *r + "': expected A:B with 0 <= A < B <= " + std::to_string(cfg.numLayers) +
                              " (layers A .. B-1, 0-based)");
        o.firstLayer = lo;
        o.lastLayer = hi - 1;
    }
    JobContext ctx = out.jobContext();
    model::VariantWriter writer(dir, dst);
    const bool grads = o.importance == prune::WidthImportance::Taylor || o.importance == prune::WidthImportance::ParamMix;
    analysis::CalibrationSet calib;
    if (grads) {
        out.status("tokenizing the calibration text");
        // LLM-Pruner's default: 10 samples of 64 tokens.
        calib = calibrationFromArgs(a, dir, ctx.slice(0.0, 0.03), 10, 64, true);
    }
    const auto model = loadModel(dir, a, out);
    const auto report = prune::pruneWidth(*model, calib.ids, o, ctx.slice(0.08, 0.92));
    out.status("writing " + dst);
    writer.writeModel(*model, storedDtype(cfg));
    const nlohmann::json settings = {{"method", "width"}, {"ratio", o.ratio},
                                     {"importance", std::string(prune::widthImportanceName(o.importance))},
                                     {"layers", {o.firstLayer, o.lastLayer < 0 ? cfg.numLayers - 1 : o.lastLayer}},
                                     {"attention", o.attention}, {"mlp", o.mlp},
                                     {"groups", "KV groups (q/k/v rows + o columns), MLP channels (gate/up rows + down columns)"}};
    writer.commit({{"command", "prune width"}, {"method", "width-" + std::string(prune::widthImportanceName(o.importance))},
                   {"settings", settings}, {"calibration", grads ? calib.toJson() : nlohmann::json(nullptr)}}, &ctx);
    nlohmann::json r = {{"out", fs::absolute(dst).lexically_normal().string()}, {"settings", settings}, {"report", report.toJson()}};
    if (!report.uniform)
        r["note"] = "the layers now have different widths: Slimbench reloads this folder (slimbench_layer_shapes in "
                    "config.json), Hugging Face transformers cannot";
    std::ostringstream text;
    text << "width-pruned " << dir << " (" << prune::widthImportanceName(o.importance) << ", ratio " << o.ratio << "): "
         << report.parametersBefore << " -> " << report.parametersAfter << " parameters"
         << (report.uniform ? "" : "; per-layer widths (transformers cannot load this folder)") << " -> " << dst << "\n";
    out.text(text.str());
    out.result(r);
    return 0;
}

} // namespace

int cmdPrune(const std::vector<std::string>& argv, Output& out) {
    if (argv.empty())
        throw ConfigError("prune: expected 'sparse' or 'depth' (see slimbench-cli --help)");
    if (argv[0] == "sparse")
        return pruneSparse(argv, out);
    if (argv[0] == "depth")
        return pruneDepth(argv, out);
    if (argv[0] == "width")
        return pruneWidth(argv, out);
    throw ConfigError("prune: unknown mode '" + argv[0] + "' (sparse, depth, width)");
}

} // namespace slim::cli
