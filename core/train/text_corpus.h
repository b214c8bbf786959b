#pragma once
/// @file text_corpus.h
/// Freely licensed English text that is already on the machine, for the offline demo model:
/// the King James Bible of Debian's `bible-kjv-text` (public domain; /usr/lib/bible.data, a
/// windowed LZW file of the Bible Retrieval System) or, as a small fallback, the BSD-licensed
/// `fortunes-min` cookies (/usr/share/games/fortunes).  Plain UTF-8 text files work too.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace slim::train {

/// A corpus as a list of documents (a verse, a fortune, a paragraph), in source order.
struct TextCorpus {
    std::string name;                 ///< "kjv-bible", "fortunes", "text:<file>"
    std::string description;          ///< human readable, with the licence
    std::vector<std::filesystem::path> sources;
    std::vector<std::string> documents;
    int64_t bytes() const;
};

/// The files tried, in order, by loadDemoCorpus() (each may be absent).
std::vector<std::filesystem::path> demoCorpusSearchPaths();

/// Load the first available demo corpus.  `explicitPath` (or env SLIMBENCH_DEMO_CORPUS) names a
/// bible.data file or a plain text file instead.  Throws IoError listing every path tried and
/// the Debian package that provides the text when none is found.
TextCorpus loadDemoCorpus(const std::filesystem::path& explicitPath = {});

/// The King James Bible from a Bible Retrieval System data file ("EC02" header): one document
/// per verse, the "Ge1:1 " reference stripped.  Throws FormatError naming the file and rule.
TextCorpus readBibleData(const std::filesystem::path& file);
/// A fortune(6) file: cookies separated by lines holding a single '%'.  One document per cookie.
TextCorpus readFortuneFile(const std::filesystem::path& file);
/// A UTF-8 text file: one document per non-empty line.
TextCorpus readPlainText(const std::filesystem::path& file);

/// Decompress one block of Unix compress(1) LZW data (".Z" codes, without the 3-byte header).
/// `maxBits` 9..16; `blockMode` enables the CLEAR code 256.  Throws FormatError on a bad code.
std::string lzwDecompress(const unsigned char* data, size_t size, int maxBits, bool blockMode,
                          const std::string& fileForErrors);

/// Train / held-out split: the last `heldoutFraction` of the documents (at least one) is
/// held out, so evaluation text is never seen in training (and is a contiguous, later part).
struct CorpusSplit {
    std::vector<std::string> train;
    std::vector<std::string> heldout;
};
CorpusSplit splitTail(const TextCorpus& corpus, double heldoutFraction);

} // namespace slim::train
