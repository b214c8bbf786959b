// Vectorisation of the column loop needs more than GCC's -O2 cost model allows.
#pragma GCC optimize("O3")

#include "core/quant/cpu_gemv.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>

namespace slim::quant {

namespace {

constexpr int kMaxRows = 8;
constexpr int64_t kBlock = 64;   // output columns per task: 8 rows × 64 fp32 accumulators stay in L1

/// One block of output columns [o0, o0 + n) for all rows.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
void block(const float* x, int rows, const int32_t* qweight, const int32_t* qzeros, const c10::Half* scales, float* y,
           int64_t in, int64_t out, int64_t group, int64_t o0, int64_t n) {
    float acc[kMaxRows][kBlock];
    float yb[kMaxRows][kBlock];
    float scale[kBlock], zero[kBlock];
    for (int r = 0; r < rows; ++r)
        std::fill(yb[r], yb[r] + n, 0.0f);
    const int64_t groups = in / group;
    for (int64_t g = 0; g < groups; ++g) {
        for (int r = 0; r < rows; ++r)
            std::fill(acc[r], acc[r] + n, 0.0f);
        float sumx[kMaxRows];
        for (int r = 0; r < rows; ++r) {
            float s = 0.0f;
            for (int64_t i = g * group; i < (g + 1) * group; ++i)
                s += x[r * in + i];
            sumx[r] = s;
        }
        for (int64_t p = g * group / 8; p < (g + 1) * group / 8; ++p) {
            const int32_t* w = qweight + p * out + o0;
            for (int r = 0; r < rows; ++r) {
                const float* xs = x + r * in + p * 8;
                const float x0 = xs[0], x1 = xs[1], x2 = xs[2], x3 = xs[3], x4 = xs[4], x5 = xs[5], x6 = xs[6], x7 = xs[7];
                float* a = acc[r];
                for (int64_t o = 0; o < n; ++o) {
                    const uint32_t word = static_cast<uint32_t>(w[o]);
                    a[o] += x0 * float(word & 15u) + x1 * float((word >> 4) & 15u) + x2 * float((word >> 8) & 15u) +
                            x3 * float((word >> 12) & 15u) + x4 * float((word >> 16) & 15u) + x5 * float((word >> 20) & 15u) +
                            x6 * float((word >> 24) & 15u) + x7 * float((word >> 28) & 15u);
                }
            }
        }
        for (int64_t o = 0; o < n; ++o) {
            const int64_t col = o0 + o;
            scale[o] = static_cast<float>(scales[g * out + col]);
            zero[o] = float((static_cast<uint32_t>(qzeros[g * (out / 8) + col / 8]) >> (4 * (col % 8))) & 15u);
        }
        for (int r = 0; r < rows; ++r)
            for (int64_t o = 0; o < n; ++o)
                yb[r][o] += scale[o] * (acc[r][o] - zero[o] * sumx[r]);
    }
    for (int r = 0; r < rows; ++r)
        std::memcpy(y + r * out + o0, yb[r], static_cast<size_t>(n) * sizeof(float));
}

} // namespace

void int4GemvCpu(const float* x, int rows, const int32_t* qweight, const int32_t* qzeros, const c10::Half* scales, float* y,
                 int64_t in, int64_t out, int64_t group) {
    const int64_t blocks = (out + kBlock - 1) / kBlock;
    at::parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
        for (int64_t b = b0; b < b1; ++b) {
            const int64_t o0 = b * kBlock;
            block(x, rows, qweight, qzeros, scales, y, in, out, group, o0, std::min(kBlock, out - o0));
        }
    });
}

} // namespace slim::quant
