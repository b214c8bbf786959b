// Pipelines (core/pipeline): graph rules refused with their reasons, parameters against the schema,
// JSON against a golden file (keys never drift), the executor's caching / failure isolation / cancel /
// half-written artifacts with fake runners, and slimbench-cli run end to end — including kill -9 in
// the middle of a run and the resume that follows.
#include "support/cli_run.h"
#include "support/expect_error.h"
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/io/strict_json.h"
#include "core/pipeline/executor.h"
#include "core/pipeline/graph.h"

#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <csignal>

using namespace slim;
using namespace slim::pipeline;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }

/// load -> calib, quantize (model, data) -> evaluate; a second branch: depth -> evaluate.
Graph sample() {
    Graph g;
    g.name = "sample";
    g.addNode("model", "load", {{"path", "/models/m"}});
    g.addNode("calib", "calibration", {{"file", "${resources}/wikitext-2-raw/wiki.test.raw"}, {"samples", 4}, {"length", 32}});
    g.addNode("q4", "quantize", {{"method", "gptq"}, {"group", 32}});
    g.addNode("depth", "prune-depth", {{"layers", "1"}});
    g.addNode("eval_q4", "evaluate");
    g.addNode("eval_depth", "evaluate");
    g.connect({"model", "model"}, {"q4", "model"});
    g.connect({"calib", "data"}, {"q4", "data"});
    g.connect({"model", "model"}, {"depth", "model"});
    g.connect({"q4", "model"}, {"eval_q4", "model"});
    g.connect({"depth", "model"}, {"eval_depth", "model"});
    return g;
}

template <typename Fn>
void expectGraphError(Fn&& fn, GraphError::Reason reason, const QString& needle) {
    try {
        fn();
        QFAIL(qPrintable("no error; expected " + needle));
    } catch (const GraphError& e) {
        QVERIFY2(e.reason() == reason, e.what());
        QVERIFY2(QString::fromStdString(e.what()).contains(needle), e.what());
    }
}

/// A runner that writes its folder atomically (result.json holds its inputs' paths), or fails.
NodeRunner fakeRunner(std::map<std::string, int>& calls, const std::string& failOn = {}) {
    return [&calls, failOn](const NodeJob& j, const JobContext& ctx) {
        ++calls[j.node->id];
        ctx.checkCancel();
        if (j.node->id == failOn)
            throw ConfigError("deliberate failure of " + failOn);
        io::AtomicFolder f(j.out);
        nlohmann::json r = {{"node", j.node->id}};
        for (const auto& [port, a] : j.inputs)
            r["inputs"][port] = a.path.string();
        io::writeFileAtomic(f.staging() / "result.json", r.dump());
        f.commit();
        return r;
    };
}

std::map<std::string, NodeRunner> fakeRunners(std::map<std::string, int>& calls, const std::string& failOn = {}) {
    std::map<std::string, NodeRunner> m;
    for (const char* t : {"quantize", "prune-depth", "evaluate", "lora", "export"})
        m[t] = fakeRunner(calls, failOn);
    return m;
}

RunOptions options(const fs::path& ws) {
    RunOptions o;
    o.workspace = ws;
    o.baseDir = ws;
    o.resourcesDir = slimtest::resourceDataDir();
    return o;
}

Graph runnable() {
    // The sample graph pointed at a real folder (the load node checks it exists).
    Graph g = sample();
    g.setParam("model", "path", fixture("llama-fp32").string());
    return g;
}

} // namespace

class TestPipeline : public QObject {
    Q_OBJECT

private slots:
    void nodeTypesAreComplete() {
        for (const auto& t : nodeTypes()) {
            QVERIFY2(!t.title.empty() && !t.help.empty() && !t.category.empty(), t.id.c_str());
            for (const auto& p : t.params) {
                QVERIFY2(!p.help.empty(), (t.id + "." + p.name).c_str());
                if (!p.defaultValue.is_null())
                    (void)p.validate(p.defaultValue, t.id); // every default satisfies its own rule
            }
        }
        QVERIFY(findNodeType("quantize"));
        QVERIFY(!findNodeType("compress"));
    }

    void graphRulesRefuseWithReasons() {
        Graph g = sample();
        expectGraphError([&] { g.connect({"q4", "model"}, {"calib", "data"}); }, GraphError::Reason::UnknownPort, "no input");
        expectGraphError([&] { g.connect({"calib", "data"}, {"depth", "model"}); }, GraphError::Reason::TypeMismatch,
                         "gives a dataset");
        expectGraphError([&] { g.connect({"depth", "model"}, {"q4", "model"}); }, GraphError::Reason::InputTaken,
                         "already has an input (model.model)");
        g.addNode("lora", "lora", {{"data", "x.txt"}});
        g.connect({"q4", "model"}, {"lora", "model"});
        g.addNode("q8", "quantize");
        g.connect({"lora", "model"}, {"q8", "model"});
        g.disconnect({"q4", "model"});
        expectGraphError([&] { g.connect({"q8", "model"}, {"q4", "model"}); }, GraphError::Reason::Cycle, "cycle");
        QVERIFY(g.canConnect({"model", "model"}, {"q4", "model"}) == std::nullopt);
        expectGraphError([&] { g.addNode("x", "compress"); }, GraphError::Reason::UnknownType, "unknown node type 'compress'");
        expectGraphError([&] { g.addNode("q4", "quantize"); }, GraphError::Reason::DuplicateId, "'q4' exists");
        expectGraphError([&] { g.setParam("q4", "bits", 9); }, GraphError::Reason::BadParam, "bits");
        expectGraphError([&] { g.setParam("q4", "method", "fp8"); }, GraphError::Reason::BadParam, "one of rtn, gptq");
        // --set parses by kind.
        g.setFromText("q4.bits=3");
        QCOMPARE(g.find("q4")->params["bits"].get<int>(), 3);
        g.setFromText("q4.sym=true");
        QVERIFY(g.find("q4")->params["sym"].get<bool>());
        g.setFromText("eval_q4.tasks=ppl:a.txt;hellaswag:b.jsonl");
        QCOMPARE(g.find("eval_q4")->params["tasks"].size(), size_t(2));
        expectGraphError([&] { g.setFromText("q4.bits=four"); }, GraphError::Reason::BadParam, "expected a number");
        expectGraphError([&] { g.setFromText("nope.bits=4"); }, GraphError::Reason::UnknownNode, "no node 'nope'");
        // Removing a node removes its links; a required input left open is refused at run time.
        g.removeNode("q4");
        QVERIFY(!g.linkInto({"eval_q4", "model"}));
        expectGraphError([&] { g.validateForRun(); }, GraphError::Reason::UnknownPort, "input 'model'");
    }

    void jsonGoldenAndRoundTrip() {
        const Graph g = sample();
        const nlohmann::json j = g.toJson();
        // Golden file of version 1: the keys and layout never drift.
        const auto golden = io::parseJsonStrict(io::readTextFile(slimtest::dataDir() / "pipelines" / "sample-v1.json"), "golden");
        QVERIFY2(j == golden, j.dump(2).c_str());
        const Graph back = Graph::fromJson(j);
        QVERIFY(back.toJson() == j);
        QCOMPARE(back.topologicalOrder().front(), std::string("model"));
        // Unknown versions and node types are refused, naming them.
        nlohmann::json v2 = j;
        v2["version"] = 2;
        slimtest::expectError<GraphError>([&] { Graph::fromJson(v2, "p.json"); }, {"p.json", "version 2", "newer Slimbench"});
        nlohmann::json bad = j;
        bad["nodes"][2]["type"] = "supercompress";
        slimtest::expectError<GraphError>([&] { Graph::fromJson(bad, "p.json"); }, {"p.json", "supercompress"});
        slimtest::expectError<GraphError>([&] { Graph::fromJson(nlohmann::json{{"nodes", 1}}, "p.json"); }, {"slimbench-pipeline"});
        // The shipped examples load and are runnable graphs.
        for (const char* f : {"prune-lora-quantize.json", "thesis-matrix.json"}) {
            const Graph ex = Graph::load(slimtest::resourceDataDir().parent_path() / "pipelines" / f);
            ex.validateForRun();
            QVERIFY(ex.find("model") && ex.find("model")->type == "load");
        }
    }

    void executorCachesIsolatesFailuresAndResumes() {
        const fs::path ws = slimtest::makeTempDir("pipe-exec");
        std::map<std::string, int> calls;
        std::vector<JobEvent> events;
        JobContext ctx(JobContext::EventSink([&](const JobEvent& e) { events.push_back(e); }));
        auto rep = Executor(runnable(), fakeRunners(calls), options(ws)).run(ctx);
        QVERIFY2(rep.ok(), rep.toJson().dump().c_str());
        QCOMPARE(calls["q4"], 1);
        QCOMPARE(calls["eval_depth"], 1);
        // ${resources} expanded; inputs passed along; node events tagged.
        QVERIFY(rep.nodes.at("eval_q4").artifact.value["inputs"]["model"].get<std::string>().find("quantize-") != std::string::npos);
        bool sawNodeProgress = false, sawRunning = false;
        for (const auto& e : events) {
            sawNodeProgress = sawNodeProgress || (e.kind == JobEvent::Kind::Progress && e.node == "q4" && e.nodeProgress == 1.0);
            sawRunning = sawRunning || (e.kind == JobEvent::Kind::NodeState && e.node == "q4" && e.text == "running");
        }
        QVERIFY(sawNodeProgress && sawRunning);
        QVERIFY(fs::exists(rep.log));
        // A re-run reuses everything.
        rep = Executor(runnable(), fakeRunners(calls), options(ws)).run(JobContext::none());
        QCOMPARE(rep.nodes.at("q4").state, NodeState::Cached);
        QCOMPARE(calls["q4"], 1);
        // A changed parameter recomputes that node and what follows, not the other branch.
        Graph g = runnable();
        g.setParam("q4", "bits", 3);
        rep = Executor(g, fakeRunners(calls), options(ws)).run(JobContext::none());
        QCOMPARE(rep.nodes.at("q4").state, NodeState::Done);
        QCOMPARE(rep.nodes.at("eval_q4").state, NodeState::Done);
        QCOMPARE(rep.nodes.at("eval_depth").state, NodeState::Cached);
        // A half-written artifact (staging left by a killed process, no marker) is not taken as done.
        const fs::path art = rep.nodes.at("depth").artifact.path;
        io::removeTree(art);
        fs::create_directories(art);
        io::writeFileAtomic(art / "result.json", "{}");
        rep = Executor(runnable(), fakeRunners(calls), options(ws)).run(JobContext::none());
        QCOMPARE(rep.nodes.at("depth").state, NodeState::Done);
    }

    void failingBranchDoesNotStopOthers() {
        const fs::path ws = slimtest::makeTempDir("pipe-fail");
        std::map<std::string, int> calls;
        const auto rep = Executor(runnable(), fakeRunners(calls, "q4"), options(ws)).run(JobContext::none());
        QVERIFY(!rep.ok());
        QCOMPARE(rep.nodes.at("q4").state, NodeState::Failed);
        QVERIFY(rep.nodes.at("q4").message.find("deliberate failure") != std::string::npos);
        QCOMPARE(rep.nodes.at("eval_q4").state, NodeState::Skipped);
        QVERIFY(rep.nodes.at("eval_q4").message.find("'q4'") != std::string::npos);
        QCOMPARE(rep.nodes.at("eval_depth").state, NodeState::Done);
        // Cancel: the running node is marked, the rest too, CancelledError reaches the caller.
        JobContext ctx;
        ctx.requestCancel();
        std::map<std::string, int> c2;
        QVERIFY_THROWS_EXCEPTION(CancelledError, Executor(runnable(), fakeRunners(c2), options(slimtest::makeTempDir("pipe-cancel"))).run(ctx));
    }

    void cliRunKillAndResume() {
        // The example pipeline on the fixture model: every node runs, a second run reuses them all;
        // kill -9 during a run and the next run recomputes only what had not finished.
        const fs::path ws = slimtest::makeTempDir("pipe-cli");
        const QString pipe = QString::fromStdString((slimtest::resourceDataDir().parent_path() / "pipelines" / "prune-lora-quantize.json").string());
        const QString wiki = QString::fromStdString(slimtest::wikiTestRaw().string());
        const QStringList common = {"run", pipe, "--workspace", QString::fromStdString(ws.string()), "--json",
                                    "--set", "model.path=" + QString::fromStdString(fixture("llama-fp32").string()),
                                    "--set", "calib.file=" + wiki, "--set", "lora.data=" + wiki, "--set", "lora.steps=12",
                                    "--set", "lora.seq_len=32", "--set", "q4.group=32", "--set", "calib.length=32",
                                    "--set", "eval_dense.tasks=ppl:" + wiki + ":context=32,max-tokens=256",
                                    "--set", "eval_depth.tasks=ppl:" + wiki + ":context=32,max-tokens=256",
                                    "--set", "eval_lora.tasks=ppl:" + wiki + ":context=32,max-tokens=256",
                                    "--set", "eval_q4.tasks=ppl:" + wiki + ":context=32,max-tokens=256"};
        // Kill as soon as the depth node is done.
        QProcess p;
        p.start(QString::fromStdString(slimtest::cliPath().string()), common);
        QVERIFY(p.waitForStarted());
        QByteArray seen;
        bool depthDone = false;
        while (!depthDone) {
            QVERIFY2(p.waitForReadyRead(60000), seen.right(2000).constData());
            seen += p.readAllStandardOutput();
            for (const QByteArray& line : seen.split('\n')) {
                const auto j = nlohmann::json::parse(line.toStdString(), nullptr, false);
                depthDone = depthDone || (!j.is_discarded() && j.value("event", "") == "node" && j.value("node", "") == "depth" &&
                                          j.value("state", "") == "done");
            }
        }
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        p.waitForFinished();
        auto r = slimtest::runCli(common, 300000);
        QVERIFY2(r.exitCode == 0, (r.err + r.out.right(3000)).constData());
        QCOMPARE(r.result["nodes"]["depth"]["state"].get<std::string>(), std::string("cached"));
        QCOMPARE(r.result["nodes"]["q4"]["state"].get<std::string>(), std::string("done"));
        QVERIFY(r.out.contains("\"node_progress\""));
        for (const char* n : {"eval_dense", "eval_depth", "eval_lora", "eval_q4"})
            QVERIFY(r.result["nodes"][n]["value"]["tasks"][0]["metrics"]["ppl"]["value"].get<double>() > 1.0);
        QVERIFY(fs::exists(fs::path(r.result["nodes"]["gguf"]["value"]["file"].get<std::string>())));
        // Everything cached now.
        r = slimtest::runCli(common);
        QCOMPARE(r.exitCode, 0);
        for (auto& [id, n] : r.result["nodes"].items())
            QVERIFY2(n["state"] == "done" || n["state"] == "cached", id.c_str());
        QCOMPARE(r.result["nodes"]["lora"]["state"].get<std::string>(), std::string("cached"));
        // A bad --set is refused before anything runs.
        r = slimtest::runCli({"run", pipe, "--workspace", QString::fromStdString(ws.string()), "--set", "q4.bits=11"});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("bits"));
    }
};

QTEST_GUILESS_MAIN(TestPipeline)
#include "tst_pipeline.moc"
