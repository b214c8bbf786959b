#include "core/io/gguf_writer.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

#include <cstring>

namespace slim::io {

namespace {

template <typename T>
void put(std::vector<uint8_t>& b, T v) {
    const size_t n = b.size();
    b.resize(n + sizeof(T));
    std::memcpy(b.data() + n, &v, sizeof(T));
}

void putString(std::vector<uint8_t>& b, const std::string& s) {
    put<uint64_t>(b, s.size());
    b.insert(b.end(), s.begin(), s.end());
}

} // namespace

void GgufWriter::key(const std::string& k, GgufType t) {
    putString(m_kv, k);
    put<uint32_t>(m_kv, static_cast<uint32_t>(t));
    ++m_kvCount;
}

void GgufWriter::addString(const std::string& k, const std::string& v) {
    key(k, GgufType::String);
    putString(m_kv, v);
}
void GgufWriter::addU32(const std::string& k, uint32_t v) {
    key(k, GgufType::U32);
    put(m_kv, v);
}
void GgufWriter::addI32(const std::string& k, int32_t v) {
    key(k, GgufType::I32);
    put(m_kv, v);
}
void GgufWriter::addF32(const std::string& k, float v) {
    key(k, GgufType::F32);
    put(m_kv, v);
}
void GgufWriter::addBool(const std::string& k, bool v) {
    key(k, GgufType::Bool);
    put<uint8_t>(m_kv, v ? 1 : 0);
}
void GgufWriter::addStringArray(const std::string& k, const std::vector<std::string>& v) {
    key(k, GgufType::Array);
    put<uint32_t>(m_kv, static_cast<uint32_t>(GgufType::String));
    put<uint64_t>(m_kv, v.size());
    for (const auto& s : v)
        putString(m_kv, s);
}
void GgufWriter::addF32Array(const std::string& k, const std::vector<float>& v) {
    key(k, GgufType::Array);
    put<uint32_t>(m_kv, static_cast<uint32_t>(GgufType::F32));
    put<uint64_t>(m_kv, v.size());
    for (float f : v)
        put(m_kv, f);
}
void GgufWriter::addI32Array(const std::string& k, const std::vector<int32_t>& v) {
    key(k, GgufType::Array);
    put<uint32_t>(m_kv, static_cast<uint32_t>(GgufType::I32));
    put<uint64_t>(m_kv, v.size());
    for (int32_t x : v)
        put(m_kv, x);
}
void GgufWriter::addU32Array(const std::string& k, const std::vector<uint32_t>& v) {
    key(k, GgufType::Array);
    put<uint32_t>(m_kv, static_cast<uint32_t>(GgufType::U32));
    put<uint64_t>(m_kv, v.size());
    for (uint32_t x : v)
        put(m_kv, x);
}

void GgufWriter::addTensor(const std::string& name, std::vector<uint64_t> shape, uint32_t type, uint64_t nbytes,
                           std::function<std::vector<uint8_t>()> produce) {
    m_tensors.push_back({name, std::move(shape), type, nbytes, std::move(produce)});
}

void GgufWriter::write(const std::filesystem::path& path, const std::function<void(size_t, size_t)>& progress) const {
    std::vector<uint8_t> head;
    head.insert(head.end(), {'G', 'G', 'U', 'F'});
    put<uint32_t>(head, 3);
    put<uint64_t>(head, m_tensors.size());
    put<uint64_t>(head, m_kvCount + 1);
    head.insert(head.end(), m_kv.begin(), m_kv.end());
    putString(head, "general.alignment");
    put<uint32_t>(head, static_cast<uint32_t>(GgufType::U32));
    put<uint32_t>(head, static_cast<uint32_t>(kAlignment));
    uint64_t offset = 0;
    auto pad = [](uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; };
    for (const auto& t : m_tensors) {
        putString(head, t.name);
        put<uint32_t>(head, static_cast<uint32_t>(t.shape.size()));
        for (uint64_t d : t.shape)
            put<uint64_t>(head, d);
        put<uint32_t>(head, t.type);
        put<uint64_t>(head, offset);
        offset = pad(offset + t.nbytes);
    }
    head.resize(pad(head.size()), 0);
    AtomicFileWriter w(path);
    w.write(head.data(), head.size());
    static const uint8_t zeros[kAlignment] = {};
    for (size_t i = 0; i < m_tensors.size(); ++i) {
        const auto& t = m_tensors[i];
        const std::vector<uint8_t> bytes = t.produce();
        if (bytes.size() != t.nbytes)
            throw FormatError(path.string(), "tensor \"" + t.name + "\" produced " + std::to_string(bytes.size()) +
                                                 " bytes, its header says " + std::to_string(t.nbytes));
        w.write(bytes.data(), bytes.size());
        const uint64_t rest = pad(t.nbytes) - t.nbytes;
        if (rest)
            w.write(zeros, rest);
        if (progress)
            progress(i + 1, m_tensors.size());
    }
    w.commit();
}

} // namespace slim::io
