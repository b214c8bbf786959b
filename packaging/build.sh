#!/usr/bin/env bash
# Slimbench developer entry point — the README's two commands:
#   packaging/build.sh run    install what is missing (Debian 12), build, start the GUI on the demo model
#   packaging/build.sh test   install what is missing, build, run the test suite (CTest labels unit + widgets),
#                             build the .deb and smoke-test it in a scratch root, then build the libFuzzer
#                             targets with clang and run each briefly (label fuzz)
# Other verbs: deps (install only), build (configure + build), package (the .deb in $BUILD, smoke-tested).
# Environment: SLIMBENCH_BUILD_DIR (default ./build), SLIMBENCH_TEST_LABELS (default "unit|widgets"),
#              SLIMBENCH_LIBTORCH (a LibTorch with CUDA — its folder, or PyTorch's
#              torch.utils.cmake_prefix_path — instead of Debian's CPU libtorch-dev; CUDA is then built in),
#              SLIMBENCH_GUI=OFF (core and CLI only), SLIMBENCH_SKIP_DEPS=1 (no apt-get: a machine set up by hand),
#              JOBS (parallel build jobs, default: number of cores), SLIMBENCH_FUZZ_SECONDS (per fuzz
#              target, default 15; 0 skips the fuzz stage).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLIMBENCH_BUILD_DIR:-$ROOT/build}
JOBS=${JOBS:-$(nproc)}
# ccache: paths relative to the checkout and no working-directory hash, so a fresh clone in another
# folder (CI) reuses what an earlier build of the same sources compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
# The precompiled LibTorch headers are cacheable only with these (ccache manual, "Precompiled headers").
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}

# Debian 12 packages the build, the tests and the demo model need.
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread nlohmann-json3-dev libsqlite3-dev
  qt6-base-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools qt6-svg-dev libgl-dev
  libqcustomplot-dev
  fonts-wqy-microhei poppler-utils desktop-file-utils appstream dpkg-dev
  xvfb xauth
  bible-kjv-text
  clang libclang-rt-14-dev
)

log() { printf '\033[1;34m[slimbench]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

deps() {
  if [ "${SLIMBENCH_SKIP_DEPS:-0}" = 1 ]; then
    log "SLIMBENCH_SKIP_DEPS=1: not installing Debian packages"
    return
  fi
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "all Debian packages present"
    return
  fi
  log "installing: ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    local args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
    if [ -n "${SLIMBENCH_LIBTORCH:-}" ]; then
      # A LibTorch folder (lib/, share/cmake/Torch) or a CMake prefix that contains Torch.
      args+=(-DCMAKE_PREFIX_PATH="$SLIMBENCH_LIBTORCH")
      local cuda_lib=""
      for f in "$SLIMBENCH_LIBTORCH/lib/libtorch_cuda.so" "$SLIMBENCH_LIBTORCH/../../lib/libtorch_cuda.so"; do
        [ -e "$f" ] && cuda_lib=$f
      done
      if [ -n "$cuda_lib" ]; then
        log "LibTorch with CUDA at $SLIMBENCH_LIBTORCH: building the CUDA kernels too"
        args+=(-DSLIMBENCH_CUDA=ON)
        [ -x /usr/local/cuda/bin/nvcc ] && args+=(-DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc)
      else
        log "LibTorch at $SLIMBENCH_LIBTORCH (no libtorch_cuda.so found: CPU only)"
      fi
    fi
    [ "${SLIMBENCH_GUI:-ON}" = OFF ] && args+=(-DSLIMBENCH_BUILD_GUI=OFF -DSLIMBENCH_BUILD_TESTS=OFF)
    # shellcheck disable=SC2206
    args+=(${SLIMBENCH_CMAKE_ARGS:-})
    log "configuring in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja "${args[@]}"
  fi
}

build() {
  configure
  log "building with $JOBS jobs"
  cmake --build "$BUILD" -j"$JOBS" ${TARGETS:+--target $TARGETS}
}

run_gui() {
  local cli="$BUILD/app/cli/slimbench-cli"
  local gui="$BUILD/app/slimbench"
  # The demo model is trained once (a few minutes on 2 cores) and reused afterwards.
  log "preparing the demo model (trained once, then reused)"
  "$cli" train-demo
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" = "" ]; then
    log "no display found: starting under xvfb-run (set DISPLAY to use your desktop)"
    exec xvfb-run -a -s "-screen 0 1600x1000x24" "$gui" --demo "$@"
  fi
  exec "$gui" --demo "$@"
}

run_tests() {
  export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}
  export QT_QPA_PLATFORM=offscreen
  local labels=${SLIMBENCH_TEST_LABELS:-"unit|widgets"}
  log "running tests (labels: $labels)"
  cd "$BUILD"
  ctest -L "$labels" --output-on-failure -j2 --timeout 900
}

# The .deb (CPack, dependencies from dpkg-shlibdeps), unpacked into a scratch root and started there.
package() {
  log "building the .deb (CPack)"
  (cd "$BUILD" && cpack -G DEB > "$BUILD/cpack.log") || { cat "$BUILD/cpack.log"; return 1; }
  local deb
  deb=$(ls -t "$BUILD"/slimbench_*.deb | head -1)
  log "smoke-testing $deb in a scratch root"
  "$ROOT/tests/packaging/deb_smoke.sh" "$deb"
}

# libFuzzer targets (tests/fuzz): a separate clang build of the parsers with ASan + UBSan.
run_fuzz() {
  local seconds=${SLIMBENCH_FUZZ_SECONDS:-15}
  [ "$seconds" = "0" ] && { log "fuzz stage skipped (SLIMBENCH_FUZZ_SECONDS=0)"; return; }
  local fbuild="$BUILD-fuzz"
  if [ ! -f "$fbuild/build.ninja" ]; then
    log "configuring the fuzz targets in $fbuild"
    CC=clang CXX=clang++ cmake -S "$ROOT" -B "$fbuild" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DSLIMBENCH_FUZZ=ON -DSLIMBENCH_BUILD_GUI=OFF -DSLIMBENCH_BUILD_TESTS=OFF
  fi
  cmake -S "$ROOT" -B "$fbuild" -DSLIMBENCH_FUZZ_SECONDS="$seconds" > /dev/null
  cmake --build "$fbuild" -j"$JOBS"
  log "fuzzing each parser for $seconds s"
  (cd "$fbuild" && ctest -L fuzz --output-on-failure)
}

verb=${1:-}
shift || true
case "$verb" in
  deps) deps ;;
  build) deps; build ;;
  run) deps; build; run_gui "$@" ;;
  test) deps; build; run_tests; package; run_fuzz ;;
  package) deps; build; package ;;
  fuzz) deps; run_fuzz ;;
  *) echo "usage: $0 run|test|deps|build|package|fuzz" >&2; exit 1 ;;
esac
