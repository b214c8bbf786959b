#include "core/io/resources.h"

#include "core/common/errors.h"
#include "core/io/build_paths.h"

#include <cstdlib>

namespace slim::io {

namespace fs = std::filesystem;

namespace {

fs::path search(const char* envName, const fs::path& installed, const fs::path& source, const char* what) {
    if (const char* e = std::getenv(envName); e && *e) {
        if (fs::is_directory(e))
            return e;
        throw IoError(std::string("$") + envName + " = " + e + " is not a folder");
    }
    for (const auto& p : {installed, source})
        if (fs::is_directory(p))
            return p;
    throw IoError(std::string("no ") + what + " folder: looked at " + installed.string() + " and " + source.string() +
                  " (set $" + envName + ")");
}

} // namespace

fs::path resourceDataDir() {
    return search("SLIM_RESOURCE_DATA", fs::path(SLIMBENCH_INSTALL_DATA) / "data", SLIMBENCH_SOURCE_RESOURCE_DATA, "resource data");
}

fs::path pipelinesDir() {
    return search("SLIM_PIPELINES", fs::path(SLIMBENCH_INSTALL_DATA) / "pipelines", SLIMBENCH_SOURCE_PIPELINES, "pipelines");
}

} // namespace slim::io
