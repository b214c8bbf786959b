#pragma once
/// @file host_memory.h
/// Host memory checks: refuse a load that would not fit instead of being killed by the OOM killer.

#include <cstdint>
#include <string>

namespace slim::model {

/// MemAvailable from /proc/meminfo in bytes (-1 when unknown).
int64_t availableHostMemory();
/// Peak resident set size of this process (VmHWM) in bytes (-1 when unknown).
int64_t peakResidentBytes();
/// Current resident set size (VmRSS) in bytes (-1 when unknown).
int64_t residentBytes();
/// Throws OutOfMemoryError("<context>: needs X GiB of host memory, Y GiB available") when
/// `bytes` (plus a 10% margin) exceeds the available memory.
void ensureHostMemory(int64_t bytes, const std::string& context);
/// "1.23 GiB", "512.0 MiB"...
std::string formatBytes(int64_t bytes);
/// MemTotal of /proc/meminfo in bytes (-1 when unreadable).
int64_t totalHostMemory();

} // namespace slim::model
