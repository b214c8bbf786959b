#pragma once
/// @file gguf_export.h
/// A model as a GGUF file that llama.cpp loads (tensor names, hyper-parameters and tokenizer as
/// llama.cpp's convert_hf_to_gguf.py writes them — docs/export.md):
///  - architecture "llama" (Llama, Mistral), "qwen2", or "deci" when layers differ in width
///    (width-pruned: per-layer head counts and feed-forward lengths as arrays); depth-pruned models
///    are plain llama files with fewer blocks;
///  - q_proj / k_proj rows permuted for llama.cpp's interleaved rotary layout (not for qwen2);
///    Llama 3.1 rope scaling written as `rope_freqs.weight`;
///  - projections in the chosen type (F16, Q8_0, Q4_0, Q4_K; F16 for rows that are not a multiple of
///    the block), norms and biases in F32, embedding and output in Q8_0 for the 4-bit types;
///    quantized models are de-quantized first (their codes do not map onto ggml blocks);
///  - the tokenizer from tokenizer.json: Metaspace + byte-fallback BPE (Llama 2, Mistral) as the
///    "llama" (SentencePiece) vocabulary with merge ranks as scores; byte-level BPE (Llama 3, Qwen2)
///    as "gpt2" with merges.

#include "core/quant/gguf_quants.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace slim {
class JobContext;
}
namespace slim::model {
class LlamaModel;
}

namespace slim::exporting {

struct GgufExportOptions {
    quant::GgmlType type = quant::GgmlType::F16;
    std::string name; ///< general.name (default: the folder name)
};

struct GgufExportReport {
    std::string path, architecture, tokenizerModel;
    int64_t bytes = 0, tensors = 0;
    std::map<std::string, int64_t> tensorsByType;
    std::vector<std::string> warnings;
    double seconds = 0.0;
    nlohmann::json toJson() const;
};

/// Write `model` (loaded from `modelDir`, whose tokenizer.json is exported) to `out` atomically.
GgufExportReport exportGguf(const model::LlamaModel& model, const std::filesystem::path& modelDir,
                            const std::filesystem::path& out, const GgufExportOptions& o, const JobContext& ctx);

/// The ggml type chosen for a model tensor (2-D projection / embedding / output) under `o`.
quant::GgmlType ggufTensorType(const std::string& ggufName, int64_t cols, quant::GgmlType requested);

} // namespace slim::exporting
