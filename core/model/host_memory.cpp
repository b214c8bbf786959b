#include "core/model/host_memory.h"

#include "core/common/errors.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace slim::model {

namespace {
int64_t readKbField(const char* file, const std::string& key) {
    std::ifstream f(file);
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind(key, 0) == 0) {
            std::istringstream is(line.substr(key.size()));
            int64_t kb = -1;
            is >> kb;
            return kb < 0 ? -1 : kb * 1024;
        }
    }
    return -1;
}
} // namespace

int64_t availableHostMemory() { return readKbField("/proc/meminfo", "MemAvailable:"); }
int64_t totalHostMemory() { return readKbField("/proc/meminfo", "MemTotal:"); }
int64_t peakResidentBytes() { return readKbField("/proc/self/status", "VmHWM:"); }
int64_t residentBytes() { return readKbField("/proc/self/status", "VmRSS:"); }

std::string formatBytes(int64_t bytes) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return buf;
}

void ensureHostMemory(int64_t bytes, const std::string& context) {
    const int64_t avail = availableHostMemory();
    if (avail < 0)
        return;  // unknown: let the allocator decide
    const int64_t needed = bytes + bytes / 10;
    if (needed > avail)
        throw OutOfMemoryError(context + ": needs about " + formatBytes(needed) + " of host memory, only " +
                               formatBytes(avail) + " available");
}

} // namespace slim::model
