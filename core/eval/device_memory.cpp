#include "core/eval/device_memory.h"

#include "core/model/host_memory.h"

#include <ATen/ATen.h>

#if defined(SLIMBENCH_WITH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#endif

namespace slim::eval {

void resetPeakMemory(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
        return;
    }
#endif
    (void)device;
}

int64_t peakMemoryBytes(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
        return stats.allocated_bytes[0].peak;   // StatType::AGGREGATE
    }
#endif
    return device.is_cpu() ? model::peakResidentBytes() : -1;
}

int64_t currentMemoryBytes(const at::Device& device) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
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
