#pragma once
/// @file fused_decode.h
/// The switch of the fused CUDA decode step (LlamaModel's static batch-1 decode as the kernels of
/// core/cuda/decode_kernels.h).  On by default in CUDA builds; SLIMBENCH_CUDA_FUSED=0 turns it off
/// (the layer-by-layer LibTorch path, for comparisons), and tests switch it at run time.

namespace slim::model {

bool fusedDecodeEnabled();
void setFusedDecodeEnabled(bool on);

} // namespace slim::model
