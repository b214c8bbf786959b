#include "core/io/atomic_folder.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace slim::io {

namespace {

std::atomic<unsigned> g_counter{0};

std::string stagingPrefix(const fs::path& target) {
    return "." + target.filename().string() + ".tmp-";
}

} // namespace

std::string utcTimestamp() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

namespace {

int removeEntry(const char* path, const struct stat*, int type, struct FTW*) {
    (void)(type == FTW_DP ? ::rmdir(path) : ::unlink(path)); // keep going on errors; the caller checks
    return 0;
}

} // namespace

bool removeTree(const fs::path& path) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
        return errno == ENOENT;
    if (!S_ISDIR(st.st_mode))
        return ::unlink(path.c_str()) == 0;
    ::nftw(path.c_str(), removeEntry, 16, FTW_DEPTH | FTW_PHYS);
    return ::lstat(path.c_str(), &st) != 0;
}

size_t removeStaleStagingFolders(const fs::path& target) {
    std::error_code ec;
    const fs::path parent = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    const std::string prefix = stagingPrefix(target);
    size_t removed = 0;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0)
            continue;
        const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid > 0 && pid != static_cast<long>(::getpid()) && ::kill(static_cast<pid_t>(pid), 0) == 0)
            continue; // a writer that still runs
        removed += removeTree(it->path()) ? 1 : 0;
    }
    return removed;
}

AtomicFolder::AtomicFolder(fs::path target) : m_target(fs::absolute(std::move(target)).lexically_normal()) {
    if (m_target.filename().empty())
        m_target = m_target.parent_path();
    std::error_code ec;
    fs::create_directories(m_target.parent_path(), ec);
    if (ec)
        throw IoError(m_target.parent_path().string() + ": cannot create the folder: " + ec.message());
    removeStaleStagingFolders(m_target);
    m_staging = m_target.parent_path() /
                (stagingPrefix(m_target) + std::to_string(::getpid()) + "-" + std::to_string(g_counter++));
    removeTree(m_staging);
    fs::create_directories(m_staging, ec);
    if (ec)
        throw IoError(m_staging.string() + ": cannot create the staging folder: " + ec.message());
}

AtomicFolder::~AtomicFolder() {
    if (!m_committed)
        removeTree(m_staging);
}

void AtomicFolder::commit(const nlohmann::json& info) {
    nlohmann::json marker = {{"format", "slimbench-folder"}, {"version", 1}, {"created_at", utcTimestamp()}};
    if (info.is_object())
        marker.update(info);
    writeFileAtomic(m_staging / kCompleteMarker, marker.dump(2) + "\n");
    syncDirectory(m_staging);
    std::error_code ec;
    fs::path aside;
    if (fs::exists(m_target, ec)) {
        aside = m_target.parent_path() /
                (stagingPrefix(m_target) + std::to_string(::getpid()) + "-old-" + std::to_string(g_counter++));
        fs::rename(m_target, aside, ec);
        if (ec)
            throw IoError("cannot move the existing " + m_target.string() + " aside: " + ec.message());
    }
    fs::rename(m_staging, m_target, ec);
    if (ec)
        throw IoError("cannot rename " + m_staging.string() + " to " + m_target.string() + ": " + ec.message());
    m_committed = true;
    syncDirectory(m_target.parent_path());
    if (!aside.empty())
        removeTree(aside);
}

bool isComplete(const fs::path& dir) {
    std::error_code ec;
    return fs::is_regular_file(dir / kCompleteMarker, ec);
}

} // namespace slim::io
