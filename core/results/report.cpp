#include "core/results/report.h"

#include "core/common/errors.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace slim::results {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void addDistinct(json& arr, const json& value) {
    if (value.is_null() || (value.is_object() && value.empty()))
        return;
    for (const auto& v : arr)
        if (v == value)
            return;
    arr.push_back(value);
}

/// The pipeline of a run: the first line of its run log ({"event":"run","pipeline":{...}}), and the
/// artifacts its nodes finished ({"event":"node","node":..,"state":"done"|"cached","artifact":..}).
json pipelineOfRun(const fs::path& runsDir, const std::string& run) {
    const fs::path log = runsDir / (run + ".jsonl");
    std::ifstream f(log);
    std::string line;
    if (!f || !std::getline(f, line))
        return nullptr;
    const json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("pipeline"))
        return nullptr;
    json artifacts = json::object();
    while (std::getline(f, line)) {
        const json e = json::parse(line, nullptr, false);
        if (!e.is_discarded() && e.is_object() && e.value("event", "") == "node" && e.contains("artifact") && e.contains("node"))
            artifacts[e.at("node").get<std::string>()] = e.at("artifact");
    }
    return {{"run", run}, {"file", log.string()}, {"pipeline", j.at("pipeline")}, {"artifacts", artifacts}};
}

/// The similarity result of the first finished Analyse node on an original checkpoint: in the selected
/// runs, else in the newest other run of the same pipelines (an Analyse node added after the
/// evaluations were cached has its result in a later run).
void findSimilarity(ReportInput& in) {
    json candidates = in.pipelines;
    std::set<std::string> names;
    for (const auto& p : in.pipelines)
        names.insert(p.at("pipeline").value("name", ""));
    const fs::path runsDir = in.database.parent_path() / "runs";
    std::error_code ec;
    std::vector<fs::path> logs;
    for (const auto& e : fs::directory_iterator(runsDir, ec))
        if (e.path().extension() == ".jsonl")
            logs.push_back(e.path());
    std::sort(logs.rbegin(), logs.rend());   // names start with the UTC time: newest first
    for (const auto& log : logs)
        if (json p = pipelineOfRun(runsDir, log.stem().string()); !p.is_null() && names.count(p.at("pipeline").value("name", "")))
            candidates.push_back(std::move(p));
    for (const auto& p : candidates) {
        const json& g = p.at("pipeline");
        for (const auto& n : g.value("nodes", json::array())) {
            const std::string id = n.value("id", "");
            if (n.value("type", "") != "analyze" || !p.at("artifacts").contains(id))
                continue;
            // Only an analysis of the loaded model (a Load node feeds it), i.e. of the base.
            bool ofBase = false;
            for (const auto& l : g.value("links", json::array()))
                if (l.value("to", "") == id + ".model")
                    for (const auto& m : g.value("nodes", json::array()))
                        ofBase = ofBase || (m.value("type", "") == "load" && l.value("from", "") == m.value("id", "") + ".model");
            const fs::path result = fs::path(p.at("artifacts").at(id).get<std::string>()) / "result.json";
            std::ifstream f(result);
            if (!ofBase || !f)
                continue;
            std::stringstream ss;
            ss << f.rdbuf();
            const json r = json::parse(ss.str(), nullptr, false);
            if (r.is_discarded() || !r.contains("similarity"))
                continue;
            in.similarity = r.at("similarity");
            in.similaritySource = "node " + id + " of run " + p.at("run").get<std::string>();
            return;
        }
    }
}

std::string oneLine(const json& j) {
    if (j.is_string())
        return j.get<std::string>();
    return j.dump();
}

} // namespace

ReportInput loadReport(const fs::path& db, const ComparisonOptions& options) {
    if (!fs::exists(db))
        throw IoError(db.string() + ": no result database here (records are written by eval / bench --db and by pipeline runs)");
    ReportInput in;
    in.database = db;
    in.options = options;
    std::vector<ResultRecord> all;
    {
        ResultStore store(db);
        all = store.list();
    }
    in.comparison = buildComparison(all, options);
    if (in.comparison.variants.empty())
        throw ConfigError(db.string() + ": no record matches the selection (" + std::to_string(all.size()) +
                          " record(s) in the database; check --run / --model)");
    const std::set<int64_t> used(in.comparison.recordIds.begin(), in.comparison.recordIds.end());
    std::set<std::string> runs;
    for (auto& r : all) {
        if (!used.count(r.id))
            continue;
        addDistinct(in.machines, r.machine);
        addDistinct(in.versions, r.versions);
        if (r.provenance.is_object() && r.provenance.contains("pipeline") && r.provenance.at("pipeline").contains("run"))
            runs.insert(r.provenance.at("pipeline").at("run").get<std::string>());
        in.records.push_back(std::move(r));
    }
    for (const auto& run : runs)
        if (json p = pipelineOfRun(db.parent_path() / "runs", run); !p.is_null())
            in.pipelines.push_back(std::move(p));
    findSimilarity(in);
    in.generatedAt = utcNow();
    std::string models;
    std::set<std::string> roots;
    for (const auto& v : in.comparison.variants)
        if (v.isOriginal && roots.insert(v.modelName).second)
            models += (models.empty() ? "" : ", ") + v.modelName;
    in.title = "Compression study" + (models.empty() ? std::string() : ": " + models);
    return in;
}

std::string metricExplanation(const std::string& m) {
    if (m == "ppl")
        return "Perplexity: exp of the mean negative log-likelihood per predicted token on the text; lower is better. "
               "Only values of one convention (window length, stride, BOS handling) are comparable.";
    if (m.find("nll") != std::string::npos)
        return "Mean negative log-likelihood per predicted token in nats (the log of the perplexity); lower is better.";
    if (m.rfind("kl", 0) == 0)
        return "Kullback-Leibler divergence of the variant's next-token distribution from the base model's, in nats per "
               "token; 0 means identical predictions, lower is better.";
    if (m.find("agreement") != std::string::npos || m.find("top1") != std::string::npos)
        return "Share of positions where the variant's most likely next token equals the base model's; higher is better.";
    if (m == "acc" || m == "acc_norm")
        return "Zero-shot multiple-choice accuracy (acc_norm: choices scored by log-likelihood per byte, as lm-evaluation-harness "
               "does); higher is better.";
    if (m.find("decode_tokens_per_s") != std::string::npos)
        return "Tokens generated per second after the prompt, batch 1, median of the repetitions; higher is better.";
    if (m.find("prefill_tokens_per_s") != std::string::npos)
        return "Prompt tokens processed per second; higher is better.";
    if (m.find("time_to_first_token") != std::string::npos)
        return "Seconds from the request to the first generated token; lower is better.";
    if (m.find("joules") != std::string::npos)
        return "Energy per generated token from the device's energy counter (GPU: NVML; CPU: RAPL where readable); lower is better.";
    return "As measured by slimbench-cli; see the record's settings.";
}

json reportJson(const ReportInput& in) {
    return {{"format", "slimbench-report"}, {"version", 1}, {"title", in.title}, {"generated_at", in.generatedAt},
            {"database", in.database.string()}, {"machines", in.machines}, {"versions", in.versions},
            {"pipelines", in.pipelines}, {"similarity", in.similarity}, {"similarity_source", in.similaritySource},
            {"comparison", in.comparison.toJson()}};
}

std::string reportMarkdown(const ReportInput& in) {
    std::ostringstream os;
    os << "# " << in.title << "\n\n";
    os << "Generated " << in.generatedAt << " by Slimbench from `" << in.database.string() << "` (" << in.comparison.recordIds.size()
       << " records, " << in.comparison.variants.size() << " variants).\n\n";
    os << "## Machines and versions\n\n";
    for (const auto& m : in.machines) {
        os << "-";
        for (const auto& [k, v] : m.items())
            os << " " << k << ": " << oneLine(v) << ";";
        os << "\n";
    }
    for (const auto& v : in.versions) {
        os << "- versions:";
        for (const auto& [k, x] : v.items())
            os << " " << k << " " << oneLine(x) << ";";
        os << "\n";
    }
    for (const auto& p : in.pipelines) {
        const json& g = p.at("pipeline");
        os << "\n## Pipeline " << oneLine(g.value("name", json("pipeline"))) << " (run " << p.at("run").get<std::string>() << ")\n\n";
        os << "| node | type | settings |\n| --- | --- | --- |\n";
        for (const auto& n : g.value("nodes", json::array())) {
            std::string settings;
            const json params = n.value("params", json::object());
            for (const auto& [k, v] : params.items())
                settings += (settings.empty() ? "" : ", ") + k + " = " + oneLine(v);
            std::string esc;
            for (char c : settings)
                esc += c == '|' ? std::string("\\|") : std::string(1, c);
            os << "| " << n.value("id", "") << " | " << n.value("type", "") << " | " << esc << " |\n";
        }
        os << "\nLinks:";
        for (const auto& l : g.value("links", json::array()))
            os << " " << l.value("from", "") << " → " << l.value("to", "") << ";";
        os << "\n";
    }
    if (!in.similarity.is_null() && in.similarity.contains("recommendation")) {
        const json& rec = in.similarity.at("recommendation");
        os << "\n## Layer similarity of the base model\n\nFrom " << in.similaritySource << ": " << in.similarity.value("num_layers", 0)
           << " layers; the most removable block starts at layer " << rec.value("start", -1) << " (" << rec.value("block_size", 0)
           << " layer(s), angular distance " << oneLine(rec.value("distance", json(nullptr))) << ").\n";
    }
    os << "\n" << in.comparison.toMarkdown();
    os << "\n## What the metrics mean\n\n";
    std::set<std::string> seen;
    for (const auto& c : in.comparison.columns)
        if (seen.insert(c.metric).second)
            os << "- **" << c.metric << "**: " << metricExplanation(c.metric) << "\n";
    os << "- **stored weights**: bytes of the weight tensors in the model folder as saved (packed integers count at their "
          "packed size).\n- **peak memory**: the highest memory in use while generating (bench) or evaluating, as the "
          "device reports it (CUDA: the caching allocator's peak; CPU: the process's peak resident set).\n"
          "- Values are shown as value ± standard error where the task has one; a \"change vs base\" is relative to the "
          "base variant in the same table only.\n";
    return os.str();
}

} // namespace slim::results
