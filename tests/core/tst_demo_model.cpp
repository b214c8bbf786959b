// The offline demo model: corpus readers (compress(1) LZW, the Bible Retrieval System file,
// fortunes), the byte-fallback BPE trainer and its tokenizer.json (cross-checked with
// slim::tok::Tokenizer), the LM training loop, and trainDemoModel's folder handling.
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/demo_model.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/bpe_trainer.h"
#include "core/train/lm_trainer.h"
#include "core/train/text_corpus.h"
#include "support/test_util.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtCore/QProcess>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

namespace fs = std::filesystem;
using namespace slim;
using nlohmann::json;

namespace {

constexpr double kLossDropNats = 0.5;   // a tiny model on a tiny grammar drops far more than this

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s)
        h = (h ^ c) * 0x100000001b3ull;
    return h;
}

/// A small, learnable English-like corpus from a fixed grammar (deterministic), with a few
/// digits, punctuation and non-ASCII words so that every tokenizer path is exercised.
std::vector<std::string> grammarCorpus(int n, uint32_t seed) {
    const std::vector<std::string> subj = {"the king", "a shepherd", "the people", "my brother", "the old man",
                                           "a woman of Judah", "the priests", "his servant", "the café owner"};
    const std::vector<std::string> verb = {"went unto", "spake to", "saw", "blessed", "called", "followed",
                                           "gave bread to", "sent word to"};
    const std::vector<std::string> obj = {"the city", "the river", "his house", "the mountain", "the sea",
                                          "the naïve child", "Jerusalem", "the field of Boaz"};
    const std::vector<std::string> tail = {".", ", and it was good.", "; and they rejoiced.", " in the morning.",
                                           " in the 12th year.", "!", "?"};
    std::mt19937 rng(seed);
    auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
    std::vector<std::string> docs;
    for (int i = 0; i < n; ++i) {
        std::string s = pick(subj) + " " + pick(verb) + " " + pick(obj) + pick(tail);
        s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
        if (rng() % 3 == 0)
            s += " And " + pick(subj) + " " + pick(verb) + " " + pick(obj) + ".";
        docs.push_back(s);
    }
    return docs;
}

train::BpeModel trainSmallBpe(const std::vector<std::string>& docs, int32_t vocab,
                              train::BpeTrainer* keep = nullptr) {
    train::BpeTrainerOptions o;
    o.vocabSize = vocab;
    train::BpeTrainer local(o);
    train::BpeTrainer& t = keep ? *keep : local;
    for (const auto& d : docs)
        t.addDocument(d);
    return t.train(JobContext::none());
}

tok::Tokenizer libraryTokenizer(const train::BpeModel& m) {
    return tok::Tokenizer::fromJsonText(m.toTokenizerJson().dump(), "trained tokenizer.json");
}

fs::path writeCorpusFile(const fs::path& dir, int n) {
    std::string text;
    for (const auto& d : grammarCorpus(n, 11))
        text += d + "\n";
    const fs::path p = dir / "corpus.txt";
    slimtest::writeBytes(p, text);
    return p;
}

model::DemoTrainOptions tinyDemoOptions(const fs::path& out, const fs::path& corpus) {
    model::DemoTrainOptions o;
    o.outDir = out;
    o.corpusPath = corpus;
    o.vocabSize = 320;
    o.hiddenSize = 32;
    o.numLayers = 2;
    o.numHeads = 4;
    o.numKvHeads = 2;
    o.intermediateSize = 64;
    o.context = 32;
    o.steps = 12;
    o.batchSize = 4;
    o.warmupSteps = 2;
    o.learningRate = 1e-2;
    o.evalMaxTokens = 1024;
    return o;
}

bool hasTempSibling(const fs::path& out) {
    const std::string prefix = "." + out.filename().string() + ".tmp-";
    for (const auto& e : fs::directory_iterator(out.parent_path()))
        if (e.path().filename().string().rfind(prefix, 0) == 0)
            return true;
    return false;
}

class EnvGuard {
public:
    explicit EnvGuard(std::vector<const char*> names) {
        for (const char* n : names) {
            const char* v = std::getenv(n);
            m_saved.emplace_back(n, v ? std::optional<std::string>(v) : std::nullopt);
        }
    }
    ~EnvGuard() {
        for (const auto& [n, v] : m_saved) {
            if (v)
                ::setenv(n, v->c_str(), 1);
            else
                ::unsetenv(n);
        }
    }

private:
    std::vector<std::pair<const char*, std::optional<std::string>>> m_saved;
};

} // namespace

class TestDemoModel : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::set_num_threads(2); }

    // ---- corpus readers ----
    void lzwMatchesCompress_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("expectedSize");
        QTest::addColumn<quint64>("expectedHash");
        // compress -b 12 of lzw_sample.txt: widths 9 and 10, KwKwK ("aaaa...").
        QTest::newRow("b12") << "lzw_sample.Z" << 2546 << quint64(fnv1a(slimtest::readBytes(slimtest::dataDir() / "demo_model/lzw_sample.txt")));
        // compress -b 10 of 4000 random a/b then 26000 random alnum: the table fills, the ratio
        // drops and compress emits a CLEAR code (made with ncompress 4.2.4; gzip -d agrees).
        QTest::newRow("b10-clear") << "lzw_clear.Z" << 30001 << quint64(0x3380d8b27eba165ull);
    }
    void lzwMatchesCompress() {
        QFETCH(QString, file);
        QFETCH(int, expectedSize);
        QFETCH(quint64, expectedHash);
        const std::string z = slimtest::readBytes(slimtest::dataDir() / "demo_model" / file.toStdString());
        QVERIFY(z.size() > 3);
        QCOMPARE(static_cast<unsigned char>(z[0]), 0x1F);
        QCOMPARE(static_cast<unsigned char>(z[1]), 0x9D);
        const auto* p = reinterpret_cast<const unsigned char*>(z.data());
        const std::string out = train::lzwDecompress(p + 3, z.size() - 3, p[2] & 0x1F, (p[2] & 0x80) != 0, "fixture");
        QCOMPARE(static_cast<int>(out.size()), expectedSize);
        QCOMPARE(quint64(fnv1a(out)), expectedHash);
    }
    void lzwRejectsBadCodes() {
        // 9-bit codes LSB first: 'A' (65) then 300, far beyond the next free entry 257.
        const unsigned char bad[] = {0x41, 0x58, 0x02, 0, 0, 0, 0, 0, 0};
        QVERIFY_THROWS_EXCEPTION(FormatError, train::lzwDecompress(bad, sizeof bad, 12, true, "bad"));
        // A first code that is not a literal.
        const unsigned char bad2[] = {0x2C, 0x01};
        QVERIFY_THROWS_EXCEPTION(FormatError, train::lzwDecompress(bad2, sizeof bad2, 12, true, "bad"));
        QVERIFY_THROWS_EXCEPTION(FormatError, train::lzwDecompress(bad, sizeof bad, 17, true, "bad"));
        QVERIFY(train::lzwDecompress(bad, 0, 12, true, "empty").empty());
    }
    void bibleDataFromDebian() {
        const fs::path f = "/usr/lib/bible.data";
        if (!fs::exists(f))
            QSKIP("bible-kjv-text is not installed (/usr/lib/bible.data)");
        const train::TextCorpus c = train::readBibleData(f);
        QCOMPARE(c.name, std::string("kjv-bible"));
        QCOMPARE(c.documents.size(), size_t(31102));   // verses of the KJV
        QCOMPARE(c.documents.front(), std::string("In the beginning God created the heaven and the earth."));
        QCOMPARE(c.documents.back(), std::string("The grace of our Lord Jesus Christ be with you all. Amen."));
        for (const auto& d : c.documents)
            QVERIFY2(d.find('\n') == std::string::npos && d.front() != ' ', d.c_str());
    }
    void bibleDataRejectsDamage() {
        const fs::path dir = slimtest::makeTempDir("demo-bible");
        slimtest::writeBytes(dir / "notbible", std::string("hello, world"));
        QVERIFY_THROWS_EXCEPTION(FormatError, train::readBibleData(dir / "notbible"));
        std::string header(92, '\0');
        header.replace(0, 4, "EC02");
        header[84 + 1] = 1;        // window size 65536
        header[88 + 3] = 100;      // 100 windows: the offset table does not fit
        slimtest::writeBytes(dir / "short", header);
        QVERIFY_THROWS_EXCEPTION(FormatError, train::readBibleData(dir / "short"));
        if (fs::exists("/usr/lib/bible.data")) {
            std::string real = slimtest::readBytes("/usr/lib/bible.data");
            real.resize(real.size() / 2);   // offsets now point past the end
            slimtest::writeBytes(dir / "truncated", real);
            QVERIFY_THROWS_EXCEPTION(FormatError, train::readBibleData(dir / "truncated"));
        }
        QVERIFY_THROWS_EXCEPTION(IoError, train::readBibleData(dir / "missing"));
    }
    void fortuneFile() {
        const fs::path dir = slimtest::makeTempDir("demo-fortune");
        slimtest::writeBytes(dir / "cookies", "A fool and his money\n  are soon parted.\n%\nSecond one.\n%\n%\nThird\n");
        const train::TextCorpus c = train::readFortuneFile(dir / "cookies");
        QCOMPARE(c.documents.size(), size_t(3));
        QCOMPARE(c.documents[0], std::string("A fool and his money are soon parted."));
        QCOMPARE(c.documents[2], std::string("Third"));
    }
    void splitTail() {
        train::TextCorpus c;
        c.name = "x";
        for (int i = 0; i < 100; ++i)
            c.documents.push_back(std::to_string(i));
        const auto s = train::splitTail(c, 0.05);
        QCOMPARE(s.train.size(), size_t(95));
        QCOMPARE(s.heldout.size(), size_t(5));
        QCOMPARE(s.heldout.front(), std::string("95"));
        c.documents.resize(1);
        QVERIFY_THROWS_EXCEPTION(ConfigError, train::splitTail(c, 0.05));
    }
    void corpusNotFound() {
        QVERIFY_THROWS_EXCEPTION(IoError, train::loadDemoCorpus("/nonexistent/corpus.txt"));
        const auto paths = train::demoCorpusSearchPaths();
        QVERIFY(!paths.empty());
        QCOMPARE(paths.front(), fs::path("/usr/lib/bible.data"));
    }

    // ---- BPE trainer ----
    void bpeVocabularyLayout() {
        const auto docs = grammarCorpus(400, 1);
        train::BpeTrainer trainer(train::BpeTrainerOptions{400});
        const train::BpeModel m = trainSmallBpe(docs, 400, &trainer);
        QVERIFY(m.vocabSize() <= 400);
        QVERIFY(m.vocabSize() > train::BpeModel::kFirstCharId + 50);
        QCOMPARE(m.vocab()[0], std::string("<unk>"));
        QCOMPARE(m.vocab()[1], std::string("<s>"));
        QCOMPARE(m.vocab()[2], std::string("</s>"));
        QCOMPARE(m.vocab()[3], std::string("<0x00>"));
        QCOMPARE(m.vocab()[3 + 0x0A], std::string("<0x0A>"));
        QCOMPARE(m.vocab()[258], std::string("<0xFF>"));
        QVERIFY(m.tokenId(std::string(train::kMetaspace)) >= train::BpeModel::kFirstCharId);
        QVERIFY(m.tokenId("ï") >= train::BpeModel::kFirstCharId);   // a 2-byte character of the corpus
        for (const auto& [a, b] : m.merges()) {
            QVERIFY(a >= train::BpeModel::kFirstCharId && b >= train::BpeModel::kFirstCharId);
            // No merge spans a unit boundary: "▁" only at the start of a merged token.
            const std::string t = m.vocab()[a] + m.vocab()[b];
            QVERIFY2(t.find(train::kMetaspace, 1) == std::string::npos, t.c_str());
        }
        const json j = m.toTokenizerJson();
        QCOMPARE(j["model"]["type"], json("BPE"));
        QCOMPARE(j["model"]["byte_fallback"], json(true));
        QCOMPARE(j["pre_tokenizer"]["prepend_scheme"], json("first"));
        QCOMPARE(j["model"]["merges"].size(), m.merges().size());
    }
    void bpeTrainingIsDeterministic() {
        const auto docs = grammarCorpus(300, 2);
        QCOMPARE(trainSmallBpe(docs, 380).toTokenizerJson().dump(), trainSmallBpe(docs, 380).toTokenizerJson().dump());
    }
    void bpeRejectsTinyVocab() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, train::BpeTrainer(train::BpeTrainerOptions{100}));
    }
    void bpeTokenizerJsonEncodesLikeTrainer_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("seen") << "The king went unto the city.";
        QTest::newRow("unseen words") << "Zebras quickly jumped over lazy dogs";
        QTest::newRow("digits") << "In the 1611th year, 42 men and 7 women.";
        QTest::newRow("leading space") << " the king";
        QTest::newRow("spaces") << "the   king  went  ";
        QTest::newRow("newlines tabs") << "line one\nline\ttwo\r\n";
        QTest::newRow("unicode") << QString::fromUtf8("naïve café — “quoted” 日本語 🙂");
        QTest::newRow("metaspace char") << QString::fromUtf8("\u2581already \u2581 marked");
        QTest::newRow("punctuation") << "(hello), [world]; 'quoted' -- end!?";
        QTest::newRow("empty") << "";
    }
    void bpeTokenizerJsonEncodesLikeTrainer() {
        QFETCH(QString, text);
        static const train::BpeModel m = trainSmallBpe(grammarCorpus(500, 3), 420);
        static const tok::Tokenizer t = libraryTokenizer(m);
        const std::string s = text.toStdString();
        QCOMPARE(t.encode(s, true), m.encode(s, true));
        QCOMPARE(t.encode(s, false), m.encode(s, false));
        const auto ids = m.encode(s, false);
        QCOMPARE(t.decode(ids, true), m.decode(ids));
    }
    void bpeTrainingSegmentationEqualsEncoding() {
        const auto docs = grammarCorpus(500, 4);
        train::BpeTrainer trainer(train::BpeTrainerOptions{420});
        const train::BpeModel m = trainSmallBpe(docs, 420, &trainer);
        const tok::Tokenizer t = libraryTokenizer(m);
        // Every unit that starts a word: the library tokenizer reproduces its training segmentation.
        int checked = 0;
        for (const auto& [unit, seg] : trainer.segmentation()) {
            if (unit.rfind(train::kMetaspace, 0) != 0)
                continue;
            QCOMPARE(t.encode(unit.substr(train::kMetaspace.size()), false), seg);
            ++checked;
        }
        QVERIFY(checked > 20);
        // Whole documents: the concatenation of the unit segmentations.
        std::map<std::string, std::vector<int32_t>> segOf(trainer.segmentation().begin(), trainer.segmentation().end());
        for (size_t i = 0; i < docs.size(); i += 25) {
            std::vector<int32_t> expected;
            const std::string norm = train::BpeModel::metaspace(docs[i]);
            for (std::string_view u : train::BpeModel::splitUnits(norm)) {
                const auto& s = segOf.at(std::string(u));
                expected.insert(expected.end(), s.begin(), s.end());
            }
            QCOMPARE(t.encode(docs[i], false), expected);
        }
    }
    void bpeDecodeRoundTrip_data() {
        QTest::addColumn<QString>("text");
        QTest::newRow("plain") << "The people saw the sea.";
        QTest::newRow("unicode") << QString::fromUtf8("Æsop’s naïve 🙂 fable");
        QTest::newRow("inner spaces") << "a  b   c";
        QTest::newRow("newline") << "one\ntwo";
    }
    void bpeDecodeRoundTrip() {
        QFETCH(QString, text);
        static const train::BpeModel m = trainSmallBpe(grammarCorpus(300, 5), 380);
        static const tok::Tokenizer t = libraryTokenizer(m);
        const std::string s = text.toStdString();
        QCOMPARE(t.decode(t.encode(s, true), true), s);
    }

    // ---- training loop ----
    void trainingLowersLoss() {
        const auto docs = grammarCorpus(1500, 6);
        const train::BpeModel bpe = trainSmallBpe(docs, 360);
        std::vector<int32_t> trainIds, heldIds;
        for (size_t i = 0; i < docs.size(); ++i) {
            const auto ids = bpe.encode(docs[i], true);
            auto& dst = i < docs.size() * 9 / 10 ? trainIds : heldIds;
            dst.insert(dst.end(), ids.begin(), ids.end());
        }
        const json cj = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"},
                         {"vocab_size", bpe.vocabSize()}, {"hidden_size", 32}, {"intermediate_size", 64},
                         {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                         {"max_position_embeddings", 32}, {"rms_norm_eps", 1e-5}, {"rope_theta", 10000.0},
                         {"tie_word_embeddings", false}, {"torch_dtype", "float32"}};
        model::LoadOptions lo;
        lo.dtype = at::kFloat;
        auto m = model::LlamaModel::randomInit(model::ModelConfig::fromJson(cj), lo, 0.02, 3);
        train::initForTraining(*m, 0.02, 3);
        train::LmTrainOptions o;
        o.steps = 40;
        o.batchSize = 8;
        o.context = 32;
        o.learningRate = 1e-2;
        o.warmupSteps = 4;
        o.evalMaxTokens = 2048;
        int progressCalls = 0;
        const JobContext ctx([&](double p, const std::string&) { progressCalls += p >= 0; });
        const train::LmTrainResult r = train::trainLanguageModel(*m, trainIds, heldIds, o, ctx);
        QCOMPARE(r.steps, int64_t(40));
        QCOMPARE(r.losses.size(), size_t(40));
        const double first = (r.losses[0] + r.losses[1] + r.losses[2]) / 3;
        const double last = (r.losses[37] + r.losses[38] + r.losses[39]) / 3;
        QVERIFY2(last < first - kLossDropNats, qPrintable(QString("loss %1 -> %2").arg(first).arg(last)));
        QVERIFY(std::abs(r.losses[0] - std::log(double(bpe.vocabSize()))) < 0.5);   // near-uniform at init
        QVERIFY(r.heldoutPplAfter < 0.5 * r.heldoutPplBefore);
        QVERIFY(r.heldoutPplAfter < r.unigramHeldoutPpl);
        QVERIFY(r.trainPplAfter < r.trainPplBefore);
        QVERIFY(progressCalls >= 40);
        // The weights are plain tensors again, and inference gives finite logits.
        QVERIFY(!m->embedTokens().requires_grad());
        QVERIFY(!m->layer(0).inputNorm.requires_grad());
        QVERIFY(!m->embedTokens().grad().defined());
        const at::Tensor logits = m->forward(at::tensor({1, 5, 7}, at::kLong).view({1, 3}));
        QVERIFY(!logits.requires_grad());
        QVERIFY(at::isfinite(logits).all().item<bool>());
        // Same seed, same model, same stream -> the same losses (training is deterministic).
        auto m2 = model::LlamaModel::randomInit(model::ModelConfig::fromJson(cj), lo, 0.02, 3);
        train::initForTraining(*m2, 0.02, 3);
        o.steps = 3;
        o.evaluate = false;
        const auto r2 = train::trainLanguageModel(*m2, trainIds, heldIds, o, JobContext::none());
        QCOMPARE(r2.losses[0], r.losses[0]);
    }
    void trainingRejectsBadInput() {
        const json cj = {{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 300},
                         {"hidden_size", 16}, {"intermediate_size", 32}, {"num_hidden_layers", 1},
                         {"num_attention_heads", 2}, {"num_key_value_heads", 1}, {"max_position_embeddings", 16}};
        model::LoadOptions lo;
        lo.dtype = at::kFloat;
        auto m = model::LlamaModel::randomInit(model::ModelConfig::fromJson(cj), lo, 0.02, 1);
        train::LmTrainOptions o;
        o.context = 8;
        o.steps = 1;
        std::vector<int32_t> ok(100, 5), held(20, 5), outOfVocab(100, 300);
        QVERIFY_THROWS_EXCEPTION(ConfigError, train::trainLanguageModel(*m, outOfVocab, held, o, JobContext::none()));
        QVERIFY_THROWS_EXCEPTION(ConfigError, train::trainLanguageModel(*m, std::vector<int32_t>(5, 1), held, o, JobContext::none()));
        o.context = 64;   // > max_position_embeddings
        QVERIFY_THROWS_EXCEPTION(ConfigError, train::trainLanguageModel(*m, ok, held, o, JobContext::none()));
        // Cancel before the first step: CancelledError, weights left without requires_grad.
        o.context = 8;
        const JobContext ctx;
        ctx.requestCancel();
        o.evaluate = false;
        QVERIFY_THROWS_EXCEPTION(CancelledError, train::trainLanguageModel(*m, ok, held, o, ctx));
        QVERIFY(!m->embedTokens().requires_grad());
    }

    // ---- the demo folder ----
    void demoModelDirFollowsEnvironment() {
        EnvGuard g({"SLIMBENCH_DATA_DIR", "XDG_DATA_HOME", "HOME"});
        ::setenv("SLIMBENCH_DATA_DIR", "/data/sb", 1);
        ::setenv("XDG_DATA_HOME", "/xdg", 1);
        QCOMPARE(model::demoModelDir(), fs::path("/data/sb/demo-model"));
        ::unsetenv("SLIMBENCH_DATA_DIR");
        QCOMPARE(model::demoModelDir(), fs::path("/xdg/slimbench/demo-model"));
        ::setenv("XDG_DATA_HOME", "relative/ignored", 1);   // the XDG spec: relative paths are invalid
        ::setenv("HOME", "/home/u", 1);
        QCOMPARE(model::demoModelDir(), fs::path("/home/u/.local/share/slimbench/demo-model"));
        ::unsetenv("XDG_DATA_HOME");
        ::unsetenv("HOME");
        QVERIFY_THROWS_EXCEPTION(ConfigError, model::demoModelDir());
    }
    void trainDemoModelWritesAndReuses() {
        const fs::path dir = slimtest::makeTempDir("demo-train");
        const fs::path corpus = writeCorpusFile(dir, 1200);
        const fs::path out = dir / "models" / "demo-model";
        fs::create_directories(out.parent_path());
        fs::create_directory(out.parent_path() / ".demo-model.tmp-999999999-1");   // a killed run's leftover
        QVERIFY(!model::demoModelReady(out));
        const model::DemoTrainResult r = model::trainDemoModel(tinyDemoOptions(out, corpus), JobContext::none());
        QVERIFY(!r.reused);
        QCOMPARE(r.dir, out);
        QVERIFY(model::demoModelReady(out));
        for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                              "generation_config.json", "heldout.txt", model::kDemoMarkerFile})
            QVERIFY2(fs::is_regular_file(out / f), f);
        QVERIFY(!hasTempSibling(out));
        QVERIFY(r.heldoutPplAfter < r.heldoutPplBefore);
        QVERIFY(r.unigramHeldoutPpl > 1.0);
        QCOMPARE(r.steps, int64_t(12));
        QVERIFY(r.parameters > 0 && r.trainTokens > r.heldoutTokens);

        // The saved folder loads; its held-out perplexity, recomputed from heldout.txt with the
        // saved tokenizer, is the one recorded (same convention, same weights).
        auto m = model::LlamaModel::load(out, model::LoadOptions{});
        QCOMPARE(m->config().numKvHeads, int64_t(2));
        const tok::Tokenizer t = tok::Tokenizer::fromPath(out);
        QCOMPARE(t.bosId(), std::optional<int32_t>(1));   // from tokenizer_config.json
        QCOMPARE(t.eosId(), std::optional<int32_t>(2));
        std::vector<int32_t> held;
        std::istringstream lines(slimtest::readBytes(out / "heldout.txt"));
        for (std::string line; std::getline(lines, line);) {
            const auto ids = t.encode(line, true);
            held.insert(held.end(), ids.begin(), ids.end());
            held.push_back(*t.eosId());
        }
        QCOMPARE(static_cast<int64_t>(held.size()), r.heldoutTokens);
        const double ppl = train::streamPerplexity(*m, held, 32, 1024);
        QVERIFY2(std::abs(ppl - r.heldoutPplAfter) < 1e-3 * r.heldoutPplAfter,
                 qPrintable(QString("%1 vs %2").arg(ppl).arg(r.heldoutPplAfter)));

        // Second call: reused, nothing trained, same record.
        const auto t0 = std::chrono::steady_clock::now();
        const model::DemoTrainResult again = model::trainDemoModel(tinyDemoOptions(out, corpus), JobContext::none());
        QVERIFY(again.reused);
        QCOMPARE(again.heldoutPplAfter, r.heldoutPplAfter);
        QVERIFY(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
        // A damaged marker means "not finished": --force-free call retrains.
        slimtest::writeBytes(out / model::kDemoMarkerFile, "{broken");
        QVERIFY(!model::demoModelReady(out));
        const model::DemoTrainResult redo = model::trainDemoModel(tinyDemoOptions(out, corpus), JobContext::none());
        QVERIFY(!redo.reused);
        QVERIFY(model::demoModelReady(out));
        QVERIFY(!hasTempSibling(out));
    }
    void cancelLeavesNoFolder() {
        const fs::path dir = slimtest::makeTempDir("demo-cancel");
        const fs::path corpus = writeCorpusFile(dir, 1200);
        const fs::path out = dir / "demo-model";
        auto opts = tinyDemoOptions(out, corpus);
        opts.steps = 200;
        std::shared_ptr<JobContext> self;
        bool sawTraining = false;
        JobContext ctx([&](double p, const std::string&) {
            if (p > 0.3 && self) {
                sawTraining = true;
                self->requestCancel();
            }
        });
        self = std::make_shared<JobContext>(ctx);
        QVERIFY_THROWS_EXCEPTION(CancelledError, model::trainDemoModel(opts, ctx));
        QVERIFY(sawTraining);
        QVERIFY(!fs::exists(out));
        QVERIFY(!hasTempSibling(out));
    }
    void cliTrainDemo() {
        const fs::path cli = slimtest::cliPath();
        if (!fs::exists(cli))
            QSKIP("slimbench-cli not built");
        const fs::path dir = slimtest::makeTempDir("demo-cli");
        const fs::path corpus = writeCorpusFile(dir, 800);
        const fs::path out = dir / "demo";
        // Returns (exit code, last JSON line of stdout or null).
        auto run = [&](const QStringList& args) {
            QProcess p;
            p.start(QString::fromStdString(cli.string()), args);
            if (!p.waitForFinished(600000))
                return std::make_pair(-1, json());
            json last;
            for (const QByteArray& line : p.readAllStandardOutput().split('\n'))
                if (!line.trimmed().isEmpty())
                    last = json::parse(line.toStdString());
            if (p.exitCode() != 0)
                qInfo("stderr: %s", p.readAllStandardError().constData());
            return std::make_pair(p.exitCode(), last);
        };
        const QStringList base = {"train-demo", "--out", QString::fromStdString(out.string()), "--corpus",
                                  QString::fromStdString(corpus.string()), "--steps", "2", "--batch", "2",
                                  "--context", "16", "--vocab", "300", "--json"};
        const auto [code, r] = run(base);
        QCOMPARE(code, 0);
        QCOMPARE(r.value("event", ""), std::string("result"));
        QCOMPARE(r.value("reused", true), false);
        QCOMPARE(r.value("steps", 0), 2);
        QVERIFY(r.value("heldout_ppl_before", 0.0) > 1.0);
        QVERIFY(r.contains("unigram_heldout_ppl"));
        QVERIFY(model::demoModelReady(out));
        const auto [code2, r2] = run(base);
        QCOMPARE(code2, 0);
        QCOMPARE(r2.value("reused", false), true);
        const auto [badSteps, e1] = run({"train-demo", "--steps", "0", "--out", QString::fromStdString(out.string()), "--json"});
        QCOMPARE(badSteps, 1);
        QCOMPARE(e1.value("event", ""), std::string("error"));
        QCOMPARE(e1.value("kind", ""), std::string("config"));
        QCOMPARE(run({"train-demo", "--bogus", "1"}).first, 1);
    }
};

QTEST_GUILESS_MAIN(TestDemoModel)
#include "tst_demo_model.moc"
