#pragma once
/// @file lora.h
/// LoRA adapters (Hu et al. 2021, https://arxiv.org/abs/2106.09685) on the model's projections, in
/// the layout of Hugging Face PEFT (https://github.com/huggingface/peft, tuners/lora/layer.py):
///   y = base(x) + (α / r) · B · A · dropout(x),   A (r × in) Kaiming-uniform (a = √5, so
///   U(−1/√in, 1/√in)), B (out × r) zeros — the adapter starts as the identity change.
/// The base projection is frozen and may be dense, pruned or (later) quantized: the adapter wraps
/// any Linear.  Adapters are kept in float32 and cast to the activation dtype in the forward pass.
/// Saved as adapter_config.json + adapter_model.safetensors with PEFT's tensor names
/// (`base_model.model.model.layers.{l}.self_attn.q_proj.lora_A.weight`), so peft loads our adapters
/// and we load peft's.  Merging writes W + (α / r)·B·A into a plain dense projection.

#include "core/model/linear.h"
#include "core/model/tensor_names.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace slim::model { class LlamaModel; }

namespace slim::train {

struct LoraConfig {
    int64_t rank = 8;
    double alpha = 16.0;
    double dropout = 0.05;
    std::vector<model::Proj> targets{std::begin(model::kAllProj), std::end(model::kAllProj)};   // all seven
    double scale() const { return alpha / static_cast<double>(rank); }
    /// PEFT's adapter_config.json (peft_type LORA, task_type CAUSAL_LM, target_modules ...).
    nlohmann::json toPeftJson(const std::string& baseModel) const;
    /// From adapter_config.json; UnsupportedError naming the file for what we cannot apply
    /// (DoRA, rsLoRA, per-layer rank patterns, bias training, fan_in_fan_out, other peft types).
    static LoraConfig fromPeftJson(const nlohmann::json& j, const std::string& file);
    /// "q,k,v,o,gate,up,down" or "q_proj,v_proj"; ConfigError naming an unknown name.
    static std::vector<model::Proj> parseTargets(const std::string& list);
};

class LoraLinear final : public model::Linear {
public:
    /// Wraps `base`; A and B are float32 on the base's device.  `seed` makes A reproducible.
    LoraLinear(std::unique_ptr<model::Linear> base, const LoraConfig& cfg, uint64_t seed);
    at::Tensor forward(const at::Tensor& x) const override;
    int64_t inFeatures() const override { return m_base->inFeatures(); }
    int64_t outFeatures() const override { return m_base->outFeatures(); }
    std::string kind() const override { return "lora(" + m_base->kind() + ")"; }
    int64_t storageBytes() const override;
    /// Saved merged: `weight` = denseWeight() (and the base's bias).  The adapter itself is written
    /// in the PEFT layout by saveAdapter.
    std::vector<model::StoredTensor> storedTensors() const override;
    /// W + scale · B · A in the base weight's dtype.
    at::Tensor denseWeight() const override;
    std::optional<at::Tensor> bias() const override { return m_base->bias(); }
    void to(const at::Device& device, at::ScalarType dtype) override;
    std::vector<at::Tensor> trainableParameters() const override { return {m_a, m_b}; }

    at::Tensor& loraA() { return m_a; }   ///< (r, in) float32
    at::Tensor& loraB() { return m_b; }   ///< (out, r) float32
    const model::Linear& base() const { return *m_base; }
    /// Dropout on the adapter's input while training.
    void setTraining(bool on) { m_training = on; }
    std::unique_ptr<model::Linear> releaseBase() { return std::move(m_base); }

private:
    std::unique_ptr<model::Linear> m_base;
    at::Tensor m_a, m_b;
    double m_scale, m_dropout;
    bool m_training = false;
};

/// Wrap the configured projections of every layer (ConfigError if one is already wrapped).
void attachLora(model::LlamaModel& model, const LoraConfig& cfg, uint64_t seed);
/// The adapters of the model, by layer and projection (empty when none are attached).
std::vector<std::pair<std::string, LoraLinear*>> loraModules(model::LlamaModel& model);
/// Dropout on or off in every adapter.
void setLoraTraining(model::LlamaModel& model, bool on);
/// Replace every adapter by a dense projection holding W + scale·B·A (the base dtype).
/// Returns how many were merged.
int64_t mergeLora(model::LlamaModel& model);
/// Remove the adapters, keeping the base projections.
void detachLora(model::LlamaModel& model);

/// Write adapter_config.json + adapter_model.safetensors (PEFT names, float32) into `dir`.
void saveAdapter(model::LlamaModel& model, const LoraConfig& cfg, const std::filesystem::path& dir,
                 const std::string& baseModel);
/// Read a PEFT adapter folder and attach it to `model` (shapes checked against the model: a
/// FormatError names the tensor and both shapes).  Returns its config.
LoraConfig loadAdapter(model::LlamaModel& model, const std::filesystem::path& dir);

/// Copy the A / B tensors of a PEFT adapter folder into the adapters already attached to `model`
/// (resume from a checkpoint).  Same checks as loadAdapter.
void loadAdapterWeights(model::LlamaModel& model, const LoraConfig& cfg, const std::filesystem::path& dir);

/// PEFT's name of an adapter tensor: base_model.model.model.layers.{l}.{module}.{proj}.lora_{A|B}.weight
std::string peftTensorName(int64_t layer, model::Proj p, char which);

} // namespace slim::train
