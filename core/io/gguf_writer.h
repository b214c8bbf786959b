#pragma once
/// @file gguf_writer.h
/// Writer of GGUF v3 files (llama.cpp's format, ggml/src/gguf.cpp; docs/gguf.md of ggml): header,
/// metadata key/values, tensor infos (ggml order: shape[0] = the fastest-varying dimension), data
/// aligned to `general.alignment` (32).  Tensor bytes are produced one tensor at a time by a callback
/// while the file is streamed to a temp file that is renamed into place at the end (atomic).

#include "core/io/gguf_reader.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace slim::io {

class GgufWriter {
public:
    void addString(const std::string& key, const std::string& v);
    void addU32(const std::string& key, uint32_t v);
    void addI32(const std::string& key, int32_t v);
    void addF32(const std::string& key, float v);
    void addBool(const std::string& key, bool v);
    void addStringArray(const std::string& key, const std::vector<std::string>& v);
    void addF32Array(const std::string& key, const std::vector<float>& v);
    void addI32Array(const std::string& key, const std::vector<int32_t>& v);
    void addU32Array(const std::string& key, const std::vector<uint32_t>& v);

    /// A tensor of ggml `type` with ggml-order `shape` whose `nbytes` bytes `produce` returns.
    void addTensor(const std::string& name, std::vector<uint64_t> shape, uint32_t type, uint64_t nbytes,
                   std::function<std::vector<uint8_t>()> produce);

    /// Write the file atomically; `progress(done, total)` after each tensor.  IoError naming the
    /// file on failure (the target is untouched); FormatError if a tensor produces the wrong size.
    void write(const std::filesystem::path& path, const std::function<void(size_t, size_t)>& progress = {}) const;

    static constexpr uint64_t kAlignment = 32;

private:
    struct Tensor {
        std::string name;
        std::vector<uint64_t> shape;
        uint32_t type;
        uint64_t nbytes;
        std::function<std::vector<uint8_t>()> produce;
    };
    std::vector<uint8_t> m_kv;
    uint64_t m_kvCount = 0;
    std::vector<Tensor> m_tensors;
    void key(const std::string& k, GgufType t);
};

} // namespace slim::io
