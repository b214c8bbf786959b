#pragma once
/// @file grad_clip.h
/// Global-norm gradient clipping (Pascanu et al. 2013), as torch.nn.utils.clip_grad_norm_, shared
/// by the trainers.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace slim::train {

/// Scale the gradients of `params` so that their global L2 norm is at most `maxNorm` (<= 0: only
/// measure).  Returns the norm before clipping.  Throws Error("<what> diverged: gradient norm ...
/// at step N") when it is not finite.
double clipGradNorm(const std::vector<at::Tensor>& params, double maxNorm, const std::string& what, int64_t step);

} // namespace slim::train
