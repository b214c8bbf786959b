#include "core/train/text_corpus.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

namespace fs = std::filesystem;

namespace slim::train {

namespace {

constexpr size_t kMaxCorpusBytes = 256u << 20;   // refuse anything absurd for a demo corpus
constexpr size_t kMaxWindowBytes = 16u << 20;

uint32_t be32(const unsigned char* p) {
    return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

std::string collapseSpaces(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
        } else {
            if (space)
                out += ' ';
            space = false;
            out += c;
        }
    }
    return out;
}

bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiDigit(char c) { return c >= '0' && c <= '9'; }

/// Length of a leading verse reference "Ge1:1 " / "1Jo3:16 " / "Rev22:21 ", or 0 when absent.
size_t verseReferenceLength(std::string_view line) {
    size_t i = 0;
    if (i < line.size() && line[i] >= '1' && line[i] <= '3')
        ++i;
    const size_t bookStart = i;
    while (i < line.size() && isAsciiAlpha(line[i]))
        ++i;
    if (i == bookStart)
        return 0;
    const size_t chapterStart = i;
    while (i < line.size() && isAsciiDigit(line[i]))
        ++i;
    if (i == chapterStart || i >= line.size() || line[i] != ':')
        return 0;
    const size_t verseStart = ++i;
    while (i < line.size() && isAsciiDigit(line[i]))
        ++i;
    if (i == verseStart || i >= line.size() || line[i] != ' ')
        return 0;
    return i + 1;
}

std::string envString(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

} // namespace

int64_t TextCorpus::bytes() const {
    int64_t n = 0;
    for (const auto& d : documents)
        n += static_cast<int64_t>(d.size());
    return n;
}

// Unix compress(1) LZW, as its decompressor reads it (Welch 1984, "A Technique for
// High-Performance Data Compression"; the .Z code layout of compress 4.0): codes are packed
// LSB first in groups of n_bits bytes (8 codes); when the code width grows or a CLEAR code
// arrives, the rest of the current group is skipped.
std::string lzwDecompress(const unsigned char* data, size_t size, int maxBits, bool blockMode,
                          const std::string& file) {
    if (maxBits < 9 || maxBits > 16)
        throw FormatError(file, "LZW maximum code width " + std::to_string(maxBits) + " is outside 9..16");
    constexpr int kInitBits = 9;
    constexpr int kClear = 256;
    const int first = blockMode ? 257 : 256;
    const int maxMaxCode = 1 << maxBits;
    std::vector<uint16_t> prefix(static_cast<size_t>(maxMaxCode), 0);
    std::vector<unsigned char> suffix(static_cast<size_t>(maxMaxCode), 0);
    for (int c = 0; c < 256; ++c)
        suffix[c] = static_cast<unsigned char>(c);

    int nBits = kInitBits;
    int maxCode = (1 << nBits) - 1;
    int freeEnt = first;
    bool clearFlag = false;
    size_t pos = 0;
    std::array<unsigned char, 24> group{};
    int64_t groupBits = 0, offset = 0;

    auto nextCode = [&]() -> int {
        if (clearFlag || offset >= groupBits || freeEnt > maxCode) {
            if (freeEnt > maxCode) {
                ++nBits;
                maxCode = nBits == maxBits ? maxMaxCode : (1 << nBits) - 1;
            }
            if (clearFlag) {
                nBits = kInitBits;
                maxCode = (1 << nBits) - 1;
                clearFlag = false;
            }
            const size_t n = std::min(static_cast<size_t>(nBits), size - pos);
            if (n == 0)
                return -1;
            group.fill(0);
            std::memcpy(group.data(), data + pos, n);
            pos += n;
            offset = 0;
            groupBits = static_cast<int64_t>(n) * 8 - (nBits - 1);   // whole codes only
            if (groupBits <= 0)
                return -1;
        }
        uint32_t code = 0;
        for (int b = 0; b < nBits; ++b) {
            const int64_t bit = offset + b;
            code |= uint32_t((group[static_cast<size_t>(bit >> 3)] >> (bit & 7)) & 1u) << b;
        }
        offset += nBits;
        return static_cast<int>(code);
    };

    std::string out;
    int oldCode = nextCode();
    if (oldCode < 0)
        return out;
    if (oldCode >= 256)
        throw FormatError(file, "LZW stream must start with a literal code, found " + std::to_string(oldCode));
    int finChar = oldCode;
    out += static_cast<char>(finChar);
    std::string stack;
    for (int code; (code = nextCode()) >= 0;) {
        if (code == kClear && blockMode) {
            clearFlag = true;
            freeEnt = first - 1;
            if ((code = nextCode()) < 0)
                break;
        }
        const int inCode = code;
        if (code >= freeEnt) {
            // The KwKwK case: the code being defined right now.
            if (code > freeEnt)
                throw FormatError(file, "LZW code " + std::to_string(code) + " is beyond the next free entry " +
                                            std::to_string(freeEnt));
            stack += static_cast<char>(finChar);
            code = oldCode;
        }
        while (code >= 256) {
            stack += static_cast<char>(suffix[code]);
            code = prefix[code];
            if (stack.size() > static_cast<size_t>(maxMaxCode))
                throw FormatError(file, "LZW string table has a cycle");
        }
        finChar = suffix[code];
        stack += static_cast<char>(finChar);
        out.append(stack.rbegin(), stack.rend());
        stack.clear();
        if (out.size() > kMaxWindowBytes)
            throw FormatError(file, "LZW block expands beyond " + std::to_string(kMaxWindowBytes) + " bytes");
        if (freeEnt < maxMaxCode) {
            prefix[freeEnt] = static_cast<uint16_t>(oldCode);
            suffix[freeEnt] = static_cast<unsigned char>(finChar);
            ++freeEnt;
        }
        oldCode = inCode;
    }
    return out;
}

// Layout of the Bible Retrieval System data file (bible-kjv's tsl.h, format "EC" "02"):
//   0..1 "EC", 2..3 "02", 4..83 description, 84..87 window size, 88..91 window count
//   (big-endian), then window count + 1 file offsets (the last is the end of the data), then
//   a compress(1) header (1F 9D flags) followed by the windows, each an independent LZW block
//   that expands to exactly one window (the last may be shorter).
TextCorpus readBibleData(const fs::path& path) {
    const std::string file = path.string();
    const std::string raw = io::readTextFile(path, kMaxCorpusBytes);
    const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
    if (raw.size() < 92 || raw.compare(0, 4, "EC02") != 0)
        throw FormatError(file, "not a Bible Retrieval System data file (the header must start with \"EC02\")");
    const uint32_t wsize = be32(p + 84);
    const uint32_t wnum = be32(p + 88);
    if (wsize < 256 || wsize > kMaxWindowBytes)
        throw FormatError(file, "window size " + std::to_string(wsize) + " is outside 256.." + std::to_string(kMaxWindowBytes));
    if (wnum < 1 || wnum > 1'000'000 || 92 + 4ull * (wnum + 1) + 3 > raw.size())
        throw FormatError(file, "window count " + std::to_string(wnum) + " does not fit the file size " +
                                    std::to_string(raw.size()));
    const size_t tableEnd = 92 + 4ull * (wnum + 1);
    std::vector<uint64_t> offsets(wnum + 1);
    for (uint32_t i = 0; i <= wnum; ++i) {
        offsets[i] = be32(p + 92 + 4ull * i);
        if (offsets[i] > raw.size() || (i > 0 && offsets[i] < offsets[i - 1]) || offsets[i] < tableEnd + 3)
            throw FormatError(file, "window offset " + std::to_string(i) + " (" + std::to_string(offsets[i]) +
                                        ") is out of order or outside the file");
    }
    if (p[tableEnd] != 0x1F || p[tableEnd + 1] != 0x9D)
        throw FormatError(file, "the compressed data does not start with the compress(1) magic 1F 9D");
    const int maxBits = p[tableEnd + 2] & 0x1F;
    const bool blockMode = (p[tableEnd + 2] & 0x80) != 0;

    std::string text;
    text.reserve(static_cast<size_t>(wsize) * wnum);
    for (uint32_t w = 0; w < wnum; ++w) {
        std::string win = lzwDecompress(p + offsets[w], offsets[w + 1] - offsets[w], maxBits, blockMode, file);
        if (win.size() > wsize || (w + 1 < wnum && win.size() != wsize))
            throw FormatError(file, "window " + std::to_string(w) + " expands to " + std::to_string(win.size()) +
                                        " bytes, expected " + std::to_string(wsize));
        text += win;
    }

    TextCorpus c;
    c.name = "kjv-bible";
    c.description = "King James Version of the Bible (1611; public domain), Debian package bible-kjv-text";
    c.sources = {path};
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string_view line(text.data() + start, end - start);
        if (const size_t ref = verseReferenceLength(line); ref > 0) {
            std::string verse = collapseSpaces(line.substr(ref));
            if (!verse.empty())
                c.documents.push_back(std::move(verse));
        }
        start = end + 1;
    }
    if (c.documents.size() < 1000)
        throw FormatError(file, "only " + std::to_string(c.documents.size()) +
                                    " verses found (expected ~31,000 lines like \"Ge1:1 In the beginning...\")");
    return c;
}

TextCorpus readFortuneFile(const fs::path& path) {
    const std::string text = io::readTextFile(path, kMaxCorpusBytes);
    TextCorpus c;
    c.name = "fortunes";
    c.description = "fortune cookies (BSD licence), Debian package fortunes-min";
    c.sources = {path};
    std::string cookie;
    size_t start = 0;
    auto flush = [&] {
        std::string doc = collapseSpaces(cookie);
        if (!doc.empty())
            c.documents.push_back(std::move(doc));
        cookie.clear();
    };
    while (start <= text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string_view line(text.data() + start, end - start);
        if (line == "%")
            flush();
        else
            cookie.append(line).push_back('\n');
        start = end + 1;
    }
    flush();
    return c;
}

TextCorpus readPlainText(const fs::path& path) {
    const std::string text = io::readTextFile(path, kMaxCorpusBytes);
    TextCorpus c;
    c.name = "text:" + path.filename().string();
    c.description = "plain text file " + path.string();
    c.sources = {path};
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string doc = collapseSpaces(std::string_view(text.data() + start, end - start));
        if (!doc.empty())
            c.documents.push_back(std::move(doc));
        start = end + 1;
    }
    if (c.documents.empty())
        throw FormatError(path.string(), "the text file holds no non-empty line");
    return c;
}

std::vector<fs::path> demoCorpusSearchPaths() {
    return {
        "/usr/lib/bible.data",                 // Debian / Ubuntu bible-kjv-text
        "/usr/share/bible-kjv/bible.data",
        "/usr/local/lib/bible.data",
        "/usr/share/games/fortunes/literature", // Debian fortunes-min (fallback, ~100 KB)
        "/usr/share/games/fortune/literature",  // Fedora fortune-mod
    };
}

TextCorpus loadDemoCorpus(const fs::path& explicitPath) {
    fs::path chosen = explicitPath;
    if (chosen.empty())
        chosen = envString("SLIMBENCH_DEMO_CORPUS");
    if (!chosen.empty()) {
        std::error_code ec;
        if (!fs::is_regular_file(chosen, ec))
            throw IoError("demo corpus " + chosen.string() + " is not a readable file");
        const std::string head = io::readTextFile(chosen, kMaxCorpusBytes).substr(0, 4);
        return head == "EC02" ? readBibleData(chosen) : readPlainText(chosen);
    }
    std::string tried;
    for (const fs::path& p : demoCorpusSearchPaths()) {
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) {
            tried += "\n  " + p.string();
            continue;
        }
        if (p.filename() == "bible.data")
            return readBibleData(p);
        // fortunes: every cookie file of the folder (fortunes, literature, riddles)
        TextCorpus all;
        for (const char* name : {"fortunes", "literature", "riddles"}) {
            const fs::path f = p.parent_path() / name;
            if (!fs::is_regular_file(f, ec))
                continue;
            TextCorpus part = readFortuneFile(f);
            all.name = part.name;
            all.description = part.description;
            all.sources.push_back(f);
            for (auto& d : part.documents)
                all.documents.push_back(std::move(d));
        }
        if (all.documents.size() >= 20)
            return all;
        tried += "\n  " + p.string() + " (too few cookies)";
    }
    throw IoError("no demo training text found; tried:" + tried +
                  "\nInstall the public-domain King James Bible with `apt install bible-kjv-text` "
                  "(or fortunes-min), or pass a UTF-8 text file with --corpus FILE / SLIMBENCH_DEMO_CORPUS");
}

CorpusSplit splitTail(const TextCorpus& corpus, double heldoutFraction) {
    const size_t n = corpus.documents.size();
    if (n < 2)
        throw ConfigError("corpus '" + corpus.name + "' has " + std::to_string(n) +
                          " documents; a train / held-out split needs at least 2");
    if (!(heldoutFraction > 0.0 && heldoutFraction < 1.0))
        throw ConfigError("held-out fraction " + std::to_string(heldoutFraction) + " must lie in (0, 1)");
    size_t nHeld = static_cast<size_t>(static_cast<double>(n) * heldoutFraction);
    nHeld = std::clamp<size_t>(nHeld, 1, n - 1);
    CorpusSplit s;
    s.train.assign(corpus.documents.begin(), corpus.documents.end() - static_cast<std::ptrdiff_t>(nHeld));
    s.heldout.assign(corpus.documents.end() - static_cast<std::ptrdiff_t>(nHeld), corpus.documents.end());
    return s;
}

} // namespace slim::train
