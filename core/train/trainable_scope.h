#pragma once
/// @file trainable_scope.h
/// Marks tensors as requiring gradients for its lifetime; afterwards (also on error or cancel) they
/// are plain tensors again, without gradient buffers, so later inference pays nothing for autograd.

#include <ATen/core/Tensor.h>

#include <utility>
#include <vector>

namespace slim::train {

class TrainableScope {
public:
    explicit TrainableScope(std::vector<at::Tensor> params) : m_params(std::move(params)) {
        for (auto& t : m_params)
            t.requires_grad_(true);
    }
    ~TrainableScope() {
        for (auto& t : m_params) {
            t.mutable_grad() = at::Tensor();
            t.requires_grad_(false);
        }
    }
    TrainableScope(const TrainableScope&) = delete;
    TrainableScope& operator=(const TrainableScope&) = delete;
    const std::vector<at::Tensor>& params() const { return m_params; }

private:
    std::vector<at::Tensor> m_params;
};

} // namespace slim::train
