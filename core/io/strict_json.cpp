#include "core/io/strict_json.h"

#include "core/common/errors.h"

#include <unordered_set>
#include <vector>

namespace slim::io {

namespace {

struct ObjectFrame {
    std::unordered_set<std::string> keys;
    std::string lastKey;
};

/// nlohmann's messages start with "[json.exception.parse_error.101] "; the id means nothing to users.
std::string stripExceptionId(const std::string& what) {
    const auto close = what.find("] ");
    return (what.rfind("[json.exception.", 0) == 0 && close != std::string::npos) ? what.substr(close + 2) : what;
}

} // namespace

bool looksLikeLfsPointer(std::string_view bytes) {
    return bytes.rfind("version https://git-lfs", 0) == 0;
}

std::string lfsPointerMessage() {
    return "this is a Git LFS pointer file, not the real content: the weights were never downloaded "
           "(run `git lfs pull` in the repository, or download with huggingface-cli / hf download)";
}

size_t firstInvalidUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned c = p[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return i; // continuation byte, overlong lead (C0/C1) or above U+10FFFF (F5..FF)
        }
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; ++k) {
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return std::string_view::npos;
}

nlohmann::json parseJsonStrict(std::string_view text, const std::string& file, const StrictJsonOptions& opts) {
    if (looksLikeLfsPointer(text))
        throw FormatError(file, lfsPointerMessage());
    if (const size_t bad = firstInvalidUtf8(text); bad != std::string_view::npos)
        throw FormatError(file, "not valid UTF-8 (byte offset " + std::to_string(bad) + ")");

    std::vector<ObjectFrame> frames;
    auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) -> bool {
        using E = nlohmann::json::parse_event_t;
        switch (event) {
        case E::object_start:
        case E::array_start:
            if (depth >= opts.maxDepth)
                throw FormatError(file, "JSON nested deeper than " + std::to_string(opts.maxDepth) + " levels");
            if (event == E::object_start)
                frames.emplace_back();
            break;
        case E::object_end:
            if (!frames.empty())
                frames.pop_back();
            break;
        case E::key: {
            auto& frame = frames.back();
            std::string key = parsed.get<std::string>();
            if (!frame.keys.insert(key).second) {
                if (frames.size() == 1)
                    throw FormatError(file, "duplicate " + opts.topLevelKeyNoun + " \"" + key + "\"");
                throw FormatError(file, "duplicate key \"" + key + "\" inside \"" +
                                            frames[frames.size() - 2].lastKey + "\"");
            }
            frame.lastKey = std::move(key);
            break;
        }
        default:
            break;
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(file, "invalid JSON: " + stripExceptionId(e.what()));
    }
}

} // namespace slim::io
