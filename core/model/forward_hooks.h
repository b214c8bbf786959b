#pragma once
/// @file forward_hooks.h
/// Capture points of a forward pass (layer similarity, Wanda, GPTQ/AWQ/SparseGPT Hessians,
/// activation statistics) without copying the model.  Callbacks receive views of live tensors:
/// reduce them immediately (accumulate statistics) or clone what must outlive the call.

#include "core/model/tensor_names.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <optional>

namespace slim::model {

struct ForwardHooks {
    /// Hidden state entering decoder layer `layer` (layer == numLayers: output of the last layer,
    /// before the final norm).  (B, T, hidden)
    std::function<void(int64_t layer, const at::Tensor& hidden)> onLayerInput;
    /// Input of a projection (after the norm / activation that feeds it).  (B, T, in)
    std::function<void(int64_t layer, Proj proj, const at::Tensor& input)> onProjInput;
    /// Output of a decoder layer's attention block and MLP block (before the residual add).
    std::function<void(int64_t layer, const at::Tensor& attnOut)> onAttentionOutput;
    std::function<void(int64_t layer, const at::Tensor& mlpOut)> onMlpOutput;

    /// Observation passes: once onProjInput has seen this projection's input, the layer stops (what
    /// follows it would be computed only to be thrown away) and runLayer returns an undefined tensor.
    /// q, k, v (and gate, up) share one input: naming any of them stops before all of them.
    std::optional<Proj> stopAfterInputOf;

    bool wantsProjInput() const { return static_cast<bool>(onProjInput); }
    /// Whether the pass ends at the input of `p` (see stopAfterInputOf).
    bool stopsAt(Proj p) const { return stopAfterInputOf && *stopAfterInputOf == p; }
};

} // namespace slim::model
