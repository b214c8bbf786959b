#pragma once
/// @file forward_hooks.h
/// Capture points of a forward pass (layer similarity, Wanda, GPTQ/AWQ/SparseGPT Hessians,
/// activation statistics) without copying the model.  Callbacks receive views of live tensors:
/// reduce them immediately (accumulate statistics) or clone what must outlive the call.

#include "core/model/tensor_names.h"

#include <ATen/core/Tensor.h>

#include <functional>

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

    bool wantsProjInput() const { return static_cast<bool>(onProjInput); }
};

} // namespace slim::model
