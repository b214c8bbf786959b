#pragma once
/// @file tokenizer.h
/// BPE tokenizers exactly as Hugging Face `tokenizers` runs tokenizer.json: the sentencepiece
/// style (Llama-2, TinyLlama, Mistral: Metaspace or Prepend+Replace, byte_fallback, fuse_unk)
/// and the byte-level style (Llama-3, Qwen2, GPT-2: ByteLevel with its split regex); added /
/// special tokens; the post-processor's BOS/EOS; decode.  Also built from a GGUF vocabulary.

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
    /// A model folder (tokenizer.json inside) or a tokenizer.json path.
    static Tokenizer fromPath(const std::filesystem::path& folderOrFile);
    /// The vocabulary of a GGUF file (tokenizer.ggml.* keys): "llama" (SPM) and "gpt2" (BPE).
    static Tokenizer fromGguf(const std::filesystem::path& ggufFile);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    /// Token ids of `text`.  With addSpecialTokens the post-processor's tokens (BOS...) are added.
    std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens = true) const;
    /// Text of ids (byte-fallback bytes re-joined, Metaspace/ByteLevel undone).
    std::string decode(std::span<const int32_t> ids, bool skipSpecialTokens = false) const;

    int32_t vocabSize() const;                 ///< including added tokens
    std::string idToToken(int32_t id) const;   ///< raw vocabulary string ("▁the", "Ġthe")
    std::optional<int32_t> tokenToId(std::string_view token) const;
    std::optional<int32_t> bosId() const;
    std::optional<int32_t> eosId() const;
    bool isSpecial(int32_t id) const;

private:
    explicit Tokenizer(std::unique_ptr<TokenizerImpl> impl);
    std::unique_ptr<TokenizerImpl> m_impl;
};

} // namespace slim::tok
