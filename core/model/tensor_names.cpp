#include "core/model/tensor_names.h"

#include <array>

namespace slim::model {

namespace {

struct ProjRow {
    Proj proj;
    std::string_view name;
    std::string_view module;
};

// Hugging Face LlamaDecoderLayer module names, one row per Proj in enum order.
constexpr std::array<ProjRow, kNumProj> kProjTable{{
    {Proj::Q, "q_proj", "self_attn"},
    {Proj::K, "k_proj", "self_attn"},
    {Proj::V, "v_proj", "self_attn"},
    {Proj::O, "o_proj", "self_attn"},
    {Proj::Gate, "gate_proj", "mlp"},
    {Proj::Up, "up_proj", "mlp"},
    {Proj::Down, "down_proj", "mlp"},
}};

constexpr bool projRowsInOrder() {
    for (int i = 0; i < kNumProj; ++i)
        if (static_cast<int>(kProjTable[i].proj) != i || kAllProj[i] != kProjTable[i].proj)
            return false;
    return true;
}
static_assert(projRowsInOrder(), "projection table must have one row per Proj, in enum order");

std::string layerPrefix(int64_t layer) {
    return "model.layers." + std::to_string(layer) + ".";
}

} // namespace

std::string_view projName(Proj p) {
    return kProjTable[static_cast<size_t>(p)].name;
}

std::string_view projModule(Proj p) {
    return kProjTable[static_cast<size_t>(p)].module;
}

std::string projPrefix(int64_t layer, Proj p) {
    const auto& row = kProjTable[static_cast<size_t>(p)];
    return layerPrefix(layer) + std::string(row.module) + "." + std::string(row.name);
}

std::string inputNormName(int64_t layer) {
    return layerPrefix(layer) + "input_layernorm.weight";
}

std::string postAttentionNormName(int64_t layer) {
    return layerPrefix(layer) + "post_attention_layernorm.weight";
}

std::optional<int64_t> layerIndexOf(std::string_view name) {
    constexpr std::string_view kPrefix = "model.layers.";
    if (name.substr(0, kPrefix.size()) != kPrefix)
        return std::nullopt;
    name.remove_prefix(kPrefix.size());
    int64_t value = 0;
    size_t digits = 0;
    while (digits < name.size() && name[digits] >= '0' && name[digits] <= '9') {
        if (digits >= 18)
            return std::nullopt;
        value = value * 10 + (name[digits] - '0');
        ++digits;
    }
    if (digits == 0 || digits >= name.size() || name[digits] != '.')
        return std::nullopt;
    return value;
}

} // namespace slim::model
