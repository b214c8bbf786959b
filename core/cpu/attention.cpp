#pragma GCC optimize("O3")

#include "core/cpu/attention.h"

#include "core/cpu/elementwise.h"
#include "core/cpu/float_types.h"
#include "core/cpu/thread_pool.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <vector>

namespace slim::cpu {

namespace {

/// Σ q_d k_d over D contiguous values, 16 partial sums (vectorises without reassociation flags).
template <class E>
inline float dot(const float* q, const E* k, int64_t D) {
    float acc[16] = {};
    int64_t d = 0;
    for (; d + 16 <= D; d += 16)
        for (int j = 0; j < 16; ++j)
            acc[j] += q[d + j] * toFloat(k[d + j]);
    float s = 0.0f;
    for (; d < D; ++d)
        s += q[d] * toFloat(k[d]);
    for (float a : acc)
        s += a;
    return s;
}

template <class E>
void attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask, double scale,
            at::Tensor& out) {
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3);
    const int64_t KV = k.size(1), S = k.size(2), rep = H / KV;
    const E* qp = q.data_ptr<E>();
    const E* kp = k.data_ptr<E>();
    const E* vp = v.data_ptr<E>();
    E* op = out.data_ptr<E>();
    const auto qs = q.strides(), ks = k.strides(), vs = v.strides(), os = out.strides();
    const bool* mp = mask.defined() ? mask.data_ptr<bool>() : nullptr;
    const auto ms = mask.defined() ? mask.strides() : at::IntArrayRef();
    const float sc = static_cast<float>(scale);
    // One unit of work = one (batch row, query head).  The caller made the head dimension contiguous.
    auto work = [&](int64_t u0, int64_t u1) {
        std::vector<float> score(static_cast<size_t>(S)), qf(static_cast<size_t>(D)), acc(static_cast<size_t>(D));
        for (int64_t u = u0; u < u1; ++u) {
            const int64_t b = u / H, h = u % H, g = h / rep;
            for (int64_t t = 0; t < T; ++t) {
                const E* qv = qp + b * qs[0] + h * qs[1] + t * qs[2];
                for (int64_t d = 0; d < D; ++d)
                    qf[d] = toFloat(qv[d]) * sc;
                float mx = -std::numeric_limits<float>::infinity();
                for (int64_t s = 0; s < S; ++s) {
                    const bool ok = mp ? mp[b * ms[0] + t * ms[2] + s * ms[3]] : s <= S - T + t;
                    if (!ok) {
                        score[s] = -std::numeric_limits<float>::infinity();
                        continue;
                    }
                    score[s] = dot(qf.data(), kp + b * ks[0] + g * ks[1] + s * ks[2], D);
                    mx = std::max(mx, score[s]);
                }
                std::fill(acc.begin(), acc.end(), 0.0f);
                float denom = 0.0f;
                if (mx > -std::numeric_limits<float>::infinity()) {
                    for (int64_t s = 0; s < S; ++s) {
                        if (score[s] == -std::numeric_limits<float>::infinity())
                            continue;
                        const float p = std::exp(score[s] - mx);
                        denom += p;
                        const E* vv = vp + b * vs[0] + g * vs[1] + s * vs[2];
                        for (int64_t d = 0; d < D; ++d)
                            acc[d] += p * toFloat(vv[d]);
                    }
                }
                // A row that may attend to nothing (fully masked) gives zeros, not NaN.
                const float inv = denom > 0.0f ? 1.0f / denom : 0.0f;
                E* o = op + b * os[0] + h * os[1] + t * os[2];
                for (int64_t d = 0; d < D; ++d)
                    o[d] = static_cast<E>(acc[d] * inv);
            }
        }
    };
    // Tiny caches: one thread (a hand-off costs a few microseconds); otherwise the heads split over the
    // pool (at TinyLlama's 32 heads × 64 × 100 positions this halves the attention's share of decode).
    if (B * H * T * S * D < (int64_t(1) << 15))
        work(0, B * H);
    else
        ThreadPool::global().parallelFor(B * H, 1, work);
}

} // namespace

std::optional<at::Tensor> decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                          const at::Tensor& mask, double scale) {
    if (!q.device().is_cpu() || q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(2) > 8 ||
        k.scalar_type() != q.scalar_type() || v.scalar_type() != q.scalar_type() || q.size(1) % k.size(1) != 0 ||
        (mask.defined() && (mask.scalar_type() != at::kBool || mask.dim() != 4)) || recordsGradient({&q, &k, &v}))
        return std::nullopt;
    // The kernel reads the head dimension contiguously (the cache and projections give it so; anything
    // else declines).
    if (q.stride(3) != 1 || k.stride(3) != 1 || v.stride(3) != 1)
        return std::nullopt;
    at::Tensor out = at::empty(q.sizes(), q.options());
    if (!withFloatType(q.scalar_type(), [&](auto e) { attend<decltype(e)>(q, k, v, mask, scale, out); }))
        return std::nullopt;
    return out;
}

} // namespace slim::cpu
