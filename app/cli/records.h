#pragma once
// Result records written by slimbench-cli (eval, kl, bench) into the SQLite store (core/results).
#include "app/cli/cli_common.h"

#include "core/results/result_store.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace slim::cli {

/// --db PATH, else the default store next to the demo model ($SLIMBENCH_DATA_DIR/results.sqlite or
/// ~/.local/share/slimbench/results.sqlite).
std::filesystem::path databasePath(const Args& a);
/// A record with the model (path, folder name, fingerprint), its provenance
/// (MODEL_DIR/slimbench_provenance.json when present), the machine and the library versions.
results::ResultRecord baseRecord(const std::string& kind, const std::string& task, const std::string& modelDir,
                                 const at::Device& device);
/// Bytes of the weights as stored in MODEL_DIR's safetensors, per dtype: {"BF16": n, ...}.
nlohmann::json storedWeightBytes(const std::string& modelDir);
/// Metrics from a {"name": {"value", "stderr"?, "unit"?}} object.
std::vector<results::Metric> metricsFromJson(const nlohmann::json& metrics);
/// Insert the records when --db is given; reports the ids on `out`.  With --pipeline JSON (set by
/// `run` for its Evaluate nodes: {"name", "run", "node", "variant"}) each record's provenance gets it
/// as "pipeline", so a comparison or a report can select one run and label its variants.
std::vector<int64_t> storeRecords(const Args& a, const std::vector<results::ResultRecord>& records, Output& out);

} // namespace slim::cli
