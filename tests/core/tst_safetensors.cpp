// Safetensors reader / writer and atomic file writes: one test per rule of
// docs/input-validation.md, with files crafted by the test itself.

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/io/strict_json.h"
#include "support/test_util.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <torch/version.h>

#include <csignal>
#include <cstring>
#include <sys/resource.h>

namespace fs = std::filesystem;
using namespace slim;
using namespace slim::io;

Q_DECLARE_METATYPE(std::string)

namespace {

std::string le64(uint64_t n) {
    std::string s(8, '\0');
    std::memcpy(s.data(), &n, 8);
    return s;
}

/// A safetensors file from a literal header and data section.
std::string craft(const std::string& header, const std::string& data = {}) {
    return le64(header.size()) + header + data;
}

std::string f32Entry(const std::string& name, int64_t n, uint64_t begin) {
    return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":[" + std::to_string(n) + "],\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(begin + 4 * n) + "]}";
}

/// Run `fn`, expect FormatError whose message names `file` and contains every needle.
template <typename Fn>
void expectFormatError(Fn&& fn, const fs::path& file, const QStringList& needles) {
    try {
        fn();
        QFAIL(qPrintable("no error; expected one mentioning " + needles.join(", ")));
    } catch (const FormatError& e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.contains(QString::fromStdString(file.string())), qPrintable("file not named: " + msg));
        QCOMPARE(QString::fromStdString(e.file()), QString::fromStdString(file.string()));
        for (const auto& n : needles)
            QVERIFY2(QString::fromStdString(e.rule()).contains(n), qPrintable("'" + n + "' not in: " + msg));
    }
}

bool noTempFilesIn(const fs::path& dir) {
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().filename().string().find(".tmp-") != std::string::npos)
            return false;
    return true;
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(7); }

    // ---- round trips ---------------------------------------------------------------------
    void roundTrip_data() {
        QTest::addColumn<int>("scalarType");
        QTest::addColumn<QString>("stName");
        QTest::newRow("fp32") << int(at::kFloat) << "F32";
        QTest::newRow("bf16") << int(at::kBFloat16) << "BF16";
        QTest::newRow("fp16") << int(at::kHalf) << "F16";
        QTest::newRow("fp64") << int(at::kDouble) << "F64";
        QTest::newRow("int8") << int(at::kChar) << "I8";
        QTest::newRow("uint8") << int(at::kByte) << "U8";
        QTest::newRow("int16") << int(at::kShort) << "I16";
        QTest::newRow("int32") << int(at::kInt) << "I32";
        QTest::newRow("int64") << int(at::kLong) << "I64";
        QTest::newRow("bool") << int(at::kBool) << "BOOL";
    }
    void roundTrip() {
        QFETCH(int, scalarType);
        QFETCH(QString, stName);
        const auto st = static_cast<at::ScalarType>(scalarType);
        const fs::path dir = slimtest::makeTempDir("st-rt");
        at::Tensor a = (at::randn({3, 5}) * 50).to(st);
        at::Tensor b = (at::randn({7}) * 50).to(st);
        const fs::path file = dir / "x.safetensors";
        writeSafetensors(file, {{"a", a}, {"b.weight", b}}, {{"format", "pt"}, {"who", "slimbench"}});

        auto f = SafetensorsFile::open(file);
        QCOMPARE(f->tensors().size(), size_t(2));
        QCOMPARE(QString::fromStdString(std::string(traits(f->find("a")->dtype).name)), stName);
        QCOMPARE(f->metadata().at("who"), std::string("slimbench"));
        QVERIFY(f->load("a").equal(a));
        QVERIFY(f->load("b.weight").equal(b));
        QCOMPARE(f->load("a").scalar_type(), st);
        // The writer pads the header so that the data section starts 8-aligned.
        QCOMPARE(f->headerSize() % 8, uint64_t(0));
        QVERIFY(noTempFilesIn(dir));
    }

    void rank0AndZeroSizeTensors() {
        const fs::path dir = slimtest::makeTempDir("st-zero");
        const fs::path file = dir / "z.safetensors";
        at::Tensor scalar = at::scalar_tensor(3.5, at::kFloat);
        at::Tensor empty1 = at::empty({0, 3}, at::kFloat);
        at::Tensor empty2 = at::empty({2, 0, 4}, at::kBFloat16);
        at::Tensor after = at::arange(4, at::kInt);
        writeSafetensors(file, {{"scalar", scalar}, {"e1", empty1}, {"e2", empty2}, {"after", after}});
        auto f = SafetensorsFile::open(file);
        QCOMPARE(f->find("scalar")->shape.size(), size_t(0));
        QCOMPARE(f->find("scalar")->byteSize(), uint64_t(4));
        QCOMPARE(f->load("scalar").dim(), int64_t(0));
        QCOMPARE(f->load("scalar").item<float>(), 3.5f);
        QCOMPARE(f->load("e1").sizes().vec(), std::vector<int64_t>({0, 3}));
        QCOMPARE(f->load("e2").sizes().vec(), std::vector<int64_t>({2, 0, 4}));
        QCOMPARE(f->find("e2")->numel(), int64_t(0));
        QVERIFY(f->load("after").equal(after));
    }

    void emptyFileHasNoTensors() {
        const fs::path dir = slimtest::makeTempDir("st-empty");
        writeSafetensors(dir / "e.safetensors", {});
        QCOMPARE(SafetensorsFile::open(dir / "e.safetensors")->tensors().size(), size_t(0));
    }

    void unalignedDataIsCopiedIntoAlignedTensors() {
        // A header padded so that data starts at a file offset = 5 (mod 8): no float is 4-aligned in the map.
        const fs::path dir = slimtest::makeTempDir("st-unaligned");
        std::string header = "{" + f32Entry("u", 3, 0) + "}";
        while ((8 + header.size()) % 8 != 5)
            header += ' ';
        const float vals[3] = {1.5f, -2.25f, 1e-3f};
        const std::string data(reinterpret_cast<const char*>(vals), sizeof vals);
        slimtest::writeBytes(dir / "u.safetensors", craft(header, data));
        auto f = SafetensorsFile::open(dir / "u.safetensors");
        QVERIFY(reinterpret_cast<uintptr_t>(f->raw(*f->find("u")).data()) % 4 != 0);
        at::Tensor t = f->load("u");
        QCOMPARE(reinterpret_cast<uintptr_t>(t.data_ptr()) % alignof(float), uintptr_t(0));
        QCOMPARE(t[0].item<float>(), 1.5f);
        QCOMPARE(t[1].item<float>(), -2.25f);
        QCOMPARE(t[2].item<float>(), 1e-3f);
    }

    void leadingAndTrailingSpacesInHeader() {
        const fs::path dir = slimtest::makeTempDir("st-spaces");
        const std::string header = "  {" + f32Entry("w", 1, 0) + "}     ";
        slimtest::writeBytes(dir / "s.safetensors", craft(header, std::string(4, '\0')));
        QCOMPARE(SafetensorsFile::open(dir / "s.safetensors")->tensors().size(), size_t(1));
    }

    void subByteDtypes() {
        // F4: 2 elements a byte; F6: 4 elements in 3 bytes.  Counted in bits, as the reference does.
        const fs::path dir = slimtest::makeTempDir("st-subbyte");
        const std::string header = R"({"f4":{"dtype":"F4","shape":[2,4],"data_offsets":[0,4]},)"
                                   R"("f6":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[4,7]}})";
        slimtest::writeBytes(dir / "s.safetensors", craft(header, std::string(7, '\x11')));
        auto f = SafetensorsFile::open(dir / "s.safetensors");
        QCOMPARE(f->find("f4")->byteSize(), uint64_t(4));
        QCOMPARE(f->find("f6")->byteSize(), uint64_t(3));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, f->load("f4"));
        QCOMPARE(f->raw(*f->find("f6")).size(), size_t(3));
    }

    void float8LoadsOnlyWhereLibTorchHasIt() {
        const fs::path dir = slimtest::makeTempDir("st-f8");
        const std::string header = R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})";
        slimtest::writeBytes(dir / "f8.safetensors", craft(header, std::string("\x38\x40\x00\xb8", 4)));
        auto f = SafetensorsFile::open(dir / "f8.safetensors");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
        at::Tensor t = f->load("w").to(at::kFloat);
        QCOMPARE(t[0].item<float>(), 1.0f);
        QCOMPARE(t[1].item<float>(), 2.0f);
        QCOMPARE(t[3].item<float>(), -1.0f);
#else
        QVERIFY(!toScalarType(DType::F8_E4M3).has_value());
        try {
            f->load("w");
            QFAIL("F8 loaded on a LibTorch without float8");
        } catch (const UnsupportedError& e) {
            QVERIFY(QString(e.what()).contains("F8_E4M3"));
            QVERIFY(QString(e.what()).contains("\"w\""));
        }
#endif
    }

    void nonContiguousTensorIsWrittenInLogicalOrder() {
        const fs::path dir = slimtest::makeTempDir("st-noncontig");
        at::Tensor base = at::arange(12, at::kFloat).reshape({3, 4});
        at::Tensor t = base.t();
        QVERIFY(!t.is_contiguous());
        writeSafetensors(dir / "t.safetensors", {{"t", t}});
        QVERIFY(SafetensorsFile::open(dir / "t.safetensors")->load("t").equal(t));
    }

    // ---- the rules: every bad file is refused with its own message ------------------------
    void badFiles_data() {
        QTest::addColumn<std::string>("bytes");
        QTest::addColumn<QStringList>("needles");
        const std::string four(4, '\0');
        const std::string ok = f32Entry("w", 1, 0);

        QTest::newRow("empty file") << std::string() << QStringList{"too short"};
        QTest::newRow("truncated length") << std::string("\x10\x00\x00", 3) << QStringList{"too short"};
        QTest::newRow("header beyond file") << le64(1000) + "{}" << QStringList{"header length 1000", "beyond the end of the file"};
        QTest::newRow("header above 100 MB") << le64(100'000'001) + "{}" << QStringList{"exceeds the limit", "100000000"};
        QTest::newRow("header length 2^64-1") << le64(~uint64_t(0)) << QStringList{"exceeds the limit"};
        QTest::newRow("invalid JSON") << craft("{\"w\": {\"dtype\": ") << QStringList{"invalid JSON"};
        QTest::newRow("invalid UTF-8") << craft("{\"\xff\xfe\":1}") << QStringList{"not valid UTF-8"};
        QTest::newRow("non-object header") << craft("[1,2,3]") << QStringList{"not a JSON object", "array"};
        QTest::newRow("entry not object") << craft("{\"w\":5}") << QStringList{"\"w\"", "not an object"};
        QTest::newRow("unknown dtype") << craft(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}})", four)
                                       << QStringList{"unknown dtype", "F12", "\"w\""};
        QTest::newRow("missing dtype") << craft(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", four)
                                       << QStringList{"missing \"dtype\""};
        QTest::newRow("missing shape") << craft(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", four)
                                       << QStringList{"missing \"shape\""};
        QTest::newRow("missing offsets") << craft(R"({"w":{"dtype":"F32","shape":[1]}})", four)
                                         << QStringList{"missing \"data_offsets\""};
        QTest::newRow("three offsets") << craft(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", four)
                                       << QStringList{"data_offsets", "[begin, end]"};
        QTest::newRow("gap") << craft("{" + f32Entry("a", 1, 0) + "," + f32Entry("b", 1, 8) + "}", std::string(12, '\0'))
                             << QStringList{"gap of 4 bytes", "\"b\""};
        QTest::newRow("gap at start") << craft("{" + f32Entry("a", 1, 4) + "}", std::string(8, '\0'))
                                      << QStringList{"gap of 4 bytes", "\"a\""};
        QTest::newRow("overlap") << craft("{" + f32Entry("a", 2, 0) + "," + f32Entry("b", 1, 4) + "}", std::string(12, '\0'))
                                 << QStringList{"overlaps"};
        QTest::newRow("offsets beyond data") << craft("{" + f32Entry("a", 1000, 0) + "}", four)
                                             << QStringList{"beyond the end of the data section", "\"a\""};
        QTest::newRow("truncated data") << craft("{" + f32Entry("a", 4, 0) + "}", std::string(10, '\0'))
                                        << QStringList{"beyond the end of the data section", "truncated"};
        QTest::newRow("size mismatch") << craft(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", four)
                                       << QStringList{"span 4 bytes", "needs 8 bytes"};
        QTest::newRow("shape x dtype overflow")
            << craft(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", four)
            << QStringList{"overflows"};
        QTest::newRow("numel x bits overflow")
            << craft(R"({"w":{"dtype":"F64","shape":[9007199254740992,256],"data_offsets":[0,4]}})", four)
            << QStringList{"overflows"};
        QTest::newRow("negative offset") << craft(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", four)
                                         << QStringList{"data_offsets begin", "negative"};
        QTest::newRow("fractional offset") << craft(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}})", four)
                                           << QStringList{"data_offsets end", "fractional"};
        QTest::newRow("offset above 2^53") << craft(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[9007199254740993,9007199254740997]}})", four)
                                           << QStringList{"2^53"};
        QTest::newRow("offset above 2^64") << craft(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551620]}})", four)
                                           << QStringList{"too large"};
        QTest::newRow("negative shape") << craft(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", four)
                                        << QStringList{"shape[0]", "negative"};
        QTest::newRow("fractional shape") << craft(R"({"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})", four)
                                          << QStringList{"shape[0]", "fractional"};
        QTest::newRow("string shape") << craft(R"({"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})", four)
                                      << QStringList{"shape[0]", "string"};
        QTest::newRow("end before begin") << craft(R"({"w":{"dtype":"F32","shape":[0],"data_offsets":[4,0]}})", four)
                                          << QStringList{"before begin"};
        QTest::newRow("trailing bytes") << craft("{" + ok + "}", four + "PK\x03\x04zip")
                                        << QStringList{"7 trailing bytes"};
        QTest::newRow("duplicate names") << craft("{" + ok + "," + ok + "}", four)
                                         << QStringList{"duplicate tensor name", "\"w\""};
        QTest::newRow("duplicate field") << craft(R"({"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})", four)
                                         << QStringList{"duplicate key \"dtype\""};
        QTest::newRow("metadata not string") << craft(R"({"__metadata__":{"n":3},)" + ok + "}", four)
                                             << QStringList{"__metadata__", "\"n\""};
        QTest::newRow("metadata not object") << craft(R"({"__metadata__":[1],)" + ok + "}", four)
                                             << QStringList{"__metadata__"};
        QTest::newRow("odd F4 count") << craft(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", std::string(2, '\0'))
                                      << QStringList{"whole bytes"};
        QTest::newRow("deep nesting") << craft(R"({"__metadata__":)" + std::string(40, '[') + std::string(40, ']') + "}")
                                      << QStringList{"nested deeper"};
        QTest::newRow("git lfs pointer")
            << std::string("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 2471645608\n")
            << QStringList{"Git LFS pointer", "git lfs pull"};
    }
    void badFiles() {
        QFETCH(std::string, bytes);
        QFETCH(QStringList, needles);
        const fs::path dir = slimtest::makeTempDir("st-bad");
        const fs::path file = dir / "bad.safetensors";
        slimtest::writeBytes(file, bytes);
        expectFormatError([&] { SafetensorsFile::open(file); }, file, needles);
    }

    void missingFileIsIoError() {
        const fs::path file = slimtest::makeTempDir("st-missing") / "nope.safetensors";
        try {
            SafetensorsFile::open(file);
            QFAIL("opened a missing file");
        } catch (const IoError& e) {
            QVERIFY(QString(e.what()).contains(QString::fromStdString(file.string())));
        }
    }

    // ---- the writer ----------------------------------------------------------------------
    void writerRefusesDuplicatesAndLeavesNothing() {
        const fs::path dir = slimtest::makeTempDir("st-wdup");
        const fs::path file = dir / "d.safetensors";
        at::Tensor t = at::ones({2});
        expectFormatError([&] { writeSafetensors(file, {{"a", t}, {"a", t}}); }, file, {"duplicate tensor name"});
        expectFormatError([&] { writeSafetensors(file, {{"__metadata__", t}}); }, file, {"reserved"});
        QVERIFY(!fs::exists(file));
        QVERIFY(noTempFilesIn(dir));
    }

    void writerRefusesUnsupportedDtype() {
        const fs::path dir = slimtest::makeTempDir("st-wdtype");
        const fs::path file = dir / "c.safetensors";
        try {
            writeSafetensors(file, {{"ok", at::ones({2})}, {"cplx", at::ones({2}, at::kComplexDouble)}});
            QFAIL("wrote complex128");
        } catch (const UnsupportedError& e) {
            QVERIFY(QString(e.what()).contains("cplx"));
            QVERIFY(QString(e.what()).contains(QString::fromStdString(file.string())));
        }
        QVERIFY(!fs::exists(file));
        QVERIFY(noTempFilesIn(dir));
    }

    void rewriteKeepsExistingMappingValid() {
        // The writer renames a new file into place: a reader of the old file keeps its data.
        const fs::path dir = slimtest::makeTempDir("st-remap");
        const fs::path file = dir / "m.safetensors";
        writeSafetensors(file, {{"w", at::full({1024}, 1.0f)}});
        auto old = SafetensorsFile::open(file);
        writeSafetensors(file, {{"w", at::full({1024}, 2.0f)}, {"v", at::ones({3})}});
        QCOMPARE(old->load("w")[100].item<float>(), 1.0f);
        QCOMPARE(SafetensorsFile::open(file)->load("w")[100].item<float>(), 2.0f);
    }

    // ---- atomic files -----------------------------------------------------------------------
    void atomicWriteReplacesContent() {
        const fs::path dir = slimtest::makeTempDir("atomic");
        writeFileAtomic(dir / "a.json", "first");
        writeFileAtomic(dir / "a.json", "second");
        QCOMPARE(readTextFile(dir / "a.json"), std::string("second"));
        QVERIFY(noTempFilesIn(dir));
    }

    void atomicWriteIntoMissingFolderNamesFile() {
        const fs::path file = slimtest::makeTempDir("atomic-missing") / "no" / "such" / "a.json";
        try {
            writeFileAtomic(file, "x");
            QFAIL("wrote into a missing folder");
        } catch (const IoError& e) {
            QVERIFY(QString(e.what()).contains(QString::fromStdString(file.string())));
        }
    }

    void atomicWriteFailureLeavesOldFile() {
        // A file-size limit makes write() fail with EFBIG, as a full disk fails with ENOSPC.
        const fs::path dir = slimtest::makeTempDir("atomic-full");
        const fs::path file = dir / "big.bin";
        writeFileAtomic(file, "old content");
        rlimit old {};
        QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
        const auto oldHandler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 1 << 16;
        QCOMPARE(setrlimit(RLIMIT_FSIZE, &small), 0);
        bool threw = false;
        std::string message;
        try {
            writeFileAtomic(file, std::string(1 << 20, 'x'));
        } catch (const IoError& e) {
            threw = true;
            message = e.what();
        }
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, oldHandler);
        QVERIFY(threw);
        QVERIFY2(QString::fromStdString(message).contains(QString::fromStdString(file.string())), message.c_str());
        QCOMPARE(readTextFile(file), std::string("old content"));
        QVERIFY(noTempFilesIn(dir));
    }

    void staleTempFilesAreRemoved() {
        const fs::path dir = slimtest::makeTempDir("atomic-stale");
        // pid 999999999 is above any pid_max: that process cannot be alive.
        slimtest::writeBytes(dir / "model.safetensors.tmp-999999999-0", "partial");
        const std::string mine = "cfg.json.tmp-" + std::to_string(::getpid()) + "-3";
        slimtest::writeBytes(dir / mine, "being written");
        slimtest::writeBytes(dir / "notes.tmp-abc", "not ours");
        QCOMPARE(removeStaleTempFiles(dir), size_t(1));
        QVERIFY(!fs::exists(dir / "model.safetensors.tmp-999999999-0"));
        QVERIFY(fs::exists(dir / mine));
        QVERIFY(fs::exists(dir / "notes.tmp-abc"));
        QCOMPARE(removeStaleTempFiles(dir / "missing"), size_t(0));
    }

    void readTextFileLimit() {
        const fs::path dir = slimtest::makeTempDir("atomic-read");
        slimtest::writeBytes(dir / "big.txt", std::string(2000, 'a'));
        QCOMPARE(readTextFile(dir / "big.txt").size(), size_t(2000));
        QVERIFY_THROWS_EXCEPTION(IoError, readTextFile(dir / "big.txt", 100));
        QVERIFY_THROWS_EXCEPTION(IoError, readTextFile(dir / "absent.txt"));
    }

    // ---- dtype table ---------------------------------------------------------------------------
    void dtypeTable() {
        for (int i = 0; i < kNumDTypes; ++i) {
            const auto t = static_cast<DType>(i);
            QCOMPARE(parseDType(traits(t).name), std::optional<DType>(t));
            if (const auto st = toScalarType(t))
                QCOMPARE(fromScalarType(*st), t);
        }
        QVERIFY(!parseDType("F12").has_value());
        QVERIFY(!parseDType("f32").has_value()); // names are case-sensitive, as in the format
        QCOMPARE(traits(DType::F4).bits, 4);
        QCOMPARE(traits(DType::F6_E3M2).bits, 6);
        QCOMPARE(displayName(at::kBFloat16), std::string("bf16"));
        QCOMPARE(displayName(at::kFloat), std::string("fp32"));
        QVERIFY_THROWS_EXCEPTION(UnsupportedError, fromScalarType(at::kComplexDouble));
    }

    void strictJsonUtf8() {
        QCOMPARE(firstInvalidUtf8("plain"), std::string_view::npos);
        QCOMPARE(firstInvalidUtf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"), std::string_view::npos);
        QCOMPARE(firstInvalidUtf8("ab\xc0\xaf"), size_t(2));        // overlong '/'
        QCOMPARE(firstInvalidUtf8("\xed\xa0\x80"), size_t(0));      // surrogate
        QCOMPARE(firstInvalidUtf8("x\xe2\x82"), size_t(1));         // truncated
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
