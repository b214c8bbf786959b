#include "core/eval/memory_estimate.h"

#include "core/analysis/layerwise.h"
#include "core/common/errors.h"
#include "core/model/host_memory.h"
#include "core/model/llama_model.h"

#include <algorithm>

namespace slim::eval {

using nlohmann::json;

namespace {

double dtypeBytes(const std::string& d) {
    if (d == "fp32")
        return 4.0;
    if (d == "bf16" || d == "fp16")
        return 2.0;
    throw ConfigError("estimate: dtype '" + d + "' (fp32, bf16, fp16, auto)");
}

double safetensorsElementBytes(const std::string& d) {
    if (d == "F64" || d == "I64")
        return 8.0;
    if (d == "F32" || d == "I32")
        return 4.0;
    if (d == "F16" || d == "BF16" || d == "I16")
        return 2.0;
    return 1.0;
}

bool isFloat(const std::string& d) { return !d.empty() && (d[0] == 'F' || d == "BF16"); }


/// Only the parts an estimate needs.
struct Shape {
    double L, H, I, V, nh, nkv, d;
    double attnWidth() const { return nh * d; }
};

const double kCudaContext = 512.0 * 1024 * 1024;   // CUDA context, cuBLAS workspaces, kernels (typ. 0.3-0.6 GiB)

struct Builder {
    const model::ModelConfig& cfg;
    const std::map<std::string, uint64_t>& stored;
    EstimateRequest r;
    bool cuda;
    double b;       // compute dtype bytes
    Shape s;

    /// Weights as held on the device: float tensors converted to the compute dtype, packed integers as
    /// stored (LlamaModel::load converts floats, keeps QuantizedLinear's qweight / qzeros packed).
    double weights() const {
        double total = 0.0;
        for (const auto& [dtype, bytes] : stored)
            total += isFloat(dtype) ? static_cast<double>(bytes) / safetensorsElementBytes(dtype) * b : static_cast<double>(bytes);
        return total;
    }
    double oneLayerWeights() const { return (weights() - 2.0 * s.V * s.H * b) / std::max(1.0, s.L); }
    bool quantized() const { return !cfg.quantizationConfig.empty(); }

    /// Activations of one decoder layer's forward for `tokens` positions, the largest live set: the
    /// residual stream, the normed input, q / k / v (after RoPE a second copy), the attention output
    /// (scaled_dot_product_attention: no T×T matrix on CUDA — in fp32 with fewer kv heads than query
    /// heads the K/V heads are repeated for the memory-efficient kernel, a copy of each at the query
    /// heads' width; the CPU fallback materialises the scores in the compute dtype and the softmax in
    /// fp32), and the MLP's gate, up and act·up.
    double layerForward(double tokens, double seq) const {
        double a = tokens * b * (3.0 * s.H + 2.0 * (s.nh + 2.0 * s.nkv) * s.d + 3.0 * s.I);
        if (!cuda)
            a += tokens * s.nh * seq * (b + 4.0);
        else if (b == 4.0 && s.nkv < s.nh)
            a += tokens * b * 2.0 * s.nh * s.d;
        return a;
    }
};

} // namespace

json MemoryEstimate::toJson() const {
    json cs = json::array();
    for (const auto& c : components)
        cs.push_back({{"name", c.name}, {"bytes", c.bytes}, {"note", c.note}, {"in_allocator_peak", c.inAllocatorPeak}});
    json req = {{"job", request.job}, {"device", request.device}, {"dtype", request.dtype}, {"context", request.context},
                {"new_tokens", request.newTokens}, {"batch", request.batch}, {"samples", request.samples},
                {"lora_rank", request.loraRank}, {"offload", request.offload}};
    return {{"request", req}, {"components", cs}, {"total_bytes", total}, {"allocator_peak_bytes", allocatorPeak},
            {"available_bytes", available >= 0 ? json(available) : json(nullptr)}, {"fits", fits},
            {"suggestion", suggestion}};
}

static MemoryEstimate estimateOnce(const model::ModelConfig& cfg, const std::map<std::string, uint64_t>& stored,
                                   const EstimateRequest& req, double available) {
    const bool cuda = req.device.rfind("cuda", 0) == 0;
    // "auto" as the loader resolves it (model::autoDtype): on the CPU bf16 only for bf16 checkpoints on
    // CPUs with AVX-512.
    const std::string dtype = req.dtype != "auto" ? req.dtype
                              : cuda              ? "bf16"
                              : model::autoDtype(cfg, at::kCPU) == at::kBFloat16 ? "bf16"
                                                                                  : "fp32";
    Builder B{cfg, stored, req, cuda, dtypeBytes(dtype),
              Shape{double(cfg.numLayers), double(cfg.hiddenSize), double(cfg.intermediateSize), double(cfg.vocabSize),
                    double(cfg.numHeads), double(cfg.numKvHeads), double(cfg.headDim)}};
    const Shape& s = B.s;
    const double b = B.b, T = double(std::max<int64_t>(1, req.context));
    MemoryEstimate e;
    e.request = req;
    e.request.dtype = dtype;
    auto add = [&](const std::string& name, double bytes, const std::string& note, bool inPeak = true) {
        e.components.push_back({name, bytes, note, inPeak});
    };
    const std::string& job = req.job;
    const bool calibrating = job == "gptq" || job == "awq" || job == "sparsegpt" || job == "wanda" || job == "rtn" ||
                             job == "hqq" || job == "nf4";
    if (calibrating && req.offload) {
        add("weights", B.oneLayerWeights(), "layer-wise offload: one decoder layer at a time on the device, the rest in host memory");
    } else if (job == "qlora" && !B.quantized()) {
        // The base quantized to NF4 first: 4 bits per projection weight and an fp32 absmax per block of 64.
        const double proj = s.L * (s.H * s.attnWidth() * 2.0 + 2.0 * s.H * s.nkv * s.d + 3.0 * s.H * s.I);
        const double rest = double(cfg.parameterCount()) - proj;
        add("weights", proj * (0.5 + 4.0 / 64.0) + rest * b, "projections in NF4 (0.5 byte + fp32 absmax per 64), the rest in " + dtype);
    } else
        add("weights", B.weights(), std::string(B.quantized() ? "packed quantized projections as stored, the rest" : "every tensor") +
                                         " in " + dtype);

    if (job == "generate") {
        const double Bt = double(std::max<int64_t>(1, req.batch)), total = T + double(req.newTokens) + 1.0;
        // StaticDecoder / KvCache: keys and values per layer, preallocated for prompt + new tokens.
        add("kv_cache", 2.0 * s.L * Bt * total * s.nkv * s.d * b,
            "2 × layers × batch × (prompt + new tokens + 1) × kv_heads × head_dim × " + dtype);
        add("activations", B.layerForward(Bt * T, T), "one layer's forward over the prompt (prefill), the largest step");
        add("logits", Bt * s.V * (b + 4.0), "the last position's logits, cast to fp32 for sampling");
    } else if (job == "eval") {
        // eval::autoBatch: windows per forward so that the fp32 logits and logsumexp's temporary stay
        // near 4 GiB on a GPU, 512 MiB on the CPU.
        double Be = double(req.batch);
        if (req.batch <= 0) {
            const double budget = (cuda ? 4096.0 : 512.0) * 1024 * 1024;
            Be = std::clamp(std::floor(budget / (T * s.V * 4.0 * 2.0)), 1.0, 64.0);
        }
        const double tokens = Be * T;
        add("activations", B.layerForward(tokens, T), "one layer's forward over " + std::to_string(int64_t(Be)) + " window(s)");
        // lm_head output in the compute dtype, its fp32 copy, and logsumexp's fp32 exp() temporary.
        add("logits", tokens * s.V * (4.0 + std::max(b, 4.0)),
            "batch × window × vocab: fp32 logits + the larger of the " + dtype + " lm_head output and logsumexp's fp32 temporary");
    } else if (job == "lora" || job == "qlora" || job == "distill") {
        const double Bt = double(std::max<int64_t>(1, req.batch)), tokens = Bt * T;
        // LoraLinear: A (r × in) and B (out × r) in fp32, with gradients and Adam's two moments.
        const double perLayer = double(req.loraRank) *
                                ((s.H + s.attnWidth()) + 2.0 * (s.H + s.nkv * s.d) + (s.attnWidth() + s.H) + 2.0 * (s.H + s.I) + (s.I + s.H));
        const double adapterParams = perLayer * s.L * double(req.loraTargets) / 7.0;
        add("adapters", adapterParams * 16.0, "LoRA A and B in fp32: weights, gradients, Adam m and v (16 bytes per parameter)");
        // Saved for backward, per layer (no gradient checkpointing): the two RMSNorm inputs and
        // outputs, q / k / v before and after RoPE, the attention output, gate / up / act, and each
        // LoRA input after dropout with its mask (7 projections).
        const double saved = tokens * (b * (4.0 * s.H + 2.0 * (s.nh + 2.0 * s.nkv) * s.d + s.attnWidth() + 3.0 * s.I) +
                                       (b + 1.0) * (5.0 * s.H + s.attnWidth() + s.I)) +
                             (cuda ? tokens * s.nh * 4.0 : tokens * s.nh * T * (b + 4.0));
        add("activations", saved * s.L, "saved for the backward pass, every layer (no gradient checkpointing)");
        // Cross-entropy: logits in the compute dtype, fp32 log-softmax kept for backward and its gradient.
        add("logits", tokens * s.V * (b + 8.0), "batch × sequence × vocab: lm_head output, fp32 log-softmax and its gradient");
        if (job == "distill")
            add("teacher", B.weights() + tokens * s.V * 4.0, "the teacher's weights and its fp32 logits");
    } else if (calibrating) {
        const double N = double(std::max<int64_t>(1, req.samples));
        // The pass runs analysis::LayerwiseOptions::batchSize samples per forward of a layer.
        const double Bc = std::min(N, double(analysis::LayerwiseOptions{}.batchSize));
        // Layer-wise pass: every calibration sample's hidden states in and out of the current layer,
        // in host memory with --offload (one batch of them on the device at a time).
        if (req.offload)
            add("calibration", 2.0 * Bc * T * s.H * b, "one batch of the layer's inputs and outputs (the rest in host memory)");
        else
            add("calibration", 2.0 * N * T * s.H * b, "the layer's inputs and outputs for every calibration sample");
        add("activations", B.layerForward(Bc * T, T), "one batch's forward through one layer");
        if (job == "gptq" || job == "sparsegpt") {
            // One fp32 Hessian (in × in) per projection of the layer: q, k, v, gate, up of width H,
            // o of width heads × head_dim, down of width intermediate; plus its inverse (Cholesky).
            const double h = 4.0 * (5.0 * s.H * s.H + s.attnWidth() * s.attnWidth() + s.I * s.I);
            add("hessians", h + 4.0 * s.I * s.I, "fp32 Hessians of the layer's seven projections and one inverse");
            add("compress_work", 4.0 * (2.0 * s.H * s.I + 4096.0 * s.I),
                "the largest projection in fp32 with its update, and a 4096-token chunk of its inputs in fp32");
        } else if (job == "awq") {
            add("captured_inputs", N * T * (2.0 * s.H + s.attnWidth() + s.I) * b,
                "AWQ: the layer's projection inputs (q/k/v, o, gate/up, down) for every sample");
            add("scale_search", N * T * s.H * b + 3.0 * 4.0 * 2.0 * s.H * s.I,
                "AWQ's grid search: the block's reference outputs for every sample, and gate / up scaled and "
                "fake-quantized in fp32 (its trial forwards are a batch, as above)");
        } else if (job == "wanda") {
            add("norms", 4.0 * (5.0 * s.H + s.attnWidth() + s.I), "per-input-channel activation norms (fp32)");
        }
    } else {
        throw ConfigError("estimate: unknown job '" + job + "' (generate, eval, lora, qlora, distill, gptq, awq, sparsegpt, wanda, rtn, hqq, nf4)");
    }
    if (cuda)
        add("cuda_context", kCudaContext, "CUDA context, cuBLAS workspaces and kernels (not in the allocator's peak)", false);
    for (const auto& c : e.components) {
        e.total += c.bytes;
        if (c.inAllocatorPeak)
            e.allocatorPeak += c.bytes;
    }
    e.available = available;
    e.fits = available < 0 || e.total <= available;
    return e;
}

MemoryEstimate estimateMemory(const model::ModelConfig& cfg, const std::map<std::string, uint64_t>& stored,
                              const EstimateRequest& req, double available) {
    MemoryEstimate e = estimateOnce(cfg, stored, req, available);
    if (e.fits)
        return e;
    // The cheapest change that fits: smaller batches and contexts first, then offload, 16-bit, QLoRA.
    std::vector<std::pair<std::string, EstimateRequest>> tries;
    auto variant = [&](const std::string& what, auto change) {
        EstimateRequest r = req;
        change(r);
        tries.push_back({what, r});
    };
    if (req.batch != 1)
        variant("--batch 1", [](EstimateRequest& r) { r.batch = 1; });
    const bool calibrating = req.job == "gptq" || req.job == "awq" || req.job == "sparsegpt" || req.job == "wanda" ||
                             req.job == "rtn" || req.job == "hqq" || req.job == "nf4";
    if (calibrating && !req.offload)
        variant("--offload (layer-wise: one layer on the device)", [](EstimateRequest& r) { r.offload = true; });
    if (e.request.dtype == "fp32")
        variant("--dtype bf16", [](EstimateRequest& r) { r.dtype = "bf16"; });
    for (int64_t c = req.context / 2; c >= 128; c /= 2)
        variant((req.job == "generate" ? "--prompt-len " : "--context ") + std::to_string(c), [c](EstimateRequest& r) {
            r.context = c;
            r.batch = 1;
        });
    if (req.job == "lora")
        variant("QLoRA: quantize the base to NF4 first", [](EstimateRequest& r) { r.job = "qlora"; });
    for (const auto& [what, r] : tries) {
        const MemoryEstimate t = estimateOnce(cfg, stored, r, available);
        if (t.total <= available) {
            e.suggestion = what + " (about " + model::formatBytes(static_cast<int64_t>(t.total)) + ")";
            break;
        }
    }
    return e;
}

} // namespace slim::eval
