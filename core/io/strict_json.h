#pragma once
/// @file strict_json.h
/// JSON parsing for untrusted files (safetensors headers, checkpoint indexes, config.json):
/// valid UTF-8 only, duplicate keys refused (nlohmann::json silently keeps one), nesting depth
/// bounded, a Git LFS pointer recognised.  Errors are FormatError(file, rule) with the position.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace slim::io {

struct StrictJsonOptions {
    int maxDepth = 64;                     ///< deepest allowed nesting of objects / arrays
    std::string topLevelKeyNoun = "key";   ///< how a duplicate top-level key is named ("tensor name")
};

/// Parse `text` or throw FormatError naming `file` and the rule broken.
nlohmann::json parseJsonStrict(std::string_view text, const std::string& file, const StrictJsonOptions& opts = {});

/// True when `bytes` starts like a Git LFS pointer file ("version https://git-lfs").
bool looksLikeLfsPointer(std::string_view bytes);
/// The message for a Git LFS pointer found in place of a file's content.
std::string lfsPointerMessage();

/// Offset of the first byte that is not valid UTF-8 (overlong forms and surrogates refused),
/// or std::string_view::npos when all of `text` is valid.
size_t firstInvalidUtf8(std::string_view text);

} // namespace slim::io
