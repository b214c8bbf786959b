#include "core/quant/quant_type.h"

#include "core/common/errors.h"

#include <sstream>

namespace slim::quant {

double QuantType::bytesPerWeight(int64_t in) const {
    switch (packing) {
    case Packing::GptqInt:
    case Packing::GptqIntFloatZero: {
        const double g = groupSize > 0 ? double(groupSize) : double(in);
        // codes + one fp16 scale and one zero (packed B bits, or fp16) per group and output channel
        const double zeroBytes = packing == Packing::GptqInt ? bits / 8.0 : 2.0;
        return bits / 8.0 + (2.0 + zeroBytes) / g;
    }
    case Packing::Nf4:
        // 0.5 byte per weight + fp32 absmax per 64, or uint8 absmax per 64 + fp32 per 256·64
        return doubleQuant ? 0.5 + 1.0 / 64.0 + 4.0 / (64.0 * 256.0) : 0.5 + 4.0 / 64.0;
    case Packing::GgufBlock:
        if (name == "q8_0")
            return 34.0 / 32.0;
        if (name == "q4_0")
            return 18.0 / 32.0;
        return 144.0 / 256.0; // q4_k
    }
    return 0.0;
}

std::string QuantType::describe() const {
    std::ostringstream s;
    switch (packing) {
    case Packing::GptqInt:
    case Packing::GptqIntFloatZero:
        s << "int" << bits << ", " << (groupSize > 0 ? "groups of " + std::to_string(groupSize) : std::string("per output channel"))
          << ", " << (symmetric ? "symmetric" : packing == Packing::GptqInt ? "integer zero point" : "fp16 zero point");
        break;
    case Packing::Nf4:
        s << "NF4, blocks of 64" << (doubleQuant ? ", double-quantized absmax" : ", fp32 absmax");
        break;
    case Packing::GgufBlock:
        s << "GGUF " << name;
        break;
    }
    return s.str();
}

namespace {

std::string intName(int bits, int64_t g, bool sym) {
    return "int" + std::to_string(bits) + "-" + (g > 0 ? "g" + std::to_string(g) : std::string("pc")) + (sym ? "-sym" : "");
}

std::vector<QuantType> buildTable() {
    std::vector<QuantType> t;
    for (int bits : {8, 4, 3, 2})
        for (int64_t g : {int64_t(32), int64_t(64), int64_t(128), int64_t(0)})
            for (bool sym : {false, true}) {
                QuantType q;
                q.name = intName(bits, g, sym);
                q.bits = bits;
                q.groupSize = g;
                q.symmetric = sym;
                t.push_back(q);
            }
    for (int64_t g : {int64_t(32), int64_t(64), int64_t(128)}) {
        QuantType q; // HQQ: 4 / 3 / 2 bits with a floating zero point
        for (int bits : {4, 3, 2}) {
            q.name = "hqq" + std::to_string(bits) + "-g" + std::to_string(g);
            q.bits = bits;
            q.groupSize = g;
            q.packing = Packing::GptqIntFloatZero;
            t.push_back(q);
        }
    }
    QuantType nf4;
    nf4.name = "nf4";
    nf4.bits = 4;
    nf4.groupSize = 64;
    nf4.symmetric = true;
    nf4.packing = Packing::Nf4;
    t.push_back(nf4);
    nf4.name = "nf4-dq";
    nf4.doubleQuant = true;
    t.push_back(nf4);
    for (auto [name, bits, block] : {std::tuple{"q8_0", 8, 32}, std::tuple{"q4_0", 4, 32}, std::tuple{"q4_k", 4, 256}}) {
        QuantType q;
        q.name = name;
        q.bits = bits;
        q.groupSize = block;
        q.symmetric = std::string_view(name) != "q4_k";
        q.packing = Packing::GgufBlock;
        t.push_back(q);
    }
    return t;
}

} // namespace

const std::vector<QuantType>& quantTypes() {
    static const std::vector<QuantType> table = buildTable();
    return table;
}

const QuantType& quantType(std::string_view name) {
    for (const auto& q : quantTypes())
        if (q.name == name)
            return q;
    throw ConfigError("unknown quantization format '" + std::string(name) +
                      "' (known: intB-gG[-sym] with B = 8, 4, 3, 2 and G = 32, 64, 128 or pc; hqqB-gG; nf4; nf4-dq; "
                      "q8_0; q4_0; q4_k)");
}

const QuantType& intType(int bits, int64_t groupSize, bool symmetric) {
    if (bits != 2 && bits != 3 && bits != 4 && bits != 8)
        throw ConfigError("--bits " + std::to_string(bits) + ": integer formats have 2, 3, 4 or 8 bits");
    if (groupSize < 0)
        groupSize = 0;
    if (groupSize != 0 && groupSize != 32 && groupSize != 64 && groupSize != 128)
        throw ConfigError("--group " + std::to_string(groupSize) +
                          ": groups of 32, 64 or 128 input columns, or -1 for one group per output channel");
    return quantType(intName(bits, groupSize, symmetric));
}

void checkShape(const QuantType& t, int64_t out, int64_t in, const std::string& what) {
    const std::string shape = " (" + std::to_string(out) + " x " + std::to_string(in) + ")";
    switch (t.packing) {
    case Packing::GptqInt:
    case Packing::GptqIntFloatZero:
        if (in % 32 != 0)
            throw ConfigError(what + shape + ": " + t.name +
                              " packs 32 codes per bit-stream block along the input dimension; " +
                              std::to_string(in) + " input columns are not a multiple of 32");
        if (out % 32 != 0)
            throw ConfigError(what + shape + ": " + t.name + " packs the zero points of 32 output channels per block; " +
                              std::to_string(out) + " output channels are not a multiple of 32");
        break;
    case Packing::Nf4:
        if ((out * in) % 64 != 0)
            throw ConfigError(what + shape + ": NF4 quantizes blocks of 64 weights; " + std::to_string(out * in) +
                              " weights are not a multiple of 64");
        break;
    case Packing::GgufBlock:
        if (in % t.groupSize != 0)
            throw ConfigError(what + shape + ": GGUF " + t.name + " stores blocks of " + std::to_string(t.groupSize) +
                              " weights along a row; " + std::to_string(in) + " columns are not a multiple");
        break;
    }
}

} // namespace slim::quant
