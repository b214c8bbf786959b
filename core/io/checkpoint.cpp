#include "core/io/checkpoint.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <set>

namespace fs = std::filesystem;

namespace slim::io {

namespace {

constexpr const char* kSingleFile = "model.safetensors";
constexpr const char* kIndexFile = "model.safetensors.index.json";
constexpr size_t kMaxIndexBytes = 64u << 20;
constexpr size_t kMaxListed = 5; // names quoted in one error message

bool endsWith(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// Files that would be picked up as weights: `model*.safetensors`.  Other safetensors files
/// (Mistral's consolidated.safetensors, PEFT's adapter_model.safetensors) are not ours to judge.
bool isModelShardName(const std::string& name) {
    return name.rfind("model", 0) == 0 && endsWith(name, ".safetensors");
}

std::vector<std::string> regularFilesIn(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::error_code e2;
        if (e.is_regular_file(e2))
            names.push_back(e.path().filename().string());
    }
    if (ec)
        throw IoError("listing " + dir.string() + ": " + ec.message());
    std::sort(names.begin(), names.end());
    return names;
}

bool isInside(const fs::path& p, const fs::path& root) {
    auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return r == root.end();
}

/// Symlinks are followed only when they stay inside the checkpoint folder, or - for a Hugging
/// Face hub cache snapshot (`.../snapshots/<rev>/`) - inside that repository's `blobs/` folder,
/// where the hub keeps the real files.
void checkSymlinkTarget(const fs::path& dir, const fs::path& file, const std::string& reportFile) {
    std::error_code ec;
    if (!fs::is_symlink(fs::symlink_status(file, ec)))
        return;
    const fs::path target = fs::weakly_canonical(file, ec);
    if (ec)
        throw FormatError(reportFile, "symlink \"" + file.filename().string() + "\" cannot be resolved");
    const fs::path root = fs::weakly_canonical(dir, ec);
    if (isInside(target, root))
        return;
    const fs::path abs = fs::absolute(dir, ec).lexically_normal();
    const fs::path parent = (abs.has_filename() ? abs : abs.parent_path()).parent_path();
    if (parent.filename() == "snapshots") {
        const fs::path blobs = fs::weakly_canonical(parent.parent_path() / "blobs", ec);
        if (!ec && isInside(target, blobs))
            return;
    }
    throw FormatError(reportFile, "symlink \"" + file.filename().string() + "\" leads out of the checkpoint folder (to " +
                                      target.string() + ")");
}

/// weight_map values must be plain file names of this folder.
void checkShardName(const std::string& name, const std::string& tensor, const std::string& indexFile) {
    const std::string who = "weight_map entry for \"" + tensor + "\": shard \"" + name + "\"";
    if (name.empty())
        throw FormatError(indexFile, who + " is empty");
    if (name.find('\0') != std::string::npos)
        throw FormatError(indexFile, who + " contains a NUL byte");
    size_t start = 0;
    while (start <= name.size()) {
        const size_t sep = name.find_first_of("/\\", start);
        const std::string part = name.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
        if (part == "..")
            throw FormatError(indexFile, who + " uses \"..\" to leave the checkpoint folder: only plain file names are allowed");
        if (sep == std::string::npos)
            break;
        start = sep + 1;
    }
    if (name[0] == '/' || name[0] == '\\' || (name.size() > 1 && name[1] == ':'))
        throw FormatError(indexFile, who + " is an absolute path: only plain file names are allowed");
    if (name.find_first_of("/\\") != std::string::npos)
        throw FormatError(indexFile, who + " names a sub-folder: only plain file names are allowed");
    if (name == ".")
        throw FormatError(indexFile, who + " is not a file name");
    if (!endsWith(name, ".safetensors"))
        throw FormatError(indexFile, who + " is not a .safetensors file");
}

[[noreturn]] void refuseFolderWithoutWeights(const fs::path& dir, const std::vector<std::string>& files) {
    std::vector<std::string> pickles, others;
    for (const auto& f : files) {
        if (endsWith(f, ".bin") || endsWith(f, ".pt") || endsWith(f, ".pth") || endsWith(f, ".ckpt") ||
            f == "pytorch_model.bin.index.json")
            pickles.push_back(f);
        else if (endsWith(f, ".safetensors"))
            others.push_back(f);
    }
    if (!pickles.empty())
        throw UnsupportedError(
            dir.string() + ": only pickle weights found (" + pickles.front() +
            (pickles.size() > 1 ? ", ..." : "") +
            "). Pickle files (.bin/.pt/.pth) can run arbitrary code when loaded and are refused; convert them to "
            "safetensors with transformers: AutoModelForCausalLM.from_pretrained(folder)"
            ".save_pretrained(out_folder, safe_serialization=True)");
    std::string rule = std::string("no ") + kSingleFile + " or " + kIndexFile + " in the folder";
    if (!others.empty())
        rule += " (found " + others.front() + (others.size() > 1 ? ", ..." : "") +
                ": shards need their index, and other file names are not Hugging Face checkpoints)";
    throw FormatError(dir.string(), rule);
}

std::string quoteList(const std::vector<std::string>& items) {
    std::string s;
    for (size_t i = 0; i < items.size() && i < kMaxListed; ++i)
        s += (i ? ", " : "") + items[i];
    if (items.size() > kMaxListed)
        s += ", ... (" + std::to_string(items.size()) + " in all)";
    return s;
}

} // namespace

Checkpoint Checkpoint::open(const fs::path& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec))
        throw IoError("opening checkpoint " + dir.string() + ": no such folder");
    if (!fs::is_directory(dir, ec))
        throw IoError("opening checkpoint " + dir.string() + ": not a folder");

    Checkpoint ck;
    ck.m_dir = dir;
    const auto files = regularFilesIn(dir);
    const fs::path indexPath = dir / kIndexFile;
    const std::string indexFile = indexPath.string();

    if (!fs::exists(indexPath, ec)) {
        if (!fs::exists(dir / kSingleFile, ec))
            refuseFolderWithoutWeights(dir, files);
        for (const auto& f : files)
            if (isModelShardName(f) && f != kSingleFile)
                throw FormatError((dir / f).string(), std::string("stray shard next to ") + kSingleFile +
                                                          " without " + kIndexFile + ": which one is the model?");
        checkSymlinkTarget(dir, dir / kSingleFile, (dir / kSingleFile).string());
        ck.m_shards.push_back(SafetensorsFile::open(dir / kSingleFile));
        for (const auto& t : ck.m_shards[0]->tensors())
            ck.m_where.emplace(t.name, std::make_pair(size_t(0), &t));
        return ck;
    }

    const nlohmann::json index = parseJsonStrict(readTextFile(indexPath, kMaxIndexBytes), indexFile);
    if (!index.is_object())
        throw FormatError(indexFile, "not a JSON object");
    const auto wm = index.find("weight_map");
    if (wm == index.end() || !wm->is_object())
        throw FormatError(indexFile, "missing \"weight_map\" object");
    if (const auto md = index.find("metadata"); md != index.end() && !md->is_object() && !md->is_null())
        throw FormatError(indexFile, "\"metadata\" must be an object");

    // Validate every file name before touching any shard.
    std::map<std::string, std::string> tensorToShard;
    std::map<std::string, size_t> shardIndex;
    for (const auto& [tensor, shard] : wm->items()) {
        if (!shard.is_string())
            throw FormatError(indexFile, "weight_map entry for \"" + tensor + "\" must be a file name string");
        const std::string name = shard.get<std::string>();
        checkShardName(name, tensor, indexFile);
        tensorToShard.emplace(tensor, name);
        shardIndex.emplace(name, 0);
    }
    if (tensorToShard.empty())
        throw FormatError(indexFile, "weight_map lists no tensors");
    for (auto& [name, idx] : shardIndex) {
        const fs::path p = dir / name;
        if (!fs::exists(fs::symlink_status(p, ec)) || !fs::exists(p, ec)) {
            std::string example;
            for (const auto& [t, s] : tensorToShard)
                if (s == name) {
                    example = t;
                    break;
                }
            throw FormatError(indexFile, "shard \"" + name + "\" (listed for tensor \"" + example + "\") does not exist");
        }
        checkSymlinkTarget(dir, p, indexFile);
        if (!fs::is_regular_file(p, ec))
            throw FormatError(indexFile, "shard \"" + name + "\" is not a regular file");
    }
    for (const auto& f : files)
        if (isModelShardName(f) && !shardIndex.count(f))
            throw FormatError(indexFile, "stray shard \"" + f + "\" in the folder is not listed in weight_map");

    for (auto& [name, idx] : shardIndex) {
        idx = ck.m_shards.size();
        ck.m_shards.push_back(SafetensorsFile::open(dir / name));
    }

    // Every listed tensor is in the shard named; every tensor of a shard is listed, there.
    for (const auto& [tensor, shard] : tensorToShard) {
        const size_t idx = shardIndex.at(shard);
        const TensorInfo* info = ck.m_shards[idx]->find(tensor);
        if (!info) {
            std::string where;
            for (const auto& [otherName, otherIdx] : shardIndex)
                if (ck.m_shards[otherIdx]->find(tensor))
                    where = " (it is in \"" + otherName + "\")";
            throw FormatError(indexFile, "tensor \"" + tensor + "\" is listed in shard \"" + shard +
                                             "\" but that shard does not contain it" + where);
        }
        ck.m_where.emplace(tensor, std::make_pair(idx, info));
    }
    std::vector<std::string> unlisted;
    for (const auto& [name, idx] : shardIndex)
        for (const auto& t : ck.m_shards[idx]->tensors()) {
            const auto it = tensorToShard.find(t.name);
            if (it == tensorToShard.end())
                unlisted.push_back("\"" + t.name + "\" (in " + name + ")");
            else if (it->second != name)
                throw FormatError(indexFile, "tensor \"" + t.name + "\" is also stored in shard \"" + name +
                                                 "\", but weight_map names \"" + it->second + "\"");
        }
    if (!unlisted.empty())
        throw FormatError(indexFile, "tensors not listed in weight_map: " + quoteList(unlisted));
    return ck;
}

std::vector<std::string> Checkpoint::names() const {
    std::vector<std::string> out;
    out.reserve(m_where.size());
    for (const auto& [name, where] : m_where)
        out.push_back(name);
    return out;
}

const TensorInfo& Checkpoint::info(const std::string& name) const {
    const auto it = m_where.find(name);
    if (it == m_where.end())
        throw FormatError(m_dir.string(), "no tensor named \"" + name + "\" in the checkpoint");
    return *it->second.second;
}

const SafetensorsFile& Checkpoint::fileOf(const std::string& name) const {
    const auto it = m_where.find(name);
    if (it == m_where.end())
        throw FormatError(m_dir.string(), "no tensor named \"" + name + "\" in the checkpoint");
    return *m_shards[it->second.first];
}

at::Tensor Checkpoint::load(const std::string& name) const {
    return fileOf(name).load(info(name));
}

uint64_t Checkpoint::totalBytes() const {
    uint64_t total = 0;
    for (const auto& [name, where] : m_where)
        total += where.second->byteSize();
    return total;
}

std::map<std::string, uint64_t> Checkpoint::bytesByDType() const {
    std::map<std::string, uint64_t> out;
    for (const auto& [name, where] : m_where)
        out[std::string(traits(where.second->dtype).name)] += where.second->byteSize();
    return out;
}

void writeCheckpointWeights(const fs::path& dir, const std::vector<NamedTensor>& tensors, uint64_t maxShardBytes) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        throw IoError("creating folder " + dir.string() + ": " + ec.message());
    std::set<std::string> seen;
    for (const auto& nt : tensors)
        if (!seen.insert(nt.name).second)
            throw FormatError(dir.string(), "duplicate tensor name \"" + nt.name + "\"");

    // Greedy grouping in the given order; a tensor larger than the limit gets a shard of its own.
    std::vector<std::vector<NamedTensor>> groups;
    uint64_t current = 0, total = 0;
    for (const auto& nt : tensors) {
        const uint64_t bytes = nt.tensor.defined() ? uint64_t(nt.tensor.numel()) * nt.tensor.element_size() : 0;
        if (groups.empty() || (current > 0 && current + bytes > maxShardBytes)) {
            groups.emplace_back();
            current = 0;
        }
        groups.back().push_back(nt);
        current += bytes;
        total += bytes;
    }
    // transformers refuses safetensors shards whose metadata lacks format "pt".
    const std::map<std::string, std::string> meta{{"format", "pt"}};
    std::set<std::string> written;
    if (groups.size() <= 1) {
        writeSafetensors(dir / kSingleFile, tensors, meta);
        written.insert(kSingleFile);
        fs::remove(dir / kIndexFile, ec);
    } else {
        nlohmann::json weightMap = nlohmann::json::object();
        const size_t n = groups.size();
        for (size_t i = 0; i < n; ++i) {
            char name[64];
            std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", i + 1, n);
            writeSafetensors(dir / name, groups[i], meta);
            written.insert(name);
            for (const auto& nt : groups[i])
                weightMap[nt.name] = name;
        }
        nlohmann::json index;
        index["metadata"] = {{"total_size", total}};
        index["weight_map"] = std::move(weightMap);
        // The index goes last: until it is renamed into place, the folder still describes the
        // previous weights (or none).
        writeFileAtomic(dir / kIndexFile, index.dump(2) + "\n");
    }
    // Shards of an earlier save would be strays now.
    for (const auto& f : regularFilesIn(dir))
        if (isModelShardName(f) && !written.count(f))
            fs::remove(dir / f, ec);
    syncDirectory(dir);
}

} // namespace slim::io
