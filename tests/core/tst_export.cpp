// Export (core/export, core/quant/gguf_quants, core/io/gguf_writer): ggml block formats against
// their definitions, GGUF files read back by our validating reader (metadata, shapes, values, the
// rotary permutation), the exported vocabulary tokenizing exactly like tokenizer.json, pruned models,
// and the CLI.  llama.cpp itself loads these files in tests/bench/gguf_check.sh (where it is built).
#include "support/cli_run.h"
#include "support/expect_error.h"
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/export/gguf_export.h"
#include "core/io/atomic_file.h"
#include "core/io/gguf_reader.h"
#include "core/model/llama_model.h"
#include "core/prune/width_prune.h"
#include "core/quant/gguf_quants.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cstring>
#include <fstream>

using namespace slim;
using quant::GgmlType;
using model::Proj;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }

std::vector<uint8_t> tensorBytes(const fs::path& file, const io::GgufFile& g, const std::string& name) {
    const auto* t = g.findTensor(name);
    if (!t)
        throw std::runtime_error("no tensor " + name);
    std::ifstream f(file, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(g.dataOffset() + t->offset));
    std::vector<uint8_t> b(t->nbytes);
    f.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
    return b;
}

at::Tensor decodeTensor(const fs::path& file, const io::GgufFile& g, const std::string& name) {
    const auto* t = g.findTensor(name);
    const int64_t cols = int64_t(t->shape[0]), rows = t->shape.size() > 1 ? int64_t(t->shape[1]) : 1;
    return quant::ggmlDecode(tensorBytes(file, g, name), static_cast<GgmlType>(t->type), rows, cols);
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT

private slots:
    void q4_0BlockByHand() {
        // One block: the largest magnitude is −4 -> d = 0.5; codes trunc(x/d + 8.5) capped at 15.
        std::vector<float> x(32, 0.0f);
        x[0] = -4.0f;
        x[1] = 1.0f;
        x[16] = 3.9f; // 7.8 + 8.5 = 16.3 -> 15
        x[17] = -1.2f; // -2.4 + 8.5 = 6.1 -> 6
        const auto b = quant::ggmlEncode(at::tensor(x).view({1, 32}), GgmlType::Q4_0);
        QCOMPARE(b.size(), size_t(18));
        uint16_t h;
        std::memcpy(&h, b.data(), 2);
        QCOMPARE(h, uint16_t(0x3800)); // fp16 0.5
        QCOMPARE(int(b[2] & 0xF), 0);  // -4 / 0.5 + 8.5 = 0.5 -> 0
        QCOMPARE(int(b[3] & 0xF), 10); // 2 + 8.5 -> 10
        QCOMPARE(int(b[2] >> 4), 15);
        QCOMPARE(int(b[3] >> 4), 6);
        const at::Tensor y = quant::ggmlDecode(b, GgmlType::Q4_0, 1, 32);
        QCOMPARE(y[0][0].item<float>(), -4.0f);
        QCOMPARE(y[0][16].item<float>(), 3.5f);
    }

    void blockFormatsRoundTrip() {
        at::manual_seed(11);
        const at::Tensor w = at::randn({8, 512});
        struct Case {
            GgmlType t;
            double bound; // max |error| relative to max |w| of the row
        };
        for (auto c : {Case{GgmlType::Q8_0, 0.005}, Case{GgmlType::Q4_0, 0.13}, Case{GgmlType::Q4_K, 0.08}, Case{GgmlType::F16, 1e-3}}) {
            const auto bytes = quant::ggmlEncode(w, c.t);
            QCOMPARE(int64_t(bytes.size()), 8 * 512 / quant::ggmlBlockSize(c.t) * quant::ggmlBlockBytes(c.t));
            const at::Tensor y = quant::ggmlDecode(bytes, c.t, 8, 512);
            const double err = ((y - w).abs().amax(1) / w.abs().amax(1)).max().item<double>();
            QVERIFY2(err < c.bound, qPrintable(QString("%1: %2").arg(QString::fromStdString(std::string(quant::ggmlTypeName(c.t)))).arg(err)));
        }
        // Q4_K fits each sub-block better than Q4_0's one-sided scale on shifted data.
        const at::Tensor s = at::rand({4, 256}) + 0.5;
        const double e4k = (quant::ggmlDecode(quant::ggmlEncode(s, GgmlType::Q4_K), GgmlType::Q4_K, 4, 256) - s).pow(2).mean().item<double>();
        const double e40 = (quant::ggmlDecode(quant::ggmlEncode(s, GgmlType::Q4_0), GgmlType::Q4_0, 4, 256) - s).pow(2).mean().item<double>();
        QVERIFY2(e4k < e40, qPrintable(QString("q4_k %1 q4_0 %2").arg(e4k).arg(e40)));
        slimtest::expectError<ConfigError>([] { quant::ggmlEncode(at::zeros({2, 48}), GgmlType::Q4_0); }, {"48", "block size 32"});
        slimtest::expectError<ConfigError>([] { quant::parseGgmlType("q5_1"); }, {"q5_1", "q4_k"});
    }

    void llamaFileReadsBack() {
        const auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const fs::path out = slimtest::makeTempDir("gguf") / "m.gguf";
        exporting::GgufExportOptions o;
        o.type = GgmlType::F32;
        const auto rep = exporting::exportGguf(*m, fixture("llama-fp32"), out, o, JobContext::none());
        QCOMPARE(QString::fromStdString(rep.architecture), QString("llama"));
        const auto g = io::GgufFile::open(out); // every rule of llama.cpp's reader holds
        const auto& cfg = m->config();
        QCOMPARE(g.find("general.architecture")->toString(), std::string("llama"));
        QCOMPARE(g.find("llama.block_count")->toInt(), cfg.numLayers);
        QCOMPARE(g.find("llama.attention.head_count_kv")->toInt(), cfg.numKvHeads);
        QCOMPARE(g.find("llama.rope.dimension_count")->toInt(), cfg.headDim);
        QCOMPARE(g.find("llama.feed_forward_length")->toInt(), cfg.intermediateSize);
        // Llama 3.1 rope scaling: the frequency factors as a tensor.
        QVERIFY(g.findTensor("rope_freqs.weight"));
        QCOMPARE(int64_t(g.findTensor("rope_freqs.weight")->shape[0]), cfg.headDim / 2);
        // Values: embedding as is; q_proj with rows permuted to llama.cpp's interleaved pairs.
        QVERIFY(at::equal(decodeTensor(out, g, "token_embd.weight"), m->embedTokens()));
        const at::Tensor q = decodeTensor(out, g, "blk.1.attn_q.weight");
        const at::Tensor wq = m->layer(1).p(Proj::Q).denseWeight();
        const int64_t H = m->layer(1).numHeads, D = cfg.headDim;
        for (int64_t h = 0; h < H; ++h)
            for (int64_t i = 0; i < D / 2; ++i) {
                // llama.cpp row h·D + 2i is transformers' row h·D + i, row h·D + 2i + 1 is h·D + i + D/2.
                QVERIFY(at::equal(q[h * D + 2 * i], wq[h * D + i]));
                QVERIFY(at::equal(q[h * D + 2 * i + 1], wq[h * D + i + D / 2]));
            }
        QVERIFY(at::equal(decodeTensor(out, g, "blk.0.ffn_down.weight"), m->layer(0).p(Proj::Down).denseWeight()));
        // The exported vocabulary tokenizes like tokenizer.json (llama.cpp's SentencePiece rules).
        const auto hf = tok::Tokenizer::fromPath(fixture("llama-fp32"));
        const auto gg = tok::Tokenizer::fromGguf(out);
        // (From the second character: the file starts with a space, where tokenizers' Metaspace
        // "first" adds no ▁ but SentencePiece and llama.cpp always add one — a difference of the two
        // tokenizers, not of the export.)
        const std::string text = io::readTextFile(slimtest::wikiTestRaw()).substr(1, 20000);
        const auto a = hf.encode(text, true), b = gg.encode(text, true);
        size_t first = 0;
        while (first < std::min(a.size(), b.size()) && a[first] == b[first])
            ++first;
        if (first < std::max(a.size(), b.size())) {
            QString ctxA, ctxB;
            for (size_t i = first; i < std::min(a.size(), first + 6); ++i)
                ctxA += QString::fromStdString(hf.idToToken(a[i])) + "|";
            for (size_t i = first; i < std::min(b.size(), first + 6); ++i)
                ctxB += QString::fromStdString(hf.idToToken(b[i])) + "|";
            QFAIL(qPrintable(QString("first difference at token %1: tokenizer.json %2 vs GGUF %3").arg(first).arg(ctxA, ctxB)));
        }
    }

    void qwenAndPrunedArchitectures() {
        // Qwen2: its own architecture, q/k/v biases, no permutation (NEOX rotary in llama.cpp).
        const auto q = model::LlamaModel::load(fixture("qwen2-sharded"), model::LoadOptions{});
        const fs::path dir = slimtest::makeTempDir("gguf-arch");
        exporting::GgufExportOptions o;
        o.type = GgmlType::F32;
        exporting::exportGguf(*q, fixture("qwen2-sharded"), dir / "q.gguf", o, JobContext::none());
        const auto g = io::GgufFile::open(dir / "q.gguf");
        QCOMPARE(g.find("general.architecture")->toString(), std::string("qwen2"));
        QCOMPARE(g.find("qwen2.rope.scaling.type")->toString(), std::string("linear"));
        QVERIFY(at::equal(decodeTensor(dir / "q.gguf", g, "blk.0.attn_q.weight"), q->layer(0).p(Proj::Q).denseWeight()));
        QVERIFY(g.findTensor("blk.0.attn_q.bias"));
        // Width-pruned per layer: llama.cpp's "deci" architecture with per-layer arrays.
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        prune::WidthPruneOptions wo;
        wo.ratio = 0.5;
        wo.firstLayer = 1;
        wo.lastLayer = 1;
        prune::pruneWidth(*m, at::Tensor(), wo, JobContext::none());
        exporting::exportGguf(*m, fixture("llama-fp32"), dir / "w.gguf", o, JobContext::none());
        const auto gw = io::GgufFile::open(dir / "w.gguf");
        QCOMPARE(gw.find("general.architecture")->toString(), std::string("deci"));
        const auto ff = gw.find("deci.feed_forward_length")->toIntArray();
        QCOMPARE(ff.size(), size_t(2));
        QCOMPARE(ff[0], m->config().intermediateOf(0));
        QCOMPARE(ff[1], m->config().intermediateOf(1));
        QVERIFY(ff[1] < ff[0]);
        QCOMPARE(int64_t(gw.findTensor("blk.1.ffn_up.weight")->shape[1]), ff[1]);
    }

    void cliExport() {
        const QString src = QString::fromStdString(fixture("llama-fp32").string());
        const fs::path tmp = slimtest::makeTempDir("cli-export");
        auto r = slimtest::runCli({"export", src, "--format", "gguf:q8_0", "--out", QString::fromStdString((tmp / "m.gguf").string()), "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["architecture"].get<std::string>(), std::string("llama"));
        QVERIFY(r.result["tensors_by_type"].contains("q8_0"));
        QVERIFY(r.out.contains("\"event\":\"artifact\""));
        QVERIFY(io::GgufFile::open(tmp / "m.gguf").findTensor("blk.0.attn_q.weight")->type == uint32_t(GgmlType::Q8_0));
        // A quantized model: hf de-quantizes, gptq keeps the layout; a dense model has no GPTQ form.
        const QString q = QString::fromStdString((tmp / "q").string());
        QCOMPARE(slimtest::runCli({"quantize", src, "--method", "rtn", "--group", "32", "--out", q}).exitCode, 0);
        r = slimtest::runCli({"export", q, "--format", "hf", "--out", QString::fromStdString((tmp / "hf").string())});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto back = model::LlamaModel::load(tmp / "hf", model::LoadOptions{});
        const auto qm = model::LlamaModel::load(tmp / "q", model::LoadOptions{});
        QVERIFY(!back->hasQuantizedProjections());
        QVERIFY(at::allclose(back->layer(0).p(Proj::Up).denseWeight(), qm->layer(0).p(Proj::Up).denseWeight()));
        r = slimtest::runCli({"export", q, "--format", "gptq", "--out", QString::fromStdString((tmp / "gptq").string())});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = slimtest::runCli({"export", src, "--format", "gptq", "--out", QString::fromStdString((tmp / "bad").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("not integer-quantized"));
        QVERIFY(!fs::exists(tmp / "bad"));
        r = slimtest::runCli({"export", src, "--format", "gguf:q5_1", "--out", QString::fromStdString((tmp / "x.gguf").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("q5_1"));
        QVERIFY(!fs::exists(tmp / "x.gguf"));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
