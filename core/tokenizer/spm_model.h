#pragma once
/// @file spm_model.h
/// llama.cpp's SPM tokenizer (src/llama-vocab.cpp, llm_tokenizer_spm_session): the vocabulary of
/// a sentencepiece BPE model with its scores, no merge list.  UTF-8 characters are merged
/// pairwise, always taking the adjacent pair whose concatenation is the token with the highest
/// score (leftmost on ties), through a priority queue over a linked list of symbols; symbols
/// that are not tokens fall back to <0xNN> byte tokens.

#include "core/tokenizer/bpe_model.h"

#include <string>
#include <vector>

namespace slim::tok {

class SpmModel final : public Model {
public:
    /// tokens[i] has id i and score scores[i].  Throws FormatError(file, ...) on duplicates.
    SpmModel(std::vector<std::string> tokens, std::vector<float> scores, std::optional<int32_t> unkId,
             const std::string& file);

    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::optional<int32_t> tokenToId(std::string_view token) const override;
    const std::string* idToToken(int32_t id) const override;
    size_t size() const override { return m_tokens.size(); }
    int32_t idLimit() const override { return int32_t(m_tokens.size()); }
    std::string describe() const override;

private:
    int32_t byteToken(unsigned char b) const;
    void tokenizeChunk(std::string_view text, std::vector<int32_t>& out) const;

    std::string m_file;
    std::vector<std::string> m_tokens;
    std::vector<float> m_scores;
    Vocab m_vocab;
    std::optional<int32_t> m_unkId;
    int32_t m_byteIds[256];
    mutable std::once_flag m_pairsOnce;
    mutable CharPairIndex m_pairs;
    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> m_cache;
};

} // namespace slim::tok
