// The calibration options every calibration-based command shares (prune, quantize, analyze):
//   --calib FILE --calib-samples N --calib-length L --calib-mode sequential|random [--seed S]
//   [--bos-per-sample]
// (analyze also accepts its older spellings --samples / --length).
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/model/model_config.h"
#include "core/tokenizer/tokenizer.h"

namespace slim::cli {

std::vector<std::string> calibrationOptions() {
    return {"calib", "calib-samples", "calib-length", "calib-mode", "seed", "bos-per-sample"};
}

analysis::CalibrationSet calibrationFromArgs(const Args& a, const std::string& modelDir, const JobContext& ctx,
                                             int64_t defaultSamples, int64_t defaultLength, bool required) {
    const auto file = a.get("calib");
    if (!file) {
        if (required)
            throw ConfigError(
                "this method needs calibration text: --calib FILE (e.g. resources/data/wikitext-2-raw/wiki.test.raw)");
        return {};
    }
    analysis::CalibrationOptions co;
    co.numSamples = a.getInt("calib-samples", a.getInt("samples", defaultSamples));
    const auto cfg = model::ModelConfig::load(std::filesystem::path(modelDir) / "config.json");
    co.sampleLength = a.getInt("calib-length", a.getInt("length", std::min(defaultLength, cfg.maxPositionEmbeddings)));
    co.mode = analysis::parseCalibrationMode(a.get("calib-mode", "random"));
    co.seed = static_cast<uint64_t>(a.getInt("seed", 0));
    co.bosPerSample = a.flag("bos-per-sample");
    if (co.numSamples < 1 || co.sampleLength < 2)
        throw ConfigError("--calib-samples must be >= 1 and --calib-length >= 2");
    const auto tok = tok::Tokenizer::fromPath(modelDir);
    return analysis::makeCalibration(*file, tok, co, ctx);
}

} // namespace slim::cli
