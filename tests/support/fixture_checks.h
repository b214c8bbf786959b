#pragma once
// Checks of the runtime against the transformers fixtures (tests/reference/make_fixtures.py).
// Plain C++ (no Qt) so that the same checks run in the Qt Test suite on the CPU and in
// slimbench-fixture-check on the GPU machine (which has no Qt).

#include <ATen/core/Tensor.h>

#include <filesystem>
#include <string>
#include <vector>

namespace slimtest {

/// Named tolerances (issue #2): fp32 logits within 1e-4 of the largest |logit|; low-precision
/// NLL within 1% of the reference NLL.
inline constexpr double kFp32RelLogitTol = 1e-4;
inline constexpr double kLowPrecisionNllRelTol = 0.01;

struct CheckResult {
    std::string name;     ///< "llama-fp32 / cpu / fp32 / logits"
    bool passed = false;
    std::string detail;   ///< measured numbers
};

/// The fixture folders under `root` (tests/data/fixtures).
std::vector<std::filesystem::path> fixtureDirs(const std::filesystem::path& root);

/// Run every check of one fixture on `device`; skips what the device cannot do (e.g. fp16 on an
/// old CPU LibTorch) with a passed result whose detail says "skipped: ...".
std::vector<CheckResult> checkFixture(const std::filesystem::path& dir, const at::Device& device);

} // namespace slimtest
