#!/bin/bash
# Build core, slimbench-cli and slimbench-fixture-check against the GPU machine's PyTorch LibTorch
# (CUDA), without Qt, through the README's build script (packaging/build.sh with SLIMBENCH_LIBTORCH).
# Usage: tests/reference/gpu_build.sh BUILD_DIR [extra cmake args]
# NLOHMANN_INCLUDE: a folder holding nlohmann/json.hpp when the package is not installed.
set -euo pipefail
BUILD=${1:-/tmp/slim-build}
shift || true
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SLIMBENCH_LIBTORCH=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)') \
SLIMBENCH_GUI=OFF SLIMBENCH_SKIP_DEPS=1 SLIMBENCH_BUILD_DIR="$BUILD" JOBS="$(nproc)" \
SLIMBENCH_CMAKE_ARGS="-DCMAKE_BUILD_TYPE=Release ${NLOHMANN_INCLUDE:+-DNLOHMANN_INCLUDE=$NLOHMANN_INCLUDE} $*" \
  bash "$ROOT/packaging/build.sh" build
