#include "core/io/dtype.h"

#include "core/common/errors.h"

#include <torch/version.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace slim::io {

namespace {

// One row per DType, in enum order (checked below).  Spellings and bit widths follow
// huggingface/safetensors safetensors/src/tensor.rs (`Dtype` and `Dtype::bitsize`).
constexpr std::array<DTypeTraits, kNumDTypes> kTraits{{
    {DType::Bool, "BOOL", 8},
    {DType::U8, "U8", 8},
    {DType::I8, "I8", 8},
    {DType::I16, "I16", 16},
    {DType::U16, "U16", 16},
    {DType::F16, "F16", 16},
    {DType::BF16, "BF16", 16},
    {DType::I32, "I32", 32},
    {DType::U32, "U32", 32},
    {DType::F32, "F32", 32},
    {DType::F64, "F64", 64},
    {DType::I64, "I64", 64},
    {DType::U64, "U64", 64},
    {DType::F8_E4M3, "F8_E4M3", 8},
    {DType::F8_E5M2, "F8_E5M2", 8},
    {DType::F8_E8M0, "F8_E8M0", 8},
    {DType::F6_E2M3, "F6_E2M3", 6},
    {DType::F6_E3M2, "F6_E3M2", 6},
    {DType::F4, "F4", 4},
    {DType::C64, "C64", 64},
}};

constexpr bool rowsInEnumOrder() {
    for (int i = 0; i < kNumDTypes; ++i)
        if (static_cast<int>(kTraits[i].dtype) != i || kTraits[i].name.empty() || kTraits[i].bits <= 0)
            return false;
    return true;
}
static_assert(rowsInEnumOrder(), "dtype traits table must have one row per DType, in enum order");
static_assert(kNumDTypes == 20, "a DType was added: add its traits row");

// LibTorch gained the float8 types in 2.1, unsigned 16/32/64-bit integers in 2.3 and
// float8_e8m0fnu in 2.7.  Debian's 1.13 has none of them.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define SLIM_HAS_FLOAT8 1
#endif
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 3)
#define SLIM_HAS_UINT_WIDE 1
#endif
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 7)
#define SLIM_HAS_FLOAT8_E8M0 1
#endif

} // namespace

const DTypeTraits& traits(DType t) {
    const auto i = static_cast<size_t>(t);
    if (i >= kTraits.size())
        throw UnsupportedError("invalid dtype value " + std::to_string(i));
    return kTraits[i];
}

std::optional<DType> parseDType(std::string_view name) {
    for (const auto& row : kTraits)
        if (row.name == name)
            return row.dtype;
    return std::nullopt;
}

bool isFloating(DType t) {
    switch (t) {
    case DType::F16: case DType::BF16: case DType::F32: case DType::F64:
    case DType::F8_E4M3: case DType::F8_E5M2: case DType::F8_E8M0:
    case DType::F6_E2M3: case DType::F6_E3M2: case DType::F4:
        return true;
    default:
        return false;
    }
}

std::optional<c10::ScalarType> toScalarType(DType t) {
    using c10::ScalarType;
    switch (t) {
    case DType::Bool: return ScalarType::Bool;
    case DType::U8: return ScalarType::Byte;
    case DType::I8: return ScalarType::Char;
    case DType::I16: return ScalarType::Short;
    case DType::I32: return ScalarType::Int;
    case DType::I64: return ScalarType::Long;
    case DType::F16: return ScalarType::Half;
    case DType::BF16: return ScalarType::BFloat16;
    case DType::F32: return ScalarType::Float;
    case DType::F64: return ScalarType::Double;
    case DType::C64: return ScalarType::ComplexFloat;
#ifdef SLIM_HAS_FLOAT8
    case DType::F8_E4M3: return ScalarType::Float8_e4m3fn;
    case DType::F8_E5M2: return ScalarType::Float8_e5m2;
#endif
#ifdef SLIM_HAS_FLOAT8_E8M0
    case DType::F8_E8M0: return ScalarType::Float8_e8m0fnu;
#endif
#ifdef SLIM_HAS_UINT_WIDE
    case DType::U16: return ScalarType::UInt16;
    case DType::U32: return ScalarType::UInt32;
    case DType::U64: return ScalarType::UInt64;
#endif
    default:
        // F6/F4 are sub-byte packed formats: no element-wise LibTorch type matches them.
        return std::nullopt;
    }
}

DType fromScalarType(c10::ScalarType t) {
    for (const auto& row : kTraits) {
        const auto st = toScalarType(row.dtype);
        if (st && *st == t)
            return row.dtype;
    }
    throw UnsupportedError(std::string("LibTorch dtype ") + c10::toString(t) + " has no safetensors equivalent");
}

std::string displayName(c10::ScalarType t) {
    using c10::ScalarType;
    switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Byte: return "uint8";
    case ScalarType::Char: return "int8";
    case ScalarType::Short: return "int16";
    case ScalarType::Int: return "int32";
    case ScalarType::Long: return "int64";
    case ScalarType::Half: return "fp16";
    case ScalarType::BFloat16: return "bf16";
    case ScalarType::Float: return "fp32";
    case ScalarType::Double: return "fp64";
    case ScalarType::ComplexFloat: return "complex64";
#ifdef SLIM_HAS_FLOAT8
    case ScalarType::Float8_e4m3fn: return "fp8_e4m3";
    case ScalarType::Float8_e5m2: return "fp8_e5m2";
#endif
    default: {
        std::string s = c10::toString(t);
        std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
        return s;
    }
    }
}

} // namespace slim::io
