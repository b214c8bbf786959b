#include "support/test_util.h"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

namespace fs = std::filesystem;

namespace slimtest {

namespace {
fs::path envPath(const char* name, const fs::path& fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? fs::path(v) : fallback;
}
std::mutex g_mutex;
std::vector<fs::path>& tempDirs() {
    static std::vector<fs::path> dirs;
    return dirs;
}
void cleanup() {
    for (const auto& d : tempDirs()) {
        std::error_code ec;
        fs::remove_all(d, ec);
    }
}
} // namespace

fs::path resourceDataDir() { return envPath("SLIM_RESOURCE_DATA", fs::path("resources/data")); }
fs::path wikiTestRaw() { return resourceDataDir() / "wikitext-2-raw/wiki.test.raw"; }
fs::path dataDir() { return envPath("SLIM_TEST_DATA", fs::path("tests/data")); }
fs::path cliPath() { return envPath("SLIM_CLI", fs::path("slimbench-cli")); }

fs::path makeTempDir(const std::string& prefix) {
    std::lock_guard lock(g_mutex);
    std::random_device rd;
    fs::path dir = fs::temp_directory_path() / (prefix + "-" + std::to_string(rd()));
    fs::create_directories(dir);
    if (tempDirs().empty())
        std::atexit(cleanup);
    tempDirs().push_back(dir);
    return dir;
}

void writeBytes(const fs::path& p, const std::string& bytes) {
    if (p.has_parent_path())
        fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f)
        throw std::runtime_error("cannot write " + p.string());
}

std::string readBytes(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    if (!f)
        throw std::runtime_error("cannot read " + p.string());
    return std::string(std::istreambuf_iterator<char>(f), {});
}

} // namespace slimtest
