#include "core/io/resources.h"

#include "core/common/errors.h"
#include "core/io/build_paths.h"

#include <cstdlib>

namespace slim::io {

namespace fs = std::filesystem;

namespace {

/// <folder of the running executable>/../share/slimbench: an installed tree, wherever it was unpacked.
fs::path besideExecutable() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path().parent_path() / "share" / "slimbench";
}

fs::path search(const char* envName, const char* sub, const fs::path& source, const char* what) {
    if (const char* e = std::getenv(envName); e && *e) {
        if (fs::is_directory(e))
            return e;
        throw IoError(std::string("$") + envName + " = " + e + " is not a folder");
    }
    const fs::path relative = besideExecutable() / sub, installed = fs::path(SLIMBENCH_INSTALL_DATA) / sub;
    for (const auto& p : {relative, installed, source})
        if (!p.empty() && fs::is_directory(p))
            return p;
    throw IoError(std::string("no ") + what + " folder: looked at " + relative.string() + ", " + installed.string() + " and " +
                  source.string() + " (set $" + envName + ")");
}

} // namespace

fs::path resourceDataDir() {
    return search("SLIM_RESOURCE_DATA", "data", SLIMBENCH_SOURCE_RESOURCE_DATA, "resource data");
}

fs::path pipelinesDir() {
    return search("SLIM_PIPELINES", "pipelines", SLIMBENCH_SOURCE_PIPELINES, "pipelines");
}

} // namespace slim::io
