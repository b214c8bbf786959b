#pragma once
/// @file huge_pages.h
/// Weights in 2 MiB pages.  Batch-1 decode streams every weight once per token; with 4 KiB pages the
/// page walks measured about a fifth of the memory bandwidth on the 2-core machine of issue #13.
/// Transparent huge pages in "madvise" mode (Debian's default) need the hint before the pages are
/// first touched.

#include <ATen/core/Tensor.h>

#include <cstddef>

#include <string>

namespace slim::cpu {

/// madvise(MADV_HUGEPAGE) on the 2 MiB-aligned interior of [p, p + bytes); harmless where unsupported.
void adviseHugePages(void* p, size_t bytes);

/// at::empty on the CPU with the hint given before any page is touched.
at::Tensor emptyInHugePages(at::IntArrayRef sizes, at::ScalarType dtype);

/// glibc malloc tuned for decode: buffers below 4 MiB (logits, activations, per-call results) come from
/// the heap and are reused, instead of being mapped and zero-filled by the kernel on every token (glibc's
/// 128 KiB default sent the 32000-entry logits through mmap each step: ~4 % of decode time in
/// clear_page); up to 64 MiB of freed heap is kept.  Called once by the CLI's and the GUI's main().
void configureAllocator();

/// OpenMP threads that sleep when idle.  LibTorch's element-wise operators run on OpenMP threads, and
/// libgomp lets them spin after each parallel region; on a small machine they then take the cores from
/// OpenBLAS's GEMM threads and from cpu::ThreadPool (perf on the 2-core VM: 39 % of a 64-token prefill in
/// libgomp's spin loop; OMP_WAIT_POLICY=PASSIVE took that prefill from 13 to 30 tok/s in bf16 and from 23
/// to 49 in fp32, decode unchanged).  libgomp reads the variable once, when it is loaded, so when it is
/// unset this sets it and executes the program again (its own path, same arguments); a set variable
/// (any value) is left alone, and if the exec fails the process carries on as it is.  Called first by the
/// CLI's and the GUI's main().
void passiveOpenMpWait(char** argv);
/// The policy in effect ("PASSIVE" after passiveOpenMpWait, "" when unset).
std::string openMpWaitPolicy();

} // namespace slim::cpu
