// tokenizer.json tokenizers: sentencepiece style (Metaspace / Prepend+Replace, byte fallback,
// unk fusing), byte-level style (ByteLevel, Split with the Llama-3 pattern), added tokens and
// their flags, post-processors, decode round trips, the regex engine, NFC, every refusal rule;
// and the golden files of tests/reference/make_tokenizer_golden.py when they are present.

#include "core/common/errors.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/unicode.h"
#include "support/expect_error.h"
#include "tst_tokenizer_support.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace slim;
using slim::tok::Regex;
using slim::tok::Tokenizer;
using tokentest::showIds;

namespace {

const std::string kSp = "\xE2\x96\x81"; // U+2581

fs::path fixture(const std::string& name) { return slimtest::dataDir() / "tokenizer" / name; }
json loadFixture(const std::string& name) { return json::parse(slimtest::readBytes(fixture(name))); }
Tokenizer fromJson(const json& j) { return Tokenizer::fromJsonText(j.dump(), "test-tokenizer.json"); }

#define COMPARE_IDS(actual, expected)                                                                              \
    do {                                                                                                           \
        const std::vector<int32_t> a_ = (actual), e_ = (expected);                                                 \
        QVERIFY2(a_ == e_, qPrintable("got " + showIds(a_) + ", expected " + showIds(e_)));                        \
    } while (0)

using slimtest::expectError;

/// A GPT-2 style byte-level BPE: the 256 byte characters (id = byte value) and a few merges.
json byteLevelJson() {
    const auto& alphabet = tok::unicode::byteLevelAlphabet();
    json vocab = json::object();
    for (int b = 0; b < 256; ++b)
        vocab[alphabet[size_t(b)]] = b;
    const std::string G = alphabet[' '];
    vocab[G + "t"] = 256;
    vocab["he"] = 257;
    vocab[G + "the"] = 258;
    vocab["34"] = 259;
    return {{"version", "1.0"},
            {"added_tokens", json::array({{{"id", 50256}, {"content", "<|endoftext|>"}, {"single_word", false},
                                           {"lstrip", false}, {"rstrip", false}, {"normalized", false},
                                           {"special", true}}})},
            {"normalizer", nullptr},
            {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
            {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
            {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array({G + " t", "h e", G + "t he", "3 4"})}}}};
}

json llama3Split() {
    return {{"type", "Sequence"},
            {"pretokenizers", json::array({{{"type", "Split"}, {"pattern", {{"Regex", Regex::kLlama3Pattern}}},
                                            {"behavior", "Isolated"}, {"invert", false}},
                                           {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true},
                                            {"use_regex", false}}})}};
}

std::vector<std::string> matches(const Regex& re, const std::string& text) {
    std::vector<std::pair<size_t, size_t>> m;
    re.findAll(text, m);
    std::vector<std::string> out;
    for (const auto& [b, e] : m)
        out.push_back(text.substr(b, e - b));
    return out;
}

QStringList toQ(const std::vector<std::string>& v) {
    QStringList l;
    for (const auto& s : v)
        l << QString::fromStdString(s);
    return l;
}

} // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    // ---- sentencepiece style --------------------------------------------------------------------

    void metaspace_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QList<int>>("ids"); // without special tokens
        // Ranks: a b (0), ▁ a (1), ▁a b (2), b c (3), ▁ b (4).
        QTest::newRow("rank order: ab before ▁a") << "ab" << QList<int>{6, 11};
        QTest::newRow("two words") << "a b" << QList<int>{10, 14};
        QTest::newRow("no merge after ab") << "abc" << QList<int>{6, 11, 9};
        QTest::newRow("leading space not doubled") << " ab" << QList<int>{6, 11};
        QTest::newRow("two spaces") << "  b" << QList<int>{6, 14};
        QTest::newRow("byte fallback newline") << "c\n" << QList<int>{6, 9, 3};
        QTest::newRow("byte fallback umlaut") << QString::fromUtf8("ä") << QList<int>{6, 4, 5};
        QTest::newRow("unk (no byte token for x)") << "x" << QList<int>{6, 0};
        QTest::newRow("fused unk") << "xx" << QList<int>{6, 0};
        QTest::newRow("unk around a") << "xax" << QList<int>{6, 0, 7, 0};
        QTest::newRow("special token, no prefix after it") << "<s>ab" << QList<int>{1, 11};
        QTest::newRow("special token mid text") << "a</s>b" << QList<int>{10, 2, 8};
        QTest::newRow("empty") << "" << QList<int>{};
    }
    void metaspace() {
        QFETCH(QString, text);
        QFETCH(QList<int>, ids);
        const Tokenizer t = Tokenizer::fromJsonFile(fixture("tiny_metaspace.json"));
        const std::string s = text.toStdString();
        const std::vector<int32_t> expected(ids.begin(), ids.end());
        COMPARE_IDS(t.encode(s, false), expected);
        std::vector<int32_t> withBos{1};
        withBos.insert(withBos.end(), expected.begin(), expected.end());
        COMPARE_IDS(t.encode(s, true), withBos);
    }

    void legacyNormalizer() {
        // Older Llama files: Prepend("▁") + Replace(" ", "▁") on every piece, no pre-tokenizer.
        json j = loadFixture("tiny_metaspace.json");
        j["pre_tokenizer"] = nullptr;
        j["normalizer"] = {{"type", "Sequence"},
                           {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", kSp}},
                                                        {{"type", "Replace"}, {"pattern", {{"String", " "}}},
                                                         {"content", kSp}}})}};
        const Tokenizer t = fromJson(j);
        COMPARE_IDS(t.encode("ab", false), (std::vector<int32_t>{6, 11}));
        COMPARE_IDS(t.encode(" ab", false), (std::vector<int32_t>{6, 6, 11})); // "▁▁ab": both spaces kept
        COMPARE_IDS(t.encode("<s>ab", false), (std::vector<int32_t>{1, 6, 11})); // the piece after <s> is prefixed
    }

    void metaspaceSchemes() {
        json j = loadFixture("tiny_metaspace.json");
        j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kSp}, {"prepend_scheme", "always"}, {"split", true}};
        Tokenizer always = fromJson(j);
        COMPARE_IDS(always.encode("<s>ab", false), (std::vector<int32_t>{1, 6, 11}));
        COMPARE_IDS(always.encode("ab ab", false), (std::vector<int32_t>{6, 11, 6, 11}));
        j["pre_tokenizer"]["prepend_scheme"] = "never";
        Tokenizer never = fromJson(j);
        COMPARE_IDS(never.encode("ab b", false), (std::vector<int32_t>{11, 14}));
        // The legacy field add_prefix_space: false means never; contradicting prepend_scheme is refused.
        j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kSp}, {"add_prefix_space", false}};
        COMPARE_IDS(fromJson(j).encode("ab", false), (std::vector<int32_t>{11}));
        j["pre_tokenizer"]["prepend_scheme"] = "always";
        expectError<FormatError>([&] { fromJson(j); }, {"add_prefix_space"});
    }

    void decodeSentencepiece() {
        const Tokenizer t = Tokenizer::fromJsonFile(fixture("tiny_metaspace.json"));
        const std::vector<int32_t> ids = t.encode("ab a\xC3\xA4\nx", true);
        COMPARE_IDS(ids, (std::vector<int32_t>{1, 6, 11, 10, 4, 5, 3, 0}));
        QCOMPARE(t.decode(ids), std::string("<s> ab a\xC3\xA4\n<unk>"));
        QCOMPARE(t.decode(ids, true), std::string("ab a\xC3\xA4\n"));
        for (const std::string s : {"ab", "a b  c", "b\n\na", "\xC3\xA4" "b"})
            QCOMPARE(t.decode(t.encode(s, true), true), s);
        // A lone byte of a multi-byte character decodes to U+FFFD, one per byte.
        QCOMPARE(t.decode(std::vector<int32_t>{4}), std::string("\xEF\xBF\xBD"));
        QCOMPARE(t.decode(std::vector<int32_t>{4, 4, 8}), std::string("\xEF\xBF\xBD\xEF\xBF\xBD" "b"));
        QCOMPARE(t.vocabSize(), 15);
        QCOMPARE(t.bosId(), std::optional<int32_t>(1));
        QCOMPARE(t.eosId(), std::optional<int32_t>(2));
        QVERIFY(t.isSpecial(1) && !t.isSpecial(7));
        QCOMPARE(t.idToToken(12), kSp + "ab");
        QCOMPARE(t.tokenToId(kSp + "b"), std::optional<int32_t>(14));
        QVERIFY(!t.tokenToId("zz"));
    }

    void metaspaceDecoder() {
        json j = loadFixture("tiny_metaspace.json");
        j["decoder"] = {{"type", "Metaspace"}, {"replacement", kSp}, {"prepend_scheme", "always"}, {"split", true}};
        const Tokenizer t = fromJson(j);
        QCOMPARE(t.decode(std::vector<int32_t>{10, 14, 12}), std::string("a b ab"));
        // As in tokenizers, every replacement character of the first token is dropped.
        QCOMPARE(t.decode(std::vector<int32_t>{6, 6, 11}), std::string(" ab"));
    }

    // ---- byte-level style -----------------------------------------------------------------------

    void byteLevel() {
        const Tokenizer t = fromJson(byteLevelJson());
        COMPARE_IDS(t.encode("the", false), (std::vector<int32_t>{116, 257}));
        COMPARE_IDS(t.encode(" the", false), (std::vector<int32_t>{258}));
        // The added token's id is the next free id (260), not the advisory "id" of the file.
        COMPARE_IDS(t.encode("the<|endoftext|> the", false), (std::vector<int32_t>{116, 257, 260, 258}));
        COMPARE_IDS(t.encode("1234", false), (std::vector<int32_t>{49, 50, 259}));
        COMPARE_IDS(t.encode("\xC3\xA4", false), (std::vector<int32_t>{0xC3, 0xA4}));
        QCOMPARE(t.vocabSize(), 261);
        QCOMPARE(t.eosId(), std::optional<int32_t>(260));
        for (const std::string s : {"the the", " x\n\n  y\t", "\xE4\xB8\xAD\xF0\x9F\x98\x80", "a<|endoftext|>b"})
            QCOMPARE(t.decode(t.encode(s, false)), s);
        QCOMPARE(t.decode(t.encode("a<|endoftext|>b", false), true), std::string("ab"));
        // A lone continuation byte is invalid UTF-8: U+FFFD.
        QCOMPARE(t.decode(std::vector<int32_t>{0xA4}), std::string("\xEF\xBF\xBD"));
    }

    void byteLevelPrefixSpace() {
        json j = byteLevelJson();
        j["pre_tokenizer"]["add_prefix_space"] = true;
        const Tokenizer t = fromJson(j);
        COMPARE_IDS(t.encode("the", false), (std::vector<int32_t>{258}));
        COMPARE_IDS(t.encode(" the", false), (std::vector<int32_t>{258}));
        COMPARE_IDS(t.encode("the<|endoftext|>the", false), (std::vector<int32_t>{258, 260, 258}));
    }

    void llama3Split() {
        json j = byteLevelJson();
        j["pre_tokenizer"] = ::llama3Split();
        const Tokenizer t = fromJson(j);
        // \p{N}{1,3}: "123456" -> "123" "456", so the merge "3 4" cannot apply.
        COMPARE_IDS(t.encode("123456", false), (std::vector<int32_t>{49, 50, 51, 52, 53, 54}));
        COMPARE_IDS(t.encode("12345", false), (std::vector<int32_t>{49, 50, 51, 52, 53}));
        COMPARE_IDS(t.encode(" the", false), (std::vector<int32_t>{258}));
        // ignore_merges: a piece that is itself a token is taken whole, even if no merge builds it.
        j["model"]["vocab"]["12"] = 262;
        COMPARE_IDS(fromJson(j).encode("12", false), (std::vector<int32_t>{49, 50}));
        j["model"]["ignore_merges"] = true;
        COMPARE_IDS(fromJson(j).encode("12", false), (std::vector<int32_t>{262}));
    }

    void addedTokenFlags() {
        json j = byteLevelJson();
        auto added = [](const std::string& content, bool special, bool lstrip, bool rstrip, bool singleWord) {
            return json{{"id", 0}, {"content", content}, {"special", special}, {"lstrip", lstrip},
                        {"rstrip", rstrip}, {"single_word", singleWord}, {"normalized", !special}};
        };
        j["added_tokens"].push_back(added("<tool>", true, true, true, false)); // id 261
        j["added_tokens"].push_back(added("cat", false, false, false, true));  // id 262
        const Tokenizer t = fromJson(j);
        COMPARE_IDS(t.encode("a <tool>  b", false), (std::vector<int32_t>{'a', 261, 'b'}));
        COMPARE_IDS(t.encode("a<tool>b", false), (std::vector<int32_t>{'a', 261, 'b'}));
        // single_word: "cat" inside "cats" is not the added token; the one between spaces is.
        COMPARE_IDS(t.encode("cats cat", false), (std::vector<int32_t>{'c', 'a', 't', 's', ' ', 262}));
        COMPARE_IDS(t.encode("cat_cat", false), (std::vector<int32_t>{'c', 'a', 't', '_', 'c', 'a', 't'}));
        QVERIFY(t.isSpecial(261) && !t.isSpecial(262));
        // Leftmost-longest: "<|endoftext|>" wins over a shorter overlapping token.
        j["added_tokens"].push_back(added("<|end", true, false, false, false)); // id 263
        const Tokenizer t2 = fromJson(j);
        COMPARE_IDS(t2.encode("<|endoftext|><|end", false), (std::vector<int32_t>{260, 263}));
    }

    void postProcessors() {
        json j = byteLevelJson();
        j["post_processor"] = {{"type", "RobertaProcessing"}, {"sep", {"<|endoftext|>", 260}}, {"cls", {"a", 97}},
                               {"trim_offsets", true}, {"add_prefix_space", false}};
        COMPARE_IDS(fromJson(j).encode("b", true), (std::vector<int32_t>{97, 'b', 260}));
        COMPARE_IDS(fromJson(j).encode("b", false), (std::vector<int32_t>{'b'}));
        j["post_processor"] = {
            {"type", "Sequence"},
            {"processors",
             json::array({{{"type", "ByteLevel"}, {"trim_offsets", false}},
                          {{"type", "TemplateProcessing"}, {"single", "a $A <|endoftext|>"},
                           {"special_tokens",
                            {{"a", {{"id", "a"}, {"ids", {97}}, {"tokens", {"a"}}}},
                             {"<|endoftext|>", {{"id", "<|endoftext|>"}, {"ids", {260}}, {"tokens", {"<|endoftext|>"}}}}}}}})}};
        const Tokenizer t = fromJson(j);
        COMPARE_IDS(t.encode("b", true), (std::vector<int32_t>{97, 'b', 260}));
        QCOMPARE(t.bosId(), std::optional<int32_t>(97));
        QCOMPARE(t.eosId(), std::optional<int32_t>(260));
    }

    void fromPathFolder() {
        const fs::path dir = slimtest::makeTempDir("tok-folder");
        fs::copy_file(fixture("tiny_metaspace.json"), dir / "tokenizer.json");
        json cfg = loadFixture("tiny_tokenizer_config.json");
        cfg["bos_token"] = {{"content", "</s>"}}; // the config names the BOS: it wins over the template
        slimtest::writeBytes(dir / "tokenizer_config.json", cfg.dump());
        const Tokenizer t = Tokenizer::fromPath(dir);
        QCOMPARE(t.bosId(), std::optional<int32_t>(2));
        COMPARE_IDS(t.encode("ab"), (std::vector<int32_t>{1, 6, 11}));
        QVERIFY(!t.describe().empty());
        const fs::path spmOnly = slimtest::makeTempDir("tok-spm");
        slimtest::writeBytes(spmOnly / "tokenizer.model", "x");
        expectError<UnsupportedError>([&] { Tokenizer::fromPath(spmOnly); }, {"tokenizer.model", "tokenizer.json"});
        expectError<IoError>([&] { Tokenizer::fromPath(slimtest::makeTempDir("tok-empty")); }, {"no tokenizer.json"});
    }

    // ---- refusals -------------------------------------------------------------------------------

    void refusals_data() {
        QTest::addColumn<QString>("mutation");
        QTest::addColumn<QString>("errorType");
        QTest::addColumn<QStringList>("needles");
        QTest::newRow("unknown model") << "model.type=Foo" << "format" << QStringList{"unknown model type \"Foo\""};
        QTest::newRow("unigram model") << "model.type=Unigram" << "unsupported" << QStringList{"Unigram", "BPE"};
        QTest::newRow("unknown normalizer") << "normalizer=Bogus" << "format" << QStringList{"normalizer", "Bogus"};
        QTest::newRow("NFKC normalizer") << "normalizer=NFKC" << "unsupported" << QStringList{"NFKC"};
        QTest::newRow("unknown pre-tokenizer") << "pre_tokenizer=Bogus" << "format" << QStringList{"pre-tokenizer", "Bogus"};
        QTest::newRow("Whitespace pre-tokenizer") << "pre_tokenizer=Whitespace" << "unsupported" << QStringList{"Whitespace"};
        QTest::newRow("unknown decoder") << "decoder=Bogus" << "format" << QStringList{"decoder", "Bogus"};
        QTest::newRow("WordPiece decoder") << "decoder=WordPiece" << "unsupported" << QStringList{"WordPiece"};
        QTest::newRow("unknown post-processor") << "post_processor=Bogus" << "format" << QStringList{"post-processor", "Bogus"};
        QTest::newRow("deep nesting") << "deep" << "format" << QStringList{"nested deeper"};
        QTest::newRow("merge of unknown token") << "merge=q a" << "format" << QStringList{"merges[5]", "\"q\""};
        QTest::newRow("merge with three parts") << "merge=a b c" << "format" << QStringList{"merges[5]", "one space"};
        QTest::newRow("negative id") << "vocab=-1" << "format" << QStringList{"vocab", "non-negative"};
        QTest::newRow("unknown version") << "version=2.0" << "format" << QStringList{"version"};
        QTest::newRow("template names missing special") << "template" << "format" << QStringList{"special_tokens", "<x>"};
        QTest::newRow("template id outside vocabulary") << "templateId" << "format" << QStringList{"99999"};
        QTest::newRow("lookbehind regex") << "regex=(?<=a)b" << "unsupported" << QStringList{"lookbehind", "pre_tokenizer"};
        QTest::newRow("unknown property") << "regex=\\p{Han}" << "unsupported" << QStringList{"Han"};
        QTest::newRow("two-char replacement") << "replacement=ab" << "format" << QStringList{"replacement", "one character"};
    }
    void refusals() {
        QFETCH(QString, mutation);
        QFETCH(QString, errorType);
        QFETCH(QStringList, needles);
        json j = loadFixture("tiny_metaspace.json");
        const std::string m = mutation.toStdString();
        const std::string value = m.substr(m.find('=') + 1);
        if (m.rfind("model.type=", 0) == 0)
            j["model"]["type"] = value;
        else if (m.rfind("normalizer=", 0) == 0)
            j["normalizer"] = {{"type", value}};
        else if (m.rfind("pre_tokenizer=", 0) == 0)
            j["pre_tokenizer"] = {{"type", value}};
        else if (m.rfind("decoder=", 0) == 0)
            j["decoder"] = {{"type", value}};
        else if (m.rfind("post_processor=", 0) == 0)
            j["post_processor"] = {{"type", value}};
        else if (m.rfind("merge=", 0) == 0)
            j["model"]["merges"].push_back(value);
        else if (m.rfind("vocab=", 0) == 0)
            j["model"]["vocab"]["zz"] = -1;
        else if (m.rfind("version=", 0) == 0)
            j["version"] = value;
        else if (m.rfind("regex=", 0) == 0)
            j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", value}}}, {"behavior", "Isolated"}, {"invert", false}};
        else if (m.rfind("replacement=", 0) == 0)
            j["pre_tokenizer"]["replacement"] = value;
        else if (m == "template")
            j["post_processor"]["single"][0]["SpecialToken"]["id"] = "<x>";
        else if (m == "templateId")
            j["post_processor"]["special_tokens"]["<s>"]["ids"] = {99999};
        else if (m == "deep") {
            json n = {{"type", "NFC"}};
            for (int i = 0; i < 12; ++i)
                n = {{"type", "Sequence"}, {"normalizers", json::array({n})}};
            j["normalizer"] = n;
        }
        const std::string text = j.dump();
        auto load = [&] { Tokenizer::fromJsonText(text, "bad-tokenizer.json"); };
        if (errorType == "format") {
            expectError<FormatError>(load, needles + QStringList{"bad-tokenizer.json"});
        } else {
            expectError<UnsupportedError>(load, needles + QStringList{"bad-tokenizer.json"});
        }
    }

    void malformedJson() {
        expectError<FormatError>([] { Tokenizer::fromJsonText("{\"model\": ", "cut.json"); }, {"cut.json", "JSON"});
        expectError<FormatError>([] { Tokenizer::fromJsonText("[]", "arr.json"); }, {"arr.json", "object"});
        expectError<FormatError>([] { Tokenizer::fromJsonText("{\"version\": \"1.0\"}", "nomodel.json"); },
                                 {"nomodel.json", "model"});
        std::string deep(200, '[');
        deep += std::string(200, ']');
        expectError<FormatError>([&] { Tokenizer::fromJsonText(deep, "deep.json"); }, {"deep.json", "nested"});
        // Duplicate vocabulary keys are refused (nlohmann would keep one silently).
        std::string dup = loadFixture("tiny_metaspace.json").dump();
        dup.replace(dup.find("\"<unk>\":0"), 9, "\"a\":0");
        expectError<FormatError>([&] { Tokenizer::fromJsonText(dup, "dup.json"); }, {"dup.json", "duplicate"});
        expectError<IoError>([] { Tokenizer::fromJsonFile("/nonexistent/tokenizer.json"); }, {"/nonexistent"});
    }

    void badIdsAndText() {
        const Tokenizer t = Tokenizer::fromJsonFile(fixture("tiny_metaspace.json"));
        expectError<ConfigError>([&] { t.decode(std::vector<int32_t>{1, 15}); }, {"15", "not in the vocabulary"});
        expectError<ConfigError>([&] { t.decode(std::vector<int32_t>{-1}); }, {"-1"});
        expectError<ConfigError>([&] { t.idToToken(100); }, {"100"});
        expectError<ConfigError>([&] { t.encode("a\xFF" "b"); }, {"UTF-8", "1"});
        // An unk_token missing from the vocabulary fails when it is needed, naming it.
        json j = loadFixture("tiny_metaspace.json");
        j["model"]["unk_token"] = "<nope>";
        const Tokenizer u = fromJson(j);
        COMPARE_IDS(u.encode("ab", false), (std::vector<int32_t>{6, 11}));
        expectError<FormatError>([&] { u.encode("x"); }, {"<nope>"});
    }

    // ---- regex engine, Unicode ------------------------------------------------------------------

    void regexPatterns_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("expected");
        const QString gpt2 = Regex::kGpt2Pattern, llama3 = Regex::kLlama3Pattern, qwen2 = Regex::kQwen2Pattern;
        QTest::newRow("gpt2 words") << gpt2 << "Hello world's 12345!!  ok\n\n"
                                    << QStringList{"Hello", " world", "'s", " 12345", "!!", " ", " ok", "\n\n"};
        QTest::newRow("gpt2 trailing spaces") << gpt2 << "a   b  " << QStringList{"a", "  ", " b", "  "};
        QTest::newRow("llama3 case-insensitive 've") << llama3 << "I'VE we'Re" << QStringList{"I", "'VE", " we", "'Re"};
        QTest::newRow("llama3 long s folds to s") << llama3 << QString::fromUtf8("it'ſ") << QStringList{"it", QString::fromUtf8("'ſ")};
        QTest::newRow("llama3 digits in threes") << llama3 << "1234567" << QStringList{"123", "456", "7"};
        QTest::newRow("llama3 punctuation + newline") << llama3 << "a.\n\nb" << QStringList{"a", ".\n\n", "b"};
        QTest::newRow("llama3 spaces before newline") << llama3 << "a  \n b" << QStringList{"a", "  \n", " b"};
        QTest::newRow("llama3 non-letter prefix") << llama3 << "(hello) $x" << QStringList{"(hello", ")", " $", "x"};
        QTest::newRow("qwen2 single digits") << qwen2 << "x12" << QStringList{"x", "1", "2"};
        QTest::newRow("unicode letters") << llama3 << QString::fromUtf8(" Äpfel 中文") << QStringList{QString::fromUtf8(" Äpfel"), QString::fromUtf8(" 中文")};
        QTest::newRow("lazy quantifier") << "a+?" << "aaa" << QStringList{"a", "a", "a"};
        QTest::newRow("interval and class") << "[a-c]{2}|\\d" << "abcz9" << QStringList{"ab", "9"};
        QTest::newRow("anchors") << "^a|b$" << "ab\nab" << QStringList{"a", "b", "a", "b"};
        QTest::newRow("literal brace") << "a{x" << "a{x" << QStringList{"a{x"};
    }
    void regexPatterns() {
        QFETCH(QString, pattern);
        QFETCH(QString, text);
        QFETCH(QStringList, expected);
        const Regex re(pattern.toStdString());
        QCOMPARE(toQ(matches(re, text.toStdString())), expected);
    }

    void regexRefusals_data() {
        QTest::addColumn<QString>("pattern");
        QTest::addColumn<QString>("needle");
        QTest::newRow("backreference") << "(a)\\1" << "escape";
        QTest::newRow("lookbehind") << "(?<!a)b" << "lookbehind";
        QTest::newRow("possessive") << "a++" << "possessive";
        QTest::newRow("nested class") << "[[a]]" << "nested";
        QTest::newRow("empty loop") << "(a?)*" << "match empty";
        QTest::newRow("unbalanced") << "(a" << "')'";
        QTest::newRow("script property") << "\\p{Greek}" << "Greek";
        QTest::newRow("non-ASCII under (?i)") << QString::fromUtf8("(?i:ä)") << "non-ASCII";
    }
    void regexRefusals() {
        QFETCH(QString, pattern);
        QFETCH(QString, needle);
        expectError<UnsupportedError>([&] { Regex re(pattern.toStdString()); }, {needle});
    }

    void regexBudget() {
        // Exponential backtracking is cut off by the step budget instead of hanging.
        const Regex re("(a|aa)+c");
        std::vector<std::pair<size_t, size_t>> m;
        expectError<UnsupportedError>([&] { re.findAll(std::string(60, 'a'), m); }, {"budget"});
    }

    void nfc_data() {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ascii") << "plain text" << "plain text";
        QTest::newRow("e + acute") << QString::fromUtf8("e\u0301") << QString::fromUtf8("\u00e9");
        QTest::newRow("reordering") << QString::fromUtf8("\u1e0b\u0323") << QString::fromUtf8("\u1e0d\u0307");
        QTest::newRow("hangul jamo") << QString::fromUtf8("\u1100\u1161\u11a8") << QString::fromUtf8("\uac01");
        QTest::newRow("singleton") << QString::fromUtf8("\u212b") << QString::fromUtf8("\u00c5");
        QTest::newRow("exclusion stays decomposed") << QString::fromUtf8("\u0958") << QString::fromUtf8("\u0915\u093c");
        QTest::newRow("reorder, then compose") << QString::fromUtf8("a\u0328\u0301\u0328") << QString::fromUtf8("\u0105\u0328\u0301");
    }
    void nfc() {
        QFETCH(QString, input);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(tok::unicode::nfc(input.toStdString())), expected);
        QCOMPARE(input.normalized(QString::NormalizationForm_C), expected); // Qt agrees
    }

    void categories() {
        namespace u = tok::unicode;
        QCOMPARE(u::category('A'), u::Lu);
        QCOMPARE(u::category(0x4E2D), u::Lo);
        QCOMPARE(u::category(0x0663), u::Nd);
        QCOMPARE(u::category(0x2167), u::Nl);
        QCOMPARE(u::category(0x1F600), u::So);
        QCOMPARE(u::category(0x0301), u::Mn);
        QCOMPARE(u::category(0x10FFFF), u::Cn);
        QVERIFY(u::isWhiteSpace(0x3000) && u::isWhiteSpace(0x85) && !u::isWhiteSpace(0x200B));
        QCOMPARE(u::categoryMaskByName("L"), u::bit(u::Lu) | u::bit(u::Ll) | u::bit(u::Lt) | u::bit(u::Lm) | u::bit(u::Lo));
        QCOMPARE(u::categoryMaskByName("Xx"), 0u);
    }

    // ---- Hugging Face reference -----------------------------------------------------------------

    void hfBpeFromSpmVocab() {
        // The llama-spm vectors come from the legacy Hugging Face Llama tokenizer (Prepend + Replace
        // normalizer): a tokenizer.json made from the same vocabulary the way transformers converts
        // it must reproduce all of them.
        const fs::path gguf = tokentest::llamaCppVocabDir() / "ggml-vocab-llama-spm.gguf";
        if (!fs::exists(gguf))
            QFAIL("llama.cpp vocab files missing from tests/data/llamacpp-vocab");
        const Tokenizer legacy = fromJson(tokentest::ggufSpmToTokenizerJson(gguf, true));
        const auto cases = tokentest::readVocabCases(gguf);
        QCOMPARE(cases.size(), size_t(46));
        int matched = 0;
        for (const auto& c : cases) {
            const auto ids = legacy.encode(c.text, false);
            if (ids == c.ids)
                ++matched;
            else
                qWarning("mismatch on %s: got %s expected %s", qPrintable(QString::fromStdString(c.text).left(40)),
                         qPrintable(showIds(ids)), qPrintable(showIds(c.ids)));
        }
        qInfo("HF BPE (legacy normalizer) from the llama-spm vocabulary: %d/%zu vectors match", matched, cases.size());
        QCOMPARE(matched, int(cases.size()));

        // Metaspace("first", no split), the current Llama conversion, does not add a second
        // "▁" when the text starts with a space: " X" is then tokenized like the legacy "X".
        const Tokenizer metaspace = fromJson(tokentest::ggufSpmToTokenizerJson(gguf, false));
        for (const auto& c : cases) {
            const std::string legacyText = (!c.text.empty() && c.text[0] == ' ') ? c.text.substr(1) : c.text;
            if (legacyText.empty())
                continue; // " " alone: Metaspace keeps one "▁", legacy("") has nothing to prefix
            COMPARE_IDS(metaspace.encode(c.text, true), legacy.encode(legacyText, true));
        }
    }

    void hfReference_data() {
        QTest::addColumn<QString>("recipe");
        for (const auto& r : tokentest::referenceRecipes())
            QTest::newRow(r.c_str()) << QString::fromStdString(r);
    }
    void hfReference() {
        // Ids, decodes and special-token handling checked against Hugging Face `tokenizers`
        // 0.23.2 itself (tests/data/tokenizer/make_hf_reference.js) on realistic vocabularies.
        QFETCH(QString, recipe);
        const fs::path ref = fixture("hf_reference") / (recipe.toStdString() + ".json");
        if (!fs::exists(tokentest::llamaCppVocabDir() / "ggml-vocab-gpt-2.gguf"))
            QFAIL("llama.cpp vocab files missing from tests/data/llamacpp-vocab");
        QVERIFY2(fs::exists(ref), qPrintable(QString::fromStdString(ref.string())));
        const json g = json::parse(slimtest::readBytes(ref));
        const Tokenizer t = fromJson(tokentest::recipeTokenizerJson(recipe.toStdString()));
        const auto& texts = g.at("texts");
        int failures = 0;
        for (size_t i = 0; i < texts.size() && failures < 10; ++i) {
            const std::string text = texts[i].get<std::string>();
            const auto with = g.at("ids_with_special")[i].get<std::vector<int32_t>>();
            const auto without = g.at("ids_no_special")[i].get<std::vector<int32_t>>();
            const auto got = t.encode(text, true), gotNo = t.encode(text, false);
            const std::string dec = t.decode(with), decSkip = t.decode(with, true);
            const bool ok = got == with && gotNo == without && dec == g.at("decoded")[i].get<std::string>() &&
                            decSkip == g.at("decoded_skip_special")[i].get<std::string>();
            if (!ok) {
                ++failures;
                qWarning("text %zu \"%s\": got %s / %s expected %s / %s; decoded \"%s\" expected \"%s\"", i,
                         qPrintable(QString::fromStdString(text).left(60)), qPrintable(showIds(got)),
                         qPrintable(showIds(gotNo)), qPrintable(showIds(with)), qPrintable(showIds(without)),
                         dec.c_str(), g.at("decoded")[i].get<std::string>().c_str());
            }
        }
        qInfo("%s: %zu texts compared with %s", qPrintable(recipe), texts.size(),
              g.at("generator").get<std::string>().c_str());
        QCOMPARE(failures, 0);
    }

    void dumpRecipes() {
        // Regenerating tests/data/tokenizer/hf_reference: this writes each recipe's tokenizer.json
        // for make_hf_reference.js (see tests/data/tokenizer/README.md).
        const QByteArray dir = qgetenv("SLIM_DUMP_TOKENIZER_RECIPES");
        if (dir.isEmpty())
            QSKIP("set SLIM_DUMP_TOKENIZER_RECIPES=<folder> to write the recipes' tokenizer.json files");
        for (const auto& r : tokentest::referenceRecipes())
            slimtest::writeBytes(fs::path(dir.toStdString()) / (r + ".json"), tokentest::recipeTokenizerJson(r).dump());
    }

    void golden_data() {
        QTest::addColumn<QString>("dir");
        const fs::path root = fixture("golden");
        int rows = 0;
        if (fs::is_directory(root))
            for (const auto& e : fs::directory_iterator(root))
                if (fs::exists(e.path() / "tokenizer.json") && fs::exists(e.path() / "golden.json")) {
                    QTest::newRow(e.path().filename().string().c_str()) << QString::fromStdString(e.path().string());
                    ++rows;
                }
        if (rows == 0)
            QTest::newRow("none") << QString(); // golden() skips with a message
    }
    void golden() {
        QFETCH(QString, dir);
        if (dir.isEmpty())
            QSKIP("no golden files in tests/data/tokenizer/golden/: run tests/reference/make_tokenizer_golden.py "
                  "on a machine with transformers + tokenizers + sentencepiece and copy its output there");
        const fs::path d = dir.toStdString();
        const Tokenizer t = Tokenizer::fromJsonFile(d / "tokenizer.json");
        const json g = json::parse(slimtest::readBytes(d / "golden.json"));
        const auto& texts = g.at("texts");
        int failures = 0;
        for (size_t i = 0; i < texts.size(); ++i) {
            const std::string text = texts[i].get<std::string>();
            const auto with = g.at("ids_with_special")[i].get<std::vector<int32_t>>();
            const auto without = g.at("ids_no_special")[i].get<std::vector<int32_t>>();
            const auto got = t.encode(text, true);
            const auto gotNo = t.encode(text, false);
            if (got != with || gotNo != without) {
                ++failures;
                qWarning("text %zu (%s): got %s expected %s", i, qPrintable(QString::fromStdString(text).left(50)),
                         qPrintable(showIds(got)), qPrintable(showIds(with)));
                continue;
            }
            if (g.contains("decoded") && t.decode(with) != g["decoded"][i].get<std::string>()) {
                ++failures;
                qWarning("decode %zu: got \"%s\" expected \"%s\"", i, t.decode(with).c_str(),
                         g["decoded"][i].get<std::string>().c_str());
            }
            if (g.contains("decoded_skip_special") &&
                t.decode(with, true) != g["decoded_skip_special"][i].get<std::string>()) {
                ++failures;
                qWarning("decode(skip special) %zu: got \"%s\"", i, t.decode(with, true).c_str());
            }
        }
        qInfo("%s: %zu texts, %d failures", d.filename().string().c_str(), texts.size(), failures);
        QCOMPARE(failures, 0);

        // llama.cpp's SPM algorithm on the same vocabulary (GGUF) gives the legacy conversion's ids.
        const fs::path gguf = tokentest::llamaCppVocabDir() / "ggml-vocab-llama-spm.gguf";
        if (d.filename() == "llama2_legacy" && fs::exists(gguf)) {
            const Tokenizer spm = Tokenizer::fromGguf(gguf);
            for (size_t i = 0; i < texts.size(); ++i)
                COMPARE_IDS(spm.encode(texts[i].get<std::string>(), true),
                            g.at("ids_with_special")[i].get<std::vector<int32_t>>());
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizer)
#include "tst_tokenizer.moc"
