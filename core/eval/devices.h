#pragma once
/// @file devices.h
/// The devices this build can run on, for the GUI's device choice and `slimbench-cli devices`: the CPU
/// (its memory from /proc/meminfo) and each CUDA GPU (name, memory total / free, compute capability,
/// from NVML), with the dtypes each supports.  A GPU that NVML sees but this build cannot use (a
/// LibTorch without CUDA) is listed as not usable, with the reason, rather than hidden.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace slim::eval {

struct DeviceInfo {
    std::string id;               ///< "cpu", "cuda:0", ... (what --device takes)
    std::string name;             ///< "AMD EPYC", "NVIDIA H200"
    int64_t totalBytes = -1;      ///< -1 = unknown
    int64_t freeBytes = -1;
    std::string computeCapability; ///< "9.0" (GPUs)
    std::vector<std::string> dtypes; ///< what --dtype can be here, the recommended one first
    bool usable = true;
    std::string note;             ///< why not usable, or a hint
};

struct DeviceList {
    std::vector<DeviceInfo> devices;
    bool cudaBuild = false;       ///< this build's LibTorch has CUDA
    std::string libtorch;         ///< LibTorch version
    std::string cuda;             ///< CUDA runtime version of the build ("" = none)
    nlohmann::json toJson() const;
    /// Inverse of toJson (ConfigError naming the field when malformed).
    static DeviceList fromJson(const nlohmann::json& j);
};

/// The dtypes a device supports, the recommended first: CPU fp32, bf16; GPU bf16 (compute capability
/// 8.0 and newer), fp16, fp32.
std::vector<std::string> supportedDtypes(const std::string& deviceId, const std::string& computeCapability);

DeviceList listDevices();

} // namespace slim::eval
