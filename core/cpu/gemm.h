#pragma once
/// @file gemm.h
/// Prefill products over 16-bit weights on CPUs whose LibTorch has no fast 16-bit GEMM (AVX2 without
/// AVX-512: LibTorch 1.13 computes bf16 GEMMs in a scalar loop and has no fp16 GEMM on the CPU).
///
/// Before this kernel such a product widened the whole weight to fp32 into a scratch buffer and called
/// the fp32 GEMM: 2 bytes read, 4 written and 4 read again per weight, and on a 2-core AVX2 VM the
/// widening of a 2048 × 5632 matrix took about as long as the 64-row GEMM after it.  Here the weight is
/// read once, as stored, and widened in registers.
///
/// The layout is the "dot product" one of llamafile's tinyBLAS (Justine Tunney, llamafile/sgemm.cpp):
/// a tile of 4 activation rows × 3 weight rows keeps 12 accumulators of 8 lanes over the inputs and
/// sums each horizontally at the end of a block.  Blocks of 1024 inputs keep a tile's activation rows
/// in L1 (16 KB) and 96 weight rows of a block in L2 (192 KB); work is split over output columns on
/// cpu::ThreadPool::global().  Up to 8 rows (decode, through cpu::denseGemv on these CPUs) there are no
/// input blocks, so the weights stream sequentially.  fp32 accumulation; the result differs from the
/// widened fp32 GEMM only by summation order.

#include <cstdint>

namespace slim::cpu {

enum class WideType { BF16, F16 };

/// Whether widenedGemm has a kernel on this CPU (x86-64 with AVX2, FMA and F16C).
bool hasWidenedGemm();

/// y (rows, out) fp32 = x (rows, in) fp32 · Wᵀ, W (out, in) row-major bf16 or fp16 bit patterns.
/// Any rows / in / out; x, w and y contiguous.  Call only when hasWidenedGemm().
void widenedGemm(WideType type, const float* x, int64_t rows, const uint16_t* w, int64_t out, int64_t in, float* y);

} // namespace slim::cpu
