#pragma once
// Shared by the libFuzzer targets (docs/input-validation.md): the parsers take files (they mmap),
// so each input is written to one scratch file in /dev/shm (or TMPDIR).  Every slim::Error is an
// expected, clean refusal; anything else — another exception type, a crash, a sanitizer report —
// is a finding.
#include "core/common/errors.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace slimfuzz {

inline const std::filesystem::path& scratch(const char* name) {
    static const std::filesystem::path p = [&] {
        const char* dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
        return std::filesystem::path(dir) / ("slimfuzz-" + std::to_string(::getpid()) + "-" + name);
    }();
    return p;
}

inline void writeInput(const std::filesystem::path& p, const uint8_t* data, size_t size) {
    FILE* f = std::fopen(p.c_str(), "wb");
    if (!f)
        std::abort();
    if (size && std::fwrite(data, 1, size, f) != size)
        std::abort();
    std::fclose(f);
}

} // namespace slimfuzz
