#pragma once
/// @file attention.h
/// Attention of a few new tokens against the KV cache on the CPU.  LibTorch sends the two batched
/// products of decode attention through oneDNN, which opens an OpenMP parallel region for every
/// layer's few kilobytes of work — its threads then spin on the core the projection kernels need.
/// This kernel reads the cache in place (any dtype, strided views of a preallocated cache), computes in
/// fp32 with a numerically safe softmax, and groups query heads per KV head (GQA) without copying.

#include <ATen/core/Tensor.h>

#include <optional>

namespace slim::cpu {

/// q (B, H, T, D), k / v (B, KV, S, D) with H a multiple of KV; mask bool (B, 1, T, S) (true = attend)
/// or undefined = causal with the T queries at the last T positions.  Returns (B, H, T, D) in q's dtype,
/// or nullopt when the inputs are not on the CPU, T > 8, or the dtypes differ.
std::optional<at::Tensor> decodeAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                          const at::Tensor& mask, double scale);

} // namespace slim::cpu
