#include "core/eval/device_memory.h"

#include "core/model/host_memory.h"

#include <ATen/ATen.h>

#if defined(SLIMBENCH_WITH_CUDA)
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
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

at::Tensor stagingEmpty(at::IntArrayRef sizes, at::ScalarType dtype, const at::Device& device) {
    const auto host = at::TensorOptions().dtype(dtype).device(at::kCPU);
#if defined(SLIMBENCH_WITH_CUDA)
    if (device.is_cuda()) {
        int64_t bytes = static_cast<int64_t>(c10::elementSize(dtype));
        for (const int64_t s : sizes)
            bytes *= s;
        void* ptr = nullptr;
        if (bytes > 0 && cudaHostAlloc(&ptr, static_cast<size_t>(bytes), cudaHostAllocDefault) == cudaSuccess)
            return at::from_blob(ptr, sizes, [](void* p) { cudaFreeHost(p); }, host);
        (void)cudaGetLastError();   // clear the failed allocation's error; pageable memory below
    }
#endif
    (void)device;
    return at::empty(sizes, host);
}

bool isPageLocked(const at::Tensor& t) {
#if defined(SLIMBENCH_WITH_CUDA)
    if (t.defined() && t.device().is_cpu() && t.data_ptr() != nullptr) {
        cudaPointerAttributes attr{};
        if (cudaPointerGetAttributes(&attr, t.data_ptr()) == cudaSuccess)
            return attr.type == cudaMemoryTypeHost;
        (void)cudaGetLastError();
    }
#endif
    (void)t;
    return false;
}

} // namespace slim::eval
