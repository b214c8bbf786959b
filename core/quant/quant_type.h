#pragma once
/// @file quant_type.h
/// The one table of weight-quantization formats Slimbench stores, computes and exports
/// (docs/quantization.md):
///  - integer weight-only formats, `intB-gG[-sym]`: B ∈ {8, 4, 3, 2} bits, groups of G ∈ {32, 64,
///    128} input columns or one group per output channel (`pc`), asymmetric (integer zero point, the
///    GPTQ / AWQ references' default) or symmetric.  Stored in the GPTQ layout: `qweight` int32
///    (in·B/32, out) — a bit stream of B-bit codes along the input dimension —, `qzeros` int32
///    (groups, out·B/32) in the same bit stream, `scales` fp16 (groups, out), `g_idx` int32 (in)
///    when the columns were quantized in another order (act-order).  W = scale · (q − zero).
///    HQQ uses the same codes with a floating zero point (`zeros` fp16).
///  - NF4 (bitsandbytes): 4-bit indices into the 16 NormalFloat values, two per byte (first value
///    in the high nibble), one absmax per block of 64 weights (fp32), or with double quantization
///    absmax − mean in 8 bits (bitsandbytes' dynamic map) per block of 256 absmax values.
///  - GGUF block types for export (ggml-quants.c): Q8_0 (32 weights: fp16 scale + 32 int8),
///    Q4_0 (32 weights: fp16 scale + 16 bytes of 4-bit codes, offset 8), Q4_K (256 weights:
///    fp16 d, fp16 dmin, 12 bytes of 6-bit sub-block scales and mins, 128 bytes of codes).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slim::quant {

enum class Packing {
    GptqInt,    ///< qweight / qzeros / scales (/ g_idx) bit streams in int32 (GPTQ layout)
    GptqIntFloatZero, ///< as GptqInt with fp16 zeros (HQQ)
    Nf4,        ///< bitsandbytes NF4: uint8 pairs + absmax per block
    GgufBlock   ///< ggml block structs (export only)
};

struct QuantType {
    std::string name;       ///< "int4-g128", "int3-pc-sym", "nf4", "nf4-dq", "q4_0"...
    int bits = 4;
    int64_t groupSize = 128; ///< input columns per group; 0 = one group per output channel
    bool symmetric = false;
    Packing packing = Packing::GptqInt;
    bool doubleQuant = false; ///< NF4: absmax quantized again
    /// Stored bytes per weight of an (out, in) matrix, scales and zeros included (per-channel formats
    /// depend on `in`).
    double bytesPerWeight(int64_t in) const;
    std::string describe() const;
};

/// Every format of the table (integer formats for all bit widths, groups, both symmetries; NF4
/// with and without double quantization; Q8_0, Q4_0, Q4_K).
const std::vector<QuantType>& quantTypes();
/// Look a format up by name; ConfigError listing the families when unknown.
const QuantType& quantType(std::string_view name);
/// The integer format for bits / group (0 or -1 = per channel) / symmetry; ConfigError naming the rule
/// when bits is not 2, 3, 4 or 8 or the group is not 32, 64, 128 or per channel.
const QuantType& intType(int bits, int64_t groupSize, bool symmetric);

/// Checks that a format can store an (out, in) matrix: integer formats need in % 32 == 0 (the bit
/// stream packs 32 codes into B words; a group that does not divide `in` leaves a shorter last group,
/// as IST-DASLab/gptq does); NF4 needs out·in a multiple of its block; GGUF types need `in` a multiple
/// of their block.  Throws ConfigError naming `what`, the shape and the rule.
void checkShape(const QuantType& t, int64_t out, int64_t in, const std::string& what);

} // namespace slim::quant
