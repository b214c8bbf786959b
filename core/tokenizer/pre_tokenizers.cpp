// Normalizers and pre-tokenizers of the tokenizer pipeline (see pipeline.h).
#include "core/tokenizer/pipeline.h"

#include "core/tokenizer/unicode.h"

#include <algorithm>

namespace slim::tok {

namespace u = unicode;

namespace {

struct Segment {
    size_t begin, end;
    bool match;
};

/// NormalizedString::split: turn the matches of a pattern into pieces by the delimiter behaviour.
std::vector<std::pair<size_t, size_t>> applyBehavior(const std::vector<Segment>& segs, SplitBehavior behavior) {
    std::vector<std::pair<size_t, size_t>> out;
    out.reserve(segs.size());
    bool prevMatch = false;
    switch (behavior) {
    case SplitBehavior::Isolated:
        for (const auto& s : segs)
            out.emplace_back(s.begin, s.end);
        break;
    case SplitBehavior::Removed:
        for (const auto& s : segs)
            if (!s.match)
                out.emplace_back(s.begin, s.end);
        break;
    case SplitBehavior::Contiguous:
        for (const auto& s : segs) {
            if (s.match == prevMatch && !out.empty())
                out.back().second = s.end;
            else
                out.emplace_back(s.begin, s.end);
            prevMatch = s.match;
        }
        break;
    case SplitBehavior::MergedWithPrevious:
        for (const auto& s : segs) {
            if (s.match && !prevMatch && !out.empty())
                out.back().second = s.end;
            else
                out.emplace_back(s.begin, s.end);
            prevMatch = s.match;
        }
        break;
    case SplitBehavior::MergedWithNext:
        for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
            if (it->match && !prevMatch && !out.empty())
                out.back().first = it->begin;
            else
                out.emplace_back(it->begin, it->end);
            prevMatch = it->match;
        }
        std::reverse(out.begin(), out.end());
        break;
    }
    return out;
}

/// Segments covering `text` from a sorted list of matches.
std::vector<Segment> segmentsFromMatches(size_t size, const std::vector<std::pair<size_t, size_t>>& matches, bool invert) {
    std::vector<Segment> segs;
    segs.reserve(2 * matches.size() + 1);
    size_t prev = 0;
    for (const auto& [b, e] : matches) {
        if (prev != b)
            segs.push_back({prev, b, invert});
        segs.push_back({b, e, !invert});
        prev = e;
    }
    if (prev != size)
        segs.push_back({prev, size, invert});
    return segs;
}

/// Segments where every character satisfying `pred` is its own match (Pattern for Fn(char)).
template <typename Pred>
std::vector<Segment> segmentsFromChars(std::string_view text, Pred&& pred) {
    std::vector<Segment> segs;
    size_t last = 0;
    for (size_t pos = 0; pos < text.size();) {
        const size_t b = pos;
        const char32_t cp = u::decodeUtf8(text, pos);
        if (pred(cp)) {
            if (last < b)
                segs.push_back({last, b, false});
            segs.push_back({b, pos, true});
            last = pos;
        }
    }
    if (last < text.size())
        segs.push_back({last, text.size(), false});
    return segs;
}

void emitPieces(const Piece& p, const std::vector<std::pair<size_t, size_t>>& spans, std::vector<Piece>& out) {
    for (const auto& [b, e] : spans)
        out.push_back(Piece{p.text.substr(b, e - b), -1, p.atOrigin && b == 0});
}

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty() || s.find(from) == std::string::npos)
        return;
    std::string r;
    r.reserve(s.size() + s.size() / 4);
    size_t pos = 0;
    for (size_t hit; (hit = s.find(from, pos)) != std::string::npos; pos = hit + from.size()) {
        r.append(s, pos, hit - pos);
        r += to;
    }
    r.append(s, pos, std::string::npos);
    s = std::move(r);
}

} // namespace

// ---- normalizers ------------------------------------------------------------------------------

void SequenceNormalizer::normalize(std::string& s) const {
    for (const auto& n : m_items)
        n->normalize(s);
}

std::string SequenceNormalizer::describe() const {
    std::string d = "Sequence[";
    for (size_t i = 0; i < m_items.size(); ++i)
        d += (i ? ", " : "") + m_items[i]->describe();
    return d + "]";
}

void PrependNormalizer::normalize(std::string& s) const {
    if (!s.empty())
        s.insert(0, m_prepend);
}

ReplaceNormalizer::ReplaceNormalizer(std::optional<std::string> literal, std::optional<Regex> regex, std::string content)
    : m_literal(std::move(literal)), m_regex(std::move(regex)), m_content(std::move(content)) {}

void ReplaceNormalizer::normalize(std::string& s) const {
    if (m_literal) {
        replaceAll(s, *m_literal, m_content);
        return;
    }
    std::vector<std::pair<size_t, size_t>> matches;
    m_regex->findAll(s, matches);
    if (matches.empty())
        return;
    std::string r;
    r.reserve(s.size());
    size_t prev = 0;
    for (const auto& [b, e] : matches) {
        r.append(s, prev, b - prev);
        r += m_content;
        prev = e;
    }
    r.append(s, prev, std::string::npos);
    s = std::move(r);
}

std::string ReplaceNormalizer::describe() const {
    return "Replace(\"" + (m_literal ? *m_literal : "/" + m_regex->pattern() + "/") + "\" -> \"" + m_content + "\")";
}

void NfcNormalizer::normalize(std::string& s) const { s = u::nfc(s); }

void StripNormalizer::normalize(std::string& s) const {
    size_t b = 0, e = s.size();
    if (m_left)
        while (b < e) {
            size_t q = b;
            if (!u::isWhiteSpace(u::decodeUtf8(s, q)))
                break;
            b = q;
        }
    if (m_right)
        while (e > b) {
            const size_t p = u::prevCodePointStart(s, e);
            size_t q = p;
            if (!u::isWhiteSpace(u::decodeUtf8(s, q)))
                break;
            e = p;
        }
    s = s.substr(b, e - b);
}

// ---- pre-tokenizers -----------------------------------------------------------------------------

void SequencePreTokenizer::preTokenize(std::vector<Piece>& pieces) const {
    for (const auto& p : m_items)
        p->preTokenize(pieces);
}

std::string SequencePreTokenizer::describe() const {
    std::string d = "Sequence[";
    for (size_t i = 0; i < m_items.size(); ++i)
        d += (i ? ", " : "") + m_items[i]->describe();
    return d + "]";
}

void MetaspacePreTokenizer::preTokenize(std::vector<Piece>& pieces) const {
    size_t pos0 = 0;
    const char32_t rep = u::decodeUtf8(m_replacement, pos0);
    splitPieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
        replaceAll(p.text, " ", m_replacement);
        const bool startsWithRep = p.text.compare(0, m_replacement.size(), m_replacement) == 0;
        if (!startsWithRep && (m_scheme == PrependScheme::Always || (m_scheme == PrependScheme::First && p.atOrigin)))
            p.text.insert(0, m_replacement);
        if (!m_split) {
            out.push_back(std::move(p));
            return;
        }
        const auto segs = segmentsFromChars(p.text, [rep](char32_t c) { return c == rep; });
        emitPieces(p, applyBehavior(segs, SplitBehavior::MergedWithNext), out);
    });
}

std::string MetaspacePreTokenizer::describe() const {
    const char* s = m_scheme == PrependScheme::Always ? "always" : m_scheme == PrependScheme::First ? "first" : "never";
    return std::string("Metaspace(") + s + (m_split ? ", split" : ", no split") + ")";
}

ByteLevelPreTokenizer::ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex)
    : m_addPrefixSpace(addPrefixSpace), m_useRegex(useRegex) {
    static const Regex gpt2(Regex::kGpt2Pattern); // compiled once per process
    m_regex = &gpt2;
}

std::string ByteLevelPreTokenizer::mapBytes(std::string_view s) {
    const auto& alphabet = u::byteLevelAlphabet();
    std::string r;
    r.reserve(s.size() * 2);
    for (char c : s)
        r += alphabet[static_cast<unsigned char>(c)];
    return r;
}

void ByteLevelPreTokenizer::preTokenize(std::vector<Piece>& pieces) const {
    std::vector<std::pair<size_t, size_t>> matches;
    splitPieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
        if (m_addPrefixSpace && (p.text.empty() || p.text[0] != ' '))
            p.text.insert(0, " ");
        const size_t first = out.size();
        if (m_useRegex) {
            matches.clear();
            m_regex->findAll(p.text, matches);
            emitPieces(p, applyBehavior(segmentsFromMatches(p.text.size(), matches, false), SplitBehavior::Isolated), out);
        } else {
            out.push_back(std::move(p));
        }
        for (size_t i = first; i < out.size(); ++i)
            out[i].text = mapBytes(out[i].text);
    });
}

std::string ByteLevelPreTokenizer::describe() const {
    return std::string("ByteLevel(") + (m_addPrefixSpace ? "prefix space" : "no prefix space") +
           (m_useRegex ? ", GPT-2 regex)" : ")");
}

void SplitPreTokenizer::preTokenize(std::vector<Piece>& pieces) const {
    std::vector<std::pair<size_t, size_t>> matches;
    splitPieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
        matches.clear();
        m_regex.findAll(p.text, matches);
        emitPieces(p, applyBehavior(segmentsFromMatches(p.text.size(), matches, m_invert), m_behavior), out);
    });
}

std::string SplitPreTokenizer::describe() const {
    const std::string name = m_regex.knownName();
    return "Split(" + (name == "custom" ? "/" + m_regex.pattern() + "/" : name + " pattern") + ")";
}

void DigitsPreTokenizer::preTokenize(std::vector<Piece>& pieces) const {
    splitPieces(pieces, [&](Piece& p, std::vector<Piece>& out) {
        const auto segs = segmentsFromChars(p.text, [](char32_t c) {
            const auto cat = u::category(c);
            return cat == u::Nd || cat == u::Nl || cat == u::No;
        });
        emitPieces(p, applyBehavior(segs, m_individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous), out);
    });
}

} // namespace slim::tok
