#pragma once
/// @file calibration.h
/// Calibration data shared by every calibration-based method (layer similarity, activation
/// statistics, Wanda, SparseGPT, GPTQ, AWQ...): N samples of L tokens cut from one text file.
///
/// The file is read byte-exact and tokenized ONCE as a single stream without special tokens
/// (no BOS), then cut into windows:
///  - `Sequential`: the first N consecutive, non-overlapping windows: sample i = tokens
///    [i·L, (i+1)·L).  Deterministic, needs N·L tokens.
///  - `Random`: N windows with random starts, drawn as GPTQ's `get_wikitext2` does
///    (IST-DASLab/gptq datautils.py: `random.seed(seed); i = random.randint(0, T - L - 1)`):
///    start ∈ [0, T − L − 1] uniformly, windows may overlap.  The RNG is std::mt19937_64 seeded
///    with `seed`; each start is `x mod (T − L)` of the first 64-bit output x below the largest
///    multiple of (T − L) (rejection sampling, so no modulo bias).  This is fully specified,
///    unlike std::uniform_int_distribution, so the same seed gives the same windows with every
///    compiler and standard library.  It does NOT reproduce Python's `random` numbers.
///  - `bosPerSample`: each sample is BOS followed by L − 1 stream tokens (the window length is
///    then L − 1), for models that expect a BOS at position 0.
///
/// The result records the file's SHA-256, the mode, seed and window starts, so a result can
/// name exactly which tokens it saw.

#include "core/common/job_context.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slim::tok { class Tokenizer; }

namespace slim::analysis {

enum class CalibrationMode { Random, Sequential };

/// "random" / "sequential".
std::string_view calibrationModeName(CalibrationMode m);
/// Parse "random" / "sequential" (ConfigError naming the value otherwise).
CalibrationMode parseCalibrationMode(std::string_view name);

struct CalibrationOptions {
    int64_t numSamples = 128;      ///< N
    int64_t sampleLength = 2048;   ///< L (tokens per sample, BOS included when bosPerSample)
    CalibrationMode mode = CalibrationMode::Random;
    uint64_t seed = 0;             ///< used by Random only
    bool bosPerSample = false;
};

/// The calibration tokens plus everything a result record needs to reproduce them.
struct CalibrationSet {
    at::Tensor ids;                    ///< (N, L) int64, CPU
    std::vector<int64_t> starts;       ///< stream offset of each window (after the BOS, if any)
    CalibrationOptions options;
    std::string sourceFile;            ///< the text file (as given)
    std::string sourceSha256;          ///< SHA-256 of its bytes
    uint64_t sourceBytes = 0;
    int64_t streamTokens = 0;          ///< tokens of the whole file (no special tokens)
    std::string tokenizer;             ///< Tokenizer::describe()
    std::optional<int32_t> bosId;      ///< the BOS used when bosPerSample

    int64_t numSamples() const { return ids.defined() ? ids.size(0) : 0; }
    int64_t sampleLength() const { return ids.defined() ? ids.size(1) : 0; }
    /// Metadata for result records: file, sha256, bytes, mode, seed, samples, length, bos,
    /// stream tokens, tokenizer, RNG description and the window starts.
    nlohmann::json toJson() const;
};

/// The N window starts of Random mode over a stream of `streamLength` tokens with windows of
/// `windowLength` tokens (see the file comment).  Throws ConfigError when the stream is not
/// longer than one window.
std::vector<int64_t> randomWindowStarts(uint64_t seed, int64_t count, int64_t streamLength, int64_t windowLength);

/// Cut windows from an already tokenized stream.  `bosId` is needed when options.bosPerSample.
/// Throws ConfigError (naming `sourceName` and the counts) when the stream is too short.
CalibrationSet calibrationFromTokens(std::span<const int32_t> stream, const CalibrationOptions& options,
                                     std::optional<int32_t> bosId, const std::string& sourceName = "<tokens>");

/// Read `textFile` (byte-exact), tokenize it once without special tokens and cut the windows.
/// Throws IoError (file), ConfigError (too short, bad options).
CalibrationSet makeCalibration(const std::filesystem::path& textFile, const tok::Tokenizer& tokenizer,
                               const CalibrationOptions& options, const JobContext& ctx = JobContext::none());

} // namespace slim::analysis
