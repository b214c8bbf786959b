// The comparison of result records (core/results/comparison) and the report built on it
// (core/results/report): columns never mix tasks, conventions, devices or settings; the newest record
// of a cell wins and the older one is listed as left out; labels from pipeline runs; run and model
// filters; the base and relative changes; the Pareto front against a brute-force check; swept
// settings from provenance steps; Markdown / CSV / JSON; and slimbench-cli report end to end.
#include "support/cli_run.h"
#include "support/result_samples.h"
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/results/comparison.h"
#include "core/results/report.h"
#include "core/results/result_store.h"

#include <QtTest/QtTest>

#include <fstream>
#include <random>

using namespace slim;
using namespace slim::results;
namespace fs = std::filesystem;
using nlohmann::json;

using slimtest::quantStep;
using slimtest::rec;

class TestComparison : public QObject {
    Q_OBJECT

private slots:
    void columnsNeverMix() {
        std::vector<ResultRecord> rs = {rec("/m/base", "model", 10.0, "2026-01-01T00:00:00Z", "run-1", json::array(), true),
                                        rec("/m/q4", "q4", 11.0, "2026-01-01T00:00:01Z", "run-1", quantStep(4))};
        // The same task under another convention, on another device, and with another context.
        ResultRecord conv = rec("/m/q4", "q4", 30.0, "2026-01-01T00:00:02Z");
        conv.convention = "lm-eval";
        ResultRecord dev = rec("/m/q4", "q4", 11.5, "2026-01-01T00:00:03Z");
        dev.settings["device"] = "cuda:0 (H200)";
        ResultRecord ctx = rec("/m/q4", "q4", 12.0, "2026-01-01T00:00:04Z");
        ctx.settings["context"] = 2048;
        rs.insert(rs.end(), {conv, dev, ctx});
        const Comparison c = buildComparison(rs);
        QCOMPARE(c.variants.size(), size_t(2));
        QCOMPARE(c.columns.size(), size_t(4));   // token-gptq/cpu/256, lm-eval, cuda, context 2048
        std::set<std::string> titles;
        for (const auto& col : c.columns)
            titles.insert(col.title());
        QCOMPARE(titles.size(), size_t(4));
        // The two token-gptq cpu columns differ in their context only, and say so.
        int withSetting = 0;
        for (const auto& col : c.columns)
            if (col.setting.find("context=") != std::string::npos)
                ++withSetting;
        QCOMPARE(withSetting, 2);
        // The file's location (differs per model folder) does not split columns; its hash would.
        QCOMPARE(c.cell(0, 0)->value, 10.0);
        QCOMPARE(c.cell(1, 0)->value, 11.0);
        QVERIFY(c.leftOut.empty());
    }

    void newestRecordWinsAndBaseAndLabels() {
        std::vector<ResultRecord> rs = {rec("/m/base", "model", 10.0, "2026-01-01T00:00:00Z", "run-1", json::array(), true),
                                        rec("/m/q4", "q4", 13.0, "2026-01-01T00:00:01Z", "run-1", quantStep(4)),
                                        rec("/m/q4", "q4", 12.0, "2026-01-02T00:00:00Z", "run-2", quantStep(4))};
        rs[0].id = 1, rs[1].id = 2, rs[2].id = 3;
        const Comparison c = buildComparison(rs);
        QCOMPARE(c.variants.size(), size_t(2));
        QCOMPARE(c.variants[1].label, std::string("q4"));
        QCOMPARE(c.variants[1].stepsText, std::string("quantize gptq 4-bit g128"));
        QCOMPARE(c.cell(1, 0)->value, 12.0);
        QCOMPARE(c.cell(1, 0)->recordId, int64_t(3));
        QCOMPARE(c.leftOut.size(), size_t(1));
        QVERIFY(c.leftOut[0].find("record #2: superseded by the newer record #3") == 0);
        QCOMPARE(c.base, 0);
        QCOMPARE(*c.relativeChange(1, 0), 0.2);
        QVERIFY(!c.relativeChange(1, 5));
        QCOMPARE(*c.variants[1].storedBytes, 12000.0);
        // Selecting a run or a model leaves the rest out with the reason.
        ComparisonOptions o;
        o.runs = {"run-2"};
        const Comparison r2 = buildComparison(rs, o);
        QCOMPARE(r2.variants.size(), size_t(1));
        QCOMPARE(r2.leftOut.size(), size_t(2));
        QVERIFY(r2.leftOut[0].find("not from the selected pipeline run") != std::string::npos);
        QCOMPARE(r2.base, -1);   // no original checkpoint selected: no relative changes
        o.runs = {"study"};      // the pipeline's name selects all its runs
        QCOMPARE(buildComparison(rs, o).variants.size(), size_t(2));
        ComparisonOptions m;
        m.model = "q4";
        QCOMPARE(buildComparison(rs, m).variants.size(), size_t(1));
        ComparisonOptions t;
        t.task = "hellaswag";
        const Comparison none = buildComparison(rs, t);
        QCOMPARE(none.variants.size(), size_t(0));
        QVERIFY(none.leftOut[0].find("is not the selected task hellaswag") != std::string::npos);
        ComparisonOptions b;
        b.base = "q4";
        QCOMPARE(buildComparison(rs, b).base, 1);
    }

    void paretoFrontMatchesBruteForce() {
        // Lower-is-better x (bytes) and y (ppl), then higher-is-better x (speed).
        const std::vector<double> x = {5, 2.5, 2.5, 4.5, 4.4, 2.4, NAN};
        const std::vector<double> y = {178, 179, 180, 215, 77, 77.3, 1};
        const auto f = paretoFront(x, Direction::LowerIsBetter, y, Direction::LowerIsBetter);
        QCOMPARE(f, (std::vector<size_t>{5, 4}));
        std::mt19937 rng(7);
        std::uniform_real_distribution<double> u(0, 1);
        for (int t = 0; t < 50; ++t) {
            std::vector<double> a(12), b(12);
            for (auto& v : a) v = std::round(u(rng) * 6);
            for (auto& v : b) v = std::round(u(rng) * 6);
            const auto front = paretoFront(a, Direction::HigherIsBetter, b, Direction::LowerIsBetter);
            for (size_t i = 0; i < a.size(); ++i) {
                bool dominated = false;
                for (size_t j = 0; j < a.size(); ++j)
                    dominated = dominated || (a[j] >= a[i] && b[j] <= b[i] && (a[j] > a[i] || b[j] < b[i]));
                QCOMPARE(std::find(front.begin(), front.end(), i) != front.end(), !dominated);
            }
        }
    }

    void sweptSettingsAndDirections() {
        std::vector<ResultRecord> rs = {rec("/m/q4", "q4", 12.0, "2026-01-01T00:00:01Z", "run-1", quantStep(4)),
                                        rec("/m/q3", "q3", 14.0, "2026-01-01T00:00:02Z", "run-1", quantStep(3)),
                                        rec("/m/d", "d", 20.0, "2026-01-01T00:00:03Z", "run-1",
                                            json::array({{{"command", "prune depth"}, {"settings", {{"removed_layers", {3, 4}}}}}}))};
        const Comparison c = buildComparison(rs);
        QCOMPARE(sweptSettings(c), std::vector<std::string>{"bits"});
        QCOMPARE(*sweptSetting(c.variants[1], "bits"), 3.0);
        QCOMPARE(*sweptSetting(c.variants[2], "layers_removed"), 2.0);
        QVERIFY(!sweptSetting(c.variants[2], "bits"));
        QCOMPARE(metricDirection("ppl"), Direction::LowerIsBetter);
        QCOMPARE(metricDirection("acc_norm"), Direction::HigherIsBetter);
        QCOMPARE(metricDirection("decode_tokens_per_s"), Direction::HigherIsBetter);
        QCOMPARE(metricDirection("kl_mean"), Direction::LowerIsBetter);
        QCOMPARE(formatBytes(2.51e6), std::string("2.51 MB"));
    }

    void exportsAndNotAvailable() {
        std::vector<ResultRecord> rs = {rec("/m/base", "model", 10.0, "2026-01-01T00:00:00Z", "run-1", json::array(), true),
                                        rec("/m/q4", "q4, \"x\"", 11.0, "2026-01-01T00:00:01Z", "run-1", quantStep(4))};
        const Comparison c = buildComparison(rs);
        const std::string md = c.toMarkdown();
        QVERIFY(md.find("| model (base) | original |") != std::string::npos);
        QVERIFY(md.find("not available") != std::string::npos);       // no speed / energy measured
        QVERIFY(md.find("11 ± 0.5") != std::string::npos);
        QVERIFY(md.find("+10 %") != std::string::npos);
        const std::string csv = c.toCsv();
        QVERIFY(csv.find("\"q4, \"\"x\"\"\",quantize gptq 4-bit g128,ppl,token-gptq,cpu (test),ppl,11,0.5,,0.1,0\r\n") != std::string::npos);
        const json j = c.toJson();
        QCOMPARE(j.at("variants")[1].at("decode_tokens_per_s"), json(nullptr));
        QCOMPARE(j.at("variants")[1].at("joules_per_token").at("available"), json(false));
        QCOMPARE(j.at("columns")[0].at("values").at("model").at("value"), json(10.0));
    }

    void reportFromADatabase() {
        const fs::path dir = slimtest::makeTempDir("comparison-report");
        const fs::path db = dir / "results.sqlite";
        {
            ResultStore s(db);
            s.insert(rec("/m/base", "model", 10.0, "", "run-1", json::array(), true));
            ResultRecord q = rec("/m/q4", "q4", 11.0, "", "run-1", quantStep(4));
            q.modelName = "Größe-模型";   // German and Chinese survive into every format
            s.insert(q);
        }
        // The run log beside the database gives the pipeline and an Analyse node's similarity.
        fs::create_directories(dir / "runs");
        fs::create_directories(dir / "artifacts" / "an");
        {
            std::ofstream f(dir / "artifacts" / "an" / "result.json");
            f << R"({"similarity":{"num_layers":2,"distance":[[0.1,0.2],[0.3]],"recommendation":{"start":1,"block_size":1,"distance":0.1}}})";
            std::ofstream log(dir / "runs" / "run-1.jsonl");
            log << json{{"event", "run"}, {"pipeline", {{"format", "slimbench-pipeline"}, {"version", 1}, {"name", "study"},
                         {"nodes", {{{"id", "model"}, {"type", "load"}, {"params", {{"path", "/m/base"}}}},
                                    {{"id", "an"}, {"type", "analyze"}, {"params", json::object()}}}},
                         {"links", {{{"from", "model.model"}, {"to", "an.model"}}}}}}}.dump() << "\n"
                << json{{"event", "node"}, {"node", "an"}, {"state", "done"}, {"artifact", (dir / "artifacts" / "an").string()}}.dump() << "\n";
        }
        const ReportInput in = loadReport(db, {});
        QCOMPARE(in.comparison.variants.size(), size_t(2));
        QCOMPARE(in.pipelines.size(), size_t(1));
        QCOMPARE(in.similarity.at("num_layers").get<int>(), 2);
        const std::string md = reportMarkdown(in);
        QVERIFY(md.find("## Pipeline study (run run-1)") != std::string::npos);
        QVERIFY(md.find("most removable block starts at layer 1") != std::string::npos);
        QVERIFY(md.find("**ppl**: Perplexity") != std::string::npos);
        QVERIFY(md.find("q4") != std::string::npos);
        ComparisonOptions none;
        none.runs = {"no-such-run"};
        QVERIFY_THROWS_EXCEPTION(ConfigError, loadReport(db, none));
        QVERIFY_THROWS_EXCEPTION(IoError, loadReport(dir / "missing.sqlite", {}));

        // slimbench-cli report: the format from the extension; errors name the file.
        const QString qdb = QString::fromStdString(db.string());
        for (const char* ext : {"md", "csv", "json"}) {
            const fs::path out = dir / (std::string("report.") + ext);
            const auto r = slimtest::runCli({"report", "--db", qdb, "--out", QString::fromStdString(out.string()), "--json"});
            QCOMPARE(r.exitCode, 0);
            QCOMPARE(r.result.at("variants").get<int>(), 2);
            QVERIFY(fs::file_size(out) > 100);
        }
        QVERIFY(io::readTextFile(dir / "report.json").find("slimbench-report") != std::string::npos);
        const auto bad = slimtest::runCli({"report", "--db", qdb, "--out", QString::fromStdString((dir / "r.txt").string())});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY(bad.err.contains("--format md|csv|json|pdf"));
        const auto missing = slimtest::runCli({"report", "--db", QString::fromStdString((dir / "none.sqlite").string()), "--out", "x.md"});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("none.sqlite"));
    }
};

QTEST_GUILESS_MAIN(TestComparison)
#include "tst_comparison.moc"
