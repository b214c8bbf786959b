#include "core/eval/devices.h"

#include "core/common/errors.h"
#include "core/eval/energy.h"
#include "core/eval/machine_info.h"
#include "core/model/host_memory.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <torch/version.h>

#if defined(SLIMBENCH_WITH_CUDA)
#include <c10/cuda/CUDAFunctions.h>
#include <cuda_runtime_api.h>
#endif


#include "core/cpu/gemv.h"
#include "core/cpu/huge_pages.h"
#include "core/cpu/thread_pool.h"

namespace slim::eval {

using nlohmann::json;

std::vector<std::string> supportedDtypes(const std::string& deviceId, const std::string& cc) {
    if (deviceId == "cpu")
        return {"fp32", "bf16"};
    const int major = cc.empty() ? 0 : std::atoi(cc.c_str());
    if (major >= 8)
        return {"bf16", "fp16", "fp32"};
    return {"fp16", "fp32"};
}

json DeviceList::toJson() const {
    json arr = json::array();
    for (const auto& d : devices) {
        json j = {{"id", d.id}, {"name", d.name}, {"dtypes", d.dtypes}, {"usable", d.usable}};
        if (d.totalBytes >= 0)
            j["memory_total_bytes"] = d.totalBytes;
        if (d.freeBytes >= 0)
            j["memory_free_bytes"] = d.freeBytes;
        if (!d.computeCapability.empty())
            j["compute_capability"] = d.computeCapability;
        if (!d.note.empty())
            j["note"] = d.note;
        arr.push_back(std::move(j));
    }
    return {{"devices", arr}, {"cuda_build", cudaBuild}, {"libtorch", libtorch}, {"cuda", cuda}};
}

DeviceList DeviceList::fromJson(const json& j) {
    if (!j.is_object() || !j.contains("devices") || !j.at("devices").is_array())
        throw ConfigError("device list: expected {\"devices\": [...]}");
    DeviceList l;
    l.cudaBuild = j.value("cuda_build", false);
    l.libtorch = j.value("libtorch", "");
    l.cuda = j.value("cuda", "");
    for (const auto& d : j.at("devices")) {
        if (!d.is_object() || !d.contains("id") || !d.at("id").is_string())
            throw ConfigError("device list: every device needs a string \"id\"");
        DeviceInfo x;
        x.id = d.at("id").get<std::string>();
        x.name = d.value("name", x.id);
        x.totalBytes = d.value("memory_total_bytes", int64_t{-1});
        x.freeBytes = d.value("memory_free_bytes", int64_t{-1});
        x.computeCapability = d.value("compute_capability", "");
        x.usable = d.value("usable", true);
        x.note = d.value("note", "");
        if (d.contains("dtypes") && d.at("dtypes").is_array())
            for (const auto& t : d.at("dtypes"))
                x.dtypes.push_back(t.get<std::string>());
        else
            x.dtypes = supportedDtypes(x.id, x.computeCapability);
        l.devices.push_back(std::move(x));
    }
    return l;
}

DeviceList listDevices() {
    DeviceList l;
    l.libtorch = TORCH_VERSION;
    DeviceInfo cpu;
    cpu.id = "cpu";
    cpu.name = machineInfo(-1).value("cpu", std::string("CPU"));
    cpu.totalBytes = model::totalHostMemory();
    cpu.freeBytes = model::availableHostMemory();
    cpu.dtypes = supportedDtypes("cpu", "");
    cpu.note = std::to_string(cpu::ThreadPool::global().threads()) + " threads, decode kernels: " + cpu::kernelDescription() +
               ", OpenMP wait policy: " + (cpu::openMpWaitPolicy().empty() ? "libgomp default (spinning)" : cpu::openMpWaitPolicy());
    l.devices.push_back(cpu);
#if defined(SLIMBENCH_WITH_CUDA)
    l.cudaBuild = true;
    int runtime = 0;
    if (cudaRuntimeGetVersion(&runtime) == cudaSuccess)
        l.cuda = std::to_string(runtime / 1000) + "." + std::to_string((runtime % 1000) / 10);
#else
    l.cudaBuild = at::hasCUDA();
#endif
    const int usableCount = l.cudaBuild && at::hasCUDA() ? static_cast<int>(at::getNumGPUs()) : 0;
    const json nv = nvmlDevices();
    const json listed = nv.value("available", false) ? nv.at("devices") : json::array();
    const int n = std::max<int>(usableCount, static_cast<int>(listed.size()));
    for (int i = 0; i < n; ++i) {
        DeviceInfo g;
        g.id = "cuda:" + std::to_string(i);
        const json d = i < static_cast<int>(listed.size()) ? listed[static_cast<size_t>(i)] : json::object();
        g.name = d.value("name", std::string("CUDA device ") + std::to_string(i));
        g.totalBytes = d.value("memory_total_bytes", int64_t{-1});
        g.freeBytes = d.value("memory_free_bytes", int64_t{-1});
        g.computeCapability = d.value("compute_capability", "");
#if defined(SLIMBENCH_WITH_CUDA)
        if (i < usableCount && (g.totalBytes < 0 || g.computeCapability.empty())) {
            size_t freeB = 0, totalB = 0;
            if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&freeB, &totalB) == cudaSuccess) {
                g.totalBytes = static_cast<int64_t>(totalB);
                g.freeBytes = static_cast<int64_t>(freeB);
            }
            cudaDeviceProp prop{};
            if (cudaGetDeviceProperties(&prop, i) == cudaSuccess) {
                g.name = prop.name;
                g.computeCapability = std::to_string(prop.major) + "." + std::to_string(prop.minor);
            }
        }
#endif
        g.dtypes = supportedDtypes(g.id, g.computeCapability);
        g.usable = i < usableCount;
        if (!g.usable)
            g.note = l.cudaBuild ? "CUDA cannot use this device" : "this build of Slimbench uses a LibTorch without CUDA "
                                                                   "(see README: CUDA build)";
        l.devices.push_back(std::move(g));
    }
    return l;
}

} // namespace slim::eval
