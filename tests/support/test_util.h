#pragma once
// Helpers shared by the test suites: where test data lives, temp folders, tolerances.

#include <filesystem>
#include <string>

namespace slimtest {

/// resources/data (SLIM_RESOURCE_DATA): data shipped with the app, e.g. the WikiText-2 test split.
std::filesystem::path resourceDataDir();
/// resources/data/wikitext-2-raw/wiki.test.raw (CC BY-SA 3.0, see NOTICE).
std::filesystem::path wikiTestRaw();
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
