#include "core/quant/gguf_quants.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace slim::quant {

namespace {

uint16_t toHalfBits(float f) {
    return c10::Half(f).x;
}

float fromHalfBits(uint16_t h) {
    return static_cast<float>(c10::Half(h, c10::Half::from_bits()));
}

int nearestInt(float f) {
    return static_cast<int>(std::nearbyint(f)); // round half to even, as ggml's nearest_int
}

void putHalf(uint8_t* p, float f) {
    const uint16_t h = toHalfBits(f);
    std::memcpy(p, &h, 2);
}

float getHalf(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return fromHalfBits(h);
}

void encodeQ8_0(const float* x, uint8_t* out) {
    float amax = 0;
    for (int j = 0; j < 32; ++j)
        amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    putHalf(out, d);
    for (int j = 0; j < 32; ++j)
        out[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[j] * id)));
}

void encodeQ4_0(const float* x, uint8_t* out) {
    float amax = 0, mx = 0;
    for (int j = 0; j < 32; ++j)
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            mx = x[j];
        }
    const float d = mx / -8.0f, id = d != 0.0f ? 1.0f / d : 0.0f;
    putHalf(out, d);
    for (int j = 0; j < 16; ++j) {
        const int a = std::min(15, static_cast<int>(static_cast<int8_t>(x[j] * id + 8.5f)));
        const int b = std::min(15, static_cast<int>(static_cast<int8_t>(x[16 + j] * id + 8.5f)));
        out[2 + j] = static_cast<uint8_t>(a | (b << 4));
    }
}

/// Weighted least-squares fit of scale and (non-positive) min for n values into [0, nmax]
/// (ggml-quants.c make_qkx2_quants with use_mad = false).  Returns the scale, `theMin` = −min.
float fitScaleMin(int n, int nmax, const float* x, const float* w, uint8_t* L, float* theMin, float rmin, float rdelta,
                  int nstep) {
    float mn = x[0], mx = x[0], sumW = w[0], sumX = w[0] * x[0];
    for (int i = 1; i < n; ++i) {
        mn = std::min(mn, x[i]);
        mx = std::max(mx, x[i]);
        sumW += w[i];
        sumX += w[i] * x[i];
    }
    if (mn > 0)
        mn = 0;
    if (mx == mn) {
        std::fill(L, L + n, uint8_t(0));
        *theMin = -mn;
        return 0.0f;
    }
    float iscale = float(nmax) / (mx - mn), scale = 1.0f / iscale, best = 0;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<uint8_t>(std::clamp(nearestInt(iscale * (x[i] - mn)), 0, nmax));
        const float diff = scale * L[i] + mn - x[i];
        best += w[i] * diff * diff;
    }
    uint8_t aux[32];
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * float(is) + float(nmax)) / (mx - mn);
        float sumL = 0, sumL2 = 0, sumXL = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::clamp(nearestInt(iscale * (x[i] - mn)), 0, nmax);
            aux[i] = static_cast<uint8_t>(l);
            sumL += w[i] * float(l);
            sumL2 += w[i] * float(l) * float(l);
            sumXL += w[i] * float(l) * x[i];
        }
        const float D = sumW * sumL2 - sumL * sumL;
        if (D > 0) {
            float s = (sumW * sumXL - sumX * sumL) / D, m = (sumL2 * sumX - sumL * sumXL) / D;
            if (m > 0) {
                m = 0;
                s = sumXL / sumL2;
            }
            float err = 0;
            for (int i = 0; i < n; ++i) {
                const float diff = s * aux[i] + m - x[i];
                err += w[i] * diff * diff;
            }
            if (err < best) {
                std::copy(aux, aux + n, L);
                best = err;
                scale = s;
                mn = m;
            }
        }
    }
    *theMin = -mn;
    return scale;
}

void scaleMinK4(int j, const uint8_t* q, uint8_t* d, uint8_t* m) {
    if (j < 4) {
        *d = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *d = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

void encodeQ4_K(const float* x, uint8_t* out) {
    uint8_t L[256];
    float weights[32], mins[8], scales[8];
    float maxScale = 0, maxMin = 0;
    for (int j = 0; j < 8; ++j) {
        float sumX2 = 0;
        for (int l = 0; l < 32; ++l)
            sumX2 += x[32 * j + l] * x[32 * j + l];
        const float av = std::sqrt(sumX2 / 32);
        for (int l = 0; l < 32; ++l)
            weights[l] = av + std::fabs(x[32 * j + l]);
        scales[j] = fitScaleMin(32, 15, x + 32 * j, weights, L + 32 * j, &mins[j], -1.0f, 0.1f, 20);
        maxScale = std::max(maxScale, scales[j]);
        maxMin = std::max(maxMin, mins[j]);
    }
    uint8_t* sc = out + 4;
    std::memset(sc, 0, 12);
    const float invScale = maxScale > 0 ? 63.0f / maxScale : 0.0f, invMin = maxMin > 0 ? 63.0f / maxMin : 0.0f;
    for (int j = 0; j < 8; ++j) {
        const uint8_t ls = static_cast<uint8_t>(std::min(63, nearestInt(invScale * scales[j])));
        const uint8_t lm = static_cast<uint8_t>(std::min(63, nearestInt(invMin * mins[j])));
        if (j < 4) {
            sc[j] = ls;
            sc[j + 4] = lm;
        } else {
            sc[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
            sc[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
            sc[j] |= static_cast<uint8_t>((lm >> 4) << 6);
        }
    }
    putHalf(out, maxScale / 63.0f);
    putHalf(out + 2, maxMin / 63.0f);
    const float d0 = getHalf(out), dmin0 = getHalf(out + 2);
    for (int j = 0; j < 8; ++j) {
        uint8_t s, m;
        scaleMinK4(j, sc, &s, &m);
        const float d = d0 * s;
        if (d == 0.0f)
            continue;
        const float dm = dmin0 * m;
        for (int ii = 0; ii < 32; ++ii)
            L[32 * j + ii] = static_cast<uint8_t>(std::clamp(nearestInt((x[32 * j + ii] + dm) / d), 0, 15));
    }
    uint8_t* q = out + 16;
    for (int j = 0; j < 256; j += 64) {
        for (int l = 0; l < 32; ++l)
            q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
        q += 32;
    }
}

void decodeBlock(GgmlType t, const uint8_t* in, float* y) {
    switch (t) {
    case GgmlType::Q8_0: {
        const float d = getHalf(in);
        for (int j = 0; j < 32; ++j)
            y[j] = d * float(static_cast<int8_t>(in[2 + j]));
        break;
    }
    case GgmlType::Q4_0: {
        const float d = getHalf(in);
        for (int j = 0; j < 16; ++j) {
            y[j] = d * float((in[2 + j] & 0xF) - 8);
            y[j + 16] = d * float((in[2 + j] >> 4) - 8);
        }
        break;
    }
    case GgmlType::Q4_K: {
        const float d = getHalf(in), dmin = getHalf(in + 2);
        const uint8_t* sc = in + 4;
        const uint8_t* q = in + 16;
        int is = 0;
        for (int j = 0; j < 256; j += 64) {
            uint8_t s, m;
            scaleMinK4(is, sc, &s, &m);
            const float d1 = d * s, m1 = dmin * m;
            scaleMinK4(is + 1, sc, &s, &m);
            const float d2 = d * s, m2 = dmin * m;
            for (int l = 0; l < 32; ++l)
                y[j + l] = d1 * float(q[l] & 0xF) - m1;
            for (int l = 0; l < 32; ++l)
                y[j + 32 + l] = d2 * float(q[l] >> 4) - m2;
            q += 32;
            is += 2;
        }
        break;
    }
    default:
        break;
    }
}

} // namespace

GgmlType parseGgmlType(std::string_view name) {
    for (GgmlType t : {GgmlType::F32, GgmlType::F16, GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_K})
        if (ggmlTypeName(t) == name)
            return t;
    throw ConfigError("GGUF type '" + std::string(name) + "': one of f32, f16, q8_0, q4_0, q4_k");
}

std::string_view ggmlTypeName(GgmlType t) {
    switch (t) {
    case GgmlType::F32: return "f32";
    case GgmlType::F16: return "f16";
    case GgmlType::Q4_0: return "q4_0";
    case GgmlType::Q8_0: return "q8_0";
    case GgmlType::Q4_K: return "q4_k";
    }
    return "?";
}

int64_t ggmlBlockSize(GgmlType t) {
    return t == GgmlType::Q4_K ? 256 : (t == GgmlType::F32 || t == GgmlType::F16) ? 1 : 32;
}

int64_t ggmlBlockBytes(GgmlType t) {
    switch (t) {
    case GgmlType::F32: return 4;
    case GgmlType::F16: return 2;
    case GgmlType::Q4_0: return 18;
    case GgmlType::Q8_0: return 34;
    case GgmlType::Q4_K: return 144;
    }
    return 0;
}

std::vector<uint8_t> ggmlEncode(const at::Tensor& w, GgmlType t) {
    const at::Tensor x = w.detach().to(at::kCPU, at::kFloat).contiguous();
    const int64_t n = x.numel(), bs = ggmlBlockSize(t), bb = ggmlBlockBytes(t);
    const int64_t cols = x.dim() >= 2 ? x.size(-1) : n;
    if (cols % bs)
        throw ConfigError("GGUF " + std::string(ggmlTypeName(t)) + ": rows of " + std::to_string(cols) +
                          " values are not a multiple of the block size " + std::to_string(bs));
    std::vector<uint8_t> out(static_cast<size_t>(n / bs * bb));
    const float* p = x.data_ptr<float>();
    if (t == GgmlType::F32) {
        std::memcpy(out.data(), p, out.size());
        return out;
    }
    if (t == GgmlType::F16) {
        for (int64_t i = 0; i < n; ++i)
            putHalf(out.data() + 2 * i, p[i]);
        return out;
    }
    for (int64_t b = 0; b < n / bs; ++b) {
        uint8_t* o = out.data() + b * bb;
        const float* xb = p + b * bs;
        if (t == GgmlType::Q8_0)
            encodeQ8_0(xb, o);
        else if (t == GgmlType::Q4_0)
            encodeQ4_0(xb, o);
        else
            encodeQ4_K(xb, o);
    }
    return out;
}

at::Tensor ggmlDecode(const std::vector<uint8_t>& bytes, GgmlType t, int64_t rows, int64_t cols) {
    at::Tensor y = at::empty({rows, cols}, at::kFloat);
    float* p = y.data_ptr<float>();
    const int64_t n = rows * cols, bs = ggmlBlockSize(t), bb = ggmlBlockBytes(t);
    if (static_cast<int64_t>(bytes.size()) != n / bs * bb)
        throw FormatError("GGUF tensor", std::to_string(bytes.size()) + " bytes do not hold " + std::to_string(rows) + " x " +
                                             std::to_string(cols) + " " + std::string(ggmlTypeName(t)));
    if (t == GgmlType::F32) {
        std::memcpy(p, bytes.data(), bytes.size());
    } else if (t == GgmlType::F16) {
        for (int64_t i = 0; i < n; ++i)
            p[i] = getHalf(bytes.data() + 2 * i);
    } else {
        for (int64_t b = 0; b < n / bs; ++b)
            decodeBlock(t, bytes.data() + b * bb, p + b * bs);
    }
    return y;
}

} // namespace slim::quant
