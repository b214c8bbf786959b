#pragma once
/// @file tensor_names.h
/// The Hugging Face tensor-name table of the Llama family: role <-> name.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace slim::model {

/// The seven projections of a decoder layer.
enum class Proj : uint8_t { Q, K, V, O, Gate, Up, Down };
inline constexpr int kNumProj = 7;
inline constexpr Proj kAllProj[kNumProj] = {Proj::Q, Proj::K, Proj::V, Proj::O, Proj::Gate, Proj::Up, Proj::Down};

/// "q_proj", "gate_proj"...
std::string_view projName(Proj p);
/// "self_attn" or "mlp".
std::string_view projModule(Proj p);
/// "model.layers.{layer}.self_attn.q_proj" (no ".weight").
std::string projPrefix(int64_t layer, Proj p);

inline constexpr std::string_view kEmbedTokens = "model.embed_tokens.weight";
inline constexpr std::string_view kFinalNorm = "model.norm.weight";
inline constexpr std::string_view kLmHead = "lm_head.weight";
std::string inputNormName(int64_t layer);          ///< model.layers.{l}.input_layernorm.weight
std::string postAttentionNormName(int64_t layer);  ///< model.layers.{l}.post_attention_layernorm.weight
/// The layer index of a "model.layers.{l}.*" name; std::nullopt for any other name.
std::optional<int64_t> layerIndexOf(std::string_view name);

} // namespace slim::model
