#pragma once
/// @file safetensors.h
/// Memory-mapped safetensors reader that enforces every rule of the reference reader
/// (huggingface/safetensors safetensors/src/tensor.rs; see docs/input-validation.md),
/// and an atomic writer (temp file + fsync + rename).

#include "core/io/dtype.h"

// SLIMBENCH_PARSERS_ONLY: the reader without LibTorch (the libFuzzer build, tests/fuzz).
#ifndef SLIMBENCH_PARSERS_ONLY
#include <ATen/core/TensorBody.h>
#endif

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace slim::io {

/// "[4096, 11008]": a tensor shape as error messages write it.
std::string shapeText(const std::vector<int64_t>& shape);


/// Largest header the reader accepts (the reference reader's MAX_HEADER_SIZE).
inline constexpr uint64_t kMaxSafetensorsHeader = 100'000'000;

/// One tensor entry of a safetensors header.
struct TensorInfo {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;     ///< byte offset relative to the start of the data section
    uint64_t end = 0;
    uint64_t byteSize() const { return end - begin; }
    int64_t numel() const;
};

/// A validated, memory-mapped safetensors file.  Thread-safe for concurrent reads.
class SafetensorsFile {
public:
    /// Opens, maps and validates the whole header.  Throws FormatError (naming the file and the
    /// rule) or IoError.  Nothing is allocated for tensor data.
    static std::shared_ptr<SafetensorsFile> open(const std::filesystem::path& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    /// Tensors in file order (sorted by data offset, i.e. the order a sequential read visits them).
    const std::vector<TensorInfo>& tensors() const { return m_tensors; }
    /// nullptr when absent.
    const TensorInfo* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return m_metadata; }
    /// The raw bytes of a tensor inside the mapping (may be unaligned).
    std::span<const std::byte> raw(const TensorInfo& info) const;
#ifndef SLIMBENCH_PARSERS_ONLY
    /// Copy a tensor into a fresh, aligned CPU tensor of its own dtype.  Throws UnsupportedError
    /// when LibTorch has no such dtype (F8 before LibTorch 2.1, F6/F4 packed formats), FormatError
    /// (naming the file) when `name` is absent.
    at::Tensor load(const TensorInfo& info) const;
    at::Tensor load(const std::string& name) const;
#endif
    /// Size of the JSON header in bytes (the N of the first 8 bytes).
    uint64_t headerSize() const { return m_dataStart - 8; }
    uint64_t fileSize() const { return m_fileSize; }

private:
    SafetensorsFile() = default;
    std::filesystem::path m_path;
    std::vector<TensorInfo> m_tensors;
    std::map<std::string, size_t> m_index;
    std::map<std::string, std::string> m_metadata;
    const std::byte* m_map = nullptr;
    uint64_t m_fileSize = 0;
    uint64_t m_dataStart = 0;
};

#ifndef SLIMBENCH_PARSERS_ONLY
/// A named tensor to write.  Tensors are written contiguous, in the given order, little-endian.
struct NamedTensor {
    std::string name;
    at::Tensor tensor;
};


/// Write a safetensors file atomically: `<path>.tmp-<pid>-<n>` + fsync + rename.  The header is
/// padded with spaces to a multiple of 8 bytes.  Never writes over a file that is being read
/// (the rename replaces the directory entry; existing mappings stay valid).  CUDA or
/// non-contiguous tensors are copied to the CPU one at a time.  Throws UnsupportedError for a
/// dtype safetensors cannot hold, FormatError for duplicate / reserved names, IoError on write errors.
void writeSafetensors(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
#endif

} // namespace slim::io
