#include "core/quant/quant_layout.h"

#include "core/model/sparse24_linear.h"

#include "core/common/errors.h"
#include "core/io/checkpoint.h"
#include "core/model/linear.h"
#include "core/quant/nf4.h"
#include "core/quant/packing.h"
#include "core/quant/quantized_linear.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

namespace slim::quant {

using nlohmann::json;

namespace {

constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

int bitsOf(const json& q, const std::string& file, const char* key, int def) {
    const int b = q.contains(key) && q.at(key).is_number_integer() ? q.at(key).get<int>() : def;
    if (b != 2 && b != 3 && b != 4 && b != 8)
        throw ConfigError(file + ": quantization_config." + key + " = " + std::to_string(b) + ": 2, 3, 4 or 8 bits are read");
    return b;
}

int64_t groupOf(const json& q, const std::string& file, const char* key) {
    const int64_t g = q.contains(key) && q.at(key).is_number_integer() ? q.at(key).get<int64_t>() : 128;
    if (g == -1 || g == 0)
        return 0;
    if (g < 0 || g % 32 != 0)
        throw ConfigError(file + ": quantization_config." + key + " = " + std::to_string(g) +
                          ": a positive multiple of 32, or -1 for one group per output channel");
    return g;
}

} // namespace

QuantLayout QuantLayout::fromJson(const json& q, const std::string& file) {
    QuantLayout l;
    if (q.is_null())
        return l;
    if (!q.is_object() || !q.contains("quant_method") || !q.at("quant_method").is_string())
        throw ConfigError(file + ": quantization_config must be an object with a string quant_method");
    const std::string m = q.at("quant_method").get<std::string>();
    l.producer = q.value("slimbench_method", m);
    l.lmHead = q.value("lm_head", false);
    if (m == "gptq") {
        l.method = Method::Gptq;
        l.bits = bitsOf(q, file, "bits", 4);
        l.groupSize = groupOf(q, file, "group_size");
        l.symmetric = q.value("sym", true);
        l.descAct = q.value("desc_act", false);
        const std::string fmt = q.value("checkpoint_format", std::string("gptq"));
        if (fmt != "gptq" && fmt != "gptq_v2")
            throw UnsupportedError(file + ": GPTQ checkpoint_format '" + fmt + "' (gptq and gptq_v2 are read)");
        l.zerosMinusOne = fmt == "gptq";
    } else if (m == "awq") {
        l.method = Method::Awq;
        l.bits = bitsOf(q, file, q.contains("w_bit") ? "w_bit" : "bits", 4);
        l.groupSize = groupOf(q, file, q.contains("q_group_size") ? "q_group_size" : "group_size");
        l.symmetric = !q.value("zero_point", true);
        const std::string v = q.value("version", std::string("gemm"));
        if (v != "gemm" && v != "GEMM")
            throw UnsupportedError(file + ": AWQ version '" + v + "': only the gemm packing is read");
        if (l.bits != 4)
            throw UnsupportedError(file + ": AWQ with " + std::to_string(l.bits) + " bits: the gemm packing is 4-bit");
    } else if (m == "bitsandbytes") {
        if (!q.value("load_in_4bit", false) || q.value("bnb_4bit_quant_type", std::string("fp4")) != "nf4")
            throw UnsupportedError(file + ": bitsandbytes checkpoints are read in 4-bit NF4 only (load_in_4bit, "
                                          "bnb_4bit_quant_type nf4)");
        l.method = Method::Nf4;
        l.bits = 4;
        l.groupSize = 64;
        l.symmetric = true;
        l.doubleQuant = q.value("bnb_4bit_use_double_quant", false);
    } else if (m == "slimbench") {
        const std::string fmt = q.value("format", std::string());
        if (fmt == "sparse24") {
            l.method = Method::Sparse24;
            return l;
        }
        if (fmt != "hqq")
            throw UnsupportedError(file + ": slimbench quantization format '" + fmt + "' (hqq and sparse24 are read)");
        l.method = Method::Hqq;
        l.bits = bitsOf(q, file, "bits", 4);
        l.groupSize = groupOf(q, file, "group_size");
        l.zerosMinusOne = false;
    } else {
        throw UnsupportedError(file + ": quantization_config.quant_method '" + m +
                               "' is not read (gptq, awq, bitsandbytes nf4 and slimbench hqq are)");
    }
    return l;
}

QuantLayout QuantLayout::fromConfigText(const std::string& text, const std::string& file) {
    if (text.empty())
        return {};
    return fromJson(json::parse(text), file);
}

json QuantLayout::toJson() const {
    json j = toJsonWithoutHead();
    if (lmHead && j.is_object())
        j["lm_head"] = true;
    return j;
}

json QuantLayout::toJsonWithoutHead() const {
    switch (method) {
    case Method::None:
        return nullptr;
    case Method::Gptq:
        return {{"quant_method", "gptq"},
                {"bits", bits},
                {"group_size", groupSize > 0 ? groupSize : -1},
                {"desc_act", descAct},
                {"sym", symmetric},
                {"true_sequential", true},
                {"checkpoint_format", zerosMinusOne ? "gptq" : "gptq_v2"},
                {"slimbench_method", producer.empty() ? "gptq" : producer}};
    case Method::Awq:
        return {{"quant_method", "awq"}, {"bits", bits}, {"group_size", groupSize}, {"zero_point", !symmetric}, {"version", "gemm"}};
    case Method::Nf4:
        return {{"quant_method", "bitsandbytes"},
                {"load_in_4bit", true},
                {"load_in_8bit", false},
                {"bnb_4bit_quant_type", "nf4"},
                {"bnb_4bit_use_double_quant", doubleQuant},
                {"bnb_4bit_compute_dtype", "bfloat16"},
                {"bnb_4bit_quant_storage", "uint8"}};
    case Method::Hqq:
        return {{"quant_method", "slimbench"}, {"format", "hqq"}, {"bits", bits}, {"group_size", groupSize > 0 ? groupSize : -1}};
    case Method::Sparse24:
        return {{"quant_method", "slimbench"}, {"format", "sparse24"}};
    }
    return nullptr;
}

at::Tensor awqPack(const at::Tensor& codes, int bits) {
    const int64_t rows = codes.size(0), cols = codes.size(1), per = 32 / bits;
    const at::Tensor c = codes.to(at::kLong).reshape({rows, cols / per, per});
    at::Tensor w = at::zeros({rows, cols / per}, c.options());
    for (int i = 0; i < per; ++i)
        w.bitwise_or_(c.select(2, kAwqOrder[i]).bitwise_left_shift(i * bits));
    return toInt32Bits(w);
}

at::Tensor awqUnpack(const at::Tensor& packed, int bits, int64_t cols) {
    const int64_t rows = packed.size(0), per = 32 / bits;
    const at::Tensor w = packed.to(at::kLong).bitwise_and((int64_t(1) << 32) - 1);
    at::Tensor out = at::empty({rows, cols / per, per}, w.options());
    for (int i = 0; i < per; ++i)
        out.select(2, kAwqOrder[i]).copy_(w.bitwise_right_shift(i * bits).bitwise_and((1 << bits) - 1));
    return out.reshape({rows, cols});
}

using io::shapeText;

void checkProjectionTensors(const QuantLayout& layout, const io::Checkpoint& ckpt, const std::string& prefix, int64_t out,
                            int64_t in, const std::string& because) {
    const std::string where = ckpt.dir().string();
    auto fail = [&](const std::string& rule) { throw FormatError(where, rule); };
    auto expect = [&](const std::string& suffix, const std::vector<int64_t>& shape, std::initializer_list<io::DType> dtypes,
                      const std::string& rule) {
        const std::string name = prefix + "." + suffix;
        if (!ckpt.contains(name))
            fail("tensor \"" + name + "\" expected by config.json (" + rule + ") is missing");
        const auto& info = ckpt.info(name);
        if (!shape.empty() && info.shape != shape)
            fail("tensor \"" + name + "\" has shape " + shapeText(info.shape) + " but " + rule + " implies " + shapeText(shape));
        bool ok = false;
        for (auto d : dtypes)
            ok = ok || info.dtype == d;
        if (!ok)
            fail("tensor \"" + name + "\" has dtype " + std::string(io::traits(info.dtype).name) + ", not what " + rule +
                 " stores");
    };
    const std::string weight = prefix + ".weight";
    if (ckpt.contains(weight) && io::isFloating(ckpt.info(weight).dtype)) {
        const auto& info = ckpt.info(weight);
        if (info.shape != std::vector<int64_t>{out, in})
            fail("tensor \"" + weight + "\" has shape " + shapeText(info.shape) + " but config.json implies " +
                 shapeText({out, in}) + " (" + because + ")");
        return;
    }
    if (layout.method == QuantLayout::Method::Sparse24) {
        const std::string rule2 = "quantization_config sparse24, " + because;
        if (in % 8 != 0)
            fail(prefix + ": 2:4 compressed storage needs a multiple of 8 inputs (has " + std::to_string(in) + ")");
        expect("values", {out, in / 2}, {io::DType::F32, io::DType::F16, io::DType::BF16}, rule2);
        expect("positions", {out, in / 8}, {io::DType::U8}, rule2);
        return;
    }
    if (!layout.quantized()) {
        if (!ckpt.contains(weight))
            fail("tensor \"" + weight + "\" expected by config.json (" + because + ") is missing");
        fail("tensor \"" + weight + "\" has dtype " + std::string(io::traits(ckpt.info(weight).dtype).name) +
             ": weights must be floating point (config.json has no quantization_config)");
    }
    const int b = layout.bits;
    const int64_t G = layout.groupSize > 0 ? (in + layout.groupSize - 1) / layout.groupSize : 1;
    const std::string rule = "quantization_config " + std::to_string(b) + "-bit, " +
                             (layout.groupSize > 0 ? "group " + std::to_string(layout.groupSize) : std::string("per channel")) +
                             ", " + because;
    switch (layout.method) {
    case QuantLayout::Method::Gptq:
    case QuantLayout::Method::Hqq:
        if (in * b % 32 || out * b % 32)
            fail(prefix + ": " + std::to_string(out) + " x " + std::to_string(in) + " cannot be packed in 32-bit words");
        expect("qweight", {in * b / 32, out}, {io::DType::I32}, rule);
        if (layout.method == QuantLayout::Method::Hqq)
            expect("zeros", {G, out}, {io::DType::F16, io::DType::BF16, io::DType::F32}, rule);
        else
            expect("qzeros", {G, out * b / 32}, {io::DType::I32}, rule);
        expect("scales", {G, out}, {io::DType::F16, io::DType::BF16, io::DType::F32}, rule);
        if (ckpt.contains(prefix + ".g_idx"))
            expect("g_idx", {in}, {io::DType::I32, io::DType::I64}, rule);
        break;
    case QuantLayout::Method::Awq:
        if (layout.groupSize <= 0 || in % layout.groupSize)
            fail(prefix + ": AWQ groups of " + std::to_string(layout.groupSize) + " must divide " + std::to_string(in));
        expect("qweight", {in, out * b / 32}, {io::DType::I32}, rule);
        expect("qzeros", {G, out * b / 32}, {io::DType::I32}, rule);
        expect("scales", {G, out}, {io::DType::F16, io::DType::BF16, io::DType::F32}, rule);
        break;
    case QuantLayout::Method::Nf4:
        expect("weight", {}, {io::DType::U8}, rule);
        expect("weight.absmax", {}, {io::DType::F32, io::DType::U8}, rule);
        expect("weight.quant_state.bitsandbytes__nf4", {}, {io::DType::U8}, rule);
        {
            const auto& s = ckpt.info(weight).shape;
            int64_t n = 1;
            for (auto d : s)
                n *= d;
            if (n * 2 != out * in)
                fail("tensor \"" + weight + "\" holds " + std::to_string(n) + " bytes; NF4 of " + std::to_string(out) + " x " +
                     std::to_string(in) + " stores " + std::to_string(out * in / 2));
        }
        break;
    case QuantLayout::Method::None:
    case QuantLayout::Method::Sparse24:
        break;
    }
}

std::unique_ptr<model::Linear> makeProjection(const QuantLayout& layout, const std::string& prefix, int64_t out, int64_t in,
                                              bool hasBias, const TensorGetter& get, const TensorExists& has,
                                              const std::function<at::Tensor(const at::Tensor&)>& conv,
                                              const at::Device& device, at::ScalarType activation) {
    std::optional<at::Tensor> bias;
    if (hasBias)
        bias = conv(get(prefix + ".bias"));
    const std::string weight = prefix + ".weight";
    if (layout.method == QuantLayout::Method::Sparse24 && has && has(prefix + ".values")) {
        auto lin = std::make_unique<model::Sparse24Linear>(conv(get(prefix + ".values")), get(prefix + ".positions").to(at::kByte),
                                                           bias, out, in, prefix);
        lin->to(device, activation);
        return lin;
    }
    const bool dense = !layout.quantized() || !has || (has(weight) && !has(prefix + ".weight.absmax"));
    if (dense)
        return std::make_unique<model::DenseLinear>(conv(get(weight)), bias);
    const auto sub = [&](const std::string& s) { return get(prefix + "." + s); };
    std::unique_ptr<model::Linear> lin;
    switch (layout.method) {
    case QuantLayout::Method::Nf4:
        lin = Nf4Linear::fromStored(sub, [&](const std::string& s) { return has(prefix + "." + s); }, out, in, bias,
                                    activation, prefix);
        break;
    case QuantLayout::Method::Gptq:
    case QuantLayout::Method::Hqq:
    case QuantLayout::Method::Awq: {
        IntSpec spec;
        spec.bits = layout.bits;
        spec.groupSize = layout.groupSize;
        spec.symmetric = layout.symmetric;
        at::Tensor qweight = sub("qweight"), qzeros, fzeros, scales = sub("scales"), gidx;
        if (layout.method == QuantLayout::Method::Hqq) {
            fzeros = sub("zeros");
        } else if (layout.method == QuantLayout::Method::Awq) {
            // AutoAWQ gemm -> GPTQ layout: codes (in, out) packed along the input, zeros as is.
            const at::Tensor codes = awqUnpack(qweight, spec.bits, out);          // (in, out)
            qweight = packRows(codes, spec.bits);
            qzeros = packCols(awqUnpack(sub("qzeros"), spec.bits, out), spec.bits);
        } else {
            qzeros = sub("qzeros");
            if (layout.zerosMinusOne) // v1 stores zero − 1 (IST-DASLab/gptq quant.py pack)
                qzeros = packCols((unpackCols(qzeros, spec.bits, out).to(at::kLong) + 1).bitwise_and(spec.maxq()), spec.bits);
            if (has(prefix + ".g_idx"))
                gidx = sub("g_idx").to(at::kInt);
        }
        lin = std::make_unique<QuantizedLinear>(spec, in, out, qweight, qzeros, fzeros, scales, gidx, bias, activation, prefix);
        break;
    }
    case QuantLayout::Method::None:
    case QuantLayout::Method::Sparse24:
        break;
    }
    lin->to(device, activation);
    return lin;
}

} // namespace slim::quant
