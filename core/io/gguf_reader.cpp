#include "core/io/gguf_reader.h"

#include "core/common/errors.h"
#include "core/io/strict_json.h"

#include <bit>
#include <cstring>
#include <fstream>
#include <limits>
#include <unordered_set>

namespace slim::io {

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace {

constexpr uint32_t kTypeCount = 13;

/// Byte size of a numeric value type; 0 for string / array.
size_t scalarSize(GgufType t) {
    switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::Bool: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    default: return 0;
    }
}

const char* baseTypeName(GgufType t) {
    static const char* const kNames[kTypeCount] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32",
                                                   "bool", "string", "array", "u64", "i64", "f64"};
    const auto i = static_cast<uint32_t>(t);
    return i < kTypeCount ? kNames[i] : "unknown";
}

bool isIntegral(GgufType t) {
    switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::U16: case GgufType::I16: case GgufType::U32:
    case GgufType::I32: case GgufType::U64: case GgufType::I64: case GgufType::Bool:
        return true;
    default:
        return false;
    }
}

std::string quote(std::string_view s) {
    std::string out = "'";
    for (char c : s.substr(0, 80)) {
        const auto uc = static_cast<unsigned char>(c);
        out += (uc >= 0x20 && uc != 0x7F) ? std::string(1, c) : "?";
    }
    return out + (s.size() > 80 ? "...'" : "'");
}

// Block size and byte size of each ggml type (ggml/include/ggml.h numbering; removed types absent).
struct TypeRow {
    uint32_t id;
    GgmlTypeTraits traits;
};
const TypeRow kGgmlTypes[] = {
    {0, {"F32", 1, 4}},       {1, {"F16", 1, 2}},        {2, {"Q4_0", 32, 18}},    {3, {"Q4_1", 32, 20}},
    {6, {"Q5_0", 32, 22}},    {7, {"Q5_1", 32, 24}},     {8, {"Q8_0", 32, 34}},    {9, {"Q8_1", 32, 36}},
    {10, {"Q2_K", 256, 84}},  {11, {"Q3_K", 256, 110}},  {12, {"Q4_K", 256, 144}}, {13, {"Q5_K", 256, 176}},
    {14, {"Q6_K", 256, 210}}, {15, {"Q8_K", 256, 292}},  {16, {"IQ2_XXS", 256, 66}}, {17, {"IQ2_XS", 256, 74}},
    {18, {"IQ3_XXS", 256, 98}}, {19, {"IQ1_S", 256, 50}}, {20, {"IQ4_NL", 32, 18}}, {21, {"IQ3_S", 256, 110}},
    {22, {"IQ2_S", 256, 82}}, {23, {"IQ4_XS", 256, 136}}, {24, {"I8", 1, 1}},       {25, {"I16", 1, 2}},
    {26, {"I32", 1, 4}},      {27, {"I64", 1, 8}},       {28, {"F64", 1, 8}},      {29, {"IQ1_M", 256, 56}},
    {30, {"BF16", 1, 2}},     {34, {"TQ1_0", 256, 54}},  {35, {"TQ2_0", 256, 66}}, {39, {"MXFP4", 32, 17}},
};

bool mulOverflows(uint64_t a, uint64_t b, uint64_t& out) { return __builtin_mul_overflow(a, b, &out); }

} // namespace

std::string ggufTypeName(GgufType type) { return baseTypeName(type); }

std::optional<GgmlTypeTraits> ggmlTypeTraits(uint32_t type) {
    for (const auto& row : kGgmlTypes)
        if (row.id == type)
            return row.traits;
    return std::nullopt;
}

uint64_t GgufTensorInfo::numel() const {
    uint64_t n = 1;
    for (uint64_t d : shape)
        n *= d; // validated not to overflow when the file was read
    return n;
}

// ---- GgufValue ----------------------------------------------------------------------------

size_t GgufValue::size() const {
    if (m_elem == GgufType::String)
        return m_strings.size();
    return m_raw.size() / scalarSize(m_elem);
}

int64_t GgufValue::intAt(size_t i, const std::string& file, const std::string& key) const {
    auto bad = [&](const std::string& why) -> int64_t {
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' " + why);
    };
    if (!isIntegral(m_elem))
        bad("must be an integer but is " + ggufTypeName(m_type == GgufType::Array ? m_elem : m_type));
    const uint8_t* p = m_raw.data() + i * scalarSize(m_elem);
    switch (m_elem) {
    case GgufType::U8: case GgufType::Bool: return *p;
    case GgufType::I8: return static_cast<int8_t>(*p);
    case GgufType::U16: { uint16_t v; std::memcpy(&v, p, 2); return v; }
    case GgufType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case GgufType::U32: { uint32_t v; std::memcpy(&v, p, 4); return v; }
    case GgufType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case GgufType::I64: { int64_t v; std::memcpy(&v, p, 8); return v; }
    case GgufType::U64: {
        uint64_t v;
        std::memcpy(&v, p, 8);
        if (v > uint64_t(std::numeric_limits<int64_t>::max()))
            bad("value " + std::to_string(v) + " is out of range");
        return int64_t(v);
    }
    default: return bad("is not an integer");
    }
}

double GgufValue::doubleAt(size_t i, const std::string& file, const std::string& key) const {
    const uint8_t* p = m_raw.data() + i * scalarSize(m_elem);
    if (m_elem == GgufType::F32) {
        float v;
        std::memcpy(&v, p, 4);
        return v;
    }
    if (m_elem == GgufType::F64) {
        double v;
        std::memcpy(&v, p, 8);
        return v;
    }
    return double(intAt(i, file, key));
}

int64_t GgufValue::toInt(const std::string& file, const std::string& key) const {
    if (m_array)
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' must be a scalar but is an array");
    return intAt(0, file, key);
}

uint64_t GgufValue::toUInt(const std::string& file, const std::string& key) const {
    if (!m_array && m_elem == GgufType::U64) {
        uint64_t v;
        std::memcpy(&v, m_raw.data(), 8);
        return v;
    }
    const int64_t v = toInt(file, key);
    if (v < 0)
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' must not be negative");
    return uint64_t(v);
}

double GgufValue::toDouble(const std::string& file, const std::string& key) const {
    if (m_array || m_elem == GgufType::String)
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' must be a number");
    return doubleAt(0, file, key);
}

bool GgufValue::toBool(const std::string& file, const std::string& key) const {
    if (m_array || m_elem != GgufType::Bool)
        throw FormatError(file.empty() ? "GGUF" : file,
                          "key '" + key + "' must be bool but is " + ggufTypeName(m_type));
    return m_raw[0] != 0;
}

const std::string& GgufValue::toString(const std::string& file, const std::string& key) const {
    if (m_array || m_elem != GgufType::String)
        throw FormatError(file.empty() ? "GGUF" : file,
                          "key '" + key + "' must be a string but is " + ggufTypeName(m_type));
    return m_strings[0];
}

std::vector<int64_t> GgufValue::toIntArray(const std::string& file, const std::string& key) const {
    if (!m_array)
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' must be an array");
    std::vector<int64_t> out(size());
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = intAt(i, file, key);
    return out;
}

std::vector<float> GgufValue::toFloatArray(const std::string& file, const std::string& key) const {
    if (!m_array || m_elem == GgufType::String)
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' must be an array of numbers");
    std::vector<float> out(size());
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = float(doubleAt(i, file, key));
    return out;
}

const std::vector<std::string>& GgufValue::toStringArray(const std::string& file, const std::string& key) const {
    if (!m_array || m_elem != GgufType::String)
        throw FormatError(file.empty() ? "GGUF" : file, "key '" + key + "' must be an array of strings");
    return m_strings;
}

std::string GgufValue::summary() const {
    if (m_array)
        return std::to_string(size()) + " x " + baseTypeName(m_elem);
    if (m_elem == GgufType::String)
        return quote(m_strings[0]);
    if (m_elem == GgufType::Bool)
        return m_raw[0] ? "true" : "false";
    if (m_elem == GgufType::F32 || m_elem == GgufType::F64)
        return std::to_string(doubleAt(0, {}, {}));
    if (m_elem == GgufType::U64)
        return std::to_string(toUInt());
    return std::to_string(intAt(0, {}, {}));
}

// ---- reading ----------------------------------------------------------------------------------

/// Bounds-checked sequential reader over a file stream or a memory span.
class GgufFile::Reader {
public:
    Reader(std::ifstream* file, std::span<const uint8_t> mem, uint64_t size, std::string name)
        : m_file(file), m_mem(mem), m_size(size), m_name(std::move(name)) {}

    uint64_t pos() const { return m_pos; }
    uint64_t remaining() const { return m_size - m_pos; }
    [[noreturn]] void fail(const std::string& rule) const { throw FormatError(m_name, rule); }

    void read(void* dst, uint64_t n, const char* what) {
        if (n > remaining())
            fail(std::string("file ends inside ") + what + " (at byte " + std::to_string(m_pos) + ")");
        if (n == 0)
            return; // an empty array's buffer may be null
        if (m_file) {
            m_file->read(static_cast<char*>(dst), std::streamsize(n));
            if (!*m_file)
                throw IoError(m_name + ": read failed at byte " + std::to_string(m_pos));
        } else {
            std::memcpy(dst, m_mem.data() + m_pos, n);
        }
        m_pos += n;
    }
    template <typename T>
    T get(const char* what) {
        T v;
        read(&v, sizeof(T), what);
        return v;
    }
    std::string string(const std::string& what) {
        const auto n = get<uint64_t>(what.c_str());
        if (n > kMaxStringLength)
            fail(what + ": string of " + std::to_string(n) + " bytes exceeds the limit of " +
                 std::to_string(kMaxStringLength) + " bytes");
        if (n > remaining())
            fail(what + ": string of " + std::to_string(n) + " bytes runs past the end of the file");
        std::string s(n, '\0');
        read(s.data(), n, what.c_str());
        return s;
    }

private:
    std::ifstream* m_file;
    std::span<const uint8_t> m_mem;
    uint64_t m_size;
    uint64_t m_pos = 0;
    std::string m_name;
};

GgufFile GgufFile::open(const std::filesystem::path& path) {
    const std::string name = path.string();
    std::error_code ec;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec)
        throw IoError(name + ": cannot read file size: " + ec.message());
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw IoError(name + ": cannot open for reading");
    Reader r(&f, {}, size, name);
    return parseFrom(r, name, size);
}

GgufFile GgufFile::parse(std::span<const uint8_t> bytes, const std::string& fileName) {
    Reader r(nullptr, bytes, bytes.size(), fileName);
    return parseFrom(r, fileName, bytes.size());
}

GgufFile GgufFile::parseFrom(Reader& r, const std::string& name, uint64_t fileSize) {
    GgufFile g;
    g.m_fileName = name;
    g.m_fileSize = fileSize;

    // Header.
    if (fileSize < 4)
        r.fail("file of " + std::to_string(fileSize) + " bytes is too short for a GGUF header");
    char magic[4];
    r.read(magic, 4, "the magic");
    if (std::memcmp(magic, "GGUF", 4) != 0) {
        if (std::memcmp(magic, "vers", 4) == 0)
            r.fail(lfsPointerMessage());
        r.fail("bad magic " + quote(std::string_view(magic, 4)) + " (a GGUF file starts with 'GGUF')");
    }
    g.m_version = r.get<uint32_t>("the version");
    if (g.m_version == 0)
        r.fail("GGUF version 0 is invalid");
    if ((g.m_version & 0xFFFF) == 0)
        r.fail("GGUF version " + std::to_string(g.m_version) +
               " looks byte-swapped: big-endian GGUF files are not supported");
    if (g.m_version == 1)
        r.fail("GGUF version 1 is no longer supported (re-convert the model with a current llama.cpp)");
    if (g.m_version > 3)
        r.fail("unknown GGUF version " + std::to_string(g.m_version) + " (this reader supports 2 and 3)");
    const auto nTensors = r.get<uint64_t>("the tensor count");
    const auto nKv = r.get<uint64_t>("the key/value count");
    // Each key/value takes at least 8 + 1 + 4 + 1 bytes and each tensor info 8 + 1 + 4 + 4 + 8:
    // counts such as 2^64-1 are refused before anything is allocated.
    if (nTensors > uint64_t(std::numeric_limits<int64_t>::max()) || nTensors > r.remaining() / 25)
        r.fail("tensor count " + std::to_string(nTensors) + " is more than the file can hold");
    if (nKv > uint64_t(std::numeric_limits<int64_t>::max()) || nKv > r.remaining() / 14)
        r.fail("key/value count " + std::to_string(nKv) + " is more than the file can hold");

    // Metadata.
    std::unordered_set<std::string> keys;
    g.m_kv.reserve(size_t(nKv));
    for (uint64_t i = 0; i < nKv; ++i) {
        const std::string where = "key #" + std::to_string(i);
        std::string key = r.string(where);
        if (key.empty())
            r.fail(where + " is empty");
        if (!keys.insert(key).second)
            r.fail("duplicate key " + quote(key));
        GgufValue v;
        const auto rawType = r.get<uint32_t>("a value type");
        if (rawType >= kTypeCount)
            r.fail("key " + quote(key) + " has unknown value type " + std::to_string(rawType));
        v.m_type = v.m_elem = GgufType(rawType);
        uint64_t count = 1;
        if (v.m_type == GgufType::Array) {
            v.m_array = true;
            const auto elem = r.get<uint32_t>("an array element type");
            if (elem >= kTypeCount)
                r.fail("key " + quote(key) + " is an array of unknown value type " + std::to_string(elem));
            if (GgufType(elem) == GgufType::Array)
                r.fail("key " + quote(key) + " is an array of arrays (not supported by GGUF readers)");
            v.m_elem = GgufType(elem);
            count = r.get<uint64_t>("an array length");
            if (count > kMaxArrayElements)
                r.fail("key " + quote(key) + ": array of " + std::to_string(count) +
                       " elements exceeds the limit of " + std::to_string(kMaxArrayElements));
            const uint64_t minBytes = v.m_elem == GgufType::String ? 8 : scalarSize(v.m_elem);
            if (count > r.remaining() / minBytes)
                r.fail("key " + quote(key) + ": array of " + std::to_string(count) +
                       " elements runs past the end of the file");
        }
        if (v.m_elem == GgufType::String) {
            v.m_strings.reserve(size_t(count));
            const std::string what = "value of key " + quote(key);
            for (uint64_t k = 0; k < count; ++k)
                v.m_strings.push_back(r.string(what));
        } else {
            const uint64_t bytes = count * scalarSize(v.m_elem);
            v.m_raw.resize(size_t(bytes));
            r.read(v.m_raw.data(), bytes, "a metadata value");
            if (v.m_elem == GgufType::Bool)
                for (uint8_t b : v.m_raw)
                    if (b > 1)
                        r.fail("key " + quote(key) + ": bool value " + std::to_string(b) + " is neither 0 nor 1");
        }
        g.m_kv.emplace_back(std::move(key), std::move(v));
    }
    if (const GgufValue* a = g.find("general.alignment")) {
        if (a->isArray() || a->type() != GgufType::U32)
            r.fail("key 'general.alignment' must be u32 but is " + ggufTypeName(a->type()));
        g.m_alignment = a->toUInt();
        if (g.m_alignment == 0 || (g.m_alignment & (g.m_alignment - 1)) != 0)
            r.fail("alignment " + std::to_string(g.m_alignment) + " is not a power of two");
    }

    // Tensor infos.
    std::unordered_set<std::string> names;
    g.m_tensors.reserve(size_t(nTensors));
    for (uint64_t i = 0; i < nTensors; ++i) {
        GgufTensorInfo t;
        t.name = r.string("name of tensor #" + std::to_string(i));
        const std::string tq = "tensor " + quote(t.name);
        if (t.name.size() > kMaxTensorName)
            r.fail(tq + ": name longer than " + std::to_string(kMaxTensorName) + " bytes");
        if (!names.insert(t.name).second)
            r.fail("duplicate tensor name " + quote(t.name));
        const auto nDims = r.get<uint32_t>("a dimension count");
        if (nDims > kMaxDims)
            r.fail(tq + " has " + std::to_string(nDims) + " dimensions (at most " + std::to_string(kMaxDims) + ")");
        uint64_t numel = 1;
        for (uint32_t d = 0; d < nDims; ++d) {
            const auto ne = r.get<uint64_t>("a dimension");
            if (ne > uint64_t(std::numeric_limits<int64_t>::max()))
                r.fail(tq + ": dimension " + std::to_string(d) + " is negative");
            t.shape.push_back(ne);
            if (mulOverflows(numel, ne, numel) || numel > uint64_t(std::numeric_limits<int64_t>::max()))
                r.fail(tq + ": element count overflows 64 bits");
        }
        t.type = r.get<uint32_t>("a tensor type");
        const auto traits = ggmlTypeTraits(t.type);
        if (!traits)
            r.fail(tq + " has unknown ggml type " + std::to_string(t.type));
        const uint64_t row = t.shape.empty() ? 1 : t.shape[0];
        if (row % traits->blockSize != 0)
            r.fail(tq + ": row of " + std::to_string(row) + " elements is not a multiple of the block size " +
                   std::to_string(traits->blockSize) + " of " + traits->name);
        if (mulOverflows(numel / traits->blockSize, traits->typeSize, t.nbytes))
            r.fail(tq + ": size in bytes overflows 64 bits");
        t.offset = r.get<uint64_t>("a tensor offset");
        g.m_tensors.push_back(std::move(t));
    }

    // Data section: aligned after the infos; tensors in order, each padded to the alignment.
    const uint64_t a = g.m_alignment;
    auto pad = [&](uint64_t x, const std::string& what) {
        if (x > std::numeric_limits<uint64_t>::max() - (a - 1))
            r.fail(what + " overflows 64 bits");
        return (x + a - 1) & ~(a - 1);
    };
    g.m_dataOffset = nTensors > 0 ? pad(r.pos(), "data offset") : r.pos();
    if (nTensors > 0 && g.m_dataOffset > fileSize)
        r.fail("data section starts at byte " + std::to_string(g.m_dataOffset) + ", past the end of the file (" +
               std::to_string(fileSize) + " bytes)");
    uint64_t expected = 0;
    for (const auto& t : g.m_tensors) {
        const std::string tq = "tensor " + quote(t.name);
        if (t.offset % a != 0)
            r.fail(tq + ": offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                   std::to_string(a));
        if (t.offset != expected)
            r.fail(tq + ": offset " + std::to_string(t.offset) + ", expected " + std::to_string(expected) +
                   " (tensors are stored in order, each padded to the alignment)");
        const uint64_t padded = pad(t.nbytes, tq + " size");
        if (expected > std::numeric_limits<uint64_t>::max() - padded)
            r.fail(tq + ": data section size overflows 64 bits");
        expected += padded;
        if (t.offset > fileSize - g.m_dataOffset || t.nbytes > fileSize - g.m_dataOffset - t.offset)
            r.fail(tq + ": " + std::to_string(t.nbytes) + " bytes of data at offset " + std::to_string(t.offset) +
                   " run past the end of the file (" + std::to_string(fileSize) + " bytes): the file is truncated");
    }
    return g;
}

const GgufValue* GgufFile::find(std::string_view key) const {
    for (const auto& [k, v] : m_kv)
        if (k == key)
            return &v;
    return nullptr;
}

const GgufValue& GgufFile::at(std::string_view key) const {
    if (const GgufValue* v = find(key))
        return *v;
    throw FormatError(m_fileName, "missing key '" + std::string(key) + "'");
}

const GgufTensorInfo* GgufFile::findTensor(std::string_view name) const {
    for (const auto& t : m_tensors)
        if (t.name == name)
            return &t;
    return nullptr;
}

} // namespace slim::io
