#pragma once
/// @file fingerprint.h
/// A model's identity for result records, independent of where the folder lives:
///   fingerprint = SHA-256 over "slimbench-fingerprint-v1\n", the canonical config.json (parsed and
///   re-serialised with sorted keys, no whitespace) and the tensor index (one line per tensor, by
///   name: "name dtype d0,d1,...").
/// The same checkpoint copied elsewhere has the same fingerprint; any change of the config or of a
/// tensor's name, dtype or shape changes it.  It does not read the weights: two checkpoints that
/// differ only in values (e.g. fine-tuned) share it — weightsFingerprint() tells those apart.

#include <filesystem>
#include <string>

namespace slim { class JobContext; }

namespace slim::results {

/// 64 hex characters.  Errors (missing config, bad safetensors) name the file and the rule.
std::string modelFingerprint(const std::filesystem::path& dir);
/// SHA-256 over the fingerprint and every tensor's raw bytes in name order (reads the whole model).
std::string weightsFingerprint(const std::filesystem::path& dir, const JobContext& ctx);

} // namespace slim::results
