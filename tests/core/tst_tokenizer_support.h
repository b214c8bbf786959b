#pragma once
// Helpers shared by tst_tokenizer, tst_tokenizer_slow and tst_gguf: llama.cpp's tokenizer test
// vectors, a Hugging Face style tokenizer.json derived from a sentencepiece vocabulary, printing.

#include "core/io/gguf_reader.h"
#include "core/tokenizer/regex.h"
#include "core/tokenizer/unicode.h"
#include "support/test_util.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace tokentest {

namespace fs = std::filesystem;

struct VocabCase {
    std::string text;
    std::vector<int32_t> ids;
};

inline fs::path llamaCppVocabDir() { return slimtest::dataDir() / "llamacpp-vocab"; }

/// llama.cpp tests/test-tokenizer-0.cpp read_tests(): texts separated by "\n__ggml_vocab_test__\n"
/// in <vocab>.inp, one line of space-separated ids per text in <vocab>.out.
inline std::vector<VocabCase> readVocabCases(const fs::path& gguf) {
    const std::string raw = slimtest::readBytes(fs::path(gguf.string() + ".inp"));
    const std::string out = slimtest::readBytes(fs::path(gguf.string() + ".out"));
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> texts;
    for (size_t pos = 0; pos < raw.size();) {
        const size_t next = raw.find(sep, pos);
        if (next == std::string::npos) {
            texts.push_back(raw.substr(pos));
            break;
        }
        texts.push_back(raw.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::vector<VocabCase> cases;
    std::istringstream lines(out);
    size_t i = 0;
    for (std::string line; std::getline(lines, line); ++i) {
        VocabCase c;
        c.text = i < texts.size() ? texts[i] : std::string();
        std::istringstream ids(line);
        for (int32_t id; ids >> id;)
            c.ids.push_back(id);
        cases.push_back(std::move(c));
    }
    if (cases.size() != texts.size())
        cases.clear(); // malformed: the caller fails on an empty list
    return cases;
}

inline QString showIds(const std::vector<int32_t>& ids) {
    QStringList parts;
    for (int32_t id : ids)
        parts << QString::number(id);
    return "[" + parts.join(' ') + "]";
}

inline size_t codePoints(const std::string& s) { return slim::tok::unicode::codePointCount(s); }

/// A tokenizer.json equivalent of a sentencepiece BPE vocabulary (tokens + scores), built the way
/// transformers converts one (convert_slow_tokenizer.py: SentencePieceExtractor / generate_merges:
/// every split of a token into two tokens is a merge, ordered by the token's score, then by the
/// lengths of the left and right parts, longest first; Llama's byte_fallback BPE).
/// `legacy`: the Prepend + Replace normalizer of older Llama files; otherwise Metaspace("first").
inline nlohmann::json spmVocabToTokenizerJson(const std::vector<std::string>& tokens, const std::vector<float>& scores,
                                              const std::vector<int64_t>& types, bool legacy) {
    using nlohmann::json;
    std::unordered_map<std::string, int32_t> vocab;
    json vocabJson = json::object();
    for (size_t i = 0; i < tokens.size(); ++i) {
        vocab.emplace(tokens[i], int32_t(i));
        vocabJson[tokens[i]] = i;
    }
    struct Merge {
        std::string l, r;
        float score;
        size_t ll, rl;
    };
    std::vector<Merge> merges;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const std::string& t = tokens[i];
        std::vector<Merge> local;
        for (size_t pos = 0; pos < t.size();) {
            pos += slim::tok::unicode::utf8SeqLen(static_cast<unsigned char>(t[pos]));
            if (pos >= t.size())
                break;
            const std::string l = t.substr(0, pos), r = t.substr(pos);
            if (vocab.count(l) && vocab.count(r))
                local.push_back({l, r, scores[i], codePoints(l), codePoints(r)});
        }
        std::stable_sort(local.begin(), local.end(), [&](const Merge& a, const Merge& b) {
            return std::make_pair(vocab[a.l], vocab[a.r]) < std::make_pair(vocab[b.l], vocab[b.r]);
        });
        merges.insert(merges.end(), local.begin(), local.end());
    }
    std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
        return std::make_tuple(a.score, a.ll, a.rl) > std::make_tuple(b.score, b.ll, b.rl);
    });
    json mergesJson = json::array();
    for (const auto& m : merges)
        mergesJson.push_back(json::array({m.l, m.r}));

    json added = json::array();
    for (size_t i = 0; i < tokens.size(); ++i)
        if (i < types.size() && (types[i] == 2 || types[i] == 3))
            added.push_back({{"id", i}, {"content", tokens[i]}, {"single_word", false}, {"lstrip", false},
                             {"rstrip", false}, {"normalized", false}, {"special", true}});
    const std::string sp = "\xE2\x96\x81";
    json j = {
        {"version", "1.0"},
        {"added_tokens", added},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                  {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
          {"pair", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders", json::array({{{"type", "Replace"}, {"pattern", {{"String", sp}}}, {"content", " "}},
                                    {{"type", "ByteFallback"}},
                                    {{"type", "Fuse"}},
                                    {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}}},
        {"model",
         {{"type", "BPE"}, {"unk_token", "<unk>"}, {"fuse_unk", true}, {"byte_fallback", true},
          {"vocab", vocabJson}, {"merges", mergesJson}}}};
    if (legacy) {
        j["normalizer"] = {{"type", "Sequence"},
                           {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", sp}},
                                                        {{"type", "Replace"}, {"pattern", {{"String", " "}}},
                                                         {"content", sp}}})}};
        j["pre_tokenizer"] = nullptr;
    } else {
        j["normalizer"] = nullptr;
        j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "first"}, {"split", false}};
    }
    return j;
}

/// spmVocabToTokenizerJson for a GGUF "llama" vocabulary.
inline nlohmann::json ggufSpmToTokenizerJson(const fs::path& gguf, bool legacy) {
    const auto g = slim::io::GgufFile::open(gguf);
    return spmVocabToTokenizerJson(g.at("tokenizer.ggml.tokens").toStringArray(),
                                   g.at("tokenizer.ggml.scores").toFloatArray(),
                                   g.at("tokenizer.ggml.token_type").toIntArray(), legacy);
}

inline nlohmann::json addedToken(const std::string& content, int id, bool special, bool lstrip = false,
                                 bool rstrip = false, bool singleWord = false) {
    return {{"id", id}, {"content", content}, {"single_word", singleWord}, {"lstrip", lstrip},
            {"rstrip", rstrip}, {"normalized", !special}, {"special", special}};
}

inline nlohmann::json templateSingle(const std::vector<std::pair<std::string, int>>& before,
                                     const std::vector<std::pair<std::string, int>>& after) {
    using nlohmann::json;
    json single = json::array(), pair = json::array(), specials = json::object();
    auto add = [&](json& seq, const std::pair<std::string, int>& t) {
        seq.push_back({{"SpecialToken", {{"id", t.first}, {"type_id", 0}}}});
        specials[t.first] = {{"id", t.first}, {"ids", {t.second}}, {"tokens", {t.first}}};
    };
    for (json* seq : {&single, &pair}) {
        for (const auto& t : before)
            add(*seq, t);
        seq->push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
        for (const auto& t : after)
            add(*seq, t);
    }
    pair.push_back({{"Sequence", {{"id", "B"}, {"type_id", 1}}}}); // tokenizers requires a pair template
    return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

/// Realistic tokenizer.json files made from llama.cpp's GGUF vocabularies, checked against
/// Hugging Face `tokenizers` itself (tests/data/tokenizer/hf_reference, make_hf_reference.js):
///   llama2_legacy, llama2_metaspace  the Llama-2 vocabulary as transformers converts it
///   metaspace_split                  the same with Metaspace(always, split) and <s> $A </s>
///   gpt2                             GPT-2: ByteLevel with its regex
///   gpt2_prefix_roberta              ByteLevel(add_prefix_space), RobertaProcessing
///   gpt2_llama3_split                Split(Llama-3 pattern) + ByteLevel, ignore_merges, BOS template
///   gpt2_qwen2_nfc                   NFC + Split(Qwen2 pattern) + ByteLevel, added tokens with flags
///   gpt2_split_zoo                   Strip + Replace(regex) + Prepend normalizers; Split with every
///                                    behaviour, invert, Digits
///   tiny_metaspace, tiny_unk         tests/data/tokenizer/tiny_metaspace.json; without fuse_unk
///                                    and byte_fallback
///   tiny_subword                     continuing_subword_prefix "##", end_of_word_suffix "</w>",
///                                    Split(" ", Removed), BertProcessing
inline std::vector<std::string> referenceRecipes() {
    return {"llama2_legacy",  "llama2_metaspace", "metaspace_split", "gpt2",     "gpt2_prefix_roberta",
            "gpt2_llama3_split", "gpt2_qwen2_nfc", "gpt2_split_zoo", "tiny_metaspace", "tiny_unk", "tiny_subword"};
}

inline nlohmann::json recipeTokenizerJson(const std::string& recipe) {
    using nlohmann::json;
    const fs::path dir = llamaCppVocabDir();
    if (recipe == "tiny_subword") {
        json vocab = {{"[UNK]", 0}, {"[CLS]", 1}, {"[SEP]", 2}};
        const std::vector<std::string> units = {"a", "b", "e", "h", "l", "o", "t"};
        for (const auto& c : units)
            for (const std::string& v : {c, "##" + c, c + "</w>", "##" + c + "</w>"})
                vocab[v] = vocab.size();
        json merges = json::array();
        auto merge = [&](const std::string& l, const std::string& r) {
            merges.push_back(l + " " + r);
            const std::string merged = l + r.substr(r.rfind("##", 0) == 0 ? 2 : 0);
            if (!vocab.contains(merged))
                vocab[merged] = vocab.size();
        };
        merge("t", "##h");
        merge("th", "##e</w>");
        merge("##l", "##l");
        merge("h", "##e");
        merge("he", "##ll");
        merge("hell", "##o</w>");
        merge("a", "##b</w>");
        merge("##a", "##b");
        return {{"version", "1.0"},
                {"added_tokens", json::array({addedToken("[UNK]", 0, true), addedToken("[CLS]", 1, true),
                                              addedToken("[SEP]", 2, true)})},
                {"pre_tokenizer", {{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "Removed"},
                                   {"invert", false}}},
                {"post_processor", {{"type", "BertProcessing"}, {"sep", {"[SEP]", 2}}, {"cls", {"[CLS]", 1}}}},
                {"model", {{"type", "BPE"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
                           {"end_of_word_suffix", "</w>"}, {"vocab", vocab}, {"merges", merges}}}};
    }
    if (recipe.rfind("tiny_", 0) == 0) {
        json j = json::parse(slimtest::readBytes(slimtest::dataDir() / "tokenizer/tiny_metaspace.json"));
        if (recipe == "tiny_unk") {
            j["model"]["fuse_unk"] = false;
            j["model"]["byte_fallback"] = false;
        }
        return j;
    }
    if (recipe.rfind("llama2", 0) == 0 || recipe == "metaspace_split") {
        json j = ggufSpmToTokenizerJson(dir / "ggml-vocab-llama-spm.gguf", recipe == "llama2_legacy");
        if (recipe == "metaspace_split") {
            const std::string sp = "\xE2\x96\x81";
            j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "always"}, {"split", true}};
            j["decoder"] = {{"type", "Metaspace"}, {"replacement", sp}, {"prepend_scheme", "always"}, {"split", true}};
            j["post_processor"] = templateSingle({{"<s>", 1}}, {{"</s>", 2}});
        }
        return j;
    }
    const auto g = slim::io::GgufFile::open(dir / "ggml-vocab-gpt-2.gguf");
    const auto& tokens = g.at("tokenizer.ggml.tokens").toStringArray();
    json vocab = json::object();
    for (size_t i = 0; i < tokens.size(); ++i)
        vocab[tokens[i]] = i;
    json merges = json::array();
    for (const auto& m : g.at("tokenizer.ggml.merges").toStringArray())
        merges.push_back(m);
    json byteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    json j = {{"version", "1.0"},
              {"added_tokens", json::array({addedToken("<|endoftext|>", 50256, true)})},
              {"normalizer", nullptr},
              {"pre_tokenizer", byteLevel},
              {"post_processor", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false},
                                  {"use_regex", true}}},
              {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}},
              {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
    auto split = [&](const char* pattern) {
        json bl = byteLevel;
        bl["use_regex"] = false;
        return json{{"type", "Sequence"},
                    {"pretokenizers", json::array({{{"type", "Split"}, {"pattern", {{"Regex", pattern}}},
                                                    {"behavior", "Isolated"}, {"invert", false}},
                                                   bl})}};
    };
    if (recipe == "gpt2_prefix_roberta") {
        j["pre_tokenizer"]["add_prefix_space"] = true;
        j["post_processor"] = {{"type", "RobertaProcessing"}, {"sep", {"<|endoftext|>", 50256}},
                               {"cls", {"<|endoftext|>", 50256}}, {"trim_offsets", true}, {"add_prefix_space", true}};
    } else if (recipe == "gpt2_llama3_split") {
        j["pre_tokenizer"] = split(slim::tok::Regex::kLlama3Pattern);
        j["model"]["ignore_merges"] = true;
        j["post_processor"] = {{"type", "Sequence"},
                               {"processors", json::array({j["post_processor"],
                                                           templateSingle({{"<|endoftext|>", 50256}}, {})})}};
    } else if (recipe == "gpt2_qwen2_nfc") {
        j["normalizer"] = {{"type", "NFC"}};
        j["pre_tokenizer"] = split(slim::tok::Regex::kQwen2Pattern);
        j["added_tokens"].push_back(addedToken("<tool>", 50257, true, true, true));
        j["added_tokens"].push_back(addedToken("<|im_end|>", 50258, true, false, true));
        j["added_tokens"].push_back(addedToken("Robert", 50259, false, false, false, true));
        j["added_tokens"].push_back(addedToken(" wiki", 50260, false, true));
    } else if (recipe == "gpt2_split_zoo") {
        auto splitRule = [](const char* kind, const char* pattern, const char* behavior, bool invert) {
            return json{{"type", "Split"}, {"pattern", {{kind, pattern}}}, {"behavior", behavior}, {"invert", invert}};
        };
        json bl = byteLevel;
        bl["use_regex"] = false;
        j["normalizer"] = {{"type", "Sequence"},
                           {"normalizers", json::array({{{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
                                                        {{"type", "Replace"}, {"pattern", {{"Regex", "\\s{2,}"}}},
                                                         {"content", " | "}},
                                                        {{"type", "Prepend"}, {"prepend", "^"}}})}};
        j["pre_tokenizer"] = {
            {"type", "Sequence"},
            {"pretokenizers", json::array({splitRule("String", "-", "MergedWithNext", false),
                                           splitRule("Regex", "\\p{P}", "Contiguous", false),
                                           splitRule("Regex", "\\s+", "MergedWithPrevious", false),
                                           splitRule("Regex", "[aeiou]", "Removed", false),
                                           splitRule("Regex", "\\p{L}{3}", "Isolated", true),
                                           {{"type", "Digits"}, {"individual_digits", true}}, bl})}};
    }
    return j;
}

} // namespace tokentest
