#pragma once
/// @file device_memory.h
/// Measured memory: CUDA caching-allocator statistics on GPUs, process RSS on the CPU.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace slim::eval {

/// Reset the peak counter (CUDA allocator peak; on the CPU nothing: VmHWM cannot be reset).
void resetPeakMemory(const at::Device& device);
/// Peak bytes allocated on the device since the last reset (CUDA), or the process peak RSS (CPU).
int64_t peakMemoryBytes(const at::Device& device);
/// Bytes currently allocated on the device (CUDA), or the current RSS (CPU).
int64_t currentMemoryBytes(const at::Device& device);
/// Wait for queued device work.
void synchronizeDevice(const at::Device& device);
/// An uninitialised host tensor for staging data to and from `device`: page-locked (cudaHostAlloc, freed
/// with the tensor, not kept by PyTorch's caching host allocator) when `device` is a GPU, so that copies
/// run at bus speed and may be asynchronous; plain pageable memory for other devices, or when the
/// page-locked allocation fails (a copy then simply runs slower).
at::Tensor stagingEmpty(at::IntArrayRef sizes, at::ScalarType dtype, const at::Device& device);
/// Whether `t` lives in page-locked host memory (false without CUDA).
bool isPageLocked(const at::Tensor& t);

} // namespace slim::eval
