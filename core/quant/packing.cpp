#include "core/quant/packing.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>

namespace slim::quant {

namespace {

void checkBits(int bits) {
    if (bits < 1 || bits > 8)
        throw ConfigError("bit stream packing: " + std::to_string(bits) + " bits per code (1..8 supported)");
}

} // namespace

at::Tensor toInt32Bits(const at::Tensor& v) {
    return at::where(v.ge(int64_t(1) << 31), v - (int64_t(1) << 32), v).to(at::kInt);
}

at::Tensor packRows(const at::Tensor& codes, int bits) {
    checkBits(bits);
    const int64_t K = codes.size(0), N = codes.size(1);
    if (K % 32 != 0)
        throw ConfigError("bit stream packing: " + std::to_string(K) + " rows are not a multiple of 32");
    // (K/32, 32, N) blocks; word w of a block collects the bits of the codes that fall into it.
    const at::Tensor c = codes.to(at::kLong).reshape({K / 32, 32, N});
    at::Tensor words = at::zeros({K / 32, bits, N}, c.options());
    const int64_t mask32 = (int64_t(1) << 32) - 1;
    for (int j = 0; j < 32; ++j) {
        const int bit = bits * j, w = bit / 32, shift = bit % 32;
        const at::Tensor cj = c.select(1, j);
        words.select(1, w).bitwise_or_(cj.bitwise_left_shift(shift).bitwise_and(mask32));
        if (shift + bits > 32) // the high part spills into the next word
            words.select(1, w + 1).bitwise_or_(cj.bitwise_right_shift(32 - shift));
    }
    return toInt32Bits(words.reshape({K / 32 * bits, N})).contiguous();
}

at::Tensor unpackRows(const at::Tensor& packed, int bits, int64_t K) {
    checkBits(bits);
    const int64_t N = packed.size(1);
    if (K % 32 != 0 || packed.size(0) != K / 32 * bits)
        throw ConfigError("bit stream unpacking: " + std::to_string(packed.size(0)) + " words per column do not hold " +
                          std::to_string(K) + " codes of " + std::to_string(bits) + " bits");
    const at::Tensor words = packed.to(at::kLong).bitwise_and((int64_t(1) << 32) - 1).reshape({K / 32, bits, N});
    const int64_t mask = (int64_t(1) << bits) - 1;
    std::vector<at::Tensor> out;
    out.reserve(32);
    for (int j = 0; j < 32; ++j) {
        const int bit = bits * j, w = bit / 32, shift = bit % 32;
        at::Tensor v = words.select(1, w).bitwise_right_shift(shift);
        if (shift + bits > 32)
            v = v.bitwise_or(words.select(1, w + 1).bitwise_left_shift(32 - shift));
        out.push_back(v.bitwise_and(mask));
    }
    return at::stack(out, 1).reshape({K, N}).to(at::kByte);
}

at::Tensor packCols(const at::Tensor& codes, int bits) {
    return packRows(codes.t(), bits).t().contiguous();
}

at::Tensor unpackCols(const at::Tensor& packed, int bits, int64_t N) {
    return unpackRows(packed.t(), bits, N).t().contiguous();
}

} // namespace slim::quant
