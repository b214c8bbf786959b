// The full built-in demo model: default settings on the installed Debian corpus (minutes on
// 2 cores).  Checks that it learned: held-out perplexity far below the unigram baseline, and it
// continues a well-known verse.
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/demo_model.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/text_corpus.h"
#include "support/test_util.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <algorithm>
#include <cstdlib>

namespace fs = std::filesystem;
using namespace slim;

namespace {
// Measured on the KJV (2 cores): held-out ppl ≈ 0.2 × the unigram baseline after training.
constexpr double kMaxPplOverUnigram = 0.5;
constexpr double kMinPplDropFactor = 10.0;   // vs the untrained model (≈ vocab size)
constexpr int kTopK = 5;
} // namespace

class TestDemoModelSlow : public QObject {
    Q_OBJECT

private slots:
    void fullDemoModelLearns() {
        try {
            (void)train::loadDemoCorpus();
        } catch (const IoError& e) {
            QSKIP(e.what());
        }
        const fs::path out = slimtest::makeTempDir("demo-full") / "demo-model";
        model::DemoTrainOptions o;
        o.outDir = out;
        const model::DemoTrainResult r = model::trainDemoModel(o, JobContext::none());
        qInfo("corpus %s, %lld params, %lld steps in %.0f s (%.0f tok/s), job %.0f s; held-out ppl %.1f -> %.2f, "
              "unigram %.1f; train ppl %.1f -> %.2f",
              r.corpus.c_str(), static_cast<long long>(r.parameters), static_cast<long long>(r.steps), r.trainSeconds,
              r.tokensPerSecond, r.seconds, r.heldoutPplBefore, r.heldoutPplAfter, r.unigramHeldoutPpl,
              r.trainPplBefore, r.trainPplAfter);
        QVERIFY(model::demoModelReady(out));
        QVERIFY(r.heldoutPplAfter < kMaxPplOverUnigram * r.unigramHeldoutPpl);
        QVERIFY(r.heldoutPplAfter * kMinPplDropFactor < r.heldoutPplBefore);
        QVERIFY(r.trainPplAfter < r.trainPplBefore);

        if (r.corpus != "kjv-bible")
            return;
        // Genesis 1:1 is in the training split; the model should know how it ends.
        auto m = model::LlamaModel::load(out, model::LoadOptions{});
        const tok::Tokenizer t = tok::Tokenizer::fromPath(out);
        const auto ids = t.encode("In the beginning God created the heaven and the", true);
        at::Tensor input = at::empty({1, static_cast<int64_t>(ids.size())}, at::kLong);
        for (size_t i = 0; i < ids.size(); ++i)
            input[0][static_cast<int64_t>(i)] = ids[i];
        const at::Tensor logits = m->forward(input).select(1, input.size(1) - 1).squeeze(0);
        const at::Tensor top = std::get<1>(logits.topk(kTopK));
        const auto earth = t.tokenToId("\xE2\x96\x81" "earth");
        QVERIFY(earth.has_value());
        bool found = false;
        for (int k = 0; k < kTopK; ++k)
            found = found || top[k].item<int64_t>() == *earth;
        QVERIFY2(found, "\"earth\" is not among the top-5 continuations of Genesis 1:1");
    }
};

int main(int argc, char** argv) {
    // The full training takes minutes; QtTest's watchdog would abort a test function after 5
    // (it reads the variable when the test run starts, so setting it here is in time).
    ::setenv("QTEST_FUNCTION_TIMEOUT", "1800000", /*overwrite=*/0);
    QCoreApplication app(argc, argv);
    TestDemoModelSlow tc;
    return QTest::qExec(&tc, argc, argv);
}
#include "tst_demo_model_slow.moc"
