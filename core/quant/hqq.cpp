#include "core/quant/hqq.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

namespace slim::quant {

IntQuantized hqqQuantize(const at::Tensor& w, const HqqOptions& o) {
    at::NoGradGuard noGrad;
    const at::Tensor W0 = w.to(at::kFloat);
    const int64_t out = W0.size(0), in = W0.size(1);
    if (o.groupSize <= 0 || in % o.groupSize != 0)
        throw ConfigError("HQQ: groups of " + std::to_string(o.groupSize) + " must divide the " + std::to_string(in) +
                          " input columns (the reference reshapes the matrix into whole groups)");
    const int64_t G = in / o.groupSize;
    const double maxv = double((int64_t(1) << o.bits) - 1);
    const at::Tensor W = W0.reshape({out * G, o.groupSize}); // one row per group (axis = 1)
    const at::Tensor mn = std::get<0>(W.min(1, true)), mx = std::get<0>(W.max(1, true));
    at::Tensor scale = at::clamp_max(maxv / (mx - mn), 2e4);
    at::Tensor zero = -mn * scale;
    double beta = o.beta, best = 1e4;
    for (int it = 0; it < o.iterations; ++it) {
        const at::Tensor Wq = at::clamp(at::round(W * scale + zero), 0.0, maxv);
        const at::Tensor Wr = (Wq - zero) / scale;
        const at::Tensor d = W - Wr;
        const at::Tensor We = at::sign(d) * at::relu(d.abs() - (1.0 / beta) * d.abs().pow(o.lpNorm - 1.0));
        zero = (Wq - (W - We) * scale).mean(1, true);
        beta *= o.kappa;
        const double err = (W - Wr).abs().mean().item<double>();
        if (err < best)
            best = err;
        else
            break;
    }
    IntQuantized r;
    r.spec.bits = o.bits;
    r.spec.groupSize = o.groupSize;
    r.floatZero = true;
    r.codes = at::clamp(at::round(W * scale + zero), 0.0, maxv).reshape({out, in}).to(at::kByte);
    r.scales = (1.0 / scale).reshape({out, G}).t().contiguous();
    r.zeros = zero.reshape({out, G}).t().contiguous();
    return r;
}

} // namespace slim::quant
