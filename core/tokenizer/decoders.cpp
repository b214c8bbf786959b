// Decoders and post-processors of the tokenizer pipeline (see pipeline.h).
#include "core/tokenizer/pipeline.h"

#include "core/tokenizer/unicode.h"

namespace slim::tok {

namespace u = unicode;

std::string utf8Lossy(std::string_view s) {
    // Rust's from_utf8_lossy: each maximal prefix of a valid sequence that is cut short, and each
    // byte that cannot start one, becomes one U+FFFD.
    static const std::string kReplacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            out.push_back(char(c));
            ++i;
            continue;
        }
        size_t need = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            out += kReplacement;
            ++i;
            continue;
        }
        size_t k = 1;
        for (; k <= need && i + k < n; ++k) {
            const unsigned b = p[i + k];
            const unsigned l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
            if (b < l || b > h)
                break;
        }
        if (k == need + 1) {
            out.append(s.substr(i, need + 1));
            i += need + 1;
        } else {
            out += kReplacement;
            i += k;
        }
    }
    return out;
}

// ---- decoders -----------------------------------------------------------------------------------

void SequenceDecoder::decodeChain(std::vector<std::string>& tokens) const {
    for (const auto& d : m_items)
        d->decodeChain(tokens);
}

void ReplaceDecoder::decodeChain(std::vector<std::string>& tokens) const {
    for (auto& t : tokens)
        m_replace.normalize(t);
}

void ByteFallbackDecoder::decodeChain(std::vector<std::string>& tokens) const {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string bytes;
    auto flush = [&] {
        if (bytes.empty())
            return;
        if (utf8Lossy(bytes) == bytes) // valid UTF-8
            out.push_back(bytes);
        else
            for (size_t i = 0; i < bytes.size(); ++i)
                out.emplace_back("\xEF\xBF\xBD");
        bytes.clear();
    };
    auto hexVal = [](char c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            return (c | 0x20) - 'a' + 10;
        return -1;
    };
    for (auto& t : tokens) {
        int value = -1;
        if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
            const int h = hexVal(t[3]), l = hexVal(t[4]);
            if (h >= 0 && l >= 0)
                value = h * 16 + l;
        }
        if (value >= 0) {
            bytes.push_back(char(value));
        } else {
            flush();
            out.push_back(std::move(t));
        }
    }
    flush();
    tokens = std::move(out);
}

void FuseDecoder::decodeChain(std::vector<std::string>& tokens) const {
    std::string all;
    for (const auto& t : tokens)
        all += t;
    tokens.assign(1, std::move(all));
}

void StripDecoder::decodeChain(std::vector<std::string>& tokens) const {
    for (auto& t : tokens) {
        std::vector<std::pair<size_t, char32_t>> chars; // (byte offset, code point)
        for (size_t pos = 0; pos < t.size();) {
            const size_t b = pos;
            chars.emplace_back(b, u::decodeUtf8(t, pos));
        }
        size_t startCut = 0;
        for (size_t i = 0; i < chars.size() && i < m_start && chars[i].second == m_content; ++i)
            startCut = i + 1;
        size_t stopCut = chars.size();
        for (size_t i = 0; i < m_stop && i < chars.size() && chars[chars.size() - 1 - i].second == m_content; ++i)
            stopCut = chars.size() - 1 - i;
        if (stopCut < startCut)
            stopCut = startCut;
        const size_t b = startCut < chars.size() ? chars[startCut].first : t.size();
        const size_t e = stopCut < chars.size() ? chars[stopCut].first : t.size();
        t = t.substr(b, e - b);
    }
}

void MetaspaceDecoder::decodeChain(std::vector<std::string>& tokens) const {
    for (size_t i = 0; i < tokens.size(); ++i) {
        std::string r;
        const std::string& t = tokens[i];
        r.reserve(t.size());
        for (size_t pos = 0; pos < t.size();) {
            const size_t b = pos;
            const char32_t c = u::decodeUtf8(t, pos);
            if (c != m_replacement)
                r.append(t, b, pos - b);
            else if (i != 0 || m_scheme == PrependScheme::Never) // all of the first token's are dropped
                r.push_back(' ');
        }
        tokens[i] = std::move(r);
    }
}

void ByteLevelDecoder::decodeChain(std::vector<std::string>& tokens) const {
    std::string bytes;
    for (const auto& t : tokens) {
        std::string mapped;
        bool ok = true;
        for (size_t pos = 0; pos < t.size() && ok;) {
            const int b = u::byteLevelByte(u::decodeUtf8(t, pos));
            ok = b >= 0;
            mapped.push_back(char(b));
        }
        bytes += ok ? mapped : t; // a token with foreign characters is kept as its own bytes
    }
    tokens.assign(1, utf8Lossy(bytes));
}

// ---- post-processors ----------------------------------------------------------------------------

void TemplateProcessor::process(std::vector<int32_t>& ids, bool addSpecialTokens) const {
    if (!addSpecialTokens)
        return;
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const auto& item : m_single) {
        if (item.sequence)
            out.insert(out.end(), ids.begin(), ids.end());
        else
            out.insert(out.end(), item.ids.begin(), item.ids.end());
    }
    ids = std::move(out);
}

void TemplateProcessor::specialHints(std::optional<int32_t>& bos, std::optional<int32_t>& eos) const {
    bool seenSequence = false;
    for (const auto& item : m_single) {
        if (item.sequence) {
            seenSequence = true;
        } else if (!item.ids.empty()) {
            if (!seenSequence && !bos)
                bos = item.ids.front();
            if (seenSequence)
                eos = item.ids.back();
        }
    }
}

void SequenceProcessor::process(std::vector<int32_t>& ids, bool addSpecialTokens) const {
    for (const auto& p : m_items)
        p->process(ids, addSpecialTokens);
}

void SequenceProcessor::specialHints(std::optional<int32_t>& bos, std::optional<int32_t>& eos) const {
    for (const auto& p : m_items)
        p->specialHints(bos, eos);
}

std::string SequenceProcessor::describe() const {
    std::string d = "Sequence[";
    for (size_t i = 0; i < m_items.size(); ++i)
        d += (i ? ", " : "") + m_items[i]->describe();
    return d + "]";
}

} // namespace slim::tok
