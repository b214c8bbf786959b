// Layer similarity (core/analysis/layer_similarity.h) against an independent computation: hidden
// states taken with forward(stopAfterLayer = s) for every s (no hooks) and the metrics computed
// with plain double loops; padded batches against unpadded single sequences; the depth-pruning
// recommendation; cancellation; and, when tests/reference/make_similarity_reference.py has been
// run, transformers' own hidden states (tests/data/similarity/<fixture>.json).
#include "support/test_util.h"

#include "core/analysis/calibration.h"
#include "core/analysis/layer_similarity.h"
#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtTest/QtTest>

#include <cmath>

using namespace slim;
using namespace slim::analysis;

namespace {

/// Agreement asked for by issue #4 between two computations of the same metric.
constexpr double kAgreementTol = 1e-4;
constexpr double kPi = 3.14159265358979323846;

std::filesystem::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }
std::filesystem::path wikiTest() { return slimtest::wikiTestRaw(); }

struct Naive {
    std::vector<std::vector<double>> distance;   // (L+1)²
    std::vector<double> bi;                      // L
};

double naiveCos(const at::TensorAccessor<double, 1>& a, const at::TensorAccessor<double, 1>& b) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t k = 0; k < a.size(0); ++k) {
        dot += a[k] * b[k];
        na += a[k] * a[k];
        nb += b[k] * b[k];
    }
    const double c = dot / (std::sqrt(na) * std::sqrt(nb));
    return std::isnan(c) ? 0.5 : c;
}

/// The metrics by definition: per batch, the mean over selected tokens of arccos(cos)/π for
/// every pair of states, then the mean of the batch means; BI over all real tokens.
Naive naiveSimilarity(const model::LlamaModel& m, const at::Tensor& ids, const at::Tensor& mask, int64_t batch,
                      bool allTokens, bool dropLast) {
    at::InferenceMode guard;
    const int64_t N = ids.size(0), T = ids.size(1), L = m.numLayers(), S = L + 1;
    const int64_t nb = dropLast ? N / batch : (N + batch - 1) / batch;
    Naive r;
    r.distance.assign(size_t(S), std::vector<double>(size_t(S), 0.0));
    r.bi.assign(size_t(L), 0.0);
    int64_t biCount = 0;
    for (int64_t b = 0; b < nb; ++b) {
        const int64_t b0 = b * batch, B = std::min(batch, N - b0);
        model::ForwardOptions fo;
        if (mask.defined())
            fo.attentionMask = mask.narrow(0, b0, B);
        std::vector<at::Tensor> st;
        for (int64_t s = 0; s <= L; ++s) {
            fo.stopAfterLayer = s;
            st.push_back(m.forward(ids.narrow(0, b0, B), fo).to(at::kDouble).contiguous());   // (B, T, H)
        }
        std::vector<std::vector<double>> sum(size_t(S), std::vector<double>(size_t(S), 0.0));
        int64_t count = 0;
        for (int64_t i = 0; i < B; ++i) {
            int64_t last = -1;
            for (int64_t t = 0; t < T; ++t) {
                const bool real = !mask.defined() || mask[b0 + i][t].item<int64_t>() != 0;
                if (!real)
                    continue;
                last = t;
                for (int64_t l = 0; l < L; ++l)
                    r.bi[size_t(l)] += 1.0 - naiveCos(st[size_t(l)].accessor<double, 3>()[i][t],
                                                      st[size_t(l + 1)].accessor<double, 3>()[i][t]);
                ++biCount;
                if (allTokens) {
                    for (int64_t p = 0; p < S; ++p)
                        for (int64_t q = p + 1; q < S; ++q)
                            sum[size_t(p)][size_t(q)] += std::acos(std::clamp(
                                naiveCos(st[size_t(p)].accessor<double, 3>()[i][t], st[size_t(q)].accessor<double, 3>()[i][t]),
                                -1.0, 1.0)) / kPi;
                    ++count;
                }
            }
            if (!allTokens) {
                for (int64_t p = 0; p < S; ++p)
                    for (int64_t q = p + 1; q < S; ++q)
                        sum[size_t(p)][size_t(q)] += std::acos(std::clamp(
                            naiveCos(st[size_t(p)].accessor<double, 3>()[i][last], st[size_t(q)].accessor<double, 3>()[i][last]),
                            -1.0, 1.0)) / kPi;
                ++count;
            }
        }
        for (int64_t p = 0; p < S; ++p)
            for (int64_t q = p + 1; q < S; ++q) {
                r.distance[size_t(p)][size_t(q)] += sum[size_t(p)][size_t(q)] / double(count) / double(nb);
                r.distance[size_t(q)][size_t(p)] = r.distance[size_t(p)][size_t(q)];
            }
    }
    for (auto& v : r.bi)
        v /= double(biCount);
    return r;
}

double maxDiff(const LayerSimilarity& s, const Naive& n) {
    double d = 0;
    for (size_t i = 0; i < n.distance.size(); ++i)
        for (size_t j = 0; j < n.distance.size(); ++j)
            d = std::max(d, std::abs(s.distance[i][j] - n.distance[i][j]));
    for (size_t l = 0; l < n.bi.size(); ++l)
        d = std::max(d, std::abs(s.blockInfluence[l] - n.bi[l]));
    return d;
}

at::Tensor calibrationIds(const std::filesystem::path& dir, int64_t n, int64_t len) {
    CalibrationOptions o;
    o.mode = CalibrationMode::Sequential;
    o.numSamples = n;
    o.sampleLength = len;
    const std::string text = io::readTextFile(wikiTest()).substr(0, 40000);
    return calibrationFromTokens(tok::Tokenizer::fromPath(dir).encode(text, false), o, std::nullopt).ids;
}

/// A 6-layer random Llama built from the llama-fp32 fixture config.
std::unique_ptr<model::LlamaModel> sixLayerModel() {
    auto cfg = model::ModelConfig::load(fixture("llama-fp32") / "config.json");
    cfg.numLayers = 6;
    return model::LlamaModel::randomInit(cfg, model::LoadOptions{}, 0.15, 11);
}

} // namespace

class TestLayerSimilarity : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(2); }
    void againstNaive_data();
    void againstNaive();
    void paddedBatchMatchesSingleSequences_data();
    void paddedBatchMatchesSingleSequences();
    void sixLayersRecommendation();
    void recommendationOnKnownMatrix();
    void fractionAndShortGpt();
    void jsonLayout();
    void zeroStateCountsAsHalf();
    void badInputs();
    void cancelMidRun();
    void transformersReference_data();
    void transformersReference();
};

void TestLayerSimilarity::againstNaive_data() {
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<bool>("allTokens");
    QTest::addColumn<bool>("dropLast");
    for (const char* f : {"llama-fp32", "mistral-bf16", "qwen2-sharded"})
        for (bool all : {false, true})
            for (bool drop : {false, true})
                QTest::newRow((std::string(f) + (all ? "/all" : "/last") + (drop ? "/drop-last" : "")).c_str())
                    << QString(f) << all << drop;
}

void TestLayerSimilarity::againstNaive() {
    QFETCH(QString, fixture);
    QFETCH(bool, allTokens);
    QFETCH(bool, dropLast);
    const auto dir = ::fixture(fixture.toStdString());
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    // 7 samples of 24 tokens in batches of 3: two full batches and a partial one (averaged
    // as its own batch, or dropped).  24 > Mistral's sliding window of 8.
    const at::Tensor ids = calibrationIds(dir, 7, 24);
    LayerSimilarityOptions o;
    o.batchSize = 3;
    o.tokens = allTokens ? TokenSelection::AllTokens : TokenSelection::LastToken;
    o.dropLastPartialBatch = dropLast;
    const auto sim = computeLayerSimilarity(*m, ids, at::Tensor(), o);
    const auto naive = naiveSimilarity(*m, ids, at::Tensor(), 3, allTokens, dropLast);
    QCOMPARE(sim.batches, dropLast ? int64_t(2) : int64_t(3));
    QCOMPARE(sim.samples, dropLast ? int64_t(6) : int64_t(7));
    QCOMPARE(sim.selectedTokens, (dropLast ? 6 : 7) * (allTokens ? int64_t(24) : int64_t(1)));
    QCOMPARE(sim.influenceTokens, (dropLast ? 6 : 7) * int64_t(24));
    QCOMPARE(sim.nanCosines, int64_t(0));
    const double diff = maxDiff(sim, naive);
    qInfo("max |difference| = %.3g", diff);
    QVERIFY2(diff < kAgreementTol, std::to_string(diff).c_str());
    // Structure: symmetric, zero diagonal, values in [0, 1]; d(ℓ, n) is the matrix entry.
    for (int64_t i = 0; i <= sim.numLayers; ++i) {
        QCOMPARE(sim.distance[size_t(i)][size_t(i)], 0.0);
        for (int64_t j = 0; j <= sim.numLayers; ++j) {
            QCOMPARE(sim.distance[size_t(i)][size_t(j)], sim.distance[size_t(j)][size_t(i)]);
            QVERIFY(sim.distance[size_t(i)][size_t(j)] >= 0.0 && sim.distance[size_t(i)][size_t(j)] <= 1.0);
        }
    }
    QCOMPARE(sim.blockDistance(0, 2), sim.distance[0][2]);
}

void TestLayerSimilarity::paddedBatchMatchesSingleSequences_data() {
    QTest::addColumn<bool>("leftPadding");
    QTest::addColumn<bool>("allTokens");
    for (bool left : {false, true})
        for (bool all : {false, true})
            QTest::newRow((std::string(left ? "left" : "right") + (all ? "/all" : "/last")).c_str()) << left << all;
}

void TestLayerSimilarity::paddedBatchMatchesSingleSequences() {
    // One padded batch of 4 sequences of lengths 20, 13, 7, 16 = the mean over the 4 sequences run
    // alone without padding (a different computation: no mask, different shapes).
    QFETCH(bool, leftPadding);
    QFETCH(bool, allTokens);
    const auto dir = fixture("llama-fp32");
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    const at::Tensor full = calibrationIds(dir, 4, 20);
    const int64_t lens[4] = {20, 13, 7, 16};
    at::Tensor ids = at::zeros({4, 20}, at::kLong), mask = at::zeros({4, 20}, at::kLong);
    for (int64_t i = 0; i < 4; ++i) {
        const int64_t off = leftPadding ? 20 - lens[i] : 0;
        ids[i].narrow(0, off, lens[i]).copy_(full[i].narrow(0, 0, lens[i]));
        mask[i].narrow(0, off, lens[i]).fill_(1);
    }
    LayerSimilarityOptions o;
    o.batchSize = 4;
    o.tokens = allTokens ? TokenSelection::AllTokens : TokenSelection::LastToken;
    const auto sim = computeLayerSimilarity(*m, ids, mask, o);
    QCOMPARE(sim.influenceTokens, int64_t(20 + 13 + 7 + 16));

    // All-tokens mode averages over tokens, so weigh each sequence by its length.
    const int64_t S = m->numLayers() + 1;
    std::vector<std::vector<double>> dist(size_t(S), std::vector<double>(size_t(S), 0.0));
    std::vector<double> bi(size_t(m->numLayers()), 0.0);
    const double totalTokens = 56.0;
    for (int64_t i = 0; i < 4; ++i) {
        const at::Tensor one = full[i].narrow(0, 0, lens[i]).unsqueeze(0);
        const auto n = naiveSimilarity(*m, one, at::Tensor(), 1, allTokens, false);
        const double w = allTokens ? double(lens[i]) / totalTokens : 0.25;
        for (int64_t p = 0; p < S; ++p)
            for (int64_t q = 0; q < S; ++q)
                dist[size_t(p)][size_t(q)] += w * n.distance[size_t(p)][size_t(q)];
        for (size_t l = 0; l < bi.size(); ++l)
            bi[l] += double(lens[i]) / totalTokens * n.bi[l];
    }
    const double diff = maxDiff(sim, Naive{dist, bi});
    qInfo("max |difference| = %.3g", diff);
    QVERIFY2(diff < kAgreementTol, std::to_string(diff).c_str());
}

void TestLayerSimilarity::sixLayersRecommendation() {
    const auto m = sixLayerModel();
    const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 5, 16);
    LayerSimilarityOptions o;
    o.batchSize = 2;
    const auto sim = computeLayerSimilarity(*m, ids, at::Tensor(), o);
    const auto naive = naiveSimilarity(*m, ids, at::Tensor(), 2, false, false);
    QVERIFY(maxDiff(sim, naive) < kAgreementTol);
    QCOMPARE(sim.numLayers, int64_t(6));
    for (int64_t n = 1; n <= 5; ++n) {
        // Brute force over the independent matrix.
        int64_t best = 0;
        for (int64_t l = 1; l + n <= 6; ++l)
            if (naive.distance[size_t(l)][size_t(l + n)] < naive.distance[size_t(best)][size_t(best + n)])
                best = l;
        const auto rec = recommendBlock(sim, n);
        QCOMPARE(rec.start, best);
        QCOMPARE(rec.layersToDrop.size(), size_t(n));
        for (int64_t k = 0; k < n; ++k)
            QCOMPARE(rec.layersToDrop[size_t(k)], best + k);
        QCOMPARE(rec.distance, sim.blockDistance(best, n));
    }
    // ShortGPT: the k lowest BI layers, in order.
    auto order = lowestInfluenceLayers(sim.blockInfluence, 6);
    for (size_t i = 1; i < order.size(); ++i)
        QVERIFY(sim.blockInfluence[size_t(order[i - 1])] <= sim.blockInfluence[size_t(order[i])]);
}

void TestLayerSimilarity::recommendationOnKnownMatrix() {
    // L = 6.  d(ℓ, 2) = distance[ℓ][ℓ+2]: make ℓ = 3 the minimum, ℓ = 0 a close second.
    LayerSimilarity s;
    s.numLayers = 6;
    s.distance.assign(7, std::vector<double>(7, 0.5));
    for (int i = 0; i < 7; ++i)
        s.distance[size_t(i)][size_t(i)] = 0.0;
    auto set = [&](int a, int b, double v) { s.distance[size_t(a)][size_t(b)] = s.distance[size_t(b)][size_t(a)] = v; };
    set(3, 5, 0.10);
    set(0, 2, 0.11);
    auto rec = recommendBlock(s, 2);
    QCOMPARE(rec.start, int64_t(3));
    QCOMPARE(rec.layersToDrop, (std::vector<int64_t>{3, 4}));
    QCOMPARE(rec.distance, 0.10);
    // PruneMe never starts at the embeddings (minStart = 1) — same answer here; excluding 3 too:
    set(3, 5, 0.5);
    QCOMPARE(recommendBlock(s, 2).start, int64_t(0));
    QCOMPARE(recommendBlock(s, 2, 1).start, int64_t(1));   // all equal 0.5: first wins
    // NaN never wins.
    set(1, 3, std::numeric_limits<double>::quiet_NaN());
    QCOMPARE(recommendBlock(s, 2, 1).start, int64_t(2));
    // n = L − 1: the only blocks are 0..4 and 1..5.
    set(1, 6, 0.2);
    QCOMPARE(recommendBlock(s, 5).layersToDrop, (std::vector<int64_t>{1, 2, 3, 4, 5}));
    const auto j = recommendBlock(s, 5).toJson();
    QCOMPARE(j.at("layers_to_drop").size(), size_t(5));
    QCOMPARE(j.at("end_exclusive").get<int64_t>(), int64_t(6));
    QVERIFY_THROWS_EXCEPTION(ConfigError, recommendBlock(s, 0));
    QVERIFY_THROWS_EXCEPTION(ConfigError, recommendBlock(s, 6));
    QVERIFY_THROWS_EXCEPTION(ConfigError, recommendBlock(s, 2, 5));
    QVERIFY_THROWS_EXCEPTION(ConfigError, s.blockDistance(5, 2));
}

void TestLayerSimilarity::fractionAndShortGpt() {
    QCOMPARE(blockSizeForFraction(32, 0.25), int64_t(8));
    QCOMPARE(blockSizeForFraction(22, 0.3), int64_t(7));     // 6.6 rounds to 7
    QCOMPARE(blockSizeForFraction(4, 0.01), int64_t(1));     // at least one layer
    QCOMPARE(blockSizeForFraction(4, 0.99), int64_t(3));     // never all layers
    QVERIFY_THROWS_EXCEPTION(ConfigError, blockSizeForFraction(4, 0.0));
    QVERIFY_THROWS_EXCEPTION(ConfigError, blockSizeForFraction(4, 1.0));
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::vector<double> bi = {0.3, 0.1, nan, 0.1, 0.05, 0.2};
    QCOMPARE(lowestInfluenceLayers(bi, 3), (std::vector<int64_t>{4, 1, 3}));   // tie: lower index first
    QCOMPARE(lowestInfluenceLayers(bi, 6).back(), int64_t(2));               // NaN last
    QVERIFY_THROWS_EXCEPTION(ConfigError, lowestInfluenceLayers(bi, 7));
}

void TestLayerSimilarity::jsonLayout() {
    const auto m = model::LlamaModel::load(fixture("qwen2-sharded"), model::LoadOptions{});
    const auto sim = computeLayerSimilarity(*m, calibrationIds(fixture("qwen2-sharded"), 2, 8), at::Tensor(), {});
    const auto j = sim.toJson();
    QCOMPARE(j.at("num_layers").get<int64_t>(), int64_t(2));
    QCOMPARE(j.at("distance").size(), size_t(3));
    QCOMPARE(j.at("block_distance").size(), size_t(2));          // n = 1, 2
    QCOMPARE(j.at("block_distance")[0].size(), size_t(2));       // ℓ = 0, 1
    QVERIFY(j.at("block_distance")[1][1].is_null());             // ℓ + n > L
    QCOMPARE(j.at("block_distance")[1][0].get<double>(), sim.distance[0][2]);
    QCOMPARE(j.at("block_influence").size(), size_t(2));
    QCOMPARE(j.at("states").size(), size_t(3));
    QCOMPARE(j.at("tokens").get<std::string>(), std::string("last"));
}

void TestLayerSimilarity::zeroStateCountsAsHalf() {
    // A token whose embedding row is zero has no direction: its cosines are NaN and count as 0.5.
    auto m = sixLayerModel();
    at::Tensor ids = at::full({1, 4}, 7, at::kLong);
    ids[0][3] = 5;
    {
        at::NoGradGuard ng;
        m->embedTokens()[5].zero_();
    }
    const auto sim = computeLayerSimilarity(*m, ids, at::Tensor(), {});
    // x_0 of the last token is zero: every pair (0, j) is NaN -> 0.5 -> arccos(0.5)/π = 1/3.
    QCOMPARE(sim.nanCosines, int64_t(6));
    for (int64_t j = 1; j <= 6; ++j)
        QVERIFY(std::abs(sim.distance[0][size_t(j)] - 1.0 / 3.0) < 1e-12);
    QCOMPARE(sim.influenceNanCosines, int64_t(1));
}

void TestLayerSimilarity::badInputs() {
    const auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
    const at::Tensor ids = at::ones({2, 4}, at::kLong);
    LayerSimilarityOptions o;
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeLayerSimilarity(*m, ids.to(at::kInt), at::Tensor(), o));
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeLayerSimilarity(*m, ids * 100000, at::Tensor(), o));
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeLayerSimilarity(*m, ids, at::ones({2, 3}, at::kLong), o));
    at::Tensor mask = at::ones({2, 4}, at::kLong);
    mask[1].zero_();
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeLayerSimilarity(*m, ids, mask, o));   // an all-padding row
    o.dropLastPartialBatch = true;   // 2 samples, batch 8: nothing left
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeLayerSimilarity(*m, ids, at::Tensor(), o));
    o = {};
    o.batchSize = 0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeLayerSimilarity(*m, ids, at::Tensor(), o));
}

void TestLayerSimilarity::cancelMidRun() {
    const auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
    const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 8, 16);
    int progressCalls = 0;
    const JobContext* self = nullptr;
    JobContext ctx([&](double p, const std::string&) {
        if (p > 0) {
            ++progressCalls;
            self->requestCancel();   // after the first batch
        }
    });
    self = &ctx;
    LayerSimilarityOptions o;
    o.batchSize = 2;
    QVERIFY_THROWS_EXCEPTION(CancelledError, computeLayerSimilarity(*m, ids, at::Tensor(), o, ctx));
    QCOMPARE(progressCalls, 1);   // stopped after 1 of 4 batches
}

void TestLayerSimilarity::transformersReference_data() {
    QTest::addColumn<QString>("fixture");
    for (const char* f : {"llama-fp32", "mistral-bf16", "qwen2-sharded"})
        QTest::newRow(f) << QString(f);
}

void TestLayerSimilarity::transformersReference() {
    QFETCH(QString, fixture);
    const auto refFile = slimtest::dataDir() / "similarity" / (fixture.toStdString() + ".json");
    if (!std::filesystem::exists(refFile))
        QSKIP("no tests/data/similarity reference: run tests/reference/make_similarity_reference.py on the GPU machine");
    const auto ref = nlohmann::json::parse(io::readTextFile(refFile));
    const auto dir = ::fixture(fixture.toStdString());
    // The script cuts the same sequential windows with `tokenizers`: check the tokens first.
    CalibrationOptions co;
    co.mode = CalibrationMode::Sequential;
    co.numSamples = ref.at("samples").get<int64_t>();
    co.sampleLength = ref.at("length").get<int64_t>();
    const auto calib = makeCalibration(wikiTest(), tok::Tokenizer::fromPath(dir), co);
    const auto refIds = ref.at("ids").get<std::vector<std::vector<int64_t>>>();
    const auto acc = calib.ids.accessor<int64_t, 2>();
    for (int64_t i = 0; i < co.numSamples; ++i)
        for (int64_t t = 0; t < co.sampleLength; ++t)
            QCOMPARE(acc[i][t], refIds[size_t(i)][size_t(t)]);
    // The reference ran in fp32: compare in fp32 (on the CPU "auto" keeps a bf16 checkpoint in bf16).
    model::LoadOptions lo;
    lo.dtype = at::kFloat;
    const auto m = model::LlamaModel::load(dir, lo);
    for (const char* mode : {"last", "all"}) {
        LayerSimilarityOptions o;
        o.batchSize = ref.at("batch_size").get<int64_t>();
        o.tokens = std::string(mode) == "all" ? TokenSelection::AllTokens : TokenSelection::LastToken;
        const auto sim = computeLayerSimilarity(*m, calib.ids, at::Tensor(), o);
        const auto& r = ref.at(mode);
        const auto dist = r.at("distance").get<std::vector<std::vector<double>>>();
        const auto bi = ref.at("block_influence").get<std::vector<double>>();
        const double diff = maxDiff(sim, Naive{dist, bi});
        qInfo("%s / %s: max |difference| vs transformers = %.3g", fixture.toUtf8().constData(), mode, diff);
        QVERIFY2(diff < kAgreementTol, std::to_string(diff).c_str());
        const auto rec = recommendBlock(sim, 1);
        QCOMPARE(rec.start, r.at("argmin_start_n1").get<int64_t>());
    }
}

QTEST_GUILESS_MAIN(TestLayerSimilarity)
#include "tst_layer_similarity.moc"
