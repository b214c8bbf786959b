// Quantization (core/quant): the bit-stream packers against a bit-by-bit reference, the quantizers
// against scalar transcriptions of the references' formulas, GPTQ against a plain double-precision
// transcription of the published algorithm, HQQ / NF4 / AWQ against their definitions, checkpoints
// that save packed and load back identical, layout validation errors, and the CLI end to end.
#include "support/cli_run.h"
#include "support/expect_error.h"
#include "support/test_util.h"

#include "core/analysis/calibration.h"
#include "core/analysis/hessian.h"
#include "core/analysis/obs_block.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/quant/awq.h"
#include "core/quant/gptq.h"
#include "core/quant/hqq.h"
#include "core/quant/nf4.h"
#include "core/quant/packing.h"
#include "core/quant/quant_layout.h"
#include "core/quant/quant_type.h"
#include "core/quant/quantize_model.h"
#include "core/quant/quantized_linear.h"
#include "core/quant/quantizer.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>

#include <cmath>

using namespace slim;
using namespace slim::quant;
using model::Proj;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }

at::Tensor calibrationIds(const fs::path& dir, int64_t n, int64_t len, size_t offset = 0) {
    analysis::CalibrationOptions o;
    o.mode = analysis::CalibrationMode::Sequential;
    o.numSamples = n;
    o.sampleLength = len;
    const std::string text = io::readTextFile(slimtest::wikiTestRaw()).substr(offset, 60000);
    return analysis::calibrationFromTokens(tok::Tokenizer::fromPath(dir).encode(text, false), o, std::nullopt).ids;
}

/// Bit j of the stream = bit (j mod 32) of word j / 32; code i occupies bits [b·i, b·i + b).
at::Tensor naivePackColumn(const std::vector<int>& codes, int bits) {
    std::vector<uint32_t> words(codes.size() * size_t(bits) / 32, 0);
    for (size_t i = 0; i < codes.size(); ++i)
        for (int k = 0; k < bits; ++k)
            if ((codes[i] >> k) & 1) {
                const size_t bit = i * size_t(bits) + size_t(k);
                words[bit / 32] |= uint32_t(1) << (bit % 32);
            }
    std::vector<int32_t> s(words.begin(), words.end());
    return at::tensor(s, at::kInt);
}

/// IST-DASLab/gptq Quantizer.find_params + quantize for one row, in double precision.
void naiveGptqParams(const std::vector<double>& x, int bits, bool sym, double& scale, double& zero) {
    const double maxq = double((1 << bits) - 1);
    double xmin = 0, xmax = 0;
    for (double v : x) {
        xmin = std::min(xmin, v);
        xmax = std::max(xmax, v);
    }
    if (sym) {
        xmax = std::max(std::abs(xmin), xmax);
        if (xmin < 0)
            xmin = -xmax;
    }
    if (xmin == 0 && xmax == 0) {
        xmin = -1;
        xmax = 1;
    }
    scale = (xmax - xmin) / maxq;
    zero = sym ? (maxq + 1) / 2 : std::nearbyint(-xmin / scale);
}

/// GPTQ, Frantar et al. 2022 Algorithm 1 without lazy batching, double precision, plain loops:
/// for every column in order quantize, spread the error (w − q)/U_ii over the later columns with
/// row i of U (the upper Cholesky factor of the damped inverse Hessian).  Group parameters from
/// the (updated) weights when a group starts.
at::Tensor naiveGptq(const at::Tensor& W0, const at::Tensor& H0, int bits, int64_t gs, double percdamp) {
    const int64_t R = W0.size(0), C = W0.size(1);
    at::Tensor H = H0.to(at::kDouble).clone();
    at::Tensor W = W0.to(at::kDouble).clone();
    for (int64_t j = 0; j < C; ++j)
        if (H[j][j].item<double>() == 0) {
            H[j][j] = 1.0;
            W.select(1, j).zero_();
        }
    H.diagonal().add_(percdamp * H.diagonal().mean().item<double>());
    const at::Tensor U = at::linalg_cholesky(at::linalg_inv(H)).t().contiguous();
    auto w = W.accessor<double, 2>();
    auto u = U.accessor<double, 2>();
    at::Tensor Q = at::zeros_like(W);
    auto q = Q.accessor<double, 2>();
    std::vector<double> scale(static_cast<size_t>(R), 0.0), zero(static_cast<size_t>(R), 0.0);
    const double maxq = double((1 << bits) - 1);
    for (int64_t i = 0; i < C; ++i) {
        if (i % gs == 0)
            for (int64_t r = 0; r < R; ++r) {
                std::vector<double> row;
                for (int64_t j = i; j < std::min(C, i + gs); ++j)
                    row.push_back(w[r][j]);
                naiveGptqParams(row, bits, false, scale[size_t(r)], zero[size_t(r)]);
            }
        for (int64_t r = 0; r < R; ++r) {
            const double s = scale[size_t(r)], z = zero[size_t(r)];
            const double c = std::clamp(std::nearbyint(w[r][i] / s) + z, 0.0, maxq);
            q[r][i] = s * (c - z);
            const double err = (w[r][i] - q[r][i]) / u[i][i];
            for (int64_t j = i + 1; j < C; ++j)
                w[r][j] -= err * u[i][j];
        }
    }
    return Q;
}

/// Inputs with correlated channels and a few outlier channels (what makes GPTQ / AWQ matter).
at::Tensor correlatedInputs(int64_t n, int64_t in, uint64_t seed) {
    at::manual_seed(static_cast<int64_t>(seed));
    const at::Tensor mix = at::randn({in, in}) / std::sqrt(double(in)) + at::eye(in);
    at::Tensor x = at::randn({n, in}).matmul(mix);
    x.narrow(1, 0, 3).mul_(8.0);
    return x;
}

double outputError(const at::Tensor& W, const at::Tensor& Wq, const at::Tensor& X) {
    return (X.matmul((W - Wq).t())).pow(2).mean().item<double>();
}

} // namespace

class TestQuant : public QObject {
    Q_OBJECT

private slots:
    void quantTypeTable() {
        // Every integer format, both symmetries, NF4 with and without double quant, the GGUF types.
        QCOMPARE(quantTypes().size(), size_t(4 * 4 * 2 + 9 + 2 + 3));
        const auto& t = intType(4, 128, false);
        QCOMPARE(QString::fromStdString(t.name), QString("int4-g128"));
        // 0.5 byte + (fp16 scale + 4-bit zero) / 128 per weight.
        QVERIFY(std::abs(t.bytesPerWeight(4096) - (0.5 + 2.5 / 128)) < 1e-12);
        QCOMPARE(QString::fromStdString(intType(3, -1, true).name), QString("int3-pc-sym"));
        QVERIFY(std::abs(quantType("q4_0").bytesPerWeight(4096) - 18.0 / 32) < 1e-12);
        QVERIFY(std::abs(quantType("q4_k").bytesPerWeight(4096) - 4.5 / 8) < 1e-12);
        QVERIFY(std::abs(quantType("nf4").bytesPerWeight(4096) - (0.5 + 4.0 / 64)) < 1e-12);
        slimtest::expectError<ConfigError>([] { intType(5, 128, false); }, {"--bits 5", "2, 3, 4 or 8"});
        slimtest::expectError<ConfigError>([] { intType(4, 100, false); }, {"--group 100", "32, 64 or 128"});
        slimtest::expectError<ConfigError>([] { quantType("int4-g7"); }, {"int4-g7", "known"});
        slimtest::expectError<ConfigError>([] { checkShape(intType(4, 128, false), 64, 100, "layer 0 q_proj"); },
                                           {"layer 0 q_proj", "100 input columns", "multiple of 32"});
    }

    void bitStreamAgainstBitByBitReference() {
        at::manual_seed(1);
        for (int bits : {2, 3, 4, 8}) {
            const int64_t K = 96, N = 5;
            const at::Tensor codes = at::randint(0, 1 << bits, {K, N}, at::kLong);
            const at::Tensor packed = packRows(codes, bits);
            QCOMPARE(packed.scalar_type(), at::kInt);
            QCOMPARE(packed.size(0), K * bits / 32);
            for (int64_t n = 0; n < N; ++n) {
                std::vector<int> col;
                for (int64_t k = 0; k < K; ++k)
                    col.push_back(int(codes[k][n].item<int64_t>()));
                QVERIFY2(at::equal(packed.select(1, n).contiguous(), naivePackColumn(col, bits)), qPrintable(QString::number(bits)));
            }
            QVERIFY(at::equal(unpackRows(packed, bits, K).to(at::kLong), codes));
            const at::Tensor zc = at::randint(0, 1 << bits, {3, 64}, at::kLong);
            QVERIFY(at::equal(unpackCols(packCols(zc, bits), bits, 64).to(at::kLong), zc));
        }
        // A known word: codes 0..7 at 4 bits -> 0x76543210 (code i in nibble i).
        const at::Tensor c = at::arange(32, at::kLong).remainder(8).view({32, 1});
        QCOMPARE(packRows(c, 4)[0][0].item<int>(), int(0x76543210));
        slimtest::expectError<ConfigError>([] { packRows(at::zeros({40, 2}, at::kLong), 4); }, {"40 rows", "multiple of 32"});
    }

    void awqPackingOrder() {
        // AutoAWQ gemm: nibble i of a word holds column order[i], order = 0 2 4 6 1 3 5 7.
        const at::Tensor codes = at::arange(8, at::kLong).view({1, 8});
        const int64_t word = awqPack(codes, 4)[0][0].item<int>();
        const int order[8] = {0, 2, 4, 6, 1, 3, 5, 7};
        for (int i = 0; i < 8; ++i)
            QCOMPARE(int((word >> (4 * i)) & 15), order[i]);
        at::manual_seed(2);
        const at::Tensor r = at::randint(0, 16, {5, 64}, at::kLong);
        QVERIFY(at::equal(awqUnpack(awqPack(r, 4), 4, 64).to(at::kLong), r));
    }

    void rtnMatchesScalarReference() {
        at::manual_seed(3);
        at::Tensor w = at::randn({6, 96});
        w[0].abs_(); // a row with only positive weights: the range is widened to contain 0
        w[1].zero_(); // all zero: the range [-1, 1]
        for (bool sym : {false, true})
            for (int bits : {2, 3, 4, 8})
                for (int64_t gs : {int64_t(32), int64_t(0)}) {
                    IntSpec spec;
                    spec.bits = bits;
                    spec.groupSize = gs;
                    spec.symmetric = sym;
                    const IntQuantized q = rtnQuantize(w, spec);
                    const at::Tensor deq = q.dequantize();
                    const int64_t g = gs ? gs : 96;
                    for (int64_t r = 0; r < 6; ++r)
                        for (int64_t c0 = 0; c0 < 96; c0 += g) {
                            std::vector<double> row;
                            for (int64_t j = c0; j < c0 + g; ++j)
                                row.push_back(w[r][j].item<double>());
                            double s, z;
                            naiveGptqParams(row, bits, sym, s, z);
                            for (int64_t j = c0; j < c0 + g; ++j) {
                                const double t = row[size_t(j - c0)] / s;
                                if (std::abs(std::abs(t - std::floor(t)) - 0.5) < 1e-4)
                                    continue; // a tie: float32 and double may round to different sides
                                const double c = std::clamp(std::nearbyint(t) + z, 0.0, double((1 << bits) - 1));
                                QVERIFY2(std::abs(deq[r][j].item<double>() - s * (c - z)) < 1e-5 * std::max(1.0, std::abs(s * (c - z))),
                                         qPrintable(QString("bits %1 sym %2 g %3 r %4 j %5").arg(bits).arg(sym).arg(g).arg(r).arg(j)));
                            }
                        }
                }
        // The AWQ rule (llm-awq pseudo_quantize_tensor): asymmetric without widening to 0.
        IntSpec a;
        a.rule = Rule::Awq;
        a.groupSize = 32;
        const at::Tensor x = at::rand({2, 32}) + 1.0; // all in [1, 2]
        const RowParams p = findParams(x, a);
        const at::Tensor mn = std::get<0>(x.min(1)), mx = std::get<0>(x.max(1));
        QVERIFY(at::allclose(p.scale, (mx - mn) / 15.0));
        QVERIFY(at::equal(p.zero, at::clamp(-at::round(mn / p.scale), 0, 15)));
    }

    void gptqMatchesPublishedAlgorithm() {
        const int64_t out = 16, in = 64;
        const at::Tensor X = correlatedInputs(512, in, 4);
        at::manual_seed(5);
        const at::Tensor W = at::randn({out, in});
        analysis::HessianAccumulator acc;
        acc.add(X, 8);
        const at::Tensor H = acc.hessian();
        GptqOptions o;
        o.spec.bits = 3;
        o.spec.groupSize = 32;
        o.blockSize = 32; // block = group: the reference's group timing equals the plain algorithm's
        const GptqResult g = gptqQuantize(W, H, o);
        const at::Tensor ours = g.q.dequantize().to(at::kDouble);
        const at::Tensor ref = naiveGptq(W, H, 3, 32, 0.01);
        const double agree = ours.sub(ref).abs().lt(1e-4).to(at::kDouble).mean().item<double>();
        QVERIFY2(agree > 0.99, qPrintable(QString("codes agree on %1").arg(agree)));
        // GPTQ minimises the output error: far below RTN's on correlated inputs.
        const at::Tensor rtn = rtnQuantize(W, o.spec).dequantize();
        const double eG = outputError(W, g.q.dequantize(), X), eR = outputError(W, rtn, X);
        QVERIFY2(eG < 0.7 * eR, qPrintable(QString("gptq %1 rtn %2").arg(eG).arg(eR)));

        // Blocks of 128 with groups of 32 (the reference's timing) and act-order: still better than RTN;
        // act-order records each column's group; static groups keep the plain order.
        o.blockSize = 128;
        o.actOrder = true;
        const GptqResult ga = gptqQuantize(W, H, o);
        QVERIFY(ga.q.gIdx.defined());
        QCOMPARE(ga.q.gIdx.size(0), in);
        // The 32 columns with the largest diag(H) form group 0.
        const at::Tensor top = std::get<1>(at::topk(H.diagonal(), 32));
        QVERIFY(ga.q.gIdx.index_select(0, top).eq(0).all().item<bool>());
        QVERIFY(outputError(W, ga.q.dequantize(), X) < eR);
        o.staticGroups = true;
        const GptqResult gs = gptqQuantize(W, H, o);
        QVERIFY(!gs.q.gIdx.defined());
        QVERIFY(outputError(W, gs.q.dequantize(), X) < eR);
        // Per channel.
        GptqOptions pc;
        pc.spec.bits = 4;
        pc.spec.groupSize = 0;
        QVERIFY(outputError(W, gptqQuantize(W, H, pc).q.dequantize(), X) < outputError(W, rtnQuantize(W, pc.spec).dequantize(), X));
    }

    void gptqOnePassLoopEqualsTensorLoop_data() {
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("group");
        QTest::addColumn<int>("block");
        QTest::addColumn<bool>("actOrder");
        QTest::addColumn<bool>("staticGroups");
        QTest::addColumn<bool>("sym");
        QTest::newRow("4-bit g32, blocks of 128") << 4 << 32 << 128 << false << false << false;
        QTest::newRow("3-bit g64, blocks of 48 (groups across blocks)") << 3 << 64 << 48 << false << false << false;
        QTest::newRow("4-bit per channel, symmetric") << 4 << 0 << 128 << false << false << true;
        QTest::newRow("4-bit g32, act-order") << 4 << 32 << 128 << true << false << false;
        QTest::newRow("2-bit g32, act-order, static groups") << 2 << 32 << 64 << true << true << false;
    }
    void gptqOnePassLoopEqualsTensorLoop() {
        // core/analysis/obs_block: the per-row pass does the tensor loop's arithmetic element by element.
        QFETCH(int, bits);
        QFETCH(int, group);
        QFETCH(int, block);
        QFETCH(bool, actOrder);
        QFETCH(bool, staticGroups);
        QFETCH(bool, sym);
        const int64_t out = 40, in = 200;
        at::Tensor X = correlatedInputs(600, in, 7);
        X.select(1, 9).zero_();   // a dead input
        at::manual_seed(11);
        const at::Tensor W = at::randn({out, in}) * at::rand({1, in}) * 2.0;
        analysis::HessianAccumulator acc;
        acc.add(X, 8);
        GptqOptions o;
        o.spec.bits = bits;
        o.spec.groupSize = group;
        o.spec.symmetric = sym;
        o.blockSize = block;
        o.actOrder = actOrder;
        o.staticGroups = staticGroups;
        analysis::setFusedObsOverride(0);
        const GptqResult a = gptqQuantize(W, acc.hessian(), o);
        analysis::setFusedObsOverride(1);
        const GptqResult b = gptqQuantize(W, acc.hessian(), o);
        analysis::setFusedObsOverride(-1);
        const double differ = a.q.codes.ne(b.q.codes).to(at::kDouble).mean().item<double>();
        qInfo("codes that differ: %.4f %%, loss %.6g vs %.6g", 100 * differ, a.loss, b.loss);
        QVERIFY2(differ <= 0.001, qPrintable(QString::number(differ)));
        QVERIFY(at::equal(a.q.scales, b.q.scales) && at::equal(a.q.zeros, b.q.zeros));
        QVERIFY(std::abs(a.loss - b.loss) <= 1e-5 * std::max(1.0, std::abs(a.loss)));
        if (actOrder && !staticGroups)
            QVERIFY(at::equal(a.q.gIdx, b.q.gIdx));
    }

    void obsBlockRejectsBadShapes() {
        // core/analysis/obs_block: shapes, dtypes and group indices checked, with the rule named.
        QVERIFY(analysis::fusedObsEnabled(at::Device(at::kCPU), 128));
        analysis::ObsBlock b{at::zeros({4, 8}), at::eye(8), at::zeros({4, 8})};
        at::Tensor codes = at::zeros({4, 8}), loss = at::zeros({4});
        const at::Tensor s = at::ones({1, 4}), z = at::zeros({1, 4});
        const std::vector<int32_t> groups(8, 0);
        analysis::gptqBlock(b, s, z, groups, 15, codes, loss);   // well-formed: runs
        analysis::ObsBlock wrongHinv{at::zeros({4, 8}), at::eye(7), at::zeros({4, 8})};
        slimtest::expectError<ConfigError>([&] { analysis::gptqBlock(wrongHinv, s, z, groups, 15, codes, loss); },
                                           {"GPTQ block", "(count, count)"});
        const std::vector<int32_t> outside(8, 1);
        slimtest::expectError<ConfigError>([&] { analysis::gptqBlock(b, s, z, outside, 15, codes, loss); }, {"group 1", "1 groups"});
        at::Tensor mask = at::zeros({4, 8}, at::kBool), q = at::zeros({4, 8});
        slimtest::expectError<ConfigError>([&] { analysis::sparseGptBlock(b, mask, 2, 3, q); }, {"2:3", "8 columns"});
        at::Tensor wrongMask = at::zeros({4, 8});
        slimtest::expectError<ConfigError>([&] { analysis::sparseGptBlock(b, wrongMask, 2, 4, q); }, {"mask (rows, count) bool"});
    }

    void hqqImprovesOnRtn() {
        at::manual_seed(6);
        const at::Tensor W = at::randn({32, 128}) * at::rand({1, 128}) * 3.0;
        HqqOptions h;
        h.bits = 3;
        h.groupSize = 64;
        const IntQuantized q = hqqQuantize(W, h);
        QVERIFY(q.floatZero);
        IntSpec s;
        s.bits = 3;
        s.groupSize = 64;
        const double eH = (q.dequantize() - W).abs().mean().item<double>();
        const double eR = (rtnQuantize(W, s).dequantize() - W).abs().mean().item<double>();
        QVERIFY2(eH < eR, qPrintable(QString("hqq %1 rtn %2").arg(eH).arg(eR)));
        // Codes within range, the dequantization = scale · (q − zero).
        QVERIFY(q.codes.max().item<int>() <= 7);
        slimtest::expectError<ConfigError>([&] { h.groupSize = 48; hqqQuantize(W, h); }, {"groups of 48", "128 input columns"});
    }

    void nf4AgainstDefinition() {
        const at::Tensor& cb = nf4Codebook();
        QCOMPARE(cb.numel(), int64_t(16));
        QCOMPARE(cb[7].item<float>(), 0.0f);
        const at::Tensor& dm = dynamicMap8();
        QCOMPARE(dm.numel(), int64_t(256));
        QCOMPARE(dm[255].item<float>(), 1.0f);
        QVERIFY(dm.diff().ge(0).all().item<bool>());
        at::manual_seed(7);
        const at::Tensor W = at::randn({8, 64});
        const Nf4Quantized q = nf4Quantize(W, false);
        QCOMPARE(q.packed.numel(), int64_t(8 * 64 / 2));
        // Block 0 by hand: nearest code of w / absmax; first value in the high nibble.
        const at::Tensor blk = W.reshape({-1}).narrow(0, 0, 64);
        const float amax = blk.abs().max().item<float>();
        for (int i = 0; i < 64; ++i) {
            const at::Tensor d = (cb - blk[i] / amax).abs();
            const int want = int(d.argmin().item<int64_t>());
            const int byte = q.packed[i / 2].item<uint8_t>();
            QCOMPARE(i % 2 == 0 ? byte >> 4 : byte & 15, want);
        }
        QVERIFY((q.dequantize() - W).abs().max().item<float>() <= 0.2f * W.abs().max().item<float>());
        // Double quantization: absmax within the 8-bit map's resolution of the plain one.
        const at::Tensor W2 = at::randn({64, 512});
        const Nf4Quantized dq = nf4Quantize(W2, true), pq = nf4Quantize(W2, false);
        QCOMPARE(dq.absmax.scalar_type(), at::kByte);
        QVERIFY((dq.dequantize() - pq.dequantize()).abs().max().item<float>() < 0.05f * W2.abs().max().item<float>());
    }

    void quantizedLinearStoresPackedAndForwards() {
        at::manual_seed(8);
        const at::Tensor W = at::randn({64, 96});
        IntSpec s;
        s.bits = 4;
        s.groupSize = 32;
        const IntQuantized q = rtnQuantize(W, s);
        QuantizedLinear lin(q, at::randn({64}), at::kFloat);
        // Really packed: 96·64/2 bytes of codes + fp16 scales + packed zeros + fp32 bias.
        QCOMPARE(lin.storageBytes(), int64_t(96 * 64 / 2 + 3 * 64 * 2 + 3 * 64 / 2 + 64 * 4));
        QVERIFY(at::allclose(lin.denseWeight(), q.dequantize(), 1e-3, 1e-3)); // fp16 scales
        const at::Tensor x = at::randn({3, 96});
        QVERIFY(at::allclose(lin.forward(x), at::linear(x, lin.denseWeight(), *lin.bias()), 1e-5, 1e-5));
        QVERIFY(at::equal(lin.codes(), q.codes));
        // Stored qzeros follow checkpoint_format "gptq": zero − 1 masked to the bit width.
        for (const auto& t : lin.storedTensors())
            if (t.suffix == "qzeros")
                QVERIFY(at::equal(unpackCols(t.tensor, 4, 64).to(at::kLong), (q.zeros.to(at::kLong) - 1).bitwise_and(15)));
    }

    void cpuGemvMatchesDequantizedProduct() {
        // The CPU decode kernel (core/quant/cpu_gemv.cpp) against x · dequantize(W)ᵀ in double precision:
        // 1..8 rows, groups of 32/64/128, a column count that is not a multiple of the 64-column block,
        // bf16 activations and a 3-D input; more than 8 rows take the de-quantize path.
        at::manual_seed(11);
        for (int64_t group : {32, 64, 128}) {
            const int64_t in = 256, out = 224;   // not a multiple of the 64-column block
            IntSpec s;
            s.bits = 4;
            s.groupSize = group;
            const at::Tensor W = at::randn({out, in});
            const IntQuantized q = rtnQuantize(W, s);
            QuantizedLinear lin(q, std::nullopt, at::kFloat);
            const at::Tensor Wd = lin.denseWeight().to(at::kDouble);
            for (int64_t rows : {1, 3, 8, 9}) {
                const at::Tensor x = at::randn({rows, in});
                const at::Tensor ref = at::matmul(x.to(at::kDouble), Wd.t());
                const at::Tensor got = lin.forward(x).to(at::kDouble);
                const double err = (got - ref).abs().max().item<double>() / ref.abs().max().item<double>();
                QVERIFY2(err < 1e-5, qPrintable(QString("group %1 rows %2: %3").arg(group).arg(rows).arg(err)));
            }
            const at::Tensor xb = at::randn({2, 1, in}).to(at::kBFloat16);
            const at::Tensor yb = lin.forward(xb);
            QCOMPARE(yb.scalar_type(), at::kBFloat16);
            QCOMPARE(yb.sizes().vec(), (std::vector<int64_t>{2, 1, out}));
            const at::Tensor refb = at::matmul(xb.to(at::kDouble), Wd.t());
            QVERIFY((yb.to(at::kDouble) - refb).abs().max().item<double>() < 2e-2 * refb.abs().max().item<double>());
        }
    }

    void quantizedCheckpointRoundTrip() {
        // Every method on the fixture: quantize, save, reload packed, identical logits.
        const auto src = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 4, 32);
        const at::Tensor probe = calibrationIds(fixture("llama-fp32"), 2, 32, 30000);
        for (auto method : {QuantMethod::Rtn, QuantMethod::Gptq, QuantMethod::Awq, QuantMethod::Hqq, QuantMethod::Nf4}) {
            for (bool variant : {false, true}) {
                auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
                QuantizeOptions o;
                o.method = method;
                o.groupSize = 32;
                o.bits = method == QuantMethod::Nf4 ? 4 : 3;
                o.actOrder = variant && method == QuantMethod::Gptq;
                o.symmetric = variant && method == QuantMethod::Rtn;
                o.doubleQuant = variant;
                const auto rep = quantizeModel(*m, ids, o, JobContext::none());
                QCOMPARE(rep.projections.size(), size_t(2 * 7));
                QVERIFY(m->hasQuantizedProjections());
                const fs::path dir = slimtest::makeTempDir("quant-rt");
                m->save(dir);
                const auto back = model::LlamaModel::load(dir, model::LoadOptions{});
                QCOMPARE(back->layer(1).p(Proj::Down).kind(), m->layer(1).p(Proj::Down).kind());
                QCOMPARE(back->storageBytes(), m->storageBytes());
                at::InferenceMode guard;
                const at::Tensor a = m->forward(probe), b = back->forward(probe);
                QVERIFY2(at::allclose(a, b, 1e-5, 1e-5),
                         qPrintable(QString::fromStdString(std::string(quantMethodName(method)))));
                // Quantization changed the outputs, within reason.
                const at::Tensor d = src->forward(probe);
                const double rel = ((a - d).norm() / d.norm()).item<double>();
                QVERIFY2(rel > 1e-4, qPrintable(QString("%1 rel %2").arg(QString::fromStdString(std::string(quantMethodName(method)))).arg(rel)));
                // The file holds packed integers, never a de-quantized weight.
                const auto ck = io::Checkpoint::open(dir);
                QVERIFY(!ck.contains("model.layers.0.self_attn.q_proj.weight") ||
                        ck.info("model.layers.0.self_attn.q_proj.weight").dtype == io::DType::U8);
            }
        }
    }

    void quantizedOutputProjection() {
        // --lm-head: the output projection packed too (RTN for the integer methods), saved with
        // quantization_config lm_head true, reloaded packed, same logits; refused when tied.
        const auto src = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const at::Tensor probe = calibrationIds(fixture("llama-fp32"), 2, 32, 30000);
        for (auto method : {QuantMethod::Rtn, QuantMethod::Hqq, QuantMethod::Nf4}) {
            auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
            const int64_t before = m->storageBytes();
            QuantizeOptions o;
            o.method = method;
            o.bits = 4;
            o.groupSize = 32;
            o.lmHead = true;
            const QuantizeReport r = quantizeModel(*m, at::Tensor(), o, JobContext::none());
            QCOMPARE(r.projections.back().projection, std::string("lm_head"));
            QVERIFY(m->lmHead().kind() != "dense");
            QVERIFY(m->storageBytes() < before);
            const fs::path dir = slimtest::makeTempDir("quant-head");
            m->save(dir);
            QVERIFY(nlohmann::json::parse(m->config().quantizationConfig).at("lm_head").get<bool>());
            const auto ck = io::Checkpoint::open(dir);
            QVERIFY(!ck.contains("lm_head.weight") || !io::isFloating(ck.info("lm_head.weight").dtype));
            const auto back = model::LlamaModel::load(dir, model::LoadOptions{});
            QCOMPARE(back->lmHead().kind(), m->lmHead().kind());
            QCOMPARE(back->storageBytes(), m->storageBytes());
            at::InferenceMode guard;
            const at::Tensor a = m->forward(probe), b = back->forward(probe), d = src->forward(probe);
            QVERIFY(at::allclose(a, b, 1e-5, 1e-5));
            const double rel = ((a - d).norm() / d.norm()).item<double>();
            QVERIFY2(rel > 1e-4 && rel < 1.0, qPrintable(QString("rel %1").arg(rel)));   // a tiny random model: 4 bits everywhere moves it a lot
        }
        auto tied = model::LlamaModel::load(fixture("qwen2-sharded"), model::LoadOptions{});
        QuantizeOptions o;
        o.lmHead = true;
        QVERIFY_THROWS_EXCEPTION(ConfigError, quantizeModel(*tied, at::Tensor(), o, JobContext::none()));
    }

    void gptqAndAwqBeatRtn() {
        // Output error against the dense model on held-out text (KL-like measure: squared logit
        // difference), 3 and 4 bits, groups of 32 on the fixture's small widths.
        const fs::path fx = fixture("llama-fp32");
        const at::Tensor ids = calibrationIds(fx, 16, 64);
        const at::Tensor probe = calibrationIds(fx, 4, 64, 30000);
        const auto dense = model::LlamaModel::load(fx, model::LoadOptions{});
        at::Tensor ref;
        {
            at::InferenceMode g;
            ref = at::log_softmax(dense->forward(probe), -1);
        }
        auto kl = [&](QuantMethod m, int bits, int64_t group) {
            auto q = model::LlamaModel::load(fx, model::LoadOptions{});
            QuantizeOptions o;
            o.method = m;
            o.bits = bits;
            o.groupSize = group;
            quantizeModel(*q, ids, o, JobContext::none());
            at::InferenceMode g;
            const at::Tensor lp = at::log_softmax(q->forward(probe), -1);
            return (ref.exp() * (ref - lp)).sum(-1).mean().item<double>();
        };
        for (int bits : {3, 4}) {
            const double r = kl(QuantMethod::Rtn, bits, 32), g = kl(QuantMethod::Gptq, bits, 32), a = kl(QuantMethod::Awq, bits, 32);
            qInfo("bits %d: KL rtn %.5f gptq %.5f awq %.5f", bits, r, g, a);
            QVERIFY2(g < r, qPrintable(QString("GPTQ %1 vs RTN %2 at %3 bits").arg(g).arg(r).arg(bits)));
            QVERIFY2(a < r, qPrintable(QString("AWQ %1 vs RTN %2 at %3 bits").arg(a).arg(r).arg(bits)));
        }
        // Per-channel 3-bit RTN is worse than groups of 32 (rows of 64-128 columns: the groups differ
        // little from whole rows here; see perChannelFarWorseOnHeavyTails).
        const double pc = kl(QuantMethod::Rtn, 3, 0), g32 = kl(QuantMethod::Rtn, 3, 32);
        qInfo("3-bit RTN per channel %.5f, g32 %.5f", pc, g32);
        QVERIFY(pc > g32);
    }

    void perChannelFarWorseOnHeavyTails() {
        // Rows of 4096 heavy-tailed weights (Student t, 3 degrees of freedom, as trained LLM weights
        // have outliers): one range per row wastes the 3-bit grid on the outliers.
        at::manual_seed(9);
        const at::Tensor z = at::randn({64, 4096});
        const at::Tensor chi = at::randn({64, 4096, 3}).pow(2).sum(-1) / 3.0;
        const at::Tensor W = z / chi.sqrt() * 0.02;
        IntSpec pc, g;
        pc.bits = g.bits = 3;
        pc.groupSize = 0;
        g.groupSize = 128;
        const double ePc = (rtnQuantize(W, pc).dequantize() - W).pow(2).mean().item<double>();
        const double eG = (rtnQuantize(W, g).dequantize() - W).pow(2).mean().item<double>();
        qInfo("3-bit RTN squared error: per channel %.3g, g128 %.3g (x%.1f)", ePc, eG, ePc / eG);
        QVERIFY(ePc > 3.0 * eG);
    }

    void storedBytesAreReal() {
        // 4-bit g128-style storage of every projection ≤ 0.3× their bf16 bytes (fixture: groups of 32,
        // whose overhead is 4× that of 128, still under the bound).
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        QuantizeOptions o;
        o.groupSize = 32;
        const auto rep = quantizeModel(*m, at::Tensor(), o, JobContext::none());
        int64_t bf16 = 0;
        for (const auto& p : rep.projections)
            bf16 += p.denseBytes / 2; // fp32 model: half its bytes in bf16
        QVERIFY2(double(rep.storedBytes) / double(bf16) <= 0.3, qPrintable(QString::number(double(rep.storedBytes) / double(bf16))));
        QCOMPARE(rep.storedBytes, [&] { int64_t n = 0; for (int64_t l = 0; l < m->numLayers(); ++l) for (auto p : model::kAllProj) n += m->layer(l).p(p).storageBytes(); return n; }());
    }

    void layoutValidationNamesTensorAndRule() {
        // A GPTQ checkpoint whose qweight has the wrong shape is refused before loading.
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        QuantizeOptions o;
        o.groupSize = 32;
        quantizeModel(*m, at::Tensor(), o, JobContext::none());
        const fs::path dir = slimtest::makeTempDir("quant-bad");
        m->save(dir);
        // Rewrite config: claim 8 bits.
        auto cfg = io::parseJsonStrict(io::readTextFile(dir / "config.json"), "config.json");
        cfg["quantization_config"]["bits"] = 8;
        io::writeFileAtomic(dir / "config.json", cfg.dump());
        slimtest::expectError<FormatError>([&] { model::LlamaModel::load(dir, model::LoadOptions{}); },
                                           {"qweight", "8-bit", "has shape"});
        cfg["quantization_config"]["quant_method"] = "fp8";
        io::writeFileAtomic(dir / "config.json", cfg.dump());
        slimtest::expectError<UnsupportedError>([&] { model::LlamaModel::load(dir, model::LoadOptions{}); },
                                                {"config.json", "quant_method 'fp8'"});
        cfg["quantization_config"] = {{"quant_method", "awq"}, {"version", "gemv"}, {"bits", 4}};
        io::writeFileAtomic(dir / "config.json", cfg.dump());
        slimtest::expectError<UnsupportedError>([&] { model::LlamaModel::load(dir, model::LoadOptions{}); }, {"gemv"});
        // A plain config with integer weights: the rule names the missing quantization_config.
        cfg.erase("quantization_config");
        io::writeFileAtomic(dir / "config.json", cfg.dump());
        slimtest::expectError<FormatError>([&] { model::LlamaModel::load(dir, model::LoadOptions{}); }, {"q_proj.weight", "missing"});
    }

    void awqCheckpointLoads() {
        // An AutoAWQ gemm checkpoint (packed here by the layout's definition) loads as the same codes.
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        QuantizeOptions o;
        o.groupSize = 32;
        o.bits = 4;
        quantizeModel(*m, at::Tensor(), o, JobContext::none());
        const fs::path dir = slimtest::makeTempDir("quant-awq");
        std::vector<io::NamedTensor> ts;
        for (auto& t : m->storedTensors()) {
            const auto dot = t.name.rfind('.');
            const std::string suffix = t.name.substr(dot + 1), prefix = t.name.substr(0, dot);
            if (suffix != "qweight" && suffix != "qzeros" && suffix != "scales") {
                ts.push_back({t.name, t.tensor.contiguous()});
                continue;
            }
            int64_t l = 0;
            Proj p = Proj::Q;
            for (int64_t li = 0; li < m->numLayers(); ++li)
                for (Proj pp : model::kAllProj)
                    if (model::projPrefix(li, pp) == prefix) {
                        l = li;
                        p = pp;
                    }
            const auto& ql = dynamic_cast<const QuantizedLinear&>(m->layer(l).p(p));
            if (suffix == "qweight")
                ts.push_back({t.name, awqPack(ql.codes().t().contiguous(), 4)});
            else if (suffix == "qzeros")
                ts.push_back({t.name, awqPack(ql.zeroPoints().round().to(at::kLong), 4)});
            else
                ts.push_back({t.name, t.tensor.contiguous()});
        }
        io::writeCheckpointWeights(dir, ts);
        auto cfg = m->config();
        cfg.quantizationConfig = nlohmann::json{{"quant_method", "awq"}, {"bits", 4}, {"group_size", 32}, {"zero_point", true}, {"version", "gemm"}}.dump();
        io::writeFileAtomic(dir / "config.json", cfg.toJson().dump());
        const auto back = model::LlamaModel::load(dir, model::LoadOptions{});
        for (int64_t l = 0; l < m->numLayers(); ++l)
            for (Proj p : model::kAllProj)
                QVERIFY(at::allclose(back->layer(l).p(p).denseWeight(), m->layer(l).p(p).denseWeight()));
    }

    void cliQuantizeEndToEnd() {
        const QString src = QString::fromStdString(fixture("llama-fp32").string());
        const QString wiki = QString::fromStdString(slimtest::wikiTestRaw().string());
        const fs::path tmp = slimtest::makeTempDir("cli-quant");
        const QString out = QString::fromStdString((tmp / "gptq").string());
        auto r = slimtest::runCli({"quantize", src, "--method", "gptq", "--bits", "4", "--group", "32", "--act-order",
                                   "--calib", wiki, "--calib-samples", "4", "--calib-length", "32", "--out", out, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["settings"]["method"].get<std::string>(), std::string("gptq"));
        QCOMPARE(r.result["settings"]["layout"]["quant_method"].get<std::string>(), std::string("gptq"));
        QVERIFY(r.result["settings"]["layout"]["desc_act"].get<bool>());
        QVERIFY(r.result["ratio_vs_bf16"].get<double>() < 0.35);
        QVERIFY(r.out.contains("\"event\":\"progress\""));
        const auto prov = io::parseJsonStrict(io::readTextFile(tmp / "gptq" / "slimbench_provenance.json"), "prov");
        QCOMPARE(prov["steps"][0]["command"].get<std::string>(), std::string("quantize"));
        // Every model command reads the output.
        QCOMPARE(slimtest::runCli({"perplexity", out, "--text", wiki, "--context", "32", "--max-tokens", "256"}).exitCode, 0);
        QCOMPARE(slimtest::runCli({"generate", out, "--prompt", "The", "--max-new-tokens", "4"}).exitCode, 0);
        QCOMPARE(slimtest::runCli({"kl", src, out, "--text", wiki, "--context", "32", "--max-tokens", "128"}).exitCode, 0);
        auto info = slimtest::runCli({"info", out, "--json"});
        QVERIFY2(info.exitCode == 0, info.err.constData());
        QVERIFY(info.result["bytes_by_dtype"].contains("I32"));
        QCOMPARE(info.result["parameters"].get<int64_t>(), model::ModelConfig::load(fixture("llama-fp32") / "config.json").parameterCount());
        // Errors: exit 1 with the rule; no folder left behind.
        r = slimtest::runCli({"quantize", src, "--method", "gptq", "--out", QString::fromStdString((tmp / "nocal").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--calib"));
        QVERIFY(!fs::exists(tmp / "nocal"));
        r = slimtest::runCli({"quantize", src, "--method", "rtn", "--bits", "5", "--out", QString::fromStdString((tmp / "b5").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--bits 5"));
        r = slimtest::runCli({"quantize", out, "--method", "rtn", "--group", "32", "--out", QString::fromStdString((tmp / "twice").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("already quantized"));
        // Groups of 128 on rows of 64 / 96 columns: one shorter group per row, as IST-DASLab/gptq does.
        r = slimtest::runCli({"quantize", src, "--method", "rtn", "--out", QString::fromStdString((tmp / "g128").string())});
        QVERIFY2(r.exitCode == 0, r.err.constData());
    }

    void qloraTrainMergeRequantize() {
        // LoRA over a frozen NF4 base: the loss falls; merging gives a dense model (no
        // quantization_config), --requantize an NF4 one again, whose outputs stay close to the dense merge.
        const QString src = QString::fromStdString(fixture("llama-fp32").string());
        const fs::path tmp = slimtest::makeTempDir("qlora");
        const QString base = QString::fromStdString((tmp / "nf4").string());
        QCOMPARE(slimtest::runCli({"quantize", src, "--method", "nf4", "--out", base}).exitCode, 0);
        const fs::path data = tmp / "data.txt";
        slimtest::writeBytes(data, io::readTextFile(slimtest::wikiTestRaw()).substr(0, 60000));
        auto r = slimtest::runCli({"lora", "train", base, "--data", QString::fromStdString(data.string()), "--seq-len", "32",
                                   "--steps", "12", "--batch", "4", "--grad-accum", "1", "--lr", "1e-2", "--eval-samples", "4",
                                   "--out", QString::fromStdString((tmp / "adapter").string()), "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.result["result"]["eval_loss_after"].get<double>() < r.result["result"]["eval_loss_before"].get<double>());
        r = slimtest::runCli({"lora", "merge", base, QString::fromStdString((tmp / "adapter").string()), "--out",
                              QString::fromStdString((tmp / "merged").string())});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = slimtest::runCli({"lora", "merge", base, QString::fromStdString((tmp / "adapter").string()), "--requantize", "--out",
                              QString::fromStdString((tmp / "requant").string())});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto dense = model::LlamaModel::load(tmp / "merged", model::LoadOptions{});
        const auto rq = model::LlamaModel::load(tmp / "requant", model::LoadOptions{});
        QVERIFY(!dense->hasQuantizedProjections());
        QVERIFY(dense->config().quantizationConfig.empty());
        QCOMPARE(QString::fromStdString(rq->layer(0).p(Proj::Q).kind()), QString("nf4"));
        const at::Tensor a = dense->layer(1).p(Proj::Up).denseWeight(), b = rq->layer(1).p(Proj::Up).denseWeight();
        QVERIFY(((a - b).norm() / a.norm()).item<double>() < 0.2);
        // --requantize on a dense base is refused.
        r = slimtest::runCli({"lora", "merge", src, QString::fromStdString((tmp / "adapter").string()), "--requantize", "--out",
                              QString::fromStdString((tmp / "x").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("not quantized"));
    }
};

QTEST_GUILESS_MAIN(TestQuant)
#include "tst_quant.moc"
