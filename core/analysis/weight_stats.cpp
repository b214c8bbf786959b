#include "core/analysis/weight_stats.h"

#include "core/common/errors.h"
#include "core/io/checkpoint.h"
#include "core/model/tensor_names.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <set>
#include <thread>

namespace slim::analysis {

namespace {

/// Element encodings we decode (little-endian, possibly unaligned inside the mapping).
enum class Src { F32, F16, BF16, F64 };

std::optional<Src> srcOf(io::DType t) {
    switch (t) {
    case io::DType::F32: return Src::F32;
    case io::DType::F16: return Src::F16;
    case io::DType::BF16: return Src::BF16;
    case io::DType::F64: return Src::F64;
    default: return std::nullopt;
    }
}

template <Src S>
inline double load(const std::byte* base, int64_t i) {
    if constexpr (S == Src::F32) {
        float f;
        std::memcpy(&f, base + 4 * i, 4);
        return f;
    } else if constexpr (S == Src::F64) {
        double d;
        std::memcpy(&d, base + 8 * i, 8);
        return d;
    } else {
        uint16_t h;
        std::memcpy(&h, base + 2 * i, 2);
        if constexpr (S == Src::BF16) {
            const uint32_t u = uint32_t(h) << 16;   // bf16 is the top half of an IEEE float
            float f;
            std::memcpy(&f, &u, 4);
            return f;
        } else {
            return c10::detail::fp16_ieee_to_fp32_value(h);
        }
    }
}

/// Count, mean and central sums M2..M4 of finite values, plus the non-finite / zero counts.
struct Moments {
    int64_t n = 0;
    double mean = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    int64_t nan = 0, posInf = 0, negInf = 0, zeros = 0;

    /// Pairwise combination (Pébay 2008, eq. 2.1–2.3; Chan, Golub & LeVeque 1979 for M2).
    void merge(const Moments& b) {
        nan += b.nan;
        posInf += b.posInf;
        negInf += b.negInf;
        zeros += b.zeros;
        min = std::min(min, b.min);
        max = std::max(max, b.max);
        if (b.n == 0)
            return;
        if (n == 0) {
            n = b.n; mean = b.mean; m2 = b.m2; m3 = b.m3; m4 = b.m4;
            return;
        }
        const double na = double(n), nb = double(b.n), nt = na + nb;
        const double d = b.mean - mean, d2 = d * d;
        const double m2n = m2 + b.m2 + d2 * na * nb / nt;
        const double m3n = m3 + b.m3 + d2 * d * na * nb * (na - nb) / (nt * nt) + 3.0 * d * (na * b.m2 - nb * m2) / nt;
        const double m4n = m4 + b.m4 + d2 * d2 * na * nb * (na * na - na * nb + nb * nb) / (nt * nt * nt) +
                           6.0 * d2 * (na * na * b.m2 + nb * nb * m2) / (nt * nt) + 4.0 * d * (na * b.m3 - nb * m3) / nt;
        mean += d * nb / nt;
        m2 = m2n; m3 = m3n; m4 = m4n;
        n += b.n;
    }
};

constexpr int64_t kChunk = 2048;               // values decoded at a time (stays in L1)
constexpr int64_t kBlock = int64_t(1) << 20;    // unit of parallel work
constexpr int64_t kBlocksPerSegment = 32;       // cancellation is checked between segments

/// Exact chunk statistics: two passes over a small buffer of decoded finite values.
template <Src S>
Moments chunkMoments(const std::byte* base, int64_t first, int64_t count) {
    double fin[kChunk];
    Moments c;
    int64_t k = 0;
    for (int64_t i = 0; i < count; ++i) {
        const double x = load<S>(base, first + i);
        if (std::isfinite(x))
            fin[k++] = x;
        else if (std::isnan(x))
            ++c.nan;
        else if (x > 0)
            ++c.posInf;
        else
            ++c.negInf;
    }
    if (k == 0)
        return c;
    // Four independent lanes so the additions pipeline (no -ffast-math needed).
    double s[4] = {0, 0, 0, 0}, lo[4], hi[4];
    int64_t z[4] = {0, 0, 0, 0};
    for (int j = 0; j < 4; ++j) {
        lo[j] = std::numeric_limits<double>::infinity();
        hi[j] = -lo[j];
    }
    int64_t i = 0;
    for (; i + 4 <= k; i += 4)
        for (int j = 0; j < 4; ++j) {
            const double x = fin[i + j];
            s[j] += x;
            lo[j] = std::min(lo[j], x);
            hi[j] = std::max(hi[j], x);
            z[j] += (x == 0.0);
        }
    for (; i < k; ++i) {
        s[0] += fin[i];
        lo[0] = std::min(lo[0], fin[i]);
        hi[0] = std::max(hi[0], fin[i]);
        z[0] += (fin[i] == 0.0);
    }
    c.n = k;
    c.mean = ((s[0] + s[1]) + (s[2] + s[3])) / double(k);
    c.min = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
    c.max = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
    c.zeros = z[0] + z[1] + z[2] + z[3];
    double p1[4] = {0, 0, 0, 0}, p2[4] = {0, 0, 0, 0}, p3[4] = {0, 0, 0, 0}, p4[4] = {0, 0, 0, 0};
    i = 0;
    for (; i + 4 <= k; i += 4)
        for (int j = 0; j < 4; ++j) {
            const double d = fin[i + j] - c.mean, dd = d * d;
            p1[j] += d;
            p2[j] += dd;
            p3[j] += dd * d;
            p4[j] += dd * dd;
        }
    for (; i < k; ++i) {
        const double d = fin[i] - c.mean, dd = d * d;
        p1[0] += d;
        p2[0] += dd;
        p3[0] += dd * d;
        p4[0] += dd * dd;
    }
    const double sum1 = (p1[0] + p1[1]) + (p1[2] + p1[3]);
    // Σd is the rounding error of the mean times k; correct M2 for it (two-pass corrected sum).
    c.m2 = (p2[0] + p2[1]) + (p2[2] + p2[3]) - sum1 * sum1 / double(k);
    c.m3 = (p3[0] + p3[1]) + (p3[2] + p3[3]);
    c.m4 = (p4[0] + p4[1]) + (p4[2] + p4[3]);
    return c;
}

/// Histogram + beyond-kσ accumulator for one target (a tensor or a layer group).
struct HistAcc {
    double lo = 0.0, hi = 0.0, scale = 0.0;   // scale = bins / (hi − lo), 0 when hi == lo
    int64_t bins = 1;
    double mean = 0.0, threshold = 0.0;       // |x − mean| > threshold counts as beyond kσ
    std::vector<int64_t> counts;
    int64_t below = 0, above = 0, beyond = 0;

    /// Add `c` occurrences of the finite value x.
    inline void add(double x, int64_t c) {
        if (x < lo) {
            below += c;
        } else if (x > hi) {
            above += c;
        } else {
            const auto b = static_cast<int64_t>((x - lo) * scale);
            counts[static_cast<size_t>(std::min(b, bins - 1))] += c;
        }
        if (std::abs(x - mean) > threshold)
            beyond += c;
    }
    HistAcc emptyCopy() const {
        HistAcc h = *this;
        std::fill(h.counts.begin(), h.counts.end(), 0);
        h.below = h.above = h.beyond = 0;
        return h;
    }
    void addCounts(const HistAcc& o) {
        for (size_t i = 0; i < counts.size(); ++i)
            counts[i] += o.counts[i];
        below += o.below;
        above += o.above;
        beyond += o.beyond;
    }
};

/// Streaming histogram of a chunk.  Locals instead of members (no aliasing with the counts) and
/// two interleaved count arrays, so runs of values in the same bin do not serialise on one counter.
template <Src S>
void chunkHist(const std::byte* base, int64_t first, int64_t count, HistAcc& a, int64_t* spare) {
    int64_t* c0 = a.counts.data();
    const double lo = a.lo, hi = a.hi, scale = a.scale, mean = a.mean, thr = a.threshold;
    const int64_t last = a.bins - 1;
    int64_t below = 0, above = 0, beyond = 0;
    for (int64_t i = 0; i < count; ++i) {
        const double x = load<S>(base, first + i);
        if (!std::isfinite(x))
            continue;
        if (x < lo) {
            ++below;
        } else if (x > hi) {
            ++above;
        } else {
            const int64_t b = std::min(static_cast<int64_t>((x - lo) * scale), last);
            ++((i & 1) ? spare : c0)[b];
        }
        beyond += (std::abs(x - mean) > thr);
    }
    a.below += below;
    a.above += above;
    a.beyond += beyond;
}

/// One tensor's bytes.
struct RawTensor {
    const std::byte* data = nullptr;
    int64_t numel = 0;
    Src src = Src::F32;
    bool sixteenBit() const { return src == Src::BF16 || src == Src::F16; }
    uint64_t bytes() const { return uint64_t(numel) * (src == Src::F64 ? 8 : src == Src::F32 ? 4 : 2); }
};

template <typename Fn>
void dispatch(Src s, Fn&& fn) {
    switch (s) {
    case Src::F32: fn(std::integral_constant<Src, Src::F32>{}); break;
    case Src::F16: fn(std::integral_constant<Src, Src::F16>{}); break;
    case Src::BF16: fn(std::integral_constant<Src, Src::BF16>{}); break;
    case Src::F64: fn(std::integral_constant<Src, Src::F64>{}); break;
    }
}

/// Worker threads: LibTorch's intra-op setting (the CLI's --threads, the tests' 2).  Our own
/// std::threads: at::parallel_for is only parallel in code compiled with OpenMP, which core is not.
int workerCount() { return std::max(1, at::get_num_threads()); }

/// fn(block, first, count, worker) over fixed blocks on worker threads, segment by segment
/// (cancellation is checked between segments; the workers never throw).
template <typename Fn>
void forBlocks(int64_t numel, const JobContext& ctx, Fn&& fn) {
    const int64_t nBlocks = (numel + kBlock - 1) / kBlock;
    const int workers = workerCount();
    for (int64_t s0 = 0; s0 < nBlocks; s0 += kBlocksPerSegment) {
        ctx.checkCancel();
        const int64_t s1 = std::min(nBlocks, s0 + kBlocksPerSegment);
        std::atomic<int64_t> next{s0};
        auto work = [&](int w) {
            for (int64_t b = next++; b < s1; b = next++)
                fn(b, b * kBlock, std::min(kBlock, numel - b * kBlock), w);
        };
        const auto n = static_cast<int>(std::min<int64_t>(workers, s1 - s0));
        std::vector<std::thread> pool;
        for (int w = 1; w < n; ++w)
            pool.emplace_back(work, w);
        work(0);
        for (auto& t : pool)
            t.join();
    }
}

Moments streamMoments(const RawTensor& t, const JobContext& ctx) {
    const int64_t nBlocks = (t.numel + kBlock - 1) / kBlock;
    std::vector<Moments> blocks(static_cast<size_t>(nBlocks));
    dispatch(t.src, [&](auto tag) {
        constexpr Src S = decltype(tag)::value;
        forBlocks(t.numel, ctx, [&](int64_t b, int64_t first, int64_t count, int) {
            Moments m;
            for (int64_t c = 0; c < count; c += kChunk)
                m.merge(chunkMoments<S>(t.data, first + c, std::min(kChunk, count - c)));
            blocks[static_cast<size_t>(b)] = m;
        });
    });
    Moments total;
    for (const auto& m : blocks)   // block order: independent of the thread count
        total.merge(m);
    return total;
}

/// Histogram of a streamed tensor into `a` and, when given, a layer group's `b` at once.
void streamHist(const RawTensor& t, HistAcc& a, HistAcc* b, const JobContext& ctx) {
    struct Local {
        HistAcc a, b;
        std::vector<int64_t> spareA, spareB;
    };
    std::vector<Local> perWorker(static_cast<size_t>(workerCount()));
    for (auto& l : perWorker) {
        l.a = a.emptyCopy();
        l.spareA.assign(a.counts.size(), 0);
        if (b) {
            l.b = b->emptyCopy();
            l.spareB.assign(b->counts.size(), 0);
        }
    }
    dispatch(t.src, [&](auto tag) {
        constexpr Src S = decltype(tag)::value;
        forBlocks(t.numel, ctx, [&](int64_t, int64_t first, int64_t count, int w) {
            Local& l = perWorker[size_t(w)];
            for (int64_t c = 0; c < count; c += kChunk) {   // both targets while the chunk is in L1
                const int64_t n = std::min(kChunk, count - c);
                chunkHist<S>(t.data, first + c, n, l.a, l.spareA.data());
                if (b)
                    chunkHist<S>(t.data, first + c, n, l.b, l.spareB.data());
            }
        });
    });
    for (auto& l : perWorker) {   // integer counts: the order does not matter
        a.addCounts(l.a);
        for (size_t i = 0; i < a.counts.size(); ++i)
            a.counts[i] += l.spareA[i];
        if (b) {
            b->addCounts(l.b);
            for (size_t i = 0; i < b->counts.size(); ++i)
                b->counts[i] += l.spareB[i];
        }
    }
}

/// bf16 / f16 have only 65536 bit patterns: one pass counts each pattern, and every statistic is
/// then computed exactly from the counts (no second pass over the data, for layers neither).
using PatternTable = std::vector<uint64_t>;
constexpr size_t kPatterns = 65536;

PatternTable patternTable(const RawTensor& t, const JobContext& ctx) {
    std::vector<PatternTable> perWorker(static_cast<size_t>(workerCount()));
    forBlocks(t.numel, ctx, [&](int64_t, int64_t first, int64_t count, int w) {
        PatternTable& tab = perWorker[size_t(w)];
        if (tab.empty())
            tab.assign(kPatterns, 0);
        const std::byte* p = t.data + 2 * first;
        for (int64_t i = 0; i < count; ++i) {
            uint16_t h;
            std::memcpy(&h, p + 2 * i, 2);
            ++tab[h];
        }
    });
    PatternTable total(kPatterns, 0);
    for (const auto& tab : perWorker)
        for (size_t i = 0; i < tab.size(); ++i)
            total[i] += tab[i];
    return total;
}

double patternValue(Src s, uint16_t h) {
    std::byte b[2];
    std::memcpy(b, &h, 2);
    return s == Src::BF16 ? load<Src::BF16>(b, 0) : load<Src::F16>(b, 0);
}

Moments tableMoments(const PatternTable& tab, Src s) {
    Moments m;
    double sum = 0.0;
    int64_t n = 0;
    for (size_t p = 0; p < kPatterns; ++p) {
        const auto c = static_cast<int64_t>(tab[p]);
        if (c == 0)
            continue;
        const double x = patternValue(s, static_cast<uint16_t>(p));
        if (std::isnan(x)) {
            m.nan += c;
        } else if (std::isinf(x)) {
            (x > 0 ? m.posInf : m.negInf) += c;
        } else {
            n += c;
            sum += double(c) * x;
            m.min = std::min(m.min, x);
            m.max = std::max(m.max, x);
            if (x == 0.0)
                m.zeros += c;
        }
    }
    if (n == 0)
        return m;
    m.n = n;
    m.mean = sum / double(n);
    double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
    for (size_t p = 0; p < kPatterns; ++p) {
        if (tab[p] == 0)
            continue;
        const double x = patternValue(s, static_cast<uint16_t>(p));
        if (!std::isfinite(x))
            continue;
        const double c = double(tab[p]), d = x - m.mean, dd = d * d;
        s1 += c * d;
        s2 += c * dd;
        s3 += c * dd * d;
        s4 += c * dd * dd;
    }
    m.m2 = s2 - s1 * s1 / double(n);   // corrected two-pass sum, as in chunkMoments
    m.m3 = s3;
    m.m4 = s4;
    return m;
}

void tableHist(const PatternTable& tab, Src s, HistAcc& a) {
    for (size_t p = 0; p < kPatterns; ++p) {
        if (tab[p] == 0)
            continue;
        const double x = patternValue(s, static_cast<uint16_t>(p));
        if (std::isfinite(x))
            a.add(x, static_cast<int64_t>(tab[p]));
    }
}

/// Pass 1 of one tensor: its moments, and the pattern counts of a 16-bit tensor.
struct Analysed {
    Moments moments;
    PatternTable table;   // empty for F32 / F64
};

Analysed analyse(const RawTensor& t, const JobContext& ctx) {
    Analysed a;
    if (t.sixteenBit()) {
        a.table = patternTable(t, ctx);
        a.moments = tableMoments(a.table, t.src);
    } else {
        a.moments = streamMoments(t, ctx);
    }
    return a;
}

/// Pass 2: histogram and beyond-kσ counts into `h` and the group's `g` (from the pattern counts
/// when there are some).
void histogram(const RawTensor& t, const Analysed& a, HistAcc& h, HistAcc* g, const JobContext& ctx) {
    if (!a.table.empty()) {
        tableHist(a.table, t.src, h);
        if (g)
            tableHist(a.table, t.src, *g);
    } else {
        streamHist(t, h, g, ctx);
    }
}

/// Fill the moment-derived fields of `w`.
void applyMoments(WeightStats& w, const Moments& m, int64_t numel, double sigmaK) {
    const double nanv = std::numeric_limits<double>::quiet_NaN();
    w.numel = numel;
    w.finite = m.n;
    w.nan = m.nan;
    w.posInf = m.posInf;
    w.negInf = m.negInf;
    w.zeros = m.zeros;
    w.sigmaK = sigmaK;
    if (m.n == 0) {
        w.mean = w.std = w.skewness = w.excessKurtosis = w.min = w.max = w.maxAbs = nanv;
        return;
    }
    const double var = m.m2 / double(m.n);
    w.mean = m.mean;
    w.std = std::sqrt(std::max(var, 0.0));
    w.skewness = var > 0 ? (m.m3 / double(m.n)) / std::pow(var, 1.5) : nanv;
    w.excessKurtosis = var > 0 ? (m.m4 / double(m.n)) / (var * var) - 3.0 : nanv;
    w.min = m.min;
    w.max = m.max;
    w.maxAbs = std::max(std::abs(m.min), std::abs(m.max));
}

HistAcc makeHist(const WeightStats& w, const HistogramOptions& h) {
    HistAcc a;
    a.bins = h.bins;
    a.counts.assign(static_cast<size_t>(h.bins), 0);
    if (h.lo && h.hi) {
        a.lo = *h.lo;
        a.hi = *h.hi;
    } else if (w.finite > 0) {
        a.lo = w.min;
        a.hi = w.max;
    }
    a.scale = a.hi > a.lo ? double(h.bins) / (a.hi - a.lo) : 0.0;
    a.mean = w.finite > 0 ? w.mean : 0.0;
    a.threshold = w.finite > 0 ? w.sigmaK * w.std : std::numeric_limits<double>::infinity();
    return a;
}

void applyHist(WeightStats& w, const HistAcc& a, const HistogramOptions& h) {
    w.histogram.lo = a.lo;
    w.histogram.hi = a.hi;
    w.histogram.counts = a.counts;
    w.histogram.below = a.below;
    w.histogram.above = a.above;
    w.histogram.logCounts = h.logCounts;
    w.beyondKSigma = a.beyond;
}

void validate(const WeightStatsOptions& o) {
    const auto& h = o.histogram;
    if (h.bins < 1 || h.bins > (1 << 20))
        throw ConfigError("weight statistics: histogram bins must be in 1..1048576 (got " + std::to_string(h.bins) + ")");
    if (h.lo.has_value() != h.hi.has_value())
        throw ConfigError("weight statistics: a histogram range needs both lo and hi");
    if (h.lo && !(std::isfinite(*h.lo) && std::isfinite(*h.hi) && *h.lo < *h.hi))
        throw ConfigError("weight statistics: histogram range [" + std::to_string(*h.lo) + ", " +
                          std::to_string(*h.hi) + "] must be finite with lo < hi");
    if (!(o.sigmaK > 0) || !std::isfinite(o.sigmaK))
        throw ConfigError("weight statistics: k of the k-sigma fraction must be > 0 (got " + std::to_string(o.sigmaK) + ")");
}

std::string dtypeName(Src s) {
    switch (s) {
    case Src::F32: return "F32";
    case Src::F16: return "F16";
    case Src::BF16: return "BF16";
    case Src::F64: return "F64";
    }
    return "?";
}

} // namespace

nlohmann::json Histogram::toJson() const {
    return {{"lo", lo}, {"hi", hi}, {"bins", counts.size()}, {"counts", counts}, {"below", below},
            {"above", above}, {"log_counts", logCounts}};
}

nlohmann::json WeightStats::toJson() const {
    nlohmann::json j = {
        {"name", name}, {"dtype", dtype}, {"numel", numel}, {"finite", finite}, {"nan", nan},
        {"pos_inf", posInf}, {"neg_inf", negInf}, {"zeros", zeros}, {"sparsity", sparsity()},
        {"mean", mean}, {"std", std}, {"skewness", skewness}, {"excess_kurtosis", excessKurtosis},
        {"min", min}, {"max", max}, {"max_abs", maxAbs}, {"sigma_k", sigmaK},
        {"beyond_k_sigma", beyondKSigma}, {"beyond_k_sigma_fraction", beyondKSigmaFraction()},
        {"histogram", histogram.toJson()},
    };
    if (layer >= 0)
        j["layer"] = layer;
    if (!shape.empty() || members.empty())
        j["shape"] = shape;
    if (!members.empty())
        j["members"] = members;
    return j;
}

nlohmann::json WeightStatsReport::toJson() const {
    nlohmann::json t = nlohmann::json::array(), l = nlohmann::json::array(), s = nlohmann::json::array();
    for (const auto& w : tensors)
        t.push_back(w.toJson());
    for (const auto& w : layers)
        l.push_back(w.toJson());
    nlohmann::json k = nlohmann::json::array();
    for (const auto& w : kinds)
        k.push_back(w.toJson());
    for (const auto& [name, why] : skipped)
        s.push_back({{"name", name}, {"reason", why}});
    return {
        {"tensors", t}, {"layers", l}, {"kinds", k}, {"skipped", s}, {"seconds", seconds}, {"elements", elements},
        {"definitions", {{"std", "population (ddof=0) over finite values"},
                         {"excess_kurtosis", "m4/m2^2 - 3, population moments (Fisher, biased)"},
                         {"beyond_k_sigma", "|w - mean| > k*std, fraction of finite values"},
                         {"sparsity", "exact zeros / all elements"},
                         {"histogram", "equal bins over [lo, hi] (auto: finite min..max), last bin closed; "
                                       "below/above: finite values outside a chosen range"},
                         {"layers", options.layerIncludesVectors ? "all tensors of model.layers.{l}"
                                                                 : "tensors of model.layers.{l} with >= 2 dims"},
                         {"kinds", "one kind of tensor (model.layers.*.X) over all layers, same dims rule"}}},
    };
}

WeightStatsReport computeWeightStats(const io::Checkpoint& ckpt, const WeightStatsOptions& o, const JobContext& ctx) {
    validate(o);
    const auto t0 = std::chrono::steady_clock::now();
    WeightStatsReport report;
    report.options = o;

    std::vector<std::string> names = o.names.empty() ? ckpt.names() : o.names;
    for (const auto& n : names)
        if (!ckpt.contains(n))
            throw ConfigError("weight statistics: no tensor '" + n + "' in " + ckpt.dir().string());

    // Work items grouped by layer (or by kind), so that a group's F32/F64 tensors are read the second
    // time while still in the page cache (16-bit tensors are read once: see patternTable).
    struct Item {
        std::string name;
        RawTensor raw;
        std::vector<int64_t> shape;
        bool joins = false;     // the tensor joins its group's aggregate
        int64_t layer = -1;
    };
    // key: "" for tensors outside model.layers, "L%06d" per layer, "K" + kind per kind.
    std::map<std::string, std::vector<Item>> groups;
    uint64_t totalBytes = 0;
    for (const auto& n : names) {
        const auto& info = ckpt.info(n);
        const auto src = srcOf(info.dtype);
        if (!src) {
            report.skipped.emplace_back(n, std::string(io::traits(info.dtype).name) + ": not a decodable floating-point dtype");
            continue;
        }
        const auto bytes = ckpt.fileOf(n).raw(info);
        const auto layer = model::layerIndexOf(n);
        Item it{n, RawTensor{bytes.data(), info.numel(), *src}, info.shape, false, layer ? *layer : -1};
        const bool eligible = layer && (o.layerIncludesVectors || info.shape.size() >= 2);
        std::string key;
        if (layer && o.perKind) {
            key = "K" + *tensorKindOf(n);
            it.joins = eligible;
        } else if (layer) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "L%06lld", static_cast<long long>(*layer));
            key = buf;
            it.joins = eligible && o.perLayer;
        }
        groups[key].push_back(std::move(it));
        totalBytes += bytes.size();
    }

    std::map<std::string, WeightStats> byName;
    uint64_t doneBytes = 0;
    auto progress = [&](uint64_t bytes) {
        doneBytes += bytes;
        ctx.setProgress(totalBytes ? std::min(1.0, double(doneBytes) / double(totalBytes)) : 1.0);
    };
    for (auto& [key, items] : groups) {
        ctx.checkCancel();
        const bool byKind = !key.empty() && key[0] == 'K';
        const int64_t layer = !key.empty() && key[0] == 'L' ? items.front().layer : -1;
        if (layer >= 0)
            ctx.setStatus("weight statistics: layer " + std::to_string(layer));
        else if (byKind)
            ctx.setStatus("weight statistics: " + key.substr(1));
        // Pass 1: moments of every tensor and of the group.
        Moments groupMoments;
        std::set<std::string> groupDtypes;
        WeightStats group;
        std::vector<Analysed> analysed;
        analysed.reserve(items.size());
        for (auto& it : items) {
            analysed.push_back(analyse(it.raw, ctx));
            const Moments& m = analysed.back().moments;
            WeightStats w;
            w.name = it.name;
            w.layer = it.layer;
            w.dtype = dtypeName(it.raw.src);
            w.shape = it.shape;
            applyMoments(w, m, it.raw.numel, o.sigmaK);
            byName[it.name] = std::move(w);
            if (it.joins) {
                groupMoments.merge(m);
                group.numel += it.raw.numel;
                group.members.push_back(it.name);
                groupDtypes.insert(dtypeName(it.raw.src));
            }
            report.elements += it.raw.numel;
            progress(it.raw.sixteenBit() ? it.raw.bytes() : it.raw.bytes() / 2);
        }
        HistAcc groupHist;
        const bool hasGroup = !group.members.empty();
        if (hasGroup) {
            group.name = byKind ? key.substr(1) : "layer " + std::to_string(layer);
            group.layer = layer;
            for (const auto& d : groupDtypes)
                group.dtype += (group.dtype.empty() ? "" : ",") + d;
            applyMoments(group, groupMoments, group.numel, o.sigmaK);
            groupHist = makeHist(group, o.histogram);
        }
        // Pass 2: histograms and beyond-kσ counts (tensor and group at once).
        for (size_t i = 0; i < items.size(); ++i) {
            const Item& it = items[i];
            WeightStats& w = byName[it.name];
            HistAcc h = makeHist(w, o.histogram);
            histogram(it.raw, analysed[i], h, it.joins ? &groupHist : nullptr, ctx);
            applyHist(w, h, o.histogram);
            if (!it.raw.sixteenBit())
                progress(it.raw.bytes() / 2);
        }
        if (hasGroup) {
            applyHist(group, groupHist, o.histogram);
            (byKind ? report.kinds : report.layers).push_back(std::move(group));
        }
    }
    ctx.setProgress(1.0);
    for (const auto& n : names)
        if (auto f = byName.find(n); f != byName.end())
            report.tensors.push_back(std::move(f->second));
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report;
}

std::optional<std::string> tensorKindOf(const std::string& name) {
    const auto layer = model::layerIndexOf(name);
    if (!layer)
        return std::nullopt;
    const std::string prefix = "model.layers." + std::to_string(*layer) + ".";
    if (name.compare(0, prefix.size(), prefix) != 0)
        return std::nullopt;
    return "model.layers.*." + name.substr(prefix.size());
}

WeightStats tensorWeightStats(const at::Tensor& tensor, const std::string& name, const WeightStatsOptions& o) {
    validate(o);
    Src src;
    switch (tensor.scalar_type()) {
    case at::kFloat: src = Src::F32; break;
    case at::kHalf: src = Src::F16; break;
    case at::kBFloat16: src = Src::BF16; break;
    case at::kDouble: src = Src::F64; break;
    default:
        throw UnsupportedError("weight statistics of '" + name + "': dtype " + std::string(c10::toString(tensor.scalar_type())) +
                               " is not floating point (float32/float16/bfloat16/float64)");
    }
    const at::Tensor t = tensor.to(at::kCPU).contiguous();
    const RawTensor raw{static_cast<const std::byte*>(t.data_ptr()), t.numel(), src};
    WeightStats w;
    w.name = name;
    w.dtype = dtypeName(src);
    w.shape = t.sizes().vec();
    const Analysed a = analyse(raw, JobContext::none());
    applyMoments(w, a.moments, t.numel(), o.sigmaK);
    HistAcc h = makeHist(w, o.histogram);
    histogram(raw, a, h, nullptr, JobContext::none());
    applyHist(w, h, o.histogram);
    if (auto layer = model::layerIndexOf(name))
        w.layer = *layer;
    return w;
}

} // namespace slim::analysis
