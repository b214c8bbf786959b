#pragma once
/// @file hqq.h
/// HQQ, Half-Quadratic Quantization (Badri & Shaji, 2023; mobiusml/hqq hqq/core/quantize.py and
/// optimize.py `optimize_weights_proximal_legacy`): no calibration data.  Per group of input
/// columns: s = (2^B − 1)/(max − min) (clamped ≤ 2e4), z = −min·s; then up to 20 iterations of
///   W_q = clamp(round(W·s + z)),  W_r = (W_q − z)/s,
///   W_e = shrink_p(W − W_r, β) with shrink_p(x) = sign(x)·relu(|x| − |x|^{p−1}/β),
///   z = mean over the group of (W_q − (W − W_e)·s),  β ← κ·β,
/// stopping at the first iteration whose mean |W − W_r| does not improve (p = 0.7, β = 10, κ = 1.01).
/// The zero point stays a float (fp16 when stored).  Computed in float32 (the reference uses fp16 on
/// CUDA).

#include "core/quant/quantizer.h"

namespace slim::quant {

struct HqqOptions {
    int bits = 4;
    int64_t groupSize = 64;
    double lpNorm = 0.7, beta = 10.0, kappa = 1.01;
    int iterations = 20;
};

/// w (out, in) -> codes, scales (= 1/s) and float zeros per group.
IntQuantized hqqQuantize(const at::Tensor& w, const HqqOptions& o);

} // namespace slim::quant
