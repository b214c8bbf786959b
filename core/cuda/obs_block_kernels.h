#pragma once
/// @file obs_block_kernels.h
/// The one-pass OBS block loop of GPTQ and SparseGPT on CUDA (see core/analysis/obs_block.h): one warp
/// per row, the row's block in registers (lane l holds columns l, l + 32, ...), each column's result
/// shared by a warp shuffle. Plain pointers, float32, row-major; the ATen side is
/// core/analysis/obs_block.cpp. Compiled only in CUDA builds.

#include <cstdint>

namespace slim::cuda {

/// Columns a block may have.
constexpr int kObsMaxColumns = 256;

struct ObsBlockArgs {
    float* w;            ///< (rows, count), updated in place
    const float* hinv;   ///< (count, count) upper
    float* err;          ///< (rows, count) out
    int rows = 0, count = 0;
};

/// codes (rows, count) out; loss (rows) accumulated; scales / zeros (groups, rows); colGroup (count) on
/// the device.
void gptqBlock(const ObsBlockArgs& a, const float* scales, const float* zeros, const int32_t* colGroup, int maxq,
               float* codes, float* loss, void* stream);

/// mask (rows, count): read (m == 0) or chosen here (N:M, m <= 32); q (rows, count) out.
void sparseGptBlock(const ObsBlockArgs& a, bool* mask, int n, int m, float* q, void* stream);

} // namespace slim::cuda
