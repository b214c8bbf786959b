#pragma once
/// @file llama_ops.h
/// Small numeric building blocks of the Llama forward pass shared by the eager forward
/// (llama_model.cpp) and the CUDA-graph decoder (static_decoder.cpp).

#include "core/cpu/elementwise.h"

#include <ATen/ATen.h>

namespace slim::model {

/// transformers' LlamaRMSNorm: x * rsqrt(mean(x²) + eps) in fp32, back to the input dtype, * weight.
inline at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    if (x.device().is_cpu() && x.numel() <= (int64_t(1) << 16))   // decode on the CPU: one fused pass
        if (auto y = cpu::rmsNorm(x, weight, eps))
            return *y;
    const auto inDtype = x.scalar_type();
    at::Tensor h = x.to(at::kFloat);
    const at::Tensor var = h.pow(2).mean(-1, /*keepdim=*/true);
    h = h * at::rsqrt(var + eps);
    return weight * h.to(inDtype);
}

/// rotate_half: (x1, x2) -> (-x2, x1) over the last dimension split in halves.
inline at::Tensor rotateHalf(const at::Tensor& x) {
    const int64_t half = x.size(-1) / 2;
    return at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

/// q·cos + rotate_half(q)·sin with cos/sin (B, 1, T, D) broadcast over heads.
inline at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    return x * cos + rotateHalf(x) * sin;
}

} // namespace slim::model
