#pragma once
// Helpers shared by the test suites: where test data lives, temp folders, tolerances.

#include <filesystem>
#include <string>

namespace slimtest {

/// ../shared (SLIM_SHARED_DIR), e.g. sharedDir() / "data/wikitext-2-raw/wiki.test.raw".
std::filesystem::path sharedDir();
/// tests/data (SLIM_TEST_DATA): committed fixtures.
std::filesystem::path dataDir();
/// The slimbench-cli binary (SLIM_CLI).
std::filesystem::path cliPath();
/// A fresh empty temp folder, removed at process exit.
std::filesystem::path makeTempDir(const std::string& prefix);
/// Write bytes to a file (creating parent folders).
void writeBytes(const std::filesystem::path& p, const std::string& bytes);
std::string readBytes(const std::filesystem::path& p);

} // namespace slimtest
