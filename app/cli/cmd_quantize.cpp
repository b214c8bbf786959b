// slimbench-cli quantize: write a weight-quantized variant of a checkpoint (docs/compression.md).
//   quantize MODEL_DIR --method rtn|gptq|awq|hqq|nf4 [--bits B] [--group G|-1] [--sym] [--act-order]
//            [--static-groups] [--true-sequential] [--percdamp D] [--blocksize B] [--double-quant]
//            [--awq-grid N] [--no-clip] [--lm-head] [calibration] [--offload] [--tf32] [--batch B] --out DIR
// The output folder is written atomically with slimbench_provenance.json and loads back packed.
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/model/llama_model.h"
#include "core/model/variant_writer.h"
#include "core/quant/quantize_model.h"

#include <ATen/ATen.h>

#include <sstream>

namespace fs = std::filesystem;

namespace slim::cli {

int cmdQuantize(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "sym", "act-order", "static-groups", "true-sequential", "offload", "double-quant", "no-clip",
                  "bos-per-sample", "lm-head", "tf32"});
    auto known = withCommon({"method", "bits", "group", "sym", "act-order", "static-groups", "true-sequential", "offload",
                             "tf32", "batch", "percdamp", "blocksize", "double-quant", "awq-grid", "no-clip", "lm-head", "out"});
    for (auto& k : calibrationOptions())
        known.push_back(k);
    a.allowOnly(known);
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto dstArg = a.get("out");
    if (!dstArg || dstArg->empty())
        throw ConfigError("--out DIR is required (the folder the quantized model is written to)");
    const std::string dst = *dstArg;

    quant::QuantizeOptions o;
    o.method = quant::parseQuantMethod(a.get("method", "rtn"));
    o.bits = static_cast<int>(a.getInt("bits", 4));
    o.groupSize = a.getInt("group", o.method == quant::QuantMethod::Hqq ? 64 : 128);
    if (o.groupSize < 0)
        o.groupSize = 0;
    o.symmetric = a.flag("sym");
    o.actOrder = a.flag("act-order");
    o.staticGroups = a.flag("static-groups");
    o.percdamp = a.getDouble("percdamp", 0.01);
    o.blockSize = a.getInt("blocksize", 128);
    o.doubleQuant = a.flag("double-quant");
    o.lmHead = a.flag("lm-head");
    o.awqGrid = static_cast<int>(a.getInt("awq-grid", 20));
    o.awqClip = !a.flag("no-clip");
    o.layerwise.batchSize = a.getInt("batch", 8);
    o.layerwise.trueSequential = a.flag("true-sequential");
    o.layerwise.offload = a.flag("offload");
    o.layerwise.tf32 = a.flag("tf32");
    o.layerwise.computeDevice = parseDevice(a);
    o.validate();
    if (o.awqGrid < 1)
        throw ConfigError("--awq-grid must be >= 1");

    JobContext ctx = out.jobContext();
    model::VariantWriter writer(dir, dst); // refuses an output inside the model folder before any work
    const bool calibrated = quant::needsCalibration(o.method);
    analysis::CalibrationSet calib;
    if (calibrated) {
        out.status("tokenizing the calibration text");
        // The references' defaults: GPTQ 128 random windows of 2048 tokens; llm-awq 128 blocks of 512.
        calib = calibrationFromArgs(a, dir, ctx.slice(0.0, 0.03), 128, o.method == quant::QuantMethod::Awq ? 512 : 2048, true);
    } else if (a.get("calib")) {
        throw ConfigError("--method " + std::string(quant::quantMethodName(o.method)) + " uses no calibration data; drop --calib");
    }
    const auto cfg = model::ModelConfig::load(fs::path(dir) / "config.json");
    if (!cfg.quantizationConfig.empty())
        throw ConfigError(dir + " is already quantized or stored compressed (config.json has quantization_config); quantize its "
                                "dense parent, or write dense weights first with `slimbench-cli export " + dir + " --format hf`");
    setupThreads(a);
    model::LoadOptions lo;
    lo.device = o.layerwise.offload ? at::Device(at::kCPU) : parseDevice(a);
    lo.dtype = parseDtype(a);
    const JobContext loadCtx = ctx.slice(0.03, 0.08);
    const auto model = model::LlamaModel::load(dir, lo, &loadCtx);
    const int64_t bf16Bytes = [&] {
        int64_t n = 0;
        for (int64_t l = 0; l < model->numLayers(); ++l)
            for (auto p : model::kAllProj)
                n += model->layer(l).p(p).inFeatures() * model->layer(l).p(p).outFeatures() * 2;
        return n;
    }();
    const auto report = quant::quantizeModel(*model, calib.ids, o, ctx.slice(0.08, 0.95));
    out.status("writing " + dst);
    writer.writeModel(*model, storedDtype(cfg));
    nlohmann::json settings = o.toJson();
    settings["dtype"] = dtypeName(model->dtype());
    settings["device"] = deviceName(o.layerwise.offload ? o.layerwise.computeDevice : model->device());
    settings["layout"] = nlohmann::json::parse(model->config().quantizationConfig);
    writer.commit({{"command", "quantize"},
                   {"method", settings.at("method")},
                   {"settings", settings},
                   {"calibration", calibrated ? calib.toJson() : nlohmann::json(nullptr)}},
                  &ctx);
    ctx.setProgress(1.0);
    const double ratioBf16 = bf16Bytes ? double(report.storedBytes) / double(bf16Bytes) : 0.0;
    nlohmann::json r = {{"out", fs::absolute(dst).lexically_normal().string()},
                        {"settings", settings},
                        {"report", report.toJson()},
                        {"projection_bytes_bf16", bf16Bytes},
                        {"ratio_vs_bf16", ratioBf16}};
    if (calibrated)
        r["calibration"] = calib.toJson();
    double errSum = 0;
    for (const auto& p : report.projections)
        errSum += p.relError;
    std::ostringstream text;
    text.precision(4);
    text << "quantized " << dir << " with " << settings.at("method").get<std::string>() << " ("
         << (o.method == quant::QuantMethod::Nf4 ? std::string(o.doubleQuant ? "nf4, double quant" : "nf4")
                                                  : std::to_string(o.bits) + "-bit, " +
                                                        (o.groupSize ? "group " + std::to_string(o.groupSize) : "per channel"))
         << "): projections " << report.storedBytes << " bytes stored = " << 100.0 * ratioBf16 << " % of bf16, mean relative weight error "
         << (report.projections.empty() ? 0.0 : errSum / double(report.projections.size())) << ", " << report.seconds << " s -> "
         << dst << "\n";
    out.text(text.str());
    out.result(r);
    return 0;
}

} // namespace slim::cli
