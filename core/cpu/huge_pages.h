#pragma once
/// @file huge_pages.h
/// Weights in 2 MiB pages.  Batch-1 decode streams every weight once per token; with 4 KiB pages the
/// page walks measured about a fifth of the memory bandwidth on the 2-core machine of issue #13.
/// Transparent huge pages in "madvise" mode (Debian's default) need the hint before the pages are
/// first touched.

#include <ATen/core/Tensor.h>

#include <cstddef>

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

} // namespace slim::cpu
