#include "core/eval/wikitext.h"

#include <string_view>

namespace slim::eval {

namespace {

/// Length in bytes of the Python-whitespace character at s[i], or 0 when it is none.
size_t whitespaceAt(std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f))
        return 1;
    if (c < 0x80)
        return 0;
    // Decode one UTF-8 sequence (invalid bytes are no whitespace).
    uint32_t cp = 0;
    size_t n = 0;
    if ((c & 0xe0) == 0xc0) { cp = c & 0x1f; n = 2; }
    else if ((c & 0xf0) == 0xe0) { cp = c & 0x0f; n = 3; }
    else return 0;
    if (i + n > s.size())
        return 0;
    for (size_t k = 1; k < n; ++k) {
        const auto d = static_cast<unsigned char>(s[i + k]);
        if ((d & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (d & 0x3f);
    }
    const bool ws = cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 ||
                    cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
    return ws ? n : 0;
}

/// Byte length of the whitespace character ending just before `end` (0 if none).
size_t whitespaceBefore(std::string_view s, size_t end) {
    for (size_t n = 1; n <= 3 && n <= end; ++n)
        if (whitespaceAt(s, end - n) == n)
            return n;
    return 0;
}

std::string strip(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e) {
        const size_t n = whitespaceAt(s, b);
        if (!n)
            break;
        b += n;
    }
    while (e > b) {
        const size_t n = whitespaceBefore(s, e);
        if (!n)
            break;
        e -= n;
    }
    return std::string(s.substr(b, e - b));
}

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty())
        return;
    std::string out;
    out.reserve(s.size());
    size_t pos = 0;
    for (;;) {
        const size_t hit = s.find(from, pos);
        if (hit == std::string::npos)
            break;
        out.append(s, pos, hit - pos);
        out.append(to);
        pos = hit + from.size();
    }
    out.append(s, pos, std::string::npos);
    s = std::move(out);
}

/// re.sub(r"O\s*([^C]*?)\s*C", r"O\1C", s): from each O (left to right, not inside a previous
/// match), up to the first C after it; the text between is stripped of whitespace at both ends.
/// No C after an O: that O is left as it is and the scan goes on after it.
void tightenPairs(std::string& s, char open, char close) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] == open) {
            const size_t c = s.find(close, i + 1);
            if (c != std::string::npos) {
                out += open;
                out += strip(std::string_view(s).substr(i + 1, c - i - 1));
                out += close;
                i = c + 1;
                continue;
            }
        }
        out += s[i++];
    }
    s = std::move(out);
}

} // namespace

std::vector<std::string> splitWikitextDocuments(const std::string& rawBytes) {
    // Python reads the file in text mode (universal newlines): "\r\n" and a lone "\r" become "\n".
    std::string raw;
    raw.reserve(rawBytes.size());
    for (size_t i = 0; i < rawBytes.size(); ++i) {
        if (rawBytes[i] == '\r') {
            raw += '\n';
            if (i + 1 < rawBytes.size() && rawBytes[i + 1] == '\n')
                ++i;
        } else {
            raw += rawBytes[i];
        }
    }
    std::vector<std::string> docs;
    std::string current;
    bool haveLines = false;
    auto flush = [&](bool always) {
        if (always || !strip(current).empty())
            docs.push_back(current);
        current.clear();
        haveLines = false;
    };
    size_t pos = 0;
    for (;;) {
        const size_t nl = raw.find('\n', pos);
        const std::string line = raw.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        std::string r = line;
        replaceAll(r, "= = =", "===");
        replaceAll(r, "= =", "==");
        r = strip(r);
        if (r.size() >= 2 && r.compare(0, 2, "= ") == 0 && r.size() >= 2 && r.compare(r.size() - 2, 2, " =") == 0)
            flush(false);
        if (haveLines)
            current += '\n';
        current += line;
        haveLines = true;
        if (nl == std::string::npos)
            break;
        pos = nl + 1;
    }
    flush(true);
    return docs;
}

std::string wikitextDetokenize(const std::string& page) {
    std::string s = page;
    // contractions
    replaceAll(s, "s '", "s'");
    // (lm-eval's re.sub(r"/' [0-9]/", r"/'[0-9]/", ...) would need literal slashes around "' d": it
    //  rewrites "/' 5/" to the literal text "/'[0-9]/".  Kept for fidelity.)
    {
        std::string out;
        size_t i = 0;
        while (i < s.size()) {
            if (i + 5 <= s.size() && s[i] == '/' && s[i + 1] == '\'' && s[i + 2] == ' ' && s[i + 3] >= '0' &&
                s[i + 3] <= '9' && s[i + 4] == '/') {
                out += "/'[0-9]/";
                i += 5;
            } else {
                out += s[i++];
            }
        }
        s = std::move(out);
    }
    // number separators
    replaceAll(s, " @-@ ", "-");
    replaceAll(s, " @,@ ", ",");
    replaceAll(s, " @.@ ", ".");
    // punctuation
    replaceAll(s, " : ", ": ");
    replaceAll(s, " ; ", "; ");
    replaceAll(s, " . ", ". ");
    replaceAll(s, " ! ", "! ");
    replaceAll(s, " ? ", "? ");
    replaceAll(s, " , ", ", ");
    // double brackets
    tightenPairs(s, '(', ')');
    tightenPairs(s, '[', ']');
    tightenPairs(s, '{', '}');
    tightenPairs(s, '"', '"');
    tightenPairs(s, '\'', '\'');
    // miscellaneous
    replaceAll(s, "= = = =", "====");
    replaceAll(s, "= = =", "===");
    replaceAll(s, "= =", "==");
    replaceAll(s, " \xC2\xB0 ", "\xC2\xB0");   // " ° " → "°"
    replaceAll(s, " \n", "\n");
    replaceAll(s, "\n ", "\n");
    replaceAll(s, " N ", " 1 ");
    replaceAll(s, " 's", "'s");
    return s;
}

int64_t countWords(const std::string& text) {
    int64_t runs = 0;
    size_t i = 0;
    bool inRun = false;
    while (i < text.size()) {
        const size_t n = whitespaceAt(text, i);
        if (n) {
            if (!inRun)
                ++runs;
            inRun = true;
            i += n;
        } else {
            inRun = false;
            ++i;
        }
    }
    return runs + 1;
}

} // namespace slim::eval
