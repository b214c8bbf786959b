#include "core/tokenizer/added_vocabulary.h"

#include "core/tokenizer/unicode.h"

#include <algorithm>

namespace slim::tok {

namespace u = unicode;

void AddedVocabulary::Trie::insert(std::string_view key, int32_t token) {
    if (key.empty())
        return;
    firstByte[static_cast<unsigned char>(key[0])] = true;
    int32_t node = 0;
    for (char ch : key) {
        const auto c = static_cast<unsigned char>(ch);
        auto& next = nodes[size_t(node)].next;
        auto it = std::lower_bound(next.begin(), next.end(), c,
                                   [](const std::pair<unsigned char, int32_t>& e, unsigned char v) { return e.first < v; });
        if (it != next.end() && it->first == c) {
            node = it->second;
            continue;
        }
        const auto child = int32_t(nodes.size());
        next.insert(it, {c, child}); // may reallocate `next`, not `nodes`
        nodes.emplace_back();
        node = child;
    }
    nodes[size_t(node)].token = token;
}

int32_t AddedVocabulary::Trie::longest(std::string_view text, size_t pos, size_t& len) const {
    int32_t best = -1;
    int32_t node = 0;
    for (size_t i = pos; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        const auto& next = nodes[size_t(node)].next;
        auto it = std::lower_bound(next.begin(), next.end(), c,
                                   [](const std::pair<unsigned char, int32_t>& e, unsigned char v) { return e.first < v; });
        if (it == next.end() || it->first != c)
            break;
        node = it->second;
        if (nodes[size_t(node)].token >= 0) {
            best = nodes[size_t(node)].token;
            len = i + 1 - pos;
        }
    }
    return best;
}

int32_t AddedVocabulary::add(AddedToken token, const Model& model, const Normalizer* normalizer) {
    if (token.content.empty())
        return -1;
    // Next free id as AddedVocabulary::add_tokens computes it.
    const auto modelSize = int32_t(model.size());
    int32_t nextId = modelSize;
    if (m_maxId >= 0 && (m_maxId >= modelSize || modelSize == 0))
        nextId = m_maxId + 1;
    if (auto it = m_byContent.find(token.content); it != m_byContent.end())
        token.id = m_tokens[it->second].id;
    else if (auto mid = model.tokenToId(token.content))
        token.id = *mid;
    else
        token.id = nextId;
    addWithId(std::move(token), normalizer);
    return m_tokens.back().id;
}

void AddedVocabulary::addWithId(AddedToken token, const Normalizer* normalizer) {
    if (token.content.empty() || token.id < 0)
        return;
    m_tokens.push_back(std::move(token));
    const size_t i = m_tokens.size() - 1;
    m_byContent[m_tokens[i].content] = i;
    const bool replacesId = m_byId.count(m_tokens[i].id) != 0;
    m_byId[m_tokens[i].id] = i; // a later token with the same id replaces the earlier one
    m_maxId = std::max(m_maxId, m_tokens[i].id);
    if (m_tokens[i].special)
        m_specialContents.insert(m_tokens[i].content);
    m_normalizedForm.emplace_back();
    if (m_tokens[i].normalized && normalizer) {
        std::string s = m_tokens[i].content;
        normalizer->normalize(s);
        if (s != m_tokens[i].content)
            m_normalizedForm[i] = std::move(s);
    }
    auto insert = [this](size_t idx) {
        const AddedToken& t = m_tokens[idx];
        if (t.normalized)
            m_normalized.insert(m_normalizedForm[idx].empty() ? t.content : m_normalizedForm[idx], int32_t(idx));
        else
            m_raw.insert(t.content, int32_t(idx));
    };
    if (!replacesId) {
        insert(i);
        return;
    }
    // Only the latest token of an id is matched: rebuild both tries (rare).
    m_raw = Trie{};
    m_normalized = Trie{};
    std::vector<std::pair<int32_t, size_t>> byId(m_byId.begin(), m_byId.end());
    std::sort(byId.begin(), byId.end());
    for (const auto& entry : byId)
        insert(entry.second);
}

void AddedVocabulary::split(std::vector<Piece>& pieces, const Trie& trie) const {
    if (trie.empty())
        return;
    splitPieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
        const std::string_view s = p.text;
        size_t startOffset = 0;
        size_t pos = 0;
        auto emitText = [&](size_t b, size_t e) {
            if (b < e)
                out.push_back(Piece{std::string(s.substr(b, e - b)), -1, p.atOrigin && b == 0});
        };
        while (pos < s.size()) {
            if (!trie.firstByte[static_cast<unsigned char>(s[pos])]) {
                ++pos;
                continue;
            }
            size_t len = 0;
            const int32_t ti = trie.longest(s, pos, len);
            if (ti < 0) {
                ++pos;
                continue;
            }
            const AddedToken& tok = m_tokens[size_t(ti)];
            size_t start = pos, stop = pos + len;
            pos = stop; // matches never overlap, even when one is discarded below
            if (tok.singleWord) {
                bool wordBefore = false, wordAfter = false;
                if (start > 0) {
                    const size_t b = u::prevCodePointStart(s, start);
                    size_t q = b;
                    wordBefore = u::isWordChar(u::decodeUtf8(s, q));
                }
                if (stop < s.size()) {
                    size_t q = stop;
                    wordAfter = u::isWordChar(u::decodeUtf8(s, q));
                }
                if (wordBefore || wordAfter)
                    continue;
            }
            if (tok.lstrip) {
                size_t ns = start;
                while (ns > 0) {
                    const size_t b = u::prevCodePointStart(s, ns);
                    size_t q = b;
                    if (!u::isWhiteSpace(u::decodeUtf8(s, q)))
                        break;
                    ns = b;
                }
                start = std::max(ns, startOffset);
            }
            if (tok.rstrip) {
                while (stop < s.size()) {
                    size_t q = stop;
                    if (!u::isWhiteSpace(u::decodeUtf8(s, q)))
                        break;
                    stop = q;
                }
            }
            start = std::max(start, startOffset);
            emitText(startOffset, start);
            out.push_back(Piece{std::string(s.substr(start, stop - start)), tok.id, false});
            startOffset = stop;
            pos = std::max(pos, stop);
        }
        emitText(startOffset, s.size());
    });
}

void AddedVocabulary::splitRaw(std::vector<Piece>& pieces) const { split(pieces, m_raw); }

void AddedVocabulary::normalizeAndSplit(std::vector<Piece>& pieces, const Normalizer* normalizer) const {
    if (normalizer)
        for (auto& p : pieces)
            if (p.id < 0)
                normalizer->normalize(p.text);
    split(pieces, m_normalized);
}

std::optional<int32_t> AddedVocabulary::idOf(std::string_view content) const {
    auto it = m_byContent.find(std::string(content));
    if (it == m_byContent.end())
        return std::nullopt;
    return m_tokens[it->second].id;
}

const AddedToken* AddedVocabulary::byId(int32_t id) const {
    auto it = m_byId.find(id);
    return it == m_byId.end() ? nullptr : &m_tokens[it->second];
}

const std::string* AddedVocabulary::decodeForm(int32_t id) const {
    auto it = m_byId.find(id);
    if (it == m_byId.end())
        return nullptr;
    const auto& norm = m_normalizedForm[it->second];
    return norm.empty() ? &m_tokens[it->second].content : &norm;
}

bool AddedVocabulary::isSpecialContent(std::string_view content) const {
    return !m_specialContents.empty() && m_specialContents.count(std::string(content)) != 0;
}

} // namespace slim::tok
