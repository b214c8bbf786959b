#pragma once
/// @file machine_info.h
/// What a result was measured on: CPU model, logical cores, RAM, OS, the GPU (name, memory, driver
/// through NVML when present) and the library versions, as JSON for result records.

#include <nlohmann/json.hpp>

namespace slim::eval {

/// {"cpu", "logical_cores", "ram_bytes", "os", "gpu": {...} or absent} — `cudaIndex` < 0: no GPU used.
nlohmann::json machineInfo(int cudaIndex);
/// {"slimbench", "libtorch", "nlohmann_json", "sqlite", "compiler", "cuda" (when built with CUDA)}.
nlohmann::json libraryVersions();

} // namespace slim::eval
