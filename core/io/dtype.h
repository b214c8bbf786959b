#pragma once
/// @file dtype.h
/// Element types of checkpoint files (safetensors names) and their mapping to LibTorch.

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slim::io {

/// Every dtype the safetensors format defines (huggingface/safetensors tensor.rs).
enum class DType : uint8_t {
    Bool, U8, I8, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64,
    F8_E4M3, F8_E5M2, F8_E8M0, F6_E2M3, F6_E3M2, F4, C64,
};
/// Number of DType values (the traits table has exactly one row per value, in enum order).
inline constexpr int kNumDTypes = static_cast<int>(DType::C64) + 1;

struct DTypeTraits {
    DType dtype;
    std::string_view name;   ///< safetensors spelling, e.g. "BF16"
    int bits;                ///< bits per element (F4 = 4, F6 = 6)
};

/// Traits row of a dtype (table data, see dtype.cpp).
const DTypeTraits& traits(DType t);
/// Parse a safetensors dtype name; std::nullopt if unknown.
std::optional<DType> parseDType(std::string_view name);
/// LibTorch scalar type for a dtype, std::nullopt when LibTorch has none (e.g. F8 on 1.13).
std::optional<c10::ScalarType> toScalarType(DType t);
/// The safetensors dtype of a LibTorch scalar type (throws UnsupportedError if none).
DType fromScalarType(c10::ScalarType t);
/// True for the floating-point dtypes a weight may be stored in (F16, BF16, F32, F64, F8*, F6*, F4).
bool isFloating(DType t);
/// Human name used in the UI and CLI ("bf16", "fp32"...).
std::string displayName(c10::ScalarType t);

} // namespace slim::io
