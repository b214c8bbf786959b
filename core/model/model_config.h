#pragma once
/// @file model_config.h
/// config.json of the Llama family (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM),
/// accepting both transformers 4.x (`rope_scaling`, top-level `rope_theta`, `torch_dtype`) and
/// 5.x (`rope_parameters`, `dtype`) spellings.

#include "core/model/tensor_names.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace slim::io { class Checkpoint; }

namespace slim::model {

enum class Architecture { Llama, Mistral, Qwen2 };
enum class RopeType { Default, Linear, Llama3 };

struct RopeConfig {
    RopeType type = RopeType::Default;
    double theta = 10000.0;
    double factor = 1.0;                       ///< linear / llama3
    double lowFreqFactor = 1.0;                ///< llama3
    double highFreqFactor = 4.0;               ///< llama3
    int64_t originalMaxPositionEmbeddings = 8192; ///< llama3
    bool operator==(const RopeConfig&) const = default;
};

struct ModelConfig {
    Architecture architecture = Architecture::Llama;
    std::string architectureName;              ///< as written, e.g. "LlamaForCausalLM"
    std::string modelType;                     ///< "llama", "mistral", "qwen2"
    int64_t vocabSize = 0;
    int64_t hiddenSize = 0;
    int64_t intermediateSize = 0;
    int64_t numLayers = 0;
    int64_t numHeads = 0;
    int64_t numKvHeads = 0;
    int64_t headDim = 0;                       ///< explicit head_dim or hidden / heads
    int64_t maxPositionEmbeddings = 2048;
    double rmsNormEps = 1e-6;
    RopeConfig rope;
    bool tieWordEmbeddings = false;
    bool attentionBias = false;                ///< q/k/v bias (Qwen2 always; Llama `attention_bias`)
    bool attentionOutputBias = false;          ///< o_proj bias (Llama `attention_bias`; never Qwen2)
    bool mlpBias = false;                      ///< gate/up/down bias (Llama `mlp_bias`)
    std::optional<int64_t> slidingWindow;      ///< Mistral; Qwen2 only when use_sliding_window
    /// First layer that uses the sliding window (Qwen2 `max_window_layers`; 0 for Mistral).
    int64_t slidingWindowFirstLayer = 0;
    std::string hiddenAct = "silu";
    std::string torchDtype = "float32";        ///< "float32", "bfloat16", "float16"
    std::optional<int64_t> bosTokenId;
    std::vector<int64_t> eosTokenIds;
    std::optional<int64_t> padTokenId;
    /// Per-layer widths for width-pruned models (empty = uniform).  Written by Slimbench as
    /// `slimbench_layer_shapes`; plain HF configs never have it.
    std::vector<int64_t> layerIntermediateSize;
    std::vector<int64_t> layerNumHeads;
    std::vector<int64_t> layerNumKvHeads;
    /// config.json `quantization_config` as compact JSON text (empty = not quantized); parsed by
    /// quant::QuantLayout, written back unchanged.
    std::string quantizationConfig;

    int64_t intermediateOf(int64_t layer) const;
    int64_t headsOf(int64_t layer) const;
    int64_t kvHeadsOf(int64_t layer) const;
    /// Whether the projection has a bias vector.
    bool hasBias(Proj p) const;
    /// The sliding window of a layer, std::nullopt = full attention.
    std::optional<int64_t> slidingWindowOf(int64_t layer) const;

    bool operator==(const ModelConfig&) const = default;

    /// Parse from config.json; `file` names the file in errors.  Refuses absurd or inconsistent
    /// values with ConfigError naming the key and the rule, and unknown architectures / rope types /
    /// activations with UnsupportedError naming them.  `auto_map` is ignored (never executed).
    static ModelConfig fromJson(const nlohmann::json& j, const std::string& file = "config.json");
    /// Read and parse a config.json file (FormatError for invalid JSON or duplicate keys).
    static ModelConfig load(const std::filesystem::path& configJson);
    /// Serialise in transformers 4.x spelling (readable by 4.x and 5.x); fromJson(toJson()) == *this.
    nlohmann::json toJson() const;

    /// Check tensor names and shapes of a checkpoint against this config *before* any tensor is
    /// loaded: every expected tensor present with the expected shape and a floating dtype, vocab =
    /// embedding rows, no tensors of layers beyond num_hidden_layers, no bias the config does not
    /// have.  Unknown extra tensors (e.g. rotary_emb.inv_freq) are ignored.  Throws FormatError
    /// naming the folder, the tensor and the config key.
    void validateAgainst(const io::Checkpoint& ckpt) const;
    /// Total number of parameters implied by the config (lm_head counted only when untied).
    int64_t parameterCount() const;
};

std::string toString(Architecture a);

} // namespace slim::model
