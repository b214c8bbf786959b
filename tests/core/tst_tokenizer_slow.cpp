// Tokenizer throughput on the whole WikiText-2 test split (1.3 MB) with the Llama-2 vocabulary
// (llama.cpp SPM, and the Hugging Face BPE tokenizer.json made from the same vocabulary, where
// Metaspace without split makes the whole file ONE piece) and GPT-2's byte-level BPE; and the
// merge heap on a single 1M-character word that cannot be cut.  Prints the timings.

#include "core/tokenizer/tokenizer.h"
#include "tst_tokenizer_support.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

namespace fs = std::filesystem;
using nlohmann::json;
using slim::tok::Tokenizer;

namespace {

/// Generous bound for a shared 2-core machine; the measured times are printed (a few hundred ms).
constexpr double kMaxEncodeSeconds = 2.0;

double secondsSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

fs::path wikiText() { return slimtest::wikiTestRaw(); }

} // namespace

class TestTokenizerSlow : public QObject {
    Q_OBJECT

private slots:
    void wikiText2_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("GGUF llama-spm (llama.cpp SPM)") << "spm";
        QTest::newRow("tokenizer.json BPE from the llama-spm vocabulary (Metaspace, no split)") << "hf";
        QTest::newRow("GGUF gpt-2 (byte-level BPE)") << "gpt2";
        QTest::newRow("golden Llama-2 tokenizer.json (transformers)") << "golden";
    }
    void wikiText2() {
        QFETCH(QString, kind);
        const fs::path vocab = tokentest::llamaCppVocabDir();
        if (!fs::exists(wikiText()) || !fs::exists(vocab / "ggml-vocab-llama-spm.gguf"))
            QFAIL("test data missing (resources/data, tests/data/llamacpp-vocab)");
        const std::string text = slimtest::readBytes(wikiText());

        auto t0 = std::chrono::steady_clock::now();
        std::optional<Tokenizer> tok;
        if (kind == "spm") {
            tok.emplace(Tokenizer::fromGguf(vocab / "ggml-vocab-llama-spm.gguf"));
        } else if (kind == "gpt2") {
            tok.emplace(Tokenizer::fromGguf(vocab / "ggml-vocab-gpt-2.gguf"));
        } else if (kind == "hf") {
            const json j = tokentest::ggufSpmToTokenizerJson(vocab / "ggml-vocab-llama-spm.gguf", false);
            tok.emplace(Tokenizer::fromJsonText(j.dump(), "llama-spm-as-tokenizer.json"));
        } else {
            const fs::path golden = slimtest::dataDir() / "tokenizer/golden/llama2/tokenizer.json";
            if (!fs::exists(golden))
                QSKIP("no golden Llama-2 tokenizer.json (tests/reference/make_tokenizer_golden.py)");
            tok.emplace(Tokenizer::fromJsonFile(golden));
        }
        const double load = secondsSince(t0);

        t0 = std::chrono::steady_clock::now();
        const std::vector<int32_t> ids = tok->encode(text, false); // first run: the word cache is cold
        const double encode = secondsSince(t0);
        t0 = std::chrono::steady_clock::now();
        const std::string back = tok->decode(ids);
        const double decode = secondsSince(t0);
        qInfo("WikiText-2 test (%zu bytes) with %s: load %.3f s, encode %.3f s (%.1f MB/s), %zu tokens, decode %.3f s",
              text.size(), qPrintable(kind), load, encode, double(text.size()) / 1e6 / encode, ids.size(), decode);
        QVERIFY2(encode < kMaxEncodeSeconds, qPrintable(QString("encoding took %1 s").arg(encode)));
        QVERIFY(ids.size() > 250000 && ids.size() < 400000);
        // Metaspace("first") does not double the leading space of the text, and the decoder's
        // Strip then removes it: Hugging Face itself loses that one space.
        const std::string expected = (kind == "hf" || kind == "golden") ? text.substr(1) : text;
        QVERIFY2(back == expected, "decode(encode(text)) is not the text");
        if (kind == "spm")
            QCOMPARE(ids.size(), size_t(332754)); // regression anchor (no BOS)
    }

    void hfReferenceWikiText_data() {
        QTest::addColumn<QString>("recipe");
        for (const auto& r : tokentest::referenceRecipes())
            QTest::newRow(r.c_str()) << QString::fromStdString(r);
    }
    void hfReferenceWikiText() {
        // All of WikiText-2 against Hugging Face `tokenizers` (length + FNV-1a-64 of the ids,
        // tests/data/tokenizer/make_hf_reference.js).
        QFETCH(QString, recipe);
        if (!fs::exists(wikiText()) || !fs::exists(tokentest::llamaCppVocabDir() / "ggml-vocab-gpt-2.gguf"))
            QFAIL("test data missing (resources/data, tests/data/llamacpp-vocab)");
        const json ref = json::parse(slimtest::readBytes(slimtest::dataDir() / "tokenizer/hf_reference" /
                                                         (recipe.toStdString() + ".json")));
        const Tokenizer tok = Tokenizer::fromJsonText(tokentest::recipeTokenizerJson(recipe.toStdString()).dump(),
                                                      recipe.toStdString() + ".json");
        const std::string text = slimtest::readBytes(wikiText());
        const auto t0 = std::chrono::steady_clock::now();
        const auto ids = tok.encode(text, false);
        const double s = secondsSince(t0);
        uint64_t h = 0xcbf29ce484222325ull;
        for (int32_t id : ids)
            for (int k = 0; k < 4; ++k) {
                h ^= (uint32_t(id) >> (8 * k)) & 0xFFu;
                h *= 0x100000001b3ull;
            }
        char hex[17];
        std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
        qInfo("%s: %zu tokens in %.3f s, hash %s (Hugging Face: %zu, %s)", qPrintable(recipe), ids.size(), s, hex,
              ref["wikitext"]["tokens"].get<size_t>(), ref["wikitext"]["fnv1a64"].get<std::string>().c_str());
        QCOMPARE(ids.size(), ref["wikitext"]["tokens"].get<size_t>());
        QCOMPARE(std::string(hex), ref["wikitext"]["fnv1a64"].get<std::string>());
    }

    void spmAndHfBpeAgree() {
        // llama.cpp's score-driven SPM and the converted BPE are different algorithms; on the
        // Llama-2 vocabulary they agree on all of WikiText-2.
        const fs::path gguf = tokentest::llamaCppVocabDir() / "ggml-vocab-llama-spm.gguf";
        if (!fs::exists(wikiText()) || !fs::exists(gguf))
            QFAIL("test data missing (resources/data, tests/data/llamacpp-vocab)");
        const std::string text = slimtest::readBytes(wikiText());
        const auto spm = Tokenizer::fromGguf(gguf).encode(text, true);
        const auto hf = Tokenizer::fromJsonText(tokentest::ggufSpmToTokenizerJson(gguf, true).dump(), "legacy.json")
                            .encode(text, true);
        size_t firstDiff = 0;
        while (firstDiff < spm.size() && firstDiff < hf.size() && spm[firstDiff] == hf[firstDiff])
            ++firstDiff;
        qInfo("SPM %zu tokens, HF BPE %zu tokens, identical prefix %zu", spm.size(), hf.size(), firstDiff);
        QCOMPARE(hf.size(), spm.size());
        QCOMPARE(firstDiff, spm.size());
    }

    void hugeUncuttableWord() {
        // Vocabulary a, aa, aaaa, ...: every adjacent pair can merge, so a run of 2^20 'a' is one
        // chunk and the merge heap must handle a million symbols in O(n log n).
        json vocab = json::object();
        json merges = json::array();
        std::string piece = "a";
        vocab[piece] = 0;
        for (int i = 1; i <= 12; ++i) {
            merges.push_back(piece + " " + piece);
            piece += piece;
            vocab[piece] = i;
        }
        const json j = {{"version", "1.0"},
                        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
        const Tokenizer tok = Tokenizer::fromJsonText(j.dump(), "powers.json");
        const std::string text(size_t(1) << 20, 'a');
        const auto t0 = std::chrono::steady_clock::now();
        const auto ids = tok.encode(text, false);
        const double s = secondsSince(t0);
        qInfo("one 1M-character word: %zu tokens in %.3f s", ids.size(), s);
        QCOMPARE(ids.size(), size_t(1) << 8); // 2^20 / 2^12
        QVERIFY(std::all_of(ids.begin(), ids.end(), [](int32_t id) { return id == 12; }));
        QVERIFY2(s < kMaxEncodeSeconds, qPrintable(QString("took %1 s").arg(s)));
    }
};

QTEST_GUILESS_MAIN(TestTokenizerSlow)
#include "tst_tokenizer_slow.moc"
