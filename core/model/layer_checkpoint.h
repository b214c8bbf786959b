#pragma once
/// @file layer_checkpoint.h
/// Gradient (activation) checkpointing of one decoder layer for training: the forward pass keeps only
/// the layer's input; backward runs the layer again with gradients recorded and back-propagates through
/// that recomputation (the reentrant scheme of torch.utils.checkpoint, Chen et al. 2016,
/// https://arxiv.org/abs/1604.06174).  The random-number state is saved and restored, so dropout in
/// LoRA adapters draws the same masks both times and the gradients equal the plain ones.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace slim::model {

class LlamaModel;

/// runLayer(l, x, cos, sin, mask) without a KV cache or hooks, its activations recomputed in backward.
at::Tensor checkpointedLayer(const LlamaModel& model, int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                             const at::Tensor& sin, const at::Tensor& mask);

} // namespace slim::model
