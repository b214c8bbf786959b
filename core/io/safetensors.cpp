// Safetensors reader (LibTorch-free: the parsers build alone for the fuzz targets; loading into
// tensors and writing live in safetensors_tensors.cpp).  The validation rules mirror the reference reader
// (huggingface/safetensors, safetensors/src/tensor.rs: `SafeTensors::read_metadata` and
// `Metadata::validate`); see docs/input-validation.md.  The code is our own.

#include "core/io/safetensors.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace slim::io {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; a big-endian host would need byte swapping");

namespace {

/// Integers in a header above 2^53 cannot be represented exactly by JSON readers that use
/// doubles; the reference rules treat them as errors.
constexpr uint64_t kMaxJsonInteger = uint64_t(1) << 53;


std::string jsonTypeName(const nlohmann::json& v) {
    if (v.is_number_unsigned())
        return "number";
    if (v.is_number_integer())
        return "negative number";
    if (v.is_number_float())
        return "fractional number";
    return v.type_name();
}

/// A header integer (shape entry or offset): a non-negative integer of at most 2^53.
uint64_t headerInteger(const nlohmann::json& v, const std::string& file, const std::string& what) {
    if (v.is_number_unsigned()) {
        const uint64_t x = v.get<uint64_t>();
        if (x > kMaxJsonInteger)
            throw FormatError(file, what + " is " + std::to_string(x) + ", above the limit 2^53");
        return x;
    }
    if (v.is_number_integer())
        throw FormatError(file, what + " is negative (" + std::to_string(v.get<int64_t>()) + ")");
    if (v.is_number_float())
        throw FormatError(file, what + " is fractional or too large (" + v.dump() + "): must be a non-negative integer");
    throw FormatError(file, what + " is a " + std::string(v.type_name()) + ": must be a non-negative integer");
}

TensorInfo parseTensorEntry(const std::string& name, const nlohmann::json& entry, const std::string& file) {
    const std::string who = "tensor \"" + name + "\"";
    if (!entry.is_object())
        throw FormatError(file, who + ": header entry is a " + std::string(entry.type_name()) + ", not an object");
    TensorInfo info;
    info.name = name;

    const auto dt = entry.find("dtype");
    if (dt == entry.end())
        throw FormatError(file, who + ": missing \"dtype\"");
    if (!dt->is_string())
        throw FormatError(file, who + ": \"dtype\" must be a string");
    const auto dtype = parseDType(dt->get_ref<const std::string&>());
    if (!dtype)
        throw FormatError(file, who + ": unknown dtype \"" + dt->get<std::string>() + "\"");
    info.dtype = *dtype;

    const auto sh = entry.find("shape");
    if (sh == entry.end())
        throw FormatError(file, who + ": missing \"shape\"");
    if (!sh->is_array())
        throw FormatError(file, who + ": \"shape\" must be an array");
    for (size_t i = 0; i < sh->size(); ++i) {
        const uint64_t d = headerInteger((*sh)[i], file, who + ": shape[" + std::to_string(i) + "]");
        info.shape.push_back(static_cast<int64_t>(d));
    }

    const auto off = entry.find("data_offsets");
    if (off == entry.end())
        throw FormatError(file, who + ": missing \"data_offsets\"");
    if (!off->is_array() || off->size() != 2)
        throw FormatError(file, who + ": \"data_offsets\" must be an array [begin, end]");
    info.begin = headerInteger((*off)[0], file, who + ": data_offsets begin");
    info.end = headerInteger((*off)[1], file, who + ": data_offsets end");
    if (info.end < info.begin)
        throw FormatError(file, who + ": data_offsets end " + std::to_string(info.end) + " is before begin " +
                                    std::to_string(info.begin));

    // element count x bits, overflow-checked, must equal the byte span exactly.
    uint64_t numel = 1;
    for (int64_t d : info.shape)
        if (__builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel))
            throw FormatError(file, who + ": element count of shape " + shapeText(info.shape) + " overflows");
    uint64_t bits = 0;
    const auto& tr = traits(info.dtype);
    if (__builtin_mul_overflow(numel, static_cast<uint64_t>(tr.bits), &bits))
        throw FormatError(file, who + ": byte size of shape " + shapeText(info.shape) + " x " +
                                    std::string(tr.name) + " overflows");
    if (bits % 8 != 0)
        throw FormatError(file, who + ": " + std::to_string(numel) + " elements of " + std::string(tr.name) +
                                    " do not fill whole bytes");
    if (bits / 8 != info.end - info.begin)
        throw FormatError(file, who + ": data_offsets [" + std::to_string(info.begin) + ", " +
                                    std::to_string(info.end) + "] span " + std::to_string(info.end - info.begin) +
                                    " bytes but shape " + shapeText(info.shape) + " x " + std::string(tr.name) +
                                    " needs " + std::to_string(bits / 8) + " bytes");
    return info;
}

} // namespace

int64_t TensorInfo::numel() const {
    int64_t n = 1;
    for (int64_t d : shape)
        n *= d; // validated on open: cannot overflow
    return n;
}

SafetensorsFile::~SafetensorsFile() {
    if (m_map && m_fileSize > 0)
        ::munmap(const_cast<std::byte*>(m_map), m_fileSize);
}

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const fs::path& path) {
    const std::string file = path.string();
    std::shared_ptr<SafetensorsFile> self(new SafetensorsFile());
    self->m_path = path;

    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw IoError("opening " + file + ": " + std::strerror(errno));
    struct FdGuard {
        int fd;
        ~FdGuard() { ::close(fd); }
    } guard{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw IoError("reading " + file + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throw IoError("reading " + file + ": not a regular file");
    const uint64_t size = static_cast<uint64_t>(st.st_size);

    char head[64] = {};
    const ssize_t got = ::pread(fd, head, std::min<uint64_t>(size, sizeof head), 0);
    if (got < 0)
        throw IoError("reading " + file + ": " + std::strerror(errno));
    if (looksLikeLfsPointer(std::string_view(head, static_cast<size_t>(got))))
        throw FormatError(file, lfsPointerMessage());
    if (size < 8)
        throw FormatError(file, "file is " + std::to_string(size) +
                                    " bytes: too short for the 8-byte header length (truncated?)");

    uint64_t headerLen = 0;
    std::memcpy(&headerLen, head, 8); // little-endian host (static_assert above)
    if (headerLen > kMaxSafetensorsHeader)
        throw FormatError(file, "header length " + std::to_string(headerLen) + " exceeds the limit of " +
                                    std::to_string(kMaxSafetensorsHeader) + " bytes");
    uint64_t dataStart = 0;
    if (__builtin_add_overflow(headerLen, uint64_t(8), &dataStart) || dataStart > size)
        throw FormatError(file, "header length " + std::to_string(headerLen) + " runs beyond the end of the file (" +
                                    std::to_string(size) + " bytes; truncated?)");

    void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED)
        throw IoError("mapping " + file + ": " + std::strerror(errno));
    self->m_map = static_cast<const std::byte*>(map);
    self->m_fileSize = size;
    self->m_dataStart = dataStart;

    const std::string_view headerText(reinterpret_cast<const char*>(self->m_map) + 8, headerLen);
    nlohmann::json header;
    try {
        header = parseJsonStrict(headerText, file, StrictJsonOptions{8, "tensor name"});
    } catch (const FormatError& e) {
        throw FormatError(file, "header: " + e.rule());
    }
    if (!header.is_object())
        throw FormatError(file, "header is not a JSON object (found " + std::string(header.type_name()) + ")");

    std::vector<TensorInfo> tensors;
    tensors.reserve(header.size());
    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (value.is_null())
                continue;
            if (!value.is_object())
                throw FormatError(file, "__metadata__ must be an object mapping strings to strings");
            for (const auto& [mk, mv] : value.items()) {
                if (!mv.is_string())
                    throw FormatError(file, "__metadata__ must map strings to strings (\"" + mk + "\" is a " +
                                                jsonTypeName(mv) + ")");
                self->m_metadata[mk] = mv.get<std::string>();
            }
            continue;
        }
        tensors.push_back(parseTensorEntry(key, value, file));
    }

    // Sorted by offset, the tensors must tile the data section exactly: no gap, no overlap,
    // nothing after the last one.
    const uint64_t dataSize = size - dataStart;
    for (const auto& t : tensors)
        if (t.end > dataSize)
            throw FormatError(file, "tensor \"" + t.name + "\": data_offsets [" + std::to_string(t.begin) + ", " +
                                        std::to_string(t.end) + "] lie beyond the end of the data section (" +
                                        std::to_string(dataSize) + " bytes; truncated?)");
    std::stable_sort(tensors.begin(), tensors.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    uint64_t expected = 0;
    const TensorInfo* prev = nullptr;
    for (const auto& t : tensors) {
        if (t.begin > expected)
            throw FormatError(file, "gap of " + std::to_string(t.begin - expected) + " bytes before tensor \"" +
                                        t.name + "\" (data_offsets begin " + std::to_string(t.begin) +
                                        ", expected " + std::to_string(expected) + ")");
        if (t.begin < expected)
            throw FormatError(file, "tensor \"" + t.name + "\" overlaps tensor \"" + (prev ? prev->name : "") +
                                        "\" (data_offsets begin " + std::to_string(t.begin) + " < " +
                                        std::to_string(expected) + ")");
        expected = t.end;
        prev = &t;
    }
    if (expected != dataSize)
        throw FormatError(file, std::to_string(dataSize - expected) +
                                    " trailing bytes after the last tensor (the data section must end the file)");

    self->m_tensors = std::move(tensors);
    for (size_t i = 0; i < self->m_tensors.size(); ++i)
        self->m_index.emplace(self->m_tensors[i].name, i);
    return self;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    const auto it = m_index.find(name);
    return it == m_index.end() ? nullptr : &m_tensors[it->second];
}

std::span<const std::byte> SafetensorsFile::raw(const TensorInfo& info) const {
    if (info.end < info.begin || info.end > m_fileSize - m_dataStart)
        throw FormatError(m_path.string(), "tensor \"" + info.name + "\": offsets outside this file");
    return {m_map + m_dataStart + info.begin, static_cast<size_t>(info.byteSize())};
}

} // namespace slim::io
