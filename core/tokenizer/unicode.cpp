#include "core/tokenizer/unicode.h"

#include "core/tokenizer/unicode_tables.h"

#include <algorithm>
#include <vector>

namespace slim::tok::unicode {

namespace t = tables;

namespace {

// Hangul syllable arithmetic (Unicode 14, section 3.12).
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr char32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

struct AsciiCategories {
    std::array<uint8_t, 128> cat{};
    AsciiCategories() {
        for (char32_t cp = 0; cp < 128; ++cp) {
            const auto* end = t::kCategoryRuns + t::kCategoryRunCount;
            const auto* it = std::upper_bound(t::kCategoryRuns, end, cp,
                                              [](char32_t v, const t::CategoryRun& r) { return v < r.first; });
            cat[cp] = (it - 1)->category;
        }
    }
};

uint8_t ccc(char32_t cp) {
    if (cp < 0x300)
        return 0;
    const auto* end = t::kCccRuns + t::kCccRunCount;
    const auto* it = std::upper_bound(t::kCccRuns, end, cp,
                                      [](char32_t v, const t::CccRun& r) { return v < r.first; });
    if (it == t::kCccRuns)
        return 0;
    --it;
    return cp <= it->last ? it->ccc : 0;
}

const t::Decomposition* findDecomposition(char32_t cp) {
    const auto* end = t::kDecompositions + t::kDecompositionCount;
    const auto* it = std::lower_bound(t::kDecompositions, end, cp,
                                      [](const t::Decomposition& d, char32_t v) { return d.cp < v; });
    return (it != end && it->cp == cp) ? it : nullptr;
}

void decompose(char32_t cp, std::vector<char32_t>& out) {
    if (cp >= kSBase && cp < kSBase + kSCount) {
        const char32_t s = cp - kSBase;
        out.push_back(kLBase + s / kNCount);
        out.push_back(kVBase + (s % kNCount) / kTCount);
        if (s % kTCount != 0)
            out.push_back(kTBase + s % kTCount);
        return;
    }
    if (const auto* d = findDecomposition(cp)) {
        decompose(d->first, out);
        if (d->second != 0)
            decompose(d->second, out);
        return;
    }
    out.push_back(cp);
}

/// The primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
        b < kTBase + kTCount)
        return a + (b - kTBase);
    const auto* end = t::kCompositions + t::kCompositionCount;
    const auto* it = std::lower_bound(t::kCompositions, end, std::make_pair(a, b),
                                      [](const t::Composition& c, const std::pair<char32_t, char32_t>& v) {
                                          return c.first != v.first ? c.first < v.first : c.second < v.second;
                                      });
    return (it != end && it->first == a && it->second == b) ? it->composite : 0;
}

} // namespace

Category category(char32_t cp) {
    static const AsciiCategories ascii;
    if (cp < 128)
        return static_cast<Category>(ascii.cat[cp]);
    if (cp > 0x10FFFF)
        return Cn;
    const auto* end = t::kCategoryRuns + t::kCategoryRunCount;
    const auto* it = std::upper_bound(t::kCategoryRuns, end, cp,
                                      [](char32_t v, const t::CategoryRun& r) { return v < r.first; });
    return static_cast<Category>((it - 1)->category);
}

uint32_t categoryMaskByName(std::string_view name) {
    static const char* const kNames[kCategoryCount] = {
        "Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Me", "Nd", "Nl", "No", "Pc", "Pd", "Ps", "Pe",
        "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So", "Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn"};
    uint32_t mask = 0;
    if (name.size() == 1) {
        for (int c = 0; c < kCategoryCount; ++c)
            if (kNames[c][0] == name[0])
                mask |= 1u << c;
        return mask;
    }
    for (int c = 0; c < kCategoryCount; ++c)
        if (name == kNames[c])
            return 1u << c;
    // A few long aliases that appear in published tokenizer.json patterns.
    if (name == "Letter")
        return categoryMaskByName("L");
    if (name == "Number")
        return categoryMaskByName("N");
    if (name == "Punctuation")
        return categoryMaskByName("P");
    if (name == "Mark")
        return categoryMaskByName("M");
    if (name == "Symbol")
        return categoryMaskByName("S");
    return 0;
}

bool isWhiteSpace(char32_t cp) {
    if (cp < 0x80)
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    switch (cp) {
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
        return true;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

bool isWordChar(char32_t cp) {
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_';
    if (cp == 0x200C || cp == 0x200D)
        return true;
    const Category c = category(cp);
    return c <= Lo || c == Mn || c == Mc || c == Me || c == Nd || c == Nl || c == Pc;
}

const char* dataVersion() { return t::kUnicodeVersion; }

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

size_t codePointCount(std::string_view s) {
    size_t n = 0;
    for (char c : s)
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

std::string nfc(std::string_view s) {
    // Everything below U+0300 is already NFC and never combines with what precedes it, so
    // text without any higher code point (ASCII, Latin-1) is returned unchanged.
    bool simple = true;
    for (size_t i = 0; i < s.size() && simple; ++i)
        simple = static_cast<unsigned char>(s[i]) < 0xCC; // lead bytes of U+0300 and above
    if (simple)
        return std::string(s);

    std::vector<char32_t> d;
    d.reserve(s.size());
    for (size_t pos = 0; pos < s.size();)
        decompose(decodeUtf8(s, pos), d);

    // Canonical ordering: stable sort of each run of non-starters by combining class.
    for (size_t i = 0; i < d.size();) {
        if (ccc(d[i]) == 0) {
            ++i;
            continue;
        }
        size_t j = i;
        while (j < d.size() && ccc(d[j]) != 0)
            ++j;
        std::stable_sort(d.begin() + i, d.begin() + j,
                         [](char32_t a, char32_t b) { return ccc(a) < ccc(b); });
        i = j;
    }

    // Canonical composition (UAX #15): a character combines with the last starter unless a
    // character in between has a class >= its own (blocked).
    std::vector<char32_t> out;
    out.reserve(d.size());
    size_t starter = 0;
    bool haveStarter = false;
    int lastClass = -1;
    for (char32_t ch : d) {
        const int cls = ccc(ch);
        if (haveStarter) {
            const bool adjacent = out.size() == starter + 1;
            const bool blocked = !adjacent && (lastClass == 0 || lastClass >= cls);
            if (!blocked) {
                if (const char32_t c = compose(out[starter], ch)) {
                    out[starter] = c;
                    continue;
                }
            }
        }
        if (cls == 0) {
            starter = out.size();
            haveStarter = true;
        }
        lastClass = cls;
        out.push_back(ch);
    }
    std::string r;
    r.reserve(s.size());
    for (char32_t ch : out)
        appendUtf8(r, ch);
    return r;
}

namespace {
struct ByteLevelMaps {
    std::array<std::string, 256> alphabet;
    std::array<int, 512> reverse{};
    ByteLevelMaps() {
        reverse.fill(-1);
        int n = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
            const char32_t cp = printable ? char32_t(b) : char32_t(256 + n++);
            appendUtf8(alphabet[b], cp);
            reverse[cp] = b;
        }
    }
};
const ByteLevelMaps& byteLevelMaps() {
    static const ByteLevelMaps maps;
    return maps;
}
} // namespace

const std::array<std::string, 256>& byteLevelAlphabet() { return byteLevelMaps().alphabet; }

int byteLevelByte(char32_t cp) { return cp < 512 ? byteLevelMaps().reverse[cp] : -1; }

} // namespace slim::tok::unicode
