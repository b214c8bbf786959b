// The fused batch-1 decode kernels (see decode_kernels.h).  Written for Slimbench.  The split-K
// attention is the "flash decoding" scheme (Dao et al., 2023: partial softmax per key block, one
// rescaling combine); the 4-bit dot product converts a code to float with the exponent trick
// (2^23 + q as the bits 0x4B000000 | q), as GPU inference kernels such as Marlin and FasterTransformer
// do for fp16.
#include "core/cuda/decode_kernels.h"
#include "core/cuda/tile_split.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

namespace slim::cuda {

namespace {

constexpr int kWarps = 8;              // rows per GEMV block (one warp per row)
constexpr int kThreads = kWarps * 32;
constexpr int kAttentionThreads = 128;
// Tuning, measured on the H200 with tests/bench/cuda/decode_step_bench.cu:
constexpr int kGemvMinBlocks = 1;      // blocks per SM the dense GEMV's registers must allow
constexpr int kGemvMinBlocksInt4 = 3;  // the same for 4-bit rows with fp32 activations
constexpr int kDenseChunks = 8;        // dense rows: 16-byte chunks per lane and batch (gate and up together)

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

__device__ __forceinline__ float warpMax(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
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

// Each weight format is read by a "reader": `load(b, i)` issues the loads of one batch (U 16-byte
// chunks per matrix and lane, starting at chunk i), `dot(b, i, acc)` consumes it.  The GEMV kernel
// issues its first batch before it waits for the previous kernel and builds the input vector, then
// keeps one batch in flight while it multiplies the one before (software pipelining in registers).

/// Dense rows in T: 16-byte chunks, chunk c holds inputs 8c..8c+7 (4 for fp32).
template <typename T, int NR, int U>
struct DenseReader {
    using V = Vec16<T>;
    static constexpr int kStep = 32 * U;
    struct Batch {
        uint4 w[NR][U];
    };
    const uint4* w[NR];
    int n;
    __device__ DenseReader(const Rows (&m)[NR], int r, int K) : n(K / V::N) {
#pragma unroll
        for (int j = 0; j < NR; ++j)
            w[j] = reinterpret_cast<const uint4*>(static_cast<const T*>(m[j].weight) + size_t(r) * K);
    }
    __device__ __forceinline__ void load(Batch& b, int i) const {
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int j = 0; j < NR; ++j)
                b.w[j][u] = i + 32 * u < n ? __ldcs(w[j] + i + 32 * u) : make_uint4(0, 0, 0, 0);   // streamed: read once
    }
    __device__ __forceinline__ void dot(const Batch& b, int i, const T* xs, float (&acc)[NR]) const {
        const uint4* xv = reinterpret_cast<const uint4*>(xs);
#pragma unroll
        for (int u = 0; u < U; ++u) {
            if (i + 32 * u >= n)
                break;
            float xf[V::N];
            V::unpack(xv[i + 32 * u], xf);
#pragma unroll
            for (int j = 0; j < NR; ++j) {
                float wf[V::N];
                V::unpack(b.w[j][u], wf);
#pragma unroll
                for (int e = 0; e < V::N; ++e)
                    acc[j] = fmaf(wf[e], xf[e], acc[j]);
            }
        }
    }
};

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

/// 4-bit rows with fp32 activations: one word (8 codes) per lane and step, fp32 arithmetic.
template <typename T, int NR, int U>
struct Int4Reader {
    static constexpr int kStep = 32 * U;
    struct Batch {
        uint32_t w[NR][U];
    };
    const uint32_t* q[NR];
    Rows m[NR];
    int r, n;
    __device__ Int4Reader(const Rows (&mats)[NR], int row, int K) : r(row), n(K / 8) {
#pragma unroll
        for (int j = 0; j < NR; ++j) {
            m[j] = mats[j];
            q[j] = static_cast<const uint32_t*>(mats[j].weight) + size_t(row) * n;
        }
    }
    __device__ __forceinline__ void load(Batch& b, int i) const {
#pragma unroll
        for (int u = 0; u < U; ++u)
#pragma unroll
            for (int j = 0; j < NR; ++j)
                b.w[j][u] = i + 32 * u < n ? __ldcs(q[j] + i + 32 * u) : 0u;
    }
    __device__ __forceinline__ void dot(const Batch& b, int i, const T* xs, float (&acc)[NR]) const {
#pragma unroll
        for (int u = 0; u < U; ++u) {
            if (i + 32 * u >= n)
                break;
            float xf[8];
            load8(xs, (i + 32 * u) * 8, xf);
#pragma unroll
            for (int j = 0; j < NR; ++j)
                acc[j] += int4Word(b.w[j][u], i + 32 * u, m[j], r, xf);
        }
    }
};

__device__ __forceinline__ __half2 asHalf2(uint32_t u) {
    __half2 h;
    memcpy(&h, &u, 4);
    return h;
}

/// fp16 arithmetic for 4-bit rows with 16-bit activations; fp32 activations keep the fp32 route.
template <typename T, bool kInt4>
constexpr bool kHalfInt4 = kInt4 && !std::is_same_v<T, float>;

template <typename T, bool kInt4, int NR>
struct ReaderOf {
    using type = std::conditional_t<kInt4, Int4Reader<T, NR, 16 / NR>, DenseReader<T, NR, kDenseChunks / NR>>;
};

// Programmatic dependent launch (sm_90): a kernel launched with the PDL attribute may start while
// the previous one finishes; it must wait (griddepcontrol.wait: the previous grid complete, its
// writes visible) before it reads anything that grid wrote.  Every kernel here lets the next one
// launch as soon as all its blocks run.
__device__ __forceinline__ void waitForPrevious() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}
__device__ __forceinline__ void letNextLaunch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}

/// This block's share of the launch's L2 prefetch ranges (see L2Prefetch): the ranges' bytes split
/// evenly over the grid's blocks in 16-byte units, issued by one thread in pieces of at most 64 KiB.
__device__ __forceinline__ void prefetchShare(const L2Prefetch (&ranges)[kMaxPrefetch]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    if (threadIdx.x != 0)
        return;
    size_t total = 0;
#pragma unroll
    for (int i = 0; i < kMaxPrefetch; ++i)
        total += ranges[i].bytes / 16;
    if (total == 0)
        return;
    const size_t blocks = size_t(gridDim.x) * gridDim.y;
    const size_t block = size_t(blockIdx.y) * gridDim.x + blockIdx.x;
    const size_t per = (total + blocks - 1) / blocks;
    size_t lo = block * per, hi = min(total, lo + per);
#pragma unroll
    for (int i = 0; i < kMaxPrefetch; ++i) {
        const size_t units = ranges[i].bytes / 16;
        if (lo < hi && lo < units) {
            const size_t end = min(hi, units);
            const char* p = static_cast<const char*>(ranges[i].ptr) + lo * 16;
            for (size_t left = (end - lo) * 16; left > 0;) {
                const uint32_t n = uint32_t(left < 65536 ? left : 65536);
                asm volatile("cp.async.bulk.prefetch.L2.global [%0], %1;" ::"l"(p), "r"(n) : "memory");
                p += n;
                left -= n;
            }
        }
        lo = lo > units ? lo - units : 0;
        hi = hi > units ? hi - units : 0;
    }
#else
    (void)ranges;
#endif
}

/// Whether environment variable `name` is set to `value` (the kernels' switches, read once each).
bool envIs(const char* name, const char* value) {
    const char* e = std::getenv(name);
    return e && std::strcmp(e, value) == 0;
}

/// SLIMBENCH_CUDA_PDL=0 launches the kernels plainly (for comparisons).
bool pdlEnabled() {
    static const bool on = !envIs("SLIMBENCH_CUDA_PDL", "0");
    return on;
}

/// Launches `kernel` allowed to overlap the previous kernel of the stream (see waitForPrevious).
template <typename... Params, typename... Args>
void launch(void (*kernel)(Params...), dim3 grid, dim3 block, size_t smem, cudaStream_t stream, Args&&... args) {
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = grid;
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attr[0].val.programmaticStreamSerializationAllowed = pdlEnabled() ? 1 : 0;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    cudaLaunchKernelEx(&cfg, kernel, std::forward<Args>(args)...);
}

/// The matrix m of the launch and its row r that launch row `row` is (Plain launches stack up to 3
/// matrices; past the last row, r runs on in the last matrix and nothing is loaded).
template <int kMode>
__device__ __forceinline__ void locateRow(const GemvArgs& a, int row, int& m, int& r) {
    m = 0;
    r = row;
    if constexpr (kMode == int(GemvMode::Plain))
        while (m + 1 < a.numMats && r >= a.mats[m].rows) {
            r -= a.mats[m].rows;
            ++m;
        }
}

template <int kMode, typename Reader, int NR = kMode == int(GemvMode::SiluMul) ? 2 : 1>
__device__ __forceinline__ Reader readerFor(const GemvArgs& a, int m, int r, int K) {
    Rows rows[NR];
    rows[0] = rowsOf(m == 0 ? a.mats[0] : m == 1 ? a.mats[1] : a.mats[2]);
    if constexpr (NR == 2)
        rows[1] = rowsOf(a.mats[1]);
    return Reader(rows, r, K);
}

/// Writes row r of matrix m: y = x·W_r (+ bias) [and u = x·U_r for SiLU·up], reduced over the lanes.
template <typename T, int kMode>
__device__ __forceinline__ void writeRow(const GemvArgs& a, int m, int r, float y, float u) {
    const MatView& mv = m == 0 ? a.mats[0] : m == 1 ? a.mats[1] : a.mats[2];
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

/// Lane 0 writes row r of matrix m from the lanes' partial sums.
template <typename T, int kMode, int NR>
__device__ __forceinline__ void storeRow(const GemvArgs& a, int m, int r, const float (&acc)[NR], int lane) {
    const float y = warpSum(acc[0]);
    float u = 0.f;
    if constexpr (NR == 2)
        u = warpSum(acc[1]);
    if (lane == 0)
        writeRow<T, kMode>(a, m, r, y, u);
}

/// Step 1 of every GEMV, after the wait for the previous kernel: the input vector into shared memory
/// `xs` (K elements of T), RMS-normalised like transformers' LlamaRMSNorm when the launch has a norm
/// weight: h = x·rsqrt(mean(x²)+eps) in fp32, rounded to T, times the weight, rounded.  Returns the
/// largest |h| of the vector when kAmax (to every thread; 0 otherwise).
template <typename T, bool kAmax = false>
__device__ __forceinline__ float loadInput(const GemvArgs& a, T* xs, float* red) {
    const int K = a.K, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const T* x = static_cast<const T*>(a.x);
    float mx = 0.f;
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
        for (int k = threadIdx.x; k < K; k += kThreads) {
            const T h = Num<T>::put(Num<T>::get(nw[k]) * Num<T>::round(Num<T>::get(x[k]) * inv));
            xs[k] = h;
            if constexpr (kAmax)
                mx = fmaxf(mx, fabsf(Num<T>::get(h)));
        }
    } else if constexpr (kAmax) {
        for (int k = threadIdx.x; k < K; k += kThreads) {
            xs[k] = x[k];
            mx = fmaxf(mx, fabsf(Num<T>::get(x[k])));
        }
    } else {
        const uint4* src = reinterpret_cast<const uint4*>(x);
        uint4* dst = reinterpret_cast<uint4*>(xs);
        for (int i = threadIdx.x; i < K * int(sizeof(T)) / 16; i += kThreads)
            dst[i] = src[i];
    }
    __shared__ float amax[kWarps];
    if constexpr (kAmax) {
        mx = warpMax(mx);
        if (lane == 0)
            amax[warp] = mx;
    }
    __syncthreads();
    if constexpr (kAmax) {
        mx = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w)
            mx = fmaxf(mx, amax[w]);
    }
    return mx;
}

template <typename T, bool kInt4, int kMode>
__global__ void __launch_bounds__(kThreads, kInt4 ? kGemvMinBlocksInt4 : kGemvMinBlocks) gemvKernel(const GemvArgs a, int totalRows) {
    extern __shared__ __align__(16) unsigned char smemRaw[];
    T* xs = reinterpret_cast<T*>(smemRaw);
    __shared__ float red[kWarps];
    const int K = a.K, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    letNextLaunch();
    prefetchShare(a.prefetch);

    // 0. Each warp takes the rows warp + 8·block, + 8·grid, ... (the grid is what fits on the GPU at
    //    once, so that step 1 runs once per block).  The first batch of weights is requested before
    //    anything the previous kernel writes is read: the loads overlap that kernel's tail and step 1.
    constexpr int NR = kMode == int(GemvMode::SiluMul) ? 2 : 1;   // gate and up rows read together
    using Reader = typename ReaderOf<T, kInt4, NR>::type;
    const int rowStride = gridDim.x * kWarps;
    int row = blockIdx.x * kWarps + warp, m = 0, r = 0;
    locateRow<kMode>(a, row, m, r);
    Reader rd = readerFor<kMode, Reader>(a, m, r, K);
    typename Reader::Batch cur;
    rd.load(cur, row < totalRows ? lane : rd.n);
    waitForPrevious();
    loadInput(a, xs, red);

    // 2. This warp's rows, one batch in flight while the one before is multiplied; the next batch is
    //    the row's next chunks or the first chunks of the warp's next row.
    float acc[NR];
#pragma unroll
    for (int j = 0; j < NR; ++j)
        acc[j] = 0.f;
    int i = lane;
    while (row < totalRows) {
        int nrow = row, ni = i + Reader::kStep, nm = m, nr = r;
        Reader nrd = rd;
        if (ni - lane >= rd.n) {   // warp-uniform
            nrow = row + rowStride;
            ni = lane;
            locateRow<kMode>(a, nrow, nm, nr);
            nrd = readerFor<kMode, Reader>(a, nm, nr, K);
        }
        typename Reader::Batch next;
        nrd.load(next, nrow < totalRows ? ni : nrd.n);   // chunks past the row read as zeros without a load
        rd.dot(cur, i, xs, acc);
        if (nrow != row) {
            storeRow<T, kMode, NR>(a, m, r, acc, lane);
#pragma unroll
            for (int j = 0; j < NR; ++j)
                acc[j] = 0.f;
        }
        row = nrow;
        i = ni;
        m = nm;
        r = nr;
        rd = nrd;
        cur = next;
    }
}

// ---- 4-bit GEMV with 16-bit activations: tiles of 4 rows ---------------------------------
//
// A block takes a tile of kTileRows consecutive rows (of gate and up together for SiLU·up) at a
// time; its 8 warps split the tile's inputs, and the partial sums meet in shared memory.  In a
// warp, lane = 8·(row in tile) + c: each step, lane takes 16-byte chunk 8·step + c of its row (32
// codes, inside one group since groups are multiples of 32).  So one warp-wide load covers 4 rows ×
// 128 contiguous bytes, the scales and zero points of those 4 rows sit side by side (one or two
// sectors per load instead of eight), and the 8 chunks of x a step needs are read by 4 lanes each
// (a shared-memory broadcast).  Tiles are handed out round robin over a grid that fits on the GPU
// at once, so every SM gets the same number of tiles (± 1) and the block builds x once.
//
// Arithmetic: x, scaled by a power of two into |x| < 128, is stored as fp16 pairs (x_i, x_{i+4}) of
// every 8 inputs (exact for bf16 and fp16 inputs in range), 16 bytes per 8 inputs with one padding
// slot after every 4 (no bank conflicts).  For a code word w, w & 0x000F000F | 0x64006400 is the
// fp16 pair (1024 + q_0, 1024 + q_4) and w & 0x00F000F0 | 0x64006400 is (1024 + 16 q_1, 1024 + 16 q_5);
// minus (1024 + z), or times 1/16 minus (64 + z), gives q − z exactly (the trick of the Marlin and
// FasterTransformer kernels).  16 products accumulate in fp16 (|sum| < 15·128·16 < 65504); the
// chunk's sum is scaled in fp32.
constexpr int kTileRows = 4;
constexpr int kLanesPerRow = 32 / kTileRows;
// Tuning (decode_step_bench on the H200); the macros let the bench build variants side by side.
#ifndef SLIMBENCH_TILE_BYTES
#define SLIMBENCH_TILE_BYTES 64
#endif
#ifndef SLIMBENCH_TILE_MIN_BLOCKS
#define SLIMBENCH_TILE_MIN_BLOCKS 2
#endif
constexpr int kTileBytes = SLIMBENCH_TILE_BYTES;          // bytes of codes per lane and batch in flight, all matrices
constexpr int kTileMinBlocks = SLIMBENCH_TILE_MIN_BLOCKS;  // blocks per SM the registers must allow

template <int NR>
struct Int4Tile {
    static constexpr int U = kTileBytes / 16 / NR;   // 16-byte steps per batch
    uint4 w[NR][U];
    uint32_t zero[NR][U];   // the int32 of qzeros holding the row's zero point
    __half scale[NR][U];
};

/// The rows of one tile as this lane reads them, set up once per tile so that a batch costs few
/// integer instructions: the lane's first chunk of codes, its row's qzeros word and scale in group 0
/// (group g lies g·rows/8 and g·rows further on), and the group of chunk c as (32 c) >> shift.
/// kStrided (groups that divide 256 inputs, or one group per row): batch k of the lane starts
/// 256·k inputs further on, so its group is a fixed number of groups further on — z and s then
/// point at the lane's own first group and a batch adds k·zStep and k·sStep.
template <int NR>
struct TileRows {
    const uint4* w[NR];
    const int32_t* z[NR];
    const __half* s[NR];
    int rows[NR], group[NR], shift[NR];   // shift −1: a group that is not a power of two (division)
    int zStep[NR], sStep[NR];             // kStrided: qzeros ints and scales per batch of the lane
    int zeroShift;                        // bit offset of the row's zero point in its qzeros word
};

template <int NR, bool kStrided = false>
__device__ __forceinline__ TileRows<NR> tileOf(const Rows (&m)[NR], int r, int n) {
    const int lane = threadIdx.x & 31, rr = r + lane / kLanesPerRow, c8 = lane % kLanesPerRow;
    TileRows<NR> t;
#pragma unroll
    for (int j = 0; j < NR; ++j) {
        const bool one = m[j].group >= 32 * n;   // one group per row: always group 0
        t.w[j] = static_cast<const uint4*>(m[j].weight) + size_t(rr) * n + c8;
        t.z[j] = m[j].qzeros + (rr >> 3);
        t.s[j] = m[j].scales + rr;
        t.rows[j] = m[j].rows;
        t.group[j] = m[j].group;
        t.shift[j] = one ? 30 : m[j].groupShift;
        if constexpr (kStrided) {
            const int g0 = (c8 * 32) >> t.shift[j], per = one ? 0 : 256 >> t.shift[j];   // groups per batch
            t.z[j] += g0 * (m[j].rows >> 3);
            t.s[j] += g0 * m[j].rows;
            t.zStep[j] = per * (m[j].rows >> 3);
            t.sStep[j] = per * m[j].rows;
        }
    }
    t.zeroShift = 4 * (rr & 7);
    return t;
}

/// Loads steps s·U .. s·U + U − 1 of tile t (nothing when `valid` is false; chunks past the row's
/// end are skipped, and dotTile skips them too).
template <int NR, bool kStrided = false>
__device__ __forceinline__ void loadTile(Int4Tile<NR>& b, const TileRows<NR>& t, int s, int n, bool valid) {
    const int c8 = threadIdx.x & (kLanesPerRow - 1);
#pragma unroll
    for (int u = 0; u < Int4Tile<NR>::U; ++u) {
        const int k = s * Int4Tile<NR>::U + u, ci = k * kLanesPerRow, c = ci + c8;
        if (valid && c < n)
#pragma unroll
            for (int j = 0; j < NR; ++j) {
                b.w[j][u] = __ldcs(t.w[j] + ci);
                if constexpr (kStrided) {
                    b.zero[j][u] = static_cast<uint32_t>(__ldg(t.z[j] + k * t.zStep[j]));
                    b.scale[j][u] = __ldg(t.s[j] + k * t.sStep[j]);
                } else {
                    const int g = t.shift[j] >= 0 ? (c * 32) >> t.shift[j] : c * 32 / t.group[j];
                    b.zero[j][u] = static_cast<uint32_t>(__ldg(t.z[j] + g * (t.rows[j] >> 3)));
                    b.scale[j][u] = __ldg(t.s[j] + g * t.rows[j]);
                }
            }
    }
}

/// (w & kMask) | 0x64006400 in one instruction (lop3 with the truth table of (a & b) | c: 0xea).
template <uint32_t kMask>
__device__ __forceinline__ uint32_t nibblesAsHalf(uint32_t w) {
    uint32_t d;
    asm("lop3.b32 %0, %1, %2, %3, 0xea;" : "=r"(d) : "r"(w), "n"(kMask), "n"(0x64006400u));
    return d;
}

/// The codes of chunk u of a batch as (q − z) fp16 pairs in the order of the x pairs (see above).
template <int NR>
__device__ __forceinline__ void dequantChunk(const Int4Tile<NR>& b, int j, int u, int zeroShift, __half2 (&d)[4][4]) {
    const __half2 sixteenth = __float2half2_rn(1.f / 16.f), k960 = __float2half2_rn(960.f);
    const uint32_t z = nibblesAsHalf<0xFu>(b.zero[j][u] >> zeroShift);   // low half: 1024 + z
    const __half2 zLo = asHalf2(__byte_perm(z, 0, 0x1010));               // (1024 + z) twice
    const __half2 zHi = __hsub2(k960, zLo);                                // −(64 + z)
    const uint32_t words[4] = {b.w[j][u].x, b.w[j][u].y, b.w[j][u].z, b.w[j][u].w};
#pragma unroll
    for (int q = 0; q < 4; ++q) {
        const uint32_t w0 = words[q], w1 = words[q] >> 8;
        d[q][0] = __hsub2(asHalf2(nibblesAsHalf<0x000F000Fu>(w0)), zLo);
        d[q][1] = __hfma2(asHalf2(nibblesAsHalf<0x00F000F0u>(w0)), sixteenth, zHi);
        d[q][2] = __hsub2(asHalf2(nibblesAsHalf<0x000F000Fu>(w1)), zLo);
        d[q][3] = __hfma2(asHalf2(nibblesAsHalf<0x00F000F0u>(w1)), sixteenth, zHi);
    }
}

/// Σ over the chunk of (q − z)·x in fp16 (16 products; see above), x pairs from `xb` (4 slots).
__device__ __forceinline__ float chunkDot(const __half2 (&d)[4][4], const uint4 (&xv)[4]) {
    __half2 a = __float2half2_rn(0.f);
#pragma unroll
    for (int q = 0; q < 4; ++q) {
        a = __hfma2(d[q][0], asHalf2(xv[q].x), a);
        a = __hfma2(d[q][1], asHalf2(xv[q].y), a);
        a = __hfma2(d[q][2], asHalf2(xv[q].z), a);
        a = __hfma2(d[q][3], asHalf2(xv[q].w), a);
    }
    const float2 f = __half22float2(a);
    return f.x + f.y;
}

template <int NR>
__device__ __forceinline__ void dotTile(const Int4Tile<NR>& b, int zeroShift, int s, int n, const uint4* xh,
                                        float (&acc)[NR]) {
    const int c8 = threadIdx.x & (kLanesPerRow - 1);
#pragma unroll
    for (int u = 0; u < Int4Tile<NR>::U; ++u) {
        const int c = (s * Int4Tile<NR>::U + u) * kLanesPerRow + c8;
        if (c >= n)
            break;
        const uint4* xb = xh + 5 * c;   // block 4c + t sits in slot (4c + t) + (4c + t) / 4
        uint4 xv[4];
#pragma unroll
        for (int q = 0; q < 4; ++q)
            xv[q] = xb[q];
#pragma unroll
        for (int j = 0; j < NR; ++j) {
            __half2 d[4][4];
            dequantChunk(b, j, u, zeroShift, d);
            acc[j] = fmaf(__half2float(b.scale[j][u]), chunkDot(d, xv), acc[j]);
        }
    }
}

/// x (K values of T, 16-byte aligned) times `sc` as the fp16 pairs the tile kernels read: for every 8
/// inputs the pairs (x_i, x_{i+4}), 16 bytes, one padding slot after every 4 (the block's threads share
/// the work).
template <typename T>
__device__ __forceinline__ void storeHalfPairs(const T* x, int K, float sc, uint4* xh) {
    for (int b = threadIdx.x; b < K / 8; b += kThreads) {
        float f[8];
        load8(x, b * 8, f);
        uint4 o;
        const __half2 p0 = __floats2half2_rn(f[0] * sc, f[4] * sc), p1 = __floats2half2_rn(f[1] * sc, f[5] * sc),
                      p2 = __floats2half2_rn(f[2] * sc, f[6] * sc), p3 = __floats2half2_rn(f[3] * sc, f[7] * sc);
        memcpy(&o.x, &p0, 4);
        memcpy(&o.y, &p1, 4);
        memcpy(&o.z, &p2, 4);
        memcpy(&o.w, &p3, 4);
        xh[b + (b >> 2)] = o;
    }
}

/// The 8 lanes of each row of a tile sum their partial dot products (every lane ends with its row's sums).
template <int N>
__device__ __forceinline__ void sumRowLanes(float (&acc)[N]) {
#pragma unroll
    for (int j = 0; j < N; ++j)
#pragma unroll
        for (int o = 1; o < kLanesPerRow; o <<= 1)
            acc[j] += __shfl_xor_sync(0xffffffffu, acc[j], o);
}

/// sumRowLanes, then lane 8·row writes sum j of its row to out[j · kTileRows + row].
template <int N>
__device__ __forceinline__ void tileRowSums(float (&acc)[N], float* out) {
    const int lane = threadIdx.x & 31;
    sumRowLanes(acc);
    if (lane % kLanesPerRow == 0)
#pragma unroll
        for (int j = 0; j < N; ++j)
            out[j * kTileRows + lane / kLanesPerRow] = acc[j];
}

/// The tile's matrices: the stacked matrix holding row `row` (q/k/v), or gate and up.
template <int kMode, int NR>
__device__ __forceinline__ void tileRows(const GemvArgs& a, int row, Rows (&rows)[NR], int& r) {
    int m = 0;
    locateRow<kMode>(a, row, m, r);
    rows[0] = rowsOf(m == 0 ? a.mats[0] : m == 1 ? a.mats[1] : a.mats[2]);
    if constexpr (NR == 2)
        rows[1] = rowsOf(a.mats[1]);
}

template <typename T, int kMode, bool kStrided>
__global__ void __launch_bounds__(kThreads, kTileMinBlocks) gemvInt4TileKernel(const GemvArgs a, int tiles, int split) {
    extern __shared__ __align__(16) unsigned char smemRaw[];
    T* xs = reinterpret_cast<T*>(smemRaw);
    __shared__ float red[kWarps];
    constexpr int NR = kMode == int(GemvMode::SiluMul) ? 2 : 1;
    __shared__ float part[2][kWarps][NR * kTileRows];
    const int K = a.K, lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int n = K / 32, steps = (n + kLanesPerRow * Int4Tile<NR>::U - 1) / (kLanesPerRow * Int4Tile<NR>::U);
    // A block takes G = 8 / split tiles per round; warp w works on tile w / split of the round, on
    // steps w % split, + split, ...
    const int perRound = kWarps / split, sub = warp / split, first = warp % split;
    const int roundStride = gridDim.x * perRound;
    letNextLaunch();
    prefetchShare(a.prefetch);

    // The first batch before the wait (it overlaps the previous kernel's tail and the input).
    int base = blockIdx.x * perRound, r = 0;
    Rows rows[NR];
    tileRows<kMode>(a, (base + sub) * kTileRows, rows, r);
    TileRows<NR> t = tileOf<NR, kStrided>(rows, r, n);
    Int4Tile<NR> cur;
    loadTile<NR, kStrided>(cur, t, first, n, base + sub < tiles && first < steps);
    waitForPrevious();
    // x as scaled fp16 pairs with padding slots (see above); 1 / scale multiplies the sums.
    const float mx = loadInput<T, true>(a, xs, red);
    int ex = 0;
    if (mx > 0.f)
        frexpf(mx, &ex);   // mx = f · 2^ex, f in [0.5, 1)
    const float sc = ldexpf(1.f, 7 - ex), xhInv = ldexpf(1.f, ex - 7);
    uint4* xh = reinterpret_cast<uint4*>(smemRaw + size_t(K) * sizeof(T));
    storeHalfPairs(xs, K, sc, xh);
    __syncthreads();

    // Each warp keeps the next batch (its tile's next step, or its first step of the next round's
    // tile) in flight while it multiplies the current one.
    int buf = 0;
    for (; base < tiles; base += roundStride) {
        const int tile = base + sub, nextTile = tile + roundStride;
        Rows nrows[NR];
        int nr = 0;
        tileRows<kMode>(a, nextTile * kTileRows, nrows, nr);   // past the end: nothing is loaded
        const TileRows<NR> nt = tileOf<NR, kStrided>(nrows, nr, n);
        float acc[NR];
#pragma unroll
        for (int j = 0; j < NR; ++j)
            acc[j] = 0.f;
        if (tile < tiles)
            for (int s = first; s < steps; s += split) {
                Int4Tile<NR> next;
                if (s + split < steps)   // warp-uniform
                    loadTile<NR, kStrided>(next, t, s + split, n, true);
                else
                    loadTile<NR, kStrided>(next, nt, first, n, nextTile < tiles);
                dotTile(cur, t.zeroShift, s, n, xh, acc);
                cur = next;
            }
        if (split == 1) {
            // The warp had the whole tile: lane 8·row writes its row, and no barrier holds the block's
            // other warps.
            sumRowLanes(acc);
            if (tile < tiles && lane % kLanesPerRow == 0) {
                int tm = 0, tr = 0;
                locateRow<kMode>(a, tile * kTileRows, tm, tr);
                writeRow<T, kMode>(a, tm, tr + lane / kLanesPerRow, acc[0] * xhInv, NR == 2 ? acc[NR - 1] * xhInv : 0.f);
            }
            t = nt;
            continue;
        }
        // The split warps' sums meet in shared memory (two buffers: one barrier per round).
        tileRowSums(acc, part[buf][warp]);
        __syncthreads();
        if (warp == 0 && lane < perRound * kTileRows && base + lane / kTileRows < tiles) {
            const int tt = lane / kTileRows, row = lane % kTileRows;
            int tm = 0, tr = 0;
            locateRow<kMode>(a, (base + tt) * kTileRows, tm, tr);
            float y = 0.f, u = 0.f;
            for (int w = tt * split; w < (tt + 1) * split; ++w) {
                y += part[buf][w][row];
                if constexpr (NR == 2)
                    u += part[buf][w][kTileRows + row];
            }
            writeRow<T, kMode>(a, tm, tr + row, y * xhInv, u * xhInv);
        }
        buf ^= 1;
        t = nt;
    }
}

template <auto kernel>
int residentBlocks(size_t smem);

// ---- 4-bit GEMV over 2-4 activation rows (batched decode outside the fused step) ---------------
//
// The tiles and arithmetic of gemvInt4TileKernel, each chunk of codes de-quantized once and multiplied
// with every row of x (each row scaled by its own power of two); all 8 warps of a block split each
// tile's inputs.  Plain y = x·Wᵀ (+ bias), no norm, no epilogue.

/// acc[v] += the chunk's dot products with row v of x (fp16 pairs, `slots` 16-byte slots per row).
template <int NB>
__device__ __forceinline__ void dotTileRows(const Int4Tile<1>& b, int zeroShift, int s, int n, const uint4* xh,
                                            int slots, float (&acc)[NB]) {
    const int c8 = threadIdx.x & (kLanesPerRow - 1);
#pragma unroll
    for (int u = 0; u < Int4Tile<1>::U; ++u) {
        const int c = (s * Int4Tile<1>::U + u) * kLanesPerRow + c8;
        if (c >= n)
            break;
        __half2 d[4][4];
        dequantChunk(b, 0, u, zeroShift, d);
        const float sc = __half2float(b.scale[0][u]);
#pragma unroll
        for (int v = 0; v < NB; ++v) {
            const uint4* xb = xh + size_t(v) * slots + 5 * c;
            uint4 xv[4];
#pragma unroll
            for (int q = 0; q < 4; ++q)
                xv[q] = xb[q];
            acc[v] = fmaf(sc, chunkDot(d, xv), acc[v]);
        }
    }
}

template <typename T, int NB>
__global__ void __launch_bounds__(kThreads) gemvInt4RowsKernel(const T* x, int K, const MatView mv, int tiles) {
    extern __shared__ __align__(16) unsigned char smemRaw[];
    __shared__ float part[2][kWarps][NB * kTileRows];
    __shared__ float amax[NB][kWarps], rowInv[NB];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, n = K / 32;
    const int steps = (n + kLanesPerRow * Int4Tile<1>::U - 1) / (kLanesPerRow * Int4Tile<1>::U);
    const int slots = K / 8 + K / 32;
    const Rows rows[1] = {rowsOf(mv)};
    int tile = blockIdx.x;
    TileRows<1> t = tileOf(rows, tile * kTileRows, n);
    Int4Tile<1> cur;
    loadTile(cur, t, warp, n, tile < tiles && warp < steps);

    // The rows of x as scaled fp16 pairs (see gemvInt4TileKernel), one scale per row.
#pragma unroll
    for (int v = 0; v < NB; ++v) {
        float m = 0.f;
        for (int k = threadIdx.x; k < K; k += kThreads)
            m = fmaxf(m, fabsf(Num<T>::get(x[size_t(v) * K + k])));
        m = warpMax(m);
        if (lane == 0)
            amax[v][warp] = m;
    }
    __syncthreads();
    uint4* xh = reinterpret_cast<uint4*>(smemRaw);
#pragma unroll
    for (int v = 0; v < NB; ++v) {
        float mx = 0.f;
#pragma unroll
        for (int w = 0; w < kWarps; ++w)
            mx = fmaxf(mx, amax[v][w]);
        int ex = 0;
        if (mx > 0.f)
            frexpf(mx, &ex);
        const float sc = ldexpf(1.f, 7 - ex);
        if (threadIdx.x == 0)
            rowInv[v] = ldexpf(1.f, ex - 7);
        storeHalfPairs(x + size_t(v) * K, K, sc, xh + size_t(v) * slots);
    }
    __syncthreads();

    T* out = static_cast<T*>(mv.out);
    const T* bias = static_cast<const T*>(mv.bias);
    int buf = 0;
    for (; tile < tiles; tile += gridDim.x) {
        const int nextTile = tile + gridDim.x;
        const TileRows<1> nt = tileOf(rows, nextTile * kTileRows, n);
        float acc[NB];
#pragma unroll
        for (int v = 0; v < NB; ++v)
            acc[v] = 0.f;
        for (int s = warp; s < steps; s += kWarps) {
            Int4Tile<1> next;
            if (s + kWarps < steps)   // warp-uniform
                loadTile(next, t, s + kWarps, n, true);
            else
                loadTile(next, nt, warp, n, nextTile < tiles);
            dotTileRows<NB>(cur, t.zeroShift, s, n, xh, slots, acc);
            cur = next;
        }
        tileRowSums(acc, part[buf][warp]);
        __syncthreads();
        if (threadIdx.x < NB * kTileRows) {
            const int v = threadIdx.x / kTileRows, r = tile * kTileRows + threadIdx.x % kTileRows;
            float y = 0.f;
#pragma unroll
            for (int w = 0; w < kWarps; ++w)
                y += part[buf][w][threadIdx.x];
            y *= rowInv[v];
            if (bias)
                y += Num<T>::get(bias[r]);
            out[size_t(v) * mv.rows + r] = Num<T>::put(y);
        }
        buf ^= 1;
        t = nt;
    }
}

template <typename T, int NB>
void launchInt4Rows(const T* x, int K, const MatView& m, cudaStream_t stream) {
    const size_t smem = size_t(NB) * (K / 8 + K / 32) * 16;
    constexpr auto kernel = gemvInt4RowsKernel<T, NB>;
    const int tiles = m.rows / kTileRows;
    const int blocks = std::min(tiles, residentBlocks<kernel>(smem));
    kernel<<<blocks, kThreads, smem, stream>>>(x, K, m, tiles);
}

template <typename T>
void int4Rows(const void* xv, int batch, int K, const MatView& m, cudaStream_t stream) {
    const T* x = static_cast<const T*>(xv);
    for (int b0 = 0; b0 < batch; b0 += 4) {
        MatView part = m;
        part.out = static_cast<T*>(m.out) + size_t(b0) * m.rows;
        const T* xb = x + size_t(b0) * K;
        switch (std::min(4, batch - b0)) {
        case 1: launchInt4Rows<T, 1>(xb, K, part, stream); break;
        case 2: launchInt4Rows<T, 2>(xb, K, part, stream); break;
        case 3: launchInt4Rows<T, 3>(xb, K, part, stream); break;
        default: launchInt4Rows<T, 4>(xb, K, part, stream); break;
        }
    }
}

} // namespace

PrefetchPlan parsePrefetchPlan(const char* text) {
    PrefetchPlan plan;
    const std::string v = text ? text : "";
    for (size_t p = 0; p < v.size();) {
        const size_t e = std::min(v.find(',', p), v.size());
        const std::string t = v.substr(p, e - p);
        if (t == "o")
            plan.oInAttention = true;
        else if (t == "qkv")
            plan.qkvInDown = true;
        else if (t.rfind("gu:", 0) == 0)
            plan.gateUpInO = std::atof(t.c_str() + 3);
        p = e + 1;
    }
    return plan;
}

namespace {

/// As many blocks of `kernel` as fit on the GPU at once with `smem` bytes of dynamic shared memory,
/// cached per size.  Above 48 KiB the kernel opts in to the largest size asked so far (once per size,
/// before any graph capture: the first step runs eagerly).
template <auto kernel>
int residentBlocks(size_t smem) {
    static std::mutex mutex;
    static std::map<size_t, int> resident;
    static size_t optedIn = 48 * 1024;
    const std::lock_guard<std::mutex> lock(mutex);
    if (const auto it = resident.find(smem); it != resident.end())
        return it->second;
    if (smem > optedIn) {
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
        optedIn = smem;
    }
    int device = 0, sms = 0, perSm = 0;
    cudaGetDevice(&device);
    cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, kernel, kThreads, smem);
    return resident[smem] = std::max(1, sms * std::max(1, perSm));
}

/// Whether the tile GEMV may step its zero points and scales by a fixed stride (see TileRows): every
/// matrix's group divides 256 inputs or spans the row.  On by default (H200, 8B int4 step 464.7 →
/// 479.2 tok/s); SLIMBENCH_TILE_STRIDED=0 keeps the general addressing for every group size.
bool stridedTiles(const GemvArgs& a) {
    static const bool on = !envIs("SLIMBENCH_TILE_STRIDED", "0");
    if (!on)
        return false;
    const int count = a.mode == GemvMode::SiluMul ? 2 : a.numMats;   // gate and up
    for (int i = 0; i < count; ++i) {
        const int g = a.mats[i].group;
        if (g < a.K && !(g >= 32 && g <= 256 && (g & (g - 1)) == 0))
            return false;
    }
    return true;
}

/// The 4-bit tile GEMV over `total` rows (NR matrices per tile): as many blocks as fit, warps per tile
/// by tileSplit.
template <auto kernel, int NR>
void launchTiles(const GemvArgs& a, int total, size_t smem, cudaStream_t stream) {
    const int resident = residentBlocks<kernel>(smem);
    const int tiles = total / kTileRows;
    const int per = kLanesPerRow * Int4Tile<NR>::U;   // chunks of a row per batch
    const int split = tileSplit(tiles, resident, (a.K / 32 + per - 1) / per);
    const int blocks = std::min(resident, (tiles + kWarps / split - 1) / (kWarps / split));
    launch(kernel, dim3(blocks), dim3(kThreads), smem, stream, a, tiles, split);
}

template <typename T, bool kInt4, int kMode>
void launchGemv(const GemvArgs& a, cudaStream_t stream) {
    int total = a.mats[0].rows;
    if (kMode == int(GemvMode::Plain))
        for (int i = 1; i < a.numMats; ++i)
            total += a.mats[i].rows;
    if constexpr (kHalfInt4<T, kInt4>) {
        const size_t smem = size_t(a.K) * sizeof(T) + size_t(a.K / 8 + a.K / 32) * 16;   // x, then its fp16 pairs
        constexpr int NR = kMode == int(GemvMode::SiluMul) ? 2 : 1;
        if (stridedTiles(a))
            launchTiles<gemvInt4TileKernel<T, kMode, true>, NR>(a, total, smem, stream);
        else
            launchTiles<gemvInt4TileKernel<T, kMode, false>, NR>(a, total, smem, stream);
    } else {
        const size_t smem = size_t(a.K) * sizeof(T);
        constexpr auto kernel = gemvKernel<T, kInt4, kMode>;
        const int blocks = std::min((total + kWarps - 1) / kWarps, residentBlocks<kernel>(smem));
        launch(kernel, dim3(blocks), dim3(kThreads), smem, stream, a, total);
    }
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

/// RoPE as transformers applies it: q·cos + rotate_half(q)·sin, with cos and sin of pos · inv_freq in
/// fp32 rounded to T, and every product and the sum rounded to T.  ropeAngle gives (cos, sin) of pair
/// i = 0 .. D/2 − 1, ropeRotate the pair (x_i, x_{i + D/2}).
template <typename T>
__device__ __forceinline__ void ropeAngle(int64_t pos, float invFreq, float& c, float& s) {
    const float f = float(pos) * invFreq;
    c = Num<T>::round(cosf(f));
    s = Num<T>::round(sinf(f));
}
template <typename T>
__device__ __forceinline__ void ropeRotate(float x1, float x2, float c, float s, float& o1, float& o2) {
    o1 = Num<T>::round(Num<T>::round(x1 * c) + Num<T>::round(-x2 * s));
    o2 = Num<T>::round(Num<T>::round(x2 * c) + Num<T>::round(x1 * s));
}

template <typename T>
__global__ void ropeKvKernel(const RopeKvArgs a) {
    letNextLaunch();
    waitForPrevious();
    const int head = blockIdx.x, D = a.headDim, half = D / 2;
    const int64_t pos = *a.position;
    T* src = static_cast<T*>(a.qkv) + size_t(head) * D;
    if (head < a.heads + a.kvHeads) {
        T* dst = head < a.heads ? src
                                : static_cast<T*>(a.keyCache) + (size_t(head - a.heads) * a.capacity + size_t(pos)) * D;
        for (int i = threadIdx.x; i < half; i += blockDim.x) {
            float c, sn, o1, o2;
            ropeAngle<T>(pos, a.invFreq[i], c, sn);
            ropeRotate<T>(Num<T>::get(src[i]), Num<T>::get(src[i + half]), c, sn, o1, o2);
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

/// Block (kv head, split), 128 threads: the keys [split·S, (split+1)·S) ∩ [window start, position] for
/// the G query heads that share the kv head (GQA), each K and V row read once.  Every phase issues all
/// its loads before it uses one (a latency round each, instead of one per key):
///   1. the KT = 128 / S threads of key k each take 1/KT of its row: partial scores against the G
///      query rows (shared), summed across the KT lanes;
///   2. warp w takes heads w, w + 4: the block's max and Σ exp for each head (one key per lane);
///   3. thread (column group, slice) takes 16 bytes of V columns for the keys slice, slice + slices, ...
///      and accumulates p·v for every head; the slices are summed through shared memory.
/// The block writes (max, Σ p, Σ p·v) unnormalised per head to the scratch; empty splits write max
/// = -inf (the combine skips them).

/// Head h's output from the splits' partial results: out_h = Σ_s e^(M_s − M)·A_s / Σ_s e^(M_s − M)·L_s;
/// the splits' (M, L) are read in parallel first, then every thread's columns with all loads independent.
/// The block's threads (a multiple of 32) share it; `weight` holds numSplits floats, `red` 32.  The
/// partials are read from L2 (__ldcg: other blocks wrote them).
template <typename T>
__device__ void combineHead(const AttentionArgs& a, int numSplits, int h, float* weight, float* red, bool early = false) {
    const int D = a.headDim, lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x / 32;
    const float* base = a.scratch + size_t(h) * numSplits * (D + 2);
    // `early` with one column per thread: the first kHeld splits' sums of this thread's column are
    // loaded together with the (M, L) pairs instead of after the weights (the same sum, same order).
    constexpr int kHeld = 16;
    const bool held = early && int(blockDim.x) >= D && int(threadIdx.x) < D;
    float sums[kHeld];
    if (held)
#pragma unroll
        for (int s = 0; s < kHeld; ++s)
            sums[s] = s < numSplits ? __ldcg(base + size_t(s) * (D + 2) + 2 + threadIdx.x) : 0.f;
    float m = negInf();
    for (int s = threadIdx.x; s < numSplits; s += blockDim.x) {
        weight[s] = __ldcg(base + size_t(s) * (D + 2));
        m = fmaxf(m, weight[s]);
    }
    m = warpMax(m);
    if (lane == 0)
        red[warp] = m;
    __syncthreads();
    m = red[0];
    for (int w = 1; w < warps; ++w)
        m = fmaxf(m, red[w]);
    float l = 0.f;
    for (int s = threadIdx.x; s < numSplits; s += blockDim.x) {
        const float e = weight[s] == negInf() ? 0.f : expf(weight[s] - m);
        weight[s] = e;
        l += e * __ldcg(base + size_t(s) * (D + 2) + 1);
    }
    l = warpSum(l);
    __syncthreads();   // everyone has read red[] before it is reused
    if (lane == 0)
        red[warp] = l;
    __syncthreads();
    l = 0.f;
    for (int w = 0; w < warps; ++w)
        l += red[w];
    T* out = static_cast<T*>(a.out) + size_t(h) * D;
    for (int d = threadIdx.x; d < D; d += blockDim.x) {
        float A = 0.f;
        int s = 0;
        if (held) {
#pragma unroll
            for (int i = 0; i < kHeld; ++i)
                if (i < numSplits)
                    A = fmaf(weight[i], sums[i], A);
            s = kHeld;
        }
#pragma unroll 4
        for (; s < numSplits; ++s)
            A = fmaf(weight[s], __ldcg(base + size_t(s) * (D + 2) + 2 + d), A);
        out[d] = Num<T>::put(A / l);
    }
    __syncthreads();   // weight[] and red[] free for the next head
}

/// The G query heads of kv head `kvh` from the splits' partial results, all heads at once (the fused
/// combine's last block): every (max, Σ p) pair loaded in one round, one warp per head for the weights
/// e^(M_s − M) and the sum, then each thread's outputs with all their loads independent.  Same formula
/// as combineHead.  `smem` holds 2·G·numSplits + G floats.
template <typename T>
__device__ void combineGroup(const AttentionArgs& a, int numSplits, int kvh, int G, float* smem) {
    const int D = a.headDim, t = threadIdx.x, lane = t & 31, warp = t >> 5, warps = blockDim.x / 32;
    float* wt = smem;                      // (G, numSplits) maxima, then weights
    float* ls = wt + G * numSplits;        // (G, numSplits) Σ p of each split
    float* total = ls + G * numSplits;     // (G) Σ_s weight·L_s
    const float* base = a.scratch + size_t(kvh) * G * numSplits * (D + 2);   // head h, split s: + (h·numSplits + s)·(D + 2)
    for (int i = t; i < G * numSplits; i += blockDim.x) {
        wt[i] = __ldcg(base + size_t(i) * (D + 2));
        ls[i] = __ldcg(base + size_t(i) * (D + 2) + 1);
    }
    __syncthreads();
    for (int h = warp; h < G; h += warps) {
        float m = negInf();
        for (int s = lane; s < numSplits; s += 32)
            m = fmaxf(m, wt[h * numSplits + s]);
        m = warpMax(m);
        float l = 0.f;
        for (int s = lane; s < numSplits; s += 32) {
            const float v = wt[h * numSplits + s];
            const float e = v == negInf() ? 0.f : expf(v - m);
            wt[h * numSplits + s] = e;
            l += e * ls[h * numSplits + s];
        }
        l = warpSum(l);
        if (lane == 0)
            total[h] = l;
    }
    __syncthreads();
    T* out = static_cast<T*>(a.out) + size_t(kvh) * G * D;
    for (int i = t; i < G * D; i += blockDim.x) {
        const int h = i / D, d = i % D;
        const float* col = base + size_t(h) * numSplits * (D + 2) + 2 + d;
        const float* w = wt + h * numSplits;
        float A = 0.f;
#pragma unroll 8
        for (int s = 0; s < numSplits; ++s)
            A = fmaf(w[s], __ldcg(col + size_t(s) * (D + 2)), A);
        out[i] = Num<T>::put(A / total[h]);
    }
}

/// With counters (AttentionArgs::counters): the split block that finishes last for its kv head combines
/// the head's G query heads (the "last block" pattern: every block's partials made visible with a fence
/// before it takes its ticket).  All threads of the block call it.
template <typename T>
__device__ void finishSplit(const AttentionArgs& a, int numSplits, int kvh, int G, bool fused, float* smem) {
    if (!fused)
        return;
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0)
        last = atomicAdd(a.counters + kvh, 1u) == unsigned(numSplits - 1);
    __syncthreads();
    if (!last)
        return;
    __threadfence();
    if (threadIdx.x == 0)
        a.counters[kvh] = 0u;   // every block of this kv head has its ticket: zero again for the next launch
    combineGroup<T>(a, numSplits, kvh, G, smem);
}

template <typename T, int D>
__global__ void __launch_bounds__(kAttentionThreads) attentionSplitKernel(const AttentionArgs a, int numSplits, bool fused,
                                                                         bool early) {
    constexpr int S = kAttentionSplit, NT = kAttentionThreads, KT = NT / S, VN = Vec16<T>::N, NC = D / VN;
    constexpr int CG = NC, SL = NT / CG;   // phase 3: column groups, key slices
    static_assert(S == 32 && NT % S == 0 && NC % KT == 0 && CG <= NT, "attention layout");
    extern __shared__ __align__(16) float attnSmem[];
    const int G = a.heads / a.kvHeads;   // <= kMaxAttentionGroup (checked by the caller)
    float* qs = attnSmem;                // (G, D) query rows, scaled
    float* ps = qs + G * D;              // (G, S) scores, then probabilities
    float* red = ps + G * S;             // (SL, G, D) partial p·v
    T* knew = reinterpret_cast<T*>(red + SL * G * D);   // (D) with a.invFreq: the rotated key at the position
    __shared__ float mh[kMaxAttentionGroup], lh[kMaxAttentionGroup];
    letNextLaunch();
    prefetchShare(a.prefetch);
    const int kvh = blockIdx.x, split = blockIdx.y, t = threadIdx.x, lane = t & 31, warp = t >> 5;
    T* kc = static_cast<T*>(a.keyCache) + size_t(kvh) * a.capacity * D;
    T* vc = static_cast<T*>(a.valueCache) + size_t(kvh) * a.capacity * D;
    const int key = t / KT, part = t % KT;
    // The position was set before the step's first kernel, and the rows of the keys before it were
    // written by earlier steps: they can be read before the wait for the previous launch (the q/k/v
    // GEMV, or the RoPE launch, which writes only the row at the position).  `early` loads this thread's K chunks and V columns of those keys into
    // registers there; otherwise they are asked into L2 and loaded after the wait.
    const int pos = int(*a.position), len = pos + 1;
    const int start = a.window > 0 ? max(0, len - a.window) : 0;
    const int c0 = split * S, lo = max(start, c0), hi = min(len, c0 + S);
    constexpr int PC = NC / KT;                  // phase 1: K chunks per thread
    constexpr int PER = (S + SL - 1) / SL;       // phase 3: keys per thread (2-16), all loads in flight
    const int ck = c0 + key, cg = t % CG, slice = t / CG;
    const bool kValid = ck >= lo && ck < hi;
    const uint4* kr = reinterpret_cast<const uint4*>(kc + size_t(kValid ? ck : lo) * D);
    const auto vKey = [&](int u) { return c0 + slice + u * SL; };   // key of V load u (valid: vOk)
    const auto vOk = [&](int u) { return slice < SL && slice + u * SL < S && vKey(u) >= lo && vKey(u) < hi; };
    uint4 kv[PC], vv[PER];
    // With RoPE here and 128 a multiple of D/2, every pair this thread rotates is pair t % (D/2): its
    // angle is worked out before the wait (the position is known).
    constexpr bool kOneAngle = NT % (D / 2) == 0;
    float rc = 0.f, rs = 0.f;
    if (kOneAngle && a.invFreq)
        ropeAngle<T>(pos, a.invFreq[t % (D / 2)], rc, rs);
    if (early) {
        if (kValid && ck < pos)
#pragma unroll
            for (int u = 0; u < PC; ++u)
                kv[u] = kr[part + u * KT];
#pragma unroll
        for (int u = 0; u < PER; ++u)
            if (vOk(u) && vKey(u) < pos)
                vv[u] = reinterpret_cast<const uint4*>(vc + size_t(vKey(u)) * D)[cg];
    } else {
        constexpr int kLines = (D * int(sizeof(T)) + 127) / 128;
        if (ck < a.capacity && ck < pos)
            for (int l = part; l < 2 * kLines; l += KT) {
                const T* row = (l < kLines ? kc : vc) + size_t(ck) * D;
                asm volatile("prefetch.global.L2 [%0];" ::"l"(reinterpret_cast<const char*>(row) + (l % kLines) * 128));
            }
    }
    waitForPrevious();
    float* out = a.scratch + (size_t(kvh) * G * numSplits + split) * (D + 2);   // head h: + h·numSplits·(D + 2)
    if (lo >= hi) {
        if (t < G)
            out[size_t(t) * numSplits * (D + 2)] = negInf();
        finishSplit<T>(a, numSplits, kvh, G, fused, attnSmem);
        return;
    }
    const T* qg = static_cast<const T*>(a.q) + size_t(kvh) * G * D;
    // With a.invFreq, q and the key at the position are rotated here (what ropeKv would have written),
    // and the block holding the position writes that key and value into the cache.
    const bool rope = a.invFreq != nullptr, hasPos = rope && pos >= lo && pos < hi;
    if (rope) {
        const int half = D / 2, pairs = (G + (hasPos ? 1 : 0)) * half;
        const T* kraw = static_cast<const T*>(a.q) + size_t(a.heads + kvh) * D;
        T* kdst = kc + size_t(pos) * D;
        for (int i = t; i < pairs; i += NT) {
            const int h = i / half, j = i % half;
            const T* src = h < G ? qg + h * D : kraw;
            float c = rc, sn = rs, o1, o2;
            if (!kOneAngle)
                ropeAngle<T>(pos, a.invFreq[j], c, sn);
            ropeRotate<T>(Num<T>::get(src[j]), Num<T>::get(src[j + half]), c, sn, o1, o2);
            if (h < G) {
                qs[h * D + j] = o1 * a.scale;
                qs[h * D + j + half] = o2 * a.scale;
            } else {
                knew[j] = kdst[j] = Num<T>::put(o1);
                knew[j + half] = kdst[j + half] = Num<T>::put(o2);
            }
        }
    } else {
        for (int i = t; i < G * D; i += NT)
            qs[i] = Num<T>::get(qg[i]) * a.scale;
    }
    __syncthreads();

    // 1. Scores: chunks part, part + KT, ... of the key's row.
    {
        const bool valid = kValid;
        if (hasPos && ck == pos)   // the key just rotated into shared memory
#pragma unroll
            for (int u = 0; u < PC; ++u)
                kv[u] = reinterpret_cast<const uint4*>(knew)[part + u * KT];
        else if (!early || !(kValid && ck < pos))   // the key at the position, or all keys without `early`
#pragma unroll
            for (int u = 0; u < PC; ++u)
                kv[u] = kr[part + u * KT];
        float sc[kMaxAttentionGroup];
#pragma unroll
        for (int h = 0; h < kMaxAttentionGroup; ++h)
            sc[h] = 0.f;
#pragma unroll
        for (int u = 0; u < PC; ++u) {
            float kf[VN];
            Vec16<T>::unpack(kv[u], kf);
            const float* qc = qs + (part + u * KT) * VN;
#pragma unroll
            for (int h = 0; h < kMaxAttentionGroup; ++h)
                if (h < G)
#pragma unroll
                    for (int e = 0; e < VN; ++e)
                        sc[h] = fmaf(qc[h * D + e], kf[e], sc[h]);
        }
#pragma unroll
        for (int h = 0; h < kMaxAttentionGroup; ++h) {
#pragma unroll
            for (int o = KT / 2; o > 0; o >>= 1)
                sc[h] += __shfl_xor_sync(0xffffffffu, sc[h], o);
            if (h < G && part == 0)
                ps[h * S + key] = valid ? sc[h] : negInf();
        }
    }
    __syncthreads();

    // 2. Softmax statistics per head, one key per lane.
    for (int h = warp; h < G; h += NT / 32) {
        const float v = ps[h * S + lane];
        const float m = warpMax(v);
        const float p = v == negInf() ? 0.f : expf(v - m);
        ps[h * S + lane] = p;
        const float l = warpSum(p);
        if (lane == 0) {
            mh[h] = m;
            lh[h] = l;
        }
    }
    __syncthreads();

    // 3. Σ p·v.
    if (slice < SL) {
        float acc[kMaxAttentionGroup][VN];
#pragma unroll
        for (int h = 0; h < kMaxAttentionGroup; ++h)
#pragma unroll
            for (int e = 0; e < VN; ++e)
                acc[h][e] = 0.f;
#pragma unroll
        for (int u = 0; u < PER; ++u)   // all loads in flight at once (held from before the wait with `early`)
            if (!vOk(u)) {
                vv[u] = make_uint4(0, 0, 0, 0);
            } else if (hasPos && vKey(u) == pos) {   // the value at the position: from q/k/v, into the cache
                const T* vraw = static_cast<const T*>(a.q) + size_t(a.heads + a.kvHeads + kvh) * D;
                vv[u] = reinterpret_cast<const uint4*>(vraw)[cg];
                reinterpret_cast<uint4*>(vc + size_t(pos) * D)[cg] = vv[u];
            } else if (!early || vKey(u) >= pos) {
                vv[u] = reinterpret_cast<const uint4*>(vc + size_t(vKey(u)) * D)[cg];
            }
#pragma unroll
        for (int u = 0; u < PER; ++u) {
            const int k = slice + u * SL;
            if (k >= S)
                break;
            float vf[VN];
            Vec16<T>::unpack(vv[u], vf);
#pragma unroll
            for (int h = 0; h < kMaxAttentionGroup; ++h)
                if (h < G) {
                    const float p = ps[h * S + k];
#pragma unroll
                    for (int e = 0; e < VN; ++e)
                        acc[h][e] = fmaf(p, vf[e], acc[h][e]);
                }
        }
#pragma unroll
        for (int h = 0; h < kMaxAttentionGroup; ++h)
            if (h < G)
#pragma unroll
                for (int e = 0; e < VN; ++e)
                    red[(slice * G + h) * D + cg * VN + e] = acc[h][e];
    }
    __syncthreads();
    for (int i = t; i < G * D; i += NT) {
        float A = 0.f;
        for (int sl = 0; sl < SL; ++sl)
            A += red[sl * G * D + i];
        const int h = i / D, d = i % D;
        out[size_t(h) * numSplits * (D + 2) + 2 + d] = A;
    }
    if (t < G) {
        out[size_t(t) * numSplits * (D + 2)] = mh[t];
        out[size_t(t) * numSplits * (D + 2) + 1] = lh[t];
    }
    __syncthreads();   // red[] (in attnSmem) read by all before the combine may reuse it
    finishSplit<T>(a, numSplits, kvh, G, fused, attnSmem);
}

/// Block h: head h's output from the splits' partial results (combineHead).
template <typename T>
__global__ void attentionCombineKernel(const AttentionArgs a, int numSplits, bool early) {
    extern __shared__ float weight[];   // numSplits: e^(M_s − M) / Σ (0 for empty splits)
    __shared__ float red[32];
    letNextLaunch();
    waitForPrevious();
    combineHead<T>(a, numSplits, blockIdx.x, weight, red, early);
}

/// Block h, headDim threads, at most 32 splits: head h's output as combineHead computes it, with every
/// load in one round (lane s holds split s's max and Σ p, each thread all splits' sums of its column) and
/// the max, the weights e^(M_s − M) and Σ_s weight·L_s worked out by every warp for itself with shuffles:
/// no barrier, one trip to L2 instead of three.
template <typename T>
__global__ void attentionCombineWarpKernel(const AttentionArgs a, int numSplits) {
    letNextLaunch();
    waitForPrevious();
    const int h = blockIdx.x, D = a.headDim, d = threadIdx.x, lane = d & 31;
    const float* base = a.scratch + size_t(h) * numSplits * (D + 2);
    float M = negInf(), L = 0.f, A[32];
    if (lane < numSplits) {
        M = __ldcg(base + size_t(lane) * (D + 2));
        L = __ldcg(base + size_t(lane) * (D + 2) + 1);
    }
#pragma unroll
    for (int s = 0; s < 32; ++s)
        A[s] = s < numSplits ? __ldcg(base + size_t(s) * (D + 2) + 2 + d) : 0.f;
    const float m = warpMax(M);
    const float e = M == negInf() ? 0.f : expf(M - m);
    const float l = warpSum(e * L);
    float acc = 0.f;
#pragma unroll
    for (int s = 0; s < 32; ++s) {
        const float w = __shfl_sync(0xffffffffu, e, s);
        if (s < numSplits)
            acc = fmaf(w, A[s], acc);
    }
    static_cast<T*>(a.out)[size_t(h) * D + d] = Num<T>::put(acc / l);
}

/// SLIMBENCH_ATTN_WARP_COMBINE=0 keeps the block-wide combine for up to 32 splits too.
bool warpCombine() {
    static const bool on = !envIs("SLIMBENCH_ATTN_WARP_COMBINE", "0");
    return on;
}

/// The split kernel loads the K and V rows of earlier positions before it waits for the RoPE launch, and
/// the combine loads its first splits' partial sums before the weights.  On by default (H200, 8B shape:
/// attention 9.4 → 8.5 µs per layer); SLIMBENCH_ATTN_EARLY=0 loads everything after the wait.
bool attentionEarly() {
    static const bool on = !envIs("SLIMBENCH_ATTN_EARLY", "0");
    return on;
}

} // namespace

bool fusedAttentionCombine() {
    static const bool on = envIs("SLIMBENCH_ATTN_COMBINE", "fused");
    return on;
}

/// SLIMBENCH_ROPE_IN_ATTN=0 keeps RoPE and the cache write in their own launch (ropeKv).
bool ropeInAttention() {
    static const bool on = !envIs("SLIMBENCH_ROPE_IN_ATTN", "0");
    return on;
}

namespace {

template <typename T, int D>
void launchSplit(const AttentionArgs& a, int splits, cudaStream_t s) {
    const int G = a.heads / a.kvHeads;
    constexpr int SL = kAttentionThreads / (D / Vec16<T>::N);
    const size_t smem = size_t(G * D + G * kAttentionSplit + SL * G * D + D) * sizeof(float);   // + the rotated key
    auto kernel = attentionSplitKernel<T, D>;
    static size_t configured = 48 * 1024;   // above this the kernel must opt in (once, before any graph capture)
    if (smem > configured) {
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
        configured = smem;
    }
    // The fused combine keeps the splits' weights and the reduction slots in the kernel's shared memory.
    const bool fused = fusedAttentionCombine() && a.counters && size_t(2 * G * splits + G) * sizeof(float) <= smem;
    const bool early = attentionEarly();
    launch(kernel, dim3(a.kvHeads, splits), dim3(kAttentionThreads), smem, s, a, splits, fused, early);
    if (fused)
        return;
    if (splits <= 32 && warpCombine())
        launch(attentionCombineWarpKernel<T>, dim3(a.heads), dim3(a.headDim), 0, s, a, splits);
    else
        launch(attentionCombineKernel<T>, dim3(a.heads), dim3(a.headDim), splits * sizeof(float), s, a, splits, early);
}

template <typename T>
void launchAttention(const AttentionArgs& a, cudaStream_t s) {
    const int splits = splitsOf(a.capacity);
    switch (a.headDim) {
    case 64: launchSplit<T, 64>(a, splits, s); break;
    case 96: launchSplit<T, 96>(a, splits, s); break;
    case 128: launchSplit<T, 128>(a, splits, s); break;
    case 256: launchSplit<T, 256>(a, splits, s); break;
    default: return;
    }
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

void gemvInt4Rows(Dtype dtype, const void* x, int batch, int K, const MatView& m, void* stream) {
    const auto s = static_cast<cudaStream_t>(stream);
    switch (dtype) {
    case Dtype::F16: int4Rows<__half>(x, batch, K, m, s); break;
    case Dtype::BF16: int4Rows<__nv_bfloat16>(x, batch, K, m, s); break;
    case Dtype::F32: break;   // the caller keeps fp32 on de-quantize + GEMM
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
    case Dtype::F32: launch(ropeKvKernel<float>, dim3(blocks), dim3(threads), 0, s, a); break;
    case Dtype::F16: launch(ropeKvKernel<__half>, dim3(blocks), dim3(threads), 0, s, a); break;
    case Dtype::BF16: launch(ropeKvKernel<__nv_bfloat16>, dim3(blocks), dim3(threads), 0, s, a); break;
    }
}

/// The splits' partial results (max, Σ p, Σ p·v per head and split) at the start of the scratch.
static int64_t partialFloats(int heads, int headDim, int capacity) {
    return int64_t(heads) * splitsOf(capacity) * (headDim + 2);
}

int64_t attentionScratchFloats(int heads, int headDim, int capacity) {
    return partialFloats(heads, headDim, capacity) + heads;   // then the counters (kvHeads <= heads)
}

unsigned* attentionCounters(float* scratch, int heads, int headDim, int capacity) {
    return reinterpret_cast<unsigned*>(scratch + partialFloats(heads, headDim, capacity));
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
