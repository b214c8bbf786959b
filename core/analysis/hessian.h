#pragma once
/// @file hessian.h
/// The layer-input Hessian shared by SparseGPT and GPTQ (IST-DASLab/sparsegpt sparsegpt.py,
/// IST-DASLab/gptq gptq.py, `add_batch`): H = (2 / n) Σ_tokens x xᵀ over every calibration token of
/// the input of one projection, where n counts calibration *sequences* (the references scale a
/// running sum by n / (n + batch) and add sqrt(2 / n)·x per batch, which is the same matrix).
/// Accumulated in float32 on the device of the rows, as the references do.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace slim::analysis {

class HessianAccumulator {
public:
    HessianAccumulator() = default;
    /// rows: (tokens, in) in any float dtype; `sequences` = calibration samples these rows came from.
    void add(const at::Tensor& rows, int64_t sequences);
    /// (in, in) float32: (2 / n) Σ x xᵀ.  Undefined before the first add().
    at::Tensor hessian() const;
    int64_t sequences() const { return m_sequences; }
    int64_t tokens() const { return m_tokens; }
    bool empty() const { return !m_sum.defined(); }
    void clear();

private:
    at::Tensor m_sum; // Σ x xᵀ, float32
    int64_t m_sequences = 0, m_tokens = 0;
};

/// The upper Cholesky factor of (H + λI)⁻¹ that the OBS updates of SparseGPT and GPTQ read, with
/// the references' preparation: dead inputs (H_ii = 0) get H_ii = 1 (and the caller zeroes those
/// weight columns: `deadColumns`), λ = percdamp · mean(diag H).  When the Cholesky factorisation
/// fails (H not positive definite in float32) the damping is multiplied by 10 and tried again, up
/// to `maxTries` times (GPTQModel's automatic retry); `usedPercdamp` receives the damping used.
/// Throws NumericError-like ConfigError naming the projection after the last try.
struct InverseHessian {
    at::Tensor hinvUpper;   ///< (in, in) float32, upper triangular
    at::Tensor deadColumns; ///< (in) bool
    double usedPercdamp = 0.0;
    int tries = 0;
};
InverseHessian inverseHessianUpper(at::Tensor H, double percdamp, const char* what, int maxTries = 4);

} // namespace slim::analysis
