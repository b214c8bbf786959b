#include "core/train/bpe_trainer.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <queue>
#include <tuple>

namespace slim::train {

namespace {

uint64_t pairKey(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

std::string byteToken(unsigned b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    return buf;
}

/// Character classes that bound training units.
enum class CharClass { Letter, Digit, Other };

CharClass classOf(std::string_view ch) {
    const unsigned char c = static_cast<unsigned char>(ch[0]);
    if (c >= 0x80)
        return CharClass::Letter;  // non-ASCII letters keep words together (é, ß...)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return CharClass::Letter;
    if (c >= '0' && c <= '9')
        return CharClass::Digit;
    return CharClass::Other;
}

/// Characters that never get a vocabulary entry of their own: control characters (byte
/// fallback covers them) and ' ' (Metaspace replaced it).  Keeping them out also keeps the
/// "a b" merge strings unambiguous.
bool excludedChar(std::string_view ch) {
    const unsigned char c = static_cast<unsigned char>(ch[0]);
    if (ch.size() == 1)
        return c < 0x21 || c == 0x7F || c >= 0x80;  // a lone byte >= 0x80 is invalid UTF-8
    return false;
}

size_t utf8Length(unsigned char lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 0;
}

} // namespace

std::vector<std::string_view> utf8Chars(std::string_view s) {
    std::vector<std::string_view> out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        size_t n = utf8Length(static_cast<unsigned char>(s[i]));
        bool ok = n > 0 && i + n <= s.size();
        for (size_t k = 1; ok && k < n; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (!ok)
            n = 1;
        out.push_back(s.substr(i, n));
        i += n;
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// BpeModel

BpeModel::BpeModel(std::vector<std::string> vocab, std::vector<std::pair<int32_t, int32_t>> merges)
    : m_vocab(std::move(vocab)), m_merges(std::move(merges)) {
    for (size_t i = 0; i < m_vocab.size(); ++i) {
        if (!m_ids.emplace(m_vocab[i], static_cast<int32_t>(i)).second)
            throw ConfigError("BPE vocabulary: token '" + m_vocab[i] + "' appears twice");
    }
    for (size_t r = 0; r < m_merges.size(); ++r) {
        const auto [a, b] = m_merges[r];
        const auto it = m_ids.find(m_vocab.at(a) + m_vocab.at(b));
        if (it == m_ids.end())
            throw ConfigError("BPE merges: the result of merge " + std::to_string(r) + " is not in the vocabulary");
        m_mergeRank.emplace(pairKey(a, b), std::make_pair(static_cast<int32_t>(r), it->second));
    }
}

int32_t BpeModel::tokenId(std::string_view token) const {
    const auto it = m_ids.find(std::string(token));
    return it == m_ids.end() ? -1 : it->second;
}

std::string BpeModel::metaspace(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 8);
    if (text.empty() || text[0] != ' ')
        if (text.substr(0, kMetaspace.size()) != kMetaspace)
            out += kMetaspace;
    for (char c : text) {
        if (c == ' ')
            out += kMetaspace;
        else
            out += c;
    }
    return out;
}

std::vector<std::string_view> BpeModel::splitUnits(std::string_view normalized) {
    std::vector<std::string_view> units;
    const auto chars = utf8Chars(normalized);
    size_t start = 0;   // byte offset of the current unit
    size_t pos = 0;
    for (size_t i = 0; i < chars.size(); ++i) {
        if (i > 0) {
            const bool isMeta = chars[i] == kMetaspace;
            const bool prevMeta = chars[i - 1] == kMetaspace;
            bool boundary = isMeta;
            if (!boundary && !prevMeta) {
                const CharClass a = classOf(chars[i - 1]);
                const CharClass b = classOf(chars[i]);
                boundary = a != b || b == CharClass::Digit;
            }
            if (boundary) {
                units.push_back(normalized.substr(start, pos - start));
                start = pos;
            }
        }
        pos += chars[i].size();
    }
    if (pos > start)
        units.push_back(normalized.substr(start, pos - start));
    return units;
}

std::vector<int32_t> BpeModel::encodeUnit(std::string_view unit) const {
    std::vector<int32_t> syms;
    for (std::string_view ch : utf8Chars(unit)) {
        const auto it = m_ids.find(std::string(ch));
        if (it != m_ids.end() && it->second >= kFirstCharId) {
            syms.push_back(it->second);
        } else {
            for (unsigned char b : ch)
                syms.push_back(kFirstByteId + b);
        }
    }
    // Merge the lowest-rank adjacent pair (leftmost on ties) until none is left: the order
    // HF tokenizers' BPE uses (Word::merge_all).  Units are short, so the quadratic scan is fine.
    while (syms.size() > 1) {
        int32_t bestRank = INT32_MAX, bestId = -1;
        size_t bestPos = 0;
        for (size_t i = 0; i + 1 < syms.size(); ++i) {
            const auto it = m_mergeRank.find(pairKey(syms[i], syms[i + 1]));
            if (it != m_mergeRank.end() && it->second.first < bestRank) {
                bestRank = it->second.first;
                bestId = it->second.second;
                bestPos = i;
            }
        }
        if (bestId < 0)
            break;
        syms[bestPos] = bestId;
        syms.erase(syms.begin() + static_cast<std::ptrdiff_t>(bestPos) + 1);
    }
    return syms;
}

std::vector<int32_t> BpeModel::encode(std::string_view text, bool addBos) const {
    std::vector<int32_t> ids;
    if (addBos)
        ids.push_back(kBosId);
    if (text.empty())
        return ids;
    const std::string norm = metaspace(text);
    for (std::string_view unit : splitUnits(norm)) {
        std::string key(unit);
        auto it = m_cache.find(key);
        if (it == m_cache.end())
            it = m_cache.emplace(std::move(key), encodeUnit(unit)).first;
        ids.insert(ids.end(), it->second.begin(), it->second.end());
    }
    return ids;
}

std::string BpeModel::decode(const std::vector<int32_t>& ids) const {
    std::string out;
    for (int32_t id : ids) {
        if (id < 0 || id >= vocabSize())
            throw ConfigError("BPE decode: id " + std::to_string(id) + " out of range");
        if (id < kFirstByteId)
            continue;
        if (id < kFirstCharId) {
            out += static_cast<char>(id - kFirstByteId);
            continue;
        }
        const std::string& t = m_vocab[id];
        for (size_t i = 0; i < t.size();) {
            if (t.compare(i, kMetaspace.size(), kMetaspace) == 0) {
                out += ' ';
                i += kMetaspace.size();
            } else {
                out += t[i++];
            }
        }
    }
    if (!out.empty() && out[0] == ' ')
        out.erase(0, 1);
    return out;
}

nlohmann::json BpeModel::toTokenizerJson() const {
    using nlohmann::json;
    auto special = [&](int32_t id) {
        return json{{"id", id}, {"content", m_vocab[id]}, {"single_word", false}, {"lstrip", false},
                    {"rstrip", false}, {"normalized", false}, {"special", true}};
    };
    json vocab = json::object();
    for (size_t i = 0; i < m_vocab.size(); ++i)
        vocab[m_vocab[i]] = static_cast<int64_t>(i);
    json merges = json::array();
    for (const auto& [a, b] : m_merges)
        merges.push_back(m_vocab[a] + " " + m_vocab[b]);   // no token contains ' ' (see excludedChar)

    const std::string bos = m_vocab[kBosId];
    json post = {
        {"type", "TemplateProcessing"},
        {"single", json::array({json{{"SpecialToken", {{"id", bos}, {"type_id", 0}}}},
                                json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
        {"pair", json::array({json{{"SpecialToken", {{"id", bos}, {"type_id", 0}}}},
                              json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                              json{{"SpecialToken", {{"id", bos}, {"type_id", 1}}}},
                              json{{"Sequence", {{"id", "B"}, {"type_id", 1}}}}})},
        {"special_tokens", {{bos, {{"id", bos}, {"ids", json::array({kBosId})}, {"tokens", json::array({bos})}}}}}};
    json decoder = {
        {"type", "Sequence"},
        {"decoders", json::array({
            json{{"type", "Replace"}, {"pattern", {{"String", std::string(kMetaspace)}}}, {"content", " "}},
            json{{"type", "ByteFallback"}},
            json{{"type", "Fuse"}},
            json{{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}};
    json model = {
        {"type", "BPE"}, {"dropout", nullptr}, {"unk_token", m_vocab[kUnkId]},
        {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
        {"fuse_unk", true}, {"byte_fallback", true}, {"ignore_merges", false},
        {"vocab", std::move(vocab)}, {"merges", std::move(merges)}};
    return json{
        {"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr},
        {"added_tokens", json::array({special(kUnkId), special(kBosId), special(kEosId)})},
        {"normalizer", nullptr},
        {"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", std::string(kMetaspace)},
                           {"prepend_scheme", "first"}, {"split", false}}},
        {"post_processor", std::move(post)},
        {"decoder", std::move(decoder)},
        {"model", std::move(model)}};
}

nlohmann::json BpeModel::toTokenizerConfigJson(int64_t modelMaxLength) const {
    // PreTrainedTokenizerFast takes tokenizer.json as written (a Llama tokenizer class would
    // rebuild the pipeline from legacy / add_prefix_space flags, differently per version).
    return nlohmann::json{
        {"tokenizer_class", "PreTrainedTokenizerFast"},
        {"add_bos_token", true}, {"add_eos_token", false},
        {"bos_token", m_vocab[kBosId]}, {"eos_token", m_vocab[kEosId]}, {"unk_token", m_vocab[kUnkId]},
        {"pad_token", nullptr}, {"clean_up_tokenization_spaces", false},
        {"model_max_length", modelMaxLength}};
}

void BpeModel::save(const std::filesystem::path& dir, int64_t modelMaxLength) const {
    io::writeFileAtomic(dir / "tokenizer.json", toTokenizerJson().dump(1));
    io::writeFileAtomic(dir / "tokenizer_config.json", toTokenizerConfigJson(modelMaxLength).dump(2));
}

// ---------------------------------------------------------------------------------------------
// BpeTrainer

BpeTrainer::BpeTrainer(BpeTrainerOptions opts) : m_opts(opts) {
    if (m_opts.vocabSize < BpeModel::kFirstCharId + 1)
        throw ConfigError("BPE vocab_size " + std::to_string(m_opts.vocabSize) + " is below the minimum " +
                          std::to_string(BpeModel::kFirstCharId + 1) + " (3 special + 256 byte tokens + 1)");
}

void BpeTrainer::addDocument(std::string_view text) {
    if (text.empty())
        return;
    const std::string norm = BpeModel::metaspace(text);
    for (std::string_view unit : BpeModel::splitUnits(norm))
        ++m_unitCounts[std::string(unit)];
}

BpeModel BpeTrainer::train(const JobContext& ctx) {
    ctx.setStatus("training the BPE vocabulary");
    // Deterministic order of units (unordered_map order is not).
    std::vector<std::pair<std::string, int64_t>> units(m_unitCounts.begin(), m_unitCounts.end());
    std::sort(units.begin(), units.end());

    // 1. Base vocabulary: specials, bytes, characters by frequency.
    std::vector<std::string> vocab = {"<unk>", "<s>", "</s>"};
    for (unsigned b = 0; b < 256; ++b)
        vocab.push_back(byteToken(b));
    std::unordered_map<std::string, int64_t> charCounts;
    for (const auto& [u, n] : units)
        for (std::string_view ch : utf8Chars(u))
            charCounts[std::string(ch)] += n;
    std::vector<std::pair<std::string, int64_t>> chars;
    for (auto& [c, n] : charCounts)
        if (n >= m_opts.minCharCount && !excludedChar(c))
            chars.emplace_back(c, n);
    std::sort(chars.begin(), chars.end(), [](const auto& x, const auto& y) {
        return x.second != y.second ? x.second > y.second : x.first < y.first;
    });
    std::unordered_map<std::string, int32_t> ids;
    for (size_t i = 0; i < vocab.size(); ++i)
        ids.emplace(vocab[i], static_cast<int32_t>(i));
    for (const auto& [c, n] : chars) {
        if (static_cast<int32_t>(vocab.size()) >= m_opts.vocabSize)
            break;
        ids.emplace(c, static_cast<int32_t>(vocab.size()));
        vocab.push_back(c);
    }

    // 2. Words as symbol sequences.
    struct Word {
        std::vector<int32_t> syms;
        int64_t count;
    };
    std::vector<Word> words;
    words.reserve(units.size());
    for (const auto& [u, n] : units) {
        Word w{{}, n};
        for (std::string_view ch : utf8Chars(u)) {
            const auto it = ids.find(std::string(ch));
            if (it != ids.end() && it->second >= BpeModel::kFirstCharId)
                w.syms.push_back(it->second);
            else
                for (unsigned char b : ch)
                    w.syms.push_back(BpeModel::kFirstByteId + b);
        }
        words.push_back(std::move(w));
    }

    // 3. Pair counts and where each pair occurs.  Byte tokens never merge (a merged "<0xE2><0x80>"
    // would not decode through ByteFallback).
    auto mergeable = [](int32_t a, int32_t b) { return a >= BpeModel::kFirstCharId && b >= BpeModel::kFirstCharId; };
    std::unordered_map<uint64_t, int64_t> pairCount;
    std::unordered_map<uint64_t, std::vector<int32_t>> where;
    for (size_t wi = 0; wi < words.size(); ++wi) {
        const auto& s = words[wi].syms;
        for (size_t i = 0; i + 1 < s.size(); ++i) {
            if (!mergeable(s[i], s[i + 1]))
                continue;
            const uint64_t k = pairKey(s[i], s[i + 1]);
            pairCount[k] += words[wi].count;
            auto& wl = where[k];
            if (wl.empty() || wl.back() != static_cast<int32_t>(wi))
                wl.push_back(static_cast<int32_t>(wi));
        }
    }
    // Max-heap of (count, pair) with lazy invalidation: an entry is used only when its count is
    // still current.  Ties go to the smaller pair key (std::greater on the negated key).
    using Entry = std::pair<int64_t, uint64_t>;
    auto cmp = [](const Entry& x, const Entry& y) {
        return x.first != y.first ? x.first < y.first : x.second > y.second;
    };
    std::priority_queue<Entry, std::vector<Entry>, decltype(cmp)> heap(cmp);
    for (const auto& [k, n] : pairCount)
        heap.emplace(n, k);

    std::vector<std::pair<int32_t, int32_t>> merges;
    std::vector<uint32_t> stamp(words.size(), 0);
    uint32_t round = 0;
    const int32_t target = m_opts.vocabSize;
    const int32_t start = static_cast<int32_t>(vocab.size());
    std::vector<uint64_t> touched;
    while (static_cast<int32_t>(vocab.size()) < target && !heap.empty()) {
        const auto [n, k] = heap.top();
        heap.pop();
        const auto pc = pairCount.find(k);
        if (pc == pairCount.end() || pc->second != n)
            continue;   // stale entry; the current count was pushed when it changed
        if (n < m_opts.minPairCount)
            break;
        const int32_t a = static_cast<int32_t>(k >> 32), b = static_cast<int32_t>(k & 0xffffffffu);
        const std::string merged = vocab[a] + vocab[b];
        int32_t z;
        if (auto it = ids.find(merged); it != ids.end()) {
            // The same string reached by another pair ("a bc" after "ab c"): HF BPE allows
            // several merges into one token, so reuse the id.
            z = it->second;
        } else {
            z = static_cast<int32_t>(vocab.size());
            ids.emplace(merged, z);
            vocab.push_back(merged);
        }
        merges.emplace_back(a, b);

        ++round;
        touched.clear();
        auto wl = std::move(where[k]);
        where.erase(k);
        for (int32_t wi : wl) {
            if (stamp[wi] == round)
                continue;
            stamp[wi] = round;
            Word& w = words[wi];
            auto& s = w.syms;
            bool has = false;
            for (size_t i = 0; i + 1 < s.size() && !has; ++i)
                has = s[i] == a && s[i + 1] == b;
            if (!has)
                continue;
            // Remove this word's pairs, merge left to right without overlap, add the new pairs.
            for (size_t i = 0; i + 1 < s.size(); ++i)
                if (mergeable(s[i], s[i + 1])) {
                    const uint64_t pk = pairKey(s[i], s[i + 1]);
                    pairCount[pk] -= w.count;
                    touched.push_back(pk);
                }
            std::vector<int32_t> out;
            out.reserve(s.size());
            for (size_t i = 0; i < s.size();) {
                if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) {
                    out.push_back(z);
                    i += 2;
                } else {
                    out.push_back(s[i++]);
                }
            }
            s = std::move(out);
            for (size_t i = 0; i + 1 < s.size(); ++i)
                if (mergeable(s[i], s[i + 1])) {
                    const uint64_t pk = pairKey(s[i], s[i + 1]);
                    pairCount[pk] += w.count;
                    touched.push_back(pk);
                    if (s[i] == z || s[i + 1] == z) {
                        auto& l = where[pk];
                        if (l.empty() || l.back() != wi)
                            l.push_back(wi);
                    }
                }
        }
        pairCount.erase(k);
        std::sort(touched.begin(), touched.end());
        touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
        for (uint64_t pk : touched) {
            if (pk == k)
                continue;
            const auto it = pairCount.find(pk);
            if (it == pairCount.end())
                continue;
            if (it->second <= 0)
                pairCount.erase(it);
            else
                heap.emplace(it->second, pk);
        }
        if ((merges.size() & 63) == 0) {
            ctx.checkCancel();
            ctx.setProgress(double(vocab.size() - start) / double(std::max(1, target - start)));
        }
    }
    ctx.setProgress(1.0);

    m_segmentation.clear();
    m_segmentation.reserve(units.size());
    for (size_t i = 0; i < units.size(); ++i)
        m_segmentation.emplace_back(units[i].first, std::move(words[i].syms));
    return BpeModel(std::move(vocab), std::move(merges));
}

} // namespace slim::train
