#pragma once
// Every slimbench-cli command: int cmdX(const std::vector<std::string>& args, Output& out).
#include "app/cli/cli_common.h"
#include "core/analysis/calibration.h"

#include <memory>
#include <string>
#include <vector>

namespace slim::model { class LlamaModel; struct ModelConfig; }
namespace slim::tok { class Tokenizer; }

namespace slim::cli {

int cmdInfo(const std::vector<std::string>& args, Output& out);
int cmdTokenize(const std::vector<std::string>& args, Output& out);
int cmdLogits(const std::vector<std::string>& args, Output& out);
int cmdGenerate(const std::vector<std::string>& args, Output& out);
int cmdPerplexity(const std::vector<std::string>& args, Output& out);
int cmdBench(const std::vector<std::string>& args, Output& out);
int cmdAnalyze(const std::vector<std::string>& args, Output& out);
int cmdTrainDemo(const std::vector<std::string>& args, Output& out);

int cmdEval(const std::vector<std::string>& args, Output& out);
int cmdKl(const std::vector<std::string>& args, Output& out);
int cmdResults(const std::vector<std::string>& args, Output& out);
int cmdReport(const std::vector<std::string>& args, Output& out);
int cmdPaths(const std::vector<std::string>& args, Output& out);
int cmdDevices(const std::vector<std::string>& args, Output& out);
int cmdEstimate(const std::vector<std::string>& args, Output& out);
int cmdPrune(const std::vector<std::string>& args, Output& out);
int cmdLora(const std::vector<std::string>& args, Output& out);
int cmdDistill(const std::vector<std::string>& args, Output& out);
int cmdQuantize(const std::vector<std::string>& args, Output& out);
int cmdExport(const std::vector<std::string>& args, Output& out);
int cmdRun(const std::vector<std::string>& args, Output& out);
int cmdPipeline(const std::vector<std::string>& args, Output& out);

/// --calib FILE --calib-samples N --calib-length L --calib-mode M --seed S --bos-per-sample.
std::vector<std::string> calibrationOptions();
/// The calibration windows those options describe, tokenized with the model folder's tokenizer
/// (length capped by the model's context).  Without --calib: an empty set, or a ConfigError when
/// `required`.
analysis::CalibrationSet calibrationFromArgs(const Args& a, const std::string& modelDir, const JobContext& ctx,
                                             int64_t defaultSamples, int64_t defaultLength, bool required);

/// Options every model command accepts.
std::vector<std::string> commonModelOptions();
/// commonModelOptions() + `extra`.
std::vector<std::string> withCommon(std::vector<std::string> extra);
/// "fp32", "bf16", "fp16".
const char* dtypeName(at::ScalarType t);
/// The dtype a checkpoint stores its weights in (config.json torch_dtype): outputs are written in it.
at::ScalarType storedDtype(const model::ModelConfig& cfg);
/// Load a model folder on --device with --dtype (progress to `out`).
std::unique_ptr<model::LlamaModel> loadModel(const std::string& dir, const Args& a, Output& out);

} // namespace slim::cli
