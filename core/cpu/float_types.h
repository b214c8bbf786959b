#pragma once
/// @file float_types.h
/// The activation dtypes the CPU kernels take (fp32, bf16, fp16): element conversion and a dispatch from
/// a LibTorch scalar type to the element type (internal to core/cpu).

#include <c10/core/ScalarType.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

namespace slim::cpu {

inline float toFloat(float v) { return v; }
inline float toFloat(c10::BFloat16 v) { return static_cast<float>(v); }
inline float toFloat(c10::Half v) { return static_cast<float>(v); }

/// Calls fn(E{}) with E = float, c10::BFloat16 or c10::Half for `t`; false (nothing called) otherwise.
template <class Fn>
bool withFloatType(c10::ScalarType t, Fn&& fn) {
    switch (t) {
    case c10::ScalarType::Float:
        fn(float{});
        return true;
    case c10::ScalarType::BFloat16:
        fn(c10::BFloat16{});
        return true;
    case c10::ScalarType::Half:
        fn(c10::Half{});
        return true;
    default:
        return false;
    }
}

} // namespace slim::cpu
