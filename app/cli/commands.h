#pragma once
// Every slimbench-cli command: int cmdX(const std::vector<std::string>& args, Output& out).
#include "app/cli/cli_common.h"

#include <memory>
#include <string>
#include <vector>

namespace slim::model { class LlamaModel; }
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

/// Options every model command accepts.
std::vector<std::string> commonModelOptions();
/// commonModelOptions() + `extra`.
std::vector<std::string> withCommon(std::vector<std::string> extra);
/// "fp32", "bf16", "fp16".
const char* dtypeName(at::ScalarType t);
/// Load a model folder on --device with --dtype (progress to `out`).
std::unique_ptr<model::LlamaModel> loadModel(const std::string& dir, const Args& a, Output& out);

} // namespace slim::cli
