#include "core/tokenizer/tokenizer.h"

#include "core/common/errors.h"
#include "core/io/strict_json.h"
#include "core/tokenizer/added_vocabulary.h"

#include <algorithm>

namespace slim::tok {

// ---- TokenizerImpl ------------------------------------------------------------------------------

TokenizerImpl::TokenizerImpl() : added(std::make_unique<AddedVocabulary>()) {}
TokenizerImpl::~TokenizerImpl() = default;

std::vector<int32_t> TokenizerImpl::encode(std::string_view text, bool addSpecialTokens) const {
    if (const size_t bad = io::firstInvalidUtf8(text); bad != std::string_view::npos)
        throw ConfigError(source + ": the text to encode is not valid UTF-8 (byte offset " + std::to_string(bad) + ")");
    std::vector<Piece> pieces;
    if (!text.empty())
        pieces.push_back(Piece{std::string(text), -1, true});
    added->splitRaw(pieces);
    added->normalizeAndSplit(pieces, normalizer.get());
    if (preTokenizer)
        preTokenizer->preTokenize(pieces);
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    for (const auto& p : pieces) {
        if (p.id >= 0)
            ids.push_back(p.id);
        else if (!p.text.empty())
            model->tokenize(p.text, ids);
    }
    if (postProcessor)
        postProcessor->process(ids, addSpecialTokens);
    return ids;
}

std::string TokenizerImpl::decode(const int32_t* ids, size_t n, bool skipSpecialTokens) const {
    std::vector<std::string> tokens;
    tokens.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        const std::string* t = tokenOf(ids[i]);
        if (!t)
            throw ConfigError(source + ": token id " + std::to_string(ids[i]) + " (position " + std::to_string(i) +
                              ") is not in the vocabulary (ids 0.." + std::to_string(idLimit() - 1) + ")");
        if (skipSpecialTokens && added->isSpecialContent(*t))
            continue;
        tokens.push_back(*t);
    }
    if (!decoder) {
        std::string joined;
        for (size_t i = 0; i < tokens.size(); ++i)
            joined += (i ? " " : "") + tokens[i];
        return joined;
    }
    decoder->decodeChain(tokens);
    std::string out;
    for (const auto& t : tokens)
        out += t;
    return out;
}

int32_t TokenizerImpl::idLimit() const { return std::max(model->idLimit(), added->maxId() + 1); }

const std::string* TokenizerImpl::tokenOf(int32_t id) const {
    if (const std::string* a = added->decodeForm(id))
        return a;
    return model->idToToken(id);
}

std::optional<int32_t> TokenizerImpl::idOf(std::string_view token) const {
    if (auto a = added->idOf(token))
        return a;
    return model->tokenToId(token);
}

bool TokenizerImpl::isSpecial(int32_t id) const {
    const AddedToken* t = added->byId(id);
    return t && t->special;
}

void TokenizerImpl::guessSpecialIds() {
    if (postProcessor)
        postProcessor->specialHints(bos, eos);
    auto firstSpecial = [&](std::initializer_list<const char*> names) -> std::optional<int32_t> {
        for (const char* name : names)
            if (auto id = added->idOf(name); id && isSpecial(*id))
                return id;
        return std::nullopt;
    };
    if (!bos)
        bos = firstSpecial({"<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>"});
    if (!eos)
        eos = firstSpecial({"</s>", "<|end_of_text|>", "<|endoftext|>", "<eos>"});
}

std::string TokenizerImpl::describe() const {
    std::string d = model->describe();
    if (normalizer)
        d += "; normalizer " + normalizer->describe();
    if (preTokenizer)
        d += "; pre-tokenizer " + preTokenizer->describe();
    if (!added->empty())
        d += "; " + std::to_string(added->size()) + " added tokens";
    if (postProcessor)
        d += "; post-processor " + postProcessor->describe();
    return d;
}

// ---- Tokenizer ----------------------------------------------------------------------------------

Tokenizer::Tokenizer(std::unique_ptr<TokenizerImpl> impl) : m_impl(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecialTokens) const {
    return m_impl->encode(text, addSpecialTokens);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecialTokens) const {
    return m_impl->decode(ids.data(), ids.size(), skipSpecialTokens);
}

int32_t Tokenizer::vocabSize() const { return m_impl->idLimit(); }

std::string Tokenizer::idToToken(int32_t id) const {
    const std::string* t = m_impl->tokenOf(id);
    if (!t)
        throw ConfigError(m_impl->source + ": token id " + std::to_string(id) + " is not in the vocabulary");
    return *t;
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const { return m_impl->idOf(token); }
std::optional<int32_t> Tokenizer::bosId() const { return m_impl->bos; }
std::optional<int32_t> Tokenizer::eosId() const { return m_impl->eos; }
bool Tokenizer::isSpecial(int32_t id) const { return m_impl->isSpecial(id); }
std::string Tokenizer::describe() const { return m_impl->describe(); }
const std::string& Tokenizer::source() const { return m_impl->source; }

} // namespace slim::tok
