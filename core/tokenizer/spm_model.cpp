#include "core/tokenizer/spm_model.h"

#include "core/common/errors.h"
#include "core/tokenizer/unicode.h"

#include <cstdio>
#include <queue>

namespace slim::tok {

SpmModel::SpmModel(std::vector<std::string> tokens, std::vector<float> scores, std::optional<int32_t> unkId,
                   const std::string& file)
    : m_file(file), m_tokens(std::move(tokens)), m_scores(std::move(scores)), m_unkId(unkId) {
    if (m_scores.size() != m_tokens.size())
        throw FormatError(m_file, "the vocabulary has " + std::to_string(m_tokens.size()) + " tokens but " +
                                      std::to_string(m_scores.size()) + " scores");
    m_vocab.reserve(m_tokens.size());
    for (size_t i = 0; i < m_tokens.size(); ++i)
        m_vocab[m_tokens[i]] = int32_t(i); // as llama.cpp: the last id of a duplicate wins
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto it = m_vocab.find(std::string_view(name));
        if (it == m_vocab.end()) // vocabularies without byte tokens may hold the raw byte
            it = m_vocab.find(std::string(1, char(b)));
        m_byteIds[b] = it == m_vocab.end() ? -1 : it->second;
    }
}

std::optional<int32_t> SpmModel::tokenToId(std::string_view token) const {
    auto it = m_vocab.find(token);
    if (it == m_vocab.end())
        return std::nullopt;
    return it->second;
}

const std::string* SpmModel::idToToken(int32_t id) const {
    return (id >= 0 && size_t(id) < m_tokens.size()) ? &m_tokens[size_t(id)] : nullptr;
}

std::string SpmModel::describe() const {
    return "SPM (llama.cpp, score-ordered merges), " + std::to_string(m_tokens.size()) + " tokens";
}

int32_t SpmModel::byteToken(unsigned char b) const {
    if (m_byteIds[b] >= 0)
        return m_byteIds[b];
    if (m_unkId)
        return *m_unkId;
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", b);
    throw FormatError(m_file, std::string("the vocabulary has no byte token for ") + hex + " and no unknown token");
}

void SpmModel::tokenize(std::string_view text, std::vector<int32_t>& out) const {
    // Cut the text where no token can span the cut (see CharPairIndex): same ids, small heaps,
    // and the chunks (mostly words) can be cached.
    std::call_once(m_pairsOnce, [this] { m_pairs.build(m_tokens); });
    m_pairs.forEachChunk(text, false, [&](std::string_view chunk) {
        if (chunk.size() >= BpeModel::kCacheMaxWordBytes) {
            tokenizeChunk(chunk, out);
            return;
        }
        {
            std::lock_guard lock(m_cacheMutex);
            if (auto it = m_cache.find(chunk); it != m_cache.end()) {
                out.insert(out.end(), it->second.begin(), it->second.end());
                return;
            }
        }
        const size_t first = out.size();
        tokenizeChunk(chunk, out);
        std::lock_guard lock(m_cacheMutex);
        if (m_cache.size() < BpeModel::kCacheCapacity)
            m_cache.emplace(std::string(chunk), std::vector<int32_t>(out.begin() + long(first), out.end()));
    });
}

void SpmModel::tokenizeChunk(std::string_view text, std::vector<int32_t>& out) const {
    struct Symbol {
        size_t start;
        size_t n; // 0 once merged into its left neighbour
        int32_t prev;
        int32_t next;
    };
    struct Bigram {
        int32_t left;
        int32_t right;
        float score;
        size_t size;
    };
    // Highest score first, then the leftmost (llm_bigram_spm::comparator).
    auto lower = [](const Bigram& l, const Bigram& r) {
        return l.score < r.score || (l.score == r.score && l.left > r.left);
    };

    std::vector<Symbol> sym;
    sym.reserve(text.size());
    for (size_t offs = 0; offs < text.size();) {
        const size_t len = std::min(unicode::utf8SeqLen(static_cast<unsigned char>(text[offs])), text.size() - offs);
        const auto idx = int32_t(sym.size());
        sym.push_back({offs, len, idx - 1, offs + len == text.size() ? -1 : idx + 1});
        offs += len;
    }

    std::priority_queue<Bigram, std::vector<Bigram>, decltype(lower)> queue(lower);
    auto tryAdd = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0)
            return;
        const Symbol& l = sym[size_t(left)];
        const Symbol& r = sym[size_t(right)];
        const std::string_view s = text.substr(l.start, l.n + r.n);
        auto it = m_vocab.find(s);
        if (it == m_vocab.end())
            return;
        queue.push({left, right, m_scores[size_t(it->second)], s.size()});
    };
    for (int32_t i = 1; i < int32_t(sym.size()); ++i)
        tryAdd(i - 1, i);

    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol& l = sym[size_t(b.left)];
        Symbol& r = sym[size_t(b.right)];
        if (l.n == 0 || r.n == 0 || l.n + r.n != b.size)
            continue; // one side was merged since this pair was queued
        l.n += r.n;
        r.n = 0;
        l.next = r.next;
        if (r.next >= 0)
            sym[size_t(r.next)].prev = b.left;
        tryAdd(l.prev, b.left);
        tryAdd(b.left, l.next);
    }

    // Every merged symbol is a token (pairs are only queued when they are), so llama.cpp's
    // rev_merge re-segmentation never applies: a symbol is a token or a character to spell as bytes.
    for (int32_t i = sym.empty() ? -1 : 0; i != -1; i = sym[size_t(i)].next) {
        const Symbol& s = sym[size_t(i)];
        const std::string_view piece = text.substr(s.start, s.n);
        if (auto it = m_vocab.find(piece); it != m_vocab.end()) {
            out.push_back(it->second);
            continue;
        }
        for (char c : piece)
            out.push_back(byteToken(static_cast<unsigned char>(c)));
    }
}

} // namespace slim::tok
