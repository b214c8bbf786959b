// slimbench-cli run: a pipeline file, headless (docs/pipelines.md).
//   run PIPELINE.json [--set NODE.PARAM=VALUE ...] [--device cpu|cuda] [--dtype D] [--db PATH]
//       [--workspace DIR] [--resume] [--json]
// Each node runs the slimbench-cli command it stands for, in this process, with its events tagged by
// the node id ({"event":"node","node":"q4","state":"running"}, progress with "node_progress").  Finished
// nodes are reused from the workspace (their artifact folders are keyed by inputs and settings), so
// running the same file again — after a crash, a kill, or with one parameter changed — only computes
// what is new.  Exit code 0 when every node finished, 1 when one failed, 2 when cancelled.
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/io/resources.h"
#include "core/model/demo_model.h"
#include "core/pipeline/executor.h"

#include <cstdlib>
#include <sstream>

namespace fs = std::filesystem;

namespace slim::cli {

namespace {

using pipeline::NodeJob;
using nlohmann::json;

std::string str(const json& v) {
    if (v.is_string())
        return v.get<std::string>();
    if (v.is_boolean())
        return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer())
        return std::to_string(v.get<int64_t>());
    std::ostringstream s;
    s << v.get<double>();
    return s.str();
}

/// Run a command in this process with the node's context; returns its result.
json invoke(CommandFn fn, std::vector<std::string> argv, const NodeJob& job, const JobContext& ctx) {
    argv.push_back("--device");
    argv.push_back(job.run->device);
    argv.push_back("--dtype");
    argv.push_back(job.run->dtype);
    Output nested(ctx);
    int rc = 0;
    try {
        rc = fn(argv, nested);
    } catch (const c10::OutOfMemoryError& e) {
        // This node fails with the step and the advice; the other branches of the pipeline go on.
        // The advice of the command the node runs (evaluate -> eval, prune-depth -> prune, ...).
        const std::string& t = job.node->type;
        const std::string command = t == "evaluate" ? "eval" : t.rfind("prune", 0) == 0 ? "prune" : t;
        throw OutOfMemoryError(outOfMemoryMessage(command, nested.lastStatus(), e.what_without_backtrace()));
    }
    if (rc == 2)
        throw CancelledError();
    if (rc != 0)
        throw Error("the command returned exit code " + std::to_string(rc));
    return nested.capturedResult();
}

const std::string& modelIn(const NodeJob& j, const char* port = "model") {
    static thread_local std::string s;
    s = j.inputs.at(port).path.string();
    return s;
}

void addCalibration(std::vector<std::string>& argv, const NodeJob& j) {
    auto it = j.inputs.find("data");
    if (it == j.inputs.end())
        return;
    const json& c = it->second.value;
    for (const auto& [opt, key] : {std::pair{"--calib", "file"}, {"--calib-samples", "samples"}, {"--calib-length", "length"},
                                   {"--calib-mode", "mode"}, {"--seed", "seed"}}) {
        argv.push_back(opt);
        argv.push_back(str(c.at(key)));
    }
}

/// Training checkpoints every tenth of the run (at least 10 steps apart): a killed run resumes from them.
std::string saveEvery(const NodeJob& j) {
    return std::to_string(std::max<int64_t>(10, j.params.at("steps").get<int64_t>() / 10));
}

void addFlag(std::vector<std::string>& argv, const json& p, const char* key, const char* flag) {
    if (p.contains(key) && p.at(key).get<bool>())
        argv.push_back(flag);
}

/// A node whose output is a folder of files (results, a GGUF): staged, then committed with the result.
json intoFolder(const NodeJob& job, const std::function<json(const fs::path& staging)>& work) {
    io::AtomicFolder folder(job.out);
    json r = work(folder.staging());
    io::writeFileAtomic(folder.staging() / "result.json", r.dump(2) + "\n");
    folder.commit({{"node", job.node->id}, {"type", job.node->type}, {"key", job.key}});
    return r;
}

std::map<std::string, pipeline::NodeRunner> runners() {
    std::map<std::string, pipeline::NodeRunner> r;
    r["analyze"] = [](const NodeJob& j, const JobContext& ctx) {
        return intoFolder(j, [&](const fs::path&) {
            const json& c = j.inputs.at("data").value;
            std::vector<std::string> a = {modelIn(j), "--calib", str(c.at("file")), "--samples", str(c.at("samples")),
                                          "--length", str(c.at("length")), "--calib-mode", str(c.at("mode")), "--seed",
                                          str(c.at("seed")), "--similarity", "--block-size", str(j.params.at("block_size"))};
            if (j.params.at("activations").get<bool>())
                a.push_back("--activations");
            return invoke(cmdAnalyze, a, j, ctx);
        });
    };
    r["prune-sparse"] = [](const NodeJob& j, const JobContext& ctx) {
        const json& p = j.params;
        std::vector<std::string> a = {"sparse", modelIn(j), "--method", str(p.at("method")), "--out", j.out.string()};
        if (!str(p.at("pattern")).empty())
            a.insert(a.end(), {"--pattern", str(p.at("pattern"))});
        else
            a.insert(a.end(), {"--sparsity", str(p.at("sparsity"))});
        addFlag(a, p, "true_sequential", "--true-sequential");
        addFlag(a, p, "offload", "--offload");
        addFlag(a, p, "tf32", "--tf32");
        if (p.contains("store") && str(p.at("store")) != "dense")
            a.insert(a.end(), {"--store", str(p.at("store"))});
        addCalibration(a, j);
        invoke(cmdPrune, a, j, ctx);
        return json(nullptr);
    };
    r["prune-depth"] = [](const NodeJob& j, const JobContext& ctx) {
        const json& p = j.params;
        std::vector<std::string> a = {"depth", modelIn(j), "--out", j.out.string()};
        if (!str(p.at("layers")).empty())
            a.insert(a.end(), {"--layers", str(p.at("layers"))});
        else
            a.insert(a.end(), {"--criterion", str(p.at("criterion")), "--count", str(p.at("count"))});
        if (str(p.at("layers")).empty())
            addCalibration(a, j);
        invoke(cmdPrune, a, j, ctx);
        return json(nullptr);
    };
    r["prune-width"] = [](const NodeJob& j, const JobContext& ctx) {
        const json& p = j.params;
        std::vector<std::string> a = {"width", modelIn(j), "--ratio", str(p.at("ratio")), "--importance",
                                      str(p.at("importance")), "--out", j.out.string()};
        if (!str(p.at("layer_range")).empty())
            a.insert(a.end(), {"--layer-range", str(p.at("layer_range"))});
        addCalibration(a, j);
        invoke(cmdPrune, a, j, ctx);
        return json(nullptr);
    };
    auto training = [](const NodeJob& j) {
        const json& p = j.params;
        return std::vector<std::string>{"--data",  str(p.at("data")),  "--data-format", str(p.at("data_format")),
                                        "--rank",  str(p.at("rank")),  "--alpha",       str(p.at("alpha")),
                                        "--targets", str(p.at("targets")), "--steps",   str(p.at("steps")),
                                        "--lr",    str(p.at("lr")),    "--batch",       str(p.at("batch")),
                                        "--grad-accum", str(p.at("grad_accum")), "--seq-len", str(p.at("seq_len")),
                                        "--seed",  str(p.at("seed"))};
    };
    auto trainingFlags = [](const NodeJob& j, std::vector<std::string>& a) {
        addFlag(a, j.params, "gradient_checkpointing", "--gradient-checkpointing");
    };
    r["lora"] = [training, trainingFlags](const NodeJob& j, const JobContext& ctx) {
        // Train into a work folder beside the artifact (its checkpoints make a killed run resumable),
        // then merge into the artifact.
        const fs::path work = j.out.string() + ".adapter";
        std::vector<std::string> a = {"train", modelIn(j), "--out", work.string(), "--resume", "--save-every",
                                      saveEvery(j)};
        for (auto& s : training(j))
            a.push_back(s);
        trainingFlags(j, a);
        invoke(cmdLora, a, j, ctx.slice(0.0, 0.9));
        std::vector<std::string> m = {"merge", modelIn(j), work.string(), "--out", j.out.string()};
        if (j.params.at("requantize").get<bool>())
            m.push_back("--requantize");
        invoke(cmdLora, m, j, ctx.slice(0.9, 1.0));
        return json(nullptr);
    };
    r["distill"] = [training, trainingFlags](const NodeJob& j, const JobContext& ctx) {
        std::vector<std::string> a = {"--teacher", modelIn(j, "teacher"), "--student", modelIn(j, "student"), "--out",
                                      j.out.string(), "--alpha-kd", str(j.params.at("alpha_kd")), "--temperature",
                                      str(j.params.at("temperature")), "--resume", "--save-every",
                                      saveEvery(j)};
        for (auto& s : training(j))
            a.push_back(s);
        trainingFlags(j, a);
        if (j.params.contains("teacher_top_k") && j.params.at("teacher_top_k").get<int64_t>() > 0)
            a.insert(a.end(), {"--teacher-top-k", str(j.params.at("teacher_top_k"))});
        invoke(cmdDistill, a, j, ctx);
        return json(nullptr);
    };
    r["quantize"] = [](const NodeJob& j, const JobContext& ctx) {
        const json& p = j.params;
        std::vector<std::string> a = {modelIn(j), "--method", str(p.at("method")), "--bits", str(p.at("bits")),
                                      "--group", str(p.at("group")), "--out", j.out.string()};
        addFlag(a, p, "sym", "--sym");
        addFlag(a, p, "act_order", "--act-order");
        addFlag(a, p, "double_quant", "--double-quant");
        addFlag(a, p, "lm_head", "--lm-head");
        addFlag(a, p, "offload", "--offload");
        addFlag(a, p, "tf32", "--tf32");
        if (p.at("method") == "gptq" || p.at("method") == "awq")
            addCalibration(a, j);
        invoke(cmdQuantize, a, j, ctx);
        return json(nullptr);
    };
    r["evaluate"] = [](const NodeJob& j, const JobContext& ctx) {
        return intoFolder(j, [&](const fs::path&) {
            // The records say which run, node and variant (the node whose model is evaluated) they belong to.
            const std::string pipelineInfo = json{{"name", j.run->pipelineName}, {"run", j.run->runId}, {"node", j.node->id},
                                                  {"variant", j.inputNodes.count("model") ? j.inputNodes.at("model") : ""}}
                                                 .dump();
            const std::string notes = "pipeline node " + j.node->id + (str(j.params.at("notes")).empty() ? "" : ": " + str(j.params.at("notes")));
            std::vector<std::string> db;
            if (!j.run->db.empty())
                db = {"--db", j.run->db.string(), "--pipeline", pipelineInfo};
            const bool speed = j.params.at("speed").get<bool>();
            std::vector<std::string> a = {modelIn(j)};
            for (const auto& t : j.params.at("tasks"))
                a.insert(a.end(), {"--task", t.get<std::string>()});
            a.insert(a.end(), db.begin(), db.end());
            a.insert(a.end(), {"--notes", notes});
            json res = invoke(cmdEval, a, j, speed ? ctx.slice(0.0, 0.7) : ctx);
            if (speed) {
                // Decode speed, memory and energy (where a meter exists) at batch 1, sized to finish in
                // seconds on a CPU: the numbers the comparison's quality-vs-speed chart plots.
                std::vector<std::string> b = {modelIn(j), "--batch", "1", "--prompt-len", str(j.params.at("speed_prompt")),
                                              "--gen-len", str(j.params.at("speed_tokens")), "--reps", "2",
                                              "--ppl-windows", "0", "--notes", notes};
                b.insert(b.end(), db.begin(), db.end());
                res["speed"] = invoke(cmdBench, b, j, ctx.slice(0.7, 1.0));
            }
            return res;
        });
    };
    r["export"] = [](const NodeJob& j, const JobContext& ctx) {
        return intoFolder(j, [&](const fs::path& staging) {
            const std::string fmt = str(j.params.at("format"));
            const fs::path out = fmt.rfind("gguf", 0) == 0 ? staging / "model.gguf" : staging / "model";
            json res = invoke(cmdExport, {modelIn(j), "--format", fmt, "--out", out.string()}, j, ctx);
            res["file"] = (j.out / out.filename()).string();
            return res;
        });
    };
    return r;
}

} // namespace

int cmdRun(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "resume"});
    a.allowOnly({"json", "resume", "set", "device", "dtype", "db", "workspace", "threads"});
    const fs::path file = a.positionalAt(0, "PIPELINE.json");
    pipeline::Graph g = pipeline::Graph::load(file);
    for (const auto& s : a.getAll("set"))
        g.setFromText(s);
    pipeline::RunOptions o;
    // --workspace, else $SLIMBENCH_WORKSPACE, else next to the demo model in the user's data folder.
    const char* envWs = std::getenv("SLIMBENCH_WORKSPACE");
    o.workspace = a.get("workspace", envWs && *envWs ? std::string(envWs) : (model::demoModelDir().parent_path() / "workspace").string());
    o.baseDir = fs::absolute(file).parent_path();
    o.resourcesDir = io::resourceDataDir();
    o.demoDir = model::demoModelDir();
    o.device = a.get("device", "cpu");
    o.dtype = a.get("dtype", "auto");
    o.db = a.get("db", (o.workspace / "results.sqlite").string());
    parseDevice(a); // refuses an unavailable device before anything runs
    setupThreads(a);
    fs::create_directories(o.workspace);
    JobContext ctx = out.jobContext();
    pipeline::Executor ex(std::move(g), runners(), o);
    const auto rep = ex.run(ctx);
    json r = rep.toJson();
    r["workspace"] = fs::absolute(o.workspace).string();
    r["db"] = o.db.string();
    std::ostringstream text;
    for (const auto& id : rep.order) {
        const auto& n = rep.nodes.at(id);
        text << "  " << id << ": " << pipeline::nodeStateName(n.state);
        if (!n.message.empty())
            text << " (" << n.message << ")";
        if (n.seconds > 0)
            text << ", " << static_cast<int64_t>(n.seconds * 10) / 10.0 << " s";
        text << "\n";
    }
    text << (rep.ok() ? "every node finished" : "some nodes did not finish") << " in " << rep.seconds << " s; log " << rep.log.string() << "\n";
    out.text(text.str());
    out.result(r);
    return rep.ok() ? 0 : 1;
}

int cmdPipeline(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly({"json", "set"});
    const std::string mode = a.positionalAt(0, "check|types");
    if (mode == "types") {
        json types = json::array();
        for (const auto& t : pipeline::nodeTypes()) {
            json ports = {{"inputs", json::array()}, {"outputs", json::array()}};
            for (const auto& p : t.inputs)
                ports["inputs"].push_back({{"name", p.name}, {"type", pipeline::portTypeName(p.type)}, {"optional", p.optional}});
            for (const auto& p : t.outputs)
                ports["outputs"].push_back({{"name", p.name}, {"type", pipeline::portTypeName(p.type)}});
            json params = json::array();
            for (const auto& p : t.params) {
                json pj = {{"name", p.name}, {"kind", pipeline::paramKindName(p.kind)}, {"default", p.defaultValue}, {"help", p.help}};
                if (!p.choices.empty())
                    pj["choices"] = p.choices;
                if (p.min > -1e299)
                    pj["min"] = p.min;
                if (p.max < 1e299)
                    pj["max"] = p.max;
                if (!p.unit.empty())
                    pj["unit"] = p.unit;
                params.push_back(pj);
            }
            types.push_back({{"id", t.id}, {"title", t.title}, {"category", t.category}, {"help", t.help}, {"ports", ports}, {"params", params}});
        }
        out.result({{"node_types", types}});
        return 0;
    }
    if (mode != "check")
        throw ConfigError("pipeline: expected 'check FILE' or 'types'");
    pipeline::Graph g = pipeline::Graph::load(a.positionalAt(1, "PIPELINE.json"));
    for (const auto& s : a.getAll("set"))
        g.setFromText(s);
    g.validateForRun();
    json r = g.toJson();
    r["order"] = g.topologicalOrder();
    out.result(r);
    return 0;
}

} // namespace slim::cli
