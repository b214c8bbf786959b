#include "core/train/grad_clip.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

namespace slim::train {

double clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm, const std::string& what, int64_t step) {
    at::NoGradGuard g;
    at::Tensor sq = at::zeros({}, at::kDouble);
    for (const auto& p : params)
        if (p.grad().defined())
            sq = sq + p.grad().to(at::kFloat).pow(2).sum().to(at::kCPU, at::kDouble);
    const double norm = std::sqrt(sq.item<double>());
    if (!std::isfinite(norm))
        throw Error(what + " diverged: gradient norm is " + std::to_string(norm) + " at step " + std::to_string(step));
    if (maxNorm > 0 && norm > maxNorm)
        for (const auto& p : params)
            if (p.grad().defined())
                p.grad().mul_(maxNorm / (norm + 1e-6));
    return norm;
}

} // namespace slim::train
