// W4A16 GEMV for the GPTQ layout (see w4a16.h).  Written for Slimbench; the split-K scheme with one
// thread per output column follows the usual structure of GPTQ's CUDA kernels (IST-DASLab/gptq quant_cuda).
#include "core/quant/w4a16.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace slim::quant::cuda {

namespace {

constexpr int kThreads = 128;   // output columns per block

template <typename T>
__device__ __forceinline__ float toFloat(T v);
template <>
__device__ __forceinline__ float toFloat<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <>
__device__ __forceinline__ float toFloat<__half>(__half v) { return __half2float(v); }
template <>
__device__ __forceinline__ float toFloat<float>(float v) { return v; }

template <typename T, int B>
__global__ void gemvKernel(const T* __restrict__ x, const int32_t* __restrict__ qweight, const int32_t* __restrict__ qzeros,
                           const __half* __restrict__ scales, float* __restrict__ y, int in, int out, int group,
                           int rowsPerSplit) {
    extern __shared__ float xs[]; // (B, rowsPerSplit * 8)
    const int k0 = blockIdx.y * rowsPerSplit;
    const int k1 = min(k0 + rowsPerSplit, in / 8);
    const int span = (k1 - k0) * 8;
    for (int idx = threadIdx.x; idx < B * span; idx += blockDim.x) {
        const int b = idx / span, i = idx % span;
        xs[idx] = toFloat<T>(x[b * in + k0 * 8 + i]);
    }
    __syncthreads();
    const int o = blockIdx.x * blockDim.x + threadIdx.x;
    if (o >= out || k0 >= k1)
        return;
    float acc[B];
#pragma unroll
    for (int b = 0; b < B; ++b)
        acc[b] = 0.f;
    int g = -1;
    float s = 0.f, z = 0.f;
    for (int k = k0; k < k1; ++k) {
        const int gk = (k * 8) / group;
        if (gk != g) {
            g = gk;
            s = __half2float(scales[g * out + o]);
            z = float((qzeros[g * (out / 8) + o / 8] >> (4 * (o % 8))) & 15);
        }
        const uint32_t w = static_cast<uint32_t>(qweight[k * out + o]);
        const float* xr = xs + (k - k0) * 8;
#pragma unroll
        for (int i = 0; i < 8; ++i) {
            const float wv = s * (float((w >> (4 * i)) & 15u) - z);
#pragma unroll
            for (int b = 0; b < B; ++b)
                acc[b] += wv * xr[b * span + i];
        }
    }
#pragma unroll
    for (int b = 0; b < B; ++b)
        atomicAdd(&y[b * out + o], acc[b]);
}

template <typename T>
void launch(const void* x, const int32_t* qw, const int32_t* qz, const void* sc, float* y, int B, int in, int out, int group,
            cudaStream_t stream) {
    const int rows = in / 8;
    // Enough blocks to fill the GPU: columns / 128 blocks in x, the input split so that x·y ≥ ~512.
    const int colBlocks = (out + kThreads - 1) / kThreads;
    int splits = (512 + colBlocks - 1) / colBlocks;
    splits = max(1, min(splits, rows / 4));
    const int rowsPerSplit = (rows + splits - 1) / splits;
    splits = (rows + rowsPerSplit - 1) / rowsPerSplit;
    const dim3 grid(colBlocks, splits);
    const size_t shm = size_t(B) * rowsPerSplit * 8 * sizeof(float);
    const T* xt = static_cast<const T*>(x);
    const __half* s = static_cast<const __half*>(sc);
    switch (B) {
#define SLIM_CASE(n) \
    case n: gemvKernel<T, n><<<grid, kThreads, shm, stream>>>(xt, qw, qz, s, y, in, out, group, rowsPerSplit); break;
        SLIM_CASE(1) SLIM_CASE(2) SLIM_CASE(3) SLIM_CASE(4) SLIM_CASE(5) SLIM_CASE(6) SLIM_CASE(7) SLIM_CASE(8)
#undef SLIM_CASE
    default: break;
    }
}

} // namespace

void w4a16Gemv(const void* x, ActDtype xType, const int32_t* qweight, const int32_t* qzeros, const void* scalesF16, float* y,
               int B, int in, int out, int group, void* stream) {
    const auto st = static_cast<cudaStream_t>(stream);
    switch (xType) {
    case ActDtype::BF16: launch<__nv_bfloat16>(x, qweight, qzeros, scalesF16, y, B, in, out, group, st); break;
    case ActDtype::F16: launch<__half>(x, qweight, qzeros, scalesF16, y, B, in, out, group, st); break;
    case ActDtype::F32: launch<float>(x, qweight, qzeros, scalesF16, y, B, in, out, group, st); break;
    }
}

} // namespace slim::quant::cuda
