#pragma once
/// @file elementwise.h
/// The per-token elementwise steps of a decoder layer fused for the CPU: LibTorch runs RMSNorm as eight
/// operators and RoPE as six per tensor, each a dispatch and a fresh allocation — at batch-1 decode
/// about a tenth of the time of a 1B model on a 2-core machine.  Results round exactly where the
/// unfused LibTorch expressions round (to the input dtype after each operator whose result the
/// reference keeps in that dtype), so the two paths agree to fp32 summation order.

#include <ATen/core/Tensor.h>

#include <initializer_list>
#include <optional>

namespace slim::cpu {

/// The fused kernels compute without autograd: they decline (the caller takes LibTorch's path) when
/// gradients are being recorded and any input requires one (LoRA and distillation training, Taylor
/// importance).
bool recordsGradient(std::initializer_list<const at::Tensor*> inputs);

/// transformers' LlamaRMSNorm: weight · to_dtype(x · rsqrt(mean(x²) + eps)) computed in fp32; x (..., E)
/// contiguous fp32 / bf16 / fp16 on the CPU with weight (E) of the same dtype, else nullopt.
std::optional<at::Tensor> rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

/// x · cos + rotate_half(x) · sin for x (B, H, T, D) (head dimension contiguous) and cos / sin (B, T, D)
/// of x's dtype on the CPU; the result is contiguous (B, H, T, D).  nullopt when the inputs do not fit.
std::optional<at::Tensor> applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

} // namespace slim::cpu
