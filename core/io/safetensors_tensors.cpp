// Safetensors: loading validated entries into LibTorch tensors, and the atomic writer.
#include "core/io/safetensors.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/cpu/huge_pages.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <cstring>

#include <sys/mman.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace slim::io {

namespace {
/// The mapped file pages just copied leave this process's resident set (they stay in the page cache;
/// a later read faults them back in), so a loaded model holds one copy of its weights, not two.
void releaseMappedPages(const void* p, size_t bytes) {
    const uintptr_t page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
    if (end > begin)
        (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}
} // namespace

at::Tensor SafetensorsFile::load(const TensorInfo& info) const {
    const auto st = toScalarType(info.dtype);
    if (!st)
        throw UnsupportedError(m_path.string() + ": tensor \"" + info.name + "\" has dtype " +
                               std::string(traits(info.dtype).name) +
                               ", which this LibTorch version cannot represent");
    const auto bytes = raw(info);
    // One copy into LibTorch's aligned allocation, in 2 MiB pages, and the mapped pages released (the
    // mapping may put the data at any byte offset, and file-backed pages are always 4 KiB: decode
    // streams every weight per token, and huge pages measured ~20 % faster than the mapped file).
    at::Tensor t = at::empty(info.shape, at::TensorOptions().dtype(*st).device(at::kCPU));
    if (static_cast<uint64_t>(t.nbytes()) != bytes.size())
        throw FormatError(m_path.string(), "tensor \"" + info.name + "\": size mismatch on load");
    cpu::adviseHugePages(t.data_ptr(), bytes.size());
    if (!bytes.empty())
        std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
    releaseMappedPages(bytes.data(), bytes.size());
    return t;
}

at::Tensor SafetensorsFile::load(const std::string& name) const {
    const TensorInfo* info = find(name);
    if (!info)
        throw FormatError(m_path.string(), "no tensor named \"" + name + "\"");
    return load(*info);
}

void writeSafetensors(const fs::path& path, const std::vector<NamedTensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    const std::string file = path.string();
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json meta = nlohmann::ordered_json::object();
        for (const auto& [k, v] : metadata)
            meta[k] = v;
        header["__metadata__"] = std::move(meta);
    }
    uint64_t offset = 0;
    std::set<std::string> seen;
    for (const auto& nt : tensors) {
        if (nt.name == "__metadata__")
            throw FormatError(file, "\"__metadata__\" is reserved and cannot be a tensor name");
        if (!seen.insert(nt.name).second)
            throw FormatError(file, "duplicate tensor name \"" + nt.name + "\"");
        if (!nt.tensor.defined())
            throw FormatError(file, "tensor \"" + nt.name + "\" is undefined");
        DType dt;
        try {
            dt = fromScalarType(nt.tensor.scalar_type());
        } catch (UnsupportedError& e) {
            e.addContext(file + ": tensor \"" + nt.name + "\"");
            throw;
        }
        const uint64_t bytes = static_cast<uint64_t>(nt.tensor.numel()) * nt.tensor.element_size();
        nlohmann::ordered_json entry;
        entry["dtype"] = std::string(traits(dt).name);
        entry["shape"] = nt.tensor.sizes().vec();
        entry["data_offsets"] = {offset, offset + bytes};
        header[nt.name] = std::move(entry);
        offset += bytes;
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const uint64_t n = text.size();
    if (n > kMaxSafetensorsHeader)
        throw FormatError(file, "header would be " + std::to_string(n) + " bytes, above the format's limit");

    AtomicFileWriter out(path);
    out.write(&n, 8); // little-endian host
    out.write(text.data(), text.size());
    for (const auto& nt : tensors) {
        // One tensor at a time: a model on the GPU never needs a second full copy in host memory.
        at::Tensor t = nt.tensor.resolve_conj().resolve_neg();
        if (!t.device().is_cpu())
            t = t.to(at::kCPU);
        t = t.contiguous();
        if (t.nbytes() > 0)
            out.write(t.data_ptr(), t.nbytes());
    }
    out.commit();
}

} // namespace slim::io
