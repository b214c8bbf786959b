#pragma once
/// @file unicode.h
/// The little Unicode the tokenizers need, without ICU: UTF-8 coding, general categories,
/// White_Space, NFC, and the GPT-2 byte <-> printable-character map of byte-level BPE.
/// Tables come from gen_unicode_tables.py (Python's unicodedata).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace slim::tok::unicode {

/// Unicode general categories, in the order of the generated tables.
enum Category : uint8_t {
    Lu, Ll, Lt, Lm, Lo, Mn, Mc, Me, Nd, Nl, No,
    Pc, Pd, Ps, Pe, Pi, Pf, Po, Sm, Sc, Sk, So,
    Zs, Zl, Zp, Cc, Cf, Cs, Co, Cn,
    kCategoryCount
};

/// Bit of a category in a category mask (see categoryMaskByName).
constexpr uint32_t bit(Category c) { return 1u << c; }

/// The general category of a code point (Cn for unassigned and out-of-range values).
Category category(char32_t cp);
/// Mask of a \p{..} name: one-letter groups ("L", "N", ...) or two-letter categories ("Lu").
/// Returns 0 for unknown names.
uint32_t categoryMaskByName(std::string_view name);
/// The Unicode White_Space property (what \s means in Oniguruma and Rust's regex).
bool isWhiteSpace(char32_t cp);
/// Rust regex's Unicode \w, approximated as L, M, Nd, Nl, Pc and the joiners.
bool isWordChar(char32_t cp);
/// Version of the Unicode data compiled in.
const char* dataVersion();

/// Byte length of the UTF-8 sequence that starts with `lead` (1 for stray bytes).
inline size_t utf8SeqLen(unsigned char lead) {
    if (lead < 0x80)
        return 1;
    if ((lead >> 5) == 0x6)
        return 2;
    if ((lead >> 4) == 0xE)
        return 3;
    if ((lead >> 3) == 0x1E)
        return 4;
    return 1;
}

/// Decode the code point at `pos` of *valid* UTF-8 and advance `pos` past it.
inline char32_t decodeUtf8(std::string_view s, size_t& pos) {
    const auto c0 = static_cast<unsigned char>(s[pos]);
    if (c0 < 0x80) {
        ++pos;
        return c0;
    }
    const size_t len = utf8SeqLen(c0);
    if (len == 1 || pos + len > s.size()) {
        ++pos;
        return 0xFFFD;
    }
    char32_t cp = c0 & (0x7F >> len);
    for (size_t k = 1; k < len; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[pos + k]) & 0x3F);
    pos += len;
    return cp;
}

/// Start of the code point that ends just before `pos` (valid UTF-8, pos > 0).
inline size_t prevCodePointStart(std::string_view s, size_t pos) {
    --pos;
    while (pos > 0 && (static_cast<unsigned char>(s[pos]) & 0xC0) == 0x80)
        --pos;
    return pos;
}

/// Append the UTF-8 encoding of `cp`.
void appendUtf8(std::string& out, char32_t cp);
/// Number of code points of valid UTF-8.
size_t codePointCount(std::string_view s);

/// Canonical composition (NFC) of valid UTF-8.
std::string nfc(std::string_view s);

/// GPT-2's byte-level alphabet: byte -> the UTF-8 of its printable stand-in character
/// (printable Latin-1 bytes map to themselves, the others to U+0100...).
const std::array<std::string, 256>& byteLevelAlphabet();
/// The byte a byte-level character stands for, or -1.
int byteLevelByte(char32_t cp);

} // namespace slim::tok::unicode
