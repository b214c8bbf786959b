// Checkpoint folders: single file, shards + index, and every folder rule of
// docs/input-validation.md with folders crafted by the test itself.

#include "core/common/errors.h"
#include "core/io/checkpoint.h"
#include "support/test_util.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using namespace slim;
using namespace slim::io;

namespace {

std::vector<NamedTensor> sampleTensors() {
    return {
        {"model.embed_tokens.weight", at::randn({16, 8})},
        {"model.layers.0.self_attn.q_proj.weight", at::randn({8, 8}).to(at::kBFloat16)},
        {"model.layers.0.mlp.up_proj.weight", at::randn({12, 8}).to(at::kHalf)},
        {"model.norm.weight", at::ones({8})},
        {"lm_head.weight", at::randn({16, 8})},
    };
}

/// Two shards written by hand and an index mapping `tensor -> shard` as given.
void writeShards(const fs::path& dir, const nlohmann::json& weightMap) {
    writeSafetensors(dir / "model-00001-of-00002.safetensors", {{"a", at::ones({2})}, {"b", at::ones({3})}});
    writeSafetensors(dir / "model-00002-of-00002.safetensors", {{"c", at::ones({4})}});
    nlohmann::json index = {{"metadata", {{"total_size", 36}}}, {"weight_map", weightMap}};
    slimtest::writeBytes(dir / "model.safetensors.index.json", index.dump());
}

nlohmann::json goodMap() {
    return {{"a", "model-00001-of-00002.safetensors"},
            {"b", "model-00001-of-00002.safetensors"},
            {"c", "model-00002-of-00002.safetensors"}};
}

template <typename E, typename Fn>
void expectError(Fn&& fn, const fs::path& named, const QStringList& needles) {
    try {
        fn();
        QFAIL(qPrintable("no error; expected one mentioning " + needles.join(", ")));
    } catch (const E& e) {
        const QString msg = QString::fromStdString(e.what());
        QVERIFY2(msg.contains(QString::fromStdString(named.string())), qPrintable("file not named: " + msg));
        for (const auto& n : needles)
            QVERIFY2(msg.contains(n), qPrintable("'" + n + "' not in: " + msg));
    }
}

} // namespace

class TestCheckpoint : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(11); }

    void singleFileRoundTrip() {
        const fs::path dir = slimtest::makeTempDir("ck-single");
        const auto tensors = sampleTensors();
        writeCheckpointWeights(dir, tensors);
        QVERIFY(fs::exists(dir / "model.safetensors"));
        QVERIFY(!fs::exists(dir / "model.safetensors.index.json"));
        const Checkpoint ck = Checkpoint::open(dir);
        const auto names = ck.names();
        QCOMPARE(names.size(), tensors.size());
        QVERIFY(std::is_sorted(names.begin(), names.end()));
        for (const auto& nt : tensors) {
            QVERIFY(ck.contains(nt.name));
            QVERIFY(ck.load(nt.name).equal(nt.tensor));
        }
        QCOMPARE(ck.shards().front()->metadata().at("format"), std::string("pt"));
        const auto byType = ck.bytesByDType();
        QCOMPARE(byType.at("F32"), uint64_t((16 * 8 + 8 + 16 * 8) * 4));
        QCOMPARE(byType.at("BF16"), uint64_t(8 * 8 * 2));
        QCOMPARE(byType.at("F16"), uint64_t(12 * 8 * 2));
        QCOMPARE(ck.totalBytes(), byType.at("F32") + byType.at("BF16") + byType.at("F16"));
        QCOMPARE(ck.info("model.norm.weight").shape, std::vector<int64_t>({8}));
        QVERIFY_THROWS_EXCEPTION(FormatError, ck.info("nope"));
    }

    void shardedRoundTrip() {
        const fs::path dir = slimtest::makeTempDir("ck-sharded");
        const auto tensors = sampleTensors();
        writeCheckpointWeights(dir, tensors, 600); // forces several shards
        QVERIFY(!fs::exists(dir / "model.safetensors"));
        const auto index = nlohmann::json::parse(slimtest::readBytes(dir / "model.safetensors.index.json"));
        const Checkpoint ck = Checkpoint::open(dir);
        QVERIFY(ck.shards().size() >= 3);
        QCOMPARE(index["metadata"]["total_size"].get<uint64_t>(), ck.totalBytes());
        QCOMPARE(index["weight_map"].size(), tensors.size());
        for (const auto& nt : tensors) {
            QVERIFY(ck.load(nt.name).equal(nt.tensor));
            QCOMPARE(ck.fileOf(nt.name).path().filename().string(), index["weight_map"][nt.name].get<std::string>());
        }
        QVERIFY(fs::exists(dir / ("model-00001-of-0000" + std::to_string(ck.shards().size()) + ".safetensors")));
    }

    void rewritingFolderRemovesOldShards() {
        const fs::path dir = slimtest::makeTempDir("ck-rewrite");
        writeCheckpointWeights(dir, sampleTensors(), 600);
        writeCheckpointWeights(dir, sampleTensors()); // now one file
        QVERIFY(!fs::exists(dir / "model.safetensors.index.json"));
        QCOMPARE(Checkpoint::open(dir).shards().size(), size_t(1));
        writeCheckpointWeights(dir, sampleTensors(), 600); // and sharded again
        QVERIFY(!fs::exists(dir / "model.safetensors"));
        QVERIFY(Checkpoint::open(dir).shards().size() > 1);
    }

    void handWrittenIndexOpens() {
        const fs::path dir = slimtest::makeTempDir("ck-hand");
        writeShards(dir, goodMap());
        // Other safetensors files (Mistral's consolidated format, adapters) are not strays.
        writeSafetensors(dir / "consolidated.safetensors", {{"x", at::ones({1})}});
        const Checkpoint ck = Checkpoint::open(dir);
        QCOMPARE(ck.names(), std::vector<std::string>({"a", "b", "c"}));
        QCOMPARE(ck.fileOf("c").path().filename().string(), std::string("model-00002-of-00002.safetensors"));
    }

    // ---- weight_map rules ----------------------------------------------------------------
    void badWeightMap_data() {
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("shard");
        QTest::addColumn<QStringList>("needles");
        QTest::newRow("dotdot") << "c" << "../model-00002-of-00002.safetensors" << QStringList{"\"..\"", "leave"};
        QTest::newRow("bare dotdot") << "c" << ".." << QStringList{"\"..\""};
        QTest::newRow("absolute") << "c" << "/etc/model.safetensors" << QStringList{"absolute path"};
        QTest::newRow("subfolder") << "c" << "sub/model-00002-of-00002.safetensors" << QStringList{"sub-folder"};
        QTest::newRow("backslash") << "c" << "sub\\x.safetensors" << QStringList{"sub-folder"};
        QTest::newRow("empty name") << "c" << "" << QStringList{"is empty"};
        QTest::newRow("not safetensors") << "c" << "pytorch_model.bin" << QStringList{"not a .safetensors file"};
        QTest::newRow("missing shard") << "c" << "model-00003-of-00003.safetensors" << QStringList{"does not exist", "\"c\""};
        QTest::newRow("wrong shard") << "b" << "model-00002-of-00002.safetensors"
                                     << QStringList{"\"b\"", "does not contain it", "it is in \"model-00001-of-00002"};
        QTest::newRow("not in any shard") << "zzz" << "model-00001-of-00002.safetensors"
                                          << QStringList{"\"zzz\"", "does not contain it"};
    }
    void badWeightMap() {
        QFETCH(QString, tensor);
        QFETCH(QString, shard);
        QFETCH(QStringList, needles);
        const fs::path dir = slimtest::makeTempDir("ck-badmap");
        auto map = goodMap();
        map[tensor.toStdString()] = shard.toStdString();
        writeShards(dir, map);
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model.safetensors.index.json", needles);
    }

    void unlistedTensorIsReported() {
        const fs::path dir = slimtest::makeTempDir("ck-unlisted");
        auto map = goodMap();
        map.erase("b");
        writeShards(dir, map);
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model.safetensors.index.json",
                                 {"not listed in weight_map", "\"b\""});
    }

    void strayShardIsReported() {
        const fs::path dir = slimtest::makeTempDir("ck-stray");
        writeShards(dir, goodMap());
        writeSafetensors(dir / "model-00003-of-00003.safetensors", {{"d", at::ones({1})}});
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model.safetensors.index.json",
                                 {"stray shard", "model-00003-of-00003.safetensors"});
    }

    void strayShardNextToSingleFile() {
        const fs::path dir = slimtest::makeTempDir("ck-stray1");
        writeSafetensors(dir / "model.safetensors", {{"a", at::ones({1})}});
        writeSafetensors(dir / "model-00001-of-00002.safetensors", {{"b", at::ones({1})}});
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model-00001-of-00002.safetensors",
                                 {"stray shard"});
    }

    void symlinkEscapeIsRefused() {
        const fs::path root = slimtest::makeTempDir("ck-symlink");
        const fs::path dir = root / "ckpt";
        fs::create_directories(dir);
        writeShards(dir, goodMap());
        fs::rename(dir / "model-00002-of-00002.safetensors", root / "outside.safetensors");
        fs::create_symlink("../outside.safetensors", dir / "model-00002-of-00002.safetensors");
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model.safetensors.index.json",
                                 {"symlink", "leads out of the checkpoint folder"});
    }

    void symlinkInsideFolderIsFine() {
        const fs::path dir = slimtest::makeTempDir("ck-symlink-in");
        writeShards(dir, goodMap());
        fs::create_directories(dir / "store");
        fs::rename(dir / "model-00002-of-00002.safetensors", dir / "store" / "blob");
        fs::create_symlink("store/blob", dir / "model-00002-of-00002.safetensors");
        QCOMPARE(Checkpoint::open(dir).names().size(), size_t(3));
    }

    void huggingFaceCacheLayoutIsFine() {
        // models--org--name/snapshots/<rev>/model.safetensors -> ../../blobs/<sha>
        const fs::path repo = slimtest::makeTempDir("ck-hfcache") / "models--org--tiny";
        fs::create_directories(repo / "blobs");
        fs::create_directories(repo / "snapshots" / "abc123");
        writeSafetensors(repo / "blobs" / "4d7a11", {{"w", at::ones({2})}});
        fs::create_symlink("../../blobs/4d7a11", repo / "snapshots" / "abc123" / "model.safetensors");
        QVERIFY(Checkpoint::open(repo / "snapshots" / "abc123").load("w").equal(at::ones({2})));
        // The same link from a folder that is not a hub snapshot leads out of it.
        fs::create_directories(repo / "other" / "x");
        fs::create_symlink("../../blobs/4d7a11", repo / "other" / "x" / "model.safetensors");
        expectError<FormatError>([&] { Checkpoint::open(repo / "other" / "x"); },
                                 repo / "other" / "x" / "model.safetensors", {"leads out"});
    }

    void badIndexFiles_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QStringList>("needles");
        QTest::newRow("invalid JSON") << "{\"weight_map\": {" << QStringList{"invalid JSON"};
        QTest::newRow("not an object") << "[]" << QStringList{"not a JSON object"};
        QTest::newRow("no weight_map") << "{\"metadata\": {}}" << QStringList{"weight_map"};
        QTest::newRow("empty weight_map") << "{\"weight_map\": {}}" << QStringList{"no tensors"};
        QTest::newRow("duplicate tensor")
            << R"({"weight_map": {"a": "model-00001-of-00002.safetensors", "a": "model-00002-of-00002.safetensors"}})"
            << QStringList{"duplicate key \"a\""};
        QTest::newRow("non-string shard") << R"({"weight_map": {"a": 3}})" << QStringList{"file name string"};
        QTest::newRow("lfs pointer") << "version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n"
                                     << QStringList{"Git LFS pointer"};
    }
    void badIndexFiles() {
        QFETCH(QString, text);
        QFETCH(QStringList, needles);
        const fs::path dir = slimtest::makeTempDir("ck-badindex");
        writeShards(dir, goodMap());
        slimtest::writeBytes(dir / "model.safetensors.index.json", text.toStdString());
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model.safetensors.index.json", needles);
    }

    void badShardNamesTheShard() {
        const fs::path dir = slimtest::makeTempDir("ck-badshard");
        writeShards(dir, goodMap());
        std::string bytes = slimtest::readBytes(dir / "model-00002-of-00002.safetensors");
        slimtest::writeBytes(dir / "model-00002-of-00002.safetensors", bytes + "trailer");
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model-00002-of-00002.safetensors",
                                 {"trailing bytes"});
    }

    // ---- folders without usable weights ---------------------------------------------------
    void lfsPointerInPlaceOfWeights() {
        const fs::path dir = slimtest::makeTempDir("ck-lfs");
        slimtest::writeBytes(dir / "model.safetensors",
                             "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 2471645608\n");
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir / "model.safetensors", {"Git LFS pointer"});
    }

    void pickleOnlyFolderIsRefused_data() {
        QTest::addColumn<QString>("file");
        QTest::newRow("bin") << "pytorch_model.bin";
        QTest::newRow("sharded bin") << "pytorch_model-00001-of-00002.bin";
        QTest::newRow("pt") << "consolidated.00.pt";
        QTest::newRow("pth") << "model.pth";
    }
    void pickleOnlyFolderIsRefused() {
        QFETCH(QString, file);
        const fs::path dir = slimtest::makeTempDir("ck-pickle");
        slimtest::writeBytes(dir / file.toStdString(), std::string("\x80\x02}q\x00.", 6));
        slimtest::writeBytes(dir / "config.json", "{}");
        expectError<UnsupportedError>([&] { Checkpoint::open(dir); }, dir,
                                      {"pickle", file, "safe_serialization=True"});
    }

    void safetensorsNextToPickleIsUsed() {
        const fs::path dir = slimtest::makeTempDir("ck-both");
        slimtest::writeBytes(dir / "pytorch_model.bin", "pickle");
        writeCheckpointWeights(dir, sampleTensors());
        QCOMPARE(Checkpoint::open(dir).names().size(), sampleTensors().size());
    }

    void folderWithoutWeights() {
        const fs::path dir = slimtest::makeTempDir("ck-none");
        slimtest::writeBytes(dir / "config.json", "{}");
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir, {"no model.safetensors"});
        writeSafetensors(dir / "model-00001-of-00002.safetensors", {{"a", at::ones({1})}});
        expectError<FormatError>([&] { Checkpoint::open(dir); }, dir, {"need their index"});
    }

    void missingFolderIsIoError() {
        const fs::path dir = slimtest::makeTempDir("ck-missing") / "nope";
        expectError<IoError>([&] { Checkpoint::open(dir); }, dir, {"no such folder"});
        slimtest::writeBytes(dir, "a file");
        expectError<IoError>([&] { Checkpoint::open(dir); }, dir, {"not a folder"});
    }

    void writerRefusesDuplicateNames() {
        const fs::path dir = slimtest::makeTempDir("ck-wdup");
        std::vector<NamedTensor> t = {{"a", at::ones({1})}, {"a", at::ones({2})}};
        expectError<FormatError>([&] { writeCheckpointWeights(dir, t, 4); }, dir, {"duplicate tensor name"});
        QVERIFY(fs::is_empty(dir));
    }
};

QTEST_GUILESS_MAIN(TestCheckpoint)
#include "tst_checkpoint.moc"
