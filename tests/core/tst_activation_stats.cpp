// Activation statistics (core/analysis/activation_stats.h) against plain double loops over inputs
// captured separately (cloned whole), an input rebuilt by hand (RMSNorm of the embeddings), padded
// batches against unpadded sequences, outlier channels, and cancellation.
#include "support/test_util.h"

#include "core/analysis/activation_stats.h"
#include "core/analysis/calibration.h"
#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtTest/QtTest>

#include <cmath>
#include <map>

using namespace slim;
using namespace slim::analysis;
using model::Proj;

namespace {

/// Float32 chunk sums accumulated in float64 against exact double sums.
constexpr double kSumRelTol = 1e-5;

std::filesystem::path fixture(const std::string& name) { return slimtest::dataDir() / "fixtures" / name; }

at::Tensor calibrationIds(const std::filesystem::path& dir, int64_t n, int64_t len) {
    CalibrationOptions o;
    o.mode = CalibrationMode::Sequential;
    o.numSamples = n;
    o.sampleLength = len;
    const std::string text = io::readTextFile(slimtest::wikiTestRaw()).substr(0, 30000);
    return calibrationFromTokens(tok::Tokenizer::fromPath(dir).encode(text, false), o, std::nullopt).ids;
}

struct NaiveChannels {
    std::vector<double> sumAbs, sumSq, maxAbs;
    std::vector<int64_t> above;
    int64_t tokens = 0;
};

/// Every projection input of every batch cloned whole, then reduced with double loops.
std::map<std::pair<int64_t, int>, NaiveChannels> naiveStats(const model::LlamaModel& m, const at::Tensor& ids,
                                                            const at::Tensor& mask, int64_t batch, double thr) {
    at::InferenceMode guard;
    std::map<std::pair<int64_t, int>, NaiveChannels> out;
    for (int64_t b0 = 0; b0 < ids.size(0); b0 += batch) {
        const int64_t B = std::min(batch, ids.size(0) - b0);
        std::vector<std::tuple<int64_t, Proj, at::Tensor>> captured;
        model::ForwardHooks hooks;
        hooks.onProjInput = [&](int64_t l, Proj p, const at::Tensor& x) {
            captured.emplace_back(l, p, x.to(at::kDouble).contiguous().clone());
        };
        model::ForwardOptions fo;
        fo.hooks = &hooks;
        if (mask.defined())
            fo.attentionMask = mask.narrow(0, b0, B);
        m.forward(ids.narrow(0, b0, B), fo);
        for (const auto& [l, p, x] : captured) {
            auto& n = out[{l, int(p)}];
            const int64_t C = x.size(2);
            if (n.sumAbs.empty()) {
                n.sumAbs.assign(size_t(C), 0.0);
                n.sumSq.assign(size_t(C), 0.0);
                n.maxAbs.assign(size_t(C), 0.0);
                n.above.assign(size_t(C), 0);
            }
            const auto acc = x.accessor<double, 3>();
            for (int64_t i = 0; i < B; ++i)
                for (int64_t t = 0; t < x.size(1); ++t) {
                    if (mask.defined() && mask[b0 + i][t].item<int64_t>() == 0)
                        continue;
                    ++n.tokens;
                    for (int64_t c = 0; c < C; ++c) {
                        const double v = std::abs(acc[i][t][c]);
                        n.sumAbs[size_t(c)] += v;
                        n.sumSq[size_t(c)] += v * v;
                        n.maxAbs[size_t(c)] = std::max(n.maxAbs[size_t(c)], v);
                        n.above[size_t(c)] += v > thr;
                    }
                }
        }
    }
    return out;
}

bool close(double a, double b) { return std::abs(a - b) <= kSumRelTol * std::max(std::abs(b), 1e-12); }

void compare(const ChannelStats& s, const NaiveChannels& n) {
    QCOMPARE(s.tokens, n.tokens);
    QCOMPARE(s.channels, int64_t(n.sumSq.size()));
    for (int64_t c = 0; c < s.channels; ++c) {
        QVERIFY2(close(s.meanAbs[size_t(c)], n.sumAbs[size_t(c)] / double(n.tokens)), ("mean_abs channel " + std::to_string(c)).c_str());
        QVERIFY2(close(s.sumSq[size_t(c)], n.sumSq[size_t(c)]), ("sum_sq channel " + std::to_string(c)).c_str());
        QVERIFY(close(s.l2Norm(c), std::sqrt(n.sumSq[size_t(c)])));
        QVERIFY(close(s.meanSq(c), n.sumSq[size_t(c)] / double(n.tokens)));
        QCOMPARE(s.maxAbs[size_t(c)], n.maxAbs[size_t(c)]);   // a max of float values: exact
        QCOMPARE(s.above[size_t(c)], n.above[size_t(c)]);
    }
}

} // namespace

class TestActivationStats : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(2); }
    void againstNaive_data();
    void againstNaive();
    void firstInputByHand();
    void paddingExcluded();
    void outliersAndSubset();
    void json();
    void badInputs();
    void cancelMidRun();
};

void TestActivationStats::againstNaive_data() {
    QTest::addColumn<QString>("fixture");
    for (const char* f : {"llama-fp32", "mistral-bf16", "qwen2-sharded"})
        QTest::newRow(f) << QString(f);
}

void TestActivationStats::againstNaive() {
    QFETCH(QString, fixture);
    const auto dir = ::fixture(fixture.toStdString());
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    const at::Tensor ids = calibrationIds(dir, 5, 20);
    ActivationStatsOptions o;
    o.batchSize = 2;
    o.outlierThreshold = 2.0;
    const auto st = computeActivationStats(*m, ids, at::Tensor(), o);
    QCOMPARE(st.tokens, int64_t(100));
    QCOMPARE(st.batches, int64_t(3));
    // Four distinct inputs per layer: q/k/v share one, o, gate/up share one, down.
    QCOMPARE(st.inputs.size(), size_t(4 * m->numLayers()));
    const auto naive = naiveStats(*m, ids, at::Tensor(), 2, 2.0);
    for (int64_t l = 0; l < m->numLayers(); ++l) {
        QCOMPARE(st.find(l, Proj::K), st.find(l, Proj::Q));
        QCOMPARE(st.find(l, Proj::V), st.find(l, Proj::Q));
        QCOMPARE(st.find(l, Proj::Up), st.find(l, Proj::Gate));
        QVERIFY(st.find(l, Proj::O) != st.find(l, Proj::Q));
        QCOMPARE(st.find(l, Proj::Q)->projectionNames(), std::string("q_proj,k_proj,v_proj"));
        for (Proj p : model::kAllProj) {
            const ChannelStats* s = st.find(l, p);
            QVERIFY(s != nullptr);
            compare(*s, naive.at({l, int(p)}));
            QCOMPARE(s->sequences, int64_t(5));
            QVERIFY(close(s->wandaScalerRow(0), naive.at({l, int(p)}).sumSq[0] / 5.0));
        }
    }
    QCOMPARE(st.find(0, Proj::Down)->channels, m->config().intermediateSize);
}

void TestActivationStats::firstInputByHand() {
    // The q_proj input of layer 0 is RMSNorm(embeddings) · input_layernorm weight.
    const auto dir = fixture("llama-fp32");
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    const at::Tensor ids = calibrationIds(dir, 3, 16);
    const auto st = computeActivationStats(*m, ids, at::Tensor(), {});
    at::Tensor e = m->embed(ids).to(at::kDouble);                                      // (3, 16, 64)
    const double eps = m->config().rmsNormEps;
    const at::Tensor h = e / (e.pow(2).mean(-1, true) + eps).sqrt() * m->layer(0).inputNorm.to(at::kDouble);
    const at::Tensor x = h.reshape({-1, h.size(-1)}).abs();
    const at::Tensor meanAbs = x.mean(0), sumSq = (x * x).sum(0);
    const ChannelStats* s = st.find(0, Proj::Q);
    for (int64_t c = 0; c < s->channels; ++c) {
        QVERIFY(close(s->meanAbs[size_t(c)], meanAbs[c].item<double>()));
        QVERIFY(close(s->sumSq[size_t(c)], sumSq[c].item<double>()));
    }
}

void TestActivationStats::paddingExcluded() {
    // A right-padded batch gives the statistics of the unpadded sequences (padding never counts).
    const auto dir = fixture("qwen2-sharded");
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    const at::Tensor full = calibrationIds(dir, 3, 12);
    const int64_t lens[3] = {12, 5, 9};
    at::Tensor ids = at::full({3, 12}, 3, at::kLong), mask = at::zeros({3, 12}, at::kLong);
    for (int64_t i = 0; i < 3; ++i) {
        ids[i].narrow(0, 0, lens[i]).copy_(full[i].narrow(0, 0, lens[i]));
        mask[i].narrow(0, 0, lens[i]).fill_(1);
    }
    ActivationStatsOptions o;
    o.batchSize = 3;
    const auto padded = computeActivationStats(*m, ids, mask, o);
    QCOMPARE(padded.tokens, int64_t(26));
    std::vector<ActivationStats> singles;
    for (int64_t i = 0; i < 3; ++i)
        singles.push_back(computeActivationStats(*m, full[i].narrow(0, 0, lens[i]).unsqueeze(0), at::Tensor(), o));
    for (size_t k = 0; k < padded.inputs.size(); ++k) {
        const auto& p = padded.inputs[k];
        QCOMPARE(p.tokens, int64_t(26));
        for (int64_t c = 0; c < p.channels; ++c) {
            double sumSq = 0, maxAbs = 0;
            for (const auto& s : singles) {
                sumSq += s.inputs[k].sumSq[size_t(c)];
                maxAbs = std::max(maxAbs, s.inputs[k].maxAbs[size_t(c)]);
            }
            QVERIFY(close(p.sumSq[size_t(c)], sumSq));
            QVERIFY(std::abs(p.maxAbs[size_t(c)] - maxAbs) <= kSumRelTol * maxAbs);
        }
    }
}

void TestActivationStats::outliersAndSubset() {
    const auto dir = fixture("mistral-bf16");
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    const at::Tensor ids = calibrationIds(dir, 4, 16);
    ActivationStatsOptions o;
    o.projections = {Proj::Down, Proj::O};
    o.outlierThreshold = 1.5;
    const auto st = computeActivationStats(*m, ids, at::Tensor(), o);
    QCOMPARE(st.inputs.size(), size_t(2 * m->numLayers()));
    QVERIFY(st.find(0, Proj::Q) == nullptr);
    const auto naive = naiveStats(*m, ids, at::Tensor(), 8, 1.5);
    int64_t total = 0;
    for (const auto& s : st.inputs) {
        const auto& n = naive.at({s.layer, int(s.projections[0])});
        std::vector<int64_t> expected;
        for (size_t c = 0; c < n.maxAbs.size(); ++c)
            if (n.maxAbs[c] > 1.5)
                expected.push_back(int64_t(c));
        QCOMPARE(s.outlierChannels(), expected);
        total += int64_t(expected.size());
    }
    QVERIFY(total > 0);   // the threshold is low enough for the test to mean something
}

void TestActivationStats::json() {
    const auto dir = fixture("llama-fp32");
    const auto m = model::LlamaModel::load(dir, model::LoadOptions{});
    const auto st = computeActivationStats(*m, calibrationIds(dir, 2, 8), at::Tensor(), {});
    const auto j = st.toJson();
    QCOMPARE(j.at("inputs").size(), size_t(8));
    const auto& in = j.at("inputs")[0];
    QCOMPARE(in.at("projections").size(), size_t(3));
    QCOMPARE(in.at("mean_abs").size(), size_t(64));
    QCOMPARE(in.at("l2_norm").size(), size_t(64));
    QCOMPARE(in.at("max_abs").size(), size_t(64));
    QVERIFY(j.at("definitions").contains("wanda_scaler_row"));
    QVERIFY(!st.toJson(false).at("inputs")[0].contains("mean_abs"));
}

void TestActivationStats::badInputs() {
    const auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
    const at::Tensor ids = at::ones({2, 4}, at::kLong);
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeActivationStats(*m, ids.to(at::kInt), at::Tensor(), {}));
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeActivationStats(*m, ids - 5, at::Tensor(), {}));
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeActivationStats(*m, ids, at::ones({2, 5}), {}));
    ActivationStatsOptions o;
    o.batchSize = 0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeActivationStats(*m, ids, at::Tensor(), o));
    o = {};
    o.outlierThreshold = std::numeric_limits<double>::quiet_NaN();
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeActivationStats(*m, ids, at::Tensor(), o));
}

void TestActivationStats::cancelMidRun() {
    const auto m = model::LlamaModel::load(fixture("llama-fp32"), model::LoadOptions{});
    const at::Tensor ids = calibrationIds(fixture("llama-fp32"), 6, 8);
    int progressCalls = 0;
    const JobContext* self = nullptr;
    JobContext ctx([&](double p, const std::string&) {
        if (p > 0) {
            ++progressCalls;
            self->requestCancel();
        }
    });
    self = &ctx;
    ActivationStatsOptions o;
    o.batchSize = 2;
    QVERIFY_THROWS_EXCEPTION(CancelledError, computeActivationStats(*m, ids, at::Tensor(), o, ctx));
    QCOMPARE(progressCalls, 1);
}

QTEST_GUILESS_MAIN(TestActivationStats)
#include "tst_activation_stats.moc"
