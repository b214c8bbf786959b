#pragma once
/// @file llama_model.h
/// The Llama-family decoder (Llama, Mistral, Qwen2) in LibTorch: embeddings, RMSNorm, RoPE
/// (default / linear / llama3), GQA attention with causal + padding (+ sliding window) masks,
/// SwiGLU MLP, tied or separate lm_head, KV cache.  fp32 / bf16 / fp16 on CPU and CUDA.
/// Numerics follow transformers' eager implementation (RMSNorm and softmax in fp32, RoPE
/// cos/sin computed in fp32 and cast to the activation dtype).

#include "core/model/forward_hooks.h"
#include "core/model/linear.h"
#include "core/model/model_config.h"

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace slim { class JobContext; }
namespace slim::io { class Checkpoint; }

namespace slim::model {

struct DecoderLayer {
    at::Tensor inputNorm;           // (hidden)
    at::Tensor postAttentionNorm;   // (hidden)
    std::unique_ptr<Linear> proj[kNumProj];   // indexed by Proj
    int64_t numHeads = 0;
    int64_t numKvHeads = 0;
    Linear& p(Proj which) const { return *proj[static_cast<int>(which)]; }
};

/// Per-layer key/value cache: (B, kvHeads, capacity, headDim) preallocated; `length` filled.
class KVCache {
public:
    KVCache() = default;
    /// Allocate for `batch` sequences of up to `capacity` tokens.
    void allocate(const ModelConfig& cfg, int64_t batch, int64_t capacity, const at::TensorOptions& opts);
    bool empty() const { return m_keys.empty(); }
    int64_t length() const { return m_length; }
    int64_t capacity() const { return m_capacity; }
    int64_t batch() const { return m_batch; }
    void reset() { m_length = 0; }
    /// Bytes allocated for keys and values.
    int64_t bytes() const;

    /// Static mode (CUDA graphs): the write position of every row lives on the device, (B) int64.
    /// The forward pass then scatters the new (T = 1) keys/values at those positions, attends over
    /// the whole capacity under a mask `key index <= position`, and never reads `length()`.
    void setDevicePositions(at::Tensor positions) { m_devicePositions = std::move(positions); }
    const at::Tensor& devicePositions() const { return m_devicePositions; }

    // Used by the forward pass.
    at::Tensor& keys(int64_t layer) { return m_keys[layer]; }
    at::Tensor& values(int64_t layer) { return m_values[layer]; }
    void advance(int64_t n) { m_length += n; }

private:
    std::vector<at::Tensor> m_keys, m_values;
    at::Tensor m_devicePositions;
    int64_t m_length = 0;
    int64_t m_capacity = 0;
    int64_t m_batch = 0;
};

struct ForwardOptions {
    /// (B, T_past + T) with 1 = real token, 0 = padding; undefined = all real.
    at::Tensor attentionMask;
    /// (B, T) positions; undefined = T_past .. T_past+T-1 (or from the mask: cumsum - 1).
    at::Tensor positions;
    KVCache* cache = nullptr;
    const ForwardHooks* hooks = nullptr;
    /// Compute logits only for the last position (generation).  Logits then (B, 1, V).
    bool lastTokenOnly = false;
    /// Stop after this many layers and return the hidden state instead of logits (-1 = all).
    int64_t stopAfterLayer = -1;
    /// Training: keep only each layer's input and recompute the layer in backward (gradient
    /// checkpointing, core/model/layer_checkpoint.h).  Applies while autograd records, without a
    /// cache or hooks.
    bool checkpointLayers = false;
};

struct LoadOptions {
    at::Device device = at::kCPU;
    /// Activation / weight dtype; nullopt = config's torch_dtype ("auto").
    std::optional<at::ScalarType> dtype;
};

/// The dtype "auto" resolves to: on CUDA the checkpoint's torch_dtype; on the CPU bf16 for bf16
/// checkpoints where the CPU has AVX-512 or AVX2 + FMA + F16C (the CPU decode kernels; on AVX2 the
/// prefill GEMMs then run in fp32, LibTorch 1.13's bf16 GEMM being a slow fallback there), fp32 otherwise
/// (LibTorch 1.13 has no fp16 GEMM on the CPU).
at::ScalarType autoDtype(const ModelConfig& cfg, const at::Device& device);

class LlamaModel {
public:
    /// Load config.json + safetensors from a folder (validated before allocation).
    static std::unique_ptr<LlamaModel> load(const std::filesystem::path& dir, const LoadOptions& opts,
                                            const JobContext* ctx = nullptr);
    /// Build from a config and a name -> tensor function (used by load and by tests / training).
    /// `has` tells which tensors exist: with it, quantized projections (config quantization_config)
    /// are built from their packed tensors; without it every projection is dense.
    static std::unique_ptr<LlamaModel> fromTensors(const ModelConfig& cfg,
                                                   const std::function<at::Tensor(const std::string&)>& get,
                                                   const LoadOptions& opts,
                                                   const std::function<bool(const std::string&)>& has = nullptr);
    /// A randomly initialised model (normal(0, std)), for the demo model and tests.
    static std::unique_ptr<LlamaModel> randomInit(const ModelConfig& cfg, const LoadOptions& opts,
                                                  double stddev, uint64_t seed);

    /// ids (B, T) int64 -> logits (B, T, V) as float32 (or hidden (B, T, hidden) with stopAfterLayer).
    at::Tensor forward(const at::Tensor& ids, const ForwardOptions& opts = {}) const;
    /// Embedding lookup only: (B, T) -> (B, T, hidden).
    at::Tensor embed(const at::Tensor& ids) const;
    /// One decoder layer on hidden (B, T, hidden); used by layer-wise algorithms.
    at::Tensor runLayer(int64_t layer, const at::Tensor& hidden, const at::Tensor& cos, const at::Tensor& sin,
                        const at::Tensor& mask, KVCache* cache, const ForwardHooks* hooks) const;
    /// The attention block of a layer on its normed input h (B, T, hidden): q, k, v, RoPE, attention
    /// (cache and mask as in runLayer), o_proj -> (B, T, hidden), before the residual.
    at::Tensor attentionBlock(int64_t layer, const at::Tensor& h, const at::Tensor& cos, const at::Tensor& sin,
                              const at::Tensor& mask, KVCache* cache, const ForwardHooks* hooks) const;
    /// The MLP block on its normed input: down(silu(gate(h)) · up(h)), before the residual.
    at::Tensor mlpBlock(int64_t layer, const at::Tensor& h, const ForwardHooks* hooks) const;
    /// Final norm + lm_head: (B, T, hidden) -> (B, T, V) float32.
    at::Tensor head(const at::Tensor& hidden) const;
    /// RoPE tables for positions (B, T): cos, sin (B, T, headDim) in the activation dtype.
    std::pair<at::Tensor, at::Tensor> rope(const at::Tensor& positions) const;

    /// What runLayer needs for B unpadded sequences of T tokens from position 0 (calibration
    /// batches of layer-wise algorithms), on `device`: RoPE tables and the causal masks (undefined
    /// = plain causal; windowMask for layers with a sliding window shorter than T).
    struct LayerInputs {
        at::Tensor cos, sin, mask, windowMask;
        const at::Tensor& maskOf(const ModelConfig& cfg, int64_t layer, int64_t T) const {
            const auto w = cfg.slidingWindowOf(layer);
            return (w && T > *w) ? windowMask : mask;
        }
    };
    LayerInputs layerInputs(int64_t B, int64_t T, const at::Device& device) const;
    /// Move one decoder layer's weights (norms and projections) to a device, keeping the dtype:
    /// layer-wise offload keeps the model on the host and brings one layer at a time to the GPU.
    void moveLayer(int64_t layer, const at::Device& device);

    const ModelConfig& config() const { return m_config; }
    /// For structural edits (width pruning): the caller keeps config and tensors consistent.
    ModelConfig& mutableConfig() { return m_config; }
    int64_t numLayers() const { return static_cast<int64_t>(m_layers.size()); }
    DecoderLayer& layer(int64_t i) { return m_layers[i]; }
    const DecoderLayer& layer(int64_t i) const { return m_layers[i]; }
    std::vector<DecoderLayer>& layers() { return m_layers; }
    at::Tensor& embedTokens() { return m_embed; }
    at::Tensor& finalNorm() { return m_finalNorm; }
    Linear& lmHead() const { return *m_lmHead; }
    /// Replace the output projection (quantization); refused (Error) when tied to the embedding.
    void setLmHead(std::unique_ptr<Linear> head);
    /// A projection that algorithms edit in place; UnsupportedError "<method> needs dense projections;
    /// layer L q_proj is '<kind>' (<hint>)" when it is quantized or wrapped.
    DenseLinear& denseProjection(int64_t layer, Proj p, const std::string& method, const std::string& hint = {});
    bool tiedLmHead() const { return m_tied; }
    at::Device device() const { return m_device; }
    at::ScalarType dtype() const { return m_dtype; }

    /// Every stored tensor, HF-named (projections list their own: dense `weight`, or packed codes,
    /// scales and zeros), with whether a checkpoint stores it in the model's torch_dtype.
    struct NamedStored {
        std::string name;
        at::Tensor tensor;
        bool storageDtype = true;
    };
    std::vector<NamedStored> storedTensors() const;
    /// storedTensors() as name -> tensor pairs.
    std::vector<std::pair<std::string, at::Tensor>> namedTensors() const;
    /// True when a projection is stored in another form than a dense matrix (quantized).
    bool hasQuantizedProjections() const;
    /// Save config.json + model.safetensors into `dir` (atomic per file), in `storeDtype` (default:
    /// the model's dtype) — e.g. a bf16 checkpoint processed in fp32 on the CPU is written back in bf16.
    void save(const std::filesystem::path& dir, std::optional<at::ScalarType> storeDtype = std::nullopt) const;
    int64_t parameterCount() const;
    /// Bytes really stored (projections report their own storage).
    int64_t storageBytes() const;

private:
    LlamaModel() = default;
    at::Tensor forwardStatic(const at::Tensor& ids, const ForwardOptions& opts) const;
    /// The static decode step as the fused CUDA kernels (core/model/fused_decode.cpp); nullopt when the
    /// model does not qualify (not CUDA, batch > 1, wrapped projections, ...).
    std::optional<at::Tensor> forwardFused(const at::Tensor& ids, KVCache& cache) const;
    at::Tensor buildMask(const at::Tensor& attentionMask, int64_t B, int64_t P, int64_t T,
                         std::optional<int64_t> window, const at::TensorOptions& longOpts) const;
    ModelConfig m_config;
    at::Device m_device = at::kCPU;
    at::ScalarType m_dtype = at::kFloat;
    at::Tensor m_embed;       // (V, hidden)
    at::Tensor m_finalNorm;   // (hidden)
    std::vector<DecoderLayer> m_layers;
    std::unique_ptr<Linear> m_lmHead;  // (V, hidden); shares m_embed when tied
    bool m_tied = false;
    at::Tensor m_invFreq;     // (headDim/2) float32
    /// Layer-wise offload: the host tensors of each layer now on a device, per projection, for its way
    /// back (moveLayer, Linear::toHost).
    std::map<int64_t, std::vector<std::vector<StoredTensor>>> m_hostStash;
};

} // namespace slim::model
