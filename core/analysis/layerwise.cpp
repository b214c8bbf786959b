#include "core/analysis/layerwise.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/eval/device_memory.h"
#include "core/model/forward_hooks.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace slim::analysis {

using model::Proj;

namespace {

/// Sets cuBLAS's TF32 permission for its lifetime, then restores the previous one.
class Tf32Scope {
public:
    explicit Tf32Scope(bool allow) : m_previous(at::globalContext().allowTF32CuBLAS()) {
        if (allow != m_previous)
            at::globalContext().setAllowTF32CuBLAS(allow);
    }
    ~Tf32Scope() {
        if (at::globalContext().allowTF32CuBLAS() != m_previous)
            at::globalContext().setAllowTF32CuBLAS(m_previous);
    }
    Tf32Scope(const Tf32Scope&) = delete;
    Tf32Scope& operator=(const Tf32Scope&) = delete;

private:
    bool m_previous;
};

/// The projections that read the same input tensor inside a layer, by the first of them.
const ProjGroup& inputSlot(Proj first) {
    static const ProjGroup qkv = {Proj::Q, Proj::K, Proj::V}, o = {Proj::O}, gu = {Proj::Gate, Proj::Up},
                           d = {Proj::Down};
    switch (first) {
    case Proj::Q:
        return qkv;
    case Proj::O:
        return o;
    case Proj::Gate:
        return gu;
    default:
        return d;
    }
}

/// Adds the seconds of its scope to `bucket`, the device synchronised at both ends (so that the time
/// of queued kernels lands in the phase that queued them).
class PhaseTimer {
public:
    PhaseTimer(double& bucket, const at::Device& device) : m_bucket(bucket), m_device(device) {
        eval::synchronizeDevice(m_device);
        m_start = std::chrono::steady_clock::now();
    }
    ~PhaseTimer() {
        eval::synchronizeDevice(m_device);
        m_bucket += std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    }
    PhaseTimer(const PhaseTimer&) = delete;
    PhaseTimer& operator=(const PhaseTimer&) = delete;

private:
    double& m_bucket;
    at::Device m_device;
    std::chrono::steady_clock::time_point m_start;
};

bool contains(const ProjGroup& g, Proj p) {
    return std::find(g.begin(), g.end(), p) != g.end();
}

} // namespace

nlohmann::json LayerwiseReport::toJson() const {
    return {{"layers", layers},
            {"samples", samples},
            {"tokens", tokens},
            {"seconds", seconds},
            {"peak_device_bytes", peakDeviceBytes},
            {"phase_seconds",
             {{"forward", forwardSeconds}, {"observe", observeSeconds}, {"compress", compressSeconds},
              {"layer_moves", moveSeconds},
              {"hidden_moves", hiddenMoveSeconds}}}};
}

std::vector<ProjGroup> layerGroups(bool trueSequential, const std::vector<Proj>& wanted) {
    const std::vector<ProjGroup> order =
        trueSequential
            ? std::vector<ProjGroup>{{Proj::Q, Proj::K, Proj::V}, {Proj::O}, {Proj::Gate, Proj::Up}, {Proj::Down}}
            : std::vector<ProjGroup>{{Proj::Q, Proj::K, Proj::V, Proj::O, Proj::Gate, Proj::Up, Proj::Down}};
    std::vector<ProjGroup> out;
    for (const auto& g : order) {
        ProjGroup kept;
        for (Proj p : g)
            if (contains(wanted, p))
                kept.push_back(p);
        if (!kept.empty())
            out.push_back(kept);
    }
    return out;
}

LayerwiseReport runLayerwise(model::LlamaModel& model, const at::Tensor& ids, const LayerwiseOptions& o,
                             const LayerwiseVisitor& visitor, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!ids.defined() || ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1 || ids.scalar_type() != at::kLong)
        throw ConfigError("layer-wise calibration: token ids must be a non-empty (N, T) int64 tensor");
    if (o.batchSize < 1)
        throw ConfigError("layer-wise calibration: batch size must be >= 1 (got " + std::to_string(o.batchSize) + ")");
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= model.config().vocabSize)
        throw ConfigError("layer-wise calibration: token id " + std::to_string(lo < 0 ? lo : hi) +
                          " outside the vocabulary [0, " + std::to_string(model.config().vocabSize) + ")");
    if (o.offload && !model.device().is_cpu())
        throw ConfigError("layer-wise calibration: --offload needs the model loaded in host memory");

    at::NoGradGuard noGrad;
    const int64_t N = ids.size(0), T = ids.size(1), L = model.numLayers();
    const int64_t first = std::max<int64_t>(0, o.firstLayer);
    const int64_t last = o.lastLayer < 0 ? L - 1 : std::min(o.lastLayer, L - 1);
    // An unindexed "cuda" names the current device; CUDA calls below need the index.
    const at::Device dev =
        o.offload
            ? (o.computeDevice.is_cuda() && !o.computeDevice.has_index() ? at::Device(at::kCUDA, 0) : o.computeDevice)
            : model.device();
    const at::Device store = o.offload ? at::Device(at::kCPU) : dev;
    const int64_t nb = (N + o.batchSize - 1) / o.batchSize;
    eval::resetPeakMemory(dev);
    LayerwiseReport r;
    double passSeconds = 0.0;   // every forward pass, observe calls included (subtracted at the end)

    // Offloaded hidden states live in host buffers that each layer's outputs overwrite in place (no fresh
    // pageable pages to fault in for every layer), page-locked when computing on a GPU so that the copies
    // run at bus speed and the copy to the device does not block the host.  Stream order keeps the
    // in-place overwrite safe: a batch's copy to the device is queued before the layer that reads it, and
    // the copy of that layer's output back into the same buffer after it.
    const bool staged = o.offload && dev.is_cuda();
    auto keep = [&](at::Tensor& slot, const at::Tensor& value) {
        if (!o.offload) {
            slot = value;
            return;
        }
        PhaseTimer timer(r.hiddenMoveSeconds, dev);
        if (!slot.defined() || slot.sizes() != value.sizes() || slot.scalar_type() != value.scalar_type())
            slot = eval::stagingEmpty(value.sizes(), value.scalar_type(), dev);
        slot.copy_(value, /*non_blocking=*/staged);
    };

    // 1. Hidden states entering layer 0, one tensor per batch (B, T, hidden).
    ctx.setStatus("calibration: embedding " + std::to_string(N) + " samples of " + std::to_string(T) + " tokens");
    std::vector<at::Tensor> hidden(static_cast<size_t>(nb));
    for (int64_t b = 0; b < nb; ++b) {
        const int64_t b0 = b * o.batchSize, B = std::min(o.batchSize, N - b0);
        keep(hidden[size_t(b)], model.embed(ids.narrow(0, b0, B).to(model.device())).to(store));
    }
    std::map<int64_t, model::LlamaModel::LayerInputs> inputsOf; // by batch size (the last may be short)
    auto layerInputs = [&](int64_t B) -> const model::LlamaModel::LayerInputs& {
        auto it = inputsOf.find(B);
        if (it == inputsOf.end())
            it = inputsOf.emplace(B, model.layerInputs(B, T, dev)).first;
        return it->second;
    };
    // TF32 (option tf32) only inside the pass's forward passes; observe and compress see the caller's setting.
    const bool callerTf32 = at::globalContext().allowTF32CuBLAS();
    const bool forwardTf32 = callerTf32 || (o.tf32 && dev.is_cuda());
    auto run = [&](int64_t l, const at::Tensor& h, const model::ForwardHooks* hooks) {
        PhaseTimer timer(passSeconds, dev);
        const at::Tensor x = h.to(dev, h.scalar_type(), /*non_blocking=*/staged);
        const auto& li = layerInputs(x.size(0));
        Tf32Scope tf32(forwardTf32);
        return model.runLayer(l, x, li.cos, li.sin, li.maskOf(model.config(), l, T), nullptr, hooks);
    };

    const auto groups = layerGroups(o.trueSequential, o.projections);
    std::vector<at::Tensor> original;   // Propagate::Original: the layer's outputs before compression
    for (int64_t l = 0; l < L; ++l) {
        ctx.checkCancel();
        if (o.offload) {
            PhaseTimer timer(r.moveSeconds, dev);
            model.moveLayer(l, dev);
        }
        const bool process = l >= first && l <= last && !groups.empty();
        const bool fromOriginal = process && o.propagate == LayerwiseOptions::Propagate::Original;
        if (fromOriginal) {
            original.resize(hidden.size());
            for (size_t b = 0; b < hidden.size(); ++b)
                keep(original[b], run(l, hidden[b], nullptr));
        }
        if (process) {
            for (size_t g = 0; g < groups.size(); ++g) {
                const ProjGroup& group = groups[g];
                ctx.setStatus("layer " + std::to_string(l + 1) + "/" + std::to_string(L) + ": calibrating " +
                              std::to_string(group.size()) + " projection(s)");
                if (visitor.beginGroup)
                    visitor.beginGroup(l, group);
                model::ForwardHooks hooks;
                // The pass's output is not used: the layer stops once the group's last input has been seen
                // (groups list their projections in forward order; observing down_proj skips its GEMM,
                // true-sequential q/k/v skips everything after the norm).
                hooks.stopAfterInputOf = group.back();
                hooks.onProjInput = [&](int64_t layer, Proj p, const at::Tensor& x) {
                    const ProjGroup& slot = inputSlot(p);
                    if (slot.front() != p)
                        return; // k, v, up: the same tensor as q / gate
                    ProjGroup sharing;
                    for (Proj s : slot)
                        if (contains(group, s))
                            sharing.push_back(s);
                    if (!sharing.empty() && visitor.observe) {
                        PhaseTimer timer(r.observeSeconds, dev);
                        Tf32Scope tf32(callerTf32);
                        visitor.observe(layer, sharing, x.reshape({-1, x.size(-1)}));
                    }
                };
                for (size_t b = 0; b < hidden.size(); ++b) {
                    ctx.checkCancel();
                    (void)run(l, hidden[b], &hooks);
                }
                ctx.setStatus("layer " + std::to_string(l + 1) + "/" + std::to_string(L) + ": compressing");
                if (visitor.compress) {
                    PhaseTimer timer(r.compressSeconds, dev);
                    visitor.compress(l, group);
                }
                ctx.setProgress(
                    (static_cast<double>(l) + static_cast<double>(g + 1) / static_cast<double>(groups.size() + 1)) /
                    static_cast<double>(L));
            }
        }
        // 3. What enters the next layer.
        if (fromOriginal) {
            std::swap(hidden, original);   // the old buffers take the next layer's original outputs
        } else {
            for (auto& h : hidden) {
                ctx.checkCancel();
                keep(h, run(l, h, nullptr));
            }
        }
        if (o.offload) {
            PhaseTimer timer(r.moveSeconds, dev);
            model.moveLayer(l, at::kCPU);
        }
        ctx.setProgress(static_cast<double>(l + 1) / static_cast<double>(L));
    }

    r.forwardSeconds = std::max(0.0, passSeconds - r.observeSeconds);
    r.layers = last - first + 1;
    r.samples = N;
    r.tokens = N * T;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.peakDeviceBytes = dev.is_cuda() ? eval::peakMemoryBytes(dev) : -1;
    return r;
}

} // namespace slim::analysis
