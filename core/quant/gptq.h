#pragma once
/// @file gptq.h
/// GPTQ (Frantar et al., 2022; IST-DASLab/gptq gptq.py `GPTQ.fasterquant`): columns quantized left
/// to right in blocks of 128, each column's rounding error spread over the columns not yet
/// quantized through the upper Cholesky factor of the damped inverse Hessian (OBS update).
/// Group parameters are found when a group starts, on the weights as updated by earlier blocks (as
/// the reference does); `actOrder` processes columns by descending diag(H) and records each column's
/// group in g_idx; `staticGroups` computes every group's parameters up front in the original column
/// order.  Dead inputs (H_jj = 0) get weight 0.  Damping 1 % of mean diag(H), ×10 on a failed
/// Cholesky (analysis::inverseHessianUpper).

#include "core/quant/quantizer.h"

namespace slim::quant {

struct GptqOptions {
    IntSpec spec;
    double percdamp = 0.01;
    int64_t blockSize = 128;
    bool actOrder = false;
    bool staticGroups = false;
};

struct GptqResult {
    IntQuantized q;
    double percdamp = 0.0; ///< damping used
    double loss = 0.0;     ///< Σ (w − q)² / d² / 2 over the matrix (the reference's Losses sum)
};

/// w: (out, in) any float dtype; H: (in, in) float32 (analysis::HessianAccumulator).
GptqResult gptqQuantize(const at::Tensor& w, const at::Tensor& H, const GptqOptions& o, const char* what = "GPTQ");

} // namespace slim::quant
