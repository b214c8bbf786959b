#pragma once
/// @file bpe_model.h
/// The BPE model of Hugging Face `tokenizers` (tokenizers/src/models/bpe/{model,word}.rs):
/// characters (or their <0xNN> byte-fallback tokens, or unk) are merged by merge rank with a
/// priority queue over a linked list of symbols, so a piece of n characters costs O(n log n)
/// however long it is (Metaspace without split makes a whole document one piece).  Words
/// shorter than 256 bytes are cached.

#include "core/tokenizer/tokenizer_impl.h"
#include "core/tokenizer/unicode.h"

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

/// Which adjacent character pairs occur inside some token of a vocabulary.  Merging only ever
/// builds vocabulary tokens, so where two neighbouring characters form a pair that no token
/// contains, nothing can be merged across: a long piece splits there into independent chunks
/// with exactly the same result (and the chunks are small enough to cache).
class CharPairIndex {
public:
    template <typename Strings>
    void build(const Strings& tokens);
    bool joinable(char32_t a, char32_t b) const { return contains((uint64_t(a) << 32) | b); }
    /// The character is a one-character token.
    bool isToken(char32_t c) const { return contains((uint64_t(1) << 63) | c); }
    /// Call fn(chunk) for the chunks of `text`; `needTokens`: only split between characters that
    /// are both one-character tokens (BPE, whose other characters become byte / unk symbols).
    template <typename Fn>
    void forEachChunk(std::string_view text, bool needTokens, Fn&& fn) const;

private:
    void insert(uint64_t key);
    bool contains(uint64_t key) const;
    size_t slotOf(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> m_shift); }
    static constexpr uint64_t kEmpty = ~uint64_t(0);
    std::vector<uint64_t> m_slots;
    unsigned m_shift = 64;
    size_t m_count = 0;
};

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
    void tokenizeCached(std::string_view word, std::vector<int32_t>& out) const;

    std::string m_file;
    Vocab m_vocab;
    std::vector<std::string> m_idToToken;
    std::vector<bool> m_hasId;
    PairMap m_merges;
    size_t m_mergeCount = 0;
    BpeOptions m_opt;
    int32_t m_unkId = -1;
    int32_t m_byteIds[256];

    mutable std::once_flag m_pairsOnce;
    mutable CharPairIndex m_pairs;
    mutable std::mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> m_cache;
};

template <typename Strings>
void CharPairIndex::build(const Strings& tokens) {
    size_t pairs = 0;
    for (const auto& t : tokens)
        pairs += std::string_view(t).size();
    size_t cap = 16;
    while (cap < 2 * pairs + 1)
        cap <<= 1;
    m_slots.assign(cap, kEmpty);
    m_shift = 64 - unsigned(__builtin_ctzll(cap));
    for (const auto& t : tokens) {
        const std::string_view s(t);
        size_t pos = 0;
        char32_t prev = 0;
        size_t n = 0;
        while (pos < s.size()) {
            const char32_t c = unicode::decodeUtf8(s, pos);
            if (n++ > 0)
                insert((uint64_t(prev) << 32) | c);
            prev = c;
        }
        if (n == 1)
            insert((uint64_t(1) << 63) | prev);
    }
}

template <typename Fn>
void CharPairIndex::forEachChunk(std::string_view text, bool needTokens, Fn&& fn) const {
    size_t chunkStart = 0, pos = 0;
    char32_t prev = 0;
    bool prevToken = false;
    while (pos < text.size()) {
        const size_t here = pos;
        const char32_t c = unicode::decodeUtf8(text, pos);
        const bool token = !needTokens || isToken(c);
        if (here > chunkStart && prevToken && token && !joinable(prev, c)) {
            fn(text.substr(chunkStart, here - chunkStart));
            chunkStart = here;
        }
        prev = c;
        prevToken = token;
    }
    if (chunkStart < text.size())
        fn(text.substr(chunkStart));
}

} // namespace slim::tok
