#pragma once
/// @file projection.h
/// The CPU kernels (gemv.h) behind the projection interface: model::DenseLinear and
/// quant::QuantizedLinear call these first and fall back to LibTorch's GEMM when they decline
/// (prefill, more than 8 rows, a GPU tensor, a shape the kernels do not take).
///
/// SLIMBENCH_CPU_KERNELS=off turns them off (LibTorch only, for comparisons), =portable keeps only
/// the portable kernels; SLIMBENCH_CPU_INT_ACT=f32|q8 picks the integer kernels' activation route
/// (default: q8 for 16-bit activations, f32 for fp32 ones).

#include <ATen/core/Tensor.h>

#include <optional>

namespace slim::cpu {

/// Rows a decode kernel takes at most (batched decode up to 8 sequences).
constexpr int64_t kMaxGemvRows = 8;

/// x (..., in) · wᵀ (+ bias) for w (out, in) fp32 / fp16 / bf16 on the CPU, in x's dtype; nullopt when
/// the kernels decline.
std::optional<at::Tensor> denseProjection(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias);

/// The same for integer weights in the GPTQ layout (QuantizedLinear's tensors): `qzeros` (actual zero
/// points) or fp16 `zeros`, fp16 `scales`, groups of `group` consecutive inputs.  `qweight` is either
/// (in·bits/32, out) or, when `tiled`, the tiled layout below.
std::optional<at::Tensor> intProjection(const at::Tensor& x, int bits, int64_t in, int64_t out, int64_t group,
                                        const at::Tensor& qweight, bool tiled, const at::Tensor& qzeros,
                                        const at::Tensor& zeros, const at::Tensor& scales,
                                        const std::optional<at::Tensor>& bias);

/// While alive (on this thread), the integer kernels quantize `x` once for every projection that reads
/// it — q, k and v share the attention's input, gate and up the MLP's.  The model opens one around such
/// a group of calls; `x` must not change inside it.
class SharedInputScope {
public:
    explicit SharedInputScope(const at::Tensor& x);
    ~SharedInputScope();
    SharedInputScope(const SharedInputScope&) = delete;
    SharedInputScope& operator=(const SharedInputScope&) = delete;
};

/// Whether a quantized projection on the CPU should hold its codes tiled: 16 output columns at a time,
/// all their words contiguous — (out/16, in·bits/32, 16) int32 instead of the GPTQ layout's
/// (in·bits/32, out), where one column's words are `out` apart.  The integer-activation kernel then reads
/// each tile as one sequential stream, at the memory bandwidth (the GPTQ layout measured at ~60 % of it
/// on issue #13's machine).  True for 4 / 8 bits with 16-bit activations on CPUs whose hand-written
/// kernels take the tiles (AVX-512 VNNI); the layout is a pure permutation, undone for saving and export.
/// One to eight rows through a 2:4 compressed projection (model::Sparse24Linear): values (out, in/2)
/// fp32 / bf16 / fp16 and 2-bit positions (out, in/8) uint8, read without expanding the matrix.
std::optional<at::Tensor> sparse24Projection(const at::Tensor& x, const at::Tensor& values, const at::Tensor& positions,
                                             const std::optional<at::Tensor>& bias);
/// The dense (out, in) matrix of a 2:4 compressed projection on the CPU, written in one parallel pass
/// (prefill multiplies it with oneDNN's GEMM); nullopt off the CPU.  With `scratch` the matrix is a view
/// of that buffer (grown when needed, reused by the next call).
std::optional<at::Tensor> sparse24Dense(const at::Tensor& values, const at::Tensor& positions, at::Tensor* scratch = nullptr);

/// x (..., in) · wᵀ (+ bias) for a bf16 / fp16 w (out, in) on CPUs without a fast 16-bit GEMM, any number
/// of rows, through cpu::widenedGemm (the weight read once as stored, fp32 accumulation), in x's dtype;
/// nullopt when that kernel is missing here (no AVX2), the kernels are off, or a gradient is recorded.
std::optional<at::Tensor> widenedProjection(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias);

/// `w` (bf16, contiguous, on the CPU, no gradient recorded) widened to fp32 into `scratch` (grown when
/// needed, reused by the next call) in one parallel pass; nullopt otherwise.  For prefill products on
/// CPUs whose bf16 GEMM is slow (model::linearOnDevice): LibTorch's own conversion measured 2.5 ns per
/// element on the AVX2 VM, more than the fp32 GEMM of a 64-token prompt.
std::optional<at::Tensor> widenBf16(const at::Tensor& w, at::Tensor& scratch);

bool tileIntWeights(int bits, int64_t in, int64_t out, int64_t group, at::ScalarType activation);
/// (P, out) -> (out/16, P, 16) in 2 MiB pages, and back.
at::Tensor tileColumns(const at::Tensor& qweight);
at::Tensor untileColumns(const at::Tensor& tiled);

} // namespace slim::cpu
