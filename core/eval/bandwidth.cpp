#include "core/eval/bandwidth.h"

#include "core/eval/device_memory.h"
#include "core/eval/energy.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "core/cpu/huge_pages.h"
#include "core/cpu/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <sstream>

namespace slim::eval {

double BandwidthInfo::boundTokensPerS(int64_t weightBytesPerToken) const {
    return weightBytesPerToken > 0 && usedBytesPerS > 0 ? usedBytesPerS / static_cast<double>(weightBytesPerToken)
                                                        : 0.0;
}

nlohmann::json BandwidthInfo::toJson() const {
    nlohmann::json j = {
        {"device", device}, {"used", used}, {"used_bytes_per_s", usedBytesPerS}, {"spec_source", specSource}};
    j["spec_bytes_per_s"] = specBytesPerS > 0 ? nlohmann::json(specBytesPerS) : nlohmann::json(nullptr);
    if (copyBytesPerS > 0) {
        j["measured_copy_bytes_per_s"] = copyBytesPerS;
        j["measured_copy_buffer_bytes"] = copyBufferBytes;
    }
    if (readBytesPerS > 0) {
        j["measured_read_bytes_per_s"] = readBytesPerS;
        j["measured_read_buffer_bytes"] = copyBufferBytes;
    }
    return j;
}

double measureCopyBandwidth(const at::Device& device, int64_t bytes, int reps) {
    const auto opts = at::TensorOptions().dtype(at::kByte).device(device);
    at::Tensor src = at::empty({bytes}, opts).fill_(1);
    at::Tensor dst = at::empty({bytes}, opts);
    dst.copy_(src); // warm-up: pages touched, kernels loaded
    synchronizeDevice(device);
    double best = 0;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        dst.copy_(src);
        synchronizeDevice(device);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (s > 0)
            best = std::max(best, 2.0 * static_cast<double>(bytes) / s);
    }
    return best;
}

double measureHostReadBandwidth(int64_t bytes, int reps) {
    // What a batch-1 decode kernel does: stream a buffer once, every thread of the CPU kernels' pool on
    // its own contiguous part, in 2 MiB pages like the loaded weights (core/io/safetensors_tensors.cpp).
    const int64_t words = bytes / 8;
    at::Tensor buf = cpu::emptyInHugePages({words}, at::kLong);
    uint64_t* p = reinterpret_cast<uint64_t*>(buf.data_ptr<int64_t>());
    for (int64_t i = 0; i < words; ++i)
        p[i] = static_cast<uint64_t>(i);
    auto& pool = cpu::ThreadPool::global();
    std::atomic<uint64_t> total{0};
    double best = 0;
    for (int r = 0; r < reps + 1; ++r) {   // the first pass warms up
        const auto t0 = std::chrono::steady_clock::now();
        pool.parallelFor(words, 4096, [&](int64_t b, int64_t end) {
            uint64_t acc[8] = {};
            for (int64_t i = b; i + 8 <= end; i += 8)
                for (int k = 0; k < 8; ++k)
                    acc[k] += p[i + k];
            uint64_t t = 0;
            for (uint64_t v : acc)
                t += v;
            total += t;
        });
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (r > 0 && s > 0)
            best = std::max(best, static_cast<double>(words * 8) / s);
    }
    volatile uint64_t sink = total.load();   // keeps the reads
    (void)sink;
    return best;
}

BandwidthInfo memoryBandwidth(const at::Device& device, std::optional<double> overrideBytesPerS, bool measure) {
    BandwidthInfo b;
    if (device.is_cuda()) {
        const nlohmann::json nv = nvmlDeviceInfo(std::max<int>(0, device.index()));
        b.device = nv.value("name", std::string("CUDA device ") + std::to_string(std::max<int>(0, device.index())));
        if (nv.contains("memory_bandwidth_bytes_per_s")) {
            b.specBytesPerS = nv.at("memory_bandwidth_bytes_per_s").get<double>();
            std::ostringstream s;
            s << "nvml: " << nv.at("memory_max_clock_mhz").get<unsigned>() << " MHz x "
              << nv.at("memory_bus_width_bits").get<unsigned>() << " bit x 2 (DDR)";
            b.specSource = s.str();
        } else {
            b.specSource = nv.value("reason", std::string("NVML reports no memory clock / bus width"));
        }
    } else {
        b.device = "cpu (" + std::to_string(cpu::ThreadPool::global().threads()) + " threads)";
        b.specSource = "no spec for host memory: the measured read is used";
    }
    if (measure) {
        // Large enough to leave every cache behind: 1 GiB on GPUs (50 MB L2 on an H100), 256 MiB on the host.
        b.copyBufferBytes = device.is_cuda() ? (int64_t(1) << 30) : (int64_t(256) << 20);
        if (device.is_cpu())
            b.readBytesPerS = measureHostReadBandwidth(b.copyBufferBytes);
        else
            b.copyBytesPerS = measureCopyBandwidth(device, b.copyBufferBytes);
    }
    if (overrideBytesPerS && *overrideBytesPerS > 0) {
        b.usedBytesPerS = *overrideBytesPerS;
        b.used = "override";
    } else if (b.specBytesPerS > 0) {
        b.usedBytesPerS = b.specBytesPerS;
        b.used = "spec";
    } else if (b.readBytesPerS > 0) {
        b.usedBytesPerS = b.readBytesPerS;
        b.used = "measured-read";
    } else if (b.copyBytesPerS > 0) {
        b.usedBytesPerS = b.copyBytesPerS;
        b.used = "measured-copy";
    } else {
        b.used = "unknown";
    }
    return b;
}

} // namespace slim::eval
