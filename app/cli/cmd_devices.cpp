// slimbench-cli devices / estimate: where a job can run and whether it fits.
//
//   devices [--json]
//   estimate MODEL_DIR --job generate|eval|lora|qlora|distill|gptq|awq|sparsegpt|wanda|rtn|hqq|nf4
//            [--device cpu|cuda[:N]] [--dtype auto|fp32|bf16|fp16] [--context N] [--new-tokens N] [--batch B]
//            [--samples N] [--rank R] [--offload] [--available BYTES] [--json]
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/eval/devices.h"
#include "core/eval/memory_estimate.h"
#include "core/io/checkpoint.h"
#include "core/model/host_memory.h"
#include "core/model/model_config.h"

#include <sstream>

namespace slim::cli {

namespace {
std::string gib(double b) { return model::formatBytes(static_cast<int64_t>(b)); }
} // namespace

int cmdDevices(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly({"json"});
    const eval::DeviceList l = eval::listDevices();
    std::ostringstream os;
    os << "LibTorch " << l.libtorch << (l.cudaBuild ? ", CUDA " + l.cuda : std::string(", no CUDA in this build")) << "\n";
    for (const auto& d : l.devices) {
        os << "  " << d.id << "  " << d.name;
        if (d.totalBytes >= 0)
            os << "  " << gib(double(d.freeBytes)) << " free of " << gib(double(d.totalBytes));
        if (!d.computeCapability.empty())
            os << "  compute " << d.computeCapability;
        os << "  dtypes";
        for (const auto& t : d.dtypes)
            os << " " << t;
        if (!d.usable)
            os << "  (not usable: " << d.note << ")";
        else if (!d.note.empty())
            os << "  (" << d.note << ")";
        os << "\n";
    }
    out.text(os.str());
    out.result(l.toJson());
    return 0;
}

int cmdEstimate(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "offload"});
    a.allowOnly({"json", "job", "device", "dtype", "context", "new-tokens", "batch", "samples", "rank", "offload", "available"});
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto cfg = model::ModelConfig::load(std::filesystem::path(dir) / "config.json");
    const auto stored = io::Checkpoint::open(dir).bytesByDType();
    eval::EstimateRequest r;
    r.job = a.get("job", "generate");
    r.device = a.get("device", "cpu");
    r.dtype = a.get("dtype", "auto");
    r.context = a.getInt("context", r.job == "generate" ? 512 : r.job == "eval" ? 2048 : 256);
    r.newTokens = a.getInt("new-tokens", 128);
    r.batch = a.getInt("batch", r.job == "eval" ? -1 : r.job == "lora" || r.job == "qlora" || r.job == "distill" ? 4 : 1);
    r.samples = a.getInt("samples", 128);
    r.loraRank = a.getInt("rank", 8);
    r.offload = a.flag("offload");
    // The device's free memory: --available, else what the device reports now.
    double available = a.getDouble("available", -1.0);
    if (available < 0) {
        const std::string want = r.device == "cuda" ? "cuda:0" : r.device;
        for (const auto& d : eval::listDevices().devices)
            if (d.id == want && d.usable)
                available = double(d.freeBytes);
    }
    const eval::MemoryEstimate e = eval::estimateMemory(cfg, stored, r, available);
    std::ostringstream os;
    os << r.job << " on " << r.device << " (" << e.request.dtype << "):\n";
    for (const auto& c : e.components)
        os << "  " << c.name << std::string(c.name.size() < 14 ? 14 - c.name.size() : 1, ' ') << gib(c.bytes) << "  " << c.note << "\n";
    os << "  total         " << gib(e.total);
    if (e.available >= 0)
        os << " of " << gib(e.available) << " free: " << (e.fits ? "fits" : "does NOT fit");
    os << "\n";
    if (!e.suggestion.empty())
        os << "  would fit with " << e.suggestion << "\n";
    out.text(os.str());
    out.result(e.toJson());
    return 0;
}

} // namespace slim::cli
