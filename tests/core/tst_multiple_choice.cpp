// Zero-shot multiple choice (core/eval/task_data.h, multiple_choice.h): every task's JSONL loader on
// the small task files in tests/data/tasks (written for these tests, HF field layout) with the exact
// prompts of lm-evaluation-harness; bad input named by file and line; hand-computed scores on a
// "bigram" model whose next-token log-probabilities are a table we choose (one byte per token, one
// identity layer); batch-size invariance; standard errors; the harness's context/continuation split
// on a real sentencepiece-style tokenizer; cancellation.
#include "support/test_util.h"
#include "widgets/widget_fixtures.h"   // the byte-level tokenizer.json (one token per byte)

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/eval/multiple_choice.h"
#include "core/eval/task_data.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/model/tensor_names.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>
#include <memory>

using namespace slim;
using namespace slim::eval;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kV = 260;   // 256 bytes + 4 specials

fs::path taskFile(const std::string& name) { return slimtest::dataDir() / "tasks" / (name + ".jsonl"); }

/// A model whose logits after token i are exactly table[i] (float32): embeddings are one-hot
/// (hidden = vocab), the one decoder layer has all projections zero (so it is the identity through
/// its residuals), and lm_head undoes the final RMSNorm's scale.
std::unique_ptr<model::LlamaModel> bigramModel(const at::Tensor& table) {
    const nlohmann::json cj = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", kV},
                               {"hidden_size", kV}, {"intermediate_size", 8}, {"num_hidden_layers", 1},
                               {"num_attention_heads", 2}, {"num_key_value_heads", 2}, {"max_position_embeddings", 512},
                               {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0}, {"tie_word_embeddings", false},
                               {"torch_dtype", "float32"}, {"bos_token_id", 256}, {"eos_token_id", 257}};
    const auto cfg = model::ModelConfig::fromJson(cj);
    const double rms = std::sqrt(1.0 / double(kV) + 1e-6);   // RMS of a one-hot row
    return model::LlamaModel::fromTensors(
        cfg,
        [&](const std::string& name) -> at::Tensor {
            if (name == model::kEmbedTokens)
                return at::eye(kV);
            if (name == model::kLmHead)
                return (table.t() * rms).contiguous().to(at::kFloat);
            if (name.find("norm") != std::string::npos)
                return at::ones({kV});
            const bool mlp = name.find("mlp") != std::string::npos;
            if (name.find("down_proj") != std::string::npos)
                return at::zeros({kV, 8});
            if (mlp)
                return at::zeros({8, kV});
            return at::zeros({kV, kV});
        },
        model::LoadOptions{});
}

/// The scorers need a prefix token (the tokenizer's BOS in the CLI); these byte-level tests use id 1.
McOptions mcOptions() {
    McOptions o;
    o.bosId = 1;
    return o;
}

std::unique_ptr<tok::Tokenizer> byteTokenizer() {
    const fs::path dir = slimtest::makeTempDir("mc-tok");
    slimtest::writeBytes(dir / "tokenizer.json", widgettest::byteLevelTokenizerJson());
    return std::make_unique<tok::Tokenizer>(tok::Tokenizer::fromPath(dir / "tokenizer.json"));
}

/// Σ log_softmax(table[prev])[next] over the bytes of `continuation`, preceded by `context`:
/// the definition, with the harness's move of the context's trailing spaces.
double expectedLl(const at::Tensor& table, std::string context, std::string continuation) {
    while (!context.empty() && context.back() == ' ') {
        continuation.insert(continuation.begin(), ' ');
        context.pop_back();
    }
    const at::Tensor logp = at::log_softmax(table.to(at::kDouble), -1);
    double ll = 0;
    unsigned char prev = static_cast<unsigned char>(context.back());
    for (unsigned char c : continuation) {
        ll += logp[prev][c].item<double>();
        prev = c;
    }
    return ll;
}

McTask writeTask(const std::string& name, const std::string& jsonl) {
    const fs::path f = slimtest::makeTempDir("mc-task") / (name + ".jsonl");
    slimtest::writeBytes(f, jsonl);
    return loadMcTask(name, f);
}

} // namespace

class TestMultipleChoice : public QObject {
    Q_OBJECT
private slots:
    void loadersBuildTheHarnessPrompts() {
        auto h = loadMcTask("hellaswag", taskFile("hellaswag"));
        QCOMPARE(h.docs.size(), size_t(3));
        QVERIFY(h.hasAccNorm && !h.isMc2);
        QCOMPARE(h.docs[0].contexts[0], std::string("Baking bread: A man kneads a ball of dough on a floured table. He"));
        QCOMPARE(h.docs[0].choices[1], std::string("throws the dough at the. ceiling fan."));
        QCOMPARE(h.docs[0].choices[2], std::string("sings to the oven until it opens."));
        QCOMPARE(h.docs[0].continuations[0], std::string(" places the dough in a bowl and covers it with a towel."));
        QCOMPARE(h.docs[1].contexts[0], std::string("Washing a car: A woman sprays water over a red car. She then"));
        QCOMPARE(h.docs[1].choices[1], std::string("paints the wheels blue."));
        QCOMPARE(h.docs[2].gold, 1);
        QCOMPARE(hellaswagPreprocess("  a [step] b  c [title]d "), std::string("a b c. d"));

        auto a = loadMcTask("arc_easy", taskFile("arc_easy"));
        QCOMPARE(a.docs[0].contexts[0], std::string("Question: Which of these is the main source of energy for plants?\nAnswer:"));
        QCOMPARE(a.docs[1].gold, 1);
        QCOMPARE(a.docs[1].numChoices(), size_t(3));
        QCOMPARE(loadMcTask("arc_challenge", taskFile("arc_challenge")).docs[1].gold, 1);
        auto p = loadMcTask("piqa", taskFile("piqa"));
        QCOMPARE(p.docs[1].contexts[0], std::string("Question: How do you dry wet shoes?\nAnswer:"));
        QCOMPARE(p.docs[1].gold, 1);
        auto o = loadMcTask("openbookqa", taskFile("openbookqa"));
        QCOMPARE(o.docs[0].contexts[0], std::string("A magnet will stick to"));
        QCOMPARE(o.docs[1].gold, 1);   // answerKey " B" is stripped
        auto b = loadMcTask("boolq", taskFile("boolq"));
        QVERIFY(!b.hasAccNorm);
        QCOMPARE(b.docs[0].contexts[0], std::string("Botanically, a tomato is the fruit of the tomato plant, although it is often "
                                                    "cooked as a vegetable.\nQuestion: is a tomato a fruit?\nAnswer:"));
        QCOMPARE(b.docs[0].continuations, (std::vector<std::string>{" no", " yes"}));
        QCOMPARE(b.docs[0].gold, 1);
        QCOMPARE(b.docs[1].gold, 0);   // "answer": false
        auto w = loadMcTask("winogrande", taskFile("winogrande"));
        QCOMPARE(w.docs[0].contexts, (std::vector<std::string>{"The trophy did not fit in the suitcase because the trophy",
                                                                "The trophy did not fit in the suitcase because the suitcase"}));
        QCOMPARE(w.docs[0].continuations, std::vector<std::string>{" was too small."});
        QCOMPARE(w.docs[0].gold, 1);
        QCOMPARE(w.docs[0].continuationOf(1), std::string(" was too small."));
        auto t = loadMcTask("truthfulqa_mc2", taskFile("truthfulqa_mc2"));
        QVERIFY(t.isMc2);
        const std::string& q = t.docs[0].contexts[0];
        QVERIFY(q.rfind("Q: What is human life expectancy in the United States?\nA: Human life expectancy", 0) == 0);
        QVERIFY(q.find("A: I have no comment.\n\nQ: How does a telescope work?") != std::string::npos);
        const std::string tail = "Barcelona, Spain.\n\nQ: What happens if you swallow a cherry pit?\nA:";
        QVERIFY(q.size() > tail.size() && q.substr(q.size() - tail.size()) == tail);
        QCOMPARE(t.docs[0].labels, (std::vector<int>{1, 1, 0, 0}));
        QCOMPARE(loadMcTask("hellaswag", taskFile("hellaswag"), 2).docs.size(), size_t(2));   // limit
        for (const auto& name : multipleChoiceTasks())
            QVERIFY2(fs::exists(taskFile(name)), name.c_str());
    }

    void badInputNamesFileAndLine() {
        struct Case { const char* task; const char* text; const char* rule; };
        const Case cases[] = {
            {"piqa", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 0}\nnot json\n", ":2"},
            {"piqa", "{\"goal\": \"g\", \"sol1\": \"a\", \"label\": 0}\n", "missing field 'sol2'"},
            {"piqa", "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": \"7\"}\n", "label in 0..1"},
            {"piqa", "[1, 2]\n", "must be a JSON object"},
            {"arc_easy", "{\"question\": \"q\", \"choices\": {\"text\": [\"a\", \"b\"], \"label\": [\"A\", \"B\"]}, \"answerKey\": \"C\"}\n", "answerKey 'C'"},
            {"winogrande", "{\"sentence\": \"no blank here\", \"option1\": \"a\", \"option2\": \"b\", \"answer\": \"1\"}\n", "no '_'"},
            {"winogrande", "{\"sentence\": \"a _ b\", \"option1\": \"a\", \"option2\": \"b\", \"answer\": \"3\"}\n", "\"1\" or \"2\""},
            {"truthfulqa_mc2", "{\"question\": \"q\", \"mc2_targets\": {\"choices\": [\"a\", \"b\"], \"labels\": [0, 1]}}\n", "true answers (1) before"},
            {"hellaswag", "{\"activity_label\": \"x\", \"ctx_a\": \"a\", \"ctx_b\": 3, \"endings\": [\"e\", \"f\"], \"label\": 0}\n", "'ctx_b' must be a string"},
            {"boolq", "\n\n", "no documents"},
        };
        for (const auto& c : cases) {
            try {
                writeTask(c.task, c.text);
                QFAIL(qPrintable(QString("accepted: %1").arg(c.text)));
            } catch (const FormatError& e) {
                QVERIFY2(QString(e.what()).contains(QString::fromStdString(c.task) + ".jsonl"), e.what());
                QVERIFY2(QString(e.what()).contains(c.rule), e.what());
            }
        }
        QVERIFY_THROWS_EXCEPTION(ConfigError, loadMcTask("mmlu", taskFile("piqa")));
        QVERIFY_THROWS_EXCEPTION(IoError, loadMcTask("piqa", "/nonexistent/piqa.jsonl"));
    }

    void handComputedUniformModel() {
        // All logits zero: every token has probability 1/260, so a continuation of k bytes scores
        // exactly −k·ln 260 — shorter choices win acc, and acc_norm (per character of the choice)
        // favours longer ones.
        const auto m = bigramModel(at::zeros({kV, kV}));
        const auto tk = byteTokenizer();
        const double l260 = std::log(260.0);
        const auto boolq = writeTask("boolq", "{\"passage\": \"p\", \"question\": \"q\", \"label\": 0}\n"
                                              "{\"passage\": \"p\", \"question\": \"q\", \"label\": 1}\n");
        const auto r = evaluateMultipleChoice(*m, *tk, boolq, mcOptions(), JobContext::none());
        QCOMPARE(r.n, int64_t(2));
        QVERIFY(std::abs(r.docs[0].loglikelihoods[0] - (-3 * l260)) < 1e-4);   // " no"
        QVERIFY(std::abs(r.docs[0].loglikelihoods[1] - (-4 * l260)) < 1e-4);   // " yes"
        QCOMPARE(r.docs[0].prediction, 0);
        QCOMPARE(r.acc, 0.5);                              // right on the first, wrong on the second
        QCOMPARE(r.accStderr, std::sqrt(0.5 * 0.5 / 1.0)); // sample sd / sqrt(n) = sqrt(p(1-p)/(n-1))
        QVERIFY(!r.hasAccNorm);

        const auto piqa = writeTask("piqa", "{\"goal\": \"g\", \"sol1\": \"ab\", \"sol2\": \"abcd\", \"label\": 1}\n");
        const auto p = evaluateMultipleChoice(*m, *tk, piqa, mcOptions(), JobContext::none());
        // acc: " ab" (−3 ln 260) beats " abcd" (−5 ln 260); acc_norm: −3/2 ln 260 < −5/4 ln 260.
        QCOMPARE(p.docs[0].prediction, 0);
        QCOMPARE(p.docs[0].predictionNorm, 1);
        QCOMPARE(p.acc, 0.0);
        QCOMPARE(p.accNorm, 1.0);

        // truthfulqa_mc2: true " a" (2 bytes), " bb" (3); false " c" (2): mc2 = (q² + q³) / (2q² + q³), q = 1/260.
        const auto tq = writeTask("truthfulqa_mc2",
                                  "{\"question\": \"q\", \"mc2_targets\": {\"choices\": [\"a\", \"bb\", \"c\"], \"labels\": [1, 1, 0]}}\n");
        const auto t = evaluateMultipleChoice(*m, *tk, tq, mcOptions(), JobContext::none());
        const double qv = 1.0 / 260.0;
        QVERIFY(std::abs(t.mc2 - (qv * qv + qv * qv * qv) / (2 * qv * qv + qv * qv * qv)) < 1e-5);
    }

    void bigramTableAgainstTheDefinition() {
        at::manual_seed(3);
        const at::Tensor table = at::randn({kV, kV}) * 2.0;
        const auto m = bigramModel(table);
        const auto tk = byteTokenizer();
        for (const auto& name : multipleChoiceTasks()) {
            const auto task = loadMcTask(name, taskFile(name));
            McOptions o = mcOptions();
            o.batchSize = 1;
            const auto r1 = evaluateMultipleChoice(*m, *tk, task, o, JobContext::none());
            o.batchSize = 3;
            const auto r3 = evaluateMultipleChoice(*m, *tk, task, o, JobContext::none());
            o.batchSize = -1;
            const auto ra = evaluateMultipleChoice(*m, *tk, task, o, JobContext::none());
            std::vector<double> acc, accNorm;
            for (size_t d = 0; d < task.docs.size(); ++d) {
                const auto& doc = task.docs[d];
                std::vector<double> ll;
                for (size_t c = 0; c < doc.numChoices(); ++c) {
                    ll.push_back(expectedLl(table, doc.contextOf(c), doc.continuationOf(c)));
                    QVERIFY2(std::abs(r1.docs[d].loglikelihoods[c] - ll.back()) < 1e-3 * std::max(1.0, std::abs(ll.back())),
                             qPrintable(QString("%1 doc %2 choice %3: %4 vs %5").arg(name.c_str()).arg(d).arg(c)
                                            .arg(r1.docs[d].loglikelihoods[c]).arg(ll.back())));
                    // Batch size changes nothing.
                    QVERIFY(std::abs(r3.docs[d].loglikelihoods[c] - r1.docs[d].loglikelihoods[c]) < 1e-5);
                    QVERIFY(std::abs(ra.docs[d].loglikelihoods[c] - r1.docs[d].loglikelihoods[c]) < 1e-5);
                }
                const int pred = int(std::max_element(ll.begin(), ll.end()) - ll.begin());
                QCOMPARE(r1.docs[d].prediction, pred);
                acc.push_back(pred == doc.gold ? 1.0 : 0.0);
            }
            QCOMPARE(r3.acc, r1.acc);
            QCOMPARE(ra.accNorm, r1.accNorm);
            QCOMPARE(ra.mc2, r1.mc2);
            if (!task.isMc2) {
                double mean = 0;
                for (double v : acc)
                    mean += v;
                mean /= double(acc.size());
                QCOMPARE(r1.acc, mean);
            }
        }
    }

    void contextContinuationSplitOnARealTokenizer() {
        // The llama fixture's sentencepiece-style BPE (Metaspace): the continuation's tokens are
        // whole[len(context tokens):], and the context's trailing space moves to the continuation.
        const auto tk = tok::Tokenizer::fromPath(slimtest::dataDir() / "fixtures/llama-fp32");
        McOptions o = mcOptions();
        const auto r = encodePair(tk, "Question: Where is Paris?\nAnswer: ", "France", o);
        const auto whole = tk.encode("Question: Where is Paris?\nAnswer: France", false);
        const auto ctx = tk.encode("Question: Where is Paris?\nAnswer:", false);
        QCOMPARE(r.context, std::vector<int64_t>(ctx.begin(), ctx.end()));
        QCOMPARE(r.continuation, std::vector<int64_t>(whole.begin() + long(ctx.size()), whole.end()));
        std::vector<int64_t> joined = r.context;
        joined.insert(joined.end(), r.continuation.begin(), r.continuation.end());
        QCOMPARE(joined, std::vector<int64_t>(whole.begin(), whole.end()));
        o.bos = true;
        o.bosId = 1;
        QCOMPARE(encodePair(tk, "Answer:", " yes", o).context.front(), int64_t(1));
        // An empty context is replaced by the prefix token.
        o.bos = false;
        QCOMPARE(encodePair(tk, "", "hello", o).context, std::vector<int64_t>{1});
    }

    void cancelled() {
        const auto m = bigramModel(at::zeros({kV, kV}));
        const auto tk = byteTokenizer();
        JobContext ctx;
        ctx.requestCancel();
        QVERIFY_THROWS_EXCEPTION(CancelledError,
                                 evaluateMultipleChoice(*m, *tk, loadMcTask("piqa", taskFile("piqa")), mcOptions(), ctx));
    }
};

QTEST_GUILESS_MAIN(TestMultipleChoice)
#include "tst_multiple_choice.moc"
