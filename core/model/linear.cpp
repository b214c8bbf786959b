#include "core/model/linear.h"

#include <ATen/ATen.h>

namespace slim::model {

DenseLinear::DenseLinear(at::Tensor weight, std::optional<at::Tensor> bias)
    : m_weight(std::move(weight)), m_bias(std::move(bias)) {}

at::Tensor DenseLinear::forward(const at::Tensor& x) const {
    // (..., in) x (out, in)ᵀ -> (..., out)
    return at::linear(x, m_weight, m_bias ? *m_bias : at::Tensor());
}

int64_t DenseLinear::storageBytes() const {
    int64_t bytes = m_weight.numel() * static_cast<int64_t>(m_weight.element_size());
    if (m_bias)
        bytes += m_bias->numel() * static_cast<int64_t>(m_bias->element_size());
    return bytes;
}

void DenseLinear::to(const at::Device& device, at::ScalarType dtype) {
    m_weight = m_weight.to(device, dtype);
    if (m_bias)
        m_bias = m_bias->to(device, dtype);
}

} // namespace slim::model
