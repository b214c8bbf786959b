// slimbench-cli end to end: JSON output, exit codes, errors, and agreement with the transformers
// fixtures (tokenizer ids and NLL computed by transformers for the same text).
#include "support/cli_run.h"
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/common/job_event_json.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

namespace {

using slimtest::CliRun;
using slimtest::runCli;

QString fixture(const char* name) {
    return QString::fromStdString((slimtest::dataDir() / "fixtures" / name).string());
}

nlohmann::json expectedJson(const char* name) {
    std::ifstream f(slimtest::dataDir() / "fixtures" / name / "expected.json");
    return nlohmann::json::parse(f);
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    void usage() {
        const auto r = runCli({"--help"});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains("perplexity"));
        QCOMPARE(runCli({"no-such-command"}).exitCode, 1);
    }

    void info() {
        const auto r = runCli({"info", fixture("qwen2-sharded"), "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.result["architecture"].get<std::string>(), std::string("Qwen2ForCausalLM"));
        QCOMPARE(r.result["layers"].get<int>(), 2);
        QCOMPARE(r.result["kv_heads"].get<int>(), 2);
        QCOMPARE(r.result["shards"].get<int>(), 6);
        QVERIFY(r.result["tie_word_embeddings"].get<bool>());
        QVERIFY(r.result["bytes_by_dtype"].contains("F32"));
        // Parameters = sum of tensor sizes in the files.
        QVERIFY(r.result["parameters"].get<int64_t>() > 0);
    }

    void tokenizeMatchesTransformers() {
        // The fixtures' first sequence is transformers' tokenization of prompt_text (with BOS).
        const auto exp = expectedJson("llama-fp32");
        const auto r = runCli({"tokenize", fixture("llama-fp32"), "--text",
                               QString::fromStdString(exp["prompt_text"].get<std::string>()), "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto ids = r.result["ids"].get<std::vector<int64_t>>();
        const auto prefix = exp["greedy_prompt"].get<std::vector<int64_t>>();   // ids[0][:12]
        QVERIFY(ids.size() > prefix.size());
        QVERIFY(std::equal(prefix.begin(), prefix.end(), ids.begin()));
        QCOMPARE(ids[0], int64_t(1));   // BOS from the post-processor
        const auto noSpecial = runCli({"tokenize", fixture("llama-fp32"), "--text", "hello", "--no-special", "--json"});
        QCOMPARE(noSpecial.exitCode, 0);
        QVERIFY(noSpecial.result["ids"][0].get<int64_t>() != 1);
    }

    void logitsAndGenerate() {
        const auto r = runCli({"logits", fixture("llama-fp32"), "--prompt", "The game", "--top-k", "3", "--json"});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.result["last_topk"].size(), size_t(3));
        QVERIFY(r.result["nll_sum"].get<double>() > 0.0);
        const auto top = r.result["last_topk"];
        QVERIFY(top[0]["logit"].get<double>() >= top[1]["logit"].get<double>());

        // Greedy generation continues the prompt with the token that has the highest logit.
        const auto g = runCli({"generate", fixture("llama-fp32"), "--prompt", "The game", "--max-new-tokens", "5",
                               "--temperature", "0", "--json"});
        QCOMPARE(g.exitCode, 0);
        QCOMPARE(g.result["new_ids"].size(), size_t(5));
        QCOMPARE(g.result["new_ids"][0].get<int64_t>(), top[0]["id"].get<int64_t>());
        QVERIFY(g.result["decode_tokens_per_s"].get<double>() > 0.0);
        // The text streams as output events: the prompt, then pieces that add up to the result's text.
        std::string prompt, streamed;
        for (const QByteArray& line : g.out.split('\n')) {
            const auto j = nlohmann::json::parse(line.toStdString(), nullptr, false);
            if (j.is_discarded() || j.value("event", "") != "output")
                continue;
            const auto e = slim::jobEventFromJson(j);
            QCOMPARE(e.kind, slim::JobEvent::Kind::Output);
            if (e.name == "prompt")
                prompt = e.text;
            else if (e.name == "replace")
                streamed = e.text;
            else
                streamed += e.text;
        }
        QCOMPARE(prompt, std::string("The game"));
        QCOMPARE(streamed, g.result["text"].get<std::string>());
        // Sampling is reproducible for a seed.
        const QStringList sampleArgs = {"generate", fixture("llama-fp32"), "--prompt", "The", "--max-new-tokens", "8",
                                        "--temperature", "1.0", "--top-p", "0.9", "--seed", "7", "--json"};
        QCOMPARE(runCli(sampleArgs).result["new_ids"], runCli(sampleArgs).result["new_ids"]);
    }

    void jobEventWireForm() {
        // Every kind survives toJson -> jobEventFromJson; the CLI and the GUI's Job read the same form.
        using K = slim::JobEvent::Kind;
        std::vector<slim::JobEvent> events(7);
        events[0].kind = K::Progress, events[0].progress = 0.25, events[0].node = "q4", events[0].nodeProgress = 0.5;
        events[1].kind = K::Status, events[1].text = "layer 3/22";
        events[2].kind = K::Metric, events[2].name = "loss", events[2].value = 2.5, events[2].step = 10, events[2].unit = "nats";
        events[3].kind = K::Warning, events[3].text = "damping raised";
        events[4].kind = K::Artifact, events[4].text = "model", events[4].path = "/tmp/out";
        events[5].kind = K::NodeState, events[5].text = "failed", events[5].name = "disk full", events[5].node = "ev";
        events[6].kind = K::Output, events[6].text = "once upon", events[6].name = "append";
        for (const auto& e : events) {
            const auto back = slim::jobEventFromJson(slim::toJson(e));
            QCOMPARE(int(back.kind), int(e.kind));
            QCOMPARE(back.text, e.text);
            QCOMPARE(back.name, e.name);
            QCOMPARE(back.value, e.value);
            QCOMPARE(back.step, e.step);
            QCOMPARE(back.unit, e.unit);
            QCOMPARE(back.path, e.path);
            QCOMPARE(back.node, e.node);
            QCOMPARE(back.progress, e.progress);
            QCOMPARE(back.nodeProgress, e.nodeProgress);
        }
        QVERIFY_THROWS_EXCEPTION(slim::ConfigError, slim::jobEventFromJson(nlohmann::json{{"event", "bogus"}}));
        QVERIFY_THROWS_EXCEPTION(slim::ConfigError, slim::jobEventFromJson(nlohmann::json{{"event", "metric"}, {"name", "x"}}));
    }

    void perplexityConventions() {
        const QString text = QString::fromStdString((slimtest::wikiTestRaw()).string());
        const auto r = runCli({"perplexity", fixture("llama-fp32"), "--text", text, "--context", "64", "--max-tokens",
                               "640", "--json"});
        QCOMPARE(r.exitCode, 0);
        // 640 tokens -> 10 disjoint windows of 64, each predicting 63 tokens.
        QCOMPARE(r.result["tokens"].get<int64_t>(), int64_t(10 * 63));
        QCOMPARE(r.result["windows"].get<int64_t>(), int64_t(10));
        const double ppl = r.result["ppl"].get<double>();
        QVERIFY(std::isfinite(ppl) && ppl > 1.0);
        QVERIFY(std::abs(std::exp(r.result["nll_sum"].get<double>() / 630.0) - ppl) < 1e-9 * ppl);
        const auto bos = runCli({"perplexity", fixture("llama-fp32"), "--text", text, "--context", "64", "--max-tokens",
                                 "630", "--bos-per-window", "--json"});
        QCOMPARE(bos.exitCode, 0);
        QCOMPARE(bos.result["tokens"].get<int64_t>(), int64_t(10 * 63));   // 63 text tokens per window, all scored
        const auto strided = runCli({"perplexity", fixture("llama-fp32"), "--text", text, "--context", "64",
                                     "--max-tokens", "640", "--stride", "32", "--json"});
        QCOMPARE(strided.exitCode, 0);
        QCOMPARE(strided.result["tokens"].get<int64_t>(), int64_t(639));  // every token but the first, once
        // More context per scored token cannot be worse on average here by a wide margin; both finite.
        QVERIFY(std::isfinite(strided.result["ppl"].get<double>()));
    }

    void analyze() {
        const QString text = QString::fromStdString((slimtest::wikiTestRaw()).string());
        const auto r = runCli({"analyze", fixture("llama-fp32"), "--calib", text, "--samples", "4", "--length", "32",
                               "--calib-mode", "sequential", "--block-size", "1", "--json"});
        QCOMPARE(r.exitCode, 0);
        const auto& sim = r.result["similarity"];
        QCOMPARE(sim["num_layers"].get<int>(), 2);
        QCOMPARE(sim["distance"].size(), size_t(3));                 // (L+1) x (L+1)
        QCOMPARE(sim["block_influence"].size(), size_t(2));
        const auto dropped = sim["recommendation"]["layers_to_drop"].get<std::vector<int64_t>>();
        QCOMPARE(dropped.size(), size_t(1));
        QVERIFY(dropped[0] == 0 || dropped[0] == 1);
        QCOMPARE(r.result["calibration"]["samples"].get<int>(), 4);
        QVERIFY(!r.result["weights"]["tensors"].empty());
        QVERIFY(!r.result["activations"]["inputs"].empty());
        // Weights alone need no calibration text.
        const auto w = runCli({"analyze", fixture("llama-fp32"), "--weights", "--json"});
        QCOMPARE(w.exitCode, 0);
        QVERIFY(!w.result.contains("similarity"));
    }

    void evalKlAndResults() {
        const QString text = QString::fromStdString((slimtest::wikiTestRaw()).string());
        const QString db = QString::fromStdString((slimtest::makeTempDir("cli-results") / "results.sqlite").string());
        const auto r = runCli({"eval", fixture("llama-fp32"), "--json", "--db", db, "--notes", "cli test",
                               "--task", "ppl:" + text + ":context=64,max-tokens=1024",
                               "--task", "ppl-llamacpp:" + text + ":context=64,chunks=4",
                               "--task", "wikitext:" + text + ":max-length=64,documents=1"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto& tasks = r.result.at("tasks");
        QCOMPARE(tasks.size(), size_t(3));
        QCOMPARE(tasks[0].at("convention").get<std::string>(), std::string("token-gptq"));
        QCOMPARE(tasks[0].at("settings").at("context").get<int64_t>(), int64_t(64));
        QCOMPARE(tasks[0].at("tokens").get<int64_t>(), int64_t(16 * 63));
        QCOMPARE(tasks[1].at("convention").get<std::string>(), std::string("llama.cpp"));
        QCOMPARE(tasks[1].at("tokens").get<int64_t>(), int64_t(4 * 31));
        QCOMPARE(tasks[2].at("convention").get<std::string>(), std::string("lm-eval"));
        QVERIFY(tasks[2].at("metrics").at("word_perplexity").at("value").get<double>() > 1.0);
        // The prefix token comes from the tokenizer (lm-eval's rule) and is recorded.
        QCOMPARE(tasks[2].at("prefix_token").at("token").get<std::string>(), std::string("<s>"));
        QCOMPARE(tasks[1].at("prefix_token").at("id").get<int64_t>(), int64_t(1));
        QVERIFY(!tasks[0].contains("prefix_token"));   // GPTQ windows have none
        {
            // A Qwen2-Instruct-style tokenizer: no BOS, so the EOS leads each document.
            const auto dir = slimtest::makeTempDir("cli-no-bos");
            for (const auto& e : std::filesystem::directory_iterator(fixture("llama-fp32").toStdString()))
                std::filesystem::copy_file(e.path(), dir / e.path().filename());
            slimtest::writeBytes(dir / "tokenizer_config.json", R"({"bos_token": null, "eos_token": "</s>"})");
            const auto q = runCli({"eval", QString::fromStdString(dir.string()), "--json", "--db", db,
                                   "--task", "wikitext:" + text + ":max-length=64,documents=1",
                                   "--task", "ppl-llamacpp:" + text + ":context=64,chunks=2"});
            QVERIFY2(q.exitCode == 0, q.err.constData());
            const auto& qt = q.result.at("tasks");
            QCOMPARE(qt[0].at("prefix_token").at("token").get<std::string>(), std::string("</s>"));
            QCOMPARE(qt[0].at("prefix_token").at("rule").get<std::string>(), std::string("tokenizer EOS (the tokenizer has no BOS)"));
            QVERIFY(qt[1].at("prefix_token").is_null());   // llama.cpp adds no BOS for such a vocabulary
            QVERIFY(qt[0].at("metrics").at("word_perplexity").at("value").get<double>() !=
                    tasks[2].at("metrics").at("word_perplexity").at("value").get<double>());
            runCli({"results", "delete", QString::number(q.result.at("record_ids")[0].get<int64_t>()), "--db", db});
            runCli({"results", "delete", QString::number(q.result.at("record_ids")[1].get<int64_t>()), "--db", db});
        }
        QCOMPARE(r.result.at("record_ids").size(), size_t(3));
        // The same token perplexity as the perplexity command.
        const auto p = runCli({"perplexity", fixture("llama-fp32"), "--text", text, "--context", "64", "--max-tokens", "1024", "--json"});
        QCOMPARE(tasks[0].at("metrics").at("ppl").at("value").get<double>(), p.result.at("ppl").get<double>());

        const auto kl = runCli({"kl", fixture("llama-fp32"), fixture("llama-fp32"), "--text", text, "--context", "64",
                                "--max-tokens", "640", "--db", db, "--json"});
        QVERIFY2(kl.exitCode == 0, kl.err.constData());
        QCOMPARE(kl.result.at("metrics").at("kl_mean").at("value").get<double>(), 0.0);
        QCOMPARE(kl.result.at("metrics").at("top1_agreement").at("value").get<double>(), 1.0);

        const auto list = runCli({"results", "list", "--db", db, "--json"});
        QCOMPARE(list.exitCode, 0);
        const auto& recs = list.result.at("records");
        QCOMPARE(recs.size(), size_t(4));
        QCOMPARE(recs[0].at("task").get<std::string>(), std::string("kl"));
        QCOMPARE(recs[3].at("settings").at("context").get<int64_t>(), int64_t(64));
        QCOMPARE(recs[3].at("notes").get<std::string>(), std::string("cli test"));
        QCOMPARE(recs[3].at("model").at("fingerprint").get<std::string>().size(), size_t(64));
        QVERIFY(recs[3].at("machine").contains("cpu"));
        QVERIFY(recs[3].at("memory").at("weights_stored_by_dtype").at("F32").get<int64_t>() > 0);
        QVERIFY(recs[3].at("memory").at("peak_bytes").get<int64_t>() > 0);
        const auto one = runCli({"results", "list", "--db", db, "--task", "wikitext", "--json"});
        QCOMPARE(one.result.at("records").size(), size_t(1));
        const auto show = runCli({"results", "show", "2", "--db", db, "--json"});
        QCOMPARE(show.result.at("task").get<std::string>(), std::string("ppl-llamacpp"));
        const QString csv = QString::fromStdString((slimtest::makeTempDir("cli-export") / "r.csv").string());
        QCOMPARE(runCli({"results", "export", csv, "--db", db}).exitCode, 0);
        QVERIFY(QString::fromStdString(slimtest::readBytes(csv.toStdString())).startsWith("id,created_at,kind,task"));

        // Bad task specs and ids: clear errors naming what is wrong.
        const auto badTask = runCli({"eval", fixture("llama-fp32"), "--task", "ppl:" + text + ":contxt=64"});
        QCOMPARE(badTask.exitCode, 1);
        QVERIFY(badTask.err.contains("contxt"));
        const auto noFile = runCli({"eval", fixture("llama-fp32"), "--task", "ppl:/nonexistent/text.txt"});
        QCOMPARE(noFile.exitCode, 1);
        QVERIFY(noFile.err.contains("/nonexistent/text.txt"));
        const auto unknown = runCli({"eval", fixture("llama-fp32"), "--task", "mmlu:" + text});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY(unknown.err.contains("mmlu"));
        QCOMPARE(runCli({"results", "show", "99", "--db", db}).exitCode, 1);
        QCOMPARE(runCli({"results", "list", "--db", "/nonexistent/r.sqlite"}).exitCode, 1);
    }

    void errorsAndExitCodes() {
        const auto missing = runCli({"info", "/nonexistent/model", "--json"});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("/nonexistent/model"));
        QVERIFY(missing.out.contains("\"event\":\"error\""));
        const auto badOpt = runCli({"logits", fixture("llama-fp32"), "--bogus", "1"});
        QCOMPARE(badOpt.exitCode, 1);
        QVERIFY(badOpt.err.contains("--bogus"));
        const auto badDev = runCli({"logits", fixture("llama-fp32"), "--prompt", "x", "--device", "tpu"});
        QCOMPARE(badDev.exitCode, 1);
        QVERIFY(badDev.err.contains("--device"));
        const auto badDtype = runCli({"logits", fixture("llama-fp32"), "--prompt", "x", "--dtype", "int3"});
        QCOMPARE(badDtype.exitCode, 1);
    }

    void cancelGivesExitCode2() {
        // SIGTERM during a long evaluation (all of WikiText-2 in windows of 32): reported as
        // cancelled (exit 2), not as a failure.
        const QString text = QString::fromStdString((slimtest::wikiTestRaw()).string());
        QProcess p;
        p.start(QString::fromStdString(slimtest::cliPath().string()),
                {"perplexity", fixture("llama-fp32"), "--text", text, "--context", "32", "--batch", "1", "--json"});
        QVERIFY(p.waitForStarted());
        // Wait for the first progress event of the evaluation, then cancel.
        QElapsedTimer t;
        t.start();
        QByteArray seen;
        while (!seen.contains("\"progress\":") && t.elapsed() < 60000) {
            p.waitForReadyRead(100);
            seen += p.readAllStandardOutput();
        }
        p.terminate();
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 2);
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
