// LoRA and distillation (core/train/lora*, slimbench-cli lora / distill): the adapter's forward
// against its definition, merge = base + adapter, the PEFT file layout both ways, the Alpaca loss
// mask, training that lowers the held-out loss, resume reproducing an uninterrupted run, KD, and
// the CLI end to end.
#include "support/cli_run.h"
#include "support/expect_error.h"
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/prune/depth_prune.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/lora.h"
#include "core/train/lora_trainer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <QtTest/QtTest>

using namespace slim;
using model::Proj;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }

std::unique_ptr<model::LlamaModel> load(const fs::path& dir) {
    return model::LlamaModel::load(dir, model::LoadOptions{at::kCPU, at::kFloat});
}

/// Give every adapter a non-zero B so that it changes the output.
void randomizeB(model::LlamaModel& m, uint64_t seed) {
    at::NoGradGuard g;
    at::manual_seed(seed);
    for (auto& [name, lo] : train::loraModules(m))
        lo->loraB().normal_(0.0, 0.05);
}

fs::path writeText(const std::string& name, const std::string& text) {
    const fs::path p = slimtest::makeTempDir("lora-data") / name;
    slimtest::writeBytes(p, text);
    return p;
}

fs::path wikiSlice(size_t bytes) { return writeText("wiki.txt", io::readTextFile(slimtest::wikiTestRaw()).substr(0, bytes)); }

at::Tensor someIds(const model::LlamaModel& m) {
    return at::randint(m.config().vocabSize, {2, 24}, at::TensorOptions().dtype(at::kLong));
}

} // namespace

class TestLora : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(3); }

    void adapterForwardIsBasePlusScaledBA() {
        const at::Tensor W = at::randn({6, 10});
        train::LoraConfig cfg;
        cfg.rank = 3;
        cfg.alpha = 12;
        cfg.dropout = 0.5;
        train::LoraLinear lo(std::make_unique<model::DenseLinear>(W), cfg, 1);
        QCOMPARE(lo.loraA().sizes(), (at::IntArrayRef{3, 10}));
        QVERIFY(lo.loraA().abs().max().item<double>() <= 1.0 / std::sqrt(10.0));   // U(-1/sqrt(in), 1/sqrt(in))
        QCOMPARE(lo.loraB().abs().sum().item<double>(), 0.0);                       // starts as no change
        lo.loraB().normal_();
        const at::Tensor x = at::randn({4, 10});
        const at::Tensor expected = x.to(at::kDouble).matmul(W.to(at::kDouble).t()) +
                                    x.to(at::kDouble).matmul(lo.loraA().to(at::kDouble).t()).matmul(lo.loraB().to(at::kDouble).t()) * 4.0;
        QVERIFY(at::allclose(lo.forward(x).to(at::kDouble), expected, 1e-5, 1e-5));   // eval mode: no dropout
        QVERIFY(at::allclose(lo.denseWeight().to(at::kDouble), W.to(at::kDouble) + lo.loraB().to(at::kDouble).matmul(lo.loraA().to(at::kDouble)) * 4.0, 1e-5, 1e-5));
        QCOMPARE(lo.kind(), std::string("lora(dense)"));
        QCOMPARE(lo.trainableParameters().size(), size_t(2));
    }

    void mergedModelEqualsTheAdaptedModel() {
        auto m = load(fixture("llama-fp32"));
        train::LoraConfig cfg;
        train::attachLora(*m, cfg, 5);
        QCOMPARE(train::loraModules(*m).size(), size_t(2 * 7));
        slimtest::expectError<ConfigError>([&] { train::attachLora(*m, cfg, 5); }, {"already has a LoRA adapter"});
        randomizeB(*m, 9);
        at::InferenceMode guard;
        const at::Tensor ids = someIds(*m);
        const at::Tensor adapted = m->forward(ids);
        const at::Tensor base = load(fixture("llama-fp32"))->forward(ids);
        QVERIFY(!at::allclose(adapted, base, 1e-3, 1e-3));
        QCOMPARE(train::mergeLora(*m), int64_t(14));
        QVERIFY(train::loraModules(*m).empty());
        const at::Tensor merged = m->forward(ids);
        const double diff = (merged - adapted).abs().max().item<double>();
        qInfo("max |merged - adapted| = %.2e", diff);
        QVERIFY(diff <= 1e-5 * std::max(1.0, adapted.abs().max().item<double>()));
    }

    void gradientCheckpointingGivesTheSameGradients() {
        // Dropout on (training mode), so the recomputation in backward must replay the same masks; the
        // Mistral fixture adds a sliding-window mask to what is saved and restored.
        for (const char* name : {"llama-fp32", "mistral-bf16"}) {
            auto m = load(fixture(name));
            train::LoraConfig cfg;
            cfg.dropout = 0.3;
            train::attachLora(*m, cfg, 4);
            randomizeB(*m, 5);
            std::vector<at::Tensor> params;
            for (auto& [n, lo] : train::loraModules(*m))
                for (auto t : lo->trainableParameters())
                    params.push_back(t);
            const at::Tensor ids = someIds(*m);
            auto gradsOf = [&](bool checkpoint) {
                for (auto& p : params) {
                    p.set_requires_grad(true);
                    p.mutable_grad() = at::Tensor();
                }
                train::setLoraTraining(*m, true);
                at::manual_seed(11);
                model::ForwardOptions fo;
                fo.checkpointLayers = checkpoint;
                m->forward(ids, fo).logsumexp(-1).mean().backward();
                train::setLoraTraining(*m, false);
                std::vector<at::Tensor> g;
                for (auto& p : params)
                    g.push_back(p.grad().clone());
                return g;
            };
            const auto plain = gradsOf(false), checkpointed = gradsOf(true);
            double worst = 0.0, scale = 0.0;
            for (size_t i = 0; i < plain.size(); ++i) {
                worst = std::max(worst, (plain[i] - checkpointed[i]).abs().max().item<double>());
                scale = std::max(scale, plain[i].abs().max().item<double>());
            }
            qInfo("%s: %zu LoRA gradients, max |plain - checkpointed| = %.2e (largest %.2e)", name, plain.size(), worst, scale);
            QVERIFY(scale > 0.0);
            QVERIFY(worst <= 1e-5 * scale);   // fp32 summation order only (a different dropout mask: ~scale)
            for (auto& p : params)
                p.set_requires_grad(false);
        }
    }

    void peftLayoutRoundTrip() {
        auto m = load(fixture("qwen2-sharded"));
        train::LoraConfig cfg;
        cfg.rank = 4;
        cfg.targets = train::LoraConfig::parseTargets("q_proj,v,down");
        train::attachLora(*m, cfg, 1);
        randomizeB(*m, 2);
        const fs::path dir = slimtest::makeTempDir("adapter");
        train::saveAdapter(*m, cfg, dir, "base-model");
        const auto j = io::parseJsonStrict(io::readTextFile(dir / "adapter_config.json"), "cfg");
        QCOMPARE(j["peft_type"].get<std::string>(), std::string("LORA"));
        QCOMPARE(j["r"].get<int>(), 4);
        QCOMPARE(j["target_modules"], nlohmann::json({"q_proj", "v_proj", "down_proj"}));
        const auto st = io::SafetensorsFile::open(dir / "adapter_model.safetensors");
        QCOMPARE(st->tensors().size(), size_t(2 * 3 * 2));
        const auto* a = st->find("base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight");
        const auto* b = st->find("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight");
        QVERIFY(a && b);
        QCOMPARE(a->shape, (std::vector<int64_t>{4, m->config().hiddenSize}));
        QCOMPARE(b->shape, (std::vector<int64_t>{m->config().hiddenSize, 4}));

        auto fresh = load(fixture("qwen2-sharded"));
        const auto cfg2 = train::loadAdapter(*fresh, dir);
        QCOMPARE(cfg2.rank, int64_t(4));
        at::InferenceMode guard;
        const at::Tensor ids = someIds(*m);
        QVERIFY(at::allclose(fresh->forward(ids), m->forward(ids), 1e-6, 1e-6));

        // Bad adapters: named errors, nothing half-applied that the caller keeps.
        auto other = load(fixture("llama-fp32"));   // a different hidden size
        slimtest::expectError<FormatError>([&] { train::loadAdapter(*other, dir); }, {"adapter_model.safetensors", "shape"});
        auto dora = j;
        dora["use_dora"] = true;
        slimtest::expectError<UnsupportedError>([&] { train::LoraConfig::fromPeftJson(dora, "adapter_config.json"); }, {"use_dora"});
        auto ia3 = j;
        ia3["peft_type"] = "IA3";
        slimtest::expectError<UnsupportedError>([&] { train::LoraConfig::fromPeftJson(ia3, "adapter_config.json"); }, {"IA3"});
        const fs::path binOnly = slimtest::makeTempDir("adapter-bin");
        fs::copy_file(dir / "adapter_config.json", binOnly / "adapter_config.json");
        slimtest::writeBytes(binOnly / "adapter_model.bin", "pickle");
        auto m3 = load(fixture("qwen2-sharded"));
        slimtest::expectError<UnsupportedError>([&] { train::loadAdapter(*m3, binOnly); }, {"pickle"});
        slimtest::expectError<ConfigError>([] { train::LoraConfig::parseTargets("q,lm_head"); }, {"lm_head"});
    }

    void alpacaMasksThePrompt() {
        const auto tok = tok::Tokenizer::fromPath(fixture("llama-fp32"));
        const fs::path f = writeText("alpaca.jsonl",
            "{\"instruction\": \"Name a colour.\", \"input\": \"\", \"output\": \"Blue.\"}\n"
            "\n"
            "{\"instruction\": \"Add the numbers.\", \"input\": \"2 and 3\", \"output\": \"5\"}\n");
        const auto d = train::loadTrainData(f, train::DataFormat::Alpaca, tok, 512, 0, 0);
        QCOMPARE(d.train.size(), size_t(2));
        int matched = 0;
        for (const auto& e : d.train) {
            // Which record: the one whose full text tokenizes to these ids.
            for (const auto& [ins, inp, out] : {std::tuple{"Name a colour.", "", "Blue."}, std::tuple{"Add the numbers.", "2 and 3", "5"}}) {
                const std::string prompt = train::alpacaPrompt(ins, inp);
                auto full = tok.encode(prompt + out, true);
                full.push_back(*tok.eosId());
                if (full != e.ids)
                    continue;
                ++matched;
                const size_t promptLen = tok.encode(prompt, true).size();
                for (size_t t = 0; t < e.ids.size(); ++t)
                    QCOMPARE(e.lossMask[t] != 0, t >= promptLen);
                QCOMPARE(e.ids.back(), *tok.eosId());
            }
        }
        QCOMPARE(matched, 2);
        const fs::path bad = writeText("bad.jsonl", "{\"instruction\": \"x\"}\n");
        slimtest::expectError<FormatError>([&] { train::loadTrainData(bad, train::DataFormat::Alpaca, tok, 64, 0, 0); },
                                           {"bad.jsonl:1", "output"});
        const fs::path notJson = writeText("nj.jsonl", "{\"instruction\": \"x\", \"output\": \"y\"}\n{oops\n");
        slimtest::expectError<FormatError>([&] { train::loadTrainData(notJson, train::DataFormat::Alpaca, tok, 64, 0, 0); },
                                           {"nj.jsonl:2"});
    }

    void trainingLowersHeldOutLossAndResumeIsExact() {
        const auto tok = tok::Tokenizer::fromPath(fixture("llama-fp32"));
        const auto data = train::loadTrainData(wikiSlice(60000), train::DataFormat::Text, tok, 32, 8, 0);
        QVERIFY(data.train.size() > 50);
        train::LoraConfig cfg;
        cfg.dropout = 0.0;   // deterministic, so the resumed run can be compared exactly
        train::LoraTrainOptions o;
        o.steps = 12;
        o.microBatch = 4;
        o.gradAccum = 2;
        o.learningRate = 5e-3;
        o.warmupSteps = 2;
        o.evalEvery = 6;
        o.saveEvery = 6;
        // Uninterrupted run.
        auto a = load(fixture("llama-fp32"));
        train::attachLora(*a, cfg, 0);
        const fs::path ckA = slimtest::makeTempDir("ckA");
        train::TrainCheckpoints cka{ckA, [&](const fs::path& d, int64_t) { train::saveAdapter(*a, cfg, d, "x"); }, false};
        const auto ra = train::trainLora(*a, data, o, nullptr, cka, JobContext::none());
        qInfo("held-out loss %.4f -> %.4f", ra.evalLossBefore, ra.evalLossAfter);
        QVERIFY(ra.evalLossAfter < ra.evalLossBefore - 0.05);
        QCOMPARE(ra.evalLosses.size(), size_t(2));
        QVERIFY(fs::exists(ckA / "step-000006" / "adapter_model.safetensors"));
        // Interrupted after step 6 (cancel), then resumed: the same weights and losses.
        auto b = load(fixture("llama-fp32"));
        train::attachLora(*b, cfg, 0);
        const fs::path ckB = slimtest::makeTempDir("ckB");
        train::TrainCheckpoints ckb{ckB, [&](const fs::path& d, int64_t) { train::saveAdapter(*b, cfg, d, "x"); }, false};
        JobContext* self = nullptr;
        JobContext cancelAt7([&](double, const std::string& status) {
            if (status.rfind("step 6/", 0) == 0 && self)
                self->requestCancel();
        });
        self = &cancelAt7;
        QVERIFY_THROWS_EXCEPTION(CancelledError, train::trainLora(*b, data, o, nullptr, ckb, cancelAt7));
        QVERIFY(fs::exists(ckB / "step-000006"));
        auto c = load(fixture("llama-fp32"));
        train::attachLora(*c, cfg, 0);
        train::TrainCheckpoints ckc{ckB, [&](const fs::path& d, int64_t) { train::saveAdapter(*c, cfg, d, "x"); }, true};
        const auto rc = train::trainLora(*c, data, o, nullptr, ckc, JobContext::none());
        QCOMPARE(rc.startStep, int64_t(6));
        QCOMPARE(rc.losses.size(), ra.losses.size());
        for (size_t i = 0; i < ra.losses.size(); ++i)
            QVERIFY2(std::abs(rc.losses[i] - ra.losses[i]) <= 1e-5 * std::abs(ra.losses[i]),
                     qPrintable(QString("step %1: %2 vs %3").arg(i).arg(rc.losses[i]).arg(ra.losses[i])));
        const auto la = train::loraModules(*a), lc = train::loraModules(*c);
        for (size_t i = 0; i < la.size(); ++i)
            QVERIFY(at::allclose(la[i].second->loraB(), lc[i].second->loraB(), 1e-5, 1e-6));
    }

    void distillationLowersTheKdLoss() {
        // Teacher: the fixture; student: the fixture without layer 1.
        const fs::path studentDir = slimtest::makeTempDir("student") / "m";
        fs::create_directories(studentDir);
        prune::writeDepthPruned(fixture("llama-fp32"), {1}, studentDir, JobContext::none());
        fs::copy_file(fixture("llama-fp32") / "tokenizer.json", studentDir / "tokenizer.json");
        auto teacher = load(fixture("llama-fp32"));
        auto student = load(studentDir);
        const auto tok = tok::Tokenizer::fromPath(studentDir);
        const auto data = train::loadTrainData(wikiSlice(40000), train::DataFormat::Text, tok, 32, 4, 0);
        train::LoraConfig cfg;
        train::attachLora(*student, cfg, 0);
        train::LoraTrainOptions o;
        o.steps = 10;
        o.learningRate = 1e-2;
        o.warmupSteps = 1;
        o.kdAlpha = 1.0;   // pure KL to the teacher
        const auto r = train::trainLora(*student, data, o, teacher.get(), {}, JobContext::none());
        qInfo("KD loss %.4f -> %.4f", r.losses.front(), r.losses.back());
        QVERIFY(r.losses.back() < r.losses.front());
    }

    void teacherTopKOverTheWholeVocabularyIsTheFullKl() {
        // With k = the vocabulary the cached top-k holds the teacher's whole distribution: the same
        // losses as the teacher in memory.  A small k gives a different (truncated) loss that still falls.
        const fs::path studentDir = slimtest::makeTempDir("student-topk") / "m";
        fs::create_directories(studentDir);
        prune::writeDepthPruned(fixture("llama-fp32"), {1}, studentDir, JobContext::none());
        auto teacher = load(fixture("llama-fp32"));
        const auto tok = tok::Tokenizer::fromPath(fixture("llama-fp32"));
        const auto data = train::loadTrainData(wikiSlice(40000), train::DataFormat::Text, tok, 32, 4, 0);
        train::LoraTrainOptions o;
        o.steps = 4;
        o.learningRate = 1e-2;
        o.warmupSteps = 1;
        o.kdAlpha = 0.7;
        o.kdTemperature = 2.0;
        auto run = [&](const model::LlamaModel* t, const train::TeacherTopK* topk) {
            auto student = load(studentDir);
            train::attachLora(*student, train::LoraConfig{}, 0);
            return train::trainLora(*student, data, o, t, {}, JobContext::none(), topk);
        };
        const int64_t V = teacher->config().vocabSize;
        const auto full = train::computeTeacherTopK(*teacher, data.train, V, 3, JobContext::none());
        QCOMPARE(full.offsets.size(), data.train.size() + 1);
        QCOMPARE(full.values.size(0), full.offsets.back());
        // Saved and read back only for the key it was made with.
        const fs::path file = slimtest::makeTempDir("topk") / "t.safetensors";
        const nlohmann::json key = {{"teacher", "x"}, {"k", V}};
        train::saveTeacherTopK(full, file, key);
        QVERIFY(!train::loadTeacherTopK(file, {{"teacher", "y"}, {"k", V}}).has_value());
        const auto back = train::loadTeacherTopK(file, key);
        QVERIFY(back.has_value());
        QVERIFY(at::equal(back->indices, full.indices) && at::equal(back->values, full.values) && back->offsets == full.offsets);

        // The first step's loss agrees to the summation order; later steps also carry Adam's
        // amplification of that rounding in near-zero gradients (B starts at zero).
        const auto inMemory = run(teacher.get(), nullptr), cached = run(nullptr, &*back);
        for (size_t i = 0; i < inMemory.losses.size(); ++i)
            QVERIFY2(std::abs(cached.losses[i] - inMemory.losses[i]) <= (i == 0 ? 1e-6 : 1e-3) * std::abs(inMemory.losses[i]),
                     qPrintable(QString("step %1: %2 vs %3").arg(i).arg(cached.losses[i]).arg(inMemory.losses[i])));
        const auto top8 = train::computeTeacherTopK(*teacher, data.train, 8, 3, JobContext::none());
        QCOMPARE(top8.values.size(1), int64_t(8));
        QVERIFY(at::all(top8.values.narrow(1, 0, 7) >= top8.values.narrow(1, 1, 7)).item<bool>());   // descending
        o.kdAlpha = 1.0;
        const auto truncated = run(nullptr, &top8);
        qInfo("KD over the full vocabulary %.4f -> %.4f; over the teacher's top 8 %.4f -> %.4f", inMemory.losses.front(),
              inMemory.losses.back(), truncated.losses.front(), truncated.losses.back());
        QVERIFY(truncated.losses.back() < truncated.losses.front());
        slimtest::expectError<ConfigError>([&] { train::computeTeacherTopK(*teacher, data.train, V + 1, 3, JobContext::none()); },
                                           {"--teacher-top-k"});
    }

    void cliTrainMergeDistill() {
        const QString src = QString::fromStdString(fixture("llama-fp32").string());
        const QString data = QString::fromStdString(wikiSlice(30000).string());
        const fs::path tmp = slimtest::makeTempDir("cli-lora");
        const QString adapter = QString::fromStdString((tmp / "adapter").string());
        auto r = slimtest::runCli({"lora", "train", src, "--data", data, "--seq-len", "32", "--steps", "4", "--batch", "2",
                                   "--grad-accum", "1", "--lr", "1e-2", "--out", adapter, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["result"]["steps"].get<int>(), 4);
        // Training reports its loss per step and the adapter it wrote as events (JSON lines).
        QVERIFY(r.out.contains("{\"event\":\"metric\",\"name\":\"loss\""));
        QVERIFY(r.out.contains("\"event\":\"artifact\",\"kind\":\"adapter\""));
        QVERIFY(fs::exists(tmp / "adapter" / "adapter_config.json"));
        QVERIFY(fs::exists(tmp / "adapter" / "slimbench_training.json"));
        const QString merged = QString::fromStdString((tmp / "merged").string());
        r = slimtest::runCli({"lora", "merge", src, adapter, "--out", merged, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["merged_projections"].get<int>(), 14);
        const auto prov = io::parseJsonStrict(io::readTextFile(tmp / "merged" / "slimbench_provenance.json"), "p");
        QCOMPARE(prov["steps"][0]["method"].get<std::string>(), std::string("lora-merge"));
        // The merged model = base + adapter.
        auto base = load(fixture("llama-fp32"));
        train::loadAdapter(*base, tmp / "adapter");
        auto mm = load(tmp / "merged");
        at::InferenceMode guard;
        const at::Tensor ids = someIds(*mm);
        QVERIFY(at::allclose(mm->forward(ids), base->forward(ids), 1e-4, 1e-4));

        r = slimtest::runCli({"distill", "--teacher", src, "--student", src, "--data", data, "--seq-len", "32", "--steps", "2",
                              "--batch", "2", "--grad-accum", "1", "--out", QString::fromStdString((tmp / "kd").string()), "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(fs::exists(tmp / "kd" / "adapter" / "adapter_model.safetensors"));
        QVERIFY(fs::exists(tmp / "kd" / "model.safetensors"));
        // The teacher's top-k cached beside the run and reused by the next run with the same data.
        const QString kd2 = QString::fromStdString((tmp / "kd2").string());
        const QStringList topk = {"distill", "--teacher", src, "--student", src, "--data", data, "--seq-len", "32", "--steps", "2",
                                  "--batch", "2", "--grad-accum", "1", "--teacher-top-k", "16", "--gradient-checkpointing",
                                  "--out", kd2, "--json"};
        r = slimtest::runCli(topk);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["kd"]["teacher_top_k"]["reused"].get<bool>(), false);
        QVERIFY(fs::exists(tmp / "kd2-checkpoints" / "teacher-top16.safetensors"));
        QCOMPARE(r.result["options"]["gradient_checkpointing"].get<bool>(), true);
        fs::remove_all(tmp / "kd2");
        r = slimtest::runCli(topk);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["kd"]["teacher_top_k"]["reused"].get<bool>(), true);
        r = slimtest::runCli({"lora", "train", src, "--data", data, "--rank", "0", "--out", QString::fromStdString((tmp / "x").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--rank"));
        QVERIFY(!fs::exists(tmp / "x"));
    }
};

QTEST_GUILESS_MAIN(TestLora)
#include "tst_lora.moc"
