#pragma once
// Fixtures for the widget tests: a tiny Llama checkpoint folder written with the core writer,
// a byte-level tokenizer.json, and fake slimbench-cli scripts.  Include before any Qt header
// (LibTorch's headers must be parsed before Qt defines `slots`).

#include <ATen/ATen.h>

#include "core/io/safetensors.h"
#include "core/model/tensor_names.h"
#include "support/test_util.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace widgettest {

/// The tiny model's dimensions and the numbers the GUI must show for it.
struct TinyModel {
    static constexpr int64_t kVocab = 260;      // 256 byte tokens + 4 specials
    static constexpr int64_t kHidden = 16;
    static constexpr int64_t kInter = 40;
    static constexpr int64_t kLayers = 2;
    static constexpr int64_t kHeads = 4;
    static constexpr int64_t kKvHeads = 2;
    static constexpr int64_t kHeadDim = kHidden / kHeads;                       // 4
    // Per layer: q 16x16, k/v 8x16, o 16x16, gate/up 40x16, down 16x40, two norms of 16.
    static constexpr int64_t kAttnParams = 256 + 128 + 128 + 256;               // 768
    static constexpr int64_t kMlpParams = 3 * 640;                              // 1920
    static constexpr int64_t kLayerParams = kAttnParams + kMlpParams + 2 * 16;  // 2720
    static constexpr int64_t kEmbedParams = kVocab * kHidden;                   // 4160
    static constexpr int64_t kNormParams = kLayers * 2 * kHidden + kHidden;     // 80 (F32)
    static constexpr int64_t kTotalParams = kLayers * kLayerParams + 2 * kEmbedParams + kHidden;  // 13776
    // Norms are stored as F32 (4 bytes), everything else as BF16 (2 bytes).
    static constexpr int64_t kF32Bytes = kNormParams * 4;                              // 320
    static constexpr int64_t kBF16Bytes = (kTotalParams - kNormParams) * 2;           // 27392
    static constexpr int64_t kTotalBytes = kF32Bytes + kBF16Bytes;
};

inline nlohmann::json tinyConfig()
{
    return {
        {"architectures", {"LlamaForCausalLM"}},
        {"model_type", "llama"},
        {"vocab_size", TinyModel::kVocab},
        {"hidden_size", TinyModel::kHidden},
        {"intermediate_size", TinyModel::kInter},
        {"num_hidden_layers", TinyModel::kLayers},
        {"num_attention_heads", TinyModel::kHeads},
        {"num_key_value_heads", TinyModel::kKvHeads},
        {"max_position_embeddings", 128},
        {"rms_norm_eps", 1e-5},
        {"rope_theta", 10000.0},
        {"tie_word_embeddings", false},
        {"torch_dtype", "bfloat16"},
        {"hidden_act", "silu"},
        {"bos_token_id", 256},
        {"eos_token_id", 257},
    };
}

/// A byte-level BPE tokenizer.json over the 256 bytes (no merges) + <s> (256) and </s> (257).
inline std::string byteLevelTokenizerJson()
{
    // GPT-2's byte -> printable unicode map: printable latin-1 bytes map to themselves, the rest
    // to U+0100 + n in byte order.
    std::vector<int> printable;
    for (int b = '!'; b <= '~'; ++b) printable.push_back(b);
    for (int b = 0xA1; b <= 0xAC; ++b) printable.push_back(b);
    for (int b = 0xAE; b <= 0xFF; ++b) printable.push_back(b);
    nlohmann::json vocab = nlohmann::json::object();
    int extra = 0;
    for (int b = 0; b < 256; ++b) {
        const bool keep = std::find(printable.begin(), printable.end(), b) != printable.end();
        const int cp = keep ? b : 256 + extra++;
        std::string utf8;
        if (cp < 0x80) {
            utf8 += static_cast<char>(cp);
        } else {
            utf8 += static_cast<char>(0xC0 | (cp >> 6));
            utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        }
        vocab[utf8] = b;
    }
    vocab["<s>"] = 256;
    vocab["</s>"] = 257;
    vocab["<pad>"] = 258;
    vocab["<unk>"] = 259;
    nlohmann::json special = nlohmann::json::array();
    for (auto [id, text] : {std::pair{256, "<s>"}, {257, "</s>"}, {258, "<pad>"}, {259, "<unk>"}})
        special.push_back({{"id", id}, {"content", text}, {"single_word", false}, {"lstrip", false},
                           {"rstrip", false}, {"normalized", false}, {"special", true}});
    const nlohmann::json tok = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", special},
        {"normalizer", nullptr},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
        {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
        {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
        {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
                   {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
                   {"vocab", vocab}, {"merges", nlohmann::json::array()}}},
    };
    return tok.dump();
}

/// Write the tiny checkpoint (config.json + model.safetensors, and tokenizer.json if asked).
inline void writeTinyModel(const std::filesystem::path& dir, bool withTokenizer)
{
    using namespace slim::model;
    std::filesystem::create_directories(dir);
    slimtest::writeBytes(dir / "config.json", tinyConfig().dump(2));
    at::manual_seed(1234);
    const auto bf16 = [](std::vector<int64_t> shape) {
        return (at::randn(shape) * 0.2).to(at::kBFloat16);
    };
    const auto norm = [] { return at::ones({TinyModel::kHidden}); };   // F32
    const int64_t h = TinyModel::kHidden, kv = TinyModel::kKvHeads * TinyModel::kHeadDim;
    std::vector<slim::io::NamedTensor> t;
    t.push_back({std::string(kEmbedTokens), bf16({TinyModel::kVocab, h})});
    for (int64_t l = 0; l < TinyModel::kLayers; ++l) {
        t.push_back({inputNormName(l), norm()});
        t.push_back({postAttentionNormName(l), norm()});
        t.push_back({projPrefix(l, Proj::Q) + ".weight", bf16({h, h})});
        t.push_back({projPrefix(l, Proj::K) + ".weight", bf16({kv, h})});
        t.push_back({projPrefix(l, Proj::V) + ".weight", bf16({kv, h})});
        t.push_back({projPrefix(l, Proj::O) + ".weight", bf16({h, h})});
        t.push_back({projPrefix(l, Proj::Gate) + ".weight", bf16({TinyModel::kInter, h})});
        t.push_back({projPrefix(l, Proj::Up) + ".weight", bf16({TinyModel::kInter, h})});
        t.push_back({projPrefix(l, Proj::Down) + ".weight", bf16({h, TinyModel::kInter})});
    }
    t.push_back({std::string(kFinalNorm), norm()});
    t.push_back({std::string(kLmHead), bf16({TinyModel::kVocab, h})});
    slim::io::writeSafetensors(dir / "model.safetensors", t);
    if (withTokenizer)
        slimtest::writeBytes(dir / "tokenizer.json", byteLevelTokenizerJson());
}

} // namespace widgettest
