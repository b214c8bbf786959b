#pragma once
/// @file gguf_quants.h
/// ggml's block formats for GGUF export (ggml/src/ggml-quants.c, the `_ref` quantizers), row by row:
///  - Q8_0 (type 8): 32 weights -> fp16 d = max|x|/127, 32 int8 round(x/d);
///  - Q4_0 (type 2): 32 weights -> fp16 d = m/−8 with m the value of largest magnitude (sign kept),
///    16 bytes: byte j = q_j | q_{j+16} << 4 with q = min(15, trunc(x/d + 8.5)); x̂ = d·(q − 8);
///  - Q4_K (type 12): 256 weights -> fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins of the 8
///    sub-blocks of 32 (each fitted by make_qkx2_quants: weighted least squares over a grid of 21
///    scales, weights av|x| + |x_i|), 128 bytes of 4-bit codes (byte l of each 32-byte chunk holds
///    codes l and l + 32 of a 64-weight pair of sub-blocks); x̂ = d·sc·q − dmin·m;
///  - F16 (type 1) and F32 (type 0).
/// Input: float32 rows (rows, cols) with cols a multiple of the block; output: the file's bytes.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace slim::quant {

enum class GgmlType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12 };

/// "f32", "f16", "q4_0", "q8_0", "q4_k"; ConfigError listing them otherwise.
GgmlType parseGgmlType(std::string_view name);
std::string_view ggmlTypeName(GgmlType t);
int64_t ggmlBlockSize(GgmlType t);
int64_t ggmlBlockBytes(GgmlType t);

/// Encode a (rows, cols) float tensor (any device / float dtype) into the type's bytes.
std::vector<uint8_t> ggmlEncode(const at::Tensor& w, GgmlType t);
/// Decode bytes of `rows` x `cols` back to float32 (rows, cols) — the values llama.cpp computes with.
at::Tensor ggmlDecode(const std::vector<uint8_t>& bytes, GgmlType t, int64_t rows, int64_t cols);

} // namespace slim::quant
