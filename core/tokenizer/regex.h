#pragma once
/// @file regex.h
/// A small backtracking regex engine for the split patterns of tokenizer.json (GPT-2's
/// ByteLevel pattern, Llama-3 / cl100k, Qwen2, ...).  std::regex is slow and has no \p{..};
/// this engine runs on UTF-8 code points with Oniguruma's leftmost-first semantics (what Hugging
/// Face `tokenizers` uses) and supports exactly the syntax those patterns need:
///   alternation, (?:..), (..), (?i:..) (ASCII case folding plus ſ and K), (?=..), (?!..),
///   quantifiers ? * + {n} {n,} {n,m} (greedy and lazy), classes [..] / [^..] with ranges,
///   \s \S \d \D \w \W \p{L} \P{L} \p{Lu} ..., escapes \r \n \t \f \v \xHH \x{H..} \uHHHH, . ^ $ \A \z.
/// Anything else (backreferences, lookbehind, nested classes, possessive quantifiers, a
/// repetition of something that can match empty) is refused with UnsupportedError naming the
/// construct.  Matching is bounded by a step budget linear in the input length.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slim::tok {

class Regex {
public:
    /// Compile once (throws UnsupportedError for syntax outside the supported subset).
    explicit Regex(std::string_view pattern);
    /// A regex that matches `literal` exactly (for the "String" patterns of Split / Replace).
    static Regex literal(std::string_view literal);

    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;
    ~Regex();

    /// Non-overlapping leftmost-first matches [begin, end) (byte offsets) of `text`, which must be
    /// valid UTF-8.  Empty matches are not reported.  Throws UnsupportedError when the step
    /// budget runs out (pathological backtracking).
    void findAll(std::string_view text, std::vector<std::pair<size_t, size_t>>& out) const;

    const std::string& pattern() const;
    /// "GPT-2", "Llama-3", "Qwen2" for the published patterns, otherwise "custom".
    const char* knownName() const;

    /// The split patterns of the published tokenizers (as they appear after JSON decoding).
    static const char* const kGpt2Pattern;
    static const char* const kLlama3Pattern;
    static const char* const kQwen2Pattern;

private:
    struct Program;
    Regex();
    std::unique_ptr<Program> m_prog;
};

} // namespace slim::tok
