#pragma once
/// @file w4a16.h
/// Batch-small W4A16 matrix-vector product on CUDA for 4-bit codes in the GPTQ layout (quant_type.h):
/// y (B, out) float32 += x (B, in) · Wᵀ with W[o, i] = scale[g(i), o] · (q[i, o] − zero[g(i), o]),
/// g(i) = i / group.  One thread per output column reads qweight rows coalesced across columns (8 codes
/// per int32), the input rows are split across blocks (split-K) and the partial sums added atomically.
/// For decode (B·T ≤ 8 rows); prefill de-quantizes and runs a dense GEMM.  Compiled only in CUDA builds.

#include <cstdint>

namespace slim::quant::cuda {

enum class ActDtype { BF16 = 0, F16 = 1, F32 = 2 };

/// Launch on `stream` (a cudaStream_t).  Requirements (checked by the caller): in % 8 == 0,
/// out % 8 == 0, group % 8 == 0, 1 ≤ B ≤ 8, y zero-initialised.
void w4a16Gemv(const void* x, ActDtype xType, const int32_t* qweight, const int32_t* qzeros, const void* scalesF16, float* y,
               int B, int in, int out, int group, void* stream);

} // namespace slim::quant::cuda
