#include "core/cpu/projection.h"

#include "core/cpu/elementwise.h"
#include "core/cpu/gemv.h"
#include "core/cpu/float_types.h"
#include "core/cpu/gemm.h"
#include "core/cpu/huge_pages.h"
#include "core/cpu/thread_pool.h"
#include "core/model/linear.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <cstdlib>
#include <type_traits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <cstring>
#include <limits>

namespace slim::cpu {

namespace {

enum class Mode { Off, Portable, Auto };

Mode mode() {
    static const Mode m = [] {
        const char* v = std::getenv("SLIMBENCH_CPU_KERNELS");
        if (!v)
            return Mode::Auto;
        if (std::strcmp(v, "off") == 0 || std::strcmp(v, "0") == 0)
            return Mode::Off;
        if (std::strcmp(v, "portable") == 0)
            setHandWrittenKernels(false);
        return std::strcmp(v, "portable") == 0 ? Mode::Portable : Mode::Auto;
    }();
    return m;
}

/// Rows of x when it suits a kernel taking at most `maxRows`, else 0.
int64_t gemvRows(const at::Tensor& x, int64_t in, const at::Tensor& weight, int64_t maxRows = kMaxGemvRows) {
    if (mode() == Mode::Off || !x.device().is_cpu() || !weight.device().is_cpu() || x.dim() < 1 || x.size(-1) != in ||
        recordsGradient({&x, &weight}))
        return 0;
    const int64_t rows = x.numel() / std::max<int64_t>(1, in);
    return rows >= 1 && rows <= maxRows ? rows : 0;
}

struct SharedInput {
    const c10::TensorImpl* impl = nullptr;
    bool valid = false;
    int bits = 0;
    int64_t group = 0;
    Q8Activations qa;
};
SharedInput& sharedInput() {
    thread_local SharedInput s;
    return s;
}

} // namespace

SharedInputScope::SharedInputScope(const at::Tensor& x) {
    auto& s = sharedInput();
    s.impl = x.unsafeGetTensorImpl();
    s.valid = false;
}

SharedInputScope::~SharedInputScope() {
    auto& s = sharedInput();
    s.impl = nullptr;
    s.valid = false;
}

std::optional<at::Tensor> denseProjection(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias) {
    if (w.dim() != 2 || !w.is_contiguous())
        return std::nullopt;
    const int64_t out = w.size(0), in = w.size(1);
    const int64_t rows = gemvRows(x, in, w);
    if (!rows)
        return std::nullopt;
    DenseType type;
    at::Tensor xc;
    switch (w.scalar_type()) {
    case at::kFloat:
        type = DenseType::F32;
        xc = x.reshape({rows, in}).to(at::kFloat).contiguous();
        break;
    case at::kHalf:
        type = DenseType::F16;
        xc = x.reshape({rows, in}).to(at::kFloat).contiguous();
        break;
    case at::kBFloat16:
        type = DenseType::BF16;
        xc = x.reshape({rows, in}).to(at::kBFloat16).contiguous();
        break;
    default:
        return std::nullopt;
    }
    at::Tensor y = at::empty({rows, out}, at::TensorOptions().dtype(at::kFloat));
    denseGemv(type, xc.data_ptr(), int(rows), w.data_ptr(), out, in, y.data_ptr<float>());
    return model::kernelOutput(y, x, bias);
}

namespace {

/// One byte of 2:4 positions: two groups of 4 inputs starting at `base`, their four kept inputs (bits
/// 1:0 and 3:2 the first group's two positions, 5:4 and 7:6 the second's).
inline void sparse24Inputs(unsigned code, int64_t base, int64_t (&idx)[4]) {
    idx[0] = base + (code & 3u);
    idx[1] = base + ((code >> 2) & 3u);
    idx[2] = base + 4 + ((code >> 4) & 3u);
    idx[3] = base + 4 + (code >> 6);
}

/// y (rows, out) = x (rows, in) · Wᵀ for W stored 2:4, one byte of positions (8 inputs, 4 values) at a
/// time.  The gathers stay in x's cache lines; the matrix is read once, at about half its size.
template <typename V>
void sparse24RowPortable(const float* x, int64_t rows, const V* v, const uint8_t* p, int64_t in, float* acc) {
    for (int64_t b = 0; b < in / 8; ++b) {
        int64_t i[4];
        sparse24Inputs(p[b], b * 8, i);
        const float v0 = toFloat(v[4 * b]), v1 = toFloat(v[4 * b + 1]), v2 = toFloat(v[4 * b + 2]), v3 = toFloat(v[4 * b + 3]);
        for (int64_t r = 0; r < rows; ++r) {
            const float* xr = x + r * in;
            acc[r] += v0 * xr[i[0]] + v1 * xr[i[1]] + v2 * xr[i[2]] + v3 * xr[i[3]];
        }
    }
}

#if defined(__x86_64__)
// GCC 12 reports the AVX-512 intrinsics' own undefined start values (`__Y`) as maybe uninitialized
// when they are inlined here; nothing of ours is read uninitialized.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
/// AVX-512: 32 inputs per step.  Their 16 kept values come from one 16-element load, their positions
/// from one 32-bit word (2 bits per value: index = 4·(slot / 2) + position), and x's 32 inputs sit in
/// two registers, so one vpermt2ps gathers the 16 inputs that meet the values.
template <typename V>
__attribute__((target("avx512f,f16c"))) void sparse24RowAvx512(const float* x, int64_t rows, const V* v, const uint8_t* p,
                                                               int64_t in, float* out) {
    const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i bases = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28);
    const __m512i three = _mm512_set1_epi32(3);
    __m512 acc[kMaxGemvRows];
    for (int64_t r = 0; r < rows; ++r)
        acc[r] = _mm512_setzero_ps();
    for (int64_t w = 0; w < in / 32; ++w) {
        __m512 vals;
        if constexpr (std::is_same_v<V, float>) {
            vals = _mm512_loadu_ps(v + 16 * w);
        } else if constexpr (std::is_same_v<V, at::BFloat16>) {
            const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + 16 * w));
            vals = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
        } else {
            vals = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + 16 * w)));
        }
        uint32_t word;
        std::memcpy(&word, p + 4 * w, 4);
        const __m512i idx = _mm512_add_epi32(bases, _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(int(word)), shifts), three));
        for (int64_t r = 0; r < rows; ++r) {
            const float* xr = x + r * in + 32 * w;
            const __m512 g = _mm512_permutex2var_ps(_mm512_loadu_ps(xr), idx, _mm512_loadu_ps(xr + 16));
            acc[r] = _mm512_fmadd_ps(vals, g, acc[r]);
        }
    }
    for (int64_t r = 0; r < rows; ++r)
        out[r] += _mm512_reduce_add_ps(acc[r]);
}
#pragma GCC diagnostic pop
#endif

template <typename V>
void sparse24Gemv(const float* x, int64_t rows, const V* values, const uint8_t* positions, int64_t out, int64_t in, float* y) {
#if defined(__x86_64__)
    const bool avx512 = useHandWrittenKernels() && cpuFeatures().avx512f && cpuFeatures().f16c && in % 32 == 0;
#else
    const bool avx512 = false;
#endif
    ThreadPool::global().parallelFor(out, 8, [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o) {
            float acc[kMaxGemvRows] = {};
#if defined(__x86_64__)
            if (avx512)
                sparse24RowAvx512(x, rows, values + o * (in / 2), positions + o * (in / 8), in, acc);
            else
#endif
                sparse24RowPortable(x, rows, values + o * (in / 2), positions + o * (in / 8), in, acc);
            for (int64_t r = 0; r < rows; ++r)
                y[r * out + o] = acc[r];
        }
    });
}

} // namespace

std::optional<at::Tensor> sparse24Projection(const at::Tensor& x, const at::Tensor& values, const at::Tensor& positions,
                                             const std::optional<at::Tensor>& bias) {
    if (values.dim() != 2 || !values.is_contiguous() || !positions.is_contiguous() || positions.scalar_type() != at::kByte)
        return std::nullopt;
    const int64_t out = values.size(0), in = values.size(1) * 2;
    const int64_t rows = gemvRows(x, in, values);
    if (!rows || in % 8 != 0 || positions.size(0) != out || positions.size(1) != in / 8)
        return std::nullopt;
    const at::Tensor xc = x.reshape({rows, in}).to(at::kFloat).contiguous();
    at::Tensor y = at::empty({rows, out}, at::TensorOptions().dtype(at::kFloat));
    const auto* pos = positions.data_ptr<uint8_t>();
    for (int64_t r0 = 0; r0 < rows; r0 += kMaxGemvRows) {
        const int64_t n = std::min<int64_t>(kMaxGemvRows, rows - r0);
        const float* xr = xc.data_ptr<float>() + r0 * in;
        float* yr = y.data_ptr<float>() + r0 * out;
        switch (values.scalar_type()) {
        case at::kFloat: sparse24Gemv(xr, n, values.data_ptr<float>(), pos, out, in, yr); break;
        case at::kBFloat16: sparse24Gemv(xr, n, values.data_ptr<at::BFloat16>(), pos, out, in, yr); break;
        case at::kHalf: sparse24Gemv(xr, n, values.data_ptr<at::Half>(), pos, out, in, yr); break;
        default: return std::nullopt;
        }
    }
    return model::kernelOutput(y, x, bias);
}

std::optional<at::Tensor> sparse24Dense(const at::Tensor& values, const at::Tensor& positions, at::Tensor* scratch) {
    if (!values.device().is_cpu() || values.dim() != 2 || !values.is_contiguous() || !positions.is_contiguous() ||
        positions.scalar_type() != at::kByte || values.size(1) % 4 != 0)
        return std::nullopt;
    const int64_t out = values.size(0), in = values.size(1) * 2;
    at::Tensor w;
    if (scratch) {
        // Reused between calls: fresh pages for every product cost more than the product (page faults).
        if (!scratch->defined() || scratch->numel() < out * in || scratch->scalar_type() != values.scalar_type())
            *scratch = at::empty({out * in}, values.options());
        w = scratch->narrow(0, 0, out * in).view({out, in});
    } else {
        w = at::empty({out, in}, values.options());
    }
    const auto* pos = positions.data_ptr<uint8_t>();
    const int64_t esize = values.element_size();
    const auto* src = static_cast<const std::byte*>(values.data_ptr());
    auto* dst = static_cast<std::byte*>(w.data_ptr());
    // ATen's threads, the ones the GEMM after it uses (two pools on the same cores would spin against each other).
    at::parallel_for(0, out, 16, [&](int64_t o0, int64_t o1) {
        std::memset(dst + o0 * in * esize, 0, size_t((o1 - o0) * in * esize));
        for (int64_t o = o0; o < o1; ++o)
            for (int64_t b = 0; b < in / 8; ++b) {
                int64_t idx[4];
                sparse24Inputs(pos[o * (in / 8) + b], o * in + b * 8, idx);
                for (int k = 0; k < 4; ++k)   // a padding slot holds 0: writing it over a zero changes nothing
                    std::memcpy(dst + idx[k] * esize, src + (o * (in / 2) + b * 4 + k) * esize, size_t(esize));
            }
    });
    return w;
}

std::optional<at::Tensor> widenedProjection(const at::Tensor& x, const at::Tensor& w, const std::optional<at::Tensor>& bias) {
    if (w.dim() != 2 || !w.is_contiguous() || !hasWidenedGemm() ||
        (w.scalar_type() != at::kBFloat16 && w.scalar_type() != at::kHalf))
        return std::nullopt;
    const int64_t out = w.size(0), in = w.size(1);
    const int64_t rows = gemvRows(x, in, w, std::numeric_limits<int64_t>::max());
    if (!rows)
        return std::nullopt;
    const at::Tensor xc = x.reshape({rows, in}).to(at::kFloat).contiguous();
    at::Tensor y = at::empty({rows, out}, at::TensorOptions().dtype(at::kFloat));
    widenedGemm(w.scalar_type() == at::kBFloat16 ? WideType::BF16 : WideType::F16, xc.data_ptr<float>(), rows,
                reinterpret_cast<const uint16_t*>(w.data_ptr()), out, in, y.data_ptr<float>());
    return model::kernelOutput(y, x, bias);
}

std::optional<at::Tensor> widenBf16(const at::Tensor& w, at::Tensor& scratch) {
    if (!w.device().is_cpu() || w.scalar_type() != at::kBFloat16 || !w.is_contiguous() || recordsGradient({&w}))
        return std::nullopt;
    const int64_t n = w.numel();
    if (!scratch.defined() || scratch.numel() < n || scratch.scalar_type() != at::kFloat)
        scratch = at::empty({n}, at::TensorOptions().dtype(at::kFloat));
    const c10::BFloat16* src = w.data_ptr<at::BFloat16>();
    float* dst = scratch.data_ptr<float>();
    at::parallel_for(0, n, 1 << 16, [&](int64_t a, int64_t b) {
        for (int64_t i = a; i < b; ++i)
            dst[i] = toFloat(src[i]);
    });
    return scratch.narrow(0, 0, n).view(w.sizes());
}

bool tileIntWeights(int bits, int64_t in, int64_t out, int64_t group, at::ScalarType activation) {
    return mode() == Mode::Auto && (activation == at::kBFloat16 || activation == at::kHalf) &&
           intTileKernel() != IntTileKernel::None && intGemvSupports(bits, in, out, group) && out % 16 == 0;
}

at::Tensor tileColumns(const at::Tensor& qweight) {
    const int64_t P = qweight.size(0), out = qweight.size(1);
    at::Tensor t = emptyInHugePages({out / 16, P, 16}, at::kInt);
    t.copy_(qweight.view({P, out / 16, 16}).permute({1, 0, 2}));
    return t;
}

at::Tensor untileColumns(const at::Tensor& tiled) {
    const int64_t T = tiled.size(0), P = tiled.size(1);
    return tiled.permute({1, 0, 2}).reshape({P, T * 16}).contiguous();
}

std::optional<at::Tensor> intProjection(const at::Tensor& x, int bits, int64_t in, int64_t out, int64_t group,
                                        const at::Tensor& qweight, bool tiled, const at::Tensor& qzeros,
                                        const at::Tensor& zeros, const at::Tensor& scales,
                                        const std::optional<at::Tensor>& bias) {
    if (!intGemvSupports(bits, in, out, group) || scales.scalar_type() != at::kHalf)
        return std::nullopt;
    static const char* route = std::getenv("SLIMBENCH_CPU_INT_ACT");
    const bool q8 = route ? std::strcmp(route, "q8") == 0 : x.scalar_type() != at::kFloat;
    // Tiles are read by the hand-written kernel only (elsewhere, e.g. tests switching it off, the plain
    // layout is restored).  That kernel also takes prefill: it reads the weights once per 8 rows with
    // integer dot products — far faster than de-quantizing every matrix for a GEMM.
    const bool readTiles = tiled && q8 && readsIntTiles();
    const int64_t rows = gemvRows(x, in, qweight, readTiles ? std::numeric_limits<int64_t>::max() : kMaxGemvRows);
    if (!rows)
        return std::nullopt;
    const at::Tensor plain = tiled && !readTiles ? untileColumns(qweight) : at::Tensor();
    IntWeights w;
    w.tiled = readTiles;
    w.bits = bits;
    w.in = in;
    w.out = out;
    w.group = group;
    const at::Tensor qw = plain.defined() ? plain : qweight.contiguous(), sc = scales.contiguous();
    at::Tensor qz, zf;
    w.qweight = qw.data_ptr<int32_t>();
    w.scales = reinterpret_cast<const uint16_t*>(sc.data_ptr<at::Half>());
    if (zeros.defined()) {
        zf = zeros.to(at::kHalf).contiguous();
        w.zerosF16 = reinterpret_cast<const uint16_t*>(zf.data_ptr<at::Half>());
    } else {
        qz = qzeros.contiguous();
        w.qzeros = qz.data_ptr<int32_t>();
    }
    at::Tensor y = at::empty({rows, out}, at::TensorOptions().dtype(at::kFloat));
    auto floats = [&] { return x.reshape({rows, in}).to(at::kFloat).contiguous(); };
    if (q8) {
        // q, k, v (and gate, up) read the same input: quantized once inside a SharedInputScope.
        auto& shared = sharedInput();
        const bool reuse = shared.impl != nullptr && shared.impl == x.unsafeGetTensorImpl();
        thread_local Q8Activations own;
        Q8Activations& qa = reuse ? shared.qa : own;
        if (!reuse || !shared.valid || shared.bits != bits || shared.group != group) {
            const at::Tensor xf = floats();
            quantizeQ8(xf.data_ptr<float>(), int(rows), in, group, bits, qa);
            if (reuse) {
                shared.valid = true;
                shared.bits = bits;
                shared.group = group;
            }
        }
        intGemvQ8(w, qa, y.data_ptr<float>());
    } else {
        const at::Tensor xf = floats();
        intGemvF32(w, xf.data_ptr<float>(), int(rows), y.data_ptr<float>());
    }
    return model::kernelOutput(y, x, bias);
}

} // namespace slim::cpu
