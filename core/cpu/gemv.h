#pragma once
/// @file gemv.h
/// Batch-1 (1..8 rows) matrix-vector kernels for decoding on the CPU, each weight byte read once per
/// token (issue #13).  LibTorch sends a one-row product through the packing GEMM, which copies the
/// weight matrix on every call; these read the stored weights in place:
///
///  - dense weights (out, in) row-major in fp32, fp16 or bf16: one dot product per output row,
///    accumulated in fp32.  bf16 × bf16 uses AVX-512 BF16 (`vdpbf16ps`) where the CPU has it.
///  - integer weights in the GPTQ layout (core/quant/quant_type.h): qweight (in·B/32, out) int32, the B-bit
///    codes of inputs kB..kB+31/B in word k of each column; per-group scales (groups, out) fp16 and zero
///    points, packed (groups, out·B/32) int32 or fp16 (groups, out) (HQQ).  W = s · (q − z).  4 and 8 bits.
///    Two routes:
///      * `intGemvF32`: fp32 activations, exact up to fp32 rounding (the route for fp32 models);
///      * `intGemvQ8`: activations quantized to int8 per block of 32 inputs (absmax, as llama.cpp's
///        Q8_0 / Q8_1 do for its Q4_0 and Q8_0 dot products) and integer dot products — AVX-512 VNNI
///        `vpdpbusd` where the CPU has it: the GPTQ word of one column is exactly the 4 bytes one 32-bit
///        lane of `vpdpbusd` multiplies (8-bit), or two such lanes after masking nibbles (4-bit); on AVX2
///        CPUs `vpmaddubsw` + `vpmaddwd` over nibbles (8-bit codes split in two).  Per group
///        the zero point is applied once: y_o += s_go · (Σ_b d_b Σ_i q_io·a_i − z_go Σ_b d_b Σ_i a_i), with
///        x_i ≈ d_b·a_i.  The route for 16-bit models, whose activations carry 8 significant bits anyway.
///
/// Each kernel has a portable version (plain loops that GCC vectorises for AVX2 / AVX-512 through
/// target_clones) and, on x86-64 CPUs with AVX-512 (the tiled integer kernel also with AVX2), a
/// hand-written one chosen at run time (on AVX2 CPUs without AVX-512, 16-bit dense weights go through
/// the GEMM's tiles, gemm.h); both are tested against scalar references
/// (tests/core/tst_cpu_kernels.cpp).  Work is split over output rows / columns on
/// cpu::ThreadPool::global().

#include <cstdint>
#include <string>
#include <vector>

namespace slim::cpu {

/// Instruction sets of this CPU that the kernels use (detected once).
struct CpuFeatures {
    bool avx2 = false, fma = false, f16c = false;
    bool avx512f = false, avx512bw = false, avx512vl = false, avx512bf16 = false, avx512vnni = false;
};
const CpuFeatures& cpuFeatures();

/// The kernels chosen on this CPU, e.g. "avx512 (bf16, vnni)" or "portable (avx2 clones)".
std::string kernelDescription();

/// Tests: false forces the portable kernels even where AVX-512 ones exist (returns the previous value).
bool setHandWrittenKernels(bool on);
bool useHandWrittenKernels();

/// The hand-written kernel that reads integer weights in tiles of 16 columns (IntWeights::tiled) on this
/// CPU: AVX-512 VNNI (`vpdpbusd`), else AVX2 (`vpmaddubsw` + `vpmaddwd`), else none.
enum class IntTileKernel { None, Avx2, Avx512Vnni };
IntTileKernel intTileKernel();
/// Whether denseGemv sends 16-bit weights through cpu::widenedGemm's tiles now (AVX2 CPUs without
/// AVX-512, hand-written kernels switched on).
bool readsDenseTiles();
/// Whether intGemvQ8 reads tiles now (a tile kernel exists and hand-written kernels are switched on).
bool readsIntTiles();

/// Whether LibTorch's CPU GEMM in bf16 is fast here: with AVX-512 oneDNN computes it; on AVX2 CPUs
/// LibTorch 1.13 falls back to a scalar loop (measured on a Zen AVX2 VM, 64 × 2048 × 2048: 422 ms,
/// against 17.8 ms for the same product in fp32 with the weight converted on every call).
bool fastBf16Gemm();

enum class DenseType { F32, F16, BF16 };

/// y (rows, out) fp32 = x (rows, in) · Wᵀ, W (out, in) row-major of `type`.  x: fp32 for F32 / F16
/// weights; for BF16 weights x is bf16 (uint16 bit patterns) — a bf16 model's activations.
/// rows 1..8, any in / out.
void denseGemv(DenseType type, const void* x, int rows, const void* w, int64_t out, int64_t in, float* y);

/// Integer weights in the GPTQ layout, as QuantizedLinear holds them (see above).
struct IntWeights {
    int bits = 4;                          ///< 4 or 8
    int64_t in = 0, out = 0, group = 128;  ///< group: a multiple of 32 dividing `in`
    const int32_t* qweight = nullptr;      ///< (in·bits/32, out)
    const int32_t* qzeros = nullptr;       ///< (in/group, out·bits/32) actual zero points, or nullptr
    const uint16_t* zerosF16 = nullptr;    ///< (in/group, out) fp16 zero points (HQQ), or nullptr
    const uint16_t* scales = nullptr;      ///< (in/group, out) fp16
    bool tiled = false;                    ///< qweight in tiles of 16 columns: (out/16, in·bits/32, 16);
                                           ///< only intGemvQ8's hand-written kernels read tiles
};
/// Whether the integer kernels take this shape (bits 4 / 8, group % 32 == 0, in % group == 0, out % 8 == 0).
bool intGemvSupports(int bits, int64_t in, int64_t out, int64_t group);

/// Exact route: y (rows, out) = x (rows, in) fp32 · Wᵀ (any number of rows).
void intGemvF32(const IntWeights& w, const float* x, int rows, float* y);

/// Activations quantized per block of 32 inputs: x_i ≈ d_b · a_i, a_i ∈ [−127, 127].
struct Q8Activations {
    int rows = 0;
    int64_t in = 0, group = 0;
    bool nibbleOrder = false;     ///< bytes of every 8 inputs stored as 0,2,4,6,1,3,5,7 (for 4-bit words)
    std::vector<int8_t> q;        ///< (rows, in)
    std::vector<float> d;         ///< (rows, in/32)
    std::vector<float> groupSum;  ///< (rows, in/group): Σ_b d_b Σ_i a_i over the group's blocks
};
/// Quantize x (rows, in) fp32 for weights of `bits` and `group`.
void quantizeQ8(const float* x, int rows, int64_t in, int64_t group, int bits, Q8Activations& out);
/// Integer route: y (rows, out) fp32 from quantized activations (any number of rows: the weights are
/// read once per 8 rows, so prefill runs through it too).
void intGemvQ8(const IntWeights& w, const Q8Activations& x, float* y);

/// Plain scalar references (one column at a time, no vectorisation), for tests.
void denseGemvReference(DenseType type, const void* x, int rows, const void* w, int64_t out, int64_t in, float* y);
void intGemvF32Reference(const IntWeights& w, const float* x, int rows, float* y);
void intGemvQ8Reference(const IntWeights& w, const Q8Activations& x, float* y);

} // namespace slim::cpu
