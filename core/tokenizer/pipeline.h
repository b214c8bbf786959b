#pragma once
/// @file pipeline.h
/// The normalizers, pre-tokenizers, decoders and post-processors of Hugging Face `tokenizers`
/// that Slimbench supports (tokenizers/src/{normalizers,pre_tokenizers,decoders,processors}),
/// each with the exact behaviour of the reference.  Internal to the tokenizer.

#include "core/tokenizer/regex.h"
#include "core/tokenizer/tokenizer_impl.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slim::tok {

// ---- normalizers ------------------------------------------------------------------------------

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> items) : m_items(std::move(items)) {}
    void normalize(std::string& s) const override;
    std::string describe() const override;

private:
    std::vector<std::unique_ptr<Normalizer>> m_items;
};

/// Prepend a string to every non-empty piece.
class PrependNormalizer final : public Normalizer {
public:
    explicit PrependNormalizer(std::string prepend) : m_prepend(std::move(prepend)) {}
    void normalize(std::string& s) const override;
    std::string describe() const override { return "Prepend(\"" + m_prepend + "\")"; }

private:
    std::string m_prepend;
};

/// Replace every match of a literal string or a regex.
class ReplaceNormalizer final : public Normalizer {
public:
    /// `literal` set: the pattern is that exact string; otherwise `regex`.
    ReplaceNormalizer(std::optional<std::string> literal, std::optional<Regex> regex, std::string content);
    void normalize(std::string& s) const override;
    std::string describe() const override;

private:
    std::optional<std::string> m_literal;
    std::optional<Regex> m_regex;
    std::string m_content;
};

class NfcNormalizer final : public Normalizer {
public:
    void normalize(std::string& s) const override;
    std::string describe() const override { return "NFC"; }
};

/// Strip White_Space on the left and / or right.
class StripNormalizer final : public Normalizer {
public:
    StripNormalizer(bool left, bool right) : m_left(left), m_right(right) {}
    void normalize(std::string& s) const override;
    std::string describe() const override { return "Strip"; }

private:
    bool m_left, m_right;
};

// ---- pre-tokenizers ---------------------------------------------------------------------------

/// SplitDelimiterBehavior of tokenizers.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> items) : m_items(std::move(items)) {}
    void preTokenize(std::vector<Piece>& pieces) const override;
    std::string describe() const override;

private:
    std::vector<std::unique_ptr<PreTokenizer>> m_items;
};

enum class PrependScheme { Always, First, Never };

class MetaspacePreTokenizer final : public PreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
        : m_replacement(std::move(replacement)), m_scheme(scheme), m_split(split) {}
    void preTokenize(std::vector<Piece>& pieces) const override;
    std::string describe() const override;

private:
    std::string m_replacement; // one character, UTF-8
    PrependScheme m_scheme;
    bool m_split;
};

/// GPT-2's byte-level pre-tokenizer: optional prefix space, the GPT-2 split regex, bytes mapped
/// to printable characters.
class ByteLevelPreTokenizer final : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex);
    void preTokenize(std::vector<Piece>& pieces) const override;
    std::string describe() const override;
    /// Map the bytes of `s` to byte-level characters.
    static std::string mapBytes(std::string_view s);

private:
    bool m_addPrefixSpace, m_useRegex;
    const Regex* m_regex = nullptr;
};

class SplitPreTokenizer final : public PreTokenizer {
public:
    SplitPreTokenizer(Regex regex, SplitBehavior behavior, bool invert)
        : m_regex(std::move(regex)), m_behavior(behavior), m_invert(invert) {}
    void preTokenize(std::vector<Piece>& pieces) const override;
    std::string describe() const override;

private:
    Regex m_regex;
    SplitBehavior m_behavior;
    bool m_invert;
};

/// Split digits (char::is_numeric) off, one by one or in runs.
class DigitsPreTokenizer final : public PreTokenizer {
public:
    explicit DigitsPreTokenizer(bool individual) : m_individual(individual) {}
    void preTokenize(std::vector<Piece>& pieces) const override;
    std::string describe() const override { return m_individual ? "Digits(individual)" : "Digits"; }

private:
    bool m_individual;
};

// ---- decoders -----------------------------------------------------------------------------------

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> items) : m_items(std::move(items)) {}
    void decodeChain(std::vector<std::string>& tokens) const override;

private:
    std::vector<std::unique_ptr<Decoder>> m_items;
};

class ReplaceDecoder final : public Decoder {
public:
    explicit ReplaceDecoder(ReplaceNormalizer replace) : m_replace(std::move(replace)) {}
    void decodeChain(std::vector<std::string>& tokens) const override;

private:
    ReplaceNormalizer m_replace;
};

/// Runs of <0xNN> tokens become the string of their bytes (or one U+FFFD per byte if invalid).
class ByteFallbackDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override;
};

class FuseDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override;
};

/// Remove up to `start` leading and `stop` trailing `content` characters of every token.
class StripDecoder final : public Decoder {
public:
    StripDecoder(char32_t content, size_t start, size_t stop) : m_content(content), m_start(start), m_stop(stop) {}
    void decodeChain(std::vector<std::string>& tokens) const override;

private:
    char32_t m_content;
    size_t m_start, m_stop;
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(char32_t replacement, PrependScheme scheme) : m_replacement(replacement), m_scheme(scheme) {}
    void decodeChain(std::vector<std::string>& tokens) const override;

private:
    char32_t m_replacement;
    PrependScheme m_scheme;
};

class ByteLevelDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override;
};

// ---- post-processors ----------------------------------------------------------------------------

/// TemplateProcessing's single-sequence template ($A between special tokens); also used for
/// RobertaProcessing / BertProcessing (cls $A sep).
class TemplateProcessor final : public PostProcessor {
public:
    struct Item {
        bool sequence = false;       ///< the input ($A)
        std::vector<int32_t> ids;    ///< a special token's ids
    };
    TemplateProcessor(std::vector<Item> single, std::string name) : m_single(std::move(single)), m_name(std::move(name)) {}
    void process(std::vector<int32_t>& ids, bool addSpecialTokens) const override;
    void specialHints(std::optional<int32_t>& bos, std::optional<int32_t>& eos) const override;
    std::string describe() const override { return m_name; }

private:
    std::vector<Item> m_single;
    std::string m_name;
};

/// ByteLevel post-processing only trims offsets: nothing to do for ids.
class NoOpProcessor final : public PostProcessor {
public:
    explicit NoOpProcessor(std::string name) : m_name(std::move(name)) {}
    void process(std::vector<int32_t>&, bool) const override {}
    std::string describe() const override { return m_name; }

private:
    std::string m_name;
};

class SequenceProcessor final : public PostProcessor {
public:
    explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> items) : m_items(std::move(items)) {}
    void process(std::vector<int32_t>& ids, bool addSpecialTokens) const override;
    void specialHints(std::optional<int32_t>& bos, std::optional<int32_t>& eos) const override;
    std::string describe() const override;

private:
    std::vector<std::unique_ptr<PostProcessor>> m_items;
};

} // namespace slim::tok
