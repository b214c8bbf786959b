// GGUF reader: every value type and tensor infos of a crafted file; every rule of
// docs/input-validation.md (llama.cpp tests/test-gguf.cpp's handcrafted cases) with a file
// crafted to break it; Tokenizer::fromGguf on llama.cpp's vocab files with their test vectors.

#include "core/common/errors.h"
#include "core/io/gguf_reader.h"
#include "core/tokenizer/tokenizer.h"
#include "support/expect_error.h"
#include "tst_tokenizer_support.h"

#include <QtTest/QtTest>

#include <cstring>
#include <functional>

namespace fs = std::filesystem;
using namespace slim;
using namespace slim::io;
using tokentest::showIds;

namespace {

enum T : uint32_t { U8 = 0, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 };

template <typename V>
std::string le(V v) {
    std::string s(sizeof(V), '\0');
    std::memcpy(s.data(), &v, sizeof(V));
    return s;
}
std::string gstr(const std::string& s) { return le<uint64_t>(s.size()) + s; }

struct Kv {
    std::string key;
    uint32_t type;
    std::string payload; // encoded value after the type
};
Kv kvU32(const std::string& k, uint32_t v) { return {k, U32, le(v)}; }
Kv kvStr(const std::string& k, const std::string& v) { return {k, STR, gstr(v)}; }
Kv kvBool(const std::string& k, bool v) { return {k, BOOL, std::string(1, char(v))}; }
Kv kvStrings(const std::string& k, const std::vector<std::string>& v) {
    std::string p = le<uint32_t>(STR) + le<uint64_t>(v.size());
    for (const auto& s : v)
        p += gstr(s);
    return {k, ARR, p};
}
template <typename V>
Kv kvArray(const std::string& k, uint32_t elemType, const std::vector<V>& v) {
    std::string p = le<uint32_t>(elemType) + le<uint64_t>(v.size());
    for (V x : v)
        p += le(x);
    return {k, ARR, p};
}

struct TensorSpec {
    std::string name;
    std::vector<uint64_t> dims;
    uint32_t type = 0;
    uint64_t offset = 0;
};

/// A GGUF file written field by field, so that each field can be broken on purpose.
struct GgufSpec {
    std::string magic = "GGUF";
    uint32_t version = 3;
    std::optional<uint64_t> nTensors, nKv;
    std::vector<Kv> kvs;
    std::vector<TensorSpec> tensors;
    uint64_t alignment = 32;
    uint64_t dataBytes = 0;          ///< bytes of tensor data written after the padding
    std::optional<size_t> truncateTo;

    std::string build() const {
        std::string b = magic + le(version) + le<uint64_t>(nTensors.value_or(tensors.size())) +
                        le<uint64_t>(nKv.value_or(kvs.size()));
        for (const auto& kv : kvs)
            b += gstr(kv.key) + le(kv.type) + kv.payload;
        for (const auto& t : tensors) {
            b += gstr(t.name) + le<uint32_t>(uint32_t(t.dims.size()));
            for (uint64_t d : t.dims)
                b += le(d);
            b += le(t.type) + le(t.offset);
        }
        if (!tensors.empty())
            b.resize((b.size() + alignment - 1) / alignment * alignment, '\0');
        for (uint64_t i = 0; i < dataBytes; ++i)
            b.push_back(char(i & 0xFF));
        if (truncateTo)
            b.resize(*truncateTo);
        return b;
    }
};

/// Two tensors (F32 [4,2] = 32 bytes, Q4_0 [64] = 2 blocks of 18 bytes) and one key.
GgufSpec validSpec() {
    GgufSpec s;
    s.kvs = {kvStr("general.architecture", "llama")};
    s.tensors = {{"a.weight", {4, 2}, 0, 0}, {"b.weight", {64}, 2, 32}};
    s.dataBytes = 32 + 36;
    return s;
}

fs::path writeSpec(const GgufSpec& s, const std::string& name) {
    const fs::path p = slimtest::makeTempDir("gguf") / name;
    slimtest::writeBytes(p, s.build());
    return p;
}

using slimtest::expectError;

using Mutation = std::function<void(GgufSpec&)>;

} // namespace

Q_DECLARE_METATYPE(Mutation)

class TestGguf : public QObject {
    Q_OBJECT

private slots:
    void allValueTypes() {
        GgufSpec s = validSpec();
        s.version = 2;
        s.kvs = {
            {"u8", U8, le<uint8_t>(200)},          {"i8", I8, le<int8_t>(-5)},
            {"u16", U16, le<uint16_t>(60000)},     {"i16", I16, le<int16_t>(-300)},
            kvU32("u32", 4000000000u),             {"i32", I32, le<int32_t>(-70000)},
            {"f32", F32, le<float>(1.5f)},         kvBool("bool", true),
            kvStr("str", "h\xC3\xA9llo"),          {"u64", U64, le<uint64_t>(1ull << 60)},
            {"i64", I64, le<int64_t>(-(1ll << 40))}, {"f64", F64, le<double>(-2.25)},
            kvArray<uint8_t>("arr.u8", U8, {1, 2, 3}), kvArray<float>("arr.f32", F32, {0.5f, -1.0f}),
            kvStrings("arr.str", {"a", "", "ccc"}),  kvArray<int32_t>("arr.empty", I32, {}),
        };
        const std::string bytes = s.build();
        const GgufFile g = GgufFile::parse(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "mem.gguf");
        QCOMPARE(g.version(), 2u);
        QCOMPARE(g.metadata().size(), s.kvs.size());
        QCOMPARE(g.at("u8").toInt(), 200);
        QCOMPARE(g.at("i8").toInt(), -5);
        QCOMPARE(g.at("u16").toInt(), 60000);
        QCOMPARE(g.at("i16").toInt(), -300);
        QCOMPARE(g.at("u32").toUInt(), 4000000000ull);
        QCOMPARE(g.at("i32").toInt(), -70000);
        QCOMPARE(g.at("f32").toDouble(), 1.5);
        QCOMPARE(g.at("bool").toBool(), true);
        QCOMPARE(g.at("str").toString(), std::string("h\xC3\xA9llo"));
        QCOMPARE(g.at("u64").toUInt(), 1ull << 60);
        QCOMPARE(g.at("i64").toInt(), -(1ll << 40));
        QCOMPARE(g.at("f64").toDouble(), -2.25);
        QCOMPARE(g.at("arr.u8").toIntArray(), (std::vector<int64_t>{1, 2, 3}));
        QCOMPARE(g.at("arr.f32").toFloatArray(), (std::vector<float>{0.5f, -1.0f}));
        QCOMPARE(g.at("arr.str").toStringArray(), (std::vector<std::string>{"a", "", "ccc"}));
        QCOMPARE(g.at("arr.empty").size(), size_t(0));
        QVERIFY(g.at("arr.str").isArray() && g.at("arr.str").elementType() == GgufType::String);
        QCOMPARE(g.at("arr.f32").summary(), std::string("2 x f32"));
        QVERIFY(!g.find("missing"));
        expectError<FormatError>([&] { g.at("missing"); }, {"mem.gguf", "missing key 'missing'"});
        expectError<FormatError>([&] { g.at("str").toInt("mem.gguf", "str"); }, {"'str'", "integer"});
        expectError<FormatError>([&] { g.at("u32").toString("mem.gguf", "u32"); }, {"'u32'", "string"});

        QCOMPARE(g.tensors().size(), size_t(2));
        QCOMPARE(g.alignment(), uint64_t(32));
        const GgufTensorInfo* b = g.findTensor("b.weight");
        QVERIFY(b);
        QCOMPARE(b->nbytes, uint64_t(36));
        QCOMPARE(b->numel(), uint64_t(64));
        QCOMPARE(b->offset, uint64_t(32));
        QCOMPARE(g.dataOffset() % 32, uint64_t(0));
        QCOMPARE(g.dataOffset() + 32 + 36, g.fileSize());
    }

    void customAlignment() {
        GgufSpec s = validSpec();
        s.alignment = 64;
        s.kvs.push_back(kvU32("general.alignment", 64));
        s.tensors[1].offset = 64;
        s.dataBytes = 64 + 36;
        const GgufFile g = GgufFile::open(writeSpec(s, "align64.gguf"));
        QCOMPARE(g.alignment(), uint64_t(64));
        QCOMPARE(g.dataOffset() % 64, uint64_t(0));
        QCOMPARE(g.findTensor("b.weight")->offset, uint64_t(64));
    }

    void emptyHeader() {
        GgufSpec s;
        const GgufFile g = GgufFile::open(writeSpec(s, "empty.gguf"));
        QVERIFY(g.metadata().empty() && g.tensors().empty());
    }

    void refusals_data() {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* name, Mutation m, const char* needle) { QTest::newRow(name) << m << QString(needle); };
        row("bad magic", [](GgufSpec& s) { s.magic = "GGUX"; }, "bad magic 'GGUX'");
        row("Git LFS pointer", [](GgufSpec& s) { s.magic = "vers"; }, "Git LFS");
        row("version 0", [](GgufSpec& s) { s.version = 0; }, "version 0");
        row("version 1", [](GgufSpec& s) { s.version = 1; }, "version 1 is no longer supported");
        row("future version", [](GgufSpec& s) { s.version = 4; }, "unknown GGUF version 4");
        row("byte-swapped version", [](GgufSpec& s) { s.version = 0x03000000; }, "big-endian");
        row("2^64-1 tensors", [](GgufSpec& s) { s.nTensors = ~uint64_t(0); }, "tensor count 18446744073709551615");
        row("2^64-1 keys", [](GgufSpec& s) { s.nKv = ~uint64_t(0); }, "key/value count 18446744073709551615");
        row("more keys than present", [](GgufSpec& s) { s.nKv = 3; }, "");
        row("empty key", [](GgufSpec& s) { s.kvs.push_back(kvU32("", 1)); }, "key #1 is empty");
        row("duplicate key", [](GgufSpec& s) { s.kvs.push_back(kvStr("general.architecture", "x")); },
            "duplicate key 'general.architecture'");
        row("unknown value type", [](GgufSpec& s) { s.kvs.push_back({"k", 13, le<uint32_t>(0)}); },
            "unknown value type 13");
        row("unknown array element type", [](GgufSpec& s) { s.kvs.push_back({"k", ARR, le<uint32_t>(99) + le<uint64_t>(0)}); },
            "array of unknown value type 99");
        row("array of arrays", [](GgufSpec& s) { s.kvs.push_back({"k", ARR, le<uint32_t>(ARR) + le<uint64_t>(0)}); },
            "array of arrays");
        row("oversized string", [](GgufSpec& s) { s.kvs.push_back({"k", STR, le<uint64_t>(~uint64_t(0))}); },
            "exceeds the limit");
        row("string past the end", [](GgufSpec& s) { s.kvs.push_back({"k", STR, le<uint64_t>(100000) + "abc"}); },
            "runs past the end of the file");
        row("oversized array", [](GgufSpec& s) { s.kvs.push_back({"k", ARR, le<uint32_t>(U8) + le<uint64_t>(1ull << 40)}); },
            "exceeds the limit");
        row("array past the end", [](GgufSpec& s) { s.kvs.push_back({"k", ARR, le<uint32_t>(U32) + le<uint64_t>(1000000)}); },
            "runs past the end of the file");
        row("bool 2", [](GgufSpec& s) { s.kvs.push_back({"k", BOOL, std::string(1, '\x02')}); }, "neither 0 nor 1");
        row("alignment 0", [](GgufSpec& s) { s.kvs.push_back(kvU32("general.alignment", 0)); }, "alignment 0 is not a power of two");
        row("alignment 48", [](GgufSpec& s) { s.kvs.push_back(kvU32("general.alignment", 48)); }, "alignment 48 is not a power of two");
        row("alignment as u64", [](GgufSpec& s) { s.kvs.push_back({"general.alignment", U64, le<uint64_t>(32)}); },
            "must be u32");
        row("tensor name too long", [](GgufSpec& s) { s.tensors[0].name = std::string(64, 'n'); }, "longer than 63 bytes");
        row("duplicate tensor name", [](GgufSpec& s) { s.tensors[1].name = "a.weight"; }, "duplicate tensor name 'a.weight'");
        row("5 dimensions", [](GgufSpec& s) { s.tensors[0].dims = {1, 1, 1, 1, 32}; }, "5 dimensions (at most 4)");
        row("negative dimension", [](GgufSpec& s) { s.tensors[0].dims = {1ull << 63}; }, "is negative");
        row("element count overflow", [](GgufSpec& s) { s.tensors[0].dims = {1ull << 32, 1ull << 32}; }, "overflows");
        row("removed ggml type", [](GgufSpec& s) { s.tensors[0].type = 4; }, "unknown ggml type 4");
        row("unknown ggml type", [](GgufSpec& s) { s.tensors[0].type = 1000; }, "unknown ggml type 1000");
        row("row not a block multiple", [](GgufSpec& s) { s.tensors[1].dims = {40}; }, "not a multiple of the block size 32");
        row("misaligned offset", [](GgufSpec& s) { s.tensors[1].offset = 48; }, "not a multiple of the alignment 32");
        row("offsets out of order", [](GgufSpec& s) { s.tensors[1].offset = 64; }, "offset 64, expected 32");
        row("data shorter than declared", [](GgufSpec& s) { s.dataBytes = 50; }, "the file is truncated");
        row("file cut inside the keys", [](GgufSpec& s) { s.truncateTo = 30; }, "");
        row("shorter than a header", [](GgufSpec& s) { s.truncateTo = 3; }, "too short");
    }
    void refusals() {
        QFETCH(Mutation, mutate);
        QFETCH(QString, needle);
        GgufSpec s = validSpec();
        mutate(s);
        const fs::path p = writeSpec(s, "broken.gguf");
        expectError<FormatError>([&] { GgufFile::open(p); }, {QString::fromStdString(p.string()), needle});
        // The in-memory parser applies the same rules.
        const std::string bytes = s.build();
        expectError<FormatError>(
            [&] { GgufFile::parse(std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), "m.gguf"); },
            {"m.gguf", needle});
    }

    void missingFile() {
        expectError<IoError>([] { GgufFile::open("/nonexistent/x.gguf"); }, {"/nonexistent/x.gguf"});
    }

    // ---- tokenizers from GGUF vocabularies --------------------------------------------------

    void llamaCppVectors_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("llama-spm") << "ggml-vocab-llama-spm.gguf";
        QTest::newRow("gpt-2") << "ggml-vocab-gpt-2.gguf";
    }
    void llamaCppVectors() {
        QFETCH(QString, file);
        const fs::path gguf = tokentest::llamaCppVocabDir() / file.toStdString();
        if (!fs::exists(gguf))
            QFAIL("llama.cpp vocab files missing from tests/data/llamacpp-vocab");
        const auto tok = tok::Tokenizer::fromGguf(gguf);
        const auto cases = tokentest::readVocabCases(gguf);
        QCOMPARE(cases.size(), size_t(46));
        int matched = 0;
        for (const auto& c : cases) {
            // test-tokenizer-0: add_special = false, parse_special = false.
            const auto ids = tok.encode(c.text, false);
            if (ids == c.ids)
                ++matched;
            else
                qWarning("mismatch on \"%s\": got %s expected %s", qPrintable(QString::fromStdString(c.text).left(40)),
                         qPrintable(showIds(ids)), qPrintable(showIds(c.ids)));
        }
        qInfo("%s: %d/%zu llama.cpp vectors match (%s)", qPrintable(file), matched, cases.size(), tok.describe().c_str());
        QCOMPARE(matched, int(cases.size()));
    }

    void llamaSpmDetails() {
        const fs::path gguf = tokentest::llamaCppVocabDir() / "ggml-vocab-llama-spm.gguf";
        if (!fs::exists(gguf))
            QFAIL("llama.cpp vocab files missing from tests/data/llamacpp-vocab");
        const GgufFile g = GgufFile::open(gguf);
        QCOMPARE(g.at("general.architecture").toString(), std::string("llama"));
        QCOMPARE(g.at("tokenizer.ggml.tokens").size(), size_t(32000));
        QCOMPARE(g.at("tokenizer.ggml.scores").elementType(), GgufType::F32);
        const auto t = tok::Tokenizer::fromGguf(gguf);
        QCOMPARE(t.vocabSize(), 32000);
        QCOMPARE(t.bosId(), std::optional<int32_t>(1));
        QCOMPARE(t.eosId(), std::optional<int32_t>(2));
        const auto ids = t.encode("Hello world", true);
        QCOMPARE(ids, (std::vector<int32_t>{1, 15043, 3186}));
        QCOMPARE(t.decode(ids), std::string("<s> Hello world"));
        QCOMPARE(t.decode(ids, true), std::string("Hello world"));
        for (const std::string s : {"  two  spaces ", "\xC3\x84pfel \xF0\x9F\xA6\x99\n\ttab", "line\r\nbreak"})
            QCOMPARE(t.decode(t.encode(s, true), true), s);
        // Hugging Face semantics: a special token written in the text is recognised.
        QCOMPARE(t.encode("a</s>", false), (std::vector<int32_t>{263, 2}));
        const auto gpt2 = tok::Tokenizer::fromGguf(tokentest::llamaCppVocabDir() / "ggml-vocab-gpt-2.gguf");
        QVERIFY(!gpt2.bosId() || gpt2.encode("x", true).size() == 1); // GPT-2 adds no BOS
        for (const std::string s : {" Hello, world!", "\xE4\xB8\xAD\xE6\x96\x87  \n", "<|endoftext|>x"})
            QCOMPARE(gpt2.decode(gpt2.encode(s, false)), s);
    }

    void tinySpm() {
        // Scores decide, not a merge list: "▁ab" is reached through "ab" (score -1 beats "▁a" at -2).
        const std::string sp = "\xE2\x96\x81";
        GgufSpec s;
        s.kvs = {kvStr("tokenizer.ggml.model", "llama"),
                 kvStrings("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "<0x0A>", sp, "a", "b", "ab", sp + "a", sp + "ab"}),
                 kvArray<float>("tokenizer.ggml.scores", F32, {0, 0, 0, 0, -5, -6, -7, -1, -2, -0.5f}),
                 kvArray<int32_t>("tokenizer.ggml.token_type", I32, {2, 3, 3, 6, 1, 1, 1, 1, 1, 1}),
                 kvU32("tokenizer.ggml.bos_token_id", 1), kvU32("tokenizer.ggml.eos_token_id", 2)};
        const auto t = tok::Tokenizer::fromGguf(writeSpec(s, "tiny-spm.gguf"));
        QCOMPARE(t.encode("ab", true), (std::vector<int32_t>{1, 9}));
        QCOMPARE(t.encode("a\n", false), (std::vector<int32_t>{8, 3}));
        QCOMPARE(t.encode("x", false), (std::vector<int32_t>{4, 0})); // no byte token for 'x': unk
        QCOMPARE(t.encode("ba", false), (std::vector<int32_t>{4, 6, 5}));
        QCOMPARE(t.decode(std::vector<int32_t>{1, 9, 8, 3}, true), std::string("ab a\n"));
    }

    void ggufTokenizerRefusals_data() {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("errorType");
        QTest::addColumn<QString>("needle");
        auto row = [](const char* name, Mutation m, const char* type, const char* needle) {
            QTest::newRow(name) << m << QString(type) << QString(needle);
        };
        row("no tokenizer model", [](GgufSpec& s) { s.kvs.erase(s.kvs.begin()); }, "format",
            "missing key 'tokenizer.ggml.model'");
        row("bert vocabulary", [](GgufSpec& s) { s.kvs[0] = kvStr("tokenizer.ggml.model", "bert"); }, "unsupported",
            "tokenizer.ggml.model \"bert\"");
        row("unknown pre-tokenizer", [](GgufSpec& s) { s.kvs.push_back(kvStr("tokenizer.ggml.pre", "deepseek-llm")); },
            "unsupported", "deepseek-llm");
        row("token types count", [](GgufSpec& s) { s.kvs.push_back(kvArray<int32_t>("tokenizer.ggml.token_type", I32, {1})); },
            "format", "token_type has 1 entries");
        row("bos out of range", [](GgufSpec& s) { s.kvs.push_back(kvU32("tokenizer.ggml.bos_token_id", 70)); }, "format",
            "outside the vocabulary");
        row("merge of unknown token", [](GgufSpec& s) { s.kvs[2] = kvStrings("tokenizer.ggml.merges", {"a q"}); }, "format",
            "\"q\"");
        row("tokens not strings", [](GgufSpec& s) { s.kvs[1] = kvArray<int32_t>("tokenizer.ggml.tokens", I32, {1}); },
            "format", "array of strings");
    }
    void ggufTokenizerRefusals() {
        QFETCH(Mutation, mutate);
        QFETCH(QString, errorType);
        QFETCH(QString, needle);
        GgufSpec s;
        s.kvs = {kvStr("tokenizer.ggml.model", "gpt2"), kvStrings("tokenizer.ggml.tokens", {"a", "b", "ab"}),
                 kvStrings("tokenizer.ggml.merges", {"a b"})};
        mutate(s);
        const fs::path p = writeSpec(s, "vocab.gguf");
        if (errorType == "format")
            expectError<FormatError>([&] { tok::Tokenizer::fromGguf(p); }, {QString::fromStdString(p.string()), needle});
        else
            expectError<UnsupportedError>([&] { tok::Tokenizer::fromGguf(p); }, {QString::fromStdString(p.string()), needle});
    }
};

QTEST_GUILESS_MAIN(TestGguf)
#include "tst_gguf.moc"
