#include "core/io/atomic_file.h"

#include "core/common/errors.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace slim::io {

namespace {

std::atomic<unsigned> g_tempCounter{0};

std::string errnoText(int err) {
    std::string s = std::strerror(err);
    if (err == ENOSPC || err == EDQUOT)
        s += " (disk full?)";
    return s;
}

[[noreturn]] void throwIo(const std::string& what, const fs::path& file, int err) {
    throw IoError(what + " " + file.string() + ": " + errnoText(err));
}

fs::path parentOrDot(const fs::path& p) {
    return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

/// `name.tmp-<pid>-<n>` -> pid, or -1 when the name does not have that shape.
long tempFilePid(const std::string& name) {
    const auto pos = name.rfind(".tmp-");
    if (pos == std::string::npos)
        return -1;
    const std::string tail = name.substr(pos + 5);
    const auto dash = tail.find('-');
    if (dash == std::string::npos || dash == 0 || dash + 1 >= tail.size())
        return -1;
    for (size_t i = 0; i < tail.size(); ++i)
        if (i != dash && (tail[i] < '0' || tail[i] > '9'))
            return -1;
    if (dash > 9)
        return -1;
    return std::stol(tail.substr(0, dash));
}

} // namespace

void syncDirectory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        throwIo("opening folder", dir, errno);
    // Some file systems (e.g. certain network mounts) refuse fsync on folders: that is not a
    // reason to fail a save whose file data is already durable.
    if (::fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP) {
        const int err = errno;
        ::close(fd);
        throwIo("syncing folder", dir, err);
    }
    ::close(fd);
}

AtomicFileWriter::AtomicFileWriter(fs::path target) : m_target(std::move(target)) {
    if (m_target.filename().empty())
        throw IoError("cannot write " + m_target.string() + ": not a file name");
    const fs::path dir = parentOrDot(m_target);
    m_temp = dir / (m_target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(g_tempCounter.fetch_add(1)));
    m_fd = ::open(m_temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (m_fd < 0)
        throwIo("creating temp file for", m_target, errno);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (m_fd >= 0)
        ::close(m_fd);
    if (!m_committed)
        ::unlink(m_temp.c_str());
}

void AtomicFileWriter::write(const void* data, size_t size) {
    if (m_fd < 0 || m_committed)
        throw IoError("writing " + m_target.string() + ": writer already closed");
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const size_t chunk = std::min<size_t>(size, size_t(1) << 30);
        const ssize_t n = ::write(m_fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            // Leave the writer unusable: a partial file must never be committed.
            ::close(m_fd);
            m_fd = -1;
            throwIo("writing", m_target, err);
        }
        if (n == 0) {
            ::close(m_fd);
            m_fd = -1;
            throwIo("writing", m_target, ENOSPC);
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
}

void AtomicFileWriter::commit() {
    if (m_committed)
        return;
    if (m_fd < 0)
        throw IoError("writing " + m_target.string() + ": an earlier write failed, nothing committed");
    if (::fsync(m_fd) != 0) {
        const int err = errno;
        ::close(m_fd);
        m_fd = -1;
        throwIo("syncing", m_target, err);
    }
    const int fd = m_fd;
    m_fd = -1;
    if (::close(fd) != 0)
        throwIo("closing", m_target, errno);
    if (::rename(m_temp.c_str(), m_target.c_str()) != 0)
        throwIo("renaming temp file onto", m_target, errno);
    m_committed = true;
    syncDirectory(parentOrDot(m_target));
}

void writeFileAtomic(const fs::path& path, std::string_view bytes) {
    AtomicFileWriter w(path);
    w.write(bytes.data(), bytes.size());
    w.commit();
}

std::string readTextFile(const fs::path& path, size_t maxBytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throwIo("opening", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throwIo("reading", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw IoError("reading " + path.string() + ": not a regular file");
    }
    if (static_cast<uint64_t>(st.st_size) > maxBytes) {
        ::close(fd);
        throw IoError("reading " + path.string() + ": file is " + std::to_string(st.st_size) +
                      " bytes, above the limit of " + std::to_string(maxBytes) + " bytes for this kind of file");
    }
    std::string out(static_cast<size_t>(st.st_size), '\0');
    size_t got = 0;
    while (got < out.size()) {
        const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const int err = errno;
            ::close(fd);
            throwIo("reading", path, err);
        }
        if (n == 0)
            break; // shrank while reading
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

size_t removeStaleTempFiles(const fs::path& dir) {
    std::error_code ec;
    size_t removed = 0;
    fs::directory_iterator it(dir, ec);
    if (ec)
        return 0;
    for (const auto& entry : it) {
        std::error_code e2;
        if (!entry.is_regular_file(e2) || entry.is_symlink(e2))
            continue;
        const long pid = tempFilePid(entry.path().filename().string());
        if (pid <= 0)
            continue;
        // A temp file of a live process (including this one) may still be being written.
        if (pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH)
            continue;
        if (fs::remove(entry.path(), e2))
            ++removed;
    }
    return removed;
}

} // namespace slim::io
