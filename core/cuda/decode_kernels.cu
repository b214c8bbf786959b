// The fused batch-1 decode kernels (see decode_kernels.h).  Written for Slimbench.  The split-K
// attention is the "flash decoding" scheme (Dao et al., 2023: partial softmax per key block, one
// rescaling combine); the 4-bit dot product converts a code to float with the exponent trick
// (2^23 + q as the bits 0x4B000000 | q), as GPU inference kernels such as Marlin and FasterTransformer
// do for fp16.
#include "core/cuda/decode_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <type_traits>

namespace slim::cuda {

namespace {

constexpr int kWarps = 8;              // rows per GEMV block (one warp per row)
constexpr int kThreads = kWarps * 32;
constexpr int kAttnWarps = 4;

__device__ __forceinline__ float negInf() { return __int_as_float(static_cast<int>(0xff800000u)); }

// ---- numbers -------------------------------------------------------------------------------

template <typename T>
struct Num;
template <>
struct Num<float> {
    static __device__ __forceinline__ float get(float v) { return v; }
    static __device__ __forceinline__ float put(float v) { return v; }
    static __device__ __forceinline__ float round(float v) { return v; }
};
template <>
struct Num<__nv_bfloat16> {
    static __device__ __forceinline__ float get(__nv_bfloat16 v) { return __bfloat162float(v); }
    static __device__ __forceinline__ __nv_bfloat16 put(float v) { return __float2bfloat16_rn(v); }
    static __device__ __forceinline__ float round(float v) { return __bfloat162float(__float2bfloat16_rn(v)); }
};
template <>
struct Num<__half> {
    static __device__ __forceinline__ float get(__half v) { return __half2float(v); }
    static __device__ __forceinline__ __half put(float v) { return __float2half_rn(v); }
    static __device__ __forceinline__ float round(float v) { return __half2float(__float2half_rn(v)); }
};

/// 16 bytes of T as floats.
template <typename T>
struct Vec16;
template <>
struct Vec16<float> {
    static constexpr int N = 4;
    static __device__ __forceinline__ void unpack(const uint4& v, float* f) {
        f[0] = __uint_as_float(v.x);
        f[1] = __uint_as_float(v.y);
        f[2] = __uint_as_float(v.z);
        f[3] = __uint_as_float(v.w);
    }
};
template <>
struct Vec16<__nv_bfloat16> {
    static constexpr int N = 8;
    static __device__ __forceinline__ void pair(uint32_t w, float* f) {
        f[0] = __uint_as_float(w << 16);           // bf16 is the high half of a float
        f[1] = __uint_as_float(w & 0xffff0000u);
    }
    static __device__ __forceinline__ void unpack(const uint4& v, float* f) {
        pair(v.x, f);
        pair(v.y, f + 2);
        pair(v.z, f + 4);
        pair(v.w, f + 6);
    }
};
template <>
struct Vec16<__half> {
    static constexpr int N = 8;
    static __device__ __forceinline__ void pair(uint32_t w, float* f) {
        __half2 h;
        memcpy(&h, &w, 4);
        const float2 t = __half22float2(h);
        f[0] = t.x;
        f[1] = t.y;
    }
    static __device__ __forceinline__ void unpack(const uint4& v, float* f) {
        pair(v.x, f);
        pair(v.y, f + 2);
        pair(v.z, f + 4);
        pair(v.w, f + 6);
    }
};

/// Eight consecutive activations from shared memory (base a multiple of 8 elements).
template <typename T>
__device__ __forceinline__ void load8(const T* xs, int base, float* f) {
    const uint4* p = reinterpret_cast<const uint4*>(xs + base);
    Vec16<T>::unpack(p[0], f);
    if constexpr (Vec16<T>::N == 4)
        Vec16<T>::unpack(p[1], f + 4);
}

/// The GPTQ zero point of row r in group g: 8 rows' 4-bit zeros per int32 of qzeros (groups, rows/8).
__device__ __forceinline__ uint32_t zeroPoint(const int32_t* qzeros, int rows, int g, int r) {
    return (static_cast<uint32_t>(__ldg(qzeros + size_t(g) * (rows / 8) + (r >> 3))) >> (4 * (r & 7))) & 15u;
}

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// ---- GEMV ----------------------------------------------------------------------------------

/// A matrix of a launch as one warp reads it (copied into registers: indexing the kernel's argument
/// array at run time would go through local memory).
struct Rows {
    const void* weight;
    const int32_t* qzeros;
    const __half* scales;
    int rows, group, groupShift;   // groupShift = log2(group) when a power of two, else -1
};

__device__ __forceinline__ Rows rowsOf(const MatView& m) {
    const int shift = (m.group & (m.group - 1)) == 0 ? __ffs(m.group) - 1 : -1;
    return {m.weight, m.qzeros, static_cast<const __half*>(m.scales), m.rows, m.group, shift};
}

/// Row r of NR matrices · x (NR = 2: gate and up together, so both rows' loads are in flight at once).
/// Dense: 16-byte loads, U per row in flight per lane.
template <typename T, int NR, int U>
__device__ __forceinline__ void dotDense(const Rows (&m)[NR], int r, const T* xs, int K, int lane, float (&acc)[NR]) {
    using V = Vec16<T>;
    const uint4* xv = reinterpret_cast<const uint4*>(xs);
    const int n = K / V::N;
    const uint4* wv[NR];
#pragma unroll
    for (int j = 0; j < NR; ++j) {
        wv[j] = reinterpret_cast<const uint4*>(static_cast<const T*>(m[j].weight) + size_t(r) * K);
        acc[j] = 0.f;
    }
    for (int i = lane; i < n; i += 32 * U) {
        uint4 wr[NR][U];
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int j = 0; j < NR; ++j)
                wr[j][u] = i + 32 * u < n ? __ldcs(wv[j] + i + 32 * u) : make_uint4(0, 0, 0, 0);   // streamed: read once
#pragma unroll
        for (int u = 0; u < U; ++u) {
            if (i + 32 * u >= n)
                break;
            float xf[V::N];
            V::unpack(xv[i + 32 * u], xf);
#pragma unroll
            for (int j = 0; j < NR; ++j) {
                float wf[V::N];
                V::unpack(wr[j][u], wf);
#pragma unroll
                for (int e = 0; e < V::N; ++e)
                    acc[j] = fmaf(wf[e], xf[e], acc[j]);
            }
        }
    }
}

/// One 32-bit word of 4-bit codes (8 consecutive inputs at 8·idx) · x: s · Σ (q − z) · x.
__device__ __forceinline__ float int4Word(uint32_t w, int idx, const Rows& m, int r, const float* xf) {
    const int g = m.groupShift >= 0 ? (idx * 8) >> m.groupShift : idx * 8 / m.group;
    const float s = __half2float(__ldg(m.scales + size_t(g) * m.rows + r));
    const uint32_t z = zeroPoint(m.qzeros, m.rows, g, r);
    const float off = 8388608.f + float(z);   // 2^23 + z
    float part = 0.f;
#pragma unroll
    for (int e = 0; e < 8; ++e) {
        // ((w >> 4e) & 15) | 0x4B000000 is the float 2^23 + q: minus (2^23 + z) gives q − z exactly.
        const float q = __uint_as_float(((w >> (4 * e)) & 15u) | 0x4B000000u) - off;
        part = fmaf(q, xf[e], part);
    }
    return s * part;
}

/// 4-bit rows: one word (8 codes) per lane and step, U steps in flight.
template <typename T, int NR, int U>
__device__ __forceinline__ void dotInt4(const Rows (&m)[NR], int r, const T* xs, int K, int lane, float (&acc)[NR]) {
    const int n = K / 8;
    const uint32_t* q[NR];
#pragma unroll
    for (int j = 0; j < NR; ++j) {
        q[j] = static_cast<const uint32_t*>(m[j].weight) + size_t(r) * n;
        acc[j] = 0.f;
    }
    for (int i = lane; i < n; i += 32 * U) {
        uint32_t wr[NR][U];
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int j = 0; j < NR; ++j)
                wr[j][u] = i + 32 * u < n ? __ldcs(q[j] + i + 32 * u) : 0u;
#pragma unroll
        for (int u = 0; u < U; ++u) {
            if (i + 32 * u >= n)
                break;
            float xf[8];
            load8(xs, (i + 32 * u) * 8, xf);
#pragma unroll
            for (int j = 0; j < NR; ++j)
                acc[j] += int4Word(wr[j][u], i + 32 * u, m[j], r, xf);
        }
    }
}

__device__ __forceinline__ __half2 asHalf2(uint32_t u) {
    __half2 h;
    memcpy(&h, &u, 4);
    return h;
}

/// 4-bit rows with 16-bit activations: packed fp16 arithmetic.  The activations were scaled by a power
/// of two into |x| < 128 and stored as fp16 pairs (x_i, x_{i+4}) of every 8 inputs (exact for bf16
/// and fp16 inputs in range), 16 bytes per 8 inputs, one padding slot after every 4 (no bank
/// conflicts when each lane reads 64 consecutive bytes).  A lane takes 4 words (32 codes, one group):
/// (w >> 4t) & 0x000F000F | 0x64006400 is the fp16 pair (1024 + q_t, 1024 + q_{t+4}); minus
/// (1024 + z) gives q − z exactly; 16 products accumulate in fp16 (|sum| < 15·128·16 < 65504), the
/// group's sum is then scaled in fp32.
template <int NR, int U>
__device__ __forceinline__ void dotInt4Half(const Rows (&m)[NR], int r, const uint4* xh, int K, int lane, float (&acc)[NR]) {
    const int n = K / 32;   // 16-byte chunks (4 words) per row
    const uint4* q[NR];
#pragma unroll
    for (int j = 0; j < NR; ++j) {
        q[j] = static_cast<const uint4*>(m[j].weight) + size_t(r) * n;
        acc[j] = 0.f;
    }
    for (int i = lane; i < n; i += 32 * U) {
        uint4 wr[NR][U];
        float sc[NR][U];
        uint32_t zz[NR][U];
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int j = 0; j < NR; ++j) {
                const int c = i + 32 * u;
                if (c < n) {
                    wr[j][u] = __ldcs(q[j] + c);
                    const int g = m[j].groupShift >= 0 ? (c * 32) >> m[j].groupShift : c * 32 / m[j].group;
                    sc[j][u] = __half2float(__ldg(m[j].scales + size_t(g) * m[j].rows + r));
                    const uint32_t z = zeroPoint(m[j].qzeros, m[j].rows, g, r) | 0x6400u;
                    zz[j][u] = z | (z << 16);
                } else {
                    wr[j][u] = make_uint4(0, 0, 0, 0);
                    sc[j][u] = 0.f;
                    zz[j][u] = 0x64006400u;
                }
            }
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const int c = i + 32 * u;
            if (c >= n)
                break;
            const uint4* xb = xh + 5 * c;   // block 4c + t sits in slot (4c + t) + (4c + t) / 4
            uint4 xv[4];
#pragma unroll
            for (int t = 0; t < 4; ++t)
                xv[t] = xb[t];
#pragma unroll
            for (int j = 0; j < NR; ++j) {
                const __half2 zh = asHalf2(zz[j][u]);
                __half2 a = __float2half2_rn(0.f);
                const uint32_t words[4] = {wr[j][u].x, wr[j][u].y, wr[j][u].z, wr[j][u].w};
#pragma unroll
                for (int t = 0; t < 4; ++t) {
                    const uint32_t w = words[t];
                    const uint32_t xw[4] = {xv[t].x, xv[t].y, xv[t].z, xv[t].w};
#pragma unroll
                    for (int e = 0; e < 4; ++e) {
                        const __half2 d = __hsub2(asHalf2(((w >> (4 * e)) & 0x000F000Fu) | 0x64006400u), zh);
                        a = __hfma2(d, asHalf2(xw[e]), a);
                    }
                }
                const float2 f = __half22float2(a);
                acc[j] = fmaf(sc[j][u], f.x + f.y, acc[j]);
            }
        }
    }
}

/// fp16 arithmetic for 4-bit rows with 16-bit activations; fp32 activations keep the fp32 route.
template <typename T, bool kInt4>
constexpr bool kHalfInt4 = kInt4 && !std::is_same_v<T, float>;

template <typename T, bool kInt4, int NR>
__device__ __forceinline__ void rowDots(const Rows (&m)[NR], int r, const T* xs, const uint4* xh, float xhInv, int K, int lane,
                                        float (&acc)[NR]) {
    if constexpr (kHalfInt4<T, kInt4>) {
        dotInt4Half<NR, 4 / NR>(m, r, xh, K, lane, acc);
#pragma unroll
        for (int j = 0; j < NR; ++j)
            acc[j] *= xhInv;
    } else if constexpr (kInt4) {
        dotInt4<T, NR, 16 / NR>(m, r, xs, K, lane, acc);
    } else {
        dotDense<T, NR, 8 / NR>(m, r, xs, K, lane, acc);
    }
}

template <typename T, bool kInt4, int kMode>
__global__ void __launch_bounds__(kThreads) gemvKernel(const GemvArgs a, int totalRows) {
    extern __shared__ __align__(16) unsigned char smemRaw[];
    T* xs = reinterpret_cast<T*>(smemRaw);
    __shared__ float red[kWarps];
    const int K = a.K, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const T* x = static_cast<const T*>(a.x);

    // 1. The input vector into shared memory, RMS-normalised like transformers' LlamaRMSNorm:
    //    h = x·rsqrt(mean(x²)+eps) in fp32, rounded to T, times the weight, rounded.
    if (a.normWeight) {
        const T* nw = static_cast<const T*>(a.normWeight);
        float ss = 0.f;
        for (int k = threadIdx.x; k < K; k += kThreads) {
            const float v = Num<T>::get(x[k]);
            ss = fmaf(v, v, ss);
        }
        ss = warpSum(ss);
        if (lane == 0)
            red[warp] = ss;
        __syncthreads();
        float total = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w)
            total += red[w];
        const float inv = rsqrtf(total / float(K) + a.eps);
        for (int k = threadIdx.x; k < K; k += kThreads)
            xs[k] = Num<T>::put(Num<T>::get(nw[k]) * Num<T>::round(Num<T>::get(x[k]) * inv));
    } else {
        const uint4* src = reinterpret_cast<const uint4*>(x);
        uint4* dst = reinterpret_cast<uint4*>(xs);
        for (int i = threadIdx.x; i < K * int(sizeof(T)) / 16; i += kThreads)
            dst[i] = src[i];
    }
    __syncthreads();
    // 4-bit rows with 16-bit activations: x as scaled fp16 pairs (see dotInt4Half).
    const uint4* xh = nullptr;
    float xhInv = 1.f;
    if constexpr (kHalfInt4<T, kInt4>) {
        __shared__ float amax[kWarps];
        float v = 0.f;
        for (int k = threadIdx.x; k < K; k += kThreads)
            v = fmaxf(v, fabsf(Num<T>::get(xs[k])));
#pragma unroll
        for (int o = 16; o > 0; o >>= 1)
            v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        if (lane == 0)
            amax[warp] = v;
        __syncthreads();
        float mx = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w)
            mx = fmaxf(mx, amax[w]);
        int ex = 0;
        if (mx > 0.f)
            frexpf(mx, &ex);   // mx = f · 2^ex, f in [0.5, 1)
        const float sc = ldexpf(1.f, 7 - ex);
        xhInv = ldexpf(1.f, ex - 7);
        uint4* xw = reinterpret_cast<uint4*>(smemRaw + size_t(K) * sizeof(T));
        for (int b = threadIdx.x; b < K / 8; b += kThreads) {
            float f[8];
            load8(xs, b * 8, f);
            uint4 o;
            const __half2 p0 = __floats2half2_rn(f[0] * sc, f[4] * sc), p1 = __floats2half2_rn(f[1] * sc, f[5] * sc),
                          p2 = __floats2half2_rn(f[2] * sc, f[6] * sc), p3 = __floats2half2_rn(f[3] * sc, f[7] * sc);
            memcpy(&o.x, &p0, 4);
            memcpy(&o.y, &p1, 4);
            memcpy(&o.z, &p2, 4);
            memcpy(&o.w, &p3, 4);
            xw[b + (b >> 2)] = o;
        }
        xh = xw;
        __syncthreads();
    }

    // 2. One warp per output row.
    const int row = blockIdx.x * kWarps + warp;
    if (row >= totalRows)
        return;
    int m = 0, r = row;
    if constexpr (kMode == int(GemvMode::Plain))
        while (m + 1 < a.numMats && r >= a.mats[m].rows) {
            r -= a.mats[m].rows;
            ++m;
        }
    const MatView& mv = m == 0 ? a.mats[0] : m == 1 ? a.mats[1] : a.mats[2];
    float y, u = 0.f;
    if constexpr (kMode == int(GemvMode::SiluMul)) {
        const Rows rows[2] = {rowsOf(a.mats[0]), rowsOf(a.mats[1])};
        float acc[2];
        rowDots<T, kInt4, 2>(rows, r, xs, xh, xhInv, K, lane, acc);
        y = warpSum(acc[0]);
        u = warpSum(acc[1]);
    } else {
        const Rows rows[1] = {rowsOf(mv)};
        float acc[1];
        rowDots<T, kInt4, 1>(rows, r, xs, xh, xhInv, K, lane, acc);
        y = warpSum(acc[0]);
    }
    if (lane != 0)
        return;
    T* out = static_cast<T*>(mv.out);
    if (mv.bias)
        y += Num<T>::get(static_cast<const T*>(mv.bias)[r]);
    if constexpr (kMode == int(GemvMode::Plain)) {
        out[r] = Num<T>::put(y);
    } else if constexpr (kMode == int(GemvMode::Residual)) {
        out[r] = Num<T>::put(Num<T>::get(static_cast<const T*>(a.residual)[r]) + Num<T>::round(y));
    } else {
        if (a.mats[1].bias)
            u += Num<T>::get(static_cast<const T*>(a.mats[1].bias)[r]);
        const float g = Num<T>::round(y);
        const float act = Num<T>::round(g / (1.f + expf(-g)));   // silu, rounded like at::silu
        out[r] = Num<T>::put(act * Num<T>::round(u));
    }
}

template <typename T, bool kInt4, int kMode>
void launchGemv(const GemvArgs& a, cudaStream_t stream) {
    int total = a.mats[0].rows;
    if (kMode == int(GemvMode::Plain))
        for (int i = 1; i < a.numMats; ++i)
            total += a.mats[i].rows;
    size_t smem = size_t(a.K) * sizeof(T);
    if (kHalfInt4<T, kInt4>)
        smem += size_t(a.K / 8 + a.K / 32) * 16;   // the fp16 pairs with their padding slots
    auto kernel = gemvKernel<T, kInt4, kMode>;
    static size_t configured = 48 * 1024;   // above this the kernel must opt in (once, before any graph capture)
    if (smem > configured) {
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
        configured = smem;
    }
    kernel<<<(total + kWarps - 1) / kWarps, kThreads, smem, stream>>>(a, total);
}

template <typename T>
void dispatchGemv(const GemvArgs& a, cudaStream_t s) {
    switch (a.mode) {
    case GemvMode::Plain: a.int4 ? launchGemv<T, true, 0>(a, s) : launchGemv<T, false, 0>(a, s); break;
    case GemvMode::Residual: a.int4 ? launchGemv<T, true, 1>(a, s) : launchGemv<T, false, 1>(a, s); break;
    case GemvMode::SiluMul: a.int4 ? launchGemv<T, true, 2>(a, s) : launchGemv<T, false, 2>(a, s); break;
    }
}

template <typename T>
__global__ void dequantInt4Kernel(const MatView m, int K) {
    const int64_t words = int64_t(m.rows) * (K / 8);
    for (int64_t w = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; w < words; w += int64_t(gridDim.x) * blockDim.x) {
        const int r = int(w / (K / 8)), idx = int(w % (K / 8));
        const int g = idx * 8 / m.group;
        const float s = __half2float(static_cast<const __half*>(m.scales)[size_t(g) * m.rows + r]);
        const float z = float(zeroPoint(m.qzeros, m.rows, g, r));
        const uint32_t q = static_cast<const uint32_t*>(m.weight)[w];
        T* out = static_cast<T*>(m.out) + size_t(w) * 8;
#pragma unroll
        for (int e = 0; e < 8; ++e)
            out[e] = Num<T>::put((float((q >> (4 * e)) & 15u) - z) * s);
    }
}

// ---- RoPE + KV cache write -----------------------------------------------------------------

template <typename T>
__global__ void ropeKvKernel(const RopeKvArgs a) {
    const int head = blockIdx.x, D = a.headDim, half = D / 2;
    const int64_t pos = *a.position;
    T* src = static_cast<T*>(a.qkv) + size_t(head) * D;
    if (head < a.heads + a.kvHeads) {
        // transformers: q·cos + rotate_half(q)·sin, cos/sin = cos/sin(pos · inv_freq) in fp32 rounded
        // to T, every product and the sum rounded to T.
        T* dst = head < a.heads ? src
                                : static_cast<T*>(a.keyCache) + (size_t(head - a.heads) * a.capacity + size_t(pos)) * D;
        for (int i = threadIdx.x; i < half; i += blockDim.x) {
            const float f = float(pos) * a.invFreq[i];
            const float c = Num<T>::round(cosf(f)), s = Num<T>::round(sinf(f));
            const float x1 = Num<T>::get(src[i]), x2 = Num<T>::get(src[i + half]);
            const float o1 = Num<T>::round(x1 * c) + Num<T>::round(-x2 * s);
            const float o2 = Num<T>::round(x2 * c) + Num<T>::round(x1 * s);
            dst[i] = Num<T>::put(o1);
            dst[i + half] = Num<T>::put(o2);
        }
    } else {
        T* dst = static_cast<T*>(a.valueCache) + (size_t(head - a.heads - a.kvHeads) * a.capacity + size_t(pos)) * D;
        for (int i = threadIdx.x; i < D; i += blockDim.x)
            dst[i] = src[i];
    }
}

// ---- split-K attention ---------------------------------------------------------------------

int splitsOf(int capacity) { return (capacity + kAttentionSplit - 1) / kAttentionSplit; }

/// Block (head, split): keys [split·S, (split+1)·S) ∩ [window start, position]; each warp takes every
/// 4th key with an online softmax; the block writes (max, sum, Σ p·v) unnormalised to the scratch.
template <typename T, int EPL>
__global__ void __launch_bounds__(kAttnWarps * 32) attentionSplitKernel(const AttentionArgs a, int numSplits) {
    constexpr int D = EPL * 32;
    const int h = blockIdx.x, split = blockIdx.y, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int kvh = h / (a.heads / a.kvHeads);
    const int len = int(*a.position) + 1;
    const int start = a.window > 0 ? max(0, len - a.window) : 0;
    const int c0 = max(start, split * kAttentionSplit), c1 = min(len, (split + 1) * kAttentionSplit);
    const T* qp = static_cast<const T*>(a.q) + size_t(h) * D + lane * EPL;
    float q[EPL], acc[EPL];
#pragma unroll
    for (int e = 0; e < EPL; ++e) {
        q[e] = Num<T>::get(qp[e]);
        acc[e] = 0.f;
    }
    const T* kc = static_cast<const T*>(a.keyCache) + size_t(kvh) * a.capacity * D + lane * EPL;
    const T* vc = static_cast<const T*>(a.valueCache) + size_t(kvh) * a.capacity * D + lane * EPL;
    float m = negInf(), l = 0.f;
    for (int c = c0 + warp; c < c1; c += kAttnWarps) {
        const T* kr = kc + size_t(c) * D;
        float s = 0.f;
#pragma unroll
        for (int e = 0; e < EPL; ++e)
            s = fmaf(q[e], Num<T>::get(kr[e]), s);
        s = warpSum(s) * a.scale;
        const float mn = fmaxf(m, s);
        const float corr = expf(m - mn);   // 0 for the first key (m = -inf)
        const float p = expf(s - mn);
        l = l * corr + p;
        const T* vr = vc + size_t(c) * D;
#pragma unroll
        for (int e = 0; e < EPL; ++e)
            acc[e] = fmaf(p, Num<T>::get(vr[e]), acc[e] * corr);
        m = mn;
    }
    __shared__ float sm[kAttnWarps], sl[kAttnWarps], sacc[kAttnWarps][D];
    if (lane == 0) {
        sm[warp] = m;
        sl[warp] = l;
    }
#pragma unroll
    for (int e = 0; e < EPL; ++e)
        sacc[warp][lane * EPL + e] = acc[e];
    __syncthreads();
    float M = negInf();
#pragma unroll
    for (int w = 0; w < kAttnWarps; ++w)
        M = fmaxf(M, sm[w]);
    float* out = a.scratch + (size_t(h) * numSplits + split) * (D + 2);
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float A = 0.f;
#pragma unroll
        for (int w = 0; w < kAttnWarps; ++w)
            if (sm[w] != negInf())
                A += sacc[w][d] * expf(sm[w] - M);
        out[2 + d] = A;
    }
    if (threadIdx.x == 0) {
        float L = 0.f;
#pragma unroll
        for (int w = 0; w < kAttnWarps; ++w)
            if (sm[w] != negInf())
                L += sl[w] * expf(sm[w] - M);
        out[0] = M;
        out[1] = L;
    }
}

template <typename T>
__global__ void attentionCombineKernel(const AttentionArgs a, int numSplits) {
    const int h = blockIdx.x, D = a.headDim;
    const float* base = a.scratch + size_t(h) * numSplits * (D + 2);
    float M = negInf();
    for (int s = 0; s < numSplits; ++s)
        M = fmaxf(M, base[size_t(s) * (D + 2)]);
    T* out = static_cast<T*>(a.out) + size_t(h) * D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float L = 0.f, A = 0.f;
        for (int s = 0; s < numSplits; ++s) {
            const float* p = base + size_t(s) * (D + 2);
            if (p[0] == negInf())
                continue;
            const float f = expf(p[0] - M);
            L += p[1] * f;
            A += p[2 + d] * f;
        }
        out[d] = Num<T>::put(A / L);
    }
}

template <typename T>
void launchAttention(const AttentionArgs& a, cudaStream_t s) {
    const int splits = splitsOf(a.capacity);
    const dim3 grid(a.heads, splits);
    switch (a.headDim) {
    case 64: attentionSplitKernel<T, 2><<<grid, kAttnWarps * 32, 0, s>>>(a, splits); break;
    case 96: attentionSplitKernel<T, 3><<<grid, kAttnWarps * 32, 0, s>>>(a, splits); break;
    case 128: attentionSplitKernel<T, 4><<<grid, kAttnWarps * 32, 0, s>>>(a, splits); break;
    case 256: attentionSplitKernel<T, 8><<<grid, kAttnWarps * 32, 0, s>>>(a, splits); break;
    default: return;
    }
    attentionCombineKernel<T><<<a.heads, a.headDim, 0, s>>>(a, splits);
}

} // namespace

void gemv(const GemvArgs& a, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    switch (a.dtype) {
    case Dtype::F32: dispatchGemv<float>(a, s); break;
    case Dtype::F16: dispatchGemv<__half>(a, s); break;
    case Dtype::BF16: dispatchGemv<__nv_bfloat16>(a, s); break;
    }
}

void dequantInt4(Dtype dtype, const MatView& m, int K, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    const int64_t words = int64_t(m.rows) * (K / 8);
    const int blocks = int(std::min<int64_t>((words + 255) / 256, 132 * 16));
    switch (dtype) {
    case Dtype::F32: dequantInt4Kernel<float><<<blocks, 256, 0, s>>>(m, K); break;
    case Dtype::F16: dequantInt4Kernel<__half><<<blocks, 256, 0, s>>>(m, K); break;
    case Dtype::BF16: dequantInt4Kernel<__nv_bfloat16><<<blocks, 256, 0, s>>>(m, K); break;
    }
}

void ropeKv(const RopeKvArgs& a, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    const int blocks = a.heads + 2 * a.kvHeads, threads = a.headDim / 2 < 64 ? 32 : 64;
    switch (a.dtype) {
    case Dtype::F32: ropeKvKernel<float><<<blocks, threads, 0, s>>>(a); break;
    case Dtype::F16: ropeKvKernel<__half><<<blocks, threads, 0, s>>>(a); break;
    case Dtype::BF16: ropeKvKernel<__nv_bfloat16><<<blocks, threads, 0, s>>>(a); break;
    }
}

int64_t attentionScratchFloats(int heads, int headDim, int capacity) {
    return int64_t(heads) * splitsOf(capacity) * (headDim + 2);
}

void attention(const AttentionArgs& a, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    switch (a.dtype) {
    case Dtype::F32: launchAttention<float>(a, s); break;
    case Dtype::F16: launchAttention<__half>(a, s); break;
    case Dtype::BF16: launchAttention<__nv_bfloat16>(a, s); break;
    }
}

} // namespace slim::cuda
