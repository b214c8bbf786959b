#pragma once
/// @file bpe_model.h
/// The BPE model of Hugging Face `tokenizers` (tokenizers/src/models/bpe/{model,word}.rs):
/// characters (or their <0xNN> byte-fallback tokens, or unk) are merged by merge rank with a
/// priority queue over a linked list of symbols, so a piece of n characters costs O(n log n)
/// however long it is (Metaspace without split makes a whole document one piece).  Words
/// shorter than 256 bytes are cached.

#include "core/tokenizer/tokenizer_impl.h"

#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace slim::tok {

struct BpeOptions {
    std::optional<std::string> unkToken;
    std::string continuingSubwordPrefix;
    std::string endOfWordSuffix;
    bool fuseUnk = false;
    bool byteFallback = false;
    bool ignoreMerges = false;
};

/// Transparent string hash so maps keyed by std::string accept std::string_view look-ups.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using Vocab = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel final : public Model {
public:
    /// `merges` are pairs of token strings in rank order.  Throws FormatError(file, ...) when a
    /// merge names a token (or produces a token) outside the vocabulary.
    BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
             const std::string& file);

    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::optional<int32_t> tokenToId(std::string_view token) const override;
    const std::string* idToToken(int32_t id) const override;
    size_t size() const override { return m_vocab.size(); }
    int32_t idLimit() const override { return int32_t(m_idToToken.size()); }
    std::string describe() const override;

    size_t mergeCount() const { return m_mergeCount; }

    static constexpr size_t kCacheMaxWordBytes = 256;   // tokenizers' MAX_LENGTH
    static constexpr size_t kCacheCapacity = 10000;     // tokenizers' DEFAULT_CACHE_CAPACITY

private:
    /// Open-addressing map (left id, right id) -> (rank, merged id).
    class PairMap {
    public:
        struct Value {
            uint32_t rank;
            int32_t id;
        };
        void reserve(size_t n);
        void put(int32_t a, int32_t b, Value v);
        const Value* get(int32_t a, int32_t b) const;

    private:
        struct Slot {
            uint64_t key = kEmpty;
            Value value{};
        };
        static constexpr uint64_t kEmpty = ~uint64_t(0);
        size_t slotOf(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> m_shift); }
        std::vector<Slot> m_slots;
        unsigned m_shift = 64;
        size_t m_count = 0;
    };

    void mergeWord(std::string_view word, std::vector<int32_t>& out) const;

    std::string m_file;
    Vocab m_vocab;
    std::vector<std::string> m_idToToken;
    std::vector<bool> m_hasId;
    PairMap m_merges;
    size_t m_mergeCount = 0;
    BpeOptions m_opt;
    int32_t m_unkId = -1;
    int32_t m_byteIds[256];

    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> m_cache;
};

} // namespace slim::tok
