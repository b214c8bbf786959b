// slimbench-cli export: a model folder in a form other tools load (docs/export.md).
//   export MODEL_DIR --format gguf[:f16|q8_0|q4_0|q4_k] --out FILE.gguf
//   export MODEL_DIR --format gptq --out DIR     (an integer-quantized model, GPTQ checkpoint layout)
//   export MODEL_DIR --format hf --out DIR       (de-quantized dense safetensors)
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/export/gguf_export.h"
#include "core/model/llama_model.h"
#include "core/model/variant_writer.h"
#include "core/quant/quant_layout.h"

#include <ATen/ATen.h>

#include <sstream>

namespace fs = std::filesystem;

namespace slim::cli {

int cmdExport(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly(withCommon({"format", "out", "name"}));
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto dst = a.get("out");
    if (!dst || dst->empty())
        throw ConfigError("--out is required (a .gguf file, or a folder for gptq / hf)");
    const std::string format = a.get("format", "gguf:f16");
    JobContext ctx = out.jobContext();
    const auto cfg = model::ModelConfig::load(fs::path(dir) / "config.json");
    setupThreads(a);
    nlohmann::json result;
    if (format.rfind("gguf", 0) == 0) {
        exporting::GgufExportOptions o;
        o.type = quant::parseGgmlType(format.size() > 5 ? format.substr(5) : "f16");
        o.name = a.get("name", fs::path(dir).filename().string());
        if (fs::is_directory(*dst))
            throw ConfigError("--out " + *dst + " is a folder; GGUF export writes one file (e.g. --out model.gguf)");
        model::LoadOptions lo;
        lo.dtype = at::kFloat; // exported from float32 values, as convert_hf_to_gguf.py + llama-quantize do
        const JobContext loadCtx = ctx.slice(0.0, 0.1);
        const auto model = model::LlamaModel::load(dir, lo, &loadCtx);
        const auto rep = exporting::exportGguf(*model, dir, *dst, o, ctx.slice(0.1, 1.0));
        ctx.artifact("gguf", rep.path);
        result = rep.toJson();
        result["format"] = format;
        std::ostringstream t;
        t << "wrote " << rep.path << " (" << rep.architecture << ", " << rep.tensors << " tensors, " << rep.bytes << " bytes)\n";
        out.text(t.str());
    } else if (format == "gptq" || format == "hf") {
        const auto layout = quant::QuantLayout::fromConfigText(cfg.quantizationConfig, dir + "/config.json");
        if (format == "gptq" && layout.method != quant::QuantLayout::Method::Gptq && layout.method != quant::QuantLayout::Method::Awq)
            throw ConfigError(dir + " is not integer-quantized; write it with `slimbench-cli quantize MODEL_DIR --method gptq|awq|rtn` "
                                    "(the output is already in the GPTQ layout)");
        model::VariantWriter writer(dir, *dst);
        model::LoadOptions lo;
        lo.dtype = at::kFloat;
        const JobContext loadCtx = ctx.slice(0.0, 0.5);
        const auto model = model::LlamaModel::load(dir, lo, &loadCtx);
        if (format == "hf") {
            // Replace every projection by its de-quantized dense weight.
            for (int64_t l = 0; l < model->numLayers(); ++l)
                for (auto p : model::kAllProj) {
                    auto& slot = model->layer(l).proj[static_cast<int>(p)];
                    slot = std::make_unique<model::DenseLinear>(slot->denseWeight(), slot->bias());
                }
            model->mutableConfig().quantizationConfig.clear();
        } else if (layout.method == quant::QuantLayout::Method::Awq) {
            // An AWQ checkpoint read into the GPTQ layout is written back in it.
            auto l = layout;
            l.method = quant::QuantLayout::Method::Gptq;
            l.producer = "awq";
            model->mutableConfig().quantizationConfig = l.toJson().dump();
        }
        writer.writeModel(*model, storedDtype(cfg));
        writer.commit({{"command", "export"}, {"method", "export-" + format}, {"settings", {{"format", format}}}}, &ctx);
        result = {{"out", fs::absolute(*dst).lexically_normal().string()}, {"format", format}};
        out.text("wrote " + *dst + "\n");
    } else {
        throw ConfigError("--format '" + format + "': gguf[:f16|q8_0|q4_0|q4_k], gptq or hf");
    }
    ctx.setProgress(1.0);
    out.result(result);
    return 0;
}

} // namespace slim::cli
