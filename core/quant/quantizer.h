#pragma once
/// @file quantizer.h
/// Integer quantization of a float32 weight matrix group by group, and the codes it produces.
///
/// Two rules for a group's scale and zero point, each as its reference computes them:
///  - `Rule::Gptq` (IST-DASLab/gptq quant.py `Quantizer.find_params`, also used for RTN): the range
///    is widened to contain 0 (xmin ≤ 0 ≤ xmax); asymmetric: scale = (xmax − xmin)/(2^B − 1),
///    zero = round(−xmin/scale); symmetric: xmax = max(|xmin|, xmax), xmin = −xmax,
///    zero = 2^(B−1) (i.e. (maxq + 1)/2); an all-zero group gets the range [−1, 1].
///  - `Rule::Awq` (mit-han-lab/llm-awq quantizer.py `pseudo_quantize_tensor`): asymmetric:
///    scale = max(xmax − xmin, 1e-5)/(2^B − 1), zero = clamp(−round(xmin/scale), 0, 2^B − 1);
///    symmetric: scale = max|x|/(2^(B−1) − 1), codes in [−2^(B−1), 2^(B−1) − 1] stored offset by 2^(B−1).
/// q = clamp(round(w/scale) + zero, 0, 2^B − 1); ŵ = scale·(q − zero).

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace slim::quant {

enum class Rule { Gptq, Awq };

struct IntSpec {
    int bits = 4;
    int64_t groupSize = 128; ///< 0 = one group per output channel
    bool symmetric = false;
    Rule rule = Rule::Gptq;
    int64_t maxq() const { return (int64_t(1) << bits) - 1; }
    int64_t groupsOf(int64_t in) const { return groupSize > 0 ? (in + groupSize - 1) / groupSize : 1; }
    int64_t groupWidth(int64_t in) const { return groupSize > 0 ? groupSize : in; }
};

/// Scale and zero point per row of w (rows, cols) float32: both (rows) float32.
struct RowParams {
    at::Tensor scale, zero;
};
RowParams findParams(const at::Tensor& w, const IntSpec& spec);
/// Codes of w (rows, cols) under per-row params: (rows, cols) float32 holding integers in [0, maxq].
at::Tensor quantizeCodes(const at::Tensor& w, const RowParams& p, int64_t maxq);
/// scale · (codes − zero), float32.
at::Tensor dequantizeCodes(const at::Tensor& codes, const RowParams& p);

/// The integer result of quantizing an (out, in) matrix: what QuantizedLinear packs.
struct IntQuantized {
    IntSpec spec;
    at::Tensor codes;  ///< (out, in) uint8
    at::Tensor scales; ///< (groups, out) float32
    at::Tensor zeros;  ///< (groups, out) float32 (integers unless floatZero)
    at::Tensor gIdx;   ///< (in) int32 group of each input column; undefined = column / groupSize
    bool floatZero = false;
    /// The de-quantized weight (out, in) float32.
    at::Tensor dequantize() const;
};

/// Round-to-nearest: every group's params from its own weights, codes by rounding.
IntQuantized rtnQuantize(const at::Tensor& w, const IntSpec& spec);
/// Fake quantization (quantize then de-quantize) with RTN, float32 (used by AWQ's search).
at::Tensor fakeQuantize(const at::Tensor& w, const IntSpec& spec);

} // namespace slim::quant
