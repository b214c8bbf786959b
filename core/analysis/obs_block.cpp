#include "core/analysis/obs_block.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(SLIMBENCH_WITH_CUDA)
#include "core/cuda/obs_block_kernels.h"

#include <c10/cuda/CUDAStream.h>
#endif

namespace slim::analysis {

namespace {

bool envOn(const char* name, bool fallback) {
    const char* e = std::getenv(name);
    if (!e || !*e)
        return fallback;
    return std::strcmp(e, "0") != 0;
}

void check(const ObsBlock& b, const char* what) {
    const auto ok = [&](const at::Tensor& t, int64_t r, int64_t c) {
        return t.defined() && t.scalar_type() == at::kFloat && t.dim() == 2 && t.size(0) == r && t.size(1) == c &&
               t.is_contiguous() && t.device() == b.w.device();
    };
    const int64_t rows = b.w.defined() && b.w.dim() == 2 ? b.w.size(0) : -1, count = rows >= 0 ? b.w.size(1) : -1;
    if (rows < 0 || !ok(b.w, rows, count) || !ok(b.hinv, count, count) || !ok(b.err, rows, count))
        throw ConfigError(std::string(what) +
                          ": block tensors must be contiguous float32 (rows, count), (count, count) "
                          "and (rows, count) on one device");
}

/// Runs `column(r, i, wr)` -> q for every row r and column i of the block, then the OBS update.
/// `column` may read and write the row's later columns (N:M picks its mask there).
template <typename Column, typename After>
void rowsLoop(ObsBlock& b, Column column, After after) {
    const int64_t rows = b.w.size(0), count = b.w.size(1);
    float* w = b.w.data_ptr<float>();
    float* err = b.err.data_ptr<float>();
    const float* h = b.hinv.data_ptr<float>();
    at::parallel_for(0, rows, 16, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
            float* wr = w + r * count;
            float* er = err + r * count;
            for (int64_t i = 0; i < count; ++i) {
                const float wi = wr[i];
                const float q = column(r, i, wr);
                const float d = h[i * count + i];
                const float e = (wi - q) / d;
                after(r, i, wi, q, d);
                er[i] = e;
                const float* hi = h + i * count;
                for (int64_t j = i; j < count; ++j)
                    wr[j] = wr[j] - e * hi[j]; // two roundings, as err ⊗ H⁻¹ row then subtract
            }
        }
    });
}

#if defined(SLIMBENCH_WITH_CUDA)
slim::cuda::ObsBlockArgs cudaArgs(ObsBlock& b) {
    return {b.w.data_ptr<float>(), b.hinv.data_ptr<float>(), b.err.data_ptr<float>(), int(b.w.size(0)),
            int(b.w.size(1))};
}
#endif

std::atomic<int>& fusedOverride() {
    static std::atomic<int> mode{-1};
    return mode;
}

} // namespace

void setFusedObsOverride(int mode) {
    fusedOverride().store(mode);
}

bool fusedObsEnabled(const at::Device& device, int64_t blockSize) {
    static const bool fused = envOn("SLIMBENCH_OBS_FUSED", true);
    const int forced = fusedOverride().load();
    if (forced == 0 || (forced < 0 && !fused))
        return false;
    if (device.is_cpu())
        return true;
#if defined(SLIMBENCH_WITH_CUDA)
    static const bool cuda = envOn("SLIMBENCH_OBS_CUDA", true);
    return device.is_cuda() && (cuda || forced == 1) && blockSize <= slim::cuda::kObsMaxColumns;
#else
    (void)blockSize;
    return false;
#endif
}

void gptqBlock(ObsBlock& b, const at::Tensor& scales, const at::Tensor& zeros, const std::vector<int32_t>& colGroup,
               int64_t maxq, at::Tensor& codes, at::Tensor& loss) {
    check(b, "GPTQ block");
    const int64_t rows = b.w.size(0), count = b.w.size(1);
    if (int64_t(colGroup.size()) != count || !scales.is_contiguous() || !zeros.is_contiguous() || scales.dim() != 2 ||
        scales.size(1) != rows || !zeros.sizes().equals(scales.sizes()) || !codes.is_contiguous() ||
        !codes.sizes().equals(b.w.sizes()) || !loss.is_contiguous() || loss.numel() != rows)
        throw ConfigError("GPTQ block: scales / zeros (groups, rows), codes (rows, count) and loss (rows) expected");
    for (int32_t g : colGroup)
        if (g < 0 || g >= scales.size(0))
            throw ConfigError("GPTQ block: column group " + std::to_string(g) + " outside the block's " +
                              std::to_string(scales.size(0)) + " groups");
#if defined(SLIMBENCH_WITH_CUDA)
    if (b.w.is_cuda()) {
        const at::Tensor groups = at::tensor(colGroup, at::kInt).to(b.w.device());
        slim::cuda::gptqBlock(cudaArgs(b), scales.data_ptr<float>(), zeros.data_ptr<float>(),
                              groups.data_ptr<int32_t>(), int(maxq), codes.data_ptr<float>(), loss.data_ptr<float>(),
                              c10::cuda::getCurrentCUDAStream().stream());
        return;
    }
#endif
    if (!b.w.is_cpu())
        throw ConfigError("GPTQ block: the one-pass loop runs on the CPU or, in CUDA builds, on CUDA");
    const float* s = scales.data_ptr<float>();
    const float* z = zeros.data_ptr<float>();
    float* c = codes.data_ptr<float>();
    float* l = loss.data_ptr<float>();
    const float top = float(maxq);
    rowsLoop(
        b,
        [&](int64_t r, int64_t i, const float* wr) {
            const int64_t g = colGroup[size_t(i)];
            const float sc = s[g * rows + r], zr = z[g * rows + r];
            const float code = std::min(std::max(std::nearbyint(wr[i] / sc) + zr, 0.0f), top);
            c[r * count + i] = code;
            return sc * (code - zr);
        },
        [&](int64_t r, int64_t, float wi, float q, float d) {
            const float t = wi - q;
            l[r] += t * t / (d * d) / 2.0f;
        });
}

void sparseGptBlock(ObsBlock& b, at::Tensor& mask, int64_t n, int64_t m, at::Tensor& q) {
    check(b, "SparseGPT block");
    const int64_t count = b.w.size(1);
    if (mask.scalar_type() != at::kBool || !mask.is_contiguous() || !mask.sizes().equals(b.w.sizes()) ||
        q.scalar_type() != at::kFloat || !q.is_contiguous() || !q.sizes().equals(b.w.sizes()))
        throw ConfigError("SparseGPT block: mask (rows, count) bool and q (rows, count) float32 expected");
    if (m > 0 && (n < 0 || n > m || count % m != 0 || m > 32))
        throw ConfigError("SparseGPT block: N:M pattern " + std::to_string(n) + ":" + std::to_string(m) +
                          " does not fit a block of " + std::to_string(count) + " columns (M <= 32 dividing it)");
#if defined(SLIMBENCH_WITH_CUDA)
    if (b.w.is_cuda()) {
        slim::cuda::sparseGptBlock(cudaArgs(b), mask.data_ptr<bool>(), int(n), int(m), q.data_ptr<float>(),
                                   c10::cuda::getCurrentCUDAStream().stream());
        return;
    }
#endif
    if (!b.w.is_cpu())
        throw ConfigError("SparseGPT block: the one-pass loop runs on the CPU or, in CUDA builds, on CUDA");
    bool* mk = mask.data_ptr<bool>();
    float* qo = q.data_ptr<float>();
    const float* h = b.hinv.data_ptr<float>();
    rowsLoop(
        b,
        [&](int64_t r, int64_t i, const float* wr) {
            bool* mr = mk + r * count;
            if (m > 0 && i % m == 0) {
                // The n smallest w² / d² of columns i .. i+m−1, ties to the lower column.
                float score[32];
                for (int64_t k = 0; k < m; ++k) {
                    const float d = h[(i + k) * count + i + k];
                    score[k] = wr[i + k] * wr[i + k] / (d * d);
                }
                for (int64_t chosen = 0; chosen < n; ++chosen) {
                    int64_t best = -1;
                    for (int64_t k = 0; k < m; ++k)
                        if (!mr[i + k] && (best < 0 || score[k] < score[best]))
                            best = k;
                    mr[i + best] = true;
                }
            }
            const float v = mr[i] ? 0.0f : wr[i];
            qo[r * count + i] = v;
            return v;
        },
        [](int64_t, int64_t, float, float, float) {});
}

} // namespace slim::analysis
