#include "core/eval/energy.h"

#include <dlfcn.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <algorithm>
#include <regex>

namespace slim::eval {

namespace {

double nowSeconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool readU64(const std::filesystem::path& p, uint64_t& out, std::string* why) {
    std::ifstream f(p);
    if (!f) {
        if (why)
            *why = p.string() + ": " + std::strerror(errno);
        return false;
    }
    f >> out;
    if (!f) {
        if (why)
            *why = p.string() + ": not a number";
        return false;
    }
    return true;
}

// NVML's C API, declared here (no header needed): nvmlReturn_t is an int, 0 = success.
using nvmlDevice_t = void*;
using FnInit = int (*)();
using FnShutdown = int (*)();
using FnHandle = int (*)(unsigned, nvmlDevice_t*);
using FnEnergy = int (*)(nvmlDevice_t, unsigned long long*);
using FnPower = int (*)(nvmlDevice_t, unsigned*);
using FnName = int (*)(nvmlDevice_t, char*, unsigned);
using FnDriver = int (*)(char*, unsigned);
using FnMemory = int (*)(nvmlDevice_t, void*);
using FnPowerLimit = int (*)(nvmlDevice_t, unsigned*);
using FnMaxClock = int (*)(nvmlDevice_t, int, unsigned*);   // nvmlDeviceGetMaxClockInfo(dev, type, MHz)
using FnBusWidth = int (*)(nvmlDevice_t, unsigned*);         // nvmlDeviceGetMemoryBusWidth(dev, bits)
using FnCount = int (*)(unsigned*);                          // nvmlDeviceGetCount_v2
using FnCapability = int (*)(nvmlDevice_t, int*, int*);      // nvmlDeviceGetCudaComputeCapability
constexpr int kNvmlClockMem = 2;                             // NVML_CLOCK_MEM

} // namespace

struct NvmlSession {
    void* lib = nullptr;
    FnShutdown shutdown = nullptr;
    FnEnergy energy = nullptr;
    FnPower power = nullptr;
    FnName name = nullptr;
    FnDriver driver = nullptr;
    FnMemory memory = nullptr;
    FnPowerLimit powerLimit = nullptr;
    FnMaxClock maxClock = nullptr;
    FnBusWidth busWidth = nullptr;
    nvmlDevice_t device = nullptr;

    /// Load the library and open device `index`; an empty string on success, else the reason.
    std::string open(int index) {
        lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            const char* e = dlerror();
            return std::string("NVML not found: ") + (e ? e : "libnvidia-ml.so.1");
        }
        auto init = reinterpret_cast<FnInit>(dlsym(lib, "nvmlInit_v2"));
        auto handle = reinterpret_cast<FnHandle>(dlsym(lib, "nvmlDeviceGetHandleByIndex_v2"));
        shutdown = reinterpret_cast<FnShutdown>(dlsym(lib, "nvmlShutdown"));
        energy = reinterpret_cast<FnEnergy>(dlsym(lib, "nvmlDeviceGetTotalEnergyConsumption"));
        power = reinterpret_cast<FnPower>(dlsym(lib, "nvmlDeviceGetPowerUsage"));
        name = reinterpret_cast<FnName>(dlsym(lib, "nvmlDeviceGetName"));
        driver = reinterpret_cast<FnDriver>(dlsym(lib, "nvmlSystemGetDriverVersion"));
        memory = reinterpret_cast<FnMemory>(dlsym(lib, "nvmlDeviceGetMemoryInfo"));
        powerLimit = reinterpret_cast<FnPowerLimit>(dlsym(lib, "nvmlDeviceGetEnforcedPowerLimit"));
        maxClock = reinterpret_cast<FnMaxClock>(dlsym(lib, "nvmlDeviceGetMaxClockInfo"));
        busWidth = reinterpret_cast<FnBusWidth>(dlsym(lib, "nvmlDeviceGetMemoryBusWidth"));
        if (!init || !handle || !shutdown)
            return "NVML found but without nvmlInit_v2 / nvmlDeviceGetHandleByIndex_v2";
        if (int rc = init(); rc != 0)
            return "NVML could not initialise (nvmlInit_v2 returned " + std::to_string(rc) + ")";
        if (int rc = handle(static_cast<unsigned>(index), &device); rc != 0) {
            shutdown();
            shutdown = nullptr;
            return "NVML has no device " + std::to_string(index) + " (error " + std::to_string(rc) + ")";
        }
        return {};
    }
    std::string deviceName() const {
        char buf[128] = {};
        return name && name(device, buf, sizeof buf) == 0 ? std::string(buf) : std::string("NVIDIA GPU");
    }
    ~NvmlSession() {
        if (shutdown)
            shutdown();
        if (lib)
            dlclose(lib);
    }
};

nlohmann::json EnergyReading::toJson() const {
    if (!available)
        return {{"available", false}, {"reason", reason}};
    nlohmann::json j = {{"available", true}, {"source", source}, {"device", device}, {"joules", joules},
                        {"seconds", seconds}, {"mean_watts", meanWatts}};
    if (samples)
        j["samples"] = samples;
    return j;
}

uint64_t counterDelta(uint64_t before, uint64_t after, uint64_t maxRange) {
    if (after >= before)
        return after - before;
    return maxRange > before ? maxRange - before + after : after;   // one wrap
}

double trapezoidJoules(const std::vector<std::pair<double, double>>& s) {
    double j = 0.0;
    for (size_t i = 1; i < s.size(); ++i)
        j += 0.5 * (s[i].second + s[i - 1].second) * (s[i].first - s[i - 1].first);
    return j;
}

std::vector<RaplDomain> findRaplDomains(const std::filesystem::path& root, std::string* reason) {
    std::vector<RaplDomain> out;
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
        if (reason)
            *reason = "RAPL not available: " + root.string() + " does not exist";
        return out;
    }
    static const std::regex package(R"(intel-rapl:\d+)");
    std::vector<std::filesystem::path> dirs;
    for (const auto& e : std::filesystem::directory_iterator(root, ec))
        if (std::regex_match(e.path().filename().string(), package))
            dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end());
    if (dirs.empty()) {
        if (reason)
            *reason = "RAPL not available: no intel-rapl:N package domain under " + root.string();
        return out;
    }
    for (const auto& d : dirs) {
        RaplDomain r;
        r.energyFile = d / "energy_uj";
        uint64_t probe = 0;
        std::string why;
        if (!readU64(r.energyFile, probe, &why)) {
            if (reason)
                *reason = "RAPL not readable: " + why;
            return {};
        }
        readU64(d / "max_energy_range_uj", r.maxRange, nullptr);
        std::ifstream n(d / "name");
        std::getline(n, r.name);
        if (r.name.empty())
            r.name = d.filename().string();
        out.push_back(std::move(r));
    }
    return out;
}

EnergyMeter::EnergyMeter(int cudaIndex, std::filesystem::path powercapRoot)
    : m_cudaIndex(cudaIndex), m_powercap(std::move(powercapRoot)) {
    if (cudaIndex >= 0) {
        m_nvml = std::make_unique<NvmlSession>();
        m_reason = m_nvml->open(cudaIndex);
        if (!m_reason.empty()) {
            m_nvml.reset();
            return;
        }
        m_deviceName = m_nvml->deviceName();
        unsigned long long mj = 0;
        unsigned mw = 0;
        if (m_nvml->energy && m_nvml->energy(m_nvml->device, &mj) == 0)
            m_source = "nvml-energy-counter";
        else if (m_nvml->power && m_nvml->power(m_nvml->device, &mw) == 0)
            m_source = "nvml-power-sampling";
        else
            m_reason = "NVML reports neither total energy nor power for " + m_deviceName;
        return;
    }
    const auto domains = findRaplDomains(m_powercap, &m_reason);
    for (const auto& d : domains)
        m_rapl.push_back({d.energyFile, d.maxRange, 0, d.name});
    if (!m_rapl.empty()) {
        m_source = "rapl";
        for (const auto& r : m_rapl)
            m_deviceName += (m_deviceName.empty() ? "" : "+") + r.name;
    }
}

EnergyMeter::~EnergyMeter() {
    m_stop = true;
    if (m_sampler.joinable())
        m_sampler.join();
}

void EnergyMeter::start() {
    if (!available())
        return;
    m_t0 = nowSeconds();
    m_samples.clear();
    if (m_source == "rapl") {
        for (auto& r : m_rapl)
            readU64(r.energyFile, r.start, nullptr);
    } else if (m_source == "nvml-energy-counter") {
        m_nvml->energy(m_nvml->device, &m_startMj);
    } else {
        m_stop = false;
        m_sampler = std::thread([this] {
            while (!m_stop) {
                unsigned mw = 0;
                if (m_nvml->power(m_nvml->device, &mw) == 0)
                    m_samples.emplace_back(nowSeconds() - m_t0, mw / 1000.0);
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }
}

EnergyReading EnergyMeter::stop() {
    EnergyReading r;
    if (!available()) {
        r.reason = m_reason;
        return r;
    }
    r.available = true;
    r.source = m_source;
    r.device = m_deviceName;
    if (m_source == "rapl") {
        uint64_t uj = 0;
        for (const auto& d : m_rapl) {
            uint64_t now = 0;
            if (!readU64(d.energyFile, now, &r.reason)) {
                r.available = false;
                return r;
            }
            uj += counterDelta(d.start, now, d.maxRange);
        }
        r.seconds = nowSeconds() - m_t0;
        r.joules = static_cast<double>(uj) * 1e-6;
    } else if (m_source == "nvml-energy-counter") {
        unsigned long long mj = 0;
        m_nvml->energy(m_nvml->device, &mj);
        r.seconds = nowSeconds() - m_t0;
        r.joules = static_cast<double>(mj - m_startMj) * 1e-3;
    } else {
        m_stop = true;
        if (m_sampler.joinable())
            m_sampler.join();
        r.seconds = nowSeconds() - m_t0;
        r.samples = static_cast<int64_t>(m_samples.size());
        r.joules = trapezoidJoules(m_samples);
        if (m_samples.size() < 2) {
            r.available = false;
            r.reason = "the region was shorter than two power samples (20 ms apart)";
        }
    }
    r.meanWatts = r.seconds > 0 ? r.joules / r.seconds : 0.0;
    return r;
}

nlohmann::json nvmlDeviceInfo(int cudaIndex) {
    // A separate NVML session for the static facts.  nvmlMemory_t = {total, free, used} bytes.
    struct Memory { unsigned long long total, free, used; };
    auto n = std::make_unique<NvmlSession>();
    const std::string why = n->open(cudaIndex);
    if (!why.empty())
        return {{"available", false}, {"reason", why}};
    nlohmann::json j = {{"available", true}, {"name", n->deviceName()}};
    char buf[96] = {};
    if (n->driver && n->driver(buf, sizeof buf) == 0)
        j["driver"] = std::string(buf);
    Memory mem{};
    if (n->memory && n->memory(n->device, &mem) == 0)
        j["memory_bytes"] = mem.total;
    unsigned limit = 0;
    if (n->powerLimit && n->powerLimit(n->device, &limit) == 0)
        j["power_limit_w"] = limit / 1000.0;
    // Peak memory bandwidth from the memory clock and bus width: double data rate, so
    // 2 transfers per clock × bus width in bytes (H100 SXM: 2619 MHz × 5120 bit → 3.35 TB/s).
    unsigned mhz = 0, bits = 0;
    if (n->maxClock && n->busWidth && n->maxClock(n->device, kNvmlClockMem, &mhz) == 0 &&
        n->busWidth(n->device, &bits) == 0 && mhz > 0 && bits > 0) {
        j["memory_max_clock_mhz"] = mhz;
        j["memory_bus_width_bits"] = bits;
        j["memory_bandwidth_bytes_per_s"] = 2.0 * mhz * 1e6 * bits / 8.0;
    }
    return j;
}

nlohmann::json nvmlDevices() {
    struct Memory { unsigned long long total, free, used; };
    auto n = std::make_unique<NvmlSession>();
    const std::string why = n->open(0);
    if (!why.empty())
        return {{"available", false}, {"reason", why}};
    auto count = reinterpret_cast<FnCount>(dlsym(n->lib, "nvmlDeviceGetCount_v2"));
    auto handle = reinterpret_cast<FnHandle>(dlsym(n->lib, "nvmlDeviceGetHandleByIndex_v2"));
    auto capability = reinterpret_cast<FnCapability>(dlsym(n->lib, "nvmlDeviceGetCudaComputeCapability"));
    unsigned total = 0;
    if (!count || count(&total) != 0)
        return {{"available", false}, {"reason", "NVML cannot count the devices"}};
    nlohmann::json arr = nlohmann::json::array();
    for (unsigned i = 0; i < total; ++i) {
        if (handle(i, &n->device) != 0)
            continue;
        nlohmann::json d = {{"index", i}, {"name", n->deviceName()}};
        Memory mem{};
        if (n->memory && n->memory(n->device, &mem) == 0) {
            d["memory_total_bytes"] = mem.total;
            d["memory_free_bytes"] = mem.free;
        }
        int major = 0, minor = 0;
        if (capability && capability(n->device, &major, &minor) == 0)
            d["compute_capability"] = std::to_string(major) + "." + std::to_string(minor);
        arr.push_back(std::move(d));
    }
    return {{"available", true}, {"devices", arr}};
}

} // namespace slim::eval
