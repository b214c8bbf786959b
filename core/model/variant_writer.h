#pragma once
/// @file variant_writer.h
/// Writes a compressed variant of a checkpoint as a Hugging Face folder, atomically: weights and
/// config.json, the parent's tokenizer files, and `slimbench_provenance.json` — the parent's path
/// and fingerprint and the list of compression steps that made this folder (the parent's steps
/// plus this one), which every result record of the variant carries.

#include "core/io/atomic_folder.h"

#include <nlohmann/json.hpp>

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <optional>
#include <string>

namespace slim { class JobContext; }

namespace slim::model {

class LlamaModel;

inline constexpr const char* kProvenanceFile = "slimbench_provenance.json";

/// One compression step: {"method": "wanda", "command": "prune sparse", "settings": {...},
/// "calibration": {...} or null, "created_at"} — built by the caller, timestamped on commit.
class VariantWriter {
public:
    VariantWriter(std::filesystem::path parentDir, std::filesystem::path outDir);
    /// The staging folder (write extra files here before commit).
    const std::filesystem::path& staging() const { return m_folder.staging(); }
    /// config.json + safetensors of `model` (its projections' dense weights, the model's dtype).
    void writeModel(const LlamaModel& model, std::optional<at::ScalarType> storeDtype = std::nullopt);
    /// Copy tokenizer.json, tokenizer_config.json, special_tokens_map.json, generation_config.json
    /// (those present), write the provenance with `step` appended, and commit the folder.
    void commit(nlohmann::json step, const JobContext* ctx = nullptr);

private:
    std::filesystem::path m_parent;
    io::AtomicFolder m_folder;
};

/// The provenance of a folder: its slimbench_provenance.json, or {"parent": null, "steps": []}.
nlohmann::json readProvenance(const std::filesystem::path& dir);

} // namespace slim::model
