#pragma once
/// @file bpe_trainer.h
/// Trains a sentencepiece-style byte-fallback BPE vocabulary (the Llama-2 / TinyLlama kind) on
/// plain text and writes it as a Hugging Face tokenizer.json that `tokenizers` (and
/// slim::tok::Tokenizer) load and encode with exactly the segmentation used in training.
///
/// Vocabulary layout (as Llama-2's): 0 <unk>, 1 <s>, 2 </s>, 3..258 <0x00>..<0xFF>, then the
/// single characters of the corpus (by frequency), then one token per merge in merge order.
///
/// Pre-tokenization: Metaspace ("▁" replaces ' ', prepended to the text unless it starts with
/// one; prepend_scheme "first", split false — the transformers 5 spelling; no normalizer).
/// Training counts *units*: a "▁" starts a unit, and a unit also ends where the character class
/// changes (letters / digits / other) and after every digit.  Every merged token is therefore
/// "▁"? + one class, so no merge can span a unit boundary when the whole text is encoded at once,
/// and applying the merges by rank (what HF BPE does) reproduces the training segmentation:
/// a merge of rank j only involves tokens that existed before step j, so once merges 1..k have
/// been applied no pair of rank < k can appear again (Sennrich et al. 2016, "Neural Machine
/// Translation of Rare Words with Subword Units", and sentencepiece's BPE model).

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace slim { class JobContext; }

namespace slim::train {

/// The Metaspace replacement character U+2581 in UTF-8.
inline constexpr std::string_view kMetaspace = "\xE2\x96\x81";

struct BpeTrainerOptions {
    /// Total vocabulary size including the 3 special and 256 byte tokens.
    int32_t vocabSize = 4096;
    /// Characters seen fewer times than this are left to byte fallback.
    int64_t minCharCount = 2;
    /// Training stops early when the most frequent pair is rarer than this.
    int64_t minPairCount = 2;
    /// Maximum length (tokens) written to tokenizer_config.json's model_max_length.
    int64_t modelMaxLength = 2048;
};

/// A trained vocabulary + merges.  Encoding here is a reference implementation of exactly what
/// HF `tokenizers` does with the tokenizer.json written by toTokenizerJson(); it is used to
/// encode training corpora quickly (units are cached) and in tests as a cross-check.
class BpeModel {
public:
    static constexpr int32_t kUnkId = 0;
    static constexpr int32_t kBosId = 1;
    static constexpr int32_t kEosId = 2;
    static constexpr int32_t kFirstByteId = 3;
    static constexpr int32_t kFirstCharId = kFirstByteId + 256;

    BpeModel() = default;
    BpeModel(std::vector<std::string> vocab, std::vector<std::pair<int32_t, int32_t>> merges);

    int32_t vocabSize() const { return static_cast<int32_t>(m_vocab.size()); }
    const std::vector<std::string>& vocab() const { return m_vocab; }
    /// Merges in rank order, as (left id, right id); each creates the token of the joined strings
    /// (normally a new one; two pairs may spell the same token, as HF BPE allows).
    const std::vector<std::pair<int32_t, int32_t>>& merges() const { return m_merges; }
    int32_t tokenId(std::string_view token) const;   ///< -1 when absent

    /// Ids of `text` as tokenizers would produce them (Metaspace + BPE + byte fallback), with a
    /// leading <s> when addBos.
    std::vector<int32_t> encode(std::string_view text, bool addBos = true) const;
    /// Text of ids (the decoder pipeline: ▁ -> ' ', byte fallback, strip one leading space).
    std::string decode(const std::vector<int32_t>& ids) const;

    /// The tokenizer.json document (HF tokenizers format, Llama-2 style with Metaspace).
    nlohmann::json toTokenizerJson() const;
    /// tokenizer_config.json for transformers (PreTrainedTokenizerFast, add_bos_token).
    nlohmann::json toTokenizerConfigJson(int64_t modelMaxLength) const;
    /// Write tokenizer.json and tokenizer_config.json into `dir` (atomic per file).
    void save(const std::filesystem::path& dir, int64_t modelMaxLength) const;

    /// Metaspace-normalise a text: ' ' -> ▁, ▁ prepended unless already first.
    static std::string metaspace(std::string_view text);
    /// Split a Metaspace-normalised text into training units (see the file comment).
    static std::vector<std::string_view> splitUnits(std::string_view normalized);

private:
    /// Initial symbols of a unit (chars or their fallback bytes), then merges by rank.
    std::vector<int32_t> encodeUnit(std::string_view unit) const;

    std::vector<std::string> m_vocab;
    std::vector<std::pair<int32_t, int32_t>> m_merges;
    std::unordered_map<std::string, int32_t> m_ids;
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> m_mergeRank;  // pair -> (rank, new id)
    mutable std::unordered_map<std::string, std::vector<int32_t>> m_cache;
};

/// Counts units of a corpus, then learns merges greedily (most frequent pair first; ties by
/// the smaller pair of ids, so training is deterministic).  Pair counts are updated
/// incrementally and only for the words that contain the merged pair; a lazy max-heap finds the
/// best pair.
class BpeTrainer {
public:
    explicit BpeTrainer(BpeTrainerOptions opts = {});
    /// Add one document (a line, a verse...).  Counting only; cheap.
    void addDocument(std::string_view text);
    /// Learn the vocabulary.  Reports progress and checks cancel through ctx.
    BpeModel train(const JobContext& ctx);

    /// After train(): each distinct training unit and its final segmentation (for tests).
    const std::vector<std::pair<std::string, std::vector<int32_t>>>& segmentation() const { return m_segmentation; }
    int64_t unitCount() const { return static_cast<int64_t>(m_unitCounts.size()); }

private:
    BpeTrainerOptions m_opts;
    std::unordered_map<std::string, int64_t> m_unitCounts;
    std::vector<std::pair<std::string, std::vector<int32_t>>> m_segmentation;
};

/// Split UTF-8 into characters (code points); an invalid byte is a one-byte "character".
std::vector<std::string_view> utf8Chars(std::string_view s);

} // namespace slim::train
