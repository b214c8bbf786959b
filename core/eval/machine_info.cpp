#include "core/eval/machine_info.h"

#include "core/eval/energy.h"

#include <sqlite3.h>
#include <torch/version.h>

#include <fstream>
#include <string>
#include <thread>

#ifndef SLIMBENCH_VERSION
#define SLIMBENCH_VERSION "unknown"
#endif

namespace slim::eval {

namespace {

/// The value after "key<spaces>:" or "key=" on the first matching line of a text file.
std::string field(const char* file, const std::string& key, char sep) {
    std::ifstream f(file);
    std::string line;
    while (std::getline(f, line)) {
        if (line.compare(0, key.size(), key) != 0)
            continue;
        const auto p = line.find(sep, key.size());
        if (p == std::string::npos)
            continue;
        std::string v = line.substr(p + 1);
        const auto b = v.find_first_not_of(" \t\"");
        const auto e = v.find_last_not_of(" \t\"");
        return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
    }
    return {};
}

} // namespace

nlohmann::json machineInfo(int cudaIndex) {
    nlohmann::json j;
    const std::string cpu = field("/proc/cpuinfo", "model name", ':');
    j["cpu"] = cpu.empty() ? "unknown" : cpu;
    j["logical_cores"] = std::thread::hardware_concurrency();
    const std::string mem = field("/proc/meminfo", "MemTotal", ':');   // "24575996 kB"
    try {
        j["ram_bytes"] = static_cast<int64_t>(std::stoll(mem)) * 1024;
    } catch (const std::exception&) {
        j["ram_bytes"] = nullptr;
    }
    const std::string os = field("/etc/os-release", "PRETTY_NAME", '=');
    j["os"] = os.empty() ? "unknown" : os;
    if (cudaIndex >= 0)
        j["gpu"] = nvmlDeviceInfo(cudaIndex);
    return j;
}

nlohmann::json libraryVersions() {
    nlohmann::json j = {
        {"slimbench", SLIMBENCH_VERSION},
        {"libtorch", TORCH_VERSION},
        {"nlohmann_json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_MINOR) +
                              "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
        {"sqlite", sqlite3_libversion()},
        {"compiler", __VERSION__},
    };
#ifdef SLIMBENCH_WITH_CUDA
    j["cuda_build"] = true;
#endif
    return j;
}

} // namespace slim::eval
