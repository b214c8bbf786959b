#pragma once
/// @file tokenizer_impl.h
/// Internal pipeline of the tokenizer, mirroring Hugging Face `tokenizers`
/// (tokenizers/src/tokenizer/mod.rs): added tokens are split out of the raw text, the remaining
/// pieces are normalized (and normalized added tokens split out), pre-tokenized, and each piece
/// is tokenized by the model; a post-processor adds BOS/EOS.  Decoding maps ids to token strings
/// and runs the decoder chain.  Not a public header: use tokenizer.h.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slim::tok {

/// A span of text during encoding: raw text still to tokenize, or a recognised added token.
struct Piece {
    std::string text;
    int32_t id = -1;        ///< >= 0: an added token, kept as is by later stages
    bool atOrigin = false;  ///< begins at byte 0 of the input (Metaspace prepend_scheme "first")
};

/// Run `fn(piece, out)` on every text piece (token pieces are passed through); empty results are
/// dropped, as PreTokenizedString::split does.
template <typename Fn>
void splitPieces(std::vector<Piece>& pieces, Fn&& fn) {
    std::vector<Piece> out;
    out.reserve(pieces.size());
    for (auto& p : pieces) {
        if (p.id >= 0) {
            out.push_back(std::move(p));
            continue;
        }
        const size_t first = out.size();
        fn(p, out);
        size_t w = first;
        for (size_t r = first; r < out.size(); ++r)
            if (out[r].id >= 0 || !out[r].text.empty()) {
                if (w != r)
                    out[w] = std::move(out[r]); // never self-move: it empties the string
                ++w;
            }
        out.resize(w);
    }
    pieces = std::move(out);
}

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string& s) const = 0;
    virtual std::string describe() const = 0;
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    virtual void preTokenize(std::vector<Piece>& pieces) const = 0;
    virtual std::string describe() const = 0;
};

class Model {
public:
    virtual ~Model() = default;
    /// Append the ids of one pre-tokenized piece (non-empty).
    virtual void tokenize(std::string_view piece, std::vector<int32_t>& out) const = 0;
    virtual std::optional<int32_t> tokenToId(std::string_view token) const = 0;
    /// nullptr when the id has no token.
    virtual const std::string* idToToken(int32_t id) const = 0;
    /// Number of distinct tokens.
    virtual size_t size() const = 0;
    /// Largest id + 1.
    virtual int32_t idLimit() const = 0;
    virtual std::string describe() const = 0;
};

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void decodeChain(std::vector<std::string>& tokens) const = 0;
};

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    virtual void process(std::vector<int32_t>& ids, bool addSpecialTokens) const = 0;
    /// The BOS / EOS this processor adds, if it is that kind of template.
    virtual void specialHints(std::optional<int32_t>& bos, std::optional<int32_t>& eos) const {
        (void)bos;
        (void)eos;
    }
    virtual std::string describe() const = 0;
};

/// A token of the added vocabulary (added_tokens of tokenizer.json).
struct AddedToken {
    std::string content;
    int32_t id = -1;
    bool singleWord = false;
    bool lstrip = false;
    bool rstrip = false;
    bool normalized = true;
    bool special = false;
};

class AddedVocabulary;

/// The whole tokenizer behind slim::tok::Tokenizer.
class TokenizerImpl {
public:
    TokenizerImpl();
    ~TokenizerImpl();

    std::string source;  ///< file name used in messages
    std::unique_ptr<Normalizer> normalizer;
    std::unique_ptr<PreTokenizer> preTokenizer;
    std::unique_ptr<Model> model;
    std::unique_ptr<PostProcessor> postProcessor;
    std::unique_ptr<Decoder> decoder;
    std::unique_ptr<AddedVocabulary> added;
    std::optional<int32_t> bos;
    std::optional<int32_t> eos;

    std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens) const;
    std::string decode(const int32_t* ids, size_t n, bool skipSpecialTokens) const;
    int32_t idLimit() const;
    /// Token string of an id (added tokens first), nullptr if none.
    const std::string* tokenOf(int32_t id) const;
    std::optional<int32_t> idOf(std::string_view token) const;
    bool isSpecial(int32_t id) const;
    /// Fill bos/eos from the post-processor, or from well-known special token names.
    void guessSpecialIds();
    std::string describe() const;
};

/// Decode bytes as UTF-8 the way Rust's String::from_utf8_lossy does (one U+FFFD per maximal
/// invalid subpart).
std::string utf8Lossy(std::string_view bytes);

} // namespace slim::tok
