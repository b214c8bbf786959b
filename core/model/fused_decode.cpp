// LlamaModel::forwardFused: one static decode step (batch 1, one token, positions on the device) as
// the fused CUDA kernels of core/cuda/decode_kernels.h — per layer: q/k/v GEMV with the input RMSNorm,
// RoPE + KV write, split-K attention + combine, o_proj GEMV + residual, gate/up GEMV with the
// post-attention RMSNorm and SiLU·up, down GEMV + residual; then the final norm fused into lm_head.
// Every launch takes pointers fixed for the step, so StaticDecoder captures the step in a CUDA graph.
#include "core/model/fused_decode.h"

#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#if defined(SLIMBENCH_WITH_CUDA)
#include "core/cuda/decode_kernels.h"

#include <c10/cuda/CUDAStream.h>
#endif

namespace slim::model {

namespace {

std::atomic<bool>& fusedFlag() {
    static std::atomic<bool> on{[] {
        const char* e = std::getenv("SLIMBENCH_CUDA_FUSED");
        return !(e && std::strcmp(e, "0") == 0);
    }()};
    return on;
}

} // namespace

bool fusedDecodeEnabled() { return fusedFlag().load(); }
void setFusedDecodeEnabled(bool on) { fusedFlag().store(on); }

std::optional<at::Tensor> LlamaModel::forwardFused(const at::Tensor& ids, KVCache& cache) const {
#if !defined(SLIMBENCH_WITH_CUDA)
    (void)ids;
    (void)cache;
    return std::nullopt;
#else
    namespace kc = slim::cuda;
    if (!fusedDecodeEnabled() || !m_device.is_cuda() || ids.size(0) != 1 || ids.size(1) != 1 || cache.batch() != 1 ||
        at::GradMode::is_enabled())
        return std::nullopt;
    kc::Dtype dt;
    switch (m_dtype) {
    case at::kBFloat16: dt = kc::Dtype::BF16; break;
    case at::kHalf: dt = kc::Dtype::F16; break;
    case at::kFloat: dt = kc::Dtype::F32; break;
    default: return std::nullopt;
    }
    const int64_t E = m_config.hiddenSize, D = m_config.headDim, C = cache.capacity();
    if (E % 32 != 0 || !(D == 64 || D == 96 || D == 128 || D == 256) || C > (int64_t(1) << 30))
        return std::nullopt;

    // Every projection must be readable in place, in the model's dtype; q/k/v and gate/up each in one format.
    struct LayerViews {
        DecodeView p[kNumProj];
    };
    std::vector<LayerViews> views(m_layers.size());
    auto view = [&](const Linear& lin, DecodeView& out) {
        const auto v = lin.decodeView();
        if (!v || v->dtype != m_dtype || lin.inFeatures() % 32 != 0)
            return false;
        out = *v;
        return true;
    };
    for (size_t l = 0; l < m_layers.size(); ++l) {
        const DecoderLayer& L = m_layers[l];
        for (int p = 0; p < kNumProj; ++p)
            if (!view(*L.proj[p], views[l].p[p]))
                return std::nullopt;
        const auto& v = views[l].p;
        if (v[int(Proj::Q)].int4 != v[int(Proj::K)].int4 || v[int(Proj::Q)].int4 != v[int(Proj::V)].int4 ||
            v[int(Proj::Gate)].int4 != v[int(Proj::Up)].int4 || L.numKvHeads < 1 || L.numHeads % L.numKvHeads != 0 ||
            L.numHeads / L.numKvHeads > kc::kMaxAttentionGroup)
            return std::nullopt;
    }
    DecodeView head;
    if (!view(*m_lmHead, head))
        return std::nullopt;

    const auto stream = c10::cuda::getCurrentCUDAStream().stream();
    auto mat = [](const DecodeView& v, const Linear& lin, void* out) {
        kc::MatView m;
        m.weight = v.weight;
        m.qzeros = v.qzeros;
        m.scales = v.scales;
        m.bias = v.bias;
        m.out = out;
        m.rows = int(lin.outFeatures());
        m.group = int(v.group);
        return m;
    };
    const float eps = float(m_config.rmsNormEps);
    at::Tensor hidden = embed(ids).reshape({E}).contiguous();
    const auto opts = hidden.options();
    const int64_t* position = cache.devicePositions().data_ptr<int64_t>();
    // Later weights asked into L2 by earlier launches (SLIMBENCH_L2_PLAN, decode_kernels.h): the codes
    // of projection p of layer l, or their first `mb` MB.
    static const kc::PrefetchPlan plan = kc::parsePrefetchPlan(std::getenv("SLIMBENCH_L2_PLAN"));
    auto range = [&](size_t l, Proj p, double mb = 0) {
        const Linear& lin = m_layers[l].p(p);
        const DecodeView& v = views[l].p[int(p)];
        const size_t all = size_t(lin.outFeatures()) * size_t(lin.inFeatures()) * (v.int4 ? 1 : 2 * c10::elementSize(m_dtype)) / 2;
        const size_t bytes = mb > 0 ? std::min(all, size_t(mb * 1e6) / 16 * 16) : all;
        return kc::L2Prefetch{v.weight, bytes};
    };
    // One GEMV launch: x (K) [RMS-normalised by `norm`] times the first matrix's format, into `mats`.
    auto gemv = [&](kc::GemvMode mode, const at::Tensor& x, const at::Tensor* norm, std::initializer_list<kc::MatView> mats,
                    bool int4, std::initializer_list<kc::L2Prefetch> prefetch = {}) {
        kc::GemvArgs g;
        std::copy(prefetch.begin(), prefetch.end(), g.prefetch);
        g.dtype = dt;
        g.int4 = int4;
        g.mode = mode;
        g.x = x.data_ptr();
        g.normWeight = norm ? norm->data_ptr() : nullptr;
        g.eps = eps;
        g.K = int(x.numel());
        g.numMats = int(mats.size());
        std::copy(mats.begin(), mats.end(), g.mats);
        g.residual = mode == kc::GemvMode::Residual ? hidden.data_ptr() : nullptr;
        kc::gemv(g, stream);
    };
    // One attention scratch for the step (the launches run in order).  With the fused combine its
    // counters start at zero and every attention launch leaves them zero (decode_kernels.h).
    int maxHeads = 1;
    for (const DecoderLayer& L : m_layers)
        maxHeads = std::max(maxHeads, int(L.numHeads));
    at::Tensor scratch = at::empty({kc::attentionScratchFloats(maxHeads, int(D), int(C))}, opts.dtype(at::kFloat));
    unsigned* counters = nullptr;
    if (kc::fusedAttentionCombine()) {
        counters = kc::attentionCounters(scratch.data_ptr<float>(), maxHeads, int(D), int(C));   // after every layer's partials
        cudaMemsetAsync(counters, 0, size_t(maxHeads) * sizeof(unsigned), stream);
    }
    const bool ropeInside = kc::ropeInAttention();
    for (size_t l = 0; l < m_layers.size(); ++l) {
        const DecoderLayer& L = m_layers[l];
        const auto& v = views[l].p;
        auto matOf = [&](Proj p, void* out) { return mat(v[int(p)], L.p(p), out); };
        const int H = int(L.numHeads), KV = int(L.numKvHeads);
        at::Tensor qkv = at::empty({int64_t(H + 2 * KV) * D}, opts);
        char* qkvBase = static_cast<char*>(qkv.data_ptr());
        const size_t el = qkv.element_size();
        gemv(kc::GemvMode::Plain, hidden, &L.inputNorm,
             {matOf(Proj::Q, qkvBase), matOf(Proj::K, qkvBase + size_t(H) * D * el), matOf(Proj::V, qkvBase + size_t(H + KV) * D * el)},
             v[int(Proj::Q)].int4);

        void* keys = cache.keys(int64_t(l)).data_ptr();
        void* values = cache.values(int64_t(l)).data_ptr();
        if (!ropeInside) {
            kc::RopeKvArgs r;
            r.dtype = dt;
            r.qkv = qkv.data_ptr();
            r.invFreq = m_invFreq.data_ptr<float>();
            r.position = position;
            r.keyCache = keys;
            r.valueCache = values;
            r.heads = H;
            r.kvHeads = KV;
            r.headDim = int(D);
            r.capacity = int(C);
            kc::ropeKv(r, stream);
        }

        at::Tensor attn = at::empty({int64_t(H) * D}, opts);
        kc::AttentionArgs a;
        a.dtype = dt;
        a.q = qkv.data_ptr();
        a.invFreq = ropeInside ? m_invFreq.data_ptr<float>() : nullptr;
        a.keyCache = keys;
        a.valueCache = values;
        a.position = position;
        a.out = attn.data_ptr();
        a.scratch = scratch.data_ptr<float>();
        a.counters = counters;
        a.heads = H;
        a.kvHeads = KV;
        a.headDim = int(D);
        a.capacity = int(C);
        a.window = int(m_config.slidingWindowOf(int64_t(l)).value_or(0));
        a.scale = float(1.0 / std::sqrt(double(D)));
        if (plan.oInAttention)
            a.prefetch[0] = range(l, Proj::O);
        kc::attention(a, stream);

        const kc::L2Prefetch none{};
        gemv(kc::GemvMode::Residual, attn, nullptr, {matOf(Proj::O, hidden.data_ptr())}, v[int(Proj::O)].int4,
             {plan.gateUpInO > 0 ? range(l, Proj::Gate, plan.gateUpInO) : none, plan.gateUpInO > 0 ? range(l, Proj::Up, plan.gateUpInO) : none});
        at::Tensor act = at::empty({L.p(Proj::Gate).outFeatures()}, opts);
        gemv(kc::GemvMode::SiluMul, hidden, &L.postAttentionNorm,
             {matOf(Proj::Gate, act.data_ptr()), matOf(Proj::Up, act.data_ptr())}, v[int(Proj::Gate)].int4);
        const bool next = plan.qkvInDown && l + 1 < m_layers.size();
        gemv(kc::GemvMode::Residual, act, nullptr, {matOf(Proj::Down, hidden.data_ptr())}, v[int(Proj::Down)].int4,
             {next ? range(l + 1, Proj::Q) : none, next ? range(l + 1, Proj::K) : none, next ? range(l + 1, Proj::V) : none});
    }
    at::Tensor logits = at::empty({m_lmHead->outFeatures()}, opts);
    gemv(kc::GemvMode::Plain, hidden, &m_finalNorm, {mat(head, *m_lmHead, logits.data_ptr())}, head.int4);
    return logits.to(at::kFloat).view({1, 1, -1});
#endif
}

} // namespace slim::model
