// Batch-1 CPU kernels (see gemv.h).  The portable versions are plain loops written so that GCC
// vectorises them (fixed-width partial sums, contiguous inner loops) and are compiled for AVX-512,
// AVX2 and baseline x86-64 (target_clones); the hand-written AVX-512 versions use intrinsics.
#pragma GCC optimize("O3")
// GCC 12 reports the _mm512_undefined_* placeholders inside its own intrinsics headers as uninitialised.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "core/cpu/gemv.h"

#include "core/cpu/gemm.h"
#include "core/cpu/thread_pool.h"

#include <c10/util/Half.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define SLIM_X86 1
#define SLIM_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define SLIM_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))
#define SLIM_AVX512_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,fma,f16c")))
#define SLIM_AVX512_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))
#else
#define SLIM_CLONES
#endif

namespace slim::cpu {

namespace {

std::atomic<bool> g_handWritten{true};

inline float halfToFloat(uint16_t h) { return c10::detail::fp16_ieee_to_fp32_value(h); }
inline float bf16ToFloat(uint16_t b) {
    const uint32_t bits = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

/// Output rows / columns per unit of work handed to a thread.
constexpr int64_t kDenseGrain = 16;
constexpr int64_t kIntTile = 64;

// ----------------------------------------------------------------------------------------------
// Dense, portable

struct LoadF32 {
    static float at(const void* w, int64_t i) { return static_cast<const float*>(w)[i]; }
};
struct LoadF16 {
    static float at(const void* w, int64_t i) { return halfToFloat(static_cast<const uint16_t*>(w)[i]); }
};
struct LoadBF16 {
    static float at(const void* w, int64_t i) { return bf16ToFloat(static_cast<const uint16_t*>(w)[i]); }
};

template <class L>
[[gnu::always_inline]] inline void denseRowsBody(const float* x, int rows, const void* w, int64_t out, int64_t in,
                                                 float* y, int64_t o0, int64_t o1) {
    constexpr int K = 16;
    for (int64_t o = o0; o < o1; ++o) {
        const int64_t base = o * in;
        for (int r = 0; r < rows; ++r) {
            const float* xr = x + int64_t(r) * in;
            float acc[K] = {};
            int64_t i = 0;
            for (; i + K <= in; i += K)
                for (int k = 0; k < K; ++k)
                    acc[k] += L::at(w, base + i + k) * xr[i + k];
            float s = 0.0f;
            for (; i < in; ++i)
                s += L::at(w, base + i) * xr[i];
            for (int k = 0; k < K; ++k)
                s += acc[k];
            y[int64_t(r) * out + o] = s;
        }
    }
}

SLIM_CLONES void denseRowsF32(const float* x, int rows, const void* w, int64_t out, int64_t in, float* y, int64_t o0,
                              int64_t o1) {
    denseRowsBody<LoadF32>(x, rows, w, out, in, y, o0, o1);
}
SLIM_CLONES void denseRowsF16(const float* x, int rows, const void* w, int64_t out, int64_t in, float* y, int64_t o0,
                              int64_t o1) {
    denseRowsBody<LoadF16>(x, rows, w, out, in, y, o0, o1);
}
SLIM_CLONES void denseRowsBF16(const float* x, int rows, const void* w, int64_t out, int64_t in, float* y, int64_t o0,
                               int64_t o1) {
    denseRowsBody<LoadBF16>(x, rows, w, out, in, y, o0, o1);
}

// ----------------------------------------------------------------------------------------------
// Dense, AVX-512

#ifdef SLIM_X86
SLIM_AVX512 inline __m512 load16(const float* p, __mmask16 m) { return _mm512_maskz_loadu_ps(m, p); }
SLIM_AVX512 inline __m512 load16(const uint16_t* p, __mmask16 m) {   // fp16
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

/// fp32 / fp16 weights, fp32 activations: one weight row at a time with 4 × 16 fp32 partial sums (one
/// sequential stream per thread; rows of x reuse the weight row from L1).
template <class W>
SLIM_AVX512 void denseRowsAvx512(const float* x, int rows, const W* w, int64_t out, int64_t in, float* y, int64_t o0,
                                 int64_t o1) {
    const int64_t full = in / 64 * 64;
    for (int64_t o = o0; o < o1; ++o) {
        const W* wr = w + o * in;
        for (int r = 0; r < rows; ++r) {
            const float* xr = x + int64_t(r) * in;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
            for (int64_t i = 0; i < full; i += 64) {
                a0 = _mm512_fmadd_ps(load16(wr + i, 0xFFFF), _mm512_loadu_ps(xr + i), a0);
                a1 = _mm512_fmadd_ps(load16(wr + i + 16, 0xFFFF), _mm512_loadu_ps(xr + i + 16), a1);
                a2 = _mm512_fmadd_ps(load16(wr + i + 32, 0xFFFF), _mm512_loadu_ps(xr + i + 32), a2);
                a3 = _mm512_fmadd_ps(load16(wr + i + 48, 0xFFFF), _mm512_loadu_ps(xr + i + 48), a3);
            }
            for (int64_t i = full; i < in; i += 16) {   // the tail, 16 (masked) at a time
                const int64_t n = std::min<int64_t>(16, in - i);
                const __mmask16 m = n == 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1);
                a0 = _mm512_fmadd_ps(load16(wr + i, m), load16(xr + i, m), a0);
            }
            y[int64_t(r) * out + o] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
        }
    }
}

/// acc + Σ pairs of 32 bf16 products (a lambda would not inherit the target attribute under GCC 13).
SLIM_AVX512_BF16 inline __m512 dot(__m512 acc, const uint16_t* wp, const uint16_t* xp) {
    return _mm512_dpbf16_ps(acc, (__m512bh)_mm512_loadu_si512(wp), (__m512bh)_mm512_loadu_si512(xp));
}

/// bf16 weights × bf16 activations with vdpbf16ps (pairs of bf16 products summed into fp32 lanes).  One
/// weight row at a time — a single sequential stream per thread, which measured at least as fast as
/// interleaving rows — with four independent accumulators; every row of x reuses the row from L1.
SLIM_AVX512_BF16 void denseRowsBf16Dp(const uint16_t* x, int rows, const uint16_t* w, int64_t out, int64_t in,
                                      float* y, int64_t o0, int64_t o1) {
    const int64_t full = in / 32 * 32;
    const int64_t rest = in - full;
    const __mmask32 mt = rest ? __mmask32((uint64_t(1) << rest) - 1) : 0;
    for (int64_t o = o0; o < o1; ++o) {
        const uint16_t* wr = w + o * in;
        for (int r = 0; r < rows; ++r) {
            const uint16_t* xr = x + int64_t(r) * in;
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
            int64_t i = 0;
            for (; i + 128 <= full; i += 128) {
                a0 = dot(a0, wr + i, xr + i);
                a1 = dot(a1, wr + i + 32, xr + i + 32);
                a2 = dot(a2, wr + i + 64, xr + i + 64);
                a3 = dot(a3, wr + i + 96, xr + i + 96);
            }
            for (; i < full; i += 32)
                a0 = dot(a0, wr + i, xr + i);
            if (rest)
                a0 = _mm512_dpbf16_ps(a0, (__m512bh)_mm512_maskz_loadu_epi16(mt, wr + full),
                                      (__m512bh)_mm512_maskz_loadu_epi16(mt, xr + full));
            y[int64_t(r) * out + o] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
        }
    }
}
#endif

// ----------------------------------------------------------------------------------------------
// Integer weights: helpers shared by every route

inline int code(const IntWeights& w, int64_t i, int64_t o) {
    const int per = 32 / w.bits;
    const uint32_t word = static_cast<uint32_t>(w.qweight[(i / per) * w.out + o]);
    return int((word >> ((i % per) * w.bits)) & ((1u << w.bits) - 1));
}
inline float zeroAt(const IntWeights& w, int64_t g, int64_t o) {
    if (w.zerosF16)
        return halfToFloat(w.zerosF16[g * w.out + o]);
    const int per = 32 / w.bits;
    const int64_t cols = w.out * w.bits / 32;
    const uint32_t word = static_cast<uint32_t>(w.qzeros[g * cols + o / per]);
    return float((word >> ((o % per) * w.bits)) & ((1u << w.bits) - 1));
}
inline float scaleAt(const IntWeights& w, int64_t g, int64_t o) { return halfToFloat(w.scales[g * w.out + o]); }

/// Slot of input k (0..7) of a 4-bit word in the nibble order 0,2,4,6,1,3,5,7: the low nibbles of the
/// word's four bytes first, then the high ones.
inline int64_t nibbleSlot(int64_t k) { return k % 2 == 0 ? k / 2 : 4 + k / 2; }

/// Position of input i's byte in quantized activations.
inline int64_t q8Pos(const Q8Activations& a, int64_t i) {
    return a.nibbleOrder ? i - i % 8 + nibbleSlot(i % 8) : i;
}

// ----------------------------------------------------------------------------------------------
// Integer weights, fp32 activations (portable)

template <int BITS>
[[gnu::always_inline]] inline void intF32Body(const IntWeights& w, const float* x, int rows, float* y, int64_t o0,
                                              int64_t n) {
    constexpr int kMaxRows = 8;
    constexpr int PER = 32 / BITS;
    constexpr uint32_t MASK = (1u << BITS) - 1;
    float acc[kMaxRows][kIntTile];
    float yb[kMaxRows][kIntTile];
    float scale[kIntTile], zero[kIntTile];
    const int64_t in = w.in, out = w.out, group = w.group;
    for (int r = 0; r < rows; ++r)
        std::fill(yb[r], yb[r] + n, 0.0f);
    for (int64_t g = 0; g < in / group; ++g) {
        for (int r = 0; r < rows; ++r)
            std::fill(acc[r], acc[r] + n, 0.0f);
        float sumx[kMaxRows];
        for (int r = 0; r < rows; ++r) {
            float s = 0.0f;
            for (int64_t i = g * group; i < (g + 1) * group; ++i)
                s += x[r * in + i];
            sumx[r] = s;
        }
        for (int64_t p = g * group / PER; p < (g + 1) * group / PER; ++p) {
            const int32_t* wp = w.qweight + p * out + o0;
            for (int r = 0; r < rows; ++r) {
                const float* xs = x + r * in + p * PER;
                float xv[PER];
                for (int k = 0; k < PER; ++k)
                    xv[k] = xs[k];
                float* a = acc[r];
                for (int64_t o = 0; o < n; ++o) {
                    const uint32_t word = static_cast<uint32_t>(wp[o]);
                    float s = 0.0f;
                    for (int k = 0; k < PER; ++k)
                        s += xv[k] * float((word >> (k * BITS)) & MASK);
                    a[o] += s;
                }
            }
        }
        for (int64_t o = 0; o < n; ++o) {
            scale[o] = scaleAt(w, g, o0 + o);
            zero[o] = zeroAt(w, g, o0 + o);
        }
        for (int r = 0; r < rows; ++r)
            for (int64_t o = 0; o < n; ++o)
                yb[r][o] += scale[o] * (acc[r][o] - zero[o] * sumx[r]);
    }
    for (int r = 0; r < rows; ++r)
        std::memcpy(y + r * out + o0, yb[r], static_cast<size_t>(n) * sizeof(float));
}

SLIM_CLONES void intF32Tile4(const IntWeights& w, const float* x, int rows, float* y, int64_t o0, int64_t n) {
    intF32Body<4>(w, x, rows, y, o0, n);
}
SLIM_CLONES void intF32Tile8(const IntWeights& w, const float* x, int rows, float* y, int64_t o0, int64_t n) {
    intF32Body<8>(w, x, rows, y, o0, n);
}

// ----------------------------------------------------------------------------------------------
// Integer weights, int8 activations (portable): per block of 32 inputs an exact int32 sum.

template <int BITS>
[[gnu::always_inline]] inline void intQ8Body(const IntWeights& w, const Q8Activations& xa, float* y, int64_t o0,
                                             int64_t n) {
    constexpr int PER = 32 / BITS;
    constexpr uint32_t MASK = (1u << BITS) - 1;
    const int64_t in = w.in, out = w.out, group = w.group;
    const int64_t blocks = in / 32, groups = in / group, blocksPerGroup = group / 32;
    int32_t iacc[kIntTile];
    float facc[kIntTile], yb[kIntTile];
    for (int r = 0; r < xa.rows; ++r) {
        const int8_t* q = xa.q.data() + r * in;
        const float* d = xa.d.data() + r * blocks;
        std::fill(yb, yb + n, 0.0f);
        for (int64_t g = 0; g < groups; ++g) {
            std::fill(facc, facc + n, 0.0f);
            for (int64_t b = g * blocksPerGroup; b < (g + 1) * blocksPerGroup; ++b) {
                std::fill(iacc, iacc + n, 0);
                for (int64_t p = b * BITS; p < (b + 1) * BITS; ++p) {
                    const int32_t* wp = w.qweight + p * out + o0;
                    // The word's inputs p·PER..p·PER+PER−1, in the order quantizeQ8 stored them.
                    int32_t a[PER];
                    for (int k = 0; k < PER; ++k) {
                        const int64_t i = p * PER + k;
                        a[k] = q[q8Pos(xa, i)];
                    }
                    for (int64_t o = 0; o < n; ++o) {
                        const uint32_t word = static_cast<uint32_t>(wp[o]);
                        int32_t s = 0;
                        for (int k = 0; k < PER; ++k)
                            s += a[k] * int32_t((word >> (k * BITS)) & MASK);
                        iacc[o] += s;
                    }
                }
                const float db = d[b];
                for (int64_t o = 0; o < n; ++o)
                    facc[o] += db * float(iacc[o]);
            }
            const float gs = xa.groupSum[r * groups + g];
            for (int64_t o = 0; o < n; ++o)
                yb[o] += scaleAt(w, g, o0 + o) * (facc[o] - zeroAt(w, g, o0 + o) * gs);
        }
        std::memcpy(y + r * out + o0, yb, static_cast<size_t>(n) * sizeof(float));
    }
}

SLIM_CLONES void intQ8Tile4(const IntWeights& w, const Q8Activations& x, float* y, int64_t o0, int64_t n) {
    intQ8Body<4>(w, x, y, o0, n);
}
SLIM_CLONES void intQ8Tile8(const IntWeights& w, const Q8Activations& x, float* y, int64_t o0, int64_t n) {
    intQ8Body<8>(w, x, y, o0, n);
}

// ----------------------------------------------------------------------------------------------
// Integer weights, int8 activations, AVX-512 VNNI: V vectors of 16 output columns.

#ifdef SLIM_X86
/// Zero points of 16 columns starting at o (a multiple of 16) in group g, as floats.
SLIM_AVX512_VNNI inline __m512 zeros16(const IntWeights& w, int64_t g, int64_t o) {
    if (w.zerosF16)
        return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.zerosF16 + g * w.out + o)));
    const int64_t cols = w.out * w.bits / 32;
    const int32_t* zp = w.qzeros + g * cols + o * w.bits / 32;
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    __m512i words, shift;
    if (w.bits == 4) {   // 2 words, 8 nibbles each
        words = _mm512_permutexvar_epi32(_mm512_srli_epi32(lane, 3),
                                         _mm512_castsi128_si512(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(zp))));
        shift = _mm512_slli_epi32(_mm512_and_si512(lane, _mm512_set1_epi32(7)), 2);
    } else {             // 4 words, 4 bytes each
        words = _mm512_permutexvar_epi32(_mm512_srli_epi32(lane, 2),
                                         _mm512_castsi128_si512(_mm_loadu_si128(reinterpret_cast<const __m128i*>(zp))));
        shift = _mm512_slli_epi32(_mm512_and_si512(lane, _mm512_set1_epi32(3)), 3);
    }
    const __m512i z = _mm512_and_si512(_mm512_srlv_epi32(words, shift), _mm512_set1_epi32((1 << w.bits) - 1));
    return _mm512_cvtepi32_ps(z);
}

/// Tiled layout (IntWeights::tiled): 16 output columns at a time, tile t = words (P, 16) contiguous —
/// every tile one sequential stream.  Columns [16·t0, 16·t1), all rows of x (8 at a time).
template <int BITS>
SLIM_AVX512_VNNI void intQ8TilesVnni(const IntWeights& w, const Q8Activations& xa, float* y, int64_t t0, int64_t t1) {
    const int64_t in = w.in, out = w.out, P = in * BITS / 32;
    const int64_t blocks = in / 32, groups = in / w.group, bpg = w.group / 32;
    const __m512i nib = _mm512_set1_epi8(0x0F);
    for (int64_t t = t0; t < t1; ++t) {
        const int32_t* tile = w.qweight + t * P * 16;
        const int64_t o = 16 * t;
        for (int r = 0; r < xa.rows; ++r) {
            const int8_t* q = xa.q.data() + r * in;
            const float* d = xa.d.data() + r * blocks;
            __m512 yv = _mm512_setzero_ps();
            for (int64_t g = 0; g < groups; ++g) {
                __m512 f = _mm512_setzero_ps();
                for (int64_t b = g * bpg; b < (g + 1) * bpg; ++b) {
                    const int32_t* wp = tile + b * BITS * 16;
                    const int32_t* xq = reinterpret_cast<const int32_t*>(q + b * 32);
                    __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512();
                    if constexpr (BITS == 4) {
                        for (int k = 0; k < 4; ++k) {
                            const __m512i wv = _mm512_loadu_si512(wp + 16 * k);
                            a0 = _mm512_dpbusd_epi32(a0, _mm512_and_si512(wv, nib), _mm512_set1_epi32(xq[2 * k]));
                            a1 = _mm512_dpbusd_epi32(a1, _mm512_and_si512(_mm512_srli_epi32(wv, 4), nib), _mm512_set1_epi32(xq[2 * k + 1]));
                        }
                    } else {
                        for (int k = 0; k < 8; k += 2) {
                            a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(wp + 16 * k), _mm512_set1_epi32(xq[k]));
                            a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(wp + 16 * k + 16), _mm512_set1_epi32(xq[k + 1]));
                        }
                    }
                    f = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(a0, a1)), _mm512_set1_ps(d[b]), f);
                }
                const __m512 sc = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(w.scales + g * out + o)));
                yv = _mm512_fmadd_ps(sc, _mm512_fnmadd_ps(zeros16(w, g, o), _mm512_set1_ps(xa.groupSum[r * groups + g]), f), yv);
            }
            _mm512_storeu_ps(y + r * out + o, yv);
        }
    }
}


// ----------------------------------------------------------------------------------------------
// Integer weights, int8 activations, AVX2 (CPUs without AVX-512: most laptops and desktops, Zen 1-3):
// the same tiles read as two halves of 8 columns.  AVX2 has no vpdpbusd; `vpmaddubsw` multiplies
// unsigned bytes by signed ones and adds neighbours into int16, and `vpmaddwd` by ones widens pairs to
// int32 — llama.cpp's AVX2 dot product of Q4_0 / Q8_0 blocks is built the same way (ggml-cpu quants.c).
//  - 4-bit: codes 0..15 times |a| ≤ 127 gives int16 pair sums ≤ 3810, so all 8 products of a 32-input
//    block (4 words × low / high nibbles) add up in int16 (≤ 30480) before one widening.
//  - 8-bit: codes 0..255 times a would overflow the int16 pairs, so the code is shifted to the signed
//    s = c − 128 and llama.cpp's sign trick is applied with the roles chosen so that it holds for every
//    code: |s| (0..128, read unsigned) times a · sign(s), where |a| ≤ 127 by the activation quantizer.
//    Pair sums stay within ±32512; each is widened to int32 at once.  Σ c·a = Σ s·a + 128·Σ a, so the
//    zero point becomes z − 128.  (Before: each code split into nibbles, twice the multiplies.)
//  Rows go four at a time, so every weight vector is loaded and prepared once for four rows.

#define SLIM_AVX2 __attribute__((target("avx2,fma,f16c")))

/// Zero points of 8 columns starting at o (a multiple of 8) in group g, as floats.
SLIM_AVX2 inline __m256 zeros8(const IntWeights& w, int64_t g, int64_t o) {
    if (w.zerosF16)
        return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.zerosF16 + g * w.out + o)));
    const int64_t cols = w.out * w.bits / 32;
    const int32_t* zp = w.qzeros + g * cols + o * w.bits / 32;
    const __m256i lane = _mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0);
    __m256i words, shift;
    if (w.bits == 4) {   // 1 word, 8 nibbles
        words = _mm256_set1_epi32(zp[0]);
        shift = _mm256_slli_epi32(lane, 2);
    } else {             // 2 words, 4 bytes each
        words = _mm256_permutevar8x32_epi32(_mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(zp))),
                                            _mm256_srli_epi32(lane, 2));
        shift = _mm256_slli_epi32(_mm256_and_si256(lane, _mm256_set1_epi32(3)), 3);
    }
    const __m256i z = _mm256_and_si256(_mm256_srlv_epi32(words, shift), _mm256_set1_epi32((1 << w.bits) - 1));
    return _mm256_cvtepi32_ps(z);
}

/// Columns 16·t .. 16·t + 15 of the tiled layout for rows r0 .. r0 + R − 1 of x: every weight vector is
/// loaded (and split into nibbles, or made signed) once for the R rows.
template <int BITS, int R>
SLIM_AVX2 void intQ8RowsAvx2(const IntWeights& w, const Q8Activations& xa, float* y, int64_t t, int r0) {
    const int64_t in = w.in, out = w.out, P = in * BITS / 32;
    const int64_t blocks = in / 32, groups = in / w.group, bpg = w.group / 32;
    const __m256i nib = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1), bias = _mm256_set1_epi8(char(0x80));
    const int32_t* tile = w.qweight + t * P * 16;
    const int8_t* q[R];
    const float* d[R];
    for (int r = 0; r < R; ++r) {
        q[r] = xa.q.data() + (r0 + r) * in;
        d[r] = xa.d.data() + (r0 + r) * blocks;
    }
    for (int h = 0; h < 2; ++h) {   // columns 16·t + 8·h ..
        const int64_t o = 16 * t + 8 * h;
        __m256 yv[R];
        for (int r = 0; r < R; ++r)
            yv[r] = _mm256_setzero_ps();
        for (int64_t g = 0; g < groups; ++g) {
            __m256 f[R];
            for (int r = 0; r < R; ++r)
                f[r] = _mm256_setzero_ps();
            for (int64_t b = g * bpg; b < (g + 1) * bpg; ++b) {
                const int32_t* wp = tile + b * BITS * 16 + 8 * h;
                __m256i acc[R];
                if constexpr (BITS == 4) {
                    __m256i s16[R];
                    for (int r = 0; r < R; ++r)
                        s16[r] = _mm256_setzero_si256();
                    for (int k = 0; k < 4; ++k) {
                        const __m256i wv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 16 * k));
                        const __m256i lo = _mm256_and_si256(wv, nib), hi = _mm256_and_si256(_mm256_srli_epi32(wv, 4), nib);
                        for (int r = 0; r < R; ++r) {
                            const int32_t* xq = reinterpret_cast<const int32_t*>(q[r] + b * 32);
                            s16[r] = _mm256_add_epi16(s16[r], _mm256_maddubs_epi16(lo, _mm256_set1_epi32(xq[2 * k])));
                            s16[r] = _mm256_add_epi16(s16[r], _mm256_maddubs_epi16(hi, _mm256_set1_epi32(xq[2 * k + 1])));
                        }
                    }
                    for (int r = 0; r < R; ++r)
                        acc[r] = _mm256_madd_epi16(s16[r], ones);
                } else {
                    // c − 128 as a signed byte s; |s| (unsigned, 0..128) times a · sign(s) (|a| ≤ 127): pairs
                    // stay within int16 (2 · 128 · 127 = 32512); the 128 · Σa goes into the zero point below.
                    for (int r = 0; r < R; ++r)
                        acc[r] = _mm256_setzero_si256();
#pragma GCC unroll 2   // fully unrolled, GCC 12 parks the 32 products on the stack before adding them
                    for (int k = 0; k < 8; ++k) {
                        const __m256i sv = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 16 * k)), bias);
                        const __m256i av = _mm256_abs_epi8(sv);
                        for (int r = 0; r < R; ++r) {
                            const int32_t* xq = reinterpret_cast<const int32_t*>(q[r] + b * 32);
                            const __m256i p = _mm256_maddubs_epi16(av, _mm256_sign_epi8(_mm256_set1_epi32(xq[k]), sv));
                            acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(p, ones));
                        }
                    }
                }
                for (int r = 0; r < R; ++r)
                    f[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(acc[r]), _mm256_set1_ps(d[r][b]), f[r]);
            }
            const __m256 sc = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w.scales + g * out + o)));
            __m256 z = zeros8(w, g, o);
            if constexpr (BITS == 8)
                z = _mm256_sub_ps(z, _mm256_set1_ps(128.f));
            for (int r = 0; r < R; ++r)
                yv[r] = _mm256_fmadd_ps(sc, _mm256_fnmadd_ps(z, _mm256_set1_ps(xa.groupSum[(r0 + r) * groups + g]), f[r]), yv[r]);
        }
        for (int r = 0; r < R; ++r)
            _mm256_storeu_ps(y + (r0 + r) * out + o, yv[r]);
    }
}

/// Columns [16·t0, 16·t1) of the tiled layout, every row of x, four rows at a time.
template <int BITS>
SLIM_AVX2 void intQ8TilesAvx2(const IntWeights& w, const Q8Activations& xa, float* y, int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
        int r = 0;
        for (; r + 4 <= xa.rows; r += 4)
            intQ8RowsAvx2<BITS, 4>(w, xa, y, t, r);
        switch (xa.rows - r) {
        case 3: intQ8RowsAvx2<BITS, 3>(w, xa, y, t, r); break;
        case 2: intQ8RowsAvx2<BITS, 2>(w, xa, y, t, r); break;
        case 1: intQ8RowsAvx2<BITS, 1>(w, xa, y, t, r); break;
        default: break;
        }
    }
}

#endif

bool useAvx512() {
#ifdef SLIM_X86
    const auto& f = cpuFeatures();
    return g_handWritten.load(std::memory_order_relaxed) && f.avx512f && f.avx512bw && f.avx512vl && f.fma && f.f16c;
#else
    return false;
#endif
}

/// Scratch buffer per thread (activations converted once per call).
std::vector<float>& scratch() {
    thread_local std::vector<float> buf;
    return buf;
}

} // namespace

const CpuFeatures& cpuFeatures() {
    static const CpuFeatures f = [] {
        CpuFeatures c;
#ifdef SLIM_X86
        __builtin_cpu_init();
        c.avx2 = __builtin_cpu_supports("avx2");
        c.fma = __builtin_cpu_supports("fma");
        c.f16c = c.avx2;   // every AVX2 CPU has F16C; __builtin_cpu_supports has no "f16c" in GCC 12
        c.avx512f = __builtin_cpu_supports("avx512f");
        c.avx512bw = __builtin_cpu_supports("avx512bw");
        c.avx512vl = __builtin_cpu_supports("avx512vl");
        c.avx512bf16 = __builtin_cpu_supports("avx512bf16");
        c.avx512vnni = __builtin_cpu_supports("avx512vnni");
#endif
        return c;
    }();
    return f;
}

std::string kernelDescription() {
    const auto& f = cpuFeatures();
    if (useAvx512()) {
        std::string s = "avx512";
        if (f.avx512bf16 || f.avx512vnni) {
            s += " (";
            if (f.avx512bf16)
                s += "bf16";
            if (f.avx512vnni)
                s += std::string(f.avx512bf16 ? ", " : "") + "vnni";
            s += ")";
        }
        return s;
    }
    std::string s = std::string("portable (") + (f.avx512f ? "avx512" : f.avx2 ? "avx2" : "baseline") + " clones)";
    if (readsIntTiles() && intTileKernel() == IntTileKernel::Avx2)
        s += ", avx2 integer tiles";
    if (readsDenseTiles())
        s += ", avx2 16-bit tiles";
    return s;
}

bool setHandWrittenKernels(bool on) { return g_handWritten.exchange(on); }
bool useHandWrittenKernels() { return useAvx512(); }

bool fastBf16Gemm() {
    const auto& f = cpuFeatures();
    return f.avx512f && f.avx512bw;
}

IntTileKernel intTileKernel() {
    const auto& f = cpuFeatures();
    if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni && f.fma && f.f16c)
        return IntTileKernel::Avx512Vnni;
    if (f.avx2 && f.fma && f.f16c)
        return IntTileKernel::Avx2;
    return IntTileKernel::None;
}

bool readsDenseTiles() { return g_handWritten.load(std::memory_order_relaxed) && hasWidenedGemm(); }

bool readsIntTiles() { return g_handWritten.load(std::memory_order_relaxed) && intTileKernel() != IntTileKernel::None; }

void denseGemv(DenseType type, const void* x, int rows, const void* w, int64_t out, int64_t in, float* y) {
    auto& pool = ThreadPool::global();
#ifdef SLIM_X86
    if (useAvx512()) {
        if (type == DenseType::BF16 && cpuFeatures().avx512bf16) {
            pool.parallelFor(out, kDenseGrain, [&](int64_t a, int64_t b) {
                denseRowsBf16Dp(static_cast<const uint16_t*>(x), rows, static_cast<const uint16_t*>(w), out, in, y, a, b);
            });
            return;
        }
        if (type == DenseType::F32 || type == DenseType::F16) {
            pool.parallelFor(out, kDenseGrain, [&](int64_t a, int64_t b) {
                if (type == DenseType::F32)
                    denseRowsAvx512(static_cast<const float*>(x), rows, static_cast<const float*>(w), out, in, y, a, b);
                else
                    denseRowsAvx512(static_cast<const float*>(x), rows, static_cast<const uint16_t*>(w), out, in, y, a, b);
            });
            return;
        }
    }
#endif
    const float* xf = static_cast<const float*>(x);
    // AVX2 without AVX-512: 16-bit weights through the GEMM's tiles (gemm.h), whose three weight rows per
    // tile keep independent accumulators in flight; the portable loop's single chain of dependent FMAs
    // per output row is latency-bound below the memory bandwidth there.
    const bool tiles = type != DenseType::F32 && readsDenseTiles();
    if (type == DenseType::BF16) {   // bf16 activations -> fp32 once
        auto& buf = scratch();
        buf.resize(static_cast<size_t>(rows * in));
        const auto* xb = static_cast<const uint16_t*>(x);
        for (int64_t i = 0; i < rows * in; ++i)
            buf[i] = bf16ToFloat(xb[i]);
        xf = buf.data();
    }
    if (tiles) {
        widenedGemm(type == DenseType::BF16 ? WideType::BF16 : WideType::F16, xf, rows, static_cast<const uint16_t*>(w), out, in, y);
        return;
    }
    auto fn = type == DenseType::F32 ? denseRowsF32 : type == DenseType::F16 ? denseRowsF16 : denseRowsBF16;
    pool.parallelFor(out, kDenseGrain, [&](int64_t a, int64_t b) { fn(xf, rows, w, out, in, y, a, b); });
}

bool intGemvSupports(int bits, int64_t in, int64_t out, int64_t group) {
    return (bits == 4 || bits == 8) && group > 0 && group % 32 == 0 && in % group == 0 && out % 8 == 0;
}

void intGemvF32(const IntWeights& w, const float* x, int rows, float* y) {
    auto tile = w.bits == 4 ? intF32Tile4 : intF32Tile8;
    ThreadPool::global().parallelFor(w.out, kIntTile, [&](int64_t a, int64_t b) {
        for (int r0 = 0; r0 < rows; r0 += 8)   // the tile holds 8 rows of sums
            for (int64_t o = a; o < b; o += kIntTile)
                tile(w, x + r0 * w.in, std::min(8, rows - r0), y + r0 * w.out, o, std::min(kIntTile, b - o));
    });
}

void quantizeQ8(const float* x, int rows, int64_t in, int64_t group, int bits, Q8Activations& a) {
    const int64_t blocks = in / 32, groups = in / group, bpg = group / 32;
    a.rows = rows;
    a.in = in;
    a.group = group;
    a.nibbleOrder = bits == 4;
    a.q.resize(static_cast<size_t>(rows * in));
    a.d.resize(static_cast<size_t>(rows * blocks));
    a.groupSum.assign(static_cast<size_t>(rows * groups), 0.0f);
    for (int r = 0; r < rows; ++r) {
        for (int64_t b = 0; b < blocks; ++b) {
            const float* xb = x + r * in + b * 32;
            float amax = 0.0f;
            for (int i = 0; i < 32; ++i)
                amax = std::max(amax, std::fabs(xb[i]));
            const float d = amax / 127.0f;
            const float inv = d > 0.0f ? 1.0f / d : 0.0f;
            int8_t* qb = a.q.data() + r * in + b * 32;
            int32_t sum = 0;
            for (int i = 0; i < 32; ++i) {
                const int v = static_cast<int>(std::nearbyint(xb[i] * inv));
                const int8_t c = static_cast<int8_t>(std::clamp(v, -127, 127));
                sum += c;
                // Nibble order: within every 8 inputs the even ones first, then the odd ones.
                qb[q8Pos(a, i)] = c;
            }
            a.d[r * blocks + b] = d;
            a.groupSum[r * groups + b / bpg] += d * float(sum);
        }
    }
}

void intGemvQ8(const IntWeights& w, const Q8Activations& x, float* y) {
    auto& pool = ThreadPool::global();
#ifdef SLIM_X86
    if (w.tiled) {   // the caller checked readsIntTiles()
        const bool vnni = intTileKernel() == IntTileKernel::Avx512Vnni;
        pool.parallelFor(w.out / 16, 1, [&](int64_t a, int64_t b) {
            if (vnni)
                (w.bits == 4 ? intQ8TilesVnni<4> : intQ8TilesVnni<8>)(w, x, y, a, b);
            else
                (w.bits == 4 ? intQ8TilesAvx2<4> : intQ8TilesAvx2<8>)(w, x, y, a, b);
        });
        return;
    }
#endif
    auto tile = w.bits == 4 ? intQ8Tile4 : intQ8Tile8;
    pool.parallelFor(w.out, kIntTile, [&](int64_t a, int64_t b) {
        for (int64_t o = a; o < b; o += kIntTile)
            tile(w, x, y, o, std::min(kIntTile, b - o));
    });
}

// ----------------------------------------------------------------------------------------------
// Scalar references

void denseGemvReference(DenseType type, const void* x, int rows, const void* w, int64_t out, int64_t in, float* y) {
    for (int r = 0; r < rows; ++r)
        for (int64_t o = 0; o < out; ++o) {
            double s = 0;
            for (int64_t i = 0; i < in; ++i) {
                const int64_t wi = o * in + i, xi = r * in + i;
                double wv, xv;
                switch (type) {
                case DenseType::F32:
                    wv = static_cast<const float*>(w)[wi];
                    xv = static_cast<const float*>(x)[xi];
                    break;
                case DenseType::F16:
                    wv = halfToFloat(static_cast<const uint16_t*>(w)[wi]);
                    xv = static_cast<const float*>(x)[xi];
                    break;
                default:
                    wv = bf16ToFloat(static_cast<const uint16_t*>(w)[wi]);
                    xv = bf16ToFloat(static_cast<const uint16_t*>(x)[xi]);
                }
                s += wv * xv;
            }
            y[r * out + o] = static_cast<float>(s);
        }
}

void intGemvF32Reference(const IntWeights& w, const float* x, int rows, float* y) {
    for (int r = 0; r < rows; ++r)
        for (int64_t o = 0; o < w.out; ++o) {
            double s = 0;
            for (int64_t i = 0; i < w.in; ++i) {
                const int64_t g = i / w.group;
                s += double(x[r * w.in + i]) * scaleAt(w, g, o) * (code(w, i, o) - double(zeroAt(w, g, o)));
            }
            y[r * w.out + o] = static_cast<float>(s);
        }
}

void intGemvQ8Reference(const IntWeights& w, const Q8Activations& x, float* y) {
    for (int r = 0; r < x.rows; ++r)
        for (int64_t o = 0; o < w.out; ++o) {
            double s = 0;
            for (int64_t i = 0; i < w.in; ++i) {
                const int64_t g = i / w.group;
                const double xi = double(x.d[r * (w.in / 32) + i / 32]) * x.q[r * w.in + q8Pos(x, i)];
                s += xi * scaleAt(w, g, o) * (code(w, i, o) - double(zeroAt(w, g, o)));
            }
            y[r * w.out + o] = static_cast<float>(s);
        }
}

} // namespace slim::cpu
