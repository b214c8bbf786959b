#include "core/model/static_decoder.h"

#include "core/common/errors.h"

#include <ATen/ATen.h>

#if defined(SLIMBENCH_WITH_CUDA)
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace slim::model {

struct StaticDecoder::Graph {
#if defined(SLIMBENCH_WITH_CUDA)
    at::cuda::CUDAGraph graph;
#endif
    bool captured = false;
};

StaticDecoder::StaticDecoder(const LlamaModel& model, int64_t batch, int64_t capacity, bool useGraph)
    : m_model(model), m_batch(batch), m_capacity(capacity), m_wantGraph(useGraph), m_graph(std::make_unique<Graph>()) {
    const auto dev = at::TensorOptions().device(model.device());
    m_cache.allocate(model.config(), batch, capacity, dev.dtype(model.dtype()));
    m_ids = at::zeros({batch, 1}, dev.dtype(at::kLong));
    m_tokens = at::zeros({batch, capacity}, dev.dtype(at::kLong));
    m_stepIdx = at::zeros({batch, 1}, dev.dtype(at::kLong));
}

StaticDecoder::~StaticDecoder() = default;

bool StaticDecoder::usesGraph() const { return m_graph->captured; }

at::Tensor StaticDecoder::prefill(const at::Tensor& ids) {
    at::InferenceMode guard;
    const int64_t P = ids.size(1);
    if (ids.size(0) != m_batch || P >= m_capacity)
        throw ConfigError("static decoder: prompt batch/length does not fit the allocated cache");
    m_cache.setDevicePositions(at::Tensor());
    m_cache.reset();
    ForwardOptions fo;
    fo.cache = &m_cache;
    fo.lastTokenOnly = true;
    const at::Tensor next = m_model.forward(ids, fo).argmax(-1);                 // (B, 1)
    m_ids.copy_(next);
    m_stepIdx.zero_();
    // From here on, positions live on the device.
    m_cache.setDevicePositions(at::full({m_batch}, P, m_ids.options()));
    return next;
}

void StaticDecoder::step() {
    ForwardOptions fo;
    fo.cache = &m_cache;
    const at::Tensor next = m_model.forward(m_ids, fo).argmax(-1);               // (B, 1)
    m_ids.copy_(next);
    m_tokens.scatter_(1, m_stepIdx, next);
    m_stepIdx.add_(1);
    // In-place, so the captured graph keeps reading the same tensor.
    const_cast<at::Tensor&>(m_cache.devicePositions()).add_(1);
}

void StaticDecoder::capture() {
#if defined(SLIMBENCH_WITH_CUDA)
    // Warm up on a side stream (lazy cuBLAS / kernel selection), then capture one step.  The
    // warm-up mutates the state, so it is saved and restored around it.
    const at::Tensor ids0 = m_ids.clone(), step0 = m_stepIdx.clone(), pos0 = m_cache.devicePositions().clone();
    auto stream = c10::cuda::getStreamFromPool();
    stream.synchronize();
    c10::cuda::device_synchronize();
    {
        c10::cuda::CUDAStreamGuard sg(stream);
        for (int i = 0; i < 2; ++i)
            step();
        stream.synchronize();
        m_ids.copy_(ids0);
        m_stepIdx.copy_(step0);
        const_cast<at::Tensor&>(m_cache.devicePositions()).copy_(pos0);
        m_graph->graph.capture_begin();
        step();
        m_graph->graph.capture_end();
        stream.synchronize();
        // Capturing did not execute the step: the state is as it was.
    }
    m_ids.copy_(ids0);
    m_stepIdx.copy_(step0);
    const_cast<at::Tensor&>(m_cache.devicePositions()).copy_(pos0);
    c10::cuda::device_synchronize();
    m_graph->captured = true;
#endif
}

at::Tensor StaticDecoder::decode(int64_t n) {
    at::InferenceMode guard;
    if (!m_cache.devicePositions().defined())
        throw Error("static decoder: call prefill() before decode()");
    if (n <= 0)
        return m_tokens.narrow(1, 0, 0);
    const int64_t start = m_stepIdx[0][0].item<int64_t>();
    const int64_t pos = m_cache.devicePositions()[0].item<int64_t>();
    if (pos + n > m_capacity || start + n > m_capacity)
        throw ConfigError("static decoder: " + std::to_string(n) + " more tokens do not fit the cache capacity " +
                          std::to_string(m_capacity));
    const bool graph = m_wantGraph && m_model.device().is_cuda();
    if (graph && !m_graph->captured)
        capture();
    for (int64_t i = 0; i < n; ++i) {
#if defined(SLIMBENCH_WITH_CUDA)
        if (m_graph->captured) {
            m_graph->graph.replay();
            continue;
        }
#endif
        step();
    }
    return m_tokens.narrow(1, start, n);
}

} // namespace slim::model
