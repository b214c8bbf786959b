#include "core/tokenizer/bpe_model.h"

#include "core/common/errors.h"
#include "core/tokenizer/unicode.h"

#include <algorithm>
#include <cstdio>
#include <queue>

namespace slim::tok {

namespace u = unicode;

// ---- PairMap ------------------------------------------------------------------------------------

void BpeModel::PairMap::reserve(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 1)
        cap <<= 1;
    m_slots.assign(cap, Slot{});
    m_shift = 64 - unsigned(__builtin_ctzll(cap));
    m_count = 0;
}

void BpeModel::PairMap::put(int32_t a, int32_t b, Value v) {
    const uint64_t key = (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
    const size_t mask = m_slots.size() - 1;
    for (size_t i = slotOf(key);; i = (i + 1) & mask) {
        if (m_slots[i].key == key) {
            m_slots[i].value = v; // a later duplicate merge replaces the earlier (HashMap collect)
            return;
        }
        if (m_slots[i].key == kEmpty) {
            m_slots[i] = Slot{key, v};
            ++m_count;
            return;
        }
    }
}

const BpeModel::PairMap::Value* BpeModel::PairMap::get(int32_t a, int32_t b) const {
    if (m_slots.empty())
        return nullptr;
    const uint64_t key = (uint64_t(uint32_t(a)) << 32) | uint32_t(b);
    const size_t mask = m_slots.size() - 1;
    for (size_t i = slotOf(key);; i = (i + 1) & mask) {
        if (m_slots[i].key == key)
            return &m_slots[i].value;
        if (m_slots[i].key == kEmpty)
            return nullptr;
    }
}

// ---- CharPairIndex -----------------------------------------------------------------------------

void CharPairIndex::insert(uint64_t key) {
    const size_t mask = m_slots.size() - 1;
    for (size_t i = slotOf(key);; i = (i + 1) & mask) {
        if (m_slots[i] == key)
            return;
        if (m_slots[i] == kEmpty) {
            m_slots[i] = key;
            ++m_count;
            return;
        }
    }
}

bool CharPairIndex::contains(uint64_t key) const {
    if (m_slots.empty())
        return false;
    const size_t mask = m_slots.size() - 1;
    for (size_t i = slotOf(key);; i = (i + 1) & mask) {
        if (m_slots[i] == key)
            return true;
        if (m_slots[i] == kEmpty)
            return false;
    }
}

// ---- BpeModel -----------------------------------------------------------------------------------

BpeModel::BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
                   const std::string& file)
    : m_file(file), m_vocab(std::move(vocab)), m_opt(std::move(options)) {
    int32_t limit = 0;
    for (const auto& [tok, id] : m_vocab) {
        if (id < 0)
            throw FormatError(m_file, "model.vocab: token id " + std::to_string(id) + " is negative");
        limit = std::max(limit, id + 1);
    }
    m_idToToken.resize(size_t(limit));
    m_hasId.assign(size_t(limit), false);
    for (const auto& [tok, id] : m_vocab) {
        // Several tokens may share an id; keep the smallest string so decoding is deterministic.
        if (!m_hasId[size_t(id)] || tok < m_idToToken[size_t(id)])
            m_idToToken[size_t(id)] = tok;
        m_hasId[size_t(id)] = true;
    }

    m_merges.reserve(merges.size());
    const std::string& prefix = m_opt.continuingSubwordPrefix;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const auto ia = m_vocab.find(a), ib = m_vocab.find(b);
        if (ia == m_vocab.end() || ib == m_vocab.end())
            throw FormatError(m_file, "model.merges[" + std::to_string(rank) + "]: token \"" +
                                          (ia == m_vocab.end() ? a : b) + "\" is not in the vocabulary");
        // The merged token drops the right part's continuing-subword prefix (as BpeBuilder::build).
        std::string merged = a;
        merged += (!prefix.empty() && b.compare(0, prefix.size(), prefix) == 0) ? b.substr(prefix.size()) : b;
        const auto im = m_vocab.find(merged);
        if (im == m_vocab.end())
            throw FormatError(m_file, "model.merges[" + std::to_string(rank) + "]: merged token \"" + merged +
                                          "\" is not in the vocabulary");
        m_merges.put(ia->second, ib->second, {uint32_t(rank), im->second});
    }
    m_mergeCount = merges.size();

    if (m_opt.unkToken)
        if (auto it = m_vocab.find(*m_opt.unkToken); it != m_vocab.end())
            m_unkId = it->second;
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto it = m_vocab.find(std::string_view(name));
        m_byteIds[b] = it == m_vocab.end() ? -1 : it->second;
    }
}

std::optional<int32_t> BpeModel::tokenToId(std::string_view token) const {
    auto it = m_vocab.find(token);
    if (it == m_vocab.end())
        return std::nullopt;
    return it->second;
}

const std::string* BpeModel::idToToken(int32_t id) const {
    if (id < 0 || id >= idLimit() || !m_hasId[size_t(id)])
        return nullptr;
    return &m_idToToken[size_t(id)];
}

std::string BpeModel::describe() const {
    std::string d = "BPE, " + std::to_string(m_vocab.size()) + " tokens, " + std::to_string(m_mergeCount) + " merges";
    if (m_opt.byteFallback)
        d += ", byte_fallback";
    if (m_opt.fuseUnk)
        d += ", fuse_unk";
    if (m_opt.ignoreMerges)
        d += ", ignore_merges";
    return d;
}

void BpeModel::tokenize(std::string_view piece, std::vector<int32_t>& out) const {
    if (piece.empty())
        return;
    if (m_opt.ignoreMerges)
        if (auto it = m_vocab.find(piece); it != m_vocab.end()) {
            out.push_back(it->second);
            return;
        }
    if (piece.size() < kCacheMaxWordBytes) {
        tokenizeCached(piece, out);
        return;
    }
    if (!m_opt.continuingSubwordPrefix.empty() || !m_opt.endOfWordSuffix.empty()) {
        mergeWord(piece, out);
        return;
    }
    // A long piece (a whole document under Metaspace without split): cut it where no merge can
    // reach across (see CharPairIndex), which gives the same ids with small, cacheable heaps.
    std::call_once(m_pairsOnce, [this] {
        std::vector<std::string_view> tokens;
        tokens.reserve(m_vocab.size());
        for (const auto& [tok, id] : m_vocab)
            tokens.emplace_back(tok);
        m_pairs.build(tokens);
    });
    m_pairs.forEachChunk(piece, true, [&](std::string_view chunk) {
        if (chunk.size() < kCacheMaxWordBytes)
            tokenizeCached(chunk, out);
        else
            mergeWord(chunk, out);
    });
}

void BpeModel::tokenizeCached(std::string_view piece, std::vector<int32_t>& out) const {
    {
        std::lock_guard lock(m_cacheMutex);
        if (auto it = m_cache.find(piece); it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const size_t first = out.size();
    mergeWord(piece, out);
    std::lock_guard lock(m_cacheMutex);
    if (m_cache.size() < kCacheCapacity)
        m_cache.emplace(std::string(piece), std::vector<int32_t>(out.begin() + long(first), out.end()));
}

void BpeModel::mergeWord(std::string_view w, std::vector<int32_t>& out) const {
    struct Symbol {
        int32_t id;
        int32_t prev;
        int32_t next;
        uint32_t len; // bytes of the original word; 0 once merged into its left neighbour
    };
    std::vector<Symbol> sym;
    sym.reserve(w.size());
    auto add = [&](int32_t id, size_t len) {
        const auto n = int32_t(sym.size());
        if (!sym.empty())
            sym.back().next = n;
        sym.push_back({id, n - 1, -1, uint32_t(len)});
    };

    // 1. Initial symbols: one per character (word.rs merge_word).
    int32_t unkId = -1;
    size_t unkLen = 0;
    std::string buf;
    for (size_t i = 0; i < w.size();) {
        const size_t len = std::min(u::utf8SeqLen(static_cast<unsigned char>(w[i])), w.size() - i);
        std::string_view s = w.substr(i, len);
        const bool isFirst = i == 0;
        i += len;
        const bool isLast = i >= w.size();
        if ((!isFirst && !m_opt.continuingSubwordPrefix.empty()) || (isLast && !m_opt.endOfWordSuffix.empty())) {
            buf.clear();
            if (!isFirst)
                buf += m_opt.continuingSubwordPrefix;
            buf += s;
            if (isLast)
                buf += m_opt.endOfWordSuffix;
            s = buf;
        }
        if (auto it = m_vocab.find(s); it != m_vocab.end()) {
            if (unkId >= 0) {
                add(unkId, unkLen);
                unkId = -1;
            }
            add(it->second, len);
            continue;
        }
        if (m_opt.byteFallback) {
            bool all = true;
            for (char c : s)
                all = all && m_byteIds[static_cast<unsigned char>(c)] >= 0;
            if (all) {
                // As tokenizers does, a pending unk is not flushed before byte tokens.
                for (char c : s)
                    add(m_byteIds[static_cast<unsigned char>(c)], 1);
                continue;
            }
        }
        if (m_opt.unkToken) {
            if (m_unkId < 0)
                throw FormatError(m_file, "model.unk_token \"" + *m_opt.unkToken + "\" is not in the vocabulary");
            if (unkId >= 0 && m_opt.fuseUnk) {
                unkLen += len;
            } else {
                if (unkId >= 0)
                    add(unkId, unkLen);
                unkId = m_unkId;
                unkLen = len;
            }
        }
        // No unk token: the character is dropped, as in tokenizers.
    }
    if (unkId >= 0)
        add(unkId, unkLen);

    // 2. Merge by rank (lowest first, leftmost on ties) with a min-heap of candidate pairs.
    struct Cand {
        uint32_t rank;
        uint32_t pos;
        int32_t id;
    };
    auto later = [](const Cand& a, const Cand& b) { return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos; };
    std::vector<Cand> heapStore;
    heapStore.reserve(sym.size());
    for (size_t i = 0; i + 1 < sym.size(); ++i)
        if (const auto* m = m_merges.get(sym[i].id, sym[i + 1].id))
            heapStore.push_back({m->rank, uint32_t(i), m->id});
    std::priority_queue<Cand, std::vector<Cand>, decltype(later)> heap(later, std::move(heapStore));
    while (!heap.empty()) {
        const Cand top = heap.top();
        heap.pop();
        Symbol& cur = sym[top.pos];
        if (cur.len == 0 || cur.next < 0)
            continue;
        const int32_t nextPos = cur.next;
        const Symbol right = sym[size_t(nextPos)];
        // Skip queue entries made stale by an earlier merge.
        const auto* m = m_merges.get(cur.id, right.id);
        if (!m || m->id != top.id)
            continue;
        cur.id = top.id;
        cur.len += right.len;
        cur.next = right.next;
        sym[size_t(nextPos)].len = 0;
        if (right.next >= 0)
            sym[size_t(right.next)].prev = int32_t(top.pos);
        if (cur.prev >= 0)
            if (const auto* pm = m_merges.get(sym[size_t(cur.prev)].id, cur.id))
                heap.push({pm->rank, uint32_t(cur.prev), pm->id});
        if (cur.next >= 0)
            if (const auto* nm = m_merges.get(cur.id, sym[size_t(cur.next)].id))
                heap.push({nm->rank, top.pos, nm->id});
    }
    for (const auto& s : sym)
        if (s.len != 0)
            out.push_back(s.id);
}

} // namespace slim::tok
