// Pruning (core/prune, core/analysis/layerwise): masks against brute-force definitions, SparseGPT
// against a plain double-precision transcription of the published algorithm, the layer-by-layer
// calibration pass against whole-model forwards, depth pruning against skipping the layer by hand,
// and the CLI end to end (outputs reload, provenance, errors).
#include "support/cli_run.h"
#include "support/expect_error.h"
#include "support/test_util.h"

#include "core/analysis/activation_stats.h"
#include "core/analysis/calibration.h"
#include "core/analysis/hessian.h"
#include "core/analysis/obs_block.h"
#include "core/analysis/layerwise.h"
#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/io/strict_json.h"
#include "core/model/forward_hooks.h"
#include "core/model/llama_model.h"
#include "core/model/sparse24_linear.h"
#include "core/cpu/gemv.h"
#include "core/prune/depth_prune.h"
#include "core/prune/sparse_prune.h"
#include "core/prune/width_prune.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <QtTest/QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>

using namespace slim;
using model::Proj;
namespace fs = std::filesystem;

namespace {

fs::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }

at::Tensor calibrationIds(const fs::path& dir, int64_t n, int64_t len) {
    analysis::CalibrationOptions o;
    o.mode = analysis::CalibrationMode::Sequential;
    o.numSamples = n;
    o.sampleLength = len;
    const std::string text = io::readTextFile(slimtest::wikiTestRaw()).substr(0, 40000);
    return analysis::calibrationFromTokens(tok::Tokenizer::fromPath(dir).encode(text, false), o, std::nullopt).ids;
}

/// SparseGPT transcribed in double precision with plain loops (Frantar & Alistarh 2023, Alg. 1 with
/// the reference's block-wise adaptive mask and lazy updates): the independent reference.
std::vector<double> naiveSparseGpt(const at::Tensor& W0, const at::Tensor& H0, const prune::SparsityTarget& t,
                                   double percdamp, int64_t blockSize) {
    const int64_t R = W0.size(0), C = W0.size(1);
    at::Tensor H = H0.to(at::kDouble).clone();
    std::vector<double> W(static_cast<size_t>(R * C));
    const at::Tensor Wd = W0.to(at::kDouble).contiguous();
    std::copy(Wd.data_ptr<double>(), Wd.data_ptr<double>() + R * C, W.begin());
    for (int64_t j = 0; j < C; ++j)
        if (H[j][j].item<double>() == 0) {
            H[j][j] = 1.0;
            for (int64_t r = 0; r < R; ++r)
                W[size_t(r * C + j)] = 0;
        }
    const double damp = percdamp * H.diagonal().mean().item<double>();
    H.diagonal().add_(damp);
    // U upper with (H + λI)^-1 = Uᵀ U, via the inverse and a lower Cholesky (another route than the code's).
    const at::Tensor U = at::linalg_cholesky(at::linalg_inv(H)).t().contiguous();
    auto u = [&](int64_t i, int64_t j) { return U[i][j].item<double>(); };
    std::vector<double> Ucache(static_cast<size_t>(C * C));
    for (int64_t i = 0; i < C; ++i)
        for (int64_t j = 0; j < C; ++j)
            Ucache[size_t(i * C + j)] = u(i, j);
    auto Hinv = [&](int64_t i, int64_t j) { return Ucache[size_t(i * C + j)]; };
    std::vector<char> mask(static_cast<size_t>(R * C), 0);
    for (int64_t i1 = 0; i1 < C; i1 += blockSize) {
        const int64_t i2 = std::min(i1 + blockSize, C);
        if (!t.isNM()) {
            std::vector<double> tmp;
            for (int64_t r = 0; r < R; ++r)
                for (int64_t j = i1; j < i2; ++j)
                    tmp.push_back(W[size_t(r * C + j)] * W[size_t(r * C + j)] / (Hinv(j, j) * Hinv(j, j)));
            std::vector<double> sorted = tmp;
            std::sort(sorted.begin(), sorted.end());
            const size_t k = static_cast<size_t>(static_cast<double>(tmp.size()) * t.ratio);
            const double thr = k > 0 ? sorted[std::min(k, sorted.size() - 1)] : -1.0;
            size_t idx = 0;
            for (int64_t r = 0; r < R; ++r)
                for (int64_t j = i1; j < i2; ++j, ++idx)
                    mask[size_t(r * C + j)] = k > 0 && tmp[idx] <= thr;
        }
        for (int64_t i = i1; i < i2; ++i) {
            if (t.isNM() && (i - i1) % t.m == 0) {
                for (int64_t r = 0; r < R; ++r) {
                    std::vector<std::pair<double, int64_t>> s;
                    for (int64_t j = i; j < i + t.m; ++j)
                        s.emplace_back(W[size_t(r * C + j)] * W[size_t(r * C + j)] / (Hinv(j, j) * Hinv(j, j)), j);
                    std::sort(s.begin(), s.end());
                    for (int q = 0; q < t.n; ++q)
                        mask[size_t(r * C + s[size_t(q)].second)] = 1;
                }
            }
            const double d = Hinv(i, i);
            for (int64_t r = 0; r < R; ++r) {
                const double w = W[size_t(r * C + i)];
                const double q = mask[size_t(r * C + i)] ? 0.0 : w;
                const double err = (w - q) / d;
                // Every later column (the reference splits this into in-block and lazy updates).
                for (int64_t j = i; j < C; ++j)
                    W[size_t(r * C + j)] -= err * Hinv(i, j);
                W[size_t(r * C + i)] = q;
            }
        }
    }
    return W;
}

double reconstructionError(const at::Tensor& W, const at::Tensor& Wq, const at::Tensor& X) {
    return (at::matmul(W.to(at::kDouble) - Wq.to(at::kDouble), X.to(at::kDouble))).pow(2).sum().item<double>();
}

} // namespace

class TestPrune : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(7); }

    void targets() {
        const auto r = prune::SparsityTarget::parse(std::string("0.5"), std::nullopt);
        QVERIFY(!r.isNM());
        QCOMPARE(r.ratio, 0.5);
        const auto nm = prune::SparsityTarget::parse(std::nullopt, std::string("2:4"));
        QCOMPARE(nm.n, 2);
        QCOMPARE(nm.m, 4);
        QCOMPARE(nm.describe(), std::string("2:4"));
        slimtest::expectError<ConfigError>([] { prune::SparsityTarget::parse(std::nullopt, std::nullopt); }, {"exactly one"});
        slimtest::expectError<ConfigError>([] { prune::SparsityTarget::parse(std::string("0.5"), std::string("2:4")); }, {"exactly one"});
        slimtest::expectError<ConfigError>([] { prune::SparsityTarget::parse(std::string("1.5"), std::nullopt); }, {"[0, 1)"});
        slimtest::expectError<ConfigError>([] { prune::SparsityTarget::parse(std::nullopt, std::string("4:2")); }, {"N < M"});
        slimtest::expectError<ConfigError>([] { prune::SparsityTarget::parse(std::nullopt, std::string("2-4")); }, {"N:M"});
        slimtest::expectError<ConfigError>([] { prune::parseSparseMethod("random"); }, {"random", "wanda"});
    }

    void nmMaskIsTheNSmallestOfEveryM() {
        const at::Tensor s = at::rand({8, 24});
        for (auto [n, m] : {std::pair{2, 4}, std::pair{4, 8}, std::pair{1, 3}}) {
            const at::Tensor mask = prune::nmMask(s, n, m);
            for (int64_t r = 0; r < 8; ++r)
                for (int64_t g = 0; g < 24; g += m) {
                    std::vector<std::pair<float, int64_t>> v;
                    for (int64_t j = g; j < g + m; ++j)
                        v.emplace_back(s[r][j].item<float>(), j);
                    std::sort(v.begin(), v.end());
                    for (int q = 0; q < m; ++q)
                        QCOMPARE(mask[r][v[size_t(q)].second].item<bool>(), q < n);
                }
        }
        slimtest::expectError<ConfigError>([&] { prune::nmMask(at::rand({2, 10}), 2, 4); }, {"10", "M = 4"});
    }

    void magnitudeAndWandaMasks() {
        const at::Tensor W = at::randn({16, 64});
        const prune::SparsityTarget half = prune::SparsityTarget::parse(std::string("0.5"), std::nullopt);
        // Magnitude: one threshold for the whole matrix; the k smallest |w| (+ the k-th itself) go.
        const at::Tensor mm = prune::magnitudeMask(W, half);
        QCOMPARE(mm.sum().item<int64_t>(), int64_t(16 * 64 / 2 + 1));
        QVERIFY(W.abs().masked_select(mm).max().item<float>() <= W.abs().masked_select(mm.logical_not()).min().item<float>());
        // Wanda: per output row, the ⌊0.5·64⌋ lowest |w|·sqrt(s_j).
        const at::Tensor scaler = at::rand({64}) * 10;
        const at::Tensor wm = prune::wandaMask(W, scaler, half);
        const at::Tensor score = W.abs() * scaler.sqrt().unsqueeze(0);
        for (int64_t r = 0; r < 16; ++r) {
            QCOMPARE(wm[r].sum().item<int64_t>(), int64_t(32));
            QVERIFY(score[r].masked_select(wm[r]).max().item<float>() <= score[r].masked_select(wm[r].logical_not()).min().item<float>());
        }
        // The activation scale changes the choice (else Wanda would be magnitude per row).
        QVERIFY(!prune::wandaMask(W, at::ones({64}), half).equal(wm));
        slimtest::expectError<ConfigError>([&] { prune::wandaMask(W, at::ones({10}), half); }, {"10", "64"});
    }

    void sparseGptOnePassLoopEqualsTensorLoop_data() {
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("block");
        QTest::newRow("50 %, blocks of 128") << "0.5" << 128;
        QTest::newRow("70 %, blocks of 40") << "0.7" << 40;
        QTest::newRow("2:4, blocks of 128") << "2:4" << 128;
        QTest::newRow("4:8, blocks of 64") << "4:8" << 64;
    }
    void sparseGptOnePassLoopEqualsTensorLoop() {
        // core/analysis/obs_block: the per-row pass (N:M chosen inside it) against the tensor loop.
        QFETCH(QString, target);
        QFETCH(int, block);
        const auto t = target.contains(':') ? prune::SparsityTarget::parse(std::nullopt, target.toStdString())
                                            : prune::SparsityTarget::parse(target.toStdString(), std::nullopt);
        at::manual_seed(17);
        const int64_t R = 36, C = 256, N = 700;
        at::Tensor X = at::matmul(at::randn({C, C}) * 0.2 + at::eye(C), at::randn({C, N}));
        X[3].zero_();
        const at::Tensor W = at::randn({R, C});
        analysis::HessianAccumulator acc;
        acc.add(X.t(), 8);
        at::Tensor a = W.clone(), b = W.clone();
        analysis::setFusedObsOverride(0);
        prune::sparseGptPrune(a, acc.hessian(), t, 0.01, block);
        analysis::setFusedObsOverride(1);
        prune::sparseGptPrune(b, acc.hessian(), t, 0.01, block);
        analysis::setFusedObsOverride(-1);
        const double maskDiffer = a.eq(0).ne(b.eq(0)).to(at::kDouble).mean().item<double>();
        const double worst = (a - b).abs().max().item<double>();
        qInfo("masks differ on %.4f %%, max |difference| %.3g", 100 * maskDiffer, worst);
        QVERIFY2(maskDiffer <= 0.001, qPrintable(QString::number(maskDiffer)));
        QVERIFY2(worst <= 1e-5 * W.abs().max().item<double>(), qPrintable(QString::number(worst)));
        if (t.isNM()) {   // exact N:M in every group of M
            const at::Tensor zeros = b.eq(0).reshape({R, C / t.m, t.m}).sum(-1);
            QVERIFY(zeros.ge(t.n).all().item<bool>());
        }
    }

    void sparseGptMatchesThePublishedAlgorithm_data() {
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("block");
        QTest::newRow("50 %, blocks of 16") << "0.5" << 16;
        QTest::newRow("60 %, one block") << "0.6" << 128;
        QTest::newRow("2:4, blocks of 16") << "2:4" << 16;
    }
    void sparseGptMatchesThePublishedAlgorithm() {
        QFETCH(QString, target);
        QFETCH(int, block);
        const auto t = target.contains(':') ? prune::SparsityTarget::parse(std::nullopt, target.toStdString())
                                            : prune::SparsityTarget::parse(target.toStdString(), std::nullopt);
        // Correlated inputs (a random mixing of independent features) and one dead input.
        at::manual_seed(23);
        const int64_t R = 12, C = 48, N = 400;
        at::Tensor X = at::matmul(at::randn({C, C}) * 0.3 + at::eye(C), at::randn({C, N}));
        X[5].zero_();
        const at::Tensor W = at::randn({R, C});
        analysis::HessianAccumulator acc;
        acc.add(X.t().narrow(0, 0, 250), 5);
        acc.add(X.t().narrow(0, 250, 150), 3);
        const at::Tensor H = acc.hessian();
        QVERIFY(at::allclose(H, X.matmul(X.t()) * (2.0 / 8.0), 1e-4, 1e-3));
        at::Tensor Wq = W.clone();
        prune::sparseGptPrune(Wq, H, t, 0.01, block);
        const std::vector<double> ref = naiveSparseGpt(W, H, t, 0.01, block);
        double worst = 0, scale = 0;
        for (int64_t r = 0; r < R; ++r)
            for (int64_t c = 0; c < C; ++c) {
                worst = std::max(worst, std::abs(Wq[r][c].item<double>() - ref[size_t(r * C + c)]));
                scale = std::max(scale, std::abs(ref[size_t(r * C + c)]));
            }
        qInfo("max |ours - reference| = %.2e (max |w| %.2f)", worst, scale);
        QVERIFY2(worst <= 2e-4 * scale, qPrintable(QString::number(worst)));
        // The dead input's column is zero; the sparsity is what was asked for.
        QCOMPARE(Wq.select(1, 5).abs().sum().item<double>(), 0.0);
        const double zeros = Wq.eq(0).sum().item<double>() / double(R * C);
        QVERIFY2(zeros >= t.effectiveRatio() - 1e-9, qPrintable(QString::number(zeros)));
        if (t.isNM())
            QVERIFY(Wq.reshape({R, C / 4, 4}).eq(0).sum(-1).ge(2).all().item<bool>());
        // The point of the OBS update: a smaller layer-output error than zeroing by magnitude.  Checked
        // with blocks smaller than the row (better on every one of 30 random layers tried, error ratio
        // ~0.6).  With one block over all 48 columns the adaptive mask is chosen from the initial
        // weights, as the reference does, and on layers this small it beats magnitude only about 70 %
        // of the time (mean ratio ~0.95): there the match with the published algorithm above is the check.
        if (block < C) {
            at::Tensor Wm = W.clone();
            Wm.masked_fill_(prune::magnitudeMask(W, t), 0.0);
            const double eS = reconstructionError(W, Wq, X), eM = reconstructionError(W, Wm, X);
            qInfo("reconstruction error: SparseGPT %.4g, magnitude %.4g", eS, eM);
            QVERIFY(eS < 0.8 * eM);
        }
    }

    void inverseHessianRetriesDamping() {
        // A rank-deficient H (fewer tokens than inputs) with a tiny damping still factorises.
        const at::Tensor X = at::randn({3, 16});
        analysis::HessianAccumulator acc;
        acc.add(X, 1);
        // Damping 1e-9 cannot make it positive definite in float32; the retries raise it ×10 each time.
        const auto ih = analysis::inverseHessianUpper(acc.hessian(), 1e-9, "test", 8);
        QVERIFY2(ih.tries > 1, qPrintable(QString::number(ih.tries)));
        QVERIFY(std::abs(ih.usedPercdamp - 1e-9 * std::pow(10.0, ih.tries - 1)) < 1e-6 * ih.usedPercdamp);
        QVERIFY(ih.hinvUpper.isfinite().all().item<bool>());
        slimtest::expectError<ConfigError>([&] { analysis::inverseHessianUpper(acc.hessian(), 1e-30, "layer 3 q_proj", 1); },
                                           {"layer 3 q_proj", "not positive definite"});
        QVERIFY(ih.hinvUpper.tril(-1).abs().max().item<float>() == 0.0f);
        slimtest::expectError<ConfigError>([] { analysis::inverseHessianUpper(at::Tensor(), 0.01, "q_proj"); }, {"q_proj"});
    }

    void layerwisePassSeesTheForwardInputs() {
        // A visitor that changes nothing sees, for every projection input, what a whole-model forward
        // with hooks sees (the activation statistics): same Σ x_j² per channel.
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 5, 32);
        std::map<std::pair<int64_t, int>, at::Tensor> seen;
        std::vector<std::string> order;
        analysis::LayerwiseVisitor v;
        v.beginGroup = [&](int64_t l, const analysis::ProjGroup& g) {
            order.push_back(std::to_string(l) + ":" + std::to_string(g.size()));
        };
        v.observe = [&](int64_t l, const analysis::ProjGroup& sharing, const at::Tensor& rows) {
            auto& acc = seen[{l, int(sharing.front())}];
            const at::Tensor s = rows.to(at::kDouble).pow(2).sum(0);
            acc = acc.defined() ? acc + s : s;
        };
        analysis::LayerwiseOptions o;
        o.batchSize = 2;   // batches of 2, 2 and 1
        o.trueSequential = true;
        v.compress = [&](int64_t, const analysis::ProjGroup&) {
            const auto t0 = std::chrono::steady_clock::now();
            while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(5)) {
            }
        };
        const auto rep = analysis::runLayerwise(*m, ids, o, v, JobContext::none());
        QCOMPARE(rep.tokens, int64_t(5 * 32));
        QCOMPARE(order, (std::vector<std::string>{"0:3", "0:1", "0:2", "0:1", "1:3", "1:1", "1:2", "1:1"}));
        // Where the time went: 8 compress calls of >= 5 ms; the phases fit in the total.
        QVERIFY2(rep.compressSeconds >= 8 * 0.005, qPrintable(QString::number(rep.compressSeconds)));
        QVERIFY(rep.forwardSeconds > 0 && rep.observeSeconds > 0 && rep.moveSeconds == 0);
        QVERIFY(rep.forwardSeconds + rep.observeSeconds + rep.compressSeconds <= rep.seconds + 1e-3);
        QVERIFY(rep.toJson()["phase_seconds"].contains("forward"));
        analysis::ActivationStatsOptions ao;
        ao.batchSize = 5;
        const auto stats = analysis::computeActivationStats(*m, ids, at::Tensor(), ao, JobContext::none());
        int compared = 0;
        for (const auto& c : stats.inputs) {
            const at::Tensor mine = seen.at({c.layer, int(c.projections.front())});
            for (int64_t j = 0; j < c.channels; ++j)
                QVERIFY(std::abs(mine[j].item<double>() - c.sumSq[size_t(j)]) <= 1e-4 * std::max(1.0, c.sumSq[size_t(j)]));
            ++compared;
        }
        QCOMPARE(compared, 2 * 4);   // 2 layers × {qkv, o, gate/up, down}
    }

    void offloadedPassEqualsTheModelInMemory() {
        // --offload keeps the hidden states in host buffers that each layer's outputs overwrite in place
        // (Propagate::Original swaps two sets); the pruned weights must equal those of the pass that
        // keeps everything on the compute device, for batches of 2, 2 and 1.
        for (const auto propagate : {analysis::LayerwiseOptions::Propagate::Compressed, analysis::LayerwiseOptions::Propagate::Original}) {
            auto a = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
            auto b = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
            const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 5, 32);
            prune::SparsePruneOptions o;
            o.method = prune::SparseMethod::SparseGpt;
            o.target = prune::SparsityTarget::parse(std::string("0.5"), std::nullopt);
            o.layerwise.batchSize = 2;
            o.layerwise.propagate = propagate;
            const auto ra = prune::pruneSparse(*a, ids, o, JobContext::none());
            o.layerwise.offload = true;
            const auto rb = prune::pruneSparse(*b, ids, o, JobContext::none());
            QVERIFY(rb.layerwise && rb.layerwise->hiddenMoveSeconds > 0 && ra.layerwise->hiddenMoveSeconds == 0);
            QVERIFY(rb.layerwise->toJson()["phase_seconds"].contains("hidden_moves"));
            for (int64_t l = 0; l < a->numLayers(); ++l)
                for (const auto p : model::kAllProj)
                    QVERIFY(a->layer(l).p(p).denseWeight().equal(b->layer(l).p(p).denseWeight()));
        }
    }

    void projectionsReturnToTheirHostTensors() {
        // Linear::toHost writes into the host tensor the projection left when that one has the same
        // shape and dtype and nothing else shares its storage; otherwise it allocates.
        const at::Tensor src = at::randn({4, 6});
        auto stash = [](at::Tensor t) { return std::vector<model::StoredTensor>{{"weight", std::move(t), true}}; };
        {
            auto prev = stash(at::zeros({4, 6}));
            const void* where = prev[0].tensor.data_ptr();
            const at::Tensor back = model::toHostInto(src, at::kFloat, prev, "weight");
            QCOMPARE(back.data_ptr(), where);
            QVERIFY(back.equal(src));
        }
        {
            auto prev = stash(at::zeros({4, 6}));
            const at::Tensor view = prev[0].tensor.view({24});   // someone else sees that storage
            QVERIFY(model::toHostInto(src, at::kFloat, prev, "weight").data_ptr() != prev[0].tensor.data_ptr());
            QCOMPARE(view.abs().sum().item<float>(), 0.0f);
        }
        for (const auto& other : {at::zeros({6, 4}), at::zeros({4, 6}, at::kDouble)}) {   // shape, dtype
            auto prev = stash(other.clone());
            const at::Tensor back = model::toHostInto(src, at::kFloat, prev, "weight");
            QVERIFY(back.data_ptr() != prev[0].tensor.data_ptr() && back.equal(src));
        }
        auto prev = stash(at::zeros({4, 6}));
        QVERIFY(model::toHostInto(src, at::kFloat, prev, "bias").data_ptr() != prev[0].tensor.data_ptr());
        model::DenseLinear lin(src.clone());
        auto previous = lin.storedTensors();
        const void* where = previous[0].tensor.data_ptr();
        lin.weight() = lin.weight() * 2;   // an edit that allocates, as a pruning update may
        const at::Tensor expected = src * 2;
        lin.toHost(at::kFloat, previous);
        QCOMPARE(lin.denseWeight().data_ptr(), where);
        QVERIFY(lin.denseWeight().equal(expected));
    }

    void observationPassStopsAtTheLastInput() {
        // ForwardHooks::stopAfterInputOf: the layer returns nothing once that input has been seen; every
        // input before it is the one a whole layer sees, and nothing after it runs (no attention output
        // when it stops inside the attention block, no MLP output when it stops at down_proj).
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 2, 16);
        const at::Tensor x = m->embed(ids);
        const auto li = m->layerInputs(2, 16, m->device());
        const at::Tensor mask = li.maskOf(m->config(), 0, 16);
        auto pass = [&](std::optional<Proj> stop, std::vector<std::pair<Proj, at::Tensor>>& inputs, int& blocks) {
            model::ForwardHooks h;
            h.stopAfterInputOf = stop;
            h.onProjInput = [&](int64_t, Proj p, const at::Tensor& in) { inputs.emplace_back(p, in.clone()); };
            h.onAttentionOutput = [&](int64_t, const at::Tensor&) { ++blocks; };
            h.onMlpOutput = [&](int64_t, const at::Tensor&) { ++blocks; };
            return m->runLayer(0, x, li.cos, li.sin, mask, nullptr, &h);
        };
        std::vector<std::pair<Proj, at::Tensor>> full;
        int fullBlocks = 0;
        QVERIFY(pass(std::nullopt, full, fullBlocks).defined());
        QCOMPARE(full.size(), size_t(7));
        QCOMPARE(fullBlocks, 2);
        for (const auto& [stop, seen, blocks] : {std::tuple{Proj::K, 3, 0}, std::tuple{Proj::O, 4, 0},
                                                 std::tuple{Proj::Up, 6, 1}, std::tuple{Proj::Down, 7, 1}}) {
            std::vector<std::pair<Proj, at::Tensor>> got;
            int b = 0;
            QVERIFY(!pass(stop, got, b).defined());
            QCOMPARE(int(got.size()), seen);
            QCOMPARE(b, blocks);
            for (size_t i = 0; i < got.size(); ++i) {
                QVERIFY(got[i].first == full[i].first);
                QVERIFY(at::equal(got[i].second, full[i].second));
            }
        }
    }

    void layerwisePassPropagatesTheCompressedLayer() {
        // Zeroing layer 0's down_proj during the pass: layer 1 then sees the outputs of the edited
        // layer (the references' default) — or of the original one with Propagate::Original.
        const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 4, 32);
        auto layer1QInput = [&](analysis::LayerwiseOptions::Propagate prop) {
            auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
            at::Tensor s;
            analysis::LayerwiseVisitor v;
            v.observe = [&](int64_t l, const analysis::ProjGroup& sharing, const at::Tensor& rows) {
                if (l == 1 && sharing.front() == Proj::Q)
                    s = s.defined() ? s + rows.pow(2).sum(0) : rows.pow(2).sum(0);
            };
            v.compress = [&](int64_t l, const analysis::ProjGroup&) {
                if (l == 0)
                    dynamic_cast<model::DenseLinear&>(m->layer(0).p(Proj::Down)).weight().zero_();
            };
            analysis::LayerwiseOptions o;
            o.propagate = prop;
            analysis::runLayerwise(*m, ids, o, v, JobContext::none());
            return std::make_pair(s, std::move(m));
        };
        auto statsOf = [&](const model::LlamaModel& m) {
            analysis::ActivationStatsOptions ao;
            const auto st = analysis::computeActivationStats(m, ids, at::Tensor(), ao, JobContext::none());
            const auto* c = st.find(1, Proj::Q);
            return at::tensor(c->sumSq, at::kDouble);
        };
        auto [compressed, edited] = layer1QInput(analysis::LayerwiseOptions::Propagate::Compressed);
        QVERIFY(at::allclose(compressed.to(at::kDouble), statsOf(*edited), 1e-4, 1e-6));
        auto [original, edited2] = layer1QInput(analysis::LayerwiseOptions::Propagate::Original);
        const auto untouched = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        QVERIFY(at::allclose(original.to(at::kDouble), statsOf(*untouched), 1e-4, 1e-6));
        QVERIFY(!at::allclose(compressed, original, 1e-3, 1e-6));
    }

    void layerwiseTf32OnlyInItsForwardPasses() {
        // The method's observe / compress calls always see the caller's TF32 setting, and the pass
        // leaves it as it found it.  TF32 is a CUDA feature: on the CPU the option changes nothing.
        const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 2, 16);
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const bool before = at::globalContext().allowTF32CuBLAS();
        for (const bool caller : {false, true})
            for (const bool option : {false, true}) {
                at::globalContext().setAllowTF32CuBLAS(caller);
                std::vector<bool> seen;
                analysis::LayerwiseVisitor v;
                v.observe = [&](int64_t, const analysis::ProjGroup&, const at::Tensor&) {
                    seen.push_back(at::globalContext().allowTF32CuBLAS());
                };
                v.compress = [&](int64_t, const analysis::ProjGroup&) { seen.push_back(at::globalContext().allowTF32CuBLAS()); };
                analysis::LayerwiseOptions o;
                o.tf32 = option;
                analysis::runLayerwise(*m, ids, o, v, JobContext::none());
                QVERIFY(!seen.empty());
                for (const bool s : seen)
                    QCOMPARE(s, caller);
                QCOMPARE(at::globalContext().allowTF32CuBLAS(), caller);
            }
        at::globalContext().setAllowTF32CuBLAS(before);
    }

    void pruneSparseMethods_data() {
        QTest::addColumn<QString>("method");
        QTest::addColumn<QString>("target");
        for (const char* m : {"magnitude", "wanda", "sparsegpt"})
            for (const char* t : {"0.5", "2:4"})
                QTest::newRow(qPrintable(QString("%1 %2").arg(m, t))) << m << t;
    }
    void pruneSparseMethods() {
        QFETCH(QString, method);
        QFETCH(QString, target);
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        prune::SparsePruneOptions o;
        o.method = prune::parseSparseMethod(method.toStdString());
        o.target = target.contains(':') ? prune::SparsityTarget::parse(std::nullopt, target.toStdString())
                                        : prune::SparsityTarget::parse(target.toStdString(), std::nullopt);
        o.blockSize = 32;
        const auto r = prune::pruneSparse(*m, calibrationIds(fixture("llama-fp32"), 4, 32), o, JobContext::none());
        QCOMPARE(r.projections.size(), size_t(2 * 7));
        for (int64_t l = 0; l < 2; ++l)
            for (Proj p : model::kAllProj) {
                const at::Tensor w = m->layer(l).p(p).denseWeight();
                const int64_t out = w.size(0), in = w.size(1);
                if (o.target.isNM()) {
                    QVERIFY(w.reshape({out, in / 4, 4}).eq(0).sum(-1).ge(2).all().item<bool>());
                } else if (o.method == prune::SparseMethod::Wanda) {
                    QVERIFY(w.eq(0).sum(1).eq(in / 2).all().item<bool>());   // exactly per row
                } else {
                    QVERIFY(w.eq(0).sum().item<double>() >= 0.5 * double(w.numel()));
                }
            }
        QVERIFY(std::abs(double(r.zeros) / double(r.numel) - 0.5) < 0.01);
        // The pruned model still runs.
        QVERIFY(m->forward(calibrationIds(fixture("llama-fp32"), 1, 16)).isfinite().all().item<bool>());
    }

    void pruneSparseCancels() {
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        JobContext ctx;
        ctx.requestCancel();
        prune::SparsePruneOptions o;
        QVERIFY_THROWS_EXCEPTION(CancelledError, prune::pruneSparse(*m, calibrationIds(fixture("llama-fp32"), 2, 16), o, ctx));
    }

    void depthConfigEdits() {
        const nlohmann::json cfg = {{"num_hidden_layers", 6}, {"max_window_layers", 4},
                                    {"layer_types", {"full", "full", "full", "full", "sliding", "sliding"}},
                                    {"slimbench_layer_shapes", {{"intermediate_size", {10, 11, 12, 13, 14, 15}}}},
                                    {"eos_token_id", {1, 2}}, {"hidden_size", 64}};
        const auto out = prune::depthPrunedConfig(cfg, {1, 4});
        QCOMPARE(out["num_hidden_layers"].get<int>(), 4);
        QCOMPARE(out["layer_types"], nlohmann::json({"full", "full", "full", "sliding"}));
        QCOMPARE(out["max_window_layers"].get<int>(), 3);   // old layers 0, 2, 3 stay below it
        QCOMPARE(out["slimbench_layer_shapes"]["intermediate_size"], nlohmann::json({10, 12, 13, 15}));
        QCOMPARE(out["eos_token_id"], nlohmann::json({1, 2}));
        QCOMPARE(out["hidden_size"].get<int>(), 64);
        slimtest::expectError<ConfigError>([] { prune::checkLayersToRemove({2, 7}, 6); }, {"layer 7", "0..5"});
        slimtest::expectError<ConfigError>([] { prune::checkLayersToRemove({0, 1}, 2); }, {"all 2 layers"});
        QCOMPARE(prune::checkLayersToRemove({3, 1, 3}, 6), (std::vector<int64_t>{1, 3}));
    }

    void depthPrunedModelEqualsSkippingTheLayer_data() {
        QTest::addColumn<QString>("fx");
        QTest::newRow("llama fp32") << "llama-fp32";
        QTest::newRow("mistral bf16 (sliding window)") << "mistral-bf16";
        QTest::newRow("qwen2 sharded") << "qwen2-sharded";
    }
    void depthPrunedModelEqualsSkippingTheLayer() {
        QFETCH(QString, fx);
        const fs::path src = fixture(fx.toStdString());
        const fs::path dst = slimtest::makeTempDir("depth") / "pruned";
        fs::create_directories(dst);
        prune::writeDepthPruned(src, {0}, dst, JobContext::none());
        const auto cfg = model::ModelConfig::load(dst / "config.json");
        const auto orig = model::ModelConfig::load(src / "config.json");
        QCOMPARE(cfg.numLayers, orig.numLayers - 1);
        QCOMPARE(cfg.torchDtype, orig.torchDtype);   // stored dtype kept
        const model::LoadOptions lo{at::kCPU, at::kFloat};
        auto a = model::LlamaModel::load(src, lo);
        auto b = model::LlamaModel::load(dst, lo);
        at::InferenceMode guard;
        const at::Tensor ids = calibrationIds(src, 2, 16);
        const auto li = a->layerInputs(2, 16, at::kCPU);
        at::Tensor h = a->embed(ids);
        for (int64_t l = 1; l < a->numLayers(); ++l)
            h = a->runLayer(l, h, li.cos, li.sin, li.maskOf(a->config(), l, 16), nullptr, nullptr);
        const at::Tensor expected = a->head(h);
        const at::Tensor got = b->forward(ids);
        QVERIFY2(at::allclose(got, expected, 1e-5, 1e-4), qPrintable(QString::number((got - expected).abs().max().item<double>())));
    }

    void widthImportanceMatchesGroupSums() {
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        const auto& L = m->layer(0);
        const int64_t KV = L.numKvHeads, rep = L.numHeads / KV, D = m->config().headDim;
        const auto gi = prune::layerImportance(*m, 0, prune::WidthImportance::L1, {}, {});
        auto w = [&](Proj p) { return m->layer(0).p(p).denseWeight().to(at::kDouble); };
        for (int64_t g = 0; g < KV; ++g) {
            double s = 0;
            s += w(Proj::Q).narrow(0, g * rep * D, rep * D).abs().sum().item<double>();
            s += w(Proj::K).narrow(0, g * D, D).abs().sum().item<double>();
            s += w(Proj::V).narrow(0, g * D, D).abs().sum().item<double>();
            s += w(Proj::O).narrow(1, g * rep * D, rep * D).abs().sum().item<double>();
            QVERIFY(std::abs(gi.attention[g].item<double>() - s) <= 1e-9 * s);
        }
        const int64_t I = m->config().intermediateOf(0);
        for (int64_t j : {int64_t(0), I / 2, I - 1}) {
            const double s = w(Proj::Gate)[j].abs().sum().item<double>() + w(Proj::Up)[j].abs().sum().item<double>() +
                             w(Proj::Down).select(1, j).abs().sum().item<double>();
            QVERIFY(std::abs(gi.mlp[j].item<double>() - s) <= 1e-9 * s);
        }
        // Taylor: Σ |w · g| with the gradient given.
        std::vector<at::Tensor> grads;
        for (Proj p : model::kAllProj)
            grads.push_back(at::randn_like(m->layer(0).p(p).denseWeight()));
        const auto gt = prune::layerImportance(*m, 0, prune::WidthImportance::Taylor, grads, grads);
        const double s0 = (w(Proj::Gate)[0] * grads[4][0].to(at::kDouble)).abs().sum().item<double>() +
                          (w(Proj::Up)[0] * grads[5][0].to(at::kDouble)).abs().sum().item<double>() +
                          (w(Proj::Down).select(1, 0) * grads[6].select(1, 0).to(at::kDouble)).abs().sum().item<double>();
        QVERIFY(std::abs(gt.mlp[0].item<double>() - s0) <= 1e-9 * s0);
    }

    void widthPrunedModelEqualsZeroedGroups_data() {
        QTest::addColumn<QString>("importance");
        QTest::newRow("l2") << "l2";
        QTest::newRow("param-mix") << "param-mix";
    }
    void widthPrunedModelEqualsZeroedGroups() {
        // Removing a KV group (its q/k/v rows and o columns) or an MLP channel (gate/up rows, down
        // column) computes what the full model computes with those weights zeroed.
        QFETCH(QString, importance);
        auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        auto zeroed = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        prune::WidthPruneOptions o;
        o.ratio = 0.5;
        o.importance = prune::parseWidthImportance(importance.toStdString());
        const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 3, 32);
        // The kept groups of the pruned model, found again in the original by matching weights.
        const auto r = prune::pruneWidth(*m, ids, o, JobContext::none());
        QVERIFY(r.uniform);
        QVERIFY(r.parametersAfter < r.parametersBefore);
        QVERIFY(m->config().layerIntermediateSize.empty());   // a plain HF config
        at::NoGradGuard g;
        const int64_t D = m->config().headDim;
        for (int64_t l = 0; l < 2; ++l) {
            auto& Z = zeroed->layer(l);
            const at::Tensor kq = m->layer(l).p(Proj::K).denseWeight();
            const at::Tensor zk = Z.p(Proj::K).denseWeight();
            const int64_t KV = Z.numKvHeads, rep = Z.numHeads / KV;
            for (int64_t gI = 0; gI < KV; ++gI) {
                bool kept = false;
                for (int64_t k = 0; k < kq.size(0) / D; ++k)
                    kept = kept || zk.narrow(0, gI * D, D).equal(kq.narrow(0, k * D, D));
                if (kept)
                    continue;
                dynamic_cast<model::DenseLinear&>(Z.p(Proj::Q)).weight().narrow(0, gI * rep * D, rep * D).zero_();
                dynamic_cast<model::DenseLinear&>(Z.p(Proj::K)).weight().narrow(0, gI * D, D).zero_();
                dynamic_cast<model::DenseLinear&>(Z.p(Proj::V)).weight().narrow(0, gI * D, D).zero_();
                dynamic_cast<model::DenseLinear&>(Z.p(Proj::O)).weight().narrow(1, gI * rep * D, rep * D).zero_();
            }
            const at::Tensor gate = m->layer(l).p(Proj::Gate).denseWeight();
            const at::Tensor zg = Z.p(Proj::Gate).denseWeight();
            for (int64_t j = 0; j < zg.size(0); ++j) {
                const bool kept = (gate - zg[j].unsqueeze(0)).abs().sum(1).eq(0).any().item<bool>();
                if (!kept) {
                    dynamic_cast<model::DenseLinear&>(Z.p(Proj::Gate)).weight()[j].zero_();
                    dynamic_cast<model::DenseLinear&>(Z.p(Proj::Up)).weight()[j].zero_();
                }
            }
        }
        at::InferenceMode guard;
        const at::Tensor x = calibrationIds(fixture("llama-fp32"), 2, 24);
        const at::Tensor a = m->forward(x), b = zeroed->forward(x);
        QVERIFY2(at::allclose(a, b, 1e-4, 1e-4), qPrintable(QString::number((a - b).abs().max().item<double>())));
        // Saved and reloaded, with a layer range: per-layer widths.
        auto partial = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
        o.importance = prune::WidthImportance::L2;
        o.firstLayer = o.lastLayer = 1;
        const auto r2 = prune::pruneWidth(*partial, at::Tensor(), o, JobContext::none());
        QVERIFY(!r2.uniform);
        const fs::path dir = slimtest::makeTempDir("width") / "m";
        partial->save(dir);
        auto back = model::LlamaModel::load(dir, model::LoadOptions{});
        QCOMPARE(back->config().intermediateOf(1), partial->config().intermediateOf(1));
        QVERIFY(back->config().intermediateOf(0) != back->config().intermediateOf(1));
        QVERIFY(at::allclose(back->forward(x), partial->forward(x), 1e-5, 1e-5));
        slimtest::expectError<ConfigError>([&] {
            prune::WidthPruneOptions t;
            t.importance = prune::WidthImportance::Taylor;
            prune::pruneWidth(*back, at::Tensor(), t, JobContext::none());
        }, {"calibration"});
    }

    void depthTaylorCriterion() {
        // Σ |w · g| per layer with g summed over the samples, recomputed here from the gradients.
        auto m = model::LlamaModel::load(fixture("qwen2-sharded"), model::LoadOptions{});
        const at::Tensor ids = calibrationIds(fixture("qwen2-sharded"), 3, 16);
        const auto g = prune::accumulateGradients(*m, ids, 0, m->numLayers() - 1, JobContext::none());
        std::vector<double> expected;
        for (int64_t l = 0; l < m->numLayers(); ++l) {
            double s = 0;
            for (int i = 0; i < model::kNumProj; ++i)
                s += (m->layer(l).p(model::kAllProj[i]).denseWeight().to(at::kDouble) * g.sum[size_t(l)][size_t(i)].to(at::kDouble))
                         .abs().sum().item<double>();
            expected.push_back(s);
        }
        const auto tc = prune::chooseByTaylor(*m, ids, 1, 0, 0, JobContext::none());
        QCOMPARE(tc.importance.size(), expected.size());
        for (size_t l = 0; l < expected.size(); ++l)
            QVERIFY(std::abs(tc.importance[l] - expected[l]) <= 1e-6 * expected[l]);
        const int64_t lowest = std::min_element(expected.begin(), expected.end()) - expected.begin();
        QCOMPARE(tc.layers, std::vector<int64_t>{lowest});
        // The weights no longer require gradients afterwards.
        QVERIFY(!m->layer(0).p(Proj::Q).denseWeight().requires_grad());
        slimtest::expectError<ConfigError>([&] { prune::chooseByTaylor(*m, ids, 1, 1, 1, JobContext::none()); }, {"only 0 layers"});
    }

    void sparse24CompressedStorage() {
        // A 2:4 matrix (with some groups holding fewer than 2 non-zeros) round-trips exactly, is half the
        // values plus one byte per 8 inputs, and multiplies like the dense matrix: the CPU kernel for a
        // few rows and the rebuilt dense matrix for more.
        for (at::ScalarType dt : {at::kFloat, at::kBFloat16}) {
            at::Tensor w = at::randn({48, 64}).to(dt);
            const at::Tensor keep = std::get<1>(at::rand({48, 16, 4}).topk(2, 2));
            at::Tensor mask = at::zeros({48, 16, 4}, at::kBool).scatter_(2, keep, true);
            mask.select(1, 3).zero_();                          // a group with no non-zero
            mask.select(1, 5).select(1, 2).zero_();             // groups with one non-zero
            w = (w * mask.view({48, 64}).to(dt)).contiguous();
            const auto s = model::Sparse24Linear::compress(w, at::randn({48}).to(dt), "t");
            QVERIFY(at::equal(s->denseWeight(), w));
            QCOMPARE(s->values().sizes(), (at::IntArrayRef{48, 32}));
            QCOMPARE(s->positions().sizes(), (at::IntArrayRef{48, 8}));
            const int64_t bytes = s->storageBytes() - 48 * int64_t(s->bias()->element_size());
            QCOMPARE(bytes, int64_t(48 * 32 * w.element_size() + 48 * 8));
            for (bool handWritten : {true, false}) {   // the AVX-512 kernel where the CPU has it, and the portable one
                const bool before = cpu::setHandWrittenKernels(handWritten);
                for (int64_t rows : {1, 3, 12}) {
                    const at::Tensor x = at::randn({rows, 64}).to(dt);
                    const at::Tensor ref = at::linear(x.to(at::kDouble), w.to(at::kDouble), s->bias()->to(at::kDouble));
                    const double err = (s->forward(x).to(at::kDouble) - ref).abs().max().item<double>() /
                                       ref.abs().max().item<double>();
                    QVERIFY2(err <= (dt == at::kFloat ? 1e-6 : 1e-2), qPrintable(QString("rows %1: %2").arg(rows).arg(err)));
                }
                cpu::setHandWrittenKernels(before);
            }
        }
        slimtest::expectError<ConfigError>([] { model::Sparse24Linear::compress(at::ones({4, 8}), std::nullopt, "layer 0 q_proj"); },
                                           {"layer 0 q_proj", "not 2:4 sparse", "--pattern 2:4"});
        slimtest::expectError<ConfigError>([] { model::Sparse24Linear::compress(at::zeros({4, 12}), std::nullopt, "p"); },
                                           {"multiple of 8"});
    }

    void cliPruneSparseStoredCompressed() {
        const QString src = QString::fromStdString(fixture("llama-fp32").string());
        const fs::path tmp = slimtest::makeTempDir("cli-prune24");
        const QString dense = QString::fromStdString((tmp / "dense").string()), packed = QString::fromStdString((tmp / "packed").string());
        auto r = slimtest::runCli({"prune", "sparse", src, "--method", "magnitude", "--pattern", "2:4", "--out", dense, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        r = slimtest::runCli({"prune", "sparse", src, "--method", "magnitude", "--pattern", "2:4", "--store", "compressed",
                              "--out", packed, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["settings"]["store"].get<std::string>(), std::string("compressed"));
        const auto cfg = model::ModelConfig::load(tmp / "packed" / "config.json");
        QCOMPARE(nlohmann::json::parse(cfg.quantizationConfig)["format"].get<std::string>(), std::string("sparse24"));
        // Real savings: the projections take 1.125 / 2 (16-bit) or 2.125 / 4 (fp32) of their dense bytes.
        auto a = model::LlamaModel::load(tmp / "dense", model::LoadOptions{});
        auto b = model::LlamaModel::load(tmp / "packed", model::LoadOptions{});
        int64_t projDense = 0, projPacked = 0;
        for (int64_t l = 0; l < a->numLayers(); ++l)
            for (auto p : model::kAllProj) {
                projDense += a->layer(l).p(p).storageBytes();
                projPacked += b->layer(l).p(p).storageBytes();
                QCOMPARE(b->layer(l).p(p).kind(), std::string("sparse-2:4"));
                QVERIFY(at::equal(b->layer(l).p(p).denseWeight(), a->layer(l).p(p).denseWeight()));
            }
        qInfo("projection bytes: dense %lld, 2:4 compressed %lld (%.4f)", (long long)projDense, (long long)projPacked,
              double(projPacked) / double(projDense));
        QVERIFY(std::abs(double(projPacked) / double(projDense) - 2.125 / 4.0) < 1e-9);
        QVERIFY(fs::file_size(tmp / "packed" / "model.safetensors") < fs::file_size(tmp / "dense" / "model.safetensors"));
        {
            at::InferenceMode guard;
            const at::Tensor ids = at::randint(a->config().vocabSize, {2, 12}, at::kLong);
            QVERIFY(at::allclose(b->forward(ids), a->forward(ids), 1e-5, 1e-5));
        }
        // Every model command reads it; export hf writes dense weights again.
        const QString wiki = QString::fromStdString(slimtest::wikiTestRaw().string());
        QCOMPARE(slimtest::runCli({"perplexity", packed, "--text", wiki, "--context", "32", "--max-tokens", "256"}).exitCode, 0);
        r = slimtest::runCli({"export", packed, "--format", "hf", "--out", QString::fromStdString((tmp / "hf").string())});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(model::ModelConfig::load(tmp / "hf" / "config.json").quantizationConfig.empty());
        // Only a 2:4 pattern can be stored compressed.
        r = slimtest::runCli({"prune", "sparse", src, "--method", "magnitude", "--sparsity", "0.5", "--store", "compressed",
                              "--out", QString::fromStdString((tmp / "bad").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--pattern 2:4"));
        QVERIFY(!fs::exists(tmp / "bad"));
    }

    void cliPruneSparseAndDepth() {
        const QString src = QString::fromStdString(fixture("llama-fp32").string());
        const QString wiki = QString::fromStdString(slimtest::wikiTestRaw().string());
        const fs::path tmp = slimtest::makeTempDir("cli-prune");
        const QString out = QString::fromStdString((tmp / "wanda24").string());
        auto r = slimtest::runCli({"prune", "sparse", src, "--method", "wanda", "--pattern", "2:4", "--calib", wiki,
                                   "--calib-samples", "4", "--calib-length", "32", "--calib-mode", "sequential",
                                   "--out", out, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.result["settings"]["pattern"].get<std::string>(), std::string("2:4"));
        QCOMPARE(r.result["calibration"]["samples"].get<int>(), 4);
        QVERIFY(r.out.contains("\"event\":\"progress\""));
        // The folder is complete, reloads with the pattern, carries the tokenizer and the provenance.
        QVERIFY(io::isComplete(tmp / "wanda24"));
        QVERIFY(fs::exists(tmp / "wanda24" / "tokenizer.json"));
        const auto prov = io::parseJsonStrict(io::readTextFile(tmp / "wanda24" / "slimbench_provenance.json"), "prov");
        QCOMPARE(prov["steps"].size(), size_t(1));
        QCOMPARE(prov["steps"][0]["method"].get<std::string>(), std::string("wanda"));
        QCOMPARE(prov["steps"][0]["calibration"]["sha256"].get<std::string>().size(), size_t(64));
        auto m = model::LlamaModel::load(tmp / "wanda24", model::LoadOptions{});
        const at::Tensor w = m->layer(1).p(Proj::Up).denseWeight();
        QVERIFY(w.reshape({w.size(0), -1, 4}).eq(0).sum(-1).ge(2).all().item<bool>());
        QCOMPARE(slimtest::runCli({"perplexity", out, "--text", wiki, "--context", "32", "--max-tokens", "256"}).exitCode, 0);

        // Depth on top: the chain of steps grows; removed layers listed 0-based.
        const QString deep = QString::fromStdString((tmp / "depth").string());
        r = slimtest::runCli({"prune", "depth", out, "--criterion", "angular", "--count", "1", "--calib", wiki,
                              "--calib-samples", "4", "--calib-length", "32", "--out", deep, "--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto removed = r.result["settings"]["removed_layers"].get<std::vector<int64_t>>();
        QCOMPARE(removed.size(), size_t(1));
        QCOMPARE(removed, r.result["evidence"]["recommendation"]["layers_to_drop"].get<std::vector<int64_t>>());
        const auto prov2 = io::parseJsonStrict(io::readTextFile(tmp / "depth" / "slimbench_provenance.json"), "prov");
        QCOMPARE(prov2["steps"].size(), size_t(2));
        QCOMPARE(model::ModelConfig::load(tmp / "depth" / "config.json").numLayers, int64_t(1));

        // Bad input: clear errors, nothing written.
        r = slimtest::runCli({"prune", "depth", src, "--layers", "5", "--out", QString::fromStdString((tmp / "bad").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("layer 5 does not exist"));
        QVERIFY(!fs::exists(tmp / "bad"));
        r = slimtest::runCli({"prune", "sparse", src, "--method", "wanda", "--sparsity", "0.5", "--out",
                              QString::fromStdString((tmp / "nocalib").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("--calib"));
        QVERIFY(!fs::exists(tmp / "nocalib"));
        r = slimtest::runCli({"prune", "sparse", src, "--method", "magnitude", "--sparsity", "0.5", "--out",
                              QString::fromStdString((fixture("llama-fp32") / "inside").string())});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.err.contains("must not be the model folder"));
    }
};

QTEST_GUILESS_MAIN(TestPrune)
#include "tst_prune.moc"
