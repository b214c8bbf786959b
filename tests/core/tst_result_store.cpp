// Result records (core/results) and what they carry: the SQLite store (round trip of every field,
// filters, schema migration from v1, a newer schema refused, foreign and corrupt files, concurrent
// writers from threads and processes, JSON / CSV export), the model fingerprint, the energy meter
// (RAPL from a fake powercap tree with wraparound, NVML absence reported, trapezoid rule) and the
// machine / version information.
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/eval/energy.h"
#include "core/eval/machine_info.h"
#include "core/io/atomic_file.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/results/fingerprint.h"
#include "core/results/result_store.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <sqlite3.h>

#include <sys/wait.h>
#include <unistd.h>

#include <thread>

using namespace slim;
using namespace slim::results;
namespace fs = std::filesystem;

namespace {

ResultRecord sampleRecord(const std::string& task, double ppl) {
    ResultRecord r;
    r.kind = "eval";
    r.task = task;
    r.convention = "token-gptq";
    r.modelPath = "/models/tiny, \"quoted\"";
    r.modelName = "tiny";
    r.modelFingerprint = std::string(64, 'a');
    r.provenance = {{"parent", {{"fingerprint", std::string(64, 'b')}, {"path", "/models/base"}}},
                    {"steps", {{{"method", "wanda"}, {"sparsity", 0.5}}}}};
    r.settings = {{"context", 2048}, {"bos_per_window", false}, {"note", "a,b \"c\"\nd"}};
    r.metrics = {{"ppl", ppl, 0.25, ""}, {"nll_per_token", std::log(ppl), 0.01, "nats"}, {"tokens_seen", 1234.0, std::nullopt, ""}};
    r.memory = {{"peak_bytes", 123456789}};
    r.speed = {{"tokens_per_s", 1000.5}};
    r.energy = {{"available", false}, {"reason", "NVML not found"}};
    r.machine = {{"cpu", "test cpu"}};
    r.versions = {{"libtorch", "1.13.0"}};
    r.durationS = 12.5;
    r.notes = "first run";
    return r;
}

void execSql(const fs::path& db, const std::string& sql) {
    sqlite3* h = nullptr;
    QCOMPARE(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
    QVERIFY2(rc == SQLITE_OK, err ? err : "");
    sqlite3_close(h);
}

/// A tiny checkpoint folder (config.json + model.safetensors) from a random model.
fs::path tinyModel(const std::string& name, int64_t hidden = 32, double ropeTheta = 10000.0) {
    const fs::path dir = slimtest::makeTempDir(name);
    const nlohmann::json cfg = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 64},
                                {"hidden_size", hidden}, {"intermediate_size", 48}, {"num_hidden_layers", 2},
                                {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"max_position_embeddings", 64},
                                {"rms_norm_eps", 1e-5}, {"rope_theta", ropeTheta}, {"tie_word_embeddings", false},
                                {"torch_dtype", "float32"}};
    auto m = model::LlamaModel::randomInit(model::ModelConfig::fromJson(cfg), model::LoadOptions{}, 0.02, 7);
    m->save(dir);
    return dir;
}

void writeText(const fs::path& p, const std::string& s) { slimtest::writeBytes(p, s); }

} // namespace

class TestResultStore : public QObject {
    Q_OBJECT
private slots:
    void roundTripAndFilters() {
        const fs::path db = slimtest::makeTempDir("results") / "r.sqlite";
        ResultStore store(db);
        QCOMPARE(store.schemaVersion(), ResultStore::kSchemaVersion);
        const ResultRecord a = sampleRecord("ppl", 5.47);
        const int64_t idA = store.insert(a);
        ResultRecord b = sampleRecord("hellaswag", 1.0);
        b.kind = "eval";
        b.modelName = "other-model";
        b.createdAt = "2026-01-02T03:04:05Z";
        const int64_t idB = store.insert(b);
        QVERIFY(idB > idA);

        const auto got = store.get(idA);
        QVERIFY(got.has_value());
        auto ja = a.toJson();
        auto jg = got->toJson();
        ja["id"] = idA;
        ja["created_at"] = jg["created_at"];   // filled by insert
        QCOMPARE(QString::fromStdString(jg.dump()), QString::fromStdString(ja.dump()));
        QVERIFY(QDateTime::fromString(QString::fromStdString(got->createdAt), Qt::ISODate).isValid());
        QCOMPARE(got->metric("ppl")->stderr_.value(), 0.25);
        QVERIFY(!got->metric("tokens_seen")->stderr_.has_value());
        QCOMPARE(got->metric("nll_per_token")->unit, std::string("nats"));
        // fromJson inverts toJson.
        QCOMPARE(QString::fromStdString(ResultRecord::fromJson(jg).toJson().dump()), QString::fromStdString(jg.dump()));
        QVERIFY_THROWS_EXCEPTION(FormatError, ResultRecord::fromJson(nlohmann::json{{"task", "x"}}, "r.json"));

        Filter f;
        f.task = "hellaswag";
        QCOMPARE(store.list(f).size(), size_t(1));
        f = {};
        f.modelNameContains = "other";
        QCOMPARE(store.list(f).front().id, idB);
        f = {};
        f.limit = 1;
        QCOMPARE(store.list(f).front().id, idB);   // newest first
        QCOMPARE(store.list().size(), size_t(2));
        QVERIFY(store.remove(idA));
        QVERIFY(!store.remove(idA));
        QCOMPARE(store.list().size(), size_t(1));
        // Metrics go with their record (ON DELETE CASCADE).
        sqlite3* h = nullptr;
        sqlite3_open(db.c_str(), &h);
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(h, "SELECT count(*) FROM metrics;", -1, &s, nullptr);
        sqlite3_step(s);
        QCOMPARE(sqlite3_column_int(s, 0), 3);
        sqlite3_finalize(s);
        sqlite3_close(h);
    }

    void exportsJsonAndCsv() {
        const fs::path dir = slimtest::makeTempDir("results-export");
        ResultStore store(dir / "r.sqlite");
        store.insert(sampleRecord("ppl", 6.1));
        store.exportToFile(dir / "out.json");
        const auto j = nlohmann::json::parse(slimtest::readBytes(dir / "out.json"));
        QCOMPARE(j.size(), size_t(1));
        QCOMPARE(j[0].at("metrics").at("ppl").at("value").get<double>(), 6.1);
        QCOMPARE(j[0].at("settings").at("note").get<std::string>(), std::string("a,b \"c\"\nd"));
        store.exportToFile(dir / "out.csv");
        const std::string csv = slimtest::readBytes(dir / "out.csv");
        // Header + one row per metric, CRLF line ends; the settings field (commas, quotes, a newline)
        // is quoted with its quotes doubled.
        QVERIFY(csv.rfind("id,created_at,kind,task,convention,model_name,model_fingerprint,metric,value,stderr,unit,settings\r\n", 0) == 0);
        QVERIFY(csv.find(",ppl,6.0999999999999996,0.25,,\"{\"\"bos_per_window\"\":false,\"\"context\"\":2048,\"\"note\"\":\"\"a,b \\\"\"c\\\"\"\\nd\"\"}\"\r\n") != std::string::npos);
        size_t rows = 0;
        for (size_t p = 0; (p = csv.find("\r\n", p)) != std::string::npos; p += 2)
            ++rows;
        QCOMPARE(rows, size_t(1 + 3));
        QVERIFY_THROWS_EXCEPTION(ConfigError, store.exportToFile(dir / "out.xlsx"));
    }

    void migratesFromVersion1() {
        const fs::path db = slimtest::makeTempDir("results-v1") / "old.sqlite";
        // A database as the v1 schema wrote it, with one record.
        execSql(db,
                "CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, kind TEXT NOT NULL,"
                " task TEXT NOT NULL, convention TEXT NOT NULL DEFAULT '', model_path TEXT NOT NULL DEFAULT '',"
                " model_name TEXT NOT NULL DEFAULT '', model_fingerprint TEXT NOT NULL DEFAULT '',"
                " provenance TEXT NOT NULL DEFAULT '{}', settings TEXT NOT NULL DEFAULT '{}', memory TEXT NOT NULL DEFAULT '{}',"
                " speed TEXT NOT NULL DEFAULT '{}', energy TEXT NOT NULL DEFAULT '{}', machine TEXT NOT NULL DEFAULT '{}',"
                " versions TEXT NOT NULL DEFAULT '{}', duration_s REAL NOT NULL DEFAULT 0);"
                "CREATE TABLE metrics (record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE, name TEXT NOT NULL,"
                " value REAL, stderr REAL, unit TEXT NOT NULL DEFAULT '', PRIMARY KEY (record_id, name));"
                "INSERT INTO records (created_at, kind, task, model_name) VALUES ('2026-01-01T00:00:00Z', 'eval', 'ppl', 'old');"
                "INSERT INTO metrics VALUES (1, 'ppl', 9.94, NULL, '');"
                "PRAGMA user_version=1;");
        ResultStore store(db);
        QCOMPARE(store.schemaVersion(), 2);
        const auto r = store.get(1);
        QVERIFY(r.has_value());
        QCOMPARE(r->modelName, std::string("old"));
        QCOMPARE(r->notes, std::string());
        QCOMPARE(r->metric("ppl")->value, 9.94);
        ResultRecord n = sampleRecord("ppl", 1.5);
        n.notes = "after migration";
        QCOMPARE(store.get(store.insert(n))->notes, std::string("after migration"));
    }

    void refusesWhatItCannotRead() {
        const fs::path dir = slimtest::makeTempDir("results-bad");
        // Newer schema: refused and left untouched.
        execSql(dir / "newer.sqlite", "CREATE TABLE records (id INTEGER); PRAGMA user_version=99;");
        const std::string before = slimtest::readBytes(dir / "newer.sqlite");
        try {
            ResultStore s(dir / "newer.sqlite");
            QFAIL("a newer schema was opened");
        } catch (const FormatError& e) {
            QVERIFY(QString(e.what()).contains("newer.sqlite"));
            QVERIFY(QString(e.what()).contains("schema version 99"));
        }
        QVERIFY(slimtest::readBytes(dir / "newer.sqlite") == before);
        // Not a database at all.
        writeText(dir / "junk.sqlite", std::string(4096, 'x'));
        try {
            ResultStore s(dir / "junk.sqlite");
            QFAIL("junk was opened");
        } catch (const FormatError& e) {
            QVERIFY2(QString(e.what()).contains("junk.sqlite"), e.what());
        }
        // Someone else's SQLite database.
        execSql(dir / "foreign.sqlite", "CREATE TABLE songs (title TEXT);");
        QVERIFY_THROWS_EXCEPTION(FormatError, ResultStore(dir / "foreign.sqlite"));
        // A folder that does not exist.
        try {
            ResultStore s(dir / "missing" / "r.sqlite");
            QFAIL("opened in a missing folder");
        } catch (const IoError& e) {
            QVERIFY(QString(e.what()).contains("missing"));
        }
    }

    void concurrentWritersLoseNothing() {
        const fs::path db = slimtest::makeTempDir("results-concurrent") / "r.sqlite";
        { ResultStore create(db); }
        // Two threads with their own connections...
        auto writer = [&](const std::string& task) {
            ResultStore s(db);
            for (int i = 0; i < 200; ++i)
                s.insert(sampleRecord(task, 1.0 + i));
        };
        std::thread t1(writer, "thread-a"), t2(writer, "thread-b");
        t1.join();
        t2.join();
        // ...and two processes.
        std::vector<pid_t> kids;
        for (const char* task : {"proc-a", "proc-b"}) {
            const pid_t pid = fork();
            if (pid == 0) {
                int code = 0;
                try {
                    ResultStore s(db);
                    for (int i = 0; i < 100; ++i)
                        s.insert(sampleRecord(task, 1.0 + i));
                } catch (...) {
                    code = 1;
                }
                _exit(code);
            }
            kids.push_back(pid);
        }
        for (pid_t pid : kids) {
            int status = 0;
            waitpid(pid, &status, 0);
            QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        ResultStore s(db);
        QCOMPARE(s.list().size(), size_t(600));
        for (const char* task : {"thread-a", "thread-b"}) {
            Filter f;
            f.task = task;
            QCOMPARE(s.list(f).size(), size_t(200));
        }
    }

    void fingerprints() {
        const fs::path a = tinyModel("fp-a");
        const fs::path copy = slimtest::makeTempDir("fp-copy");
        for (const auto& e : fs::directory_iterator(a))
            fs::copy(e.path(), copy / e.path().filename());
        const std::string fa = modelFingerprint(a);
        QCOMPARE(fa.size(), size_t(64));
        QCOMPARE(modelFingerprint(copy), fa);                          // same model, other folder
        QVERIFY(modelFingerprint(tinyModel("fp-wide", 64)) != fa);     // shapes differ
        QVERIFY(modelFingerprint(tinyModel("fp-rope", 32, 5e5)) != fa); // config differs
        // Same structure, other values: same fingerprint, other weights fingerprint.
        const fs::path other = tinyModel("fp-other");
        {
            auto m = model::LlamaModel::load(other, model::LoadOptions{});
            m->embedTokens().mul_(2.0);
            m->save(other);
        }
        QCOMPARE(modelFingerprint(other), fa);
        QVERIFY(weightsFingerprint(other, JobContext::none()) != weightsFingerprint(a, JobContext::none()));
        QCOMPARE(weightsFingerprint(copy, JobContext::none()), weightsFingerprint(a, JobContext::none()));
        QVERIFY_THROWS_EXCEPTION(IoError, modelFingerprint(slimtest::makeTempDir("fp-empty")));
    }

    void raplFromAFakePowercapTree() {
        const fs::path root = slimtest::makeTempDir("powercap");
        for (const char* d : {"intel-rapl:0", "intel-rapl:0:0", "intel-rapl:1"})
            fs::create_directories(root / d);
        writeText(root / "intel-rapl:0/name", "package-0\n");
        writeText(root / "intel-rapl:0/energy_uj", "4000000\n");
        writeText(root / "intel-rapl:0/max_energy_range_uj", "5000000\n");
        writeText(root / "intel-rapl:0:0/name", "core\n");
        writeText(root / "intel-rapl:0:0/energy_uj", "1\n");
        writeText(root / "intel-rapl:1/name", "package-1\n");
        writeText(root / "intel-rapl:1/energy_uj", "100\n");
        writeText(root / "intel-rapl:1/max_energy_range_uj", "5000000\n");
        std::string why;
        const auto domains = eval::findRaplDomains(root, &why);
        QCOMPARE(domains.size(), size_t(2));   // the sub-domain intel-rapl:0:0 is inside package 0
        eval::EnergyMeter meter(-1, root);
        QVERIFY2(meter.available(), meter.reason().c_str());
        meter.start();
        writeText(root / "intel-rapl:0/energy_uj", "500000\n");   // wrapped: 1.0 J + 0.5 J
        writeText(root / "intel-rapl:1/energy_uj", "2000100\n");  // 2 J
        const auto r = meter.stop();
        QVERIFY(r.available);
        QCOMPARE(r.source, std::string("rapl"));
        QCOMPARE(r.device, std::string("package-0+package-1"));
        QVERIFY(std::abs(r.joules - 3.5) < 1e-9);
        QCOMPARE(r.toJson().at("joules").get<double>(), r.joules);

        QCOMPARE(eval::counterDelta(10, 30, 100), uint64_t(20));
        QCOMPARE(eval::counterDelta(90, 5, 100), uint64_t(15));
        QCOMPARE(eval::trapezoidJoules({{0.0, 100.0}, {1.0, 200.0}, {3.0, 200.0}}), 150.0 + 400.0);
        QCOMPARE(eval::trapezoidJoules({{0.0, 100.0}}), 0.0);

        // Unreadable counter, no powercap at all: "not available" with the reason, never a number.
        fs::remove(root / "intel-rapl:1/energy_uj");
        fs::create_directories(root / "intel-rapl:1/energy_uj");
        eval::EnergyMeter broken(-1, root);
        QVERIFY(!broken.available());
        QVERIFY2(QString::fromStdString(broken.reason()).startsWith("RAPL not readable"), broken.reason().c_str());
        broken.start();
        const auto none = broken.stop();
        QVERIFY(!none.available);
        QCOMPARE(none.toJson().at("available").get<bool>(), false);
        QVERIFY(!none.toJson().contains("joules"));
        eval::EnergyMeter absent(-1, root / "nothing-here");
        QVERIFY(QString::fromStdString(absent.reason()).contains("does not exist"));
    }

    void nvmlAndMachine() {
        eval::EnergyMeter gpu(0);
        if (!gpu.available()) {
            // This machine has no NVIDIA driver: the reason says so.
            QVERIFY2(QString::fromStdString(gpu.reason()).contains("NVML"), gpu.reason().c_str());
            QCOMPARE(eval::nvmlDeviceInfo(0).at("available").get<bool>(), false);
        } else {
            gpu.start();
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            const auto r = gpu.stop();
            QVERIFY(r.available && r.joules > 0 && r.meanWatts > 1 && r.meanWatts < 2000);
        }
        const auto m = eval::machineInfo(-1);
        QVERIFY(!m.at("cpu").get<std::string>().empty());
        QVERIFY(m.at("logical_cores").get<int>() >= 1);
        QVERIFY(m.at("ram_bytes").get<int64_t>() > (int64_t(1) << 28));
        QVERIFY(!m.at("os").get<std::string>().empty());
        QVERIFY(!m.contains("gpu"));
        const auto v = eval::libraryVersions();
        QCOMPARE(QString::fromStdString(v.at("libtorch").get<std::string>()).count('.'), 2);
        QCOMPARE(v.at("sqlite").get<std::string>(), std::string(sqlite3_libversion()));
        QVERIFY(!v.at("slimbench").get<std::string>().empty());
    }
};

QTEST_GUILESS_MAIN(TestResultStore)
#include "tst_result_store.moc"
