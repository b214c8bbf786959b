// GGUF vocabulary (tokenizer.ggml.* keys) -> TokenizerImpl, following llama.cpp's llama_vocab::load.
#include "core/tokenizer/tokenizer.h"

#include "core/common/errors.h"
#include "core/io/gguf_reader.h"
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/pipeline.h"
#include "core/tokenizer/spm_model.h"

namespace slim::tok {

namespace {

// llama_token_type of GGUF vocabularies.
enum GgufTokenType : int64_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

const char* const kSpace = "\xE2\x96\x81"; // U+2581, sentencepiece's space

std::optional<int32_t> optionalId(const io::GgufFile& g, const char* key, size_t nTokens) {
    const io::GgufValue* v = g.find(key);
    if (!v)
        return std::nullopt;
    const int64_t id = v->toInt(g.fileName(), key);
    if (id < 0 || uint64_t(id) >= nTokens) {
        // llama.cpp stores -1 (as u32 0xFFFFFFFF) for "none" in some files.
        if (id == int64_t(UINT32_MAX) || id == -1)
            return std::nullopt;
        throw FormatError(g.fileName(), std::string("key '") + key + "' = " + std::to_string(id) +
                                            " is outside the vocabulary of " + std::to_string(nTokens) + " tokens");
    }
    return int32_t(id);
}

bool optionalBool(const io::GgufFile& g, const char* key, bool def) {
    const io::GgufValue* v = g.find(key);
    return v ? v->toBool(g.fileName(), key) : def;
}

} // namespace

Tokenizer Tokenizer::fromGguf(const std::filesystem::path& ggufFile) {
    const io::GgufFile g = io::GgufFile::open(ggufFile);
    const std::string& file = g.fileName();
    auto impl = std::make_unique<TokenizerImpl>();
    impl->source = file;

    const std::string kind = g.at("tokenizer.ggml.model").toString(file, "tokenizer.ggml.model");
    std::vector<std::string> tokens = g.at("tokenizer.ggml.tokens").toStringArray(file, "tokenizer.ggml.tokens");
    const size_t n = tokens.size();
    if (n == 0 || n > size_t(INT32_MAX))
        throw FormatError(file, "tokenizer.ggml.tokens must hold between 1 and 2^31-1 tokens");
    for (size_t i = 0; i < n; ++i)
        if (tokens[i].empty())
            tokens[i] = "[EMPTY_" + std::to_string(i) + "]"; // as llama.cpp names empty tokens
    std::vector<int64_t> types(n, kNormal);
    if (const io::GgufValue* t = g.find("tokenizer.ggml.token_type")) {
        types = t->toIntArray(file, "tokenizer.ggml.token_type");
        if (types.size() != n)
            throw FormatError(file, "tokenizer.ggml.token_type has " + std::to_string(types.size()) +
                                        " entries for " + std::to_string(n) + " tokens");
    }

    bool addBos = false, addEos = false;
    if (kind == "llama") {
        std::vector<float> scores(n, 0.0f);
        if (const io::GgufValue* s = g.find("tokenizer.ggml.scores")) {
            scores = s->toFloatArray(file, "tokenizer.ggml.scores");
            if (scores.size() != n)
                throw FormatError(file, "tokenizer.ggml.scores has " + std::to_string(scores.size()) +
                                            " entries for " + std::to_string(n) + " tokens");
        }
        const auto unk = optionalId(g, "tokenizer.ggml.unknown_token_id", n);
        impl->model = std::make_unique<SpmModel>(tokens, std::move(scores), unk ? unk : std::optional<int32_t>(0), file);
        // llama.cpp prefixes a space to every raw-text fragment and escapes spaces as U+2581:
        // the same as the legacy Llama tokenizer.json normalizer.
        const bool spacePrefix = optionalBool(g, "tokenizer.ggml.add_space_prefix", true);
        std::vector<std::unique_ptr<Normalizer>> norm;
        if (spacePrefix)
            norm.push_back(std::make_unique<PrependNormalizer>(kSpace));
        norm.push_back(std::make_unique<ReplaceNormalizer>(std::string(" "), std::nullopt, kSpace));
        impl->normalizer = std::make_unique<SequenceNormalizer>(std::move(norm));
        std::vector<std::unique_ptr<Decoder>> dec;
        dec.push_back(std::make_unique<ReplaceDecoder>(ReplaceNormalizer(std::string(kSpace), std::nullopt, " ")));
        dec.push_back(std::make_unique<ByteFallbackDecoder>());
        dec.push_back(std::make_unique<FuseDecoder>());
        if (spacePrefix)
            dec.push_back(std::make_unique<StripDecoder>(U' ', 1, 0));
        impl->decoder = std::make_unique<SequenceDecoder>(std::move(dec));
        addBos = true;
    } else if (kind == "gpt2") {
        const auto& mergeStrings = g.at("tokenizer.ggml.merges").toStringArray(file, "tokenizer.ggml.merges");
        std::vector<std::pair<std::string, std::string>> merges;
        merges.reserve(mergeStrings.size());
        for (size_t i = 0; i < mergeStrings.size(); ++i) {
            const std::string& m = mergeStrings[i];
            const size_t sp = m.find(' ', 1);
            if (sp == std::string::npos)
                throw FormatError(file, "tokenizer.ggml.merges[" + std::to_string(i) + "] \"" + m +
                                            "\" is not two tokens separated by a space");
            merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
        }
        Vocab vocab;
        vocab.reserve(n);
        for (size_t i = 0; i < n; ++i)
            vocab[tokens[i]] = int32_t(i);
        const io::GgufValue* preValue = g.find("tokenizer.ggml.pre");
        const std::string pre = preValue ? preValue->toString(file, "tokenizer.ggml.pre") : "gpt-2";
        BpeOptions opt;
        if (pre == "gpt-2" || pre == "gpt2") {
            impl->preTokenizer = std::make_unique<ByteLevelPreTokenizer>(false, true);
        } else if (pre == "llama-bpe" || pre == "llama3" || pre == "qwen2") {
            std::vector<std::unique_ptr<PreTokenizer>> seq;
            seq.push_back(std::make_unique<SplitPreTokenizer>(
                Regex(pre == "qwen2" ? Regex::kQwen2Pattern : Regex::kLlama3Pattern), SplitBehavior::Isolated, false));
            seq.push_back(std::make_unique<ByteLevelPreTokenizer>(false, false));
            impl->preTokenizer = std::make_unique<SequencePreTokenizer>(std::move(seq));
            if (pre == "qwen2")
                impl->normalizer = std::make_unique<NfcNormalizer>();
            else
                opt.ignoreMerges = true;
        } else {
            throw UnsupportedError(file + ": tokenizer.ggml.pre \"" + pre +
                                   "\" is not supported (supported: gpt-2, llama-bpe, qwen2)");
        }
        impl->model = std::make_unique<BpeModel>(std::move(vocab), merges, std::move(opt), file);
        impl->decoder = std::make_unique<ByteLevelDecoder>();
    } else {
        throw UnsupportedError(file + ": tokenizer.ggml.model \"" + kind +
                               "\" is not supported (supported: llama, gpt2)");
    }

    // Control / unknown tokens are special added tokens, user-defined ones plain added tokens;
    // both are matched in the raw text before tokenization.
    for (size_t i = 0; i < n; ++i) {
        const int64_t t = types[i];
        if (t != kControl && t != kUnknown && t != kUserDefined)
            continue;
        AddedToken tok;
        tok.content = tokens[i];
        tok.id = int32_t(i);
        tok.special = t != kUserDefined;
        tok.normalized = false;
        impl->added->addWithId(std::move(tok), impl->normalizer.get());
    }

    impl->bos = optionalId(g, "tokenizer.ggml.bos_token_id", n);
    impl->eos = optionalId(g, "tokenizer.ggml.eos_token_id", n);
    addBos = optionalBool(g, "tokenizer.ggml.add_bos_token", addBos) && impl->bos;
    addEos = optionalBool(g, "tokenizer.ggml.add_eos_token", addEos) && impl->eos;
    if (addBos || addEos) {
        std::vector<TemplateProcessor::Item> single;
        if (addBos)
            single.push_back(TemplateProcessor::Item{false, {*impl->bos}});
        single.push_back(TemplateProcessor::Item{true, {}});
        if (addEos)
            single.push_back(TemplateProcessor::Item{false, {*impl->eos}});
        impl->postProcessor = std::make_unique<TemplateProcessor>(std::move(single), "GGUF BOS/EOS");
    }
    return Tokenizer(std::move(impl));
}

} // namespace slim::tok
