#pragma once
/// @file checkpoint.h
/// A Hugging Face checkpoint folder: one model.safetensors or shards listed in
/// model.safetensors.index.json (validated: plain file names, no escapes, every tensor where
/// the index says).  Pickle formats (.bin/.pt/.pth) are refused with a conversion hint.

#include "core/io/safetensors.h"

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace slim::io {

class Checkpoint {
public:
    /// Open every shard of the folder and validate the index.  Throws FormatError / IoError.
    static Checkpoint open(const std::filesystem::path& dir);

    const std::filesystem::path& dir() const { return m_dir; }
    /// All tensor names, sorted.
    std::vector<std::string> names() const;
    bool contains(const std::string& name) const { return m_where.count(name) != 0; }
    /// Header entry of a tensor (throws FormatError naming the folder if absent).
    const TensorInfo& info(const std::string& name) const;
    /// The shard holding a tensor.
    const SafetensorsFile& fileOf(const std::string& name) const;
    /// Load a tensor into an aligned CPU tensor of its stored dtype.
    at::Tensor load(const std::string& name) const;
    /// Total bytes of tensor data, and by dtype name ("BF16" -> bytes).
    uint64_t totalBytes() const;
    std::map<std::string, uint64_t> bytesByDType() const;
    const std::vector<std::shared_ptr<SafetensorsFile>>& shards() const { return m_shards; }

private:
    std::filesystem::path m_dir;
    std::vector<std::shared_ptr<SafetensorsFile>> m_shards;
    std::map<std::string, std::pair<size_t, const TensorInfo*>> m_where;
};

/// Write a checkpoint folder's weights: one file when below `maxShardBytes`, else shards
/// `model-0000k-of-0000n.safetensors` + `model.safetensors.index.json`.  Atomic per file.
void writeCheckpointWeights(const std::filesystem::path& dir, const std::vector<NamedTensor>& tensors,
                            uint64_t maxShardBytes = 5ull << 30);

} // namespace slim::io
