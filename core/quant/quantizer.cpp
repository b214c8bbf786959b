#include "core/quant/quantizer.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>

namespace slim::quant {

RowParams findParams(const at::Tensor& w, const IntSpec& spec) {
    const at::Tensor x = w.to(at::kFloat);
    const double maxq = double(spec.maxq());
    at::Tensor xmin = std::get<0>(x.min(1)), xmax = std::get<0>(x.max(1));
    RowParams p;
    if (spec.rule == Rule::Gptq) {
        xmin = at::clamp_max(xmin, 0.0);
        xmax = at::clamp_min(xmax, 0.0);
        if (spec.symmetric) {
            xmax = at::maximum(xmin.abs(), xmax);
            xmin = at::where(xmin.lt(0), -xmax, xmin);
        }
        const at::Tensor both0 = xmin.eq(0).logical_and(xmax.eq(0));
        xmin = at::where(both0, at::full_like(xmin, -1.0), xmin);
        xmax = at::where(both0, at::full_like(xmax, 1.0), xmax);
        p.scale = (xmax - xmin) / maxq;
        p.zero = spec.symmetric ? at::full_like(p.scale, (maxq + 1.0) / 2.0) : at::round(-xmin / p.scale);
    } else {
        if (spec.symmetric) {
            const double maxInt = double((int64_t(1) << (spec.bits - 1)) - 1);
            p.scale = at::clamp_min(at::maximum(xmin.abs(), xmax.abs()), 1e-5) / maxInt;
            p.zero = at::full_like(p.scale, double(int64_t(1) << (spec.bits - 1)));
        } else {
            p.scale = at::clamp_min(xmax - xmin, 1e-5) / maxq;
            p.zero = at::clamp(-at::round(xmin / p.scale), 0.0, maxq);
        }
    }
    return p;
}

at::Tensor quantizeCodes(const at::Tensor& w, const RowParams& p, int64_t maxq) {
    return at::clamp(at::round(w.to(at::kFloat) / p.scale.unsqueeze(1)) + p.zero.unsqueeze(1), 0.0, double(maxq));
}

at::Tensor dequantizeCodes(const at::Tensor& codes, const RowParams& p) {
    return p.scale.unsqueeze(1) * (codes - p.zero.unsqueeze(1));
}

at::Tensor IntQuantized::dequantize() const {
    const int64_t in = codes.size(1);
    at::Tensor g = gIdx.defined() ? gIdx.to(at::kLong)
                                  : at::arange(in, at::TensorOptions().dtype(at::kLong).device(codes.device()))
                                        .div(spec.groupWidth(in), "floor");
    const at::Tensor s = scales.index_select(0, g).t(); // (out, in)
    const at::Tensor z = zeros.index_select(0, g).t();
    return s * (codes.to(at::kFloat) - z);
}

IntQuantized rtnQuantize(const at::Tensor& w, const IntSpec& spec) {
    const at::Tensor x = w.to(at::kFloat);
    const int64_t out = x.size(0), in = x.size(1), G = spec.groupsOf(in), gw = spec.groupWidth(in);
    IntQuantized r;
    r.spec = spec;
    r.codes = at::empty({out, in}, x.options().dtype(at::kByte));
    r.scales = at::empty({G, out}, x.options());
    r.zeros = at::empty({G, out}, x.options());
    for (int64_t g = 0; g < G; ++g) {
        const int64_t c0 = g * gw, n = std::min(gw, in - c0);
        const at::Tensor block = x.narrow(1, c0, n);
        const RowParams p = findParams(block, spec);
        r.codes.narrow(1, c0, n).copy_(quantizeCodes(block, p, spec.maxq()));
        r.scales.select(0, g).copy_(p.scale);
        r.zeros.select(0, g).copy_(p.zero);
    }
    return r;
}

at::Tensor fakeQuantize(const at::Tensor& w, const IntSpec& spec) {
    const at::Tensor x = w.to(at::kFloat);
    const int64_t out = x.size(0), in = x.size(1), gw = spec.groupWidth(in);
    if (in % gw == 0) { // all groups at once
        const at::Tensor g = x.reshape({out * (in / gw), gw});
        const RowParams p = findParams(g, spec);
        return dequantizeCodes(quantizeCodes(g, p, spec.maxq()), p).reshape({out, in});
    }
    return rtnQuantize(x, spec).dequantize();
}

} // namespace slim::quant
