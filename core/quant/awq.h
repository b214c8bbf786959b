#pragma once
/// @file awq.h
/// AWQ, Activation-aware Weight Quantization (Lin et al., 2023; mit-han-lab/llm-awq
/// awq/quantize/auto_scale.py and auto_clip.py), on one decoder layer whose projection inputs were
/// captured by the layer-wise pass:
///  - scaling groups: [q, k, v] after input_layernorm (loss on the attention block's output),
///    [o] after v_proj only when v_proj's output width equals o_proj's input width (not under GQA),
///    [gate, up] after post_attention_layernorm (loss on the MLP output), [down] after up_proj;
///  - per group: x̄ = mean |x| per input channel; for r = 0, 1/20, …, 19/20: s = clamp(x̄^r, 1e-4),
///    s ← s / sqrt(max s · min s), W ← Q(W·s)/s for the group's projections, loss = mean squared
///    difference from the unquantized output; the best s is folded: the previous op's weight (norm
///    or the previous projection's output rows, and bias) divided by s, the projections' columns
///    multiplied by s;
///  - clipping, every projection but q and k: per output row and group, max |w| shrunk by
///    (1 − i/20), i < 10, keeping the shrink with the least squared error of the group's partial
///    outputs on up to 512 sampled tokens (inputs divided by the chosen scales); weights clamped.
/// The caller then quantizes the layer with the AWQ rule (quantizer.h, Rule::Awq).

#include "core/quant/quantizer.h"

#include <string>
#include <vector>

namespace slim {
class JobContext;
}
namespace slim::model {
class LlamaModel;
}

namespace slim::quant {

struct AwqOptions {
    IntSpec spec;              ///< Rule::Awq, the references' 4-bit g128 with zero point by default
    int grid = 20;
    bool clip = true;
    int64_t clipTokens = 512;
    double maxShrink = 0.5;
    int64_t batchSize = 8;     ///< samples per forward of a block while searching
};

/// The captured inputs of one layer's projections, (N, T, width) each, on the compute device.
struct AwqLayerInputs {
    at::Tensor qkv, o, gateUp, down;
};

struct AwqGroupResult {
    std::string group;   ///< "qkv", "o", "gate_up", "down"
    double ratio = -1;   ///< best exponent; -1 when the group was skipped
    double loss = 0.0;   ///< output MSE with the best scales
    double lossPlain = 0.0; ///< output MSE with s = 1 (ratio 0: plain RTN of the group)
    std::string skipped; ///< why, when skipped
};

/// Search and fold the scales of one layer, then clip; weights stay dense (in place).
std::vector<AwqGroupResult> awqLayer(model::LlamaModel& m, int64_t layer, AwqLayerInputs in, const AwqOptions& o,
                                     const JobContext& ctx);

} // namespace slim::quant
