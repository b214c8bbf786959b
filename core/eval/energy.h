#pragma once
/// @file energy.h
/// Energy of a measured region (the speed runs), from hardware counters only — never estimated:
///  - NVIDIA GPUs: NVML, loaded at run time with dlopen("libnvidia-ml.so.1") (no link dependency);
///    the board's total-energy counter (nvmlDeviceGetTotalEnergyConsumption, mJ, Volta and newer)
///    read before and after, or, where that is not supported, board power
///    (nvmlDeviceGetPowerUsage, mW) sampled every 20 ms by a thread and integrated (trapezoid).
///    The NVML index is the CUDA index (right unless CUDA_VISIBLE_DEVICES reorders devices).
///  - CPU: Intel/AMD RAPL package counters, /sys/class/powercap/intel-rapl:N/energy_uj (µJ, wrapping
///    at max_energy_range_uj), summed over packages (sub-domains are not added twice).
///  - otherwise: available = false with the reason ("NVML not found: ...", "RAPL not readable:
///    permission denied") — a record then says "not available".

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace slim::eval {

struct NvmlSession;   // energy.cpp: the dlopen'ed NVML and one device

struct EnergyReading {
    bool available = false;
    std::string reason;           ///< why not available
    std::string source;           ///< "nvml-energy-counter", "nvml-power-sampling", "rapl"
    std::string device;           ///< "NVIDIA H100 80GB HBM3", "package-0+package-1"
    double joules = 0.0, seconds = 0.0, meanWatts = 0.0;
    int64_t samples = 0;          ///< power samples (sampling only)
    nlohmann::json toJson() const;
};

/// Measures one region: start(), run the work, stop().  Reusable.
class EnergyMeter {
public:
    /// cudaIndex >= 0: that GPU through NVML; -1: the CPU packages through RAPL.
    explicit EnergyMeter(int cudaIndex, std::filesystem::path powercapRoot = "/sys/class/powercap");
    ~EnergyMeter();
    EnergyMeter(const EnergyMeter&) = delete;
    EnergyMeter& operator=(const EnergyMeter&) = delete;

    /// Whether a counter is there at all (and if not, why).
    bool available() const { return m_reason.empty(); }
    const std::string& reason() const { return m_reason; }
    void start();
    EnergyReading stop();

private:
    int m_cudaIndex;
    std::filesystem::path m_powercap;
    std::string m_reason, m_source, m_deviceName;
    std::unique_ptr<NvmlSession> m_nvml;
    // RAPL
    struct RaplState { std::filesystem::path energyFile; uint64_t maxRange = 0; uint64_t start = 0; std::string name; };
    std::vector<RaplState> m_rapl;
    // NVML
    unsigned long long m_startMj = 0;
    std::vector<std::pair<double, double>> m_samples;   // (seconds since start, watts)
    std::thread m_sampler;
    std::atomic<bool> m_stop{false};
    double m_t0 = 0.0;
};

/// The package-level RAPL domains under a powercap root (intel-rapl:N, not intel-rapl:N:M).
/// Empty with `reason` set when there are none or they cannot be read.
struct RaplDomain {
    std::filesystem::path energyFile;
    uint64_t maxRange = 0;
    std::string name;
};
std::vector<RaplDomain> findRaplDomains(const std::filesystem::path& powercapRoot, std::string* reason);
/// Energy counter difference with one wraparound at maxRange.
uint64_t counterDelta(uint64_t before, uint64_t after, uint64_t maxRange);
/// ∫ P dt over (seconds, watts) samples by the trapezoid rule.
double trapezoidJoules(const std::vector<std::pair<double, double>>& samples);

/// NVML's view of a GPU when the library is there: {"name", "driver", "memory_bytes", "power_limit_w",
/// "memory_max_clock_mhz", "memory_bus_width_bits", "memory_bandwidth_bytes_per_s"};
/// {"available": false, "reason"} otherwise.
nlohmann::json nvmlDeviceInfo(int cudaIndex);
/// Every GPU NVML sees: {"available": true, "devices": [{"index", "name", "memory_total_bytes",
/// "memory_free_bytes", "compute_capability"}]}, or {"available": false, "reason": ...}.
nlohmann::json nvmlDevices();

} // namespace slim::eval
