#pragma once
/// @file gguf_reader.h
/// Reader of GGUF v2/v3 headers (llama.cpp's file format, ggml/src/gguf.cpp): metadata key/values
/// of every value type (arrays included) and tensor infos.  Every rule of llama.cpp's reader
/// (tests/test-gguf.cpp) is enforced and each violation is a FormatError naming the file and the
/// rule: bad magic, unknown version, absurd counts, oversized strings / arrays, unknown value
/// types, duplicate keys or tensor names, more than 4 dimensions, overflowing sizes, alignment
/// 0 or not a power of two, offsets out of order or misaligned, data shorter than declared.
/// Only the header is read: tensor data stays on disk (use dataOffset() + TensorInfo::offset).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slim::io {

/// GGUF metadata value types (numbering of the file format).
enum class GgufType : uint32_t {
    U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
    String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};

/// "u32", "string", "array[f32]"...
std::string ggufTypeName(GgufType type);

/// One metadata value: a scalar or a (flat) array of scalars / strings.
class GgufValue {
public:
    GgufType type() const { return m_type; }
    bool isArray() const { return m_array; }
    /// Element type of an array; the type itself for scalars.
    GgufType elementType() const { return m_elem; }
    /// Number of elements (1 for scalars).
    size_t size() const;

    /// Scalar accessors.  They throw FormatError(file, "key ... must be ...") on a type mismatch
    /// when given the file and key; integral accessors accept any integer type whose value fits.
    int64_t toInt(const std::string& file = {}, const std::string& key = {}) const;
    uint64_t toUInt(const std::string& file = {}, const std::string& key = {}) const;
    double toDouble(const std::string& file = {}, const std::string& key = {}) const;
    bool toBool(const std::string& file = {}, const std::string& key = {}) const;
    const std::string& toString(const std::string& file = {}, const std::string& key = {}) const;

    /// Array accessors (same conversion rules, element-wise).
    std::vector<int64_t> toIntArray(const std::string& file = {}, const std::string& key = {}) const;
    std::vector<float> toFloatArray(const std::string& file = {}, const std::string& key = {}) const;
    const std::vector<std::string>& toStringArray(const std::string& file = {}, const std::string& key = {}) const;

    /// Short human-readable rendering ("32000 strings", "3.5", "\"llama\"").
    std::string summary() const;

private:
    friend class GgufFile;
    GgufType m_type = GgufType::U8;
    GgufType m_elem = GgufType::U8;
    bool m_array = false;
    std::vector<uint8_t> m_raw;              ///< little-endian numeric payload
    std::vector<std::string> m_strings;      ///< string payload
    int64_t intAt(size_t i, const std::string& file, const std::string& key) const;
    double doubleAt(size_t i, const std::string& file, const std::string& key) const;
};

/// Traits of a ggml tensor type (block of `blockSize` elements stored in `typeSize` bytes).
struct GgmlTypeTraits {
    const char* name;
    uint32_t blockSize;
    uint32_t typeSize;
};
/// nullopt for types unknown to this reader (or removed from ggml).
std::optional<GgmlTypeTraits> ggmlTypeTraits(uint32_t type);

/// A tensor of a GGUF file.  `shape` is in ggml order (shape[0] varies fastest).
struct GgufTensorInfo {
    std::string name;
    std::vector<uint64_t> shape;
    uint32_t type = 0;
    uint64_t offset = 0;   ///< relative to GgufFile::dataOffset()
    uint64_t nbytes = 0;
    uint64_t numel() const;
};

/// A validated GGUF header.
class GgufFile {
public:
    /// Read and validate the header of `path`.  Throws FormatError or IoError.
    static GgufFile open(const std::filesystem::path& path);
    /// Same from bytes already in memory (`fileName` names it in errors).
    static GgufFile parse(std::span<const uint8_t> bytes, const std::string& fileName);

    const std::string& fileName() const { return m_fileName; }
    uint32_t version() const { return m_version; }
    uint64_t alignment() const { return m_alignment; }
    /// File offset of the tensor data section.
    uint64_t dataOffset() const { return m_dataOffset; }
    uint64_t fileSize() const { return m_fileSize; }

    /// Metadata in file order.
    const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return m_kv; }
    /// nullptr when absent.
    const GgufValue* find(std::string_view key) const;
    /// Throws FormatError(file, "missing key ...") when absent.
    const GgufValue& at(std::string_view key) const;

    const std::vector<GgufTensorInfo>& tensors() const { return m_tensors; }
    const GgufTensorInfo* findTensor(std::string_view name) const;

    /// Limits of the reader (those of llama.cpp's gguf.cpp).
    static constexpr uint64_t kMaxStringLength = 1ull << 30;
    static constexpr uint64_t kMaxArrayElements = 1ull << 30;
    static constexpr uint32_t kMaxDims = 4;
    static constexpr size_t kMaxTensorName = 63; ///< GGML_MAX_NAME - 1
    static constexpr uint64_t kDefaultAlignment = 32;

private:
    class Reader;
    static GgufFile parseFrom(Reader& r, const std::string& fileName, uint64_t fileSize);

    std::string m_fileName;
    uint32_t m_version = 0;
    uint64_t m_alignment = kDefaultAlignment;
    uint64_t m_dataOffset = 0;
    uint64_t m_fileSize = 0;
    std::vector<std::pair<std::string, GgufValue>> m_kv;
    std::vector<GgufTensorInfo> m_tensors;
};

} // namespace slim::io
