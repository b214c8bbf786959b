// The one-pass OBS block loop (see obs_block_kernels.h).  Written for Slimbench; the algorithm is
// GPTQ's / SparseGPT's lazy-batch column loop (Frantar et al., 2022/2023), the arithmetic the
// references' tensor operations element by element: no fused multiply-add, IEEE division, round half
// to even.
#include "core/cuda/obs_block_kernels.h"

#include <cuda_runtime.h>

namespace slim::cuda {

namespace {

constexpr int kWarpsPerBlock = 4;

/// One warp per row: the row's columns in registers, lane l holding columns l + 32·k.  `Rule` gives
/// q for column i from w_i (and may look at the row's later columns: `vals`, `s`); the OBS update
/// follows.
template <int kPer, typename Rule>
__device__ __forceinline__ void rowLoop(const ObsBlockArgs& a, int r, Rule& rule) {
    const int lane = threadIdx.x & 31, count = a.count;
    float* wr = a.w + size_t(r) * count;
    float vals[kPer];
#pragma unroll
    for (int k = 0; k < kPer; ++k) {
        const int j = lane + 32 * k;
        vals[k] = j < count ? wr[j] : 0.f;
    }
#pragma unroll
    for (int s = 0; s < kPer; ++s) {
        for (int o = 0; o < 32; ++o) {
            const int i = 32 * s + o;
            if (i >= count)
                break;
            const float wi = __shfl_sync(0xffffffffu, vals[s], o);
            const float q = rule.template column<kPer>(i, s, wi, vals);
            const float d = a.hinv[size_t(i) * count + i];
            const float e = __fdiv_rn(__fsub_rn(wi, q), d);
            rule.after(i, wi, q, d);
            if (lane == o)
                a.err[size_t(r) * count + i] = e;
            const float* hi = a.hinv + size_t(i) * count;
#pragma unroll
            for (int k = 0; k < kPer; ++k) {
                const int j = lane + 32 * k;
                if (j >= i && j < count)
                    vals[k] = __fsub_rn(vals[k], __fmul_rn(e, __ldg(hi + j)));
            }
        }
    }
#pragma unroll
    for (int k = 0; k < kPer; ++k) {
        const int j = lane + 32 * k;
        if (j < count)
            wr[j] = vals[k];
    }
}

struct GptqRule {
    const float* scales;
    const float* zeros;
    const int32_t* colGroup;
    float* codes;
    float top, loss;
    int r, rows, count, lane;
    template <int kPer>
    __device__ __forceinline__ float column(int i, int, float wi, const float (&)[kPer]) {
        const int g = __ldg(colGroup + i);
        const float sc = __ldg(scales + size_t(g) * rows + r), z = __ldg(zeros + size_t(g) * rows + r);
        const float code = fminf(fmaxf(__fadd_rn(rintf(__fdiv_rn(wi, sc)), z), 0.f), top);
        if (lane == (i & 31))
            codes[size_t(r) * count + i] = code;
        return __fmul_rn(sc, __fsub_rn(code, z));
    }
    __device__ __forceinline__ void after(int, float wi, float q, float d) {
        const float t = __fsub_rn(wi, q);
        loss = __fadd_rn(loss, __fdiv_rn(__fdiv_rn(__fmul_rn(t, t), __fmul_rn(d, d)), 2.f));
    }
};

template <int kPer>
__global__ void __launch_bounds__(32 * kWarpsPerBlock) gptqBlockKernel(const ObsBlockArgs a, const float* scales,
                                                                       const float* zeros, const int32_t* colGroup,
                                                                       int maxq, float* codes, float* loss) {
    const int r = blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5);
    if (r >= a.rows)
        return;
    GptqRule rule{scales, zeros, colGroup, codes, float(maxq), loss[r], r, a.rows, a.count, int(threadIdx.x & 31)};
    rowLoop<kPer>(a, r, rule);
    if ((threadIdx.x & 31) == 0)
        loss[r] = rule.loss;
}

struct SparseRule {
    const float* hinv;
    bool* mask;
    float* q;
    int n, m, r, count, lane;
    unsigned pruned = 0;   // N:M: bit (column & 31) set for the pruned columns of the current group
    template <int kPer>
    __device__ __forceinline__ float column(int i, int s, float wi, const float (&vals)[kPer]) {
        bool* mr = mask + size_t(r) * count;
        bool cut;
        if (m > 0) {
            if (i % m == 0) {
                // The lane owning column c of i .. i+m−1 ranks its w² / d² among the group's (ties to
                // the lower column); the n smallest are pruned.
                const int off = (lane - i) & 31;
                const bool mine = off < m;
                const int c = i + off;
                float v = 0.f;
                if (mine) {
                    v = vals[s];
                    if constexpr (kPer > 1)
                        if ((c >> 5) != s && s + 1 < kPer)
                            v = vals[s + 1 < kPer ? s + 1 : s];
                }
                float score = 0.f;
                if (mine) {
                    const float d = __ldg(hinv + size_t(c) * count + c);
                    score = __fdiv_rn(__fmul_rn(v, v), __fmul_rn(d, d));
                }
                int rank = 0;
                for (int k = 0; k < m; ++k) {
                    const float other = __shfl_sync(0xffffffffu, score, (i + k) & 31);
                    if (mine && (other < score || (other == score && k < off)))
                        ++rank;
                }
                pruned = __ballot_sync(0xffffffffu, mine && rank < n);
                if (mine)
                    mr[c] = rank < n;
            }
            cut = (pruned >> (i & 31)) & 1u;
        } else {
            cut = mr[i];
        }
        const float out = cut ? 0.f : wi;
        if (lane == (i & 31))
            q[size_t(r) * count + i] = out;
        return out;
    }
    __device__ __forceinline__ void after(int, float, float, float) {}
};

template <int kPer>
__global__ void __launch_bounds__(32 * kWarpsPerBlock) sparseGptBlockKernel(const ObsBlockArgs a, bool* mask, int n,
                                                                            int m, float* q) {
    const int r = blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5);
    if (r >= a.rows)
        return;
    SparseRule rule{a.hinv, mask, q, n, m, r, a.count, int(threadIdx.x & 31)};
    rowLoop<kPer>(a, r, rule);
}

dim3 gridOf(int rows) { return dim3((rows + kWarpsPerBlock - 1) / kWarpsPerBlock); }

} // namespace

void gptqBlock(const ObsBlockArgs& a, const float* scales, const float* zeros, const int32_t* colGroup, int maxq,
               float* codes, float* loss, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    if (a.count <= 128)
        gptqBlockKernel<4><<<gridOf(a.rows), 32 * kWarpsPerBlock, 0, s>>>(a, scales, zeros, colGroup, maxq, codes, loss);
    else
        gptqBlockKernel<8><<<gridOf(a.rows), 32 * kWarpsPerBlock, 0, s>>>(a, scales, zeros, colGroup, maxq, codes, loss);
}

void sparseGptBlock(const ObsBlockArgs& a, bool* mask, int n, int m, float* q, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    if (a.count <= 128)
        sparseGptBlockKernel<4><<<gridOf(a.rows), 32 * kWarpsPerBlock, 0, s>>>(a, mask, n, m, q);
    else
        sparseGptBlockKernel<8><<<gridOf(a.rows), 32 * kWarpsPerBlock, 0, s>>>(a, mask, n, m, q);
}

} // namespace slim::cuda
