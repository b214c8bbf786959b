#pragma once
/// @file packing.h
/// The GPTQ bit stream (IST-DASLab/gptq quant.py `QuantLinear.pack`, GPTQ-for-LLaMa for 3 bits):
/// along dimension 0 of a (K, N) tensor of B-bit codes, every 32 consecutive codes form a 32·B-bit
/// little-endian stream — code j of the block occupies bits [B·j, B·j + B) — stored as B int32 words.
/// For B = 2, 4, 8 a code never straddles two words; for B = 3 codes 10 and 21 do.  The same stream
/// along dimension 1 packs `qzeros`.

#include <ATen/core/Tensor.h>

namespace slim::quant {

/// int64 values in [0, 2^32) -> the int32 with the same bits.
at::Tensor toInt32Bits(const at::Tensor& v);
/// codes (K, N) integers in [0, 2^bits) (any integer dtype), K % 32 == 0 -> (K·bits/32, N) int32.
at::Tensor packRows(const at::Tensor& codes, int bits);
/// (K·bits/32, N) int32 -> (K, N) uint8 codes (int32 for bits > 8 is not needed).
at::Tensor unpackRows(const at::Tensor& packed, int bits, int64_t K);
/// The same streams along dimension 1: (G, N) codes, N % 32 == 0 -> (G, N·bits/32) int32.
at::Tensor packCols(const at::Tensor& codes, int bits);
at::Tensor unpackCols(const at::Tensor& packed, int bits, int64_t N);

} // namespace slim::quant
