#pragma once
/// @file obs_block.h
/// The column loop inside one lazy block of GPTQ and SparseGPT (Frantar & Alistarh, "Optimal Brain
/// Compression", 2022; IST-DASLab/gptq gptq.py and IST-DASLab/sparsegpt sparsegpt.py, `fasterquant` /
/// `fasterprune`): for each column i of the block, every row's weight w_i becomes q_i (quantized or
/// pruned), err_i = (w_i − q_i) / [H⁻¹]_ii, and the row's remaining columns j ≥ i lose
/// err_i · [H⁻¹]_ij, H⁻¹ being the upper Cholesky factor of the inverse Hessian.
///
/// The references run this as ~15 tensor operations per column (a kernel launch each on the GPU, about
/// 1.25 million columns on the Llama-3-8B shape). Rows are independent, so here each row runs its whole
/// block in one pass: a plain loop over rows on the CPU, one warp per row on CUDA
/// (core/cuda/obs_block_kernels.cu). The arithmetic is the references' element by element, in the same
/// order and with the same roundings (no fused multiply-add), so the results equal the tensor loop's.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace slim::analysis {

/// One block: `w` (rows, count) float32, updated in place (the references' W1); `hinv` (count, count)
/// float32, the block's diagonal block of H⁻¹ (upper); `err` (rows, count) float32 receives err_i.
struct ObsBlock {
    at::Tensor w;
    at::Tensor hinv;
    at::Tensor err;
};

/// GPTQ: column i quantized with group colGroup[i] of (scales, zeros), both (groups, rows) float32:
/// code c = clamp(round(w / s) + z, 0, maxq) (round half to even), q = s · (c − z). `codes` (rows,
/// count) float32 receives c; `loss` (rows) float32 accumulates (w − q)² / d² / 2.
void gptqBlock(ObsBlock& b, const at::Tensor& scales, const at::Tensor& zeros, const std::vector<int32_t>& colGroup,
               int64_t maxq, at::Tensor& codes, at::Tensor& loss);

/// SparseGPT: `mask` (rows, count) bool, true = pruned. With m > 0 (N:M) the mask is chosen here: at
/// each column i with i % m == 0, the n smallest w² / d² of columns i .. i+m−1 of each row (ties to the
/// lower column), as the reference's topk(largest=False); otherwise the adaptive mask comes in
/// filled. `q` (rows, count) float32 receives the pruned weights.
void sparseGptBlock(ObsBlock& b, at::Tensor& mask, int64_t n, int64_t m, at::Tensor& q);

/// Whether the one-pass loop runs for blocks of `blockSize` columns on `device`: on the CPU always; on
/// CUDA for blocks of at most 256 columns when the build has the kernels (SLIMBENCH_OBS_CUDA=0 turns that off;
/// slimbench-cuda-check compares it with the tensor loop on the GPU machine). SLIMBENCH_OBS_FUSED=0 turns it off
/// everywhere (the tensor loop, for comparisons).
bool fusedObsEnabled(const at::Device& device, int64_t blockSize);
/// Tests: force the one-pass loop on (1) or off (0) wherever it is available; -1 restores the default.
void setFusedObsOverride(int mode);

} // namespace slim::analysis
