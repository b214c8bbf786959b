#pragma once
/// @file bandwidth.h
/// The memory bandwidth of the device a benchmark runs on, so that the batch-1 decode bound
/// (weight bytes read per token / bandwidth) comes from the hardware actually used, never a constant.
///  - spec: NVIDIA GPUs through NVML (max memory clock × bus width × 2 for double data rate);
///  - measured: on GPUs a device-to-device copy of a large buffer (bytes read + bytes written per
///    second); on the CPU a read of a large buffer by the CPU kernels' threads — what batch-1 decode
///    does (it only reads weights), and what a streaming kernel can reach in practice;
///  - override: what the user passes (`bench --bandwidth BYTES_PER_S`).
/// The bound uses the override, else the spec, else the measured copy; the choice is reported.

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace slim::eval {

struct BandwidthInfo {
    std::string device;       ///< "NVIDIA H200", "cpu (2 threads)"
    double specBytesPerS = 0; ///< 0 when unknown
    std::string specSource;   ///< "nvml: 3201 MHz x 6144 bit" or why it is unknown
    double copyBytesPerS = 0; ///< measured; 0 when not measured
    int64_t copyBufferBytes = 0;  ///< the buffer of either measurement
    double readBytesPerS = 0;     ///< CPU: measured read; 0 when not measured
    double usedBytesPerS = 0; ///< what the bound is computed with
    std::string used;         ///< "override", "spec", "measured-copy", "measured-read"

    /// Tokens per second if every weight byte is read once per token at usedBytesPerS.
    double boundTokensPerS(int64_t weightBytesPerToken) const;
    nlohmann::json toJson() const;
};

/// Time `reps` copies of a `bytes`-sized buffer on `device`; returns (read + written bytes) / s,
/// the best of the repetitions (after one warm-up copy).
double measureCopyBandwidth(const at::Device& device, int64_t bytes, int reps = 5);

/// Bytes read per second when the CPU kernels' threads stream a `bytes` buffer (best of `reps`).
double measureHostReadBandwidth(int64_t bytes, int reps = 5);

/// Spec (NVML, CUDA only), measured copy (when `measure`), override; see the file comment.
BandwidthInfo memoryBandwidth(const at::Device& device, std::optional<double> overrideBytesPerS, bool measure = true);

} // namespace slim::eval
