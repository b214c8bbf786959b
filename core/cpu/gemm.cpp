// 16-bit-weight GEMM for AVX2 CPUs (see gemm.h).
#pragma GCC optimize("O3")

#include "core/cpu/gemm.h"

#include "core/cpu/float_types.h"
#include "core/cpu/gemv.h"
#include "core/cpu/thread_pool.h"

#include <algorithm>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#define SLIM_X86 1
#define SLIM_AVX2 __attribute__((target("avx2,fma,f16c")))
#endif

namespace slim::cpu {

namespace {

constexpr int64_t kInputBlock = 1024;   // a tile's 4 activation rows: 16 KB, in L1 while the weight rows pass
constexpr int64_t kRowBlock = 96;       // weight rows of one block: 96 × 1024 × 2 B = 192 KB, in L2
constexpr int kTileRows = 4, kTileCols = 3;   // 12 accumulators + 3 weight vectors + 1 activation = 16 ymm

#ifdef SLIM_X86

float wideScalar(WideType t, uint16_t v) {
    return t == WideType::BF16 ? toFloat(c10::BFloat16(v, c10::BFloat16::from_bits())) : toFloat(c10::Half(v, c10::Half::from_bits()));
}

template <WideType T>
SLIM_AVX2 inline __m256 load8(const uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (T == WideType::BF16)   // bf16 is the top half of an fp32
        return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
    else
        return _mm256_cvtph_ps(h);
}

SLIM_AVX2 inline float horizontalSum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// y[m][n] += Σ_{k < len} x[m][k] · w[n][k] for an RM × RN tile; len a multiple of 8.
template <WideType T, int RM, int RN>
SLIM_AVX2 void tile(const float* x, int64_t ldx, const uint16_t* w, int64_t ldw, float* y, int64_t ldy, int64_t len) {
    __m256 acc[RM][RN];
#pragma GCC unroll 4
    for (int m = 0; m < RM; ++m)
#pragma GCC unroll 3
        for (int n = 0; n < RN; ++n)
            acc[m][n] = _mm256_setzero_ps();
    for (int64_t k = 0; k < len; k += 8) {
        __m256 wv[RN];
#pragma GCC unroll 3
        for (int n = 0; n < RN; ++n)
            wv[n] = load8<T>(w + n * ldw + k);
#pragma GCC unroll 4
        for (int m = 0; m < RM; ++m) {
            const __m256 xv = _mm256_loadu_ps(x + m * ldx + k);
#pragma GCC unroll 3
            for (int n = 0; n < RN; ++n)
                acc[m][n] = _mm256_fmadd_ps(xv, wv[n], acc[m][n]);
        }
    }
#pragma GCC unroll 4
    for (int m = 0; m < RM; ++m)
#pragma GCC unroll 3
        for (int n = 0; n < RN; ++n)
            y[m * ldy + n] += horizontalSum(acc[m][n]);
}

using TileFn = void (*)(const float*, int64_t, const uint16_t*, int64_t, float*, int64_t, int64_t);

template <WideType T, int RM, int... RN>
constexpr void fillRow(TileFn* row, std::integer_sequence<int, RN...>) {
    ((row[RN] = &tile<T, RM, RN + 1>), ...);
}

/// tiles[rm - 1][rn - 1] = tile<T, rm, rn>.
template <WideType T>
struct Tiles {
    TileFn fn[kTileRows][kTileCols]{};
    Tiles() {
        fillRow<T, 1>(fn[0], std::make_integer_sequence<int, kTileCols>{});
        fillRow<T, 2>(fn[1], std::make_integer_sequence<int, kTileCols>{});
        fillRow<T, 3>(fn[2], std::make_integer_sequence<int, kTileCols>{});
        fillRow<T, 4>(fn[3], std::make_integer_sequence<int, kTileCols>{});
    }
};

/// Output columns [n0, n1) of y, all rows.
template <WideType T>
void columns(const float* x, int64_t rows, const uint16_t* w, int64_t out, int64_t in, float* y, int64_t n0, int64_t n1) {
    static const Tiles<T> tiles;
    for (int64_t m = 0; m < rows; ++m)
        std::fill(y + m * out + n0, y + m * out + n1, 0.f);
    const int64_t vectorised = in / 8 * 8;
    // Up to 8 rows (decode) the activations fit in L1 / L2 whole, and the weights are best read as one
    // sequential stream: no input blocks (blocks of 1024 measured 8.9 against 10.0 tok/s for the
    // one-row loop on the AVX2 VM's TinyLlama decode).
    const int64_t block = rows <= 8 ? vectorised : kInputBlock;
    for (int64_t k0 = 0; k0 < vectorised; k0 += block) {
        const int64_t len = std::min(block, vectorised - k0);
        for (int64_t b0 = n0; b0 < n1; b0 += kRowBlock) {
            const int64_t b1 = std::min(b0 + kRowBlock, n1);
            for (int64_t m = 0; m < rows; m += kTileRows) {
                const int rm = int(std::min<int64_t>(kTileRows, rows - m));
                for (int64_t n = b0; n < b1; n += kTileCols) {
                    const int rn = int(std::min<int64_t>(kTileCols, b1 - n));
                    tiles.fn[rm - 1][rn - 1](x + m * in + k0, in, w + n * in + k0, in, y + m * out + n, out, len);
                }
            }
        }
    }
    for (int64_t k = vectorised; k < in; ++k)   // inputs past the last multiple of 8
        for (int64_t m = 0; m < rows; ++m)
            for (int64_t n = n0; n < n1; ++n)
                y[m * out + n] += x[m * in + k] * wideScalar(T, w[n * in + k]);
}

#endif

} // namespace

bool hasWidenedGemm() {
#ifdef SLIM_X86
    const auto& f = cpuFeatures();
    return f.avx2 && f.fma && f.f16c;
#else
    return false;
#endif
}

void widenedGemm(WideType type, const float* x, int64_t rows, const uint16_t* w, int64_t out, int64_t in, float* y) {
#ifdef SLIM_X86
    // Chunks of whole tiles of columns: 48 = 16 tiles, so every thread's share keeps full 3-column tiles.
    ThreadPool::global().parallelFor(out, 16 * kTileCols, [&](int64_t a, int64_t b) {
        if (type == WideType::BF16)
            columns<WideType::BF16>(x, rows, w, out, in, y, a, b);
        else
            columns<WideType::F16>(x, rows, w, out, in, y, a, b);
    });
#else
    (void)type, (void)x, (void)rows, (void)w, (void)out, (void)in, (void)y;
#endif
}

} // namespace slim::cpu
