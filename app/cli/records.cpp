#include "app/cli/records.h"

#include "core/common/errors.h"
#include "core/eval/machine_info.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/io/strict_json.h"
#include "core/model/demo_model.h"
#include "core/results/fingerprint.h"

namespace slim::cli {

std::filesystem::path databasePath(const Args& a) {
    if (auto p = a.get("db"))
        return *p;
    return model::demoModelDir().parent_path() / "results.sqlite";
}

results::ResultRecord baseRecord(const std::string& kind, const std::string& task, const std::string& modelDir,
                                 const at::Device& device) {
    results::ResultRecord r;
    r.kind = kind;
    r.task = task;
    const std::filesystem::path dir = std::filesystem::absolute(modelDir).lexically_normal();
    r.modelPath = dir.string();
    r.modelName = dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
    r.modelFingerprint = results::modelFingerprint(dir);
    const auto prov = dir / "slimbench_provenance.json";
    r.provenance = std::filesystem::is_regular_file(prov)
                       ? io::parseJsonStrict(io::readTextFile(prov), prov.string())
                       : nlohmann::json{{"parent", nullptr}, {"steps", nlohmann::json::array()}};
    r.machine = eval::machineInfo(device.is_cuda() ? device.index() < 0 ? 0 : device.index() : -1);
    r.machine["device"] = deviceName(device);
    r.versions = eval::libraryVersions();
    return r;
}

nlohmann::json storedWeightBytes(const std::string& modelDir) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [dtype, bytes] : io::Checkpoint::open(modelDir).bytesByDType())
        j[dtype] = bytes;
    return j;
}

std::vector<results::Metric> metricsFromJson(const nlohmann::json& metrics) {
    std::vector<results::Metric> out;
    for (const auto& [name, m] : metrics.items()) {
        results::Metric x;
        x.name = name;
        x.value = m.at("value").get<double>();
        if (m.contains("stderr"))
            x.stderr_ = m.at("stderr").get<double>();
        x.unit = m.value("unit", std::string());
        out.push_back(std::move(x));
    }
    return out;
}

std::vector<int64_t> storeRecords(const Args& a, const std::vector<results::ResultRecord>& records, Output& out) {
    std::vector<int64_t> ids;
    if (!a.has("db"))
        return ids;
    const auto path = databasePath(a);
    nlohmann::json pipeline;
    if (auto p = a.get("pipeline")) {
        pipeline = io::parseJsonStrict(*p, "--pipeline");
        if (!pipeline.is_object())
            throw ConfigError("--pipeline: expected a JSON object {\"name\", \"run\", \"node\", \"variant\"}");
    }
    results::ResultStore store(path);
    for (auto r : records) {
        if (!pipeline.is_null())
            r.provenance["pipeline"] = pipeline;
        ids.push_back(store.insert(r));
    }
    std::string list;
    for (int64_t id : ids)
        list += (list.empty() ? "#" : ", #") + std::to_string(id);
    out.status("stored " + std::to_string(ids.size()) + " record(s) " + list + " in " + path.string());
    return ids;
}

} // namespace slim::cli
