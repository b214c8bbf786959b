// The three perplexity conventions and KL divergence (core/eval) against their definitions:
//  - WikiText articles and lm-eval's detokenizer byte-for-byte against the Python reference
//    (tests/reference/make_wikitext_reference.py, Python's own `re`);
//  - lm-eval rolling loglikelihood, llama.cpp chunks and GPTQ windows against a per-target
//    computation (one forward of exactly the context the convention prescribes per scored token);
//  - results independent of the batch size; standard errors; KL of a model against itself and
//    against a perturbed copy computed naively in float64;
//  - transformers' numbers for the committed fixtures (tests/reference/make_eval_reference.py,
//    run on the GPU machine) within 0.1 %.
#include "support/test_util.h"

#include "core/analysis/file_hash.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/eval/kl_divergence.h"
#include "core/eval/multiple_choice.h"
#include "core/eval/perplexity.h"
#include "core/eval/prefix_token.h"
#include "core/eval/wikitext.h"
#include "core/io/atomic_file.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <cmath>
#include <memory>

using namespace slim;
using namespace slim::eval;

namespace {

std::filesystem::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }
std::filesystem::path wikiTest() { return slimtest::wikiTestRaw(); }

bool relClose(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)); }

/// −log p(target | context) with one forward of exactly `context`, in float64.
double nllOf(const model::LlamaModel& m, const std::vector<int64_t>& context, int64_t target) {
    at::InferenceMode guard;
    const at::Tensor ids = at::tensor(context, at::kLong).unsqueeze(0);
    const at::Tensor logits = m.forward(ids).select(1, int64_t(context.size()) - 1).squeeze(0).to(at::kDouble);
    return -at::log_softmax(logits, -1)[target].item<double>();
}

std::vector<int64_t> slice(const std::vector<int32_t>& x, int64_t from, int64_t to) {
    return std::vector<int64_t>(x.begin() + from, x.begin() + to);
}

} // namespace

class TestEvalConventions : public QObject {
    Q_OBJECT

    std::unique_ptr<model::LlamaModel> m_model;
    std::unique_ptr<tok::Tokenizer> m_tok;
    std::vector<int32_t> m_stream;   // wiki.test.raw tokenized by the fixture's tokenizer

private slots:
    void initTestCase() {
        m_model = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        m_tok = std::make_unique<tok::Tokenizer>(tok::Tokenizer::fromPath(fixture("llama-fp32")));
        const std::string text = io::readTextFile(wikiTest());
        m_stream = m_tok->encode(text.substr(0, 60000), false);
        QVERIFY(m_stream.size() > 5000);
    }

    void prefixTokenFollowsLmEval() {
        // lm-eval's HFLM.prefix_token_id: the tokenizer's BOS, else its EOS; config.json's
        // bos_token_id is never consulted (every fixture's config says 1).
        const auto llama = tok::Tokenizer::fromPath(fixture("llama-fp32"));
        const PrefixToken lp = prefixToken(llama);
        QCOMPARE(lp.id, int64_t(*llama.bosId()));
        QCOMPARE(lp.token, std::string("<s>"));
        QCOMPARE(lp.rule, std::string("tokenizer BOS"));
        QVERIFY(tokenizerAddsBos(llama));

        const auto golden = slimtest::dataDir() / "tokenizer/golden";
        auto folderWith = [](const std::filesystem::path& tokenizerJson, const char* config) {
            const auto dir = slimtest::makeTempDir("prefix-tok");
            std::filesystem::copy_file(tokenizerJson, dir / "tokenizer.json");
            if (config)
                slimtest::writeBytes(dir / "tokenizer_config.json", config);
            return tok::Tokenizer::fromPath(dir);
        };
        // Llama-3 style: <|begin_of_text|> is the BOS its template adds.
        const auto l3 = folderWith(golden / "llama3_bytelevel/tokenizer.json",
                                   R"({"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"})");
        QCOMPARE(prefixToken(l3).token, std::string("<|begin_of_text|>"));
        QCOMPARE(prefixToken(l3).rule, std::string("tokenizer BOS"));
        QVERIFY(tokenizerAddsBos(l3));
        // Qwen2-Instruct style: no BOS, EOS <|im_end|> (the config's bos_token_id differs).
        const auto qi = folderWith(golden / "qwen2_bytelevel/tokenizer.json", R"({"bos_token": null, "eos_token": "<|im_end|>"})");
        QVERIFY(!qi.bosId());
        QCOMPARE(prefixToken(qi).id, int64_t(*qi.tokenToId("<|im_end|>")));
        QCOMPARE(prefixToken(qi).rule, std::string("tokenizer EOS (the tokenizer has no BOS)"));
        QVERIFY(!tokenizerAddsBos(qi));
        // Qwen2 base: no tokenizer_config.json; <|endoftext|> is the end-of-text token.
        const auto qb = folderWith(golden / "qwen2_bytelevel/tokenizer.json", nullptr);
        QCOMPARE(prefixToken(qb).token, std::string("<|endoftext|>"));
        // Neither: an error naming the file, never a guessed id.
        const auto none = folderWith(golden / "qwen2_bytelevel/tokenizer.json", R"({"bos_token": null, "eos_token": null})");
        bool threw = false;
        try {
            (void)prefixToken(none);
        } catch (const ConfigError& e) {
            threw = std::string(e.what()).find("tokenizer.json") != std::string::npos &&
                    std::string(e.what()).find("neither a BOS nor an EOS") != std::string::npos;
        }
        QVERIFY(threw);
        // The scorers refuse to run without a prefix token rather than assume id 1.
        WordPerplexityOptions o;
        QVERIFY_THROWS_EXCEPTION(ConfigError, wordPerplexity(*m_model, *m_tok, {"x y"}, o, JobContext::none()));
    }

    void wikitextArticlesMatchPython() {
        const auto ref = nlohmann::json::parse(slimtest::readBytes(slimtest::dataDir() / "eval/wikitext2_test_documents.json"));
        const auto docs = splitWikitextDocuments(io::readTextFile(wikiTest()));
        const auto& rd = ref.at("documents");
        QCOMPARE(docs.size(), rd.size());
        QCOMPARE(docs.size(), size_t(62));   // lm-eval's wikitext test split has 62 documents
        int64_t words = 0, bytes = 0;
        for (size_t i = 0; i < docs.size(); ++i) {
            const auto& r = rd[i];
            QVERIFY2(analysis::sha256Hex(docs[i]) == r.at("sha256").get<std::string>(), qPrintable(QString::number(i)));
            const std::string det = wikitextDetokenize(docs[i]);
            QVERIFY2(analysis::sha256Hex(det) == r.at("detokenized_sha256").get<std::string>(),
                     qPrintable(QString::fromStdString(r.at("title").get<std::string>())));
            QCOMPARE(countWords(docs[i]), r.at("words").get<int64_t>());
            QCOMPARE(int64_t(docs[i].size()), r.at("bytes").get<int64_t>());
            words += countWords(docs[i]);
            bytes += int64_t(docs[i].size());
        }
        QCOMPARE(words, ref.at("total_words").get<int64_t>());
        QCOMPARE(bytes, ref.at("total_bytes").get<int64_t>());
    }

    void detokenizerAndWordRules() {
        QCOMPARE(wikitextDetokenize("a 1 @,@ 000 @-@ year @.@ old"), std::string("a 1,000-year.old"));
        QCOMPARE(wikitextDetokenize("x ( a b ) y [ c ] { d }"), std::string("x (a b) y [c] {d}"));
        QCOMPARE(wikitextDetokenize("he said \" hi there \" , ok"), std::string("he said \"hi there\", ok"));
        QCOMPARE(wikitextDetokenize(" = = Plot = = \n"), std::string(" == Plot ==\n"));
        QCOMPARE(wikitextDetokenize("Teddy 's the players ' game"), std::string("Teddy's the players' game"));
        QCOMPARE(wikitextDetokenize("open ( never closed"), std::string("open ( never closed"));
        QCOMPARE(wikitextDetokenize("30 \xC2\xB0 C and N of N people"), std::string("30\xC2\xB0" "C and 1 of 1 people"));
        QCOMPARE(countWords(" a b "), int64_t(4));   // re.split gives ['', 'a', 'b', '']
        QCOMPARE(countWords("a\xC2\xA0\tb"), int64_t(2));
        QCOMPARE(countWords(""), int64_t(1));
        const auto docs = splitWikitextDocuments(" \n = A = \n x \n = = Sub = = \n y \n = B = \n z");
        QCOMPARE(docs.size(), size_t(2));
        QCOMPARE(docs[0], std::string(" = A = \n x \n = = Sub = = \n y "));
        QCOMPARE(docs[1], std::string(" = B = \n z"));
        // Universal newlines, as Python's text mode.
        QCOMPARE(splitWikitextDocuments(" = A = \r\n x\r y")[0], std::string(" = A = \n x\n y"));
    }

    void rollingMatchesDefinition() {
        const int64_t L = 48, prefix = 1;
        const std::vector<std::vector<int32_t>> docs = {
            std::vector<int32_t>(m_stream.begin(), m_stream.begin() + 131),   // 1 full + 2 later windows
            std::vector<int32_t>(m_stream.begin() + 500, m_stream.begin() + 530)};   // shorter than L
        RollingOptions o;
        o.maxLength = L;
        o.prefixToken = prefix;
        int64_t windows = 0;
        const auto got = rollingLoglikelihood(*m_model, docs, o, JobContext::none(), &windows);
        QCOMPARE(windows, int64_t(3 + 1));
        for (size_t d = 0; d < docs.size(); ++d) {
            const auto& x = docs[d];
            const int64_t N = int64_t(x.size());
            double ll = 0;
            // The harness's windows, restated per target token i: in the first window (i < L) the
            // context is [prefix] + x[0..i-1]; later windows end at `end` and read x[end-L-1 .. i-1].
            for (int64_t i = 0; i < std::min(L, N); ++i) {
                std::vector<int64_t> ctx{prefix};
                const auto before = slice(x, 0, i);
                ctx.insert(ctx.end(), before.begin(), before.end());
                ll -= nllOf(*m_model, ctx, x[size_t(i)]);
            }
            for (int64_t predicted = std::min(L, N); predicted < N;) {
                const int64_t len = std::min(N - predicted, L), end = predicted + len;
                for (int64_t i = end - len; i < end; ++i)
                    ll -= nllOf(*m_model, slice(x, end - L - 1, i), x[size_t(i)]);
                predicted = end;
            }
            QVERIFY2(relClose(got[d].first, ll, 1e-5), qPrintable(QString("%1 vs %2").arg(got[d].first).arg(ll)));
            QCOMPARE(got[d].second, N);
        }
        // Batch size does not change it.
        for (int64_t bs : {1, 2, 3}) {
            o.batchSize = bs;
            const auto again = rollingLoglikelihood(*m_model, docs, o, JobContext::none());
            for (size_t d = 0; d < docs.size(); ++d)
                QVERIFY(relClose(again[d].first, got[d].first, 1e-6));
        }
    }

    void wordPerplexityFormulas() {
        const std::vector<std::string> pages = {" = T = \n one two , three @-@ four \n", " = U = \n five six . \n"};
        WordPerplexityOptions o;
        o.rolling.maxLength = 32;
        o.rolling.prefixToken = 1;
        const auto r = wordPerplexity(*m_model, *m_tok, pages, o, JobContext::none());
        QCOMPARE(r.words, countWords(pages[0]) + countWords(pages[1]));
        QCOMPARE(r.bytes, int64_t(pages[0].size() + pages[1].size()));
        QVERIFY(relClose(r.wordPerplexity, std::exp(-r.loglikelihood / double(r.words)), 1e-12));
        QVERIFY(relClose(r.bytePerplexity, std::exp(-r.loglikelihood / double(r.bytes)), 1e-12));
        QVERIFY(relClose(r.bitsPerByte, -r.loglikelihood / double(r.bytes) / std::log(2.0), 1e-12));
        // The pages are scored detokenized: the loglikelihood is that of the detokenized text.
        const auto ids = m_tok->encode(wikitextDetokenize(pages[1]), false);
        std::vector<int64_t> withPrefix{1};
        withPrefix.insert(withPrefix.end(), ids.begin(), ids.end());
        QVERIFY(relClose(r.documents[1].loglikelihood, -sequenceNll(*m_model, withPrefix), 1e-5));
    }

    void llamaCppMatchesDefinition() {
        const int64_t n = 40, bos = 1;
        const std::vector<int32_t> stream(m_stream.begin(), m_stream.begin() + 200);
        LlamaCppPerplexityOptions o;
        o.context = n;
        o.bosId = bos;
        const auto r = llamaCppPerplexity(*m_model, stream, o, JobContext::none());
        // tokens = [BOS] + stream: 201 tokens → 5 chunks of 40; each chunk's first token becomes
        // BOS; positions 20..38 predict tokens 21..39: 19 per chunk.
        QCOMPARE(r.windows, int64_t(5));
        QCOMPARE(r.tokens, int64_t(5 * 19));
        std::vector<int64_t> all{bos};
        all.insert(all.end(), stream.begin(), stream.end());
        double nll = 0;
        for (int64_t c = 0; c < 5; ++c) {
            std::vector<int64_t> chunk(all.begin() + c * n, all.begin() + (c + 1) * n);
            chunk[0] = bos;
            for (int64_t j = n / 2; j <= n - 2; ++j)
                nll += nllOf(*m_model, std::vector<int64_t>(chunk.begin(), chunk.begin() + j + 1), chunk[size_t(j + 1)]);
        }
        QVERIFY2(relClose(r.nllSum, nll, 1e-5), qPrintable(QString("%1 vs %2").arg(r.nllSum).arg(nll)));
        QVERIFY(relClose(r.ppl, std::exp(nll / 95.0), 1e-5));
        o.batchSize = 2;
        QVERIFY(relClose(llamaCppPerplexity(*m_model, stream, o, JobContext::none()).nllSum, r.nllSum, 1e-6));
        o.maxChunks = 2;
        QCOMPARE(llamaCppPerplexity(*m_model, stream, o, JobContext::none()).windows, int64_t(2));
        o.context = 300;
        QVERIFY_THROWS_EXCEPTION(ConfigError, llamaCppPerplexity(*m_model, stream, o, JobContext::none()));
    }

    void tokenPerplexityStderrAndBatches() {
        const std::vector<int32_t> stream(m_stream.begin(), m_stream.begin() + 130);
        TokenPerplexityOptions o;
        o.context = 32;   // 4 windows, 31 predictions each
        const auto r = tokenPerplexity(*m_model, stream, o, JobContext::none());
        QCOMPARE(r.tokens, int64_t(4 * 31));
        std::vector<double> nlls;
        for (int64_t w = 0; w < 4; ++w)
            for (int64_t t = 1; t < 32; ++t)
                nlls.push_back(nllOf(*m_model, slice(stream, w * 32, w * 32 + t), stream[size_t(w * 32 + t)]));
        double mean = 0;
        for (double v : nlls)
            mean += v;
        mean /= double(nlls.size());
        double var = 0;
        for (double v : nlls)
            var += (v - mean) * (v - mean);
        var /= double(nlls.size() - 1);
        QVERIFY(relClose(r.nllSum / double(r.tokens), mean, 1e-5));
        QVERIFY(relClose(r.nllStderr, std::sqrt(var / double(nlls.size())), 1e-4));
        QVERIFY(relClose(r.pplStderr, r.ppl * r.nllStderr, 1e-12));
        for (int64_t bs : {1, 3}) {
            o.batchSize = bs;
            QVERIFY(relClose(tokenPerplexity(*m_model, stream, o, JobContext::none()).nllSum, r.nllSum, 1e-6));
        }
    }

    void klAgainstItselfIsZero() {
        KlOptions o;
        o.context = 64;
        o.maxTokens = 640;
        const auto k = klDivergence(*m_model, *m_model, m_stream, o, JobContext::none());
        QCOMPARE(k.tokens, int64_t(10 * 63));
        QCOMPARE(k.meanKl, 0.0);
        QCOMPARE(k.maxKl, 0.0);
        QCOMPARE(k.top1Agreement, 1.0);
        QCOMPARE(k.meanDeltaP, 0.0);
        QCOMPARE(k.basePpl, k.variantPpl);
    }

    void klAgainstAPerturbedCopy() {
        // The variant: the fixture with noise on every projection of layer 1.
        auto cfg = model::ModelConfig::load(fixture("llama-fp32") / "config.json");
        at::manual_seed(5);
        auto variant = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        std::vector<std::pair<std::string, at::Tensor>> named = variant->namedTensors();
        std::map<std::string, at::Tensor> perturbed;
        for (auto& [name, t] : named)
            perturbed[name] = name.find("layers.1.") != std::string::npos && t.dim() == 2 ? t + 0.05 * at::randn_like(t) : t;
        variant = model::LlamaModel::fromTensors(cfg, [&](const std::string& n) { return perturbed.at(n); }, model::LoadOptions{});

        KlOptions o;
        o.context = 48;
        o.maxTokens = 48 * 6;
        o.batchSize = 4;   // 6 windows: a full and a partial batch
        const auto k = klDivergence(*m_model, *variant, m_stream, o, JobContext::none());
        // Naive float64 over the same windows.
        at::InferenceMode guard;
        double kl = 0, agree = 0, dp = 0, n = 0;
        for (int64_t w = 0; w < 6; ++w) {
            const at::Tensor ids = at::tensor(slice(m_stream, w * 48, w * 48 + 47), at::kLong).unsqueeze(0);
            const at::Tensor lb = at::log_softmax(m_model->forward(ids).squeeze(0).to(at::kDouble), -1);
            const at::Tensor lv = at::log_softmax(variant->forward(ids).squeeze(0).to(at::kDouble), -1);
            for (int64_t t = 0; t < 47; ++t) {
                kl += (lb[t].exp() * (lb[t] - lv[t])).sum().item<double>();
                agree += lb[t].argmax().item<int64_t>() == lv[t].argmax().item<int64_t>() ? 1 : 0;
                const int64_t target = m_stream[size_t(w * 48 + t + 1)];
                dp += std::exp(lv[t][target].item<double>()) - std::exp(lb[t][target].item<double>());
                n += 1;
            }
        }
        QCOMPARE(k.tokens, int64_t(n));
        QVERIFY2(relClose(k.meanKl, kl / n, 1e-3), qPrintable(QString("%1 vs %2").arg(k.meanKl).arg(kl / n)));
        QVERIFY(k.meanKl > 1e-4);
        QVERIFY(std::abs(k.top1Agreement - agree / n) <= 2.0 / n);   // float32 ties may flip one position
        QVERIFY(k.top1Agreement < 1.0);
        QVERIFY(std::abs(k.meanDeltaP - dp / n) < 1e-6);
        QVERIFY(k.medianKl <= k.p99Kl && k.p99Kl <= k.maxKl);
        QVERIFY(k.klStderr > 0);
        o.batchSize = 1;
        QVERIFY(relClose(klDivergence(*m_model, *variant, m_stream, o, JobContext::none()).meanKl, k.meanKl, 1e-5));
    }

    void errorsAndCancel() {
        KlOptions o;
        o.context = 64;
        const std::vector<int32_t> few(m_stream.begin(), m_stream.begin() + 10);
        QVERIFY_THROWS_EXCEPTION(ConfigError, klDivergence(*m_model, *m_model, few, o, JobContext::none()));
        auto other = model::ModelConfig::load(fixture("mistral-bf16") / "config.json");
        auto mistral = model::LlamaModel::load(fixture("mistral-bf16"), model::LoadOptions{});
        if (mistral->config().vocabSize != m_model->config().vocabSize)
            QVERIFY_THROWS_EXCEPTION(ConfigError, klDivergence(*m_model, *mistral, m_stream, o, JobContext::none()));
        JobContext ctx;
        ctx.requestCancel();
        TokenPerplexityOptions t;
        t.context = 32;
        QVERIFY_THROWS_EXCEPTION(CancelledError, tokenPerplexity(*m_model, m_stream, t, ctx));
        QVERIFY_THROWS_EXCEPTION(CancelledError, klDivergence(*m_model, *m_model, m_stream, o, ctx));
        RollingOptions r;
        r.maxLength = 32;
        r.prefixToken = prefixToken(*m_tok).id;
        QVERIFY_THROWS_EXCEPTION(CancelledError, rollingLoglikelihood(*m_model, {m_stream}, r, ctx));
    }

    void transformersReference() {
        // Written by tests/reference/make_eval_reference.py with transformers (fp32) on the GPU machine.
        const auto path = slimtest::dataDir() / "eval/transformers_reference.json";
        const auto ref = nlohmann::json::parse(slimtest::readBytes(path));
        const std::string text = io::readTextFile(wikiTest());
        int checked = 0;
        for (const auto& c : ref.at("cases")) {
            const auto dir = fixture(c.at("fixture").get<std::string>());
            const auto m = model::LlamaModel::load(dir, model::LoadOptions{at::kCPU, at::kFloat});
            const auto tk = tok::Tokenizer::fromPath(dir);
            const std::string conv = c.at("convention").get<std::string>();
            const double expected = c.value("value", 0.0);
            double got = 0;
            if (conv == "lm-eval-mc") {
                // Multiple choice: every choice's loglikelihood and every prediction.
                const auto task = loadMcTask(c.at("task").get<std::string>(),
                                             slimtest::dataDir() / "tasks" / (c.at("task").get<std::string>() + ".jsonl"));
                McOptions mo;
                mo.bosId = prefixToken(tk).id;
                const auto r = evaluateMultipleChoice(*m, tk, task, mo, JobContext::none());
                const auto& docs = c.at("documents");
                QCOMPARE(size_t(r.n), docs.size());
                for (size_t d = 0; d < docs.size(); ++d) {
                    const auto ll = docs[d].at("loglikelihoods").get<std::vector<double>>();
                    QCOMPARE(r.docs[d].loglikelihoods.size(), ll.size());
                    for (size_t k = 0; k < ll.size(); ++k)
                        QVERIFY2(std::abs(r.docs[d].loglikelihoods[k] - ll[k]) <= 1e-3 * std::abs(ll[k]),
                                 qPrintable(QString("%1 doc %2 choice %3: %4 vs %5").arg(QString::fromStdString(task.name))
                                                .arg(d).arg(k).arg(r.docs[d].loglikelihoods[k]).arg(ll[k])));
                    QCOMPARE(r.docs[d].prediction, int(std::max_element(ll.begin(), ll.end()) - ll.begin()));
                    QCOMPARE(task.docs[d].gold == docs[d].at("gold").get<int>() || task.isMc2, true);
                }
                ++checked;
                continue;
            }
            if (conv == "token-gptq") {
                TokenPerplexityOptions o;
                o.context = c.at("context").get<int64_t>();
                o.maxTokens = c.at("max_tokens").get<int64_t>();
                got = tokenPerplexity(*m, tk.encode(text, false), o, JobContext::none()).ppl;
            } else if (conv == "llama.cpp") {
                LlamaCppPerplexityOptions o;
                o.context = c.at("context").get<int64_t>();
                o.maxChunks = c.at("chunks").get<int64_t>();
                o.addBos = tokenizerAddsBos(tk);
                o.bosId = prefixToken(tk).id;
                got = llamaCppPerplexity(*m, tk.encode(text, false), o, JobContext::none()).ppl;
            } else if (conv == "lm-eval") {
                auto docs = splitWikitextDocuments(text);
                docs.resize(size_t(c.at("documents").get<int64_t>()));
                WordPerplexityOptions o;
                o.rolling.maxLength = c.at("max_length").get<int64_t>();
                o.rolling.prefixToken = prefixToken(tk).id;
                const auto w = wordPerplexity(*m, tk, docs, o, JobContext::none());
                const std::string metric = c.at("metric").get<std::string>();
                got = metric == "word_perplexity" ? w.wordPerplexity : metric == "byte_perplexity" ? w.bytePerplexity : w.bitsPerByte;
            } else {
                QFAIL(qPrintable(QString::fromStdString("unknown convention " + conv)));
            }
            QVERIFY2(relClose(got, expected, 1e-3),
                     qPrintable(QString::fromStdString(c.dump()) + QString(" got %1").arg(got, 0, 'g', 10)));
            ++checked;
        }
        QVERIFY(checked >= 15 + 8);
    }
};

QTEST_GUILESS_MAIN(TestEvalConventions)
#include "tst_eval_conventions.moc"
