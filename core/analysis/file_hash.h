#pragma once
/// @file file_hash.h
/// SHA-256 (FIPS 180-4) of bytes and files, so result records can name the exact calibration
/// text they were computed from.  Small and dependency-free on purpose: core links no crypto
/// library.  (A candidate to move to core/common once other folders need it.)

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace slim::analysis {

/// Incremental SHA-256.
class Sha256 {
public:
    Sha256();
    void update(const void* data, size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    /// Finish and return the 32-byte digest (the object must not be updated afterwards).
    std::array<uint8_t, 32> digest();
    /// Finish and return the digest as 64 lowercase hex characters.
    std::string hexDigest();

private:
    void block(const uint8_t* p);
    uint32_t m_h[8];
    uint8_t m_buf[64];
    size_t m_bufLen = 0;
    uint64_t m_totalBytes = 0;
};

/// Lowercase hex SHA-256 of a byte string.
std::string sha256Hex(std::string_view bytes);
/// Lowercase hex SHA-256 of a file's contents, read in blocks.  Throws IoError naming the file.
std::string sha256File(const std::filesystem::path& path);

} // namespace slim::analysis
