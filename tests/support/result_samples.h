#pragma once
// Result records for the comparison and report tests (core and widgets): a model folder, a pipeline
// variant label, a perplexity with its standard error, stored bytes, and provenance steps.
#include "core/results/result_store.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace slimtest {

inline slim::results::ResultRecord rec(const std::string& path, const std::string& variant, double ppl, const std::string& createdAt,
                 const std::string& run = "run-1", const nlohmann::json& steps = nlohmann::json::array(), bool original = false) {
    slim::results::ResultRecord r;
    r.kind = "eval";
    r.task = "ppl";
    r.convention = "token-gptq";
    r.createdAt = createdAt;
    r.modelPath = path;
    r.modelName = std::filesystem::path(path).filename().string();
    r.modelFingerprint = std::string(64, 'f');
    r.provenance = {{"parent", original ? nlohmann::json(nullptr) : nlohmann::json{{"path", "/m/base"}}}, {"steps", steps}};
    if (!run.empty())
        r.provenance["pipeline"] = {{"name", "study"}, {"run", run}, {"node", "eval_" + variant}, {"variant", variant}};
    r.settings = {{"context", 256}, {"file", path + "/heldout.txt"}, {"file_sha256", "abc"}, {"device", "cpu (test)"}, {"dtype", "fp32"}};
    r.metrics = {{"ppl", ppl, 0.5, ""}};
    r.memory = {{"weights_stored_by_dtype", {{"BF16", 1000.0 * ppl}}}, {"peak_bytes", 5000}};
    r.machine = {{"cpu", "test"}, {"device", "cpu (test)"}};
    r.versions = {{"slimbench", "0.1.0"}};
    return r;
}

inline nlohmann::json quantStep(int bits) { return nlohmann::json::array({{{"command", "quantize"}, {"method", "gptq"}, {"settings", {{"bits", bits}, {"group", 128}}}}}); }


} // namespace slimtest
