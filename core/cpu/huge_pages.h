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

} // namespace slim::cpu
