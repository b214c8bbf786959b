#pragma once
/// @file cpu_gemv.h
/// Batch-1 decode on the CPU for 4-bit GPTQ-layout weights: y = x · Wᵀ straight from the packed codes,
/// each weight byte read once per call (the de-quantize path writes and re-reads a float copy of the
/// whole matrix for every token).  Layout as QuantizedLinear holds it: qweight (in/8, out) int32 with input
/// row 8p+k in bits 4k..4k+3 of word p; qzeros (groups, out/8) the same along the outputs; scales
/// (groups, out) fp16; groups of `group` consecutive inputs.  Per group the products are summed first
/// and the zero point applied once:  y_o += s_go · (Σ_i x_i q_io − z_go Σ_i x_i).
/// Threads over output columns (at::parallel_for); the inner loop runs over contiguous output columns
/// so it vectorises — compiled for AVX2 and AVX-512 besides the baseline, chosen at run time
/// (GCC target_clones).

#include <c10/util/Half.h>

#include <cstdint>

namespace slim::quant {

/// x: (rows, in) fp32; y: (rows, out) fp32 (overwritten).  rows 1..8; group a multiple of 8 dividing in;
/// out a multiple of 8.
void int4GemvCpu(const float* x, int rows, const int32_t* qweight, const int32_t* qzeros, const c10::Half* scales,
                 float* y, int64_t in, int64_t out, int64_t group);

} // namespace slim::quant
