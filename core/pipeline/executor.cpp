#include "core/pipeline/executor.h"

#include "core/analysis/file_hash.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/results/fingerprint.h"

#include <chrono>
#include <fstream>
#include <mutex>
#include <regex>

namespace slim::pipeline {

using nlohmann::json;
namespace fs = std::filesystem;

std::string_view nodeStateName(NodeState s) {
    switch (s) {
    case NodeState::Pending: return "pending";
    case NodeState::Running: return "running";
    case NodeState::Done: return "done";
    case NodeState::Cached: return "cached";
    case NodeState::Failed: return "failed";
    case NodeState::Cancelled: return "cancelled";
    case NodeState::Skipped: return "skipped";
    }
    return "?";
}

bool RunReport::ok() const {
    for (const auto& [id, o] : nodes)
        if (o.state != NodeState::Done && o.state != NodeState::Cached)
            return false;
    return true;
}

json RunReport::toJson() const {
    json n = json::object();
    for (const auto& id : order) {
        const auto& o = nodes.at(id);
        json j = {{"state", nodeStateName(o.state)}, {"seconds", o.seconds}};
        if (!o.message.empty())
            j["message"] = o.message;
        if (!o.artifact.path.empty())
            j["artifact"] = o.artifact.path.string();
        if (!o.artifact.key.empty())
            j["key"] = o.artifact.key;
        if (!o.artifact.value.is_null())
            j["value"] = o.artifact.value;
        n[id] = j;
    }
    return {{"ok", ok()}, {"order", order}, {"nodes", n}, {"log", log.string()}, {"run_id", runId}, {"seconds", seconds}};
}

std::string modelFolderKey(const fs::path& dir) {
    json j = {{"fingerprint", results::modelFingerprint(dir)}};
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().extension() == ".safetensors")
            files.push_back(e.path().filename().string());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        const auto p = dir / f;
        j["files"].push_back({f, fs::file_size(p), fs::last_write_time(p).time_since_epoch().count()});
    }
    return analysis::sha256Hex(j.dump());
}

Executor::Executor(Graph graph, std::map<std::string, NodeRunner> runners, RunOptions options)
    : m_graph(std::move(graph)), m_runners(std::move(runners)), m_options(std::move(options)) {}

json Executor::resolvedParams(const Node& n) const {
    const NodeType* t = findNodeType(n.type);
    json out = n.params;
    static const std::regex ref(R"(\$\{([A-Za-z0-9_\-]+)(?:\.([A-Za-z0-9_]+))?\})");
    std::function<std::string(const std::string&, int)> expand = [&](const std::string& s, int depth) -> std::string {
        if (depth > 8)
            throw ConfigError("node '" + n.id + "': ${...} references nest too deeply (a loop?)");
        std::string r;
        auto it = std::sregex_iterator(s.begin(), s.end(), ref);
        size_t last = 0;
        for (; it != std::sregex_iterator(); ++it) {
            const auto& m = *it;
            r += s.substr(last, size_t(m.position()) - last);
            last = size_t(m.position() + m.length());
            const std::string a = m[1].str(), b = m[2].str();
            if (b.empty()) {
                if (a == "resources")
                    r += m_options.resourcesDir.string();
                else if (a == "demo")
                    r += m_options.demoDir.string();
                else
                    throw ConfigError("node '" + n.id + "': unknown reference ${" + a + "} (${resources}, ${demo} or ${NODE.PARAM})");
                continue;
            }
            const Node* other = m_graph.find(a);
            if (!other || !other->params.contains(b) || !other->params.at(b).is_string())
                throw ConfigError("node '" + n.id + "': ${" + a + "." + b + "} names no string parameter of a node");
            std::string v = expand(other->params.at(b).get<std::string>(), depth + 1);
            const NodeType* ot = findNodeType(other->type);
            const ParamSpec* ps = ot ? ot->param(b) : nullptr;
            if (ps && ps->kind == ParamSpec::Kind::Path && !v.empty() && fs::path(v).is_relative())
                v = (m_options.baseDir / v).lexically_normal().string();
            r += v;
        }
        r += s.substr(last);
        return r;
    };
    for (const auto& p : t->params) {
        json& v = out[p.name];
        if (v.is_string()) {
            std::string s = expand(v.get<std::string>(), 0);
            if (p.kind == ParamSpec::Kind::Path && !s.empty() && fs::path(s).is_relative())
                s = (m_options.baseDir / s).lexically_normal().string();
            v = s;
        } else if (v.is_array()) {
            for (auto& e : v)
                if (e.is_string())
                    e = expand(e.get<std::string>(), 0);
        }
    }
    return out;
}

namespace {

/// The run log: one JSON line per event, appended and flushed (it survives a kill).
class RunLog {
public:
    explicit RunLog(const fs::path& p) : m_path(p) {
        fs::create_directories(p.parent_path());
        m_f.open(p, std::ios::app);
        if (!m_f)
            throw IoError(p.string() + ": cannot open the run log for writing");
    }
    void write(json j) {
        std::lock_guard<std::mutex> g(m_mutex);
        j["time"] = io::utcTimestamp();
        m_f << j.dump() << "\n";
        m_f.flush();
    }
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
    std::ofstream m_f;
    std::mutex m_mutex;
};

} // namespace

RunReport Executor::run(const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    m_graph.validateForRun();
    RunReport rep;
    rep.order = m_graph.topologicalOrder();
    std::string stamp = io::utcTimestamp();
    std::replace(stamp.begin(), stamp.end(), ':', '-');
    m_options.pipelineName = m_graph.name.empty() ? "pipeline" : m_graph.name;
    if (m_options.runId.empty())
        m_options.runId = stamp + "-" + m_options.pipelineName;
    rep.runId = m_options.runId;
    RunLog log(m_options.workspace / "runs" / (m_options.runId + ".jsonl"));
    rep.log = log.path();
    log.write({{"event", "run"}, {"pipeline", m_graph.toJson()}, {"device", m_options.device}});
    const size_t N = rep.order.size();
    for (const auto& id : rep.order)
        rep.nodes[id] = NodeOutcome{};
    auto setState = [&](const std::string& id, NodeState s, const std::string& msg, const JobContext& nctx) {
        rep.nodes[id].state = s;
        rep.nodes[id].message = msg;
        nctx.nodeState(std::string(nodeStateName(s)), msg);
        json j = {{"event", "node"}, {"node", id}, {"state", nodeStateName(s)}};
        if (!msg.empty())
            j["message"] = msg;
        if (!rep.nodes[id].artifact.path.empty())
            j["artifact"] = rep.nodes[id].artifact.path.string();
        log.write(j);
    };
    for (size_t i = 0; i < N; ++i) {
        const std::string& id = rep.order[i];
        const Node& node = *m_graph.find(id);
        const NodeType& type = *findNodeType(node.type);
        const JobContext nctx = ctx.slice(double(i) / double(N), double(i + 1) / double(N)).forNode(id);
        NodeOutcome& outcome = rep.nodes[id];
        const auto n0 = std::chrono::steady_clock::now();
        // Inputs: every linked upstream node must have produced its artifact.
        NodeJob job;
        job.node = &node;
        job.type = &type;
        job.run = &m_options;
        std::string skipWhy;
        for (const auto& in : type.inputs) {
            const Link* l = m_graph.linkInto({id, in.name});
            if (!l)
                continue;
            const NodeOutcome& up = rep.nodes.at(l->from.node);
            if (up.state != NodeState::Done && up.state != NodeState::Cached) {
                skipWhy = "input '" + in.name + "' comes from '" + l->from.node + "', which " +
                          std::string(up.state == NodeState::Skipped ? "was skipped" : "failed");
                break;
            }
            job.inputs[in.name] = up.artifact;
            job.inputNodes[in.name] = l->from.node;
        }
        if (!skipWhy.empty()) {
            setState(id, NodeState::Skipped, skipWhy, nctx);
            continue;
        }
        try {
            job.params = resolvedParams(node);
            json keyJson = {{"engine", 1}, {"type", node.type}, {"params", job.params}};
            for (const auto& [port, a] : job.inputs)
                keyJson["inputs"][port] = a.key;
            if (node.type == "load") {
                const fs::path dir = job.params.at("path").get<std::string>();
                if (!fs::is_directory(dir))
                    throw ConfigError("node '" + id + "': model folder " + dir.string() + " does not exist");
                outcome.artifact = {PortType::Model, fs::absolute(dir).lexically_normal(), modelFolderKey(dir), nullptr};
                setState(id, NodeState::Done, "", nctx);
                continue;
            }
            if (node.type == "calibration") {
                const fs::path file = job.params.at("file").get<std::string>();
                if (!fs::is_regular_file(file))
                    throw ConfigError("node '" + id + "': calibration file " + file.string() + " does not exist");
                keyJson["file_sha256"] = analysis::sha256File(file);
                outcome.artifact = {PortType::Dataset, file, analysis::sha256Hex(keyJson.dump()), job.params};
                setState(id, NodeState::Done, "", nctx);
                continue;
            }
            job.key = analysis::sha256Hex(keyJson.dump());
            job.out = m_options.workspace / "artifacts" / (node.type + "-" + job.key.substr(0, 16));
            outcome.artifact = {type.outputs.front().type, job.out, job.key, nullptr};
            if (io::isComplete(job.out)) {
                // Finished before (this run or an earlier one): reuse it.
                const fs::path result = job.out / "result.json";
                if (fs::exists(result))
                    outcome.artifact.value = json::parse(io::readTextFile(result));
                setState(id, NodeState::Cached, "", nctx);
                continue;
            }
            auto it = m_runners.find(node.type);
            if (it == m_runners.end())
                throw UnsupportedError("node '" + id + "': no runner for node type '" + node.type + "'");
            setState(id, NodeState::Running, "", nctx);
            nctx.setProgress(0.0);
            const json value = it->second(job, nctx);
            if (!io::isComplete(job.out))
                throw Error("node '" + id + "': the runner returned without completing " + job.out.string());
            outcome.artifact.value = value;
            outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - n0).count();
            nctx.setProgress(1.0);
            setState(id, NodeState::Done, "", nctx);
        } catch (const CancelledError&) {
            setState(id, NodeState::Cancelled, "cancelled", nctx);
            for (size_t k = i + 1; k < N; ++k)
                rep.nodes[rep.order[k]].state = NodeState::Cancelled;
            log.write({{"event", "cancelled"}});
            throw;
        } catch (const std::exception& e) {
            outcome.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - n0).count();
            setState(id, NodeState::Failed, e.what(), nctx);
        }
    }
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    log.write({{"event", "finished"}, {"ok", rep.ok()}, {"seconds", rep.seconds}});
    return rep;
}

} // namespace slim::pipeline
