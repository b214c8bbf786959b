// tokenizer.json -> TokenizerImpl (the serialization of tokenizers/src/tokenizer/serialization.rs).
#include "core/tokenizer/tokenizer.h"

#include "core/common/errors.h"
#include "core/io/strict_json.h"
#include "core/tokenizer/added_vocabulary.h"
#include "core/tokenizer/bpe_model.h"
#include "core/tokenizer/pipeline.h"
#include "core/tokenizer/unicode.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace slim::tok {

using nlohmann::json;

namespace {

constexpr int kMaxComponentDepth = 8; // nested Sequence components

class JsonLoader {
public:
    explicit JsonLoader(std::string file) : m_file(std::move(file)) {}

    [[noreturn]] void fail(const std::string& path, const std::string& rule) const {
        throw FormatError(m_file, path + ": " + rule);
    }
    [[noreturn]] void unsupported(const std::string& path, const std::string& what, const std::string& supported) const {
        throw UnsupportedError(m_file + ": " + path + ": " + what + " is not supported (supported: " + supported + ")");
    }

    const json* field(const json& o, const char* key) const {
        auto it = o.find(key);
        return (it == o.end() || it->is_null()) ? nullptr : &*it;
    }
    bool getBool(const json& o, const char* key, bool def, const std::string& path) const {
        const json* v = field(o, key);
        if (!v)
            return def;
        if (!v->is_boolean())
            fail(path + "." + key, "must be true or false");
        return v->get<bool>();
    }
    std::string getString(const json& o, const char* key, const std::string& path) const {
        const json* v = field(o, key);
        if (!v || !v->is_string())
            fail(path + "." + key, v ? "must be a string" : "is missing");
        return v->get<std::string>();
    }
    size_t getSize(const json& o, const char* key, size_t def, const std::string& path) const {
        const json* v = field(o, key);
        if (!v)
            return def;
        if (!v->is_number_unsigned())
            fail(path + "." + key, "must be a non-negative integer");
        return v->get<size_t>();
    }
    char32_t getChar(const json& o, const char* key, const std::string& path) const {
        const std::string s = getString(o, key, path);
        size_t pos = 0;
        const char32_t c = s.empty() ? 0 : unicode::decodeUtf8(s, pos);
        if (s.empty() || pos != s.size())
            fail(path + "." + key, "must be exactly one character");
        return c;
    }
    std::string typeOf(const json& o, const std::string& path) const {
        if (!o.is_object())
            fail(path, "must be an object");
        return getString(o, "type", path);
    }
    const json& array(const json& o, const char* key, const std::string& path) const {
        const json* v = field(o, key);
        if (!v || !v->is_array())
            fail(path + "." + key, v ? "must be an array" : "is missing");
        return *v;
    }
    void checkDepth(int depth, const std::string& path) const {
        if (depth > kMaxComponentDepth)
            fail(path, "components nested deeper than " + std::to_string(kMaxComponentDepth) + " levels");
    }

    /// {"String": s} or {"Regex": r} of Split / Replace.
    ReplaceNormalizer pattern(const json& o, const std::string& path, std::string content) const {
        const json* p = field(o, "pattern");
        if (!p || !p->is_object() || p->size() != 1)
            fail(path + ".pattern", "must be {\"String\": ...} or {\"Regex\": ...}");
        if (const json* s = field(*p, "String"); s && s->is_string())
            return ReplaceNormalizer(s->get<std::string>(), std::nullopt, std::move(content));
        if (const json* r = field(*p, "Regex"); r && r->is_string())
            return ReplaceNormalizer(std::nullopt, compile(r->get<std::string>(), path), std::move(content));
        fail(path + ".pattern", "must be {\"String\": ...} or {\"Regex\": ...}");
    }
    Regex splitRegex(const json& o, const std::string& path) const {
        const json* p = field(o, "pattern");
        if (p && p->is_object() && p->size() == 1) {
            if (const json* s = field(*p, "String"); s && s->is_string())
                return Regex::literal(s->get<std::string>());
            if (const json* r = field(*p, "Regex"); r && r->is_string())
                return compile(r->get<std::string>(), path);
        }
        fail(path + ".pattern", "must be {\"String\": ...} or {\"Regex\": ...}");
    }
    Regex compile(const std::string& pattern, const std::string& path) const {
        try {
            return Regex(pattern);
        } catch (UnsupportedError& e) {
            e.addContext(m_file + ": " + path);
            throw;
        }
    }
    PrependScheme prependScheme(const json& o, const std::string& path) const {
        PrependScheme scheme = PrependScheme::Always;
        if (const json* s = field(o, "prepend_scheme")) {
            const std::string v = s->is_string() ? s->get<std::string>() : "";
            if (v == "always")
                scheme = PrependScheme::Always;
            else if (v == "first")
                scheme = PrependScheme::First;
            else if (v == "never")
                scheme = PrependScheme::Never;
            else
                fail(path + ".prepend_scheme", "must be \"always\", \"first\" or \"never\"");
        }
        if (!getBool(o, "add_prefix_space", true, path)) { // legacy field
            if (field(o, "prepend_scheme") && scheme != PrependScheme::Never)
                fail(path, "add_prefix_space false contradicts prepend_scheme");
            scheme = PrependScheme::Never;
        }
        return scheme;
    }

    std::unique_ptr<Normalizer> normalizer(const json& o, const std::string& path, int depth) const {
        checkDepth(depth, path);
        const std::string type = typeOf(o, path);
        if (type == "Sequence") {
            std::vector<std::unique_ptr<Normalizer>> items;
            const json& arr = array(o, "normalizers", path);
            for (size_t i = 0; i < arr.size(); ++i)
                items.push_back(normalizer(arr[i], path + ".normalizers[" + std::to_string(i) + "]", depth + 1));
            return std::make_unique<SequenceNormalizer>(std::move(items));
        }
        if (type == "Prepend")
            return std::make_unique<PrependNormalizer>(getString(o, "prepend", path));
        if (type == "Replace")
            return std::make_unique<ReplaceNormalizer>(pattern(o, path, getString(o, "content", path)));
        if (type == "NFC")
            return std::make_unique<NfcNormalizer>();
        if (type == "Strip")
            return std::make_unique<StripNormalizer>(getBool(o, "strip_left", true, path),
                                                     getBool(o, "strip_right", true, path));
        static const char* const kKnown[] = {"BertNormalizer", "NFD", "NFKD", "NFKC", "Lowercase", "StripAccents",
                                             "Nmt", "Precompiled", "ByteLevel", "Append"};
        for (const char* k : kKnown)
            if (type == k)
                unsupported(path, "normalizer type \"" + type + "\"", "Sequence, Prepend, Replace, NFC, Strip");
        fail(path, "unknown normalizer type \"" + type + "\"");
    }

    std::unique_ptr<PreTokenizer> preTokenizer(const json& o, const std::string& path, int depth) const {
        checkDepth(depth, path);
        const std::string type = typeOf(o, path);
        if (type == "Sequence") {
            std::vector<std::unique_ptr<PreTokenizer>> items;
            const json& arr = array(o, "pretokenizers", path);
            for (size_t i = 0; i < arr.size(); ++i)
                items.push_back(preTokenizer(arr[i], path + ".pretokenizers[" + std::to_string(i) + "]", depth + 1));
            return std::make_unique<SequencePreTokenizer>(std::move(items));
        }
        if (type == "Metaspace") {
            const char32_t rep = getChar(o, "replacement", path);
            std::string repUtf8;
            unicode::appendUtf8(repUtf8, rep);
            return std::make_unique<MetaspacePreTokenizer>(repUtf8, prependScheme(o, path), getBool(o, "split", true, path));
        }
        if (type == "ByteLevel")
            return std::make_unique<ByteLevelPreTokenizer>(getBool(o, "add_prefix_space", true, path),
                                                           getBool(o, "use_regex", true, path));
        if (type == "Split") {
            static const std::pair<const char*, SplitBehavior> kBehaviors[] = {
                {"Removed", SplitBehavior::Removed},
                {"Isolated", SplitBehavior::Isolated},
                {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
                {"MergedWithNext", SplitBehavior::MergedWithNext},
                {"Contiguous", SplitBehavior::Contiguous}};
            const std::string b = getString(o, "behavior", path);
            for (const auto& [name, behavior] : kBehaviors)
                if (b == name)
                    return std::make_unique<SplitPreTokenizer>(splitRegex(o, path), behavior,
                                                               getBool(o, "invert", false, path));
            fail(path + ".behavior", "unknown split behavior \"" + b + "\"");
        }
        if (type == "Digits")
            return std::make_unique<DigitsPreTokenizer>(getBool(o, "individual_digits", false, path));
        static const char* const kKnown[] = {"BertPreTokenizer", "Whitespace", "WhitespaceSplit", "Punctuation",
                                             "CharDelimiterSplit", "Delimiter", "UnicodeScripts", "FixedLength"};
        for (const char* k : kKnown)
            if (type == k)
                unsupported(path, "pre-tokenizer type \"" + type + "\"", "Sequence, Metaspace, ByteLevel, Split, Digits");
        fail(path, "unknown pre-tokenizer type \"" + type + "\"");
    }

    std::unique_ptr<Decoder> decoder(const json& o, const std::string& path, int depth) const {
        checkDepth(depth, path);
        const std::string type = typeOf(o, path);
        if (type == "Sequence") {
            std::vector<std::unique_ptr<Decoder>> items;
            const json& arr = array(o, "decoders", path);
            for (size_t i = 0; i < arr.size(); ++i)
                items.push_back(decoder(arr[i], path + ".decoders[" + std::to_string(i) + "]", depth + 1));
            return std::make_unique<SequenceDecoder>(std::move(items));
        }
        if (type == "Replace")
            return std::make_unique<ReplaceDecoder>(pattern(o, path, getString(o, "content", path)));
        if (type == "ByteFallback")
            return std::make_unique<ByteFallbackDecoder>();
        if (type == "Fuse")
            return std::make_unique<FuseDecoder>();
        if (type == "Strip")
            return std::make_unique<StripDecoder>(getChar(o, "content", path), getSize(o, "start", 0, path),
                                                  getSize(o, "stop", 0, path));
        if (type == "Metaspace")
            return std::make_unique<MetaspaceDecoder>(getChar(o, "replacement", path), prependScheme(o, path));
        if (type == "ByteLevel")
            return std::make_unique<ByteLevelDecoder>();
        static const char* const kKnown[] = {"WordPiece", "BPEDecoder", "CTC"};
        for (const char* k : kKnown)
            if (type == k)
                unsupported(path, "decoder type \"" + type + "\"",
                            "Sequence, Replace, ByteFallback, Fuse, Strip, Metaspace, ByteLevel");
        fail(path, "unknown decoder type \"" + type + "\"");
    }

    std::vector<int32_t> specialIds(const json& v, const std::string& path) const {
        std::vector<int32_t> ids;
        if (!v.is_array())
            fail(path, "must be an array of ids");
        for (const auto& id : v) {
            if (!id.is_number_unsigned() || id.get<uint64_t>() > uint64_t(INT32_MAX))
                fail(path, "ids must be non-negative 32-bit integers");
            ids.push_back(int32_t(id.get<uint64_t>()));
        }
        return ids;
    }

    std::unique_ptr<PostProcessor> postProcessor(const json& o, const std::string& path, int depth) const {
        checkDepth(depth, path);
        const std::string type = typeOf(o, path);
        if (type == "TemplateProcessing")
            return templateProcessing(o, path);
        if (type == "ByteLevel")
            return std::make_unique<NoOpProcessor>("ByteLevel");
        if (type == "RobertaProcessing" || type == "BertProcessing") {
            auto pair = [&](const char* key) {
                const json* v = field(o, key);
                if (!v || !v->is_array() || v->size() != 2 || !(*v)[0].is_string() || !(*v)[1].is_number_unsigned() ||
                    (*v)[1].get<uint64_t>() > uint64_t(INT32_MAX))
                    fail(path + "." + key, "must be [token, id]");
                TemplateProcessor::Item item;
                item.ids.push_back(int32_t((*v)[1].get<uint64_t>()));
                return item;
            };
            std::vector<TemplateProcessor::Item> single{pair("cls"), TemplateProcessor::Item{true, {}}, pair("sep")};
            return std::make_unique<TemplateProcessor>(std::move(single), type);
        }
        if (type == "Sequence") {
            std::vector<std::unique_ptr<PostProcessor>> items;
            const json& arr = array(o, "processors", path);
            for (size_t i = 0; i < arr.size(); ++i)
                items.push_back(postProcessor(arr[i], path + ".processors[" + std::to_string(i) + "]", depth + 1));
            return std::make_unique<SequenceProcessor>(std::move(items));
        }
        fail(path, "unknown post-processor type \"" + type + "\"");
    }

    std::unique_ptr<PostProcessor> templateProcessing(const json& o, const std::string& path) const {
        const json* specials = field(o, "special_tokens");
        if (specials && !specials->is_object())
            fail(path + ".special_tokens", "must be an object");
        auto special = [&](const std::string& name) {
            const json* s = specials ? field(*specials, name.c_str()) : nullptr;
            if (!s || !s->is_object())
                fail(path, "template names special token \"" + name + "\" missing from special_tokens");
            TemplateProcessor::Item item;
            const json* ids = field(*s, "ids");
            if (!ids)
                fail(path + ".special_tokens." + name, "has no ids");
            item.ids = specialIds(*ids, path + ".special_tokens." + name + ".ids");
            return item;
        };
        const json* single = field(o, "single");
        if (!single)
            fail(path + ".single", "is missing");
        std::vector<TemplateProcessor::Item> items;
        auto addPiece = [&](const std::string& piece) { // string form: "$A", "$A:0", "<s>", "<s>:1"
            std::string name = piece.substr(0, piece.rfind(':') == std::string::npos ? piece.size() : piece.rfind(':'));
            if (name == "$A" || name == "$0" || name == "$")
                items.push_back(TemplateProcessor::Item{true, {}});
            else if (!name.empty() && name[0] == '$')
                fail(path + ".single", "the single-sequence template can only use $A");
            else
                items.push_back(special(name));
        };
        if (single->is_string()) {
            std::istringstream words(single->get<std::string>());
            for (std::string w; words >> w;)
                addPiece(w);
        } else if (single->is_array()) {
            for (size_t i = 0; i < single->size(); ++i) {
                const json& p = (*single)[i];
                const std::string ip = path + ".single[" + std::to_string(i) + "]";
                if (p.is_string()) {
                    addPiece(p.get<std::string>());
                } else if (const json* seq = p.is_object() ? field(p, "Sequence") : nullptr) {
                    if (getString(*seq, "id", ip + ".Sequence") != "A")
                        fail(ip, "the single-sequence template can only use sequence A");
                    items.push_back(TemplateProcessor::Item{true, {}});
                } else if (const json* sp = p.is_object() ? field(p, "SpecialToken") : nullptr) {
                    items.push_back(special(getString(*sp, "id", ip + ".SpecialToken")));
                } else {
                    fail(ip, "must be {\"Sequence\": ...} or {\"SpecialToken\": ...}");
                }
            }
        } else {
            fail(path + ".single", "must be a list or a string");
        }
        return std::make_unique<TemplateProcessor>(std::move(items), "TemplateProcessing");
    }

    std::unique_ptr<Model> model(const json& o, const std::string& path) const {
        if (!o.is_object())
            fail(path, "must be an object");
        const json* t = field(o, "type");
        const std::string type = t && t->is_string() ? t->get<std::string>() : (field(o, "merges") ? "BPE" : "");
        if (type == "WordPiece" || type == "WordLevel" || type == "Unigram")
            unsupported(path, "model type \"" + type + "\"", "BPE");
        if (type != "BPE")
            fail(path, type.empty() ? "has no type" : "unknown model type \"" + type + "\"");

        const json* v = field(o, "vocab");
        if (!v || !v->is_object())
            fail(path + ".vocab", "must be an object of token -> id");
        Vocab vocab;
        vocab.reserve(v->size());
        for (auto it = v->begin(); it != v->end(); ++it) {
            if (!it.value().is_number_unsigned() || it.value().get<uint64_t>() > uint64_t(INT32_MAX))
                fail(path + ".vocab[\"" + it.key() + "\"]", "id must be a non-negative 32-bit integer");
            vocab.emplace(it.key(), int32_t(it.value().get<uint64_t>()));
        }

        std::vector<std::pair<std::string, std::string>> merges;
        const json& m = array(o, "merges", path);
        merges.reserve(m.size());
        for (size_t i = 0; i < m.size(); ++i) {
            const json& e = m[i];
            const std::string ip = path + ".merges[" + std::to_string(i) + "]";
            if (e.is_string()) {
                const std::string s = e.get<std::string>();
                if (s.rfind("#version", 0) == 0)
                    continue;
                const size_t sp = s.find(' ');
                if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos)
                    fail(ip, "must be two tokens separated by one space");
                merges.emplace_back(s.substr(0, sp), s.substr(sp + 1));
            } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
                merges.emplace_back(e[0].get<std::string>(), e[1].get<std::string>());
            } else {
                fail(ip, "must be \"a b\" or [\"a\", \"b\"]");
            }
        }

        BpeOptions opt;
        if (const json* unk = field(o, "unk_token")) {
            if (!unk->is_string())
                fail(path + ".unk_token", "must be a string");
            opt.unkToken = unk->get<std::string>();
        }
        if (const json* p = field(o, "continuing_subword_prefix"); p && p->is_string())
            opt.continuingSubwordPrefix = p->get<std::string>();
        if (const json* s = field(o, "end_of_word_suffix"); s && s->is_string())
            opt.endOfWordSuffix = s->get<std::string>();
        opt.fuseUnk = getBool(o, "fuse_unk", false, path);
        opt.byteFallback = getBool(o, "byte_fallback", false, path);
        opt.ignoreMerges = getBool(o, "ignore_merges", false, path);
        // dropout only randomises training-time segmentation; encoding here is deterministic.
        return std::make_unique<BpeModel>(std::move(vocab), merges, std::move(opt), m_file);
    }

    void addedTokens(const json& arr, TokenizerImpl& impl) const {
        if (!arr.is_array())
            fail("added_tokens", "must be an array");
        for (size_t i = 0; i < arr.size(); ++i) {
            const std::string ip = "added_tokens[" + std::to_string(i) + "]";
            const json& t = arr[i];
            if (!t.is_object())
                fail(ip, "must be an object");
            AddedToken tok;
            tok.content = getString(t, "content", ip);
            tok.special = getBool(t, "special", false, ip);
            tok.singleWord = getBool(t, "single_word", false, ip);
            tok.lstrip = getBool(t, "lstrip", false, ip);
            tok.rstrip = getBool(t, "rstrip", false, ip);
            tok.normalized = getBool(t, "normalized", !tok.special, ip);
            // As tokenizers does, the id is the model's id for the content or the next free one;
            // the "id" field of the file is only advisory.
            impl.added->add(std::move(tok), *impl.model, impl.normalizer.get());
        }
    }

    void load(const json& root, TokenizerImpl& impl) const {
        if (!root.is_object())
            fail("tokenizer.json", "the top level must be an object");
        if (const json* v = field(root, "version"))
            if (!v->is_string() || v->get<std::string>() != "1.0")
                fail("version", "unknown tokenizer.json version " + v->dump() + " (expected \"1.0\")");
        const json* m = field(root, "model");
        if (!m)
            fail("model", "is missing");
        impl.model = model(*m, "model");
        if (const json* n = field(root, "normalizer"))
            impl.normalizer = normalizer(*n, "normalizer", 0);
        if (const json* p = field(root, "pre_tokenizer"))
            impl.preTokenizer = preTokenizer(*p, "pre_tokenizer", 0);
        if (const json* d = field(root, "decoder"))
            impl.decoder = decoder(*d, "decoder", 0);
        if (const json* a = field(root, "added_tokens"))
            addedTokens(*a, impl);
        if (const json* p = field(root, "post_processor")) {
            impl.postProcessor = postProcessor(*p, "post_processor", 0);
            std::vector<int32_t> probe;
            impl.postProcessor->process(probe, true);
            for (int32_t id : probe)
                if (id >= impl.idLimit() || !impl.tokenOf(id))
                    fail("post_processor", "special token id " + std::to_string(id) + " is not in the vocabulary");
        }
        impl.guessSpecialIds();
    }

private:
    std::string m_file;
};

std::string readFile(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f)
        throw IoError(p.string() + ": cannot open for reading");
    std::ostringstream ss;
    ss << f.rdbuf();
    if (!f && !f.eof())
        throw IoError(p.string() + ": read failed");
    return ss.str();
}

/// bos_token / eos_token of tokenizer_config.json: a string or an AddedToken object.
std::optional<std::string> configToken(const json& cfg, const char* key) {
    auto it = cfg.find(key);
    if (it == cfg.end())
        return std::nullopt;
    if (it->is_string())
        return it->get<std::string>();
    if (it->is_object()) {
        auto c = it->find("content");
        if (c != it->end() && c->is_string())
            return c->get<std::string>();
    }
    return std::nullopt;
}

} // namespace

Tokenizer Tokenizer::fromJsonText(std::string_view text, const std::string& fileName) {
    auto impl = std::make_unique<TokenizerImpl>();
    impl->source = fileName;
    const json root = io::parseJsonStrict(text, fileName);
    JsonLoader(fileName).load(root, *impl);
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::fromJsonFile(const std::filesystem::path& tokenizerJson) {
    return fromJsonText(readFile(tokenizerJson), tokenizerJson.string());
}

Tokenizer Tokenizer::fromPath(const std::filesystem::path& folderOrFile) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(folderOrFile)) {
        if (folderOrFile.extension() == ".gguf")
            return fromGguf(folderOrFile);
        return fromJsonFile(folderOrFile);
    }
    const fs::path json = folderOrFile / "tokenizer.json";
    if (!fs::exists(json)) {
        if (fs::exists(folderOrFile / "tokenizer.model"))
            throw UnsupportedError(folderOrFile.string() +
                                   ": only a sentencepiece tokenizer.model is present; convert it to tokenizer.json "
                                   "(e.g. AutoTokenizer.from_pretrained(...).save_pretrained(...) in transformers)");
        throw IoError(folderOrFile.string() + ": no tokenizer.json in this folder");
    }
    Tokenizer tok = fromJsonFile(json);
    // tokenizer_config.json (transformers) names the BOS / EOS tokens; it overrides the guess.
    const fs::path cfgPath = folderOrFile / "tokenizer_config.json";
    if (fs::exists(cfgPath)) {
        const nlohmann::json cfg = io::parseJsonStrict(readFile(cfgPath), cfgPath.string());
        if (cfg.is_object()) {
            // "bos_token": null says there is none (Qwen2 tokenizers): drop a guess made from names.
            if (auto it = cfg.find("bos_token"); it != cfg.end() && it->is_null())
                tok.m_impl->bos.reset();
            if (auto it = cfg.find("eos_token"); it != cfg.end() && it->is_null())
                tok.m_impl->eos.reset();
            if (auto b = configToken(cfg, "bos_token"))
                if (auto id = tok.m_impl->idOf(*b))
                    tok.m_impl->bos = id;
            if (auto e = configToken(cfg, "eos_token"))
                if (auto id = tok.m_impl->idOf(*e))
                    tok.m_impl->eos = id;
        }
    }
    return tok;
}

} // namespace slim::tok
