#pragma GCC optimize("O3")

#include "core/cpu/elementwise.h"

#include "core/cpu/float_types.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>

namespace slim::cpu {

namespace {

template <class E>
void rmsNormRows(const E* x, const E* w, E* y, int64_t rows, int64_t width, float eps) {
    for (int64_t r = 0; r < rows; ++r) {
        const E* xr = x + r * width;
        float acc[16] = {};
        int64_t i = 0;
        for (; i + 16 <= width; i += 16)
            for (int j = 0; j < 16; ++j) {
                const float v = toFloat(xr[i + j]);
                acc[j] += v * v;
            }
        float ss = 0.0f;
        for (; i < width; ++i)
            ss += toFloat(xr[i]) * toFloat(xr[i]);
        for (float a : acc)
            ss += a;
        const float inv = 1.0f / std::sqrt(ss / static_cast<float>(width) + eps);
        E* yr = y + r * width;
        for (int64_t k = 0; k < width; ++k) {
            const E h = static_cast<E>(toFloat(xr[k]) * inv);   // back to the input dtype, as the reference
            yr[k] = static_cast<E>(toFloat(w[k]) * toFloat(h));
        }
    }
}

template <class E>
void ropeRows(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, at::Tensor& out) {
    const int64_t B = x.size(0), H = x.size(1), T = x.size(2), D = x.size(3), half = D / 2;
    const auto xs = x.strides(), cs = cos.strides(), ss = sin.strides();
    const E* xp = x.data_ptr<E>();
    const E* cp = cos.data_ptr<E>();
    const E* sp = sin.data_ptr<E>();
    E* op = out.data_ptr<E>();
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t t = 0; t < T; ++t) {
                const E* xv = xp + b * xs[0] + h * xs[1] + t * xs[2];
                const E* c = cp + b * cs[0] + t * cs[1];
                const E* s = sp + b * ss[0] + t * ss[1];
                E* o = op + ((b * H + h) * T + t) * D;
                for (int64_t d = 0; d < D; ++d) {
                    // rotate_half: (−x2, x1); each product and the sum rounded as LibTorch's operators do.
                    const float rot = d < half ? -toFloat(xv[d + half]) : toFloat(xv[d - half]);
                    const E a = static_cast<E>(toFloat(xv[d]) * toFloat(c[d]));
                    const E bb = static_cast<E>(static_cast<float>(static_cast<E>(rot)) * toFloat(s[d]));
                    o[d] = static_cast<E>(toFloat(a) + toFloat(bb));
                }
            }
}

} // namespace

bool recordsGradient(std::initializer_list<const at::Tensor*> inputs) {
    if (!at::GradMode::is_enabled())
        return false;
    for (const at::Tensor* t : inputs)
        if (t && t->defined() && t->requires_grad())
            return true;
    return false;
}

std::optional<at::Tensor> rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    if (!x.device().is_cpu() || !weight.device().is_cpu() || !x.is_contiguous() || !weight.is_contiguous() ||
        x.dim() < 1 || weight.dim() != 1 || weight.size(0) != x.size(-1) || weight.scalar_type() != x.scalar_type() ||
        recordsGradient({&x, &weight}))
        return std::nullopt;
    const int64_t width = x.size(-1), rows = x.numel() / std::max<int64_t>(1, width);
    at::Tensor y = at::empty(x.sizes(), x.options());
    if (!withFloatType(x.scalar_type(), [&](auto e) {
            using E = decltype(e);
            rmsNormRows(x.data_ptr<E>(), weight.data_ptr<E>(), y.data_ptr<E>(), rows, width, float(eps));
        }))
        return std::nullopt;
    return y;
}

std::optional<at::Tensor> applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    if (!x.device().is_cpu() || x.dim() != 4 || cos.dim() != 3 || sin.dim() != 3 || x.stride(3) != 1 ||
        cos.stride(2) != 1 || sin.stride(2) != 1 || cos.scalar_type() != x.scalar_type() ||
        sin.scalar_type() != x.scalar_type() || cos.size(0) != x.size(0) || cos.size(1) != x.size(2) ||
        cos.size(2) != x.size(3) || sin.sizes() != cos.sizes() || x.size(3) % 2 != 0 || recordsGradient({&x, &cos, &sin}))
        return std::nullopt;
    at::Tensor out = at::empty(x.sizes(), x.options());
    if (!withFloatType(x.scalar_type(), [&](auto e) { ropeRows<decltype(e)>(x, cos, sin, out); }))
        return std::nullopt;
    return out;
}

} // namespace slim::cpu
