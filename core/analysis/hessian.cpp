#include "core/analysis/hessian.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>

namespace slim::analysis {

void HessianAccumulator::add(const at::Tensor& rows, int64_t sequences) {
    if (rows.dim() != 2)
        throw ConfigError("Hessian: expected (tokens, in) rows");
    const at::Tensor x = rows.to(at::kFloat);
    const at::Tensor xtx = at::matmul(x.t(), x); // (in, in)
    if (!m_sum.defined())
        m_sum = xtx;
    else
        m_sum.add_(xtx);
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
