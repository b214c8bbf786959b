#include "core/eval/device_memory.h"

#include "core/model/host_memory.h"

#include <ATen/ATen.h>

#if defined(SLIMBENCH_WITH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace slim::eval {

namespace {
#if defined(SLIMBENCH_WITH_CUDA)
/// The caching allocator's statistics exist only once CUDA is initialised on that device (a process
/// that has not yet put anything on the GPU gets "Invalid device argument"): touch it first.
int cudaIndexReady(const at::Device& device) {
    const int index = device.index() < 0 ? 0 : device.index();
    (void)at::empty({1}, at::TensorOptions().device(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index))));
    return index;
}
#endif
} // namespace

void resetPeakMemory(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        c10::cuda::CUDACachingAllocator::resetPeakStats(cudaIndexReady(device));
        return;
    }
#endif
    (void)device;
}

int64_t peakMemoryBytes(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(cudaIndexReady(device));
        return stats.allocated_bytes[0].peak;   // StatType::AGGREGATE
    }
#endif
    return device.is_cpu() ? model::peakResidentBytes() : -1;
}

int64_t currentMemoryBytes(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(cudaIndexReady(device));
        return stats.allocated_bytes[0].current;
    }
#endif
    return device.is_cpu() ? model::residentBytes() : -1;
}

void synchronizeDevice(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        c10::cuda::device_synchronize();
        return;
    }
#endif
    if (device.is_cuda())
        (void)at::zeros({1}, at::TensorOptions().device(device)).item<float>();
}

} // namespace slim::eval
