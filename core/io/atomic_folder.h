#pragma once
/// @file atomic_folder.h
/// A folder that appears whole or not at all: everything is written into a hidden sibling
/// `.<name>.tmp-<pid>-<n>`, a completion marker goes last, and commit() renames the staging folder
/// into place (an existing folder at the target is moved aside first and removed after).  If the
/// process dies before commit() the staging folder is left behind and removed by the next writer
/// of the same target once its process is gone; the destructor removes it when commit() was never
/// called.  Readers test isComplete() before trusting a folder (the pipeline's artifact cache).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace slim::io {

/// The completion marker written by AtomicFolder::commit (JSON: format, version, created_at, plus
/// what the writer passes).
inline constexpr const char* kCompleteMarker = ".slimbench-complete.json";

class AtomicFolder {
public:
    /// Stages a folder for `target`.  Throws IoError when the parent cannot be created.
    explicit AtomicFolder(std::filesystem::path target);
    ~AtomicFolder();
    AtomicFolder(const AtomicFolder&) = delete;
    AtomicFolder& operator=(const AtomicFolder&) = delete;

    /// Where to write now.
    const std::filesystem::path& staging() const { return m_staging; }
    const std::filesystem::path& target() const { return m_target; }
    /// Write the marker (with `info`), fsync and rename into place.  Throws IoError.
    void commit(const nlohmann::json& info = nlohmann::json::object());

private:
    std::filesystem::path m_target, m_staging;
    bool m_committed = false;
};

/// The current time as ISO 8601 UTC ("2026-11-30T18:59:06Z"), for markers and provenance.
std::string utcTimestamp();

/// Whether `dir` carries the completion marker of an AtomicFolder.
bool isComplete(const std::filesystem::path& dir);

/// Remove a file or a folder tree (symbolic links are removed, never followed).  Returns false
/// when something could not be removed; never throws.  POSIX nftw rather than
/// std::filesystem::remove_all, which crashed (a call through a null pointer) in the GCC 13 /
/// PyTorch 2.11 build on the GPU machine.
bool removeTree(const std::filesystem::path& path);

/// Remove staging siblings `.<name>.tmp-<pid>-<n>` of `target` whose process no longer runs.
size_t removeStaleStagingFolders(const std::filesystem::path& target);

} // namespace slim::io
