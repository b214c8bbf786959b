#!/bin/bash
# Build core, slimbench-cli and slimbench-fixture-check against the GPU machine's PyTorch LibTorch
# (CUDA), without Qt.  Usage: tests/reference/gpu_build.sh BUILD_DIR [extra cmake args]
# NLOHMANN_INCLUDE: a folder holding nlohmann/json.hpp when the package is not installed.
set -euo pipefail
BUILD=${1:-/tmp/slim-build}
shift || true
TORCH_PREFIX=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
cmake -S "$(dirname "$0")/../.." -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" -DSLIMBENCH_BUILD_GUI=OFF -DSLIMBENCH_BUILD_TESTS=OFF \
  -DSLIMBENCH_CUDA=ON -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
  ${NLOHMANN_INCLUDE:+-DNLOHMANN_INCLUDE=$NLOHMANN_INCLUDE} "$@"
cmake --build "$BUILD" -j"$(nproc)" ${TARGETS:+--target $TARGETS}
