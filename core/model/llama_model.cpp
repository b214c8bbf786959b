// The Llama-family forward pass, readable top to bottom (in the spirit of llama2.c).
// Shapes: B = batch, T = new tokens, P = tokens already in the KV cache, S = P + T,
// H = query heads, KV = key/value heads, D = head_dim, E = hidden size, V = vocab.
//
// Numerics follow transformers' eager Llama (modeling_llama.py):
//  - RMSNorm in fp32, cast back, then scaled by the weight in the activation dtype;
//  - RoPE cos/sin computed in fp32 from inv_freq, cast to the activation dtype, rotate_half form;
//  - attention scores in the activation dtype, softmax in fp32, cast back;
//  - logits returned as fp32.
#include "core/model/llama_model.h"

#include "core/model/layer_checkpoint.h"

#include "core/cpu/attention.h"
#include "core/cpu/gemv.h"
#include "core/cpu/projection.h"
#include "core/quant/quant_layout.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/checkpoint.h"
#include "core/io/atomic_file.h"
#include "core/io/dtype.h"
#include "core/io/safetensors.h"
#include "core/model/host_memory.h"
#include "core/model/llama_ops.h"
#include "core/model/tensor_names.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iterator>
#include <fstream>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

namespace slim::model {

namespace {

constexpr double kPi = 3.14159265358979323846;

// Inverse frequencies (D/2) in fp32, with the config's rope scaling applied.
at::Tensor computeInvFreq(const ModelConfig& cfg) {
    const int64_t d = cfg.headDim;
    std::vector<float> inv(static_cast<size_t>(d / 2));
    for (int64_t i = 0; i < d / 2; ++i) {
        // Computed as transformers does: 1 / base^(arange(0, d, 2).float() / d), in fp32 math.
        const float expo = static_cast<float>(2 * i) / static_cast<float>(d);
        inv[static_cast<size_t>(i)] = 1.0f / std::pow(static_cast<float>(cfg.rope.theta), expo);
    }
    const RopeConfig& r = cfg.rope;
    if (r.type == RopeType::Linear) {
        for (float& f : inv)
            f = static_cast<float>(f / r.factor);
    } else if (r.type == RopeType::Llama3) {
        // Llama 3.1 frequency scaling (transformers _compute_llama3_parameters): long wavelengths
        // are divided by `factor`, short ones kept, a smooth blend in between.
        const double lowFreqWavelen = r.originalMaxPositionEmbeddings / r.lowFreqFactor;
        const double highFreqWavelen = r.originalMaxPositionEmbeddings / r.highFreqFactor;
        for (float& f : inv) {
            const double wavelen = 2.0 * kPi / f;
            double out = f;
            if (wavelen > lowFreqWavelen) {
                out = f / r.factor;
            } else if (wavelen >= highFreqWavelen) {
                const double smooth = (r.originalMaxPositionEmbeddings / wavelen - r.lowFreqFactor) /
                                      (r.highFreqFactor - r.lowFreqFactor);
                out = (1.0 - smooth) * f / r.factor + smooth * f;
            }
            f = static_cast<float>(out);
        }
    }
    return at::tensor(inv, at::kFloat);
}

bool hasSdpa() {
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR >= 2
    return true;
#else
    return false;
#endif
}

} // namespace

// ---------------------------------------------------------------------------------------------
// KV cache

void KVCache::allocate(const ModelConfig& cfg, int64_t batch, int64_t capacity, const at::TensorOptions& opts) {
    m_keys.clear();
    m_values.clear();
    for (int64_t l = 0; l < cfg.numLayers; ++l) {
        // (B, KV, capacity, D)
        m_keys.push_back(at::zeros({batch, cfg.kvHeadsOf(l), capacity, cfg.headDim}, opts));
        m_values.push_back(at::zeros({batch, cfg.kvHeadsOf(l), capacity, cfg.headDim}, opts));
    }
    m_length = 0;
    m_capacity = capacity;
    m_batch = batch;
}

int64_t KVCache::bytes() const {
    int64_t total = 0;
    for (size_t i = 0; i < m_keys.size(); ++i)
        total += (m_keys[i].numel() + m_values[i].numel()) * static_cast<int64_t>(m_keys[i].element_size());
    return total;
}

// ---------------------------------------------------------------------------------------------
// Construction

std::unique_ptr<LlamaModel> LlamaModel::fromTensors(const ModelConfig& cfg,
                                                    const std::function<at::Tensor(const std::string&)>& get,
                                                    const LoadOptions& opts,
                                                    const std::function<bool(const std::string&)>& has) {
    std::unique_ptr<LlamaModel> m(new LlamaModel());
    const quant::QuantLayout layout = quant::QuantLayout::fromConfigText(cfg.quantizationConfig, "config.json");
    m->m_config = cfg;
    m->m_device = opts.device;
    m->m_dtype = opts.dtype.value_or(at::kFloat);
    const auto conv = [&](const at::Tensor& t) { return t.to(m->m_device, m->m_dtype).contiguous(); };

    m->m_embed = conv(get(std::string(kEmbedTokens)));   // (V, E)
    m->m_finalNorm = conv(get(std::string(kFinalNorm))); // (E)
    m->m_layers.resize(static_cast<size_t>(cfg.numLayers));
    for (int64_t l = 0; l < cfg.numLayers; ++l) {
        DecoderLayer& L = m->m_layers[static_cast<size_t>(l)];
        L.inputNorm = conv(get(inputNormName(l)));
        L.postAttentionNorm = conv(get(postAttentionNormName(l)));
        L.numHeads = cfg.headsOf(l);
        L.numKvHeads = cfg.kvHeadsOf(l);
        for (Proj p : kAllProj) {
            const int64_t q = L.numHeads * cfg.headDim, kv = L.numKvHeads * cfg.headDim, inter = cfg.intermediateOf(l);
            const int64_t outF = p == Proj::Q ? q : (p == Proj::K || p == Proj::V) ? kv : (p == Proj::Gate || p == Proj::Up) ? inter : cfg.hiddenSize;
            const int64_t inF = p == Proj::O ? q : p == Proj::Down ? inter : cfg.hiddenSize;
            L.proj[static_cast<int>(p)] = quant::makeProjection(layout, projPrefix(l, p), outF, inF, cfg.hasBias(p), get,
                                                                has, conv, m->m_device, m->m_dtype);
        }
    }
    if (cfg.tieWordEmbeddings) {
        m->m_tied = true;
        m->m_lmHead = std::make_unique<DenseLinear>(m->m_embed);   // shares storage with the embedding
    } else {
        // Dense, or packed when the checkpoint quantized it too (quantization_config lm_head).
        m->m_lmHead = layout.lmHead ? quant::makeProjection(layout, "lm_head", cfg.vocabSize, cfg.hiddenSize, false, get, has,
                                                            conv, m->m_device, m->m_dtype)
                                    : std::make_unique<DenseLinear>(conv(get(std::string(kLmHead))));
    }
    m->m_invFreq = computeInvFreq(cfg).to(m->m_device);
    return m;
}

std::unique_ptr<LlamaModel> LlamaModel::load(const std::filesystem::path& dir, const LoadOptions& opts,
                                             const JobContext* ctx) {
    const JobContext& job = ctx ? *ctx : JobContext::none();
    const ModelConfig cfg = withContext("loading " + (dir / "config.json").string(),
                                        [&] { return ModelConfig::load(dir / "config.json"); });
    const io::Checkpoint ckpt = io::Checkpoint::open(dir);
    withContext("checking " + dir.string() + " against config.json", [&] { cfg.validateAgainst(ckpt); });

    LoadOptions resolved = opts;
    if (!resolved.dtype)
        resolved.dtype = autoDtype(cfg, opts.device);
    // Refuse instead of being killed by the OOM killer: estimate the footprint from the headers.
    if (resolved.device.is_cpu()) {
        // Quantized projections stay packed: their file bytes are what they occupy.
        const int64_t needed = cfg.quantizationConfig.empty()
                                   ? cfg.parameterCount() * static_cast<int64_t>(c10::elementSize(*resolved.dtype))
                                   : static_cast<int64_t>(ckpt.totalBytes()) * 2;
        ensureHostMemory(needed, "loading " + dir.string());
    }
    job.setStatus("loading weights");
    const auto names = ckpt.names();
    size_t loaded = 0;
    const size_t total = names.size();
    auto get = [&](const std::string& name) {
        job.checkCancel();
        at::Tensor t = ckpt.load(name);
        job.setProgress(static_cast<double>(++loaded) / static_cast<double>(std::max<size_t>(total, 1)));
        return t;
    };
    return fromTensors(cfg, get, resolved, [&](const std::string& name) { return ckpt.contains(name); });
}

std::unique_ptr<LlamaModel> LlamaModel::randomInit(const ModelConfig& cfg, const LoadOptions& opts,
                                                   double stddev, uint64_t seed) {
    at::manual_seed(seed);
    const int64_t E = cfg.hiddenSize;
    auto get = [&](const std::string& name) -> at::Tensor {
        // Shapes derived from the config; norms start at 1.
        if (name == kEmbedTokens || name == kLmHead)
            return at::randn({cfg.vocabSize, E}) * stddev;
        if (name == kFinalNorm || name.find("layernorm") != std::string::npos)
            return at::ones({E});
        const auto dot = name.find(".layers.");
        const int64_t l = std::stoll(name.substr(dot + 8));
        const int64_t D = cfg.headDim, H = cfg.headsOf(l), KV = cfg.kvHeadsOf(l), I = cfg.intermediateOf(l);
        auto shape = [&](const std::string& proj) -> std::vector<int64_t> {
            if (proj == "q_proj") return {H * D, E};
            if (proj == "k_proj" || proj == "v_proj") return {KV * D, E};
            if (proj == "o_proj") return {E, H * D};
            if (proj == "gate_proj" || proj == "up_proj") return {I, E};
            return {E, I};  // down_proj
        };
        for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}) {
            if (name.find(std::string(proj) + ".weight") != std::string::npos)
                return at::randn(shape(proj)) * stddev;
            if (name.find(std::string(proj) + ".bias") != std::string::npos)
                return at::randn({shape(proj)[0]}) * stddev;
        }
        throw Error("randomInit: unexpected tensor " + name);
    };
    return fromTensors(cfg, get, opts);
}

at::ScalarType autoDtype(const ModelConfig& cfg, const at::Device& device) {
    if (device.is_cpu()) {
        // A bf16 checkpoint stays bf16 where the decode kernels of core/cpu read it (AVX-512, or AVX2 with
        // FMA and F16C: half the bytes of fp32 per token, and quantized projections take the int8-activation
        // tiles); prefill GEMMs run in bf16 with AVX-512 (oneDNN), in fp32 on AVX2 (linearOnDevice).
        // fp16 checkpoints compute in fp32 (LibTorch 1.13 has no fp16 GEMM on the CPU), as does everything on
        // CPUs without AVX2.
        const auto& f = cpu::cpuFeatures();
        const bool kernels = (f.avx512f && f.avx512bw) || (f.avx2 && f.fma && f.f16c);
        return cfg.torchDtype == "bfloat16" && kernels ? at::kBFloat16 : at::kFloat;
    }
    if (cfg.torchDtype == "bfloat16")
        return at::kBFloat16;
    if (cfg.torchDtype == "float16")
        return at::kHalf;
    return at::kFloat;
}

// ---------------------------------------------------------------------------------------------
// Forward

void LlamaModel::setLmHead(std::unique_ptr<Linear> head) {
    if (m_tied)
        throw Error("the output projection is tied to the embedding and cannot be replaced alone");
    m_lmHead = std::move(head);
}

at::Tensor LlamaModel::embed(const at::Tensor& ids) const {
    return at::embedding(m_embed, ids);  // (B, T) -> (B, T, E)
}

std::pair<at::Tensor, at::Tensor> LlamaModel::rope(const at::Tensor& positions) const {
    // positions (B, T) -> freqs (B, T, D/2) -> emb (B, T, D) = cat(freqs, freqs)
    const at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * m_invFreq.view({1, 1, -1});
    const at::Tensor emb = at::cat({freqs, freqs}, -1);
    return {emb.cos().to(m_dtype), emb.sin().to(m_dtype)};
}

LlamaModel::LayerInputs LlamaModel::layerInputs(int64_t B, int64_t T, const at::Device& device) const {
    LayerInputs li;
    const auto longOpts = at::TensorOptions().dtype(at::kLong).device(device);
    const at::Tensor positions = at::arange(0, T, at::TensorOptions().dtype(at::kLong).device(m_device)).unsqueeze(0).expand({B, T});
    auto [cos, sin] = rope(positions);
    li.cos = cos.to(device);
    li.sin = sin.to(device);
    li.mask = buildMask(at::Tensor(), B, 0, T, std::nullopt, longOpts);
    std::optional<int64_t> window;
    for (int64_t l = 0; l < numLayers(); ++l)
        if (auto w = m_config.slidingWindowOf(l); w && T > *w)
            window = w;
    li.windowMask = window ? buildMask(at::Tensor(), B, 0, T, window, longOpts) : li.mask;
    return li;
}

void LlamaModel::moveLayer(int64_t l, const at::Device& device) {
    DecoderLayer& L = m_layers[static_cast<size_t>(l)];
    L.inputNorm = L.inputNorm.to(device);
    L.postAttentionNorm = L.postAttentionNorm.to(device);
    if (device.is_cpu()) {
        // Back into the host tensors the layer left (see Linear::toHost); the stash then lets them go.
        auto stash = m_hostStash.extract(l);
        const std::vector<StoredTensor> none;
        for (size_t i = 0; i < std::size(L.proj); ++i)
            L.proj[i]->toHost(m_dtype, !stash.empty() && i < stash.mapped().size() ? stash.mapped()[i] : none);
        return;
    }
    auto& stash = m_hostStash[l];
    if (stash.empty())
        for (const auto& p : L.proj) {
            std::vector<StoredTensor> host;
            for (auto& t : p->storedTensors())
                if (t.tensor.defined() && t.tensor.device().is_cpu())
                    host.push_back(std::move(t));
            stash.push_back(std::move(host));
        }
    for (auto& p : L.proj)
        p->to(device, m_dtype);
}

at::Tensor LlamaModel::runLayer(int64_t l, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                const at::Tensor& mask, KVCache* cache, const ForwardHooks* hooks) const {
    const DecoderLayer& L = m_layers[static_cast<size_t>(l)];
    const at::Tensor h = rmsNorm(x, L.inputNorm, m_config.rmsNormEps);            // (B, T, E)
    const at::Tensor attnOut = attentionBlock(l, h, cos, sin, mask, cache, hooks);
    if (!attnOut.defined())
        return {};   // an observation pass that ended inside the attention block (ForwardHooks::stopAfterInputOf)
    if (hooks && hooks->onAttentionOutput)
        hooks->onAttentionOutput(l, attnOut);
    const at::Tensor x1 = x + attnOut;
    const at::Tensor h2 = rmsNorm(x1, L.postAttentionNorm, m_config.rmsNormEps);  // (B, T, E)
    const at::Tensor mlpOut = mlpBlock(l, h2, hooks);
    if (!mlpOut.defined())
        return {};
    if (hooks && hooks->onMlpOutput)
        hooks->onMlpOutput(l, mlpOut);
    return x1 + mlpOut;
}

at::Tensor LlamaModel::attentionBlock(int64_t l, const at::Tensor& h, const at::Tensor& cos, const at::Tensor& sin,
                                      const at::Tensor& mask, KVCache* cache, const ForwardHooks* hooks) const {
    const DecoderLayer& L = m_layers[static_cast<size_t>(l)];
    const at::Tensor& x = h;
    const int64_t B = h.size(0), T = h.size(1);
    const int64_t H = L.numHeads, KV = L.numKvHeads, D = m_config.headDim;
    if (hooks && hooks->onProjInput) {
        hooks->onProjInput(l, Proj::Q, h);
        hooks->onProjInput(l, Proj::K, h);
        hooks->onProjInput(l, Proj::V, h);
    }
    if (hooks && (hooks->stopsAt(Proj::Q) || hooks->stopsAt(Proj::K) || hooks->stopsAt(Proj::V)))
        return {};
    at::Tensor q, k, v;
    {
        const cpu::SharedInputScope shared(h);   // h quantized once for the three (integer CPU kernels)
        q = L.p(Proj::Q).forward(h).view({B, T, H, D}).transpose(1, 2);    // (B, H, T, D)
        k = L.p(Proj::K).forward(h).view({B, T, KV, D}).transpose(1, 2);   // (B, KV, T, D)
        v = L.p(Proj::V).forward(h).view({B, T, KV, D}).transpose(1, 2);   // (B, KV, T, D)
    }

    // Decode on the CPU: one fused pass each (core/cpu/elementwise.h); otherwise LibTorch's operators.
    const auto qr = T <= 8 ? cpu::applyRope(q, cos, sin) : std::nullopt;
    const auto kr = qr ? cpu::applyRope(k, cos, sin) : std::nullopt;
    if (qr && kr) {
        q = *qr;
        k = *kr;
    } else {
        const at::Tensor c = cos.unsqueeze(1), s = sin.unsqueeze(1);              // (B, 1, T, D)
        q = q * c + rotateHalf(q) * s;
        k = k * c + rotateHalf(k) * s;
    }

    if (cache && cache->devicePositions().defined()) {
        // Static mode: scatter the single new token of each row at its device-side position and
        // attend over the whole capacity (the mask hides slots beyond each row's position).
        const at::Tensor idx = cache->devicePositions().view({B, 1, 1, 1}).expand({B, KV, 1, D});
        cache->keys(l).scatter_(2, idx, k);
        cache->values(l).scatter_(2, idx, v);
        k = cache->keys(l);                                                      // (B, KV, C, D)
        v = cache->values(l);
    } else if (cache) {
        // Append to the preallocated cache and attend over everything cached so far.
        const int64_t P = cache->length();
        cache->keys(l).narrow(2, P, T).copy_(k);
        cache->values(l).narrow(2, P, T).copy_(v);
        k = cache->keys(l).narrow(2, 0, P + T);                                   // (B, KV, S, D)
        v = cache->values(l).narrow(2, 0, P + T);
    }
    const int64_t S = k.size(2);
    const double scale = 1.0 / std::sqrt(static_cast<double>(D));

    at::Tensor attn;                                                             // (B, H, T, D)
    if (hasSdpa() && x.is_cuda()) {
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR >= 2
        // Fused attention (flash / memory-efficient).  mask: bool (B, 1, T, S), true = attend.
        const bool causalOnly = !mask.defined();
        // enable_gqa is taken only by the flash kernel (16-bit, no explicit mask, head dim <= 256); with
        // anything else SDPA falls back to its math kernel, which materialises the (T, S) scores of every
        // head: 4.3 GB per batch of 8 × 2048 tokens on TinyLlama in fp32 (calibration, perplexity).  There
        // the K/V heads are repeated for their query heads first (transformers' repeat_kv, the same result)
        // and the memory-efficient kernel runs.  Decode rows (T = 1) keep the broadcast: no (T, S) blowup.
        const bool flash = (x.scalar_type() == at::kHalf || x.scalar_type() == at::kBFloat16) && causalOnly && D <= 256;
        const bool repeatKv = KV != H && !flash && T > 1;
        const at::Tensor kk = repeatKv ? k.repeat_interleave(H / KV, 1) : k;
        const at::Tensor vv = repeatKv ? v.repeat_interleave(H / KV, 1) : v;
        attn = at::scaled_dot_product_attention(q, kk, vv, causalOnly ? c10::optional<at::Tensor>() : mask, 0.0,
                                                causalOnly && T > 1, scale, /*enable_gqa=*/KV != H && !repeatKv);
#endif
    } else if (auto cpuAttn = T <= 8 && (!mask.defined() || mask.size(-1) == S) ? cpu::decodeAttention(q, k, v, mask, scale)
                                                                                : std::nullopt) {
        // Decode on the CPU: the cache read in place, no oneDNN parallel region (core/cpu/attention.h).
        attn = *cpuAttn;
    } else {
        // Eager path.  GQA without copying K/V: group the H/KV query heads of each KV head.
        // On CPUs whose bf16 GEMM is slow (linearOnDevice) both products run in fp32.
        const int64_t rep = H / KV;
        const at::ScalarType mm = widenOnCpu(x) ? at::kFloat : x.scalar_type();
        const at::Tensor qg = q.reshape({B, KV, rep * T, D}).to(mm);             // (B, KV, rep*T, D)
        at::Tensor scores = at::matmul(qg, k.to(mm).transpose(2, 3)).mul_(scale); // (B, KV, rep*T, S)
        scores = scores.view({B, H, T, S}).to(at::kFloat);
        if (mask.defined())
            scores = scores.masked_fill(mask.logical_not(), std::numeric_limits<float>::lowest());
        else if (T > 1)
            scores = scores.masked_fill(at::ones({T, S}, x.options().dtype(at::kBool)).triu(S - T + 1),
                                        std::numeric_limits<float>::lowest());
        const at::Tensor probs = at::softmax(scores, -1).to(x.scalar_type());   // (B, H, T, S)
        attn = at::matmul(probs.to(mm).view({B, KV, rep * T, S}), v.to(mm)).view({B, H, T, D}).to(x.scalar_type());
    }
    at::Tensor merged = attn.transpose(1, 2).reshape({B, T, H * D});              // (B, T, H*D)
    if (hooks && hooks->onProjInput)
        hooks->onProjInput(l, Proj::O, merged);
    if (hooks && hooks->stopsAt(Proj::O))
        return {};
    return L.p(Proj::O).forward(merged);                                         // (B, T, E)
}

at::Tensor LlamaModel::mlpBlock(int64_t l, const at::Tensor& h2, const ForwardHooks* hooks) const {
    // SwiGLU: down(silu(gate(h)) * up(h))
    const DecoderLayer& L = m_layers[static_cast<size_t>(l)];
    if (hooks && hooks->onProjInput) {
        hooks->onProjInput(l, Proj::Gate, h2);
        hooks->onProjInput(l, Proj::Up, h2);
    }
    if (hooks && (hooks->stopsAt(Proj::Gate) || hooks->stopsAt(Proj::Up)))
        return {};
    at::Tensor act;
    {
        const cpu::SharedInputScope shared(h2);
        act = at::silu(L.p(Proj::Gate).forward(h2)) * L.p(Proj::Up).forward(h2);  // (B, T, I)
    }
    if (hooks && hooks->onProjInput)
        hooks->onProjInput(l, Proj::Down, act);
    if (hooks && hooks->stopsAt(Proj::Down))
        return {};
    return L.p(Proj::Down).forward(act);                                         // (B, T, E)
}

at::Tensor LlamaModel::head(const at::Tensor& hidden) const {
    const at::Tensor h = rmsNorm(hidden, m_finalNorm, m_config.rmsNormEps);
    return m_lmHead->forward(h).to(at::kFloat);                                  // (B, T, V)
}

at::Tensor LlamaModel::forward(const at::Tensor& ids, const ForwardOptions& opts) const {
    const int64_t B = ids.size(0), T = ids.size(1);
    if (opts.cache && opts.cache->devicePositions().defined())
        return forwardStatic(ids, opts);
    const int64_t P = opts.cache ? opts.cache->length() : 0;
    const int64_t S = P + T;
    if (opts.cache && S > opts.cache->capacity())
        throw Error("KV cache overflow: " + std::to_string(S) + " tokens > capacity " +
                    std::to_string(opts.cache->capacity()));
    const at::Tensor idsDev = ids.to(m_device, at::kLong);

    // Positions: explicit, else from the padding mask (left padding: cumsum - 1), else P..S-1.
    at::Tensor positions = opts.positions;
    if (!positions.defined()) {
        if (opts.attentionMask.defined()) {
            const at::Tensor m = opts.attentionMask.to(m_device, at::kLong);
            positions = (m.cumsum(-1) - 1).clamp_min(0).narrow(1, P, T);
        } else {
            positions = at::arange(P, S, idsDev.options()).unsqueeze(0).expand({B, T});
        }
    }
    positions = positions.to(m_device);
    const auto [cos, sin] = rope(positions);                                     // (B, T, D)

    // Masks (B, 1, T, S), true = may attend: causal + key padding, and a second one with the
    // sliding window for the layers that have one (Mistral: all; Qwen2: from max_window_layers).
    std::optional<int64_t> window;
    for (int64_t l = 0; l < numLayers(); ++l)
        if (auto w = m_config.slidingWindowOf(l); w && S > *w)
            window = w;
    const at::Tensor mask = buildMask(opts.attentionMask, B, P, T, std::nullopt, idsDev.options());
    const at::Tensor windowMask = window ? buildMask(opts.attentionMask, B, P, T, window, idsDev.options()) : mask;

    at::Tensor hidden = embed(idsDev);                                           // (B, T, E)
    const int64_t nLayers = opts.stopAfterLayer >= 0 ? std::min(opts.stopAfterLayer, numLayers()) : numLayers();
    for (int64_t l = 0; l < nLayers; ++l) {
        if (opts.hooks && opts.hooks->onLayerInput)
            opts.hooks->onLayerInput(l, hidden);
        const auto w = m_config.slidingWindowOf(l);
        const at::Tensor& layerMask = (w && S > *w) ? windowMask : mask;
        if (opts.checkpointLayers && !opts.cache && !opts.hooks && at::GradMode::is_enabled())
            hidden = checkpointedLayer(*this, l, hidden, cos, sin, layerMask);
        else
            hidden = runLayer(l, hidden, cos, sin, layerMask, opts.cache, opts.hooks);
    }
    if (opts.hooks && opts.hooks->onLayerInput && nLayers == numLayers())
        opts.hooks->onLayerInput(numLayers(), hidden);
    if (opts.cache)
        opts.cache->advance(T);
    if (opts.stopAfterLayer >= 0)
        return hidden;
    if (opts.lastTokenOnly)
        hidden = hidden.narrow(1, T - 1, 1);
    return head(hidden);
}

at::Tensor LlamaModel::buildMask(const at::Tensor& attentionMask, int64_t B, int64_t P, int64_t T,
                                 std::optional<int64_t> window, const at::TensorOptions& longOpts) const {
    // Undefined = plain causal without padding, which the attention handles itself — except after
    // a cached prefix (chunked prefill), where the causal mask is offset and must be explicit.
    const int64_t S = P + T;
    at::Tensor mask;
    if (attentionMask.defined() || window || (P > 0 && T > 1)) {
        const at::Tensor qpos = at::arange(P, S, longOpts).view({T, 1});
        const at::Tensor kpos = at::arange(0, S, longOpts).view({1, S});
        at::Tensor allowed = kpos <= qpos;                                        // (T, S)
        if (window)
            allowed = allowed.logical_and(qpos - kpos < *window);
        allowed = allowed.view({1, 1, T, S});
        if (attentionMask.defined()) {
            const at::Tensor keyOk = attentionMask.to(m_device).to(at::kBool).view({B, 1, 1, S});
            allowed = allowed.logical_and(keyOk);
            // A fully masked query row (a padding query) attends to itself so softmax stays finite.
            const at::Tensor diag = (kpos == qpos).view({1, 1, T, S});
            allowed = allowed.logical_or(diag.logical_and(allowed.any(-1, true).logical_not()));
        }
        mask = allowed.expand({B, 1, T, S});
    }
    return mask;
}

at::Tensor LlamaModel::forwardStatic(const at::Tensor& ids, const ForwardOptions& opts) const {
    // One decode step with every shape fixed and no host synchronisation: capturable in a CUDA graph.
    KVCache& cache = *opts.cache;
    const int64_t B = ids.size(0);
    if (ids.size(1) != 1)
        throw Error("static KV cache: decode steps take exactly one token per row");
    if (!opts.hooks)
        if (auto logits = forwardFused(ids, cache))
            return *logits;
    const at::Tensor pos = cache.devicePositions();                              // (B)
    const auto [cos, sin] = rope(pos.view({B, 1}));                              // (B, 1, D)
    const int64_t C = cache.capacity();
    const at::Tensor slots = at::arange(C, pos.options()).view({1, 1, 1, C});
    const at::Tensor mask = slots <= pos.view({B, 1, 1, 1});                     // (B, 1, 1, C)
    at::Tensor windowMask = mask;
    if (m_config.slidingWindow)
        windowMask = mask.logical_and(pos.view({B, 1, 1, 1}) - slots < *m_config.slidingWindow);
    at::Tensor hidden = embed(ids);                                              // (B, 1, E)
    for (int64_t l = 0; l < numLayers(); ++l) {
        if (opts.hooks && opts.hooks->onLayerInput)
            opts.hooks->onLayerInput(l, hidden);
        hidden = runLayer(l, hidden, cos, sin, m_config.slidingWindowOf(l) ? windowMask : mask, &cache, opts.hooks);
    }
    return head(hidden);                                                         // (B, 1, V)
}

// ---------------------------------------------------------------------------------------------
// Saving and accounting

std::vector<LlamaModel::NamedStored> LlamaModel::storedTensors() const {
    std::vector<NamedStored> out;
    out.push_back({std::string(kEmbedTokens), m_embed, true});
    for (int64_t l = 0; l < numLayers(); ++l) {
        const DecoderLayer& L = m_layers[static_cast<size_t>(l)];
        out.push_back({inputNormName(l), L.inputNorm, true});
        for (Proj p : kAllProj)
            for (auto& t : L.p(p).storedTensors())
                out.push_back({projPrefix(l, p) + "." + t.suffix, t.tensor, t.storageDtype});
        out.push_back({postAttentionNormName(l), L.postAttentionNorm, true});
    }
    out.push_back({std::string(kFinalNorm), m_finalNorm, true});
    if (!m_tied)
        for (auto& t : m_lmHead->storedTensors())
            out.push_back({"lm_head." + t.suffix, t.tensor, t.storageDtype});
    return out;
}

std::vector<std::pair<std::string, at::Tensor>> LlamaModel::namedTensors() const {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (auto& t : storedTensors())
        out.emplace_back(t.name, t.tensor);
    return out;
}

DenseLinear& LlamaModel::denseProjection(int64_t l, Proj p, const std::string& method, const std::string& hint) {
    Linear& lin = layer(l).p(p);
    auto* d = dynamic_cast<DenseLinear*>(&lin);
    if (!d)
        throw UnsupportedError(method + " needs dense projections; layer " + std::to_string(l) + " " + std::string(projName(p)) +
                               " is '" + lin.kind() + "'" + (hint.empty() ? "" : " (" + hint + ")"));
    return *d;
}

bool LlamaModel::hasQuantizedProjections() const {
    for (const auto& L : m_layers)
        for (Proj p : kAllProj)
            if (!dynamic_cast<const DenseLinear*>(&L.p(p)))
                return true;
    return false;
}

void LlamaModel::save(const std::filesystem::path& dir, std::optional<at::ScalarType> storeDtype) const {
    std::filesystem::create_directories(dir);
    const at::ScalarType st = storeDtype.value_or(m_dtype);
    std::vector<io::NamedTensor> tensors;
    for (auto& t : storedTensors()) {
        const bool convert = t.storageDtype && t.tensor.is_floating_point();
        tensors.push_back({t.name, t.tensor.detach().to(at::kCPU, convert ? st : t.tensor.scalar_type()).contiguous()});
    }
    io::writeCheckpointWeights(dir, tensors);
    ModelConfig cfg = m_config;
    cfg.torchDtype = st == at::kBFloat16 ? "bfloat16" : st == at::kHalf ? "float16" : "float32";
    if (!hasQuantizedProjections())
        cfg.quantizationConfig.clear(); // e.g. a LoRA adapter merged into the de-quantized base
    io::writeFileAtomic(dir / "config.json", cfg.toJson().dump(2) + "\n");
}

int64_t LlamaModel::parameterCount() const {
    int64_t n = m_embed.numel() + m_finalNorm.numel();
    for (const auto& L : m_layers) {
        n += L.inputNorm.numel() + L.postAttentionNorm.numel();
        for (Proj p : kAllProj) {
            n += L.p(p).inFeatures() * L.p(p).outFeatures();
            if (auto b = L.p(p).bias())
                n += b->numel();
        }
    }
    if (!m_tied)
        n += m_lmHead->inFeatures() * m_lmHead->outFeatures();
    return n;
}

int64_t LlamaModel::storageBytes() const {
    auto bytes = [](const at::Tensor& t) { return t.numel() * static_cast<int64_t>(t.element_size()); };
    int64_t n = bytes(m_embed) + bytes(m_finalNorm);
    for (const auto& L : m_layers) {
        n += bytes(L.inputNorm) + bytes(L.postAttentionNorm);
        for (Proj p : kAllProj)
            n += L.p(p).storageBytes();
    }
    if (!m_tied)
        n += m_lmHead->storageBytes();
    return n;
}

} // namespace slim::model
