#pragma once
/// @file static_decoder.h
/// Greedy batch decoding with a static KV cache whose per-row positions live on the device.
/// On CUDA the decode step (embedding → all layers → lm_head → argmax → feed back) is captured
/// once in a CUDA graph and replayed, which removes the per-kernel launch overhead that dominates
/// batch-1 decoding of 1–8B models.  Elsewhere the same step runs eagerly (and is what the CPU
/// tests check against the plain KV-cache path).

#include "core/model/llama_model.h"

#include <memory>

namespace slim::model {

class StaticDecoder {
public:
    /// `capacity` = prompt + new tokens.  `useGraph`: capture a CUDA graph when on CUDA.
    StaticDecoder(const LlamaModel& model, int64_t batch, int64_t capacity, bool useGraph = true);
    ~StaticDecoder();
    StaticDecoder(const StaticDecoder&) = delete;
    StaticDecoder& operator=(const StaticDecoder&) = delete;

    /// Prefill (B, P) prompt ids (all rows the same length), returns the first greedy tokens (B, 1).
    at::Tensor prefill(const at::Tensor& ids);
    /// `n` greedy decode steps after prefill; returns the new tokens (B, n) (on the model's device).
    at::Tensor decode(int64_t n);
    bool usesGraph() const;
    int64_t kvCacheBytes() const { return m_cache.bytes(); }

private:
    void step();
    void capture();

    const LlamaModel& m_model;
    int64_t m_batch;
    int64_t m_capacity;
    bool m_wantGraph;
    KVCache m_cache;
    at::Tensor m_ids;       // (B, 1) int64: the token fed to the next step
    at::Tensor m_tokens;    // (B, capacity) int64: generated tokens
    at::Tensor m_stepIdx;   // (B, 1) int64: column of m_tokens written by the next step
    struct Graph;
    std::unique_ptr<Graph> m_graph;
};

} // namespace slim::model
