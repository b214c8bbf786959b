#pragma once
/// @file added_vocabulary.h
/// The added vocabulary of a tokenizer (tokenizers/src/tokenizer/added_vocabulary.rs): tokens
/// matched in the text before pre-tokenization, leftmost-longest, with the single_word / lstrip /
/// rstrip rules; non-normalized ones on the raw text, normalized ones on the normalized pieces.

#include "core/tokenizer/tokenizer_impl.h"

#include <array>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace slim::tok {

class AddedVocabulary {
public:
    /// Add a token; its id is the model's id for the same content if there is one, otherwise the
    /// next free id (what AddedVocabulary::add_tokens does).  Returns the id.
    int32_t add(AddedToken token, const Model& model, const Normalizer* normalizer);
    /// Add a token with a fixed id (GGUF vocabularies).
    void addWithId(AddedToken token, const Normalizer* normalizer);

    /// Split non-normalized tokens out of the text pieces.
    void splitRaw(std::vector<Piece>& pieces) const;
    /// Normalize every text piece, then split normalized tokens out of it.
    void normalizeAndSplit(std::vector<Piece>& pieces, const Normalizer* normalizer) const;

    std::optional<int32_t> idOf(std::string_view content) const;
    const AddedToken* byId(int32_t id) const;
    /// What decode() shows for an added id: its normalized form when it is normalized.
    const std::string* decodeForm(int32_t id) const;
    bool isSpecialContent(std::string_view content) const;
    bool empty() const { return m_tokens.empty(); }
    size_t size() const { return m_tokens.size(); }
    int32_t maxId() const { return m_maxId; }
    const std::vector<AddedToken>& tokens() const { return m_tokens; }

private:
    struct Trie {
        struct Node {
            std::vector<std::pair<unsigned char, int32_t>> next; // sorted by byte
            int32_t token = -1;                                   // index into m_tokens
        };
        std::vector<Node> nodes{Node{}};
        std::array<bool, 256> firstByte{};
        bool empty() const { return nodes.size() == 1; }
        void insert(std::string_view key, int32_t token);
        /// Longest match starting at `pos`: token index and length, or -1.
        int32_t longest(std::string_view text, size_t pos, size_t& len) const;
    };
    void index(size_t tokenIndex, const Normalizer* normalizer);
    void split(std::vector<Piece>& pieces, const Trie& trie) const;

    std::vector<AddedToken> m_tokens;
    std::vector<std::string> m_normalizedForm; // per token; empty when the same as content
    std::unordered_map<std::string, size_t> m_byContent;
    std::unordered_map<int32_t, size_t> m_byId;
    std::unordered_set<std::string> m_specialContents;
    Trie m_raw;
    Trie m_normalized;
    int32_t m_maxId = -1;
};

} // namespace slim::tok
