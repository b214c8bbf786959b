#include "core/analysis/hessian.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>

namespace slim::analysis {

void HessianAccumulator::add(const at::Tensor& rows, int64_t sequences) {
    if (rows.dim() != 2)
        throw ConfigError("Hessian: expected (tokens, in) rows");
    const int64_t in = rows.size(1);
    if (!m_sum.defined())
        m_sum = at::zeros({in, in}, rows.options().dtype(at::kFloat));
    else if (m_sum.size(0) != in)
        throw ConfigError("Hessian: rows of width " + std::to_string(in) + " added to a " + std::to_string(m_sum.size(0)) +
                          "-wide accumulator");
    // Σ x xᵀ accumulated in place, a chunk of rows at a time: on the Llama-3-8B shape a batch of
    // down_proj inputs in fp32 is ~1 GB and x xᵀ another 0.8 GB, which is most of GPTQ's and SparseGPT's
    // peak with --offload.
    constexpr int64_t kChunk = 4096;
    for (int64_t r0 = 0; r0 < rows.size(0); r0 += kChunk) {
        const at::Tensor x = rows.narrow(0, r0, std::min(kChunk, rows.size(0) - r0)).to(at::kFloat);
        m_sum.addmm_(x.t(), x);
    }
    m_sequences += sequences;
    m_tokens += rows.size(0);
}

at::Tensor HessianAccumulator::hessian() const {
    if (!m_sum.defined())
        return {};
    return m_sum * (2.0 / static_cast<double>(std::max<int64_t>(m_sequences, 1)));
}

void HessianAccumulator::clear() {
    m_sum = at::Tensor();
    m_sequences = m_tokens = 0;
}

InverseHessian inverseHessianUpper(at::Tensor H, double percdamp, const char* what, int maxTries) {
    if (!H.defined() || H.dim() != 2 || H.size(0) != H.size(1))
        throw ConfigError(std::string(what) + ": no Hessian (was the projection observed?)");
    H = H.to(at::kFloat).clone();
    InverseHessian r;
    r.deadColumns = H.diagonal().eq(0);
    H.diagonal().masked_fill_(r.deadColumns, 1.0);
    const double meanDiag = H.diagonal().mean().item<double>();
    double damp = percdamp;
    for (int t = 0; t < std::max(1, maxTries); ++t) {
        at::Tensor Hd = H.clone();
        Hd.diagonal().add_(damp * meanDiag);
        auto [L, info] = at::linalg_cholesky_ex(Hd);
        if (info.item<int64_t>() == 0) {
            const at::Tensor inv = at::cholesky_inverse(L);
            auto [U, info2] = at::linalg_cholesky_ex(inv, /*upper=*/true);
            if (info2.item<int64_t>() == 0) {
                r.hinvUpper = U;
                r.usedPercdamp = damp;
                r.tries = t + 1;
                return r;
            }
        }
        damp *= 10.0;
    }
    throw ConfigError(std::string(what) + ": the calibration Hessian is not positive definite even with damping " +
                      std::to_string(damp / 10.0) + " (more or longer calibration samples help)");
}

} // namespace slim::analysis
