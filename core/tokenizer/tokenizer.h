#pragma once
/// @file tokenizer.h
/// BPE tokenizers exactly as Hugging Face `tokenizers` runs tokenizer.json: the sentencepiece
/// style (Llama-2, TinyLlama, Mistral: Metaspace or Prepend+Replace, byte_fallback, fuse_unk)
/// and the byte-level style (Llama-3, Qwen2, GPT-2: ByteLevel with its split regex); added /
/// special tokens; the post-processor's BOS/EOS; decode.  Also built from a GGUF vocabulary.
///
/// Supported tokenizer.json components (anything else is refused by name): model BPE (byte_fallback,
/// fuse_unk, unk_token, ignore_merges, continuing_subword_prefix, end_of_word_suffix); normalizers
/// Sequence, Prepend, Replace, NFC, Strip; pre-tokenizers Sequence, Metaspace, ByteLevel, Split
/// (regex subset of regex.h), Digits; decoders Sequence, Replace, ByteFallback, Fuse, Strip,
/// Metaspace, ByteLevel; post-processors TemplateProcessing, ByteLevel, RobertaProcessing,
/// BertProcessing, Sequence.  Ignored on purpose: "truncation" and "padding" (transformers resets
/// them on every call) and BPE "dropout" (training-time randomness).  Checked against Hugging Face
/// `tokenizers` 0.23 (tests/data/tokenizer/hf_reference).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slim::tok {

class TokenizerImpl;

class Tokenizer {
public:
    /// Parse a tokenizer.json (throws FormatError naming the file and the rule).
    static Tokenizer fromJsonFile(const std::filesystem::path& tokenizerJson);
    static Tokenizer fromJsonText(std::string_view json, const std::string& fileName = "tokenizer.json");
    /// A model folder (tokenizer.json inside; tokenizer_config.json's bos/eos_token respected),
    /// a tokenizer.json path, or a .gguf file.
    static Tokenizer fromPath(const std::filesystem::path& folderOrFile);
    /// The vocabulary of a GGUF file (tokenizer.ggml.* keys): "llama" is llama.cpp's SPM tokenizer
    /// (score-ordered merges, byte fallback, space prefix, BOS); "gpt2" byte-level BPE with merges
    /// and tokenizer.ggml.pre "gpt-2", "llama-bpe" or "qwen2".
    static Tokenizer fromGguf(const std::filesystem::path& ggufFile);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    /// Token ids of `text` (valid UTF-8, else ConfigError).  With addSpecialTokens the
    /// post-processor's tokens (BOS...) are added.  Added / special tokens written in the text are
    /// recognised, as Hugging Face does.  Thread-safe.
    std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens = true) const;
    /// Text of ids (byte-fallback bytes re-joined, Metaspace/ByteLevel undone).  An id outside the
    /// vocabulary is a ConfigError (Hugging Face silently drops it).
    std::string decode(std::span<const int32_t> ids, bool skipSpecialTokens = false) const;

    int32_t vocabSize() const;                 ///< largest id + 1, added tokens included
    std::string idToToken(int32_t id) const;   ///< raw vocabulary string ("▁the", "Ġthe"); ConfigError if none
    std::optional<int32_t> tokenToId(std::string_view token) const;
    std::optional<int32_t> bosId() const;
    std::optional<int32_t> eosId() const;
    bool isSpecial(int32_t id) const;
    /// One line for logs and the UI: model kind, vocabulary size, normalizer, pre-tokenizer...
    std::string describe() const;
    /// The file the tokenizer was read from.
    const std::string& source() const;

private:
    explicit Tokenizer(std::unique_ptr<TokenizerImpl> impl);
    std::unique_ptr<TokenizerImpl> m_impl;
};

} // namespace slim::tok
