// slimbench-fixture-check: the transformers-fixture checks without Qt, for the GPU machine.
// usage: slimbench-fixture-check FIXTURES_DIR [cpu|cuda]...   exit 0 when every check passes.
#include "support/fixture_checks.h"

#include <c10/util/Exception.h>

#include <cstdio>
#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: slimbench-fixture-check FIXTURES_DIR [cpu|cuda]...\n";
        return 1;
    }
    std::vector<std::string> devices;
    for (int i = 2; i < argc; ++i)
        devices.emplace_back(argv[i]);
    if (devices.empty())
        devices = {"cpu"};
    int passed = 0, failed = 0;
    for (const auto& dir : slimtest::fixtureDirs(argv[1])) {
        for (const auto& dev : devices) {
            try {
                for (const auto& r : slimtest::checkFixture(dir, at::Device(dev))) {
                    std::printf("%s %s: %s\n", r.passed ? "PASS" : "FAIL", r.name.c_str(), r.detail.c_str());
                    (r.passed ? passed : failed)++;
                }
            } catch (const std::exception& e) {
                std::printf("FAIL %s / %s: %s\n", dir.filename().c_str(), dev.c_str(), e.what());
                ++failed;
            }
        }
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
