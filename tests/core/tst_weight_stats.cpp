// Weight statistics (core/analysis/weight_stats.h) against plain double-precision loops: moments,
// kurtosis, counts of NaN/Inf/zeros, histograms and the k·σ fraction, for F32/BF16/F16/F64 data
// (decoded here by LibTorch, not by the streaming decoder), through a checkpoint file with
// unaligned tensors and per-layer groups.
#include "support/test_util.h"

#include "core/analysis/weight_stats.h"
#include "core/common/errors.h"
#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtTest/QtTest>

#include <cmath>
#include <limits>

using namespace slim;
using namespace slim::analysis;

namespace {

/// Relative agreement of mean / std with the long-double two-pass reference.
constexpr double kMomentRelTol = 1e-10;
/// Absolute agreement of skewness / excess kurtosis.
constexpr double kShapeAbsTol = 1e-8;

struct Naive {
    int64_t numel = 0, finite = 0, nan = 0, posInf = 0, negInf = 0, zeros = 0, beyond = 0, below = 0, above = 0;
    double mean = 0, std = 0, skew = 0, kurt = 0, min = 0, max = 0, maxAbs = 0, lo = 0, hi = 0;
    std::vector<int64_t> hist;
};

Naive naive(const at::Tensor& t, int64_t bins, std::optional<double> lo, std::optional<double> hi, double k) {
    const at::Tensor d = t.to(at::kDouble).contiguous().view(-1);
    const double* p = d.data_ptr<double>();
    Naive r;
    r.numel = d.numel();
    std::vector<double> fin;
    for (int64_t i = 0; i < r.numel; ++i) {
        const double x = p[i];
        if (std::isnan(x))
            ++r.nan;
        else if (std::isinf(x))
            (x > 0 ? r.posInf : r.negInf)++;
        else
            fin.push_back(x);
        if (x == 0.0)
            ++r.zeros;
    }
    r.finite = int64_t(fin.size());
    if (fin.empty())
        return r;
    long double s = 0;
    for (double x : fin)
        s += x;
    const long double mean = s / fin.size();
    long double m2 = 0, m3 = 0, m4 = 0;
    r.min = r.max = fin[0];
    for (double x : fin) {
        const long double dd = x - mean;
        m2 += dd * dd;
        m3 += dd * dd * dd;
        m4 += dd * dd * dd * dd;
        r.min = std::min(r.min, x);
        r.max = std::max(r.max, x);
    }
    const long double n = fin.size();
    r.mean = double(mean);
    r.std = double(std::sqrt(m2 / n));
    r.skew = m2 > 0 ? double((m3 / n) / std::pow(m2 / n, 1.5L)) : std::numeric_limits<double>::quiet_NaN();
    r.kurt = m2 > 0 ? double((m4 / n) / ((m2 / n) * (m2 / n)) - 3.0L) : std::numeric_limits<double>::quiet_NaN();
    r.maxAbs = std::max(std::abs(r.min), std::abs(r.max));
    r.lo = lo.value_or(r.min);
    r.hi = hi.value_or(r.max);
    r.hist.assign(size_t(bins), 0);
    for (double x : fin) {
        if (std::abs(x - r.mean) > k * r.std)
            ++r.beyond;
        if (x < r.lo) {
            ++r.below;
        } else if (x > r.hi) {
            ++r.above;
        } else {
            // The documented rule: floor((x − lo) · s) with s = bins / (hi − lo) rounded once.
            const double scale = r.hi > r.lo ? double(bins) / (r.hi - r.lo) : 0.0;
            const auto b = int64_t(std::floor((x - r.lo) * scale));
            ++r.hist[size_t(std::min(b, bins - 1))];
        }
    }
    return r;
}

bool relClose(double a, double b, double tol) { return std::abs(a - b) <= tol * std::max(1e-300, std::abs(b)); }

void compare(const WeightStats& w, const Naive& n) {
    QCOMPARE(w.numel, n.numel);
    QCOMPARE(w.finite, n.finite);
    QCOMPARE(w.nan, n.nan);
    QCOMPARE(w.posInf, n.posInf);
    QCOMPARE(w.negInf, n.negInf);
    QCOMPARE(w.zeros, n.zeros);
    if (n.finite == 0)
        return;
    QVERIFY2(relClose(w.mean, n.mean, kMomentRelTol) || std::abs(w.mean - n.mean) < 1e-15 * n.std,
             (std::to_string(w.mean) + " vs " + std::to_string(n.mean)).c_str());
    QVERIFY2(relClose(w.std, n.std, kMomentRelTol) || n.std == 0.0, (std::to_string(w.std) + " vs " + std::to_string(n.std)).c_str());
    if (std::isnan(n.kurt)) {
        QVERIFY(std::isnan(w.excessKurtosis));
    } else {
        QVERIFY2(std::abs(w.excessKurtosis - n.kurt) < kShapeAbsTol,
                 (std::to_string(w.excessKurtosis) + " vs " + std::to_string(n.kurt)).c_str());
        QVERIFY(std::abs(w.skewness - n.skew) < kShapeAbsTol);
    }
    QCOMPARE(w.min, n.min);
    QCOMPARE(w.max, n.max);
    QCOMPARE(w.maxAbs, n.maxAbs);
    QCOMPARE(w.beyondKSigma, n.beyond);
    QCOMPARE(w.histogram.lo, n.lo);
    QCOMPARE(w.histogram.hi, n.hi);
    QCOMPARE(w.histogram.counts, n.hist);
    QCOMPARE(w.histogram.below, n.below);
    QCOMPARE(w.histogram.above, n.above);
}

/// Test data of a pattern in a dtype.
at::Tensor makeData(const std::string& pattern, at::ScalarType dt) {
    at::manual_seed(7);
    const int64_t big = 3 * (int64_t(1) << 20) + 12345;   // crosses chunk and block boundaries
    at::Tensor t;
    if (pattern == "normal") {
        t = at::randn({big}) * 0.02;
    } else if (pattern == "offset") {
        t = 1.0 + at::randn({100003}) * 1e-3;   // norm-like: |mean| >> std
    } else if (pattern == "specials") {
        t = at::randn({70001});
        t.narrow(0, 0, 5000).zero_();
        t[17] = std::numeric_limits<float>::quiet_NaN();
        t[40000] = std::numeric_limits<float>::quiet_NaN();
        t[2049] = std::numeric_limits<float>::infinity();
        t[69999] = -std::numeric_limits<float>::infinity();
        t[60000] = -0.0f;
        t[100] = 40.0f;   // an outlier
    } else if (pattern == "constant") {
        t = at::full({999}, 0.25);
    } else if (pattern == "single") {
        t = at::full({1}, -3.5);
    } else if (pattern == "all-nan") {
        t = at::full({5}, std::numeric_limits<float>::quiet_NaN());
    } else if (pattern == "heavy-tail") {
        t = at::randn({50000}).pow(3);   // large positive excess kurtosis
    }
    return t.to(dt);
}

} // namespace

class TestWeightStats : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { at::set_num_threads(2); }
    void tensorAgainstNaive_data();
    void tensorAgainstNaive();
    void knownHistogram();
    void chosenRange();
    void threadCountIndependent();
    void checkpointWithGroups();
    void fixtureCheckpoint();
    void badOptions();
    void cancelled();
};

void TestWeightStats::tensorAgainstNaive_data() {
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<int>("dtype");
    const std::pair<const char*, at::ScalarType> dtypes[] = {
        {"f32", at::kFloat}, {"bf16", at::kBFloat16}, {"f16", at::kHalf}, {"f64", at::kDouble}};
    for (const char* p : {"normal", "offset", "specials", "constant", "single", "all-nan", "heavy-tail"})
        for (const auto& [dn, dt] : dtypes)
            QTest::newRow((std::string(p) + "/" + dn).c_str()) << QString(p) << int(dt);
}

void TestWeightStats::tensorAgainstNaive() {
    QFETCH(QString, pattern);
    QFETCH(int, dtype);
    const at::Tensor t = makeData(pattern.toStdString(), static_cast<at::ScalarType>(dtype));
    WeightStatsOptions o;
    o.histogram.bins = 64;
    o.sigmaK = 3.0;
    const auto w = tensorWeightStats(t, "w", o);
    compare(w, naive(t, 64, std::nullopt, std::nullopt, 3.0));
    if (pattern == "normal") {
        QVERIFY(std::abs(w.excessKurtosis) < 0.05);   // a normal sample: excess kurtosis ≈ 0
        QVERIFY(w.beyondKSigmaFraction() > 0.001 && w.beyondKSigmaFraction() < 0.005);   // ≈ 0.27%
    }
    if (pattern == "specials")   // 5000 zeros, 3 of them overwritten by NaN/Inf/40, plus a −0
        QCOMPARE(w.sparsity(), 4998.0 / 70001.0);
}

void TestWeightStats::knownHistogram() {
    // Auto range [−1, 1], 4 bins of width 0.5: [−1,−.5) [−.5,0) [0,.5) [.5,1] (last bin closed).
    const at::Tensor t = at::tensor({-1.0, -0.5, 0.0, 0.5, 1.0, 0.25, -0.75}, at::kDouble);
    WeightStatsOptions o;
    o.histogram.bins = 4;
    const auto w = tensorWeightStats(t, "w", o);
    QCOMPARE(w.histogram.counts, (std::vector<int64_t>{2, 1, 2, 2}));
    QCOMPARE(w.histogram.lo, -1.0);
    QCOMPARE(w.histogram.hi, 1.0);
    QCOMPARE(w.zeros, int64_t(1));
    QCOMPARE(w.mean, -0.5 / 7.0);
}

void TestWeightStats::chosenRange() {
    const at::Tensor t = makeData("specials", at::kBFloat16);
    WeightStatsOptions o;
    o.histogram.bins = 10;
    o.histogram.lo = -1.0;
    o.histogram.hi = 1.0;
    o.histogram.logCounts = true;
    o.sigmaK = 2.0;
    const auto w = tensorWeightStats(t, "w", o);
    const auto n = naive(t, 10, -1.0, 1.0, 2.0);
    compare(w, n);
    QVERIFY(w.histogram.below > 0 && w.histogram.above > 0);
    const auto j = w.toJson();
    QCOMPARE(j.at("histogram").at("log_counts").get<bool>(), true);
    QCOMPARE(j.at("histogram").at("counts").size(), size_t(10));
    QCOMPARE(j.at("nan").get<int64_t>(), int64_t(2));
}

void TestWeightStats::threadCountIndependent() {
    const at::Tensor t = makeData("normal", at::kBFloat16);
    at::set_num_threads(1);
    const auto a = tensorWeightStats(t, "w", {});
    at::set_num_threads(2);
    const auto b = tensorWeightStats(t, "w", {});
    // Bit-identical: blocks are combined in block order whatever thread ran them.
    QCOMPARE(a.mean, b.mean);
    QCOMPARE(a.std, b.std);
    QCOMPARE(a.excessKurtosis, b.excessKurtosis);
    QCOMPARE(a.histogram.counts, b.histogram.counts);
}

void TestWeightStats::checkpointWithGroups() {
    const auto dir = slimtest::makeTempDir("weight-stats");
    at::manual_seed(3);
    at::Tensor odd = at::randn({7}).to(at::kBFloat16);   // 14 bytes: everything after it is misaligned
    at::Tensor q0 = (at::randn({16, 16}) * 0.1).to(at::kBFloat16);
    at::Tensor norm0 = 1.0 + at::randn({16}) * 0.01;
    at::Tensor down0 = (at::randn({16, 40}) * 0.05).to(at::kHalf);
    down0[3][4] = std::numeric_limits<float>::infinity();
    down0[5][6] = std::numeric_limits<float>::quiet_NaN();
    at::Tensor q1 = at::randn({24, 16}) * 0.2;   // F32 at an offset that is not a multiple of 4
    at::Tensor steps = at::arange(3, at::kLong);
    io::writeSafetensors(dir / "model.safetensors",
                         {{"model.embed_tokens.weight", odd},
                          {"model.layers.0.self_attn.q_proj.weight", q0},
                          {"model.layers.0.input_layernorm.weight", norm0},
                          {"model.layers.0.mlp.down_proj.weight", down0},
                          {"model.layers.1.self_attn.q_proj.weight", q1},
                          {"model.layers.1.steps", steps}});
    const auto ckpt = io::Checkpoint::open(dir);
    QVERIFY(ckpt.info("model.layers.1.self_attn.q_proj.weight").begin % 4 != 0);

    WeightStatsOptions o;
    o.histogram.bins = 16;
    const auto rep = computeWeightStats(ckpt, o);
    QCOMPARE(rep.tensors.size(), size_t(5));
    QCOMPARE(rep.skipped.size(), size_t(1));
    QCOMPARE(rep.skipped[0].first, std::string("model.layers.1.steps"));
    for (const auto& w : rep.tensors)
        compare(w, naive(ckpt.load(w.name), 16, std::nullopt, std::nullopt, 3.0));
    QCOMPARE(rep.tensors[0].name, std::string("model.embed_tokens.weight"));   // name order
    QCOMPARE(rep.tensors[0].dtype, std::string("BF16"));

    // Layer groups: the ≥ 2-D tensors of each layer (the norm vector is left out).
    QCOMPARE(rep.layers.size(), size_t(2));
    QCOMPARE(rep.layers[0].layer, int64_t(0));
    QCOMPARE(rep.layers[0].members.size(), size_t(2));
    const at::Tensor group0 = at::cat({q0.to(at::kDouble).view(-1), down0.to(at::kDouble).view(-1)});
    compare(rep.layers[0], naive(group0, 16, std::nullopt, std::nullopt, 3.0));
    QCOMPARE(rep.layers[0].dtype, std::string("BF16,F16"));
    compare(rep.layers[1], naive(q1, 16, std::nullopt, std::nullopt, 3.0));

    // With vectors included, the norm joins layer 0.
    o.layerIncludesVectors = true;
    const auto withVectors = computeWeightStats(ckpt, o);
    QCOMPARE(withVectors.layers[0].members.size(), size_t(3));
    compare(withVectors.layers[0],
            naive(at::cat({group0, norm0.to(at::kDouble)}), 16, std::nullopt, std::nullopt, 3.0));

    // Kind groups: one kind of tensor across layers (q_proj of layers 0 and 1, mixed BF16 + F32);
    // the norm vector and the non-layer tensors join none.
    {
        WeightStatsOptions k;
        k.histogram.bins = 16;
        k.perKind = true;
        const auto byKind = computeWeightStats(ckpt, k);
        QVERIFY(byKind.layers.empty());
        QCOMPARE(byKind.kinds.size(), size_t(2));
        QCOMPARE(byKind.kinds[0].name, std::string("model.layers.*.mlp.down_proj.weight"));
        QCOMPARE(byKind.kinds[1].name, std::string("model.layers.*.self_attn.q_proj.weight"));
        QCOMPARE(byKind.kinds[1].layer, int64_t(-1));
        QCOMPARE(byKind.kinds[1].members.size(), size_t(2));
        QCOMPARE(byKind.kinds[1].dtype, std::string("BF16,F32"));
        compare(byKind.kinds[1], naive(at::cat({q0.to(at::kDouble).view(-1), q1.to(at::kDouble).view(-1)}), 16,
                                       std::nullopt, std::nullopt, 3.0));
        compare(byKind.kinds[0], naive(down0, 16, std::nullopt, std::nullopt, 3.0));
        QCOMPARE(byKind.tensors.size(), size_t(5));   // per-tensor statistics unchanged
        for (const auto& w : byKind.tensors)
            compare(w, naive(ckpt.load(w.name), 16, std::nullopt, std::nullopt, 3.0));
        QCOMPARE(byKind.toJson().at("kinds").size(), size_t(2));
        QCOMPARE(tensorKindOf("model.layers.12.mlp.up_proj.weight").value(), std::string("model.layers.*.mlp.up_proj.weight"));
        QVERIFY(!tensorKindOf("model.norm.weight"));
    }

    // A subset by name; an unknown name is refused.
    o.names = {"model.layers.1.self_attn.q_proj.weight"};
    QCOMPARE(computeWeightStats(ckpt, o).tensors.size(), size_t(1));
    o.names = {"model.layers.9.nothing"};
    QVERIFY_THROWS_EXCEPTION(ConfigError, computeWeightStats(ckpt, o));

    const auto j = rep.toJson();
    QCOMPARE(j.at("tensors").size(), size_t(5));
    QCOMPARE(j.at("layers").size(), size_t(2));
    QCOMPARE(j.at("skipped").size(), size_t(1));
    QVERIFY(j.at("definitions").contains("excess_kurtosis"));
    QCOMPARE(j.at("layers")[0].at("members").size(), size_t(2));
}

void TestWeightStats::fixtureCheckpoint() {
    for (const char* f : {"mistral-bf16", "qwen2-sharded"}) {
        const auto ckpt = io::Checkpoint::open(slimtest::dataDir() / "fixtures" / f);
        const auto rep = computeWeightStats(ckpt, {});
        QCOMPARE(rep.tensors.size(), ckpt.names().size());
        QCOMPARE(rep.layers.size(), size_t(2));
        QCOMPARE(rep.layers[0].members.size(), size_t(7));   // the seven projections
        for (const auto& w : rep.tensors)
            compare(w, naive(ckpt.load(w.name), 128, std::nullopt, std::nullopt, 3.0));
    }
}

void TestWeightStats::badOptions() {
    const at::Tensor t = at::randn({10});
    WeightStatsOptions o;
    o.histogram.bins = 0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, tensorWeightStats(t, "w", o));
    o = {};
    o.histogram.lo = 0.0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, tensorWeightStats(t, "w", o));
    o.histogram.hi = 0.0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, tensorWeightStats(t, "w", o));
    o = {};
    o.sigmaK = 0.0;
    QVERIFY_THROWS_EXCEPTION(ConfigError, tensorWeightStats(t, "w", o));
    QVERIFY_THROWS_EXCEPTION(UnsupportedError, tensorWeightStats(at::ones({3}, at::kInt), "w", {}));
}

void TestWeightStats::cancelled() {
    const auto ckpt = io::Checkpoint::open(slimtest::dataDir() / "fixtures" / "llama-fp32");
    JobContext ctx;
    ctx.requestCancel();
    QVERIFY_THROWS_EXCEPTION(CancelledError, computeWeightStats(ckpt, {}, ctx));
}

QTEST_GUILESS_MAIN(TestWeightStats)
#include "tst_weight_stats.moc"
