#include "core/analysis/calibration.h"

#include "core/analysis/file_hash.h"
#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <limits>
#include <random>

namespace slim::analysis {

std::string_view calibrationModeName(CalibrationMode m) {
    return m == CalibrationMode::Random ? "random" : "sequential";
}

CalibrationMode parseCalibrationMode(std::string_view name) {
    if (name == "random")
        return CalibrationMode::Random;
    if (name == "sequential")
        return CalibrationMode::Sequential;
    throw ConfigError("calibration mode '" + std::string(name) + "': expected random or sequential");
}

std::vector<int64_t> randomWindowStarts(uint64_t seed, int64_t count, int64_t streamLength, int64_t windowLength) {
    if (count < 0 || windowLength < 1)
        throw ConfigError("random calibration windows: need count >= 0 and window length >= 1");
    // GPTQ draws randint(0, T - L - 1) (inclusive), i.e. T - L possible starts.
    const int64_t range = streamLength - windowLength;
    if (range < 1)
        throw ConfigError("random calibration windows: the text has " + std::to_string(streamLength) +
                          " tokens, random windows of " + std::to_string(windowLength) +
                          " tokens need at least " + std::to_string(windowLength + 1));
    std::mt19937_64 rng(seed);
    const uint64_t r = static_cast<uint64_t>(range);
    // Accept the first 2^64 - (2^64 mod r) outputs only (a multiple of r): no modulo bias.
    const uint64_t rem = (std::numeric_limits<uint64_t>::max() % r + 1) % r;   // 2^64 mod r
    const uint64_t maxAccepted = std::numeric_limits<uint64_t>::max() - rem;
    std::vector<int64_t> starts;
    starts.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) {
        uint64_t x = rng();
        while (x > maxAccepted)
            x = rng();
        starts.push_back(static_cast<int64_t>(x % r));
    }
    return starts;
}

CalibrationSet calibrationFromTokens(std::span<const int32_t> stream, const CalibrationOptions& o,
                                     std::optional<int32_t> bosId, const std::string& sourceName) {
    if (o.numSamples < 1)
        throw ConfigError("calibration: the number of samples must be >= 1 (got " + std::to_string(o.numSamples) + ")");
    if (o.sampleLength < (o.bosPerSample ? 2 : 1))
        throw ConfigError("calibration: the sample length must be >= " + std::string(o.bosPerSample ? "2" : "1") +
                          " (got " + std::to_string(o.sampleLength) + ")");
    // 2^32 tokens (32 GiB of ids) is far beyond any calibration set; above it N·L may overflow.
    constexpr int64_t kMaxCalibrationTokens = int64_t(1) << 32;
    if (o.numSamples > kMaxCalibrationTokens / o.sampleLength)
        throw ConfigError("calibration: " + std::to_string(o.numSamples) + " samples of " +
                          std::to_string(o.sampleLength) + " tokens exceed the limit of 2^32 tokens");
    if (o.bosPerSample && !bosId)
        throw ConfigError("calibration: BOS per sample was asked for but the tokenizer has no BOS token");
    const int64_t T = static_cast<int64_t>(stream.size());
    const int64_t N = o.numSamples;
    const int64_t L = o.sampleLength;
    const int64_t W = o.bosPerSample ? L - 1 : L;   // stream tokens per window

    CalibrationSet set;
    set.options = o;
    set.sourceFile = sourceName;
    set.streamTokens = T;
    if (o.bosPerSample)
        set.bosId = bosId;
    if (o.mode == CalibrationMode::Sequential) {
        if (N * W > T)
            throw ConfigError(sourceName + ": " + std::to_string(T) + " tokens, " + std::to_string(N) +
                              " sequential windows of " + std::to_string(W) + " tokens need " + std::to_string(N * W));
        for (int64_t i = 0; i < N; ++i)
            set.starts.push_back(i * W);
    } else {
        try {
            set.starts = randomWindowStarts(o.seed, N, T, W);
        } catch (ConfigError& e) {
            e.addContext(sourceName);
            throw;
        }
    }
    set.ids = at::empty({N, L}, at::kLong);
    auto acc = set.ids.accessor<int64_t, 2>();
    for (int64_t i = 0; i < N; ++i) {
        int64_t col = 0;
        if (o.bosPerSample)
            acc[i][col++] = *bosId;
        for (int64_t k = 0; k < W; ++k)
            acc[i][col++] = stream[static_cast<size_t>(set.starts[static_cast<size_t>(i)] + k)];
    }
    return set;
}

CalibrationSet makeCalibration(const std::filesystem::path& textFile, const tok::Tokenizer& tokenizer,
                               const CalibrationOptions& options, const JobContext& ctx) {
    return withContext("calibration data from " + textFile.string(), [&] {
        ctx.setStatus("reading " + textFile.string());
        const std::string text = io::readTextFile(textFile);
        ctx.checkCancel();
        ctx.setStatus("tokenizing " + textFile.string());
        const std::vector<int32_t> stream = tokenizer.encode(text, /*addSpecialTokens=*/false);
        ctx.checkCancel();
        CalibrationSet set = calibrationFromTokens(stream, options, tokenizer.bosId(), textFile.string());
        set.sourceSha256 = sha256Hex(text);
        set.sourceBytes = text.size();
        set.tokenizer = tokenizer.describe();
        ctx.setProgress(1.0);
        return set;
    });
}

nlohmann::json CalibrationSet::toJson() const {
    nlohmann::json j = {
        {"file", sourceFile},
        {"sha256", sourceSha256},
        {"bytes", sourceBytes},
        {"mode", calibrationModeName(options.mode)},
        {"samples", numSamples()},
        {"length", sampleLength()},
        {"bos_per_sample", options.bosPerSample},
        {"stream_tokens", streamTokens},
        {"tokenizer", tokenizer},
        {"tokenization", "whole file once, no special tokens"},
        {"starts", starts},
    };
    if (options.mode == CalibrationMode::Random) {
        j["seed"] = options.seed;
        j["rng"] = "mt19937_64, start = x mod (T-W) with rejection of x >= largest multiple of (T-W); "
                   "start in [0, T-W-1] like GPTQ get_wikitext2";
    }
    if (bosId)
        j["bos_id"] = *bosId;
    return j;
}

} // namespace slim::analysis
