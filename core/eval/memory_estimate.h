#pragma once
/// @file memory_estimate.h
/// "Will it fit?": the device memory a job needs, by component, before it runs — weights as they will
/// be held (by stored dtype: packed integers stay packed), the KV cache for the context and batch, the
/// activations of the largest step, the LoRA / QLoRA adapters with their gradients and Adam state, the
/// Hessians of GPTQ / SparseGPT, with and without layer-wise offload — against a device's free memory.
/// Each component follows what Slimbench's own code allocates (the comments say where); the estimate
/// is checked against measured peaks on the GPU machine (tests/bench/gpu_session.sh estimate).

#include "core/model/model_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace slim::eval {

struct EstimateRequest {
    /// generate | eval | lora | qlora | distill | gptq | awq | sparsegpt | wanda | rtn | hqq | nf4
    std::string job = "generate";
    std::string device = "cpu";
    std::string dtype = "auto";       ///< compute dtype: fp32 | bf16 | fp16 | auto (bf16 on CUDA; on the CPU as model::autoDtype: bf16 for bf16 checkpoints with AVX-512 or AVX2, else fp32)
    int64_t context = 2048;           ///< generate: prompt tokens; eval: window; training / calibration: sequence length
    int64_t newTokens = 128;          ///< generate
    int64_t batch = 1;                ///< generate / lora: sequences per step; eval: windows per forward (-1 = automatic)
    int64_t samples = 128;            ///< calibration samples (gptq, awq, sparsegpt, wanda)
    int64_t loraRank = 8;
    int loraTargets = 7;              ///< q, k, v, o, gate, up, down
    bool offload = false;             ///< layer-wise offload: the model stays in host memory
};

struct MemoryComponent {
    std::string name;                 ///< "weights", "kv_cache", "activations", "logits", "adapters", ...
    double bytes = 0.0;
    std::string note;                 ///< how it was computed
    bool inAllocatorPeak = true;      ///< false: the CUDA context, which the caching allocator does not see
};

struct MemoryEstimate {
    EstimateRequest request;
    std::vector<MemoryComponent> components;
    double total = 0.0;               ///< everything, the CUDA context included
    double allocatorPeak = 0.0;       ///< what the caching allocator's peak will read (the measured number)
    double available = -1.0;          ///< free memory of the device (-1 = unknown)
    bool fits = true;
    /// The cheapest change that would fit ("--batch 1", "--offload", "QLoRA"...), empty when it fits or
    /// when nothing tried does.
    std::string suggestion;
    nlohmann::json toJson() const;
};

/// `storedBytes`: the checkpoint's bytes per safetensors dtype ({"BF16": n, "I32": m}); integer dtypes
/// are packed quantized weights and count as stored.
MemoryEstimate estimateMemory(const model::ModelConfig& cfg, const std::map<std::string, uint64_t>& storedBytes,
                              const EstimateRequest& request, double availableBytes);

} // namespace slim::eval
