#include "core/quant/nf4.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace slim::quant {

const at::Tensor& nf4Codebook() {
    // bitsandbytes functional.py get_4bit_type("nf4") (QLoRA appendix E).
    static const at::Tensor t = at::tensor(std::vector<float>{
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f});
    return t;
}

const at::Tensor& dynamicMap8() {
    // bitsandbytes create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for each
    // exponent i, 2^i means of a linear split of [0.1, 1], scaled by 10^(i-6), with both signs; plus 0, 1.
    static const at::Tensor t = [] {
        std::vector<float> v;
        for (int i = 0; i < 7; ++i) {
            const int items = (1 << i) + 1;
            const at::Tensor b = at::linspace(0.1, 1.0, items, at::kFloat);
            const at::Tensor means = (b.narrow(0, 0, items - 1) + b.narrow(0, 1, items - 1)) / 2.0;
            const float scale = static_cast<float>(std::pow(10.0, -(7 - 1) + i));
            for (int64_t k = 0; k < means.numel(); ++k) {
                const float m = means[k].item<float>();
                v.push_back(scale * m);
                v.push_back(-scale * m);
            }
        }
        v.push_back(0.0f);
        v.push_back(1.0f);
        std::sort(v.begin(), v.end());
        return at::tensor(v);
    }();
    return t;
}

at::Tensor nearestCode(const at::Tensor& x, const at::Tensor& codebook) {
    // Midpoints between neighbours; the number of midpoints below x is the nearest index.
    const at::Tensor cb = codebook.to(x.device());
    const int64_t n = cb.numel();
    const at::Tensor mid = (cb.narrow(0, 0, n - 1) + cb.narrow(0, 1, n - 1)) / 2.0;
    return at::bucketize(x.to(at::kFloat).contiguous(), mid.contiguous(), /*out_int32=*/false, /*right=*/false).to(at::kByte);
}

namespace {

at::Tensor packNibbles(const at::Tensor& idx) {
    const at::Tensor p = idx.view({-1, 2}).to(at::kInt);
    return (p.select(1, 0).bitwise_left_shift(4).bitwise_or(p.select(1, 1))).to(at::kByte);
}

at::Tensor unpackNibbles(const at::Tensor& packed) {
    const at::Tensor p = packed.to(at::kInt);
    return at::stack({p.bitwise_right_shift(4), p.bitwise_and(15)}, 1).view({-1}).to(at::kLong);
}

at::Tensor blockAbsmax(const at::Tensor& flat, int64_t block) {
    const int64_t n = flat.numel(), blocks = (n + block - 1) / block;
    at::Tensor padded = flat;
    if (blocks * block != n)
        padded = at::cat({flat, at::zeros({blocks * block - n}, flat.options())});
    return std::get<0>(padded.view({blocks, block}).abs().max(1));
}

constexpr int64_t kNestedBlock = 256;

} // namespace

at::Tensor Nf4Quantized::dequantize() const {
    at::Tensor amax;
    if (doubleQuant) {
        const int64_t blocks = absmax.numel();
        const at::Tensor codes = dynamicMap8().to(absmax.device()).index_select(0, absmax.to(at::kLong));
        const at::Tensor scale = nestedAbsmax.repeat_interleave(kNestedBlock).narrow(0, 0, blocks);
        amax = codes * scale + offset;
    } else {
        amax = absmax.to(at::kFloat);
    }
    const at::Tensor vals = nf4Codebook().to(packed.device()).index_select(0, unpackNibbles(packed));
    return (vals.view({-1, blockSize}) * amax.unsqueeze(1)).view({out, in});
}

Nf4Quantized nf4Quantize(const at::Tensor& w, bool doubleQuant, int64_t blockSize) {
    Nf4Quantized q;
    q.out = w.size(0);
    q.in = w.size(1);
    q.blockSize = blockSize;
    const at::Tensor flat = w.to(at::kFloat).reshape({-1});
    if (flat.numel() % blockSize != 0)
        throw ConfigError("NF4: " + std::to_string(flat.numel()) + " weights are not a multiple of the block size " +
                          std::to_string(blockSize));
    const at::Tensor amax = blockAbsmax(flat, blockSize); // (blocks)
    const at::Tensor normed = flat.view({-1, blockSize}) / at::clamp_min(amax, 1e-12).unsqueeze(1);
    q.packed = packNibbles(nearestCode(normed.view({-1}), nf4Codebook()));
    q.doubleQuant = doubleQuant;
    if (!doubleQuant) {
        q.absmax = amax;
        return q;
    }
    // Nested: (absmax − mean) / its own absmax per 256, nearest value of the dynamic map.
    q.offset = amax.mean().item<double>();
    const at::Tensor centred = amax - q.offset;
    const int64_t blocks = centred.numel(), nb = (blocks + kNestedBlock - 1) / kNestedBlock;
    q.nestedAbsmax = blockAbsmax(centred, kNestedBlock);
    const at::Tensor scale = at::clamp_min(q.nestedAbsmax, 1e-12).repeat_interleave(kNestedBlock).narrow(0, 0, blocks);
    q.absmax = nearestCode(centred / scale, dynamicMap8());
    (void)nb;
    return q;
}

Nf4Linear::Nf4Linear(Nf4Quantized q, std::optional<at::Tensor> bias, at::ScalarType activation)
    : m_q(std::move(q)), m_bias(std::move(bias)), m_activation(activation) {
    if (m_bias)
        m_bias = m_bias->to(activation);
}

at::Tensor Nf4Linear::denseWeight() const {
    return m_q.dequantize().to(m_activation);
}

at::Tensor Nf4Linear::forward(const at::Tensor& x) const {
    return model::linearOnDevice(x, m_q.dequantize(), m_bias);
}

namespace {

nlohmann::json quantState(const Nf4Quantized& q, at::ScalarType activation) {
    nlohmann::json j = {{"quant_type", "nf4"},
                        {"blocksize", q.blockSize},
                        {"dtype", activation == at::kBFloat16 ? "bfloat16" : activation == at::kHalf ? "float16" : "float32"},
                        {"shape", {q.out, q.in}}};
    if (q.doubleQuant) {
        j["nested_blocksize"] = kNestedBlock;
        j["nested_dtype"] = "float32";
        j["nested_offset"] = q.offset;
    }
    return j;
}

} // namespace

std::vector<model::StoredTensor> Nf4Linear::storedTensors() const {
    std::vector<model::StoredTensor> out{{"weight", m_q.packed.view({-1, 1}), false},
                                         {"weight.absmax", m_q.absmax, false},
                                         {"weight.quant_map", nf4Codebook().to(m_q.packed.device()), false}};
    if (m_q.doubleQuant) {
        out.push_back({"weight.nested_absmax", m_q.nestedAbsmax, false});
        out.push_back({"weight.nested_quant_map", dynamicMap8().to(m_q.packed.device()), false});
    }
    const std::string js = quantState(m_q, m_activation).dump();
    at::Tensor state = at::empty({int64_t(js.size())}, at::kByte);
    std::copy(js.begin(), js.end(), state.data_ptr<uint8_t>());
    out.push_back({"weight.quant_state.bitsandbytes__nf4", state.to(m_q.packed.device()), false});
    if (m_bias)
        out.push_back({"bias", *m_bias, true});
    return out;
}

void Nf4Linear::to(const at::Device& device, at::ScalarType dtype) {
    m_q.packed = m_q.packed.to(device);
    m_q.absmax = m_q.absmax.to(device);
    if (m_q.nestedAbsmax.defined())
        m_q.nestedAbsmax = m_q.nestedAbsmax.to(device);
    if (m_bias)
        m_bias = m_bias->to(device, dtype);
    m_activation = dtype;
}

std::unique_ptr<Nf4Linear> Nf4Linear::fromStored(const std::function<at::Tensor(const std::string&)>& get,
                                                 const std::function<bool(const std::string&)>& has, int64_t out,
                                                 int64_t in, std::optional<at::Tensor> bias, at::ScalarType activation,
                                                 const std::string& what) {
    const at::Tensor stateBytes = get("weight.quant_state.bitsandbytes__nf4").contiguous();
    nlohmann::json st;
    try {
        st = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(stateBytes.data_ptr<uint8_t>()),
                                               size_t(stateBytes.numel())));
    } catch (const std::exception& e) {
        throw FormatError(what, std::string("weight.quant_state.bitsandbytes__nf4 is not JSON: ") + e.what());
    }
    if (st.value("quant_type", "") != "nf4")
        throw FormatError(what, "quant state type '" + st.value("quant_type", "") + "': only nf4 is supported");
    Nf4Quantized q;
    q.out = out;
    q.in = in;
    q.blockSize = st.value("blocksize", int64_t(64));
    if (q.blockSize < 1 || (out * in) % q.blockSize)
        throw FormatError(what, "NF4 blocksize " + std::to_string(q.blockSize) + " does not divide " + std::to_string(out * in));
    q.packed = get("weight").reshape({-1});
    if (q.packed.scalar_type() != at::kByte || q.packed.numel() != out * in / 2)
        throw FormatError(what, "weight holds " + std::to_string(q.packed.numel()) + " bytes; NF4 of " + std::to_string(out) +
                                    " x " + std::to_string(in) + " stores " + std::to_string(out * in / 2) + " uint8");
    const int64_t blocks = out * in / q.blockSize;
    q.absmax = get("weight.absmax").reshape({-1});
    if (q.absmax.numel() != blocks)
        throw FormatError(what, "weight.absmax holds " + std::to_string(q.absmax.numel()) + " values, expected " +
                                    std::to_string(blocks));
    q.doubleQuant = has("weight.nested_absmax");
    if (q.doubleQuant) {
        q.nestedAbsmax = get("weight.nested_absmax").to(at::kFloat).reshape({-1});
        q.offset = st.value("nested_offset", 0.0);
        if (q.absmax.scalar_type() != at::kByte ||
            q.nestedAbsmax.numel() != (blocks + kNestedBlock - 1) / kNestedBlock)
            throw FormatError(what, "double-quantized absmax: expected uint8 absmax and one nested absmax per 256 blocks");
    } else {
        q.absmax = q.absmax.to(at::kFloat);
    }
    return std::make_unique<Nf4Linear>(std::move(q), std::move(bias), activation);
}

} // namespace slim::quant
