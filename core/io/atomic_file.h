#pragma once
/// @file atomic_file.h
/// Crash-safe file writes: write to a temp file in the same folder, fsync, rename over the
/// target, fsync the folder.  A reader never sees a half-written file.  Temp files are named
/// `<target name>.tmp-<pid>-<n>`; removeStaleTempFiles() deletes those of dead processes.

#include <filesystem>
#include <string_view>

namespace slim::io {

/// Write `bytes` to `path` atomically.  Throws IoError naming the file (e.g. disk full).
void writeFileAtomic(const std::filesystem::path& path, std::string_view bytes);

/// Incremental variant for large files (the safetensors writer).  commit() renames into place;
/// the destructor removes the temp file if commit() was never called.
class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::filesystem::path target);
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
    void write(const void* data, size_t size);
    void commit();
    const std::filesystem::path& tempPath() const { return m_temp; }

private:
    std::filesystem::path m_target;
    std::filesystem::path m_temp;
    int m_fd = -1;
    bool m_committed = false;
};

/// Read a whole (small) file; throws IoError naming it (missing, unreadable, or above maxBytes).
std::string readTextFile(const std::filesystem::path& path, size_t maxBytes = 256u << 20);

/// Remove temp files `*.tmp-<pid>-<n>` left in `dir` by processes that no longer run (a kill or
/// power loss while saving).  Returns how many were removed; never throws for a missing folder.
size_t removeStaleTempFiles(const std::filesystem::path& dir);

/// fsync a folder so that a rename inside it is durable.  Throws IoError naming it.
void syncDirectory(const std::filesystem::path& dir);

} // namespace slim::io
