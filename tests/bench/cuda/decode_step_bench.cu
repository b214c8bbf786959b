// decode_step_bench: the fused batch-1 decode step of core/cuda/decode_kernels.h on a model shape with
// random weights, without LibTorch, so a kernel change is measured in seconds on the GPU machine.
// For each format (bf16 dense, 4-bit g128) it captures one step (every layer's seven launches and the
// lm_head) in a CUDA graph, replays it and prints the time per token, the weight bytes read per
// second and the fraction of the bandwidth given with --bandwidth; then the same per kind of launch
// (all layers' q/k/v GEMVs alone, ...).  The KV cache holds --context positions.
//
//   nvcc -std=c++20 -arch=sm_90 -O3 -I. tests/bench/cuda/decode_step_bench.cu core/cuda/decode_kernels.cu -o /tmp/dsb
//   /tmp/dsb [--shape llama3-8b|tinyllama] [--context 600] [--bandwidth 4.8e12] [--reps 50]
//            [--prefetch o,qkv,gu:MB]   (later weights asked into L2 by earlier launches: o_proj's codes by
//                                        the attention, the next layer's q/k/v by down_proj, the first MB
//                                        of gate's and up's codes by o_proj)
//
// SLIMBENCH_CUDA_PDL=0 launches without programmatic dependent launch, for the comparison.
#include "core/cuda/decode_kernels.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace {

#define CHECK(x)                                                                                    \
    do {                                                                                            \
        cudaError_t e_ = (x);                                                                       \
        if (e_ != cudaSuccess) {                                                                    \
            std::fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(e_)); \
            std::exit(2);                                                                           \
        }                                                                                           \
    } while (0)

struct Shape {
    const char* name;
    int hidden, inter, layers, heads, kvHeads, headDim, vocab;
};
const Shape kShapes[] = {{"llama3-8b", 4096, 14336, 32, 32, 8, 128, 128256},
                         {"tinyllama", 2048, 5632, 22, 32, 4, 64, 32000}};

__global__ void fillRandom(uint32_t* p, size_t words, uint32_t seed, uint32_t mask, uint32_t orBits) {
    for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < words; i += size_t(gridDim.x) * blockDim.x) {
        uint32_t h = uint32_t(i) * 2654435761u ^ seed;
        h ^= h >> 15;
        h *= 2246822519u;
        h ^= h >> 13;
        p[i] = (h & mask) | orBits;
    }
}

std::vector<void*> g_buffers;   // everything a Model allocated, freed when the next format starts
void* alloc(size_t bytes) {
    void* p = nullptr;
    CHECK(cudaMalloc(&p, bytes));
    g_buffers.push_back(p);
    return p;
}

// Random bits masked so that bf16 / fp16 values are small and finite.
void* randomBuffer(size_t bytes, uint32_t seed, uint32_t mask, uint32_t orBits) {
    void* p = alloc((bytes + 3) / 4 * 4);
    fillRandom<<<1024, 256>>>(static_cast<uint32_t*>(p), (bytes + 3) / 4, seed, mask, orBits);
    return p;
}

// bf16 pairs in ±[2^-8, 2^-7): sign and low mantissa bits random, exponent fixed.
constexpr uint32_t kBf16Mask = 0x807F807Fu, kBf16Bits = 0x3C003C00u;
// fp16 scales ~ 2^-7.
constexpr uint32_t kHalfMask = 0x03FF03FFu, kHalfBits = 0x20002000u;

struct Matrix {
    slim::cuda::MatView view;
    size_t bytes = 0;       // everything the launch reads
    size_t codeBytes = 0;   // the weight codes / rows alone
};

// --prefetch: which later weights kernels ask into L2 (decode_kernels.h, PrefetchPlan).
slim::cuda::PrefetchPlan g_prefetch;

Matrix makeMatrix(int rows, int K, bool int4, uint32_t seed) {
    Matrix m;
    m.view.rows = rows;
    if (!int4) {
        m.bytes = m.codeBytes = size_t(rows) * K * 2;
        m.view.weight = randomBuffer(m.bytes, seed, kBf16Mask, kBf16Bits);
        return m;
    }
    const int group = 128, groups = K / group;
    m.view.group = group;
    m.view.weight = randomBuffer(size_t(rows) * K / 2, seed, 0xFFFFFFFFu, 0);
    m.view.qzeros = static_cast<const int32_t*>(randomBuffer(size_t(groups) * rows / 2, seed + 1, 0xFFFFFFFFu, 0));
    m.view.scales = randomBuffer(size_t(groups) * rows * 2, seed + 2, kHalfMask, kHalfBits);
    m.bytes = size_t(rows) * K / 2 + size_t(groups) * rows / 2 + size_t(groups) * rows * 2;
    m.codeBytes = size_t(rows) * K / 2;
    return m;
}

struct Layer {
    Matrix q, k, v, o, gate, up, down;
    void* norm1;
    void* norm2;
    void* keys;
    void* values;
};

enum Kind { kQkv = 1, kRope = 2, kAttn = 4, kO = 8, kGateUp = 16, kDown = 32, kHead = 64, kAll = 127 };

struct Model {
    Shape s;
    bool int4;
    int capacity;
    std::vector<Layer> layers;
    Matrix head;
    void *finalNorm, *hidden, *qkv, *attn, *act, *logits, *invFreq;
    float* scratch;
    int64_t* position;
    size_t weightBytes = 0;

    Model(const Shape& sh, bool q4, int context) : s(sh), int4(q4), capacity(context + 64) {
        uint32_t seed = 1;
        const int E = s.hidden, D = s.headDim;
        for (int l = 0; l < s.layers; ++l) {
            Layer L;
            L.q = makeMatrix(s.heads * D, E, int4, seed += 7);
            L.k = makeMatrix(s.kvHeads * D, E, int4, seed += 7);
            L.v = makeMatrix(s.kvHeads * D, E, int4, seed += 7);
            L.o = makeMatrix(E, s.heads * D, int4, seed += 7);
            L.gate = makeMatrix(s.inter, E, int4, seed += 7);
            L.up = makeMatrix(s.inter, E, int4, seed += 7);
            L.down = makeMatrix(E, s.inter, int4, seed += 7);
            for (const Matrix* m : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
                weightBytes += m->bytes;
            L.norm1 = randomBuffer(size_t(E) * 2, seed += 7, 0x007F007Fu, 0x3F803F80u);   // ~1..2
            L.norm2 = randomBuffer(size_t(E) * 2, seed += 7, 0x007F007Fu, 0x3F803F80u);
            L.keys = randomBuffer(size_t(s.kvHeads) * capacity * D * 2, seed += 7, kBf16Mask, 0x3F003F00u);
            L.values = randomBuffer(size_t(s.kvHeads) * capacity * D * 2, seed += 7, kBf16Mask, 0x3F003F00u);
            layers.push_back(L);
        }
        head = makeMatrix(s.vocab, E, int4, seed += 7);
        weightBytes += head.bytes + size_t(E) * 2;   // plus the embedding row
        finalNorm = randomBuffer(size_t(E) * 2, seed += 7, 0x007F007Fu, 0x3F803F80u);
        hidden = randomBuffer(size_t(E) * 2, seed += 7, kBf16Mask, 0x3F003F00u);
        qkv = alloc(size_t(s.heads + 2 * s.kvHeads) * D * 2);
        attn = alloc(size_t(s.heads) * D * 2);
        act = alloc(size_t(s.inter) * 2);
        logits = alloc(size_t(s.vocab) * 2);
        std::vector<float> inv(D / 2);
        for (int i = 0; i < D / 2; ++i)
            inv[i] = float(1.0 / std::pow(500000.0, 2.0 * i / D));
        invFreq = alloc(inv.size() * 4);
        CHECK(cudaMemcpy(invFreq, inv.data(), inv.size() * 4, cudaMemcpyHostToDevice));
        scratch = static_cast<float*>(alloc(size_t(slim::cuda::attentionScratchFloats(s.heads, D, capacity)) * 4));
        CHECK(cudaMemset(scratch, 0, size_t(slim::cuda::attentionScratchFloats(s.heads, D, capacity)) * 4));   // the counters start at 0
        position = static_cast<int64_t*>(alloc(8));
        const int64_t pos = context - 1;
        CHECK(cudaMemcpy(position, &pos, 8, cudaMemcpyHostToDevice));
        CHECK(cudaDeviceSynchronize());
    }

    // One decode step's launches of the kinds in `mask`, in the order forwardFused issues them.
    void step(cudaStream_t st, int mask) const {
        namespace kc = slim::cuda;
        const int D = s.headDim;
        auto gemv = [&](kc::GemvMode mode, const void* x, const void* norm, int K, std::initializer_list<kc::MatView> mats,
                        std::initializer_list<kc::L2Prefetch> prefetch = {}) {
            kc::GemvArgs g;
            std::copy(prefetch.begin(), prefetch.end(), g.prefetch);
            g.dtype = kc::Dtype::BF16;
            g.int4 = int4;
            g.mode = mode;
            g.x = x;
            g.normWeight = norm;
            g.eps = 1e-5f;
            g.K = K;
            g.numMats = int(mats.size());
            std::copy(mats.begin(), mats.end(), g.mats);
            g.residual = mode == kc::GemvMode::Residual ? hidden : nullptr;
            kc::gemv(g, st);
        };
        auto with = [](const Matrix& m, void* out) {
            kc::MatView v = m.view;
            v.out = out;
            return v;
        };
        char* q = static_cast<char*>(qkv);
        auto range = [](const Matrix& m, double mb = 0) {
            const size_t b = mb > 0 ? std::min(m.codeBytes, size_t(mb * 1e6) / 16 * 16) : m.codeBytes;
            return kc::L2Prefetch{m.view.weight, b};
        };
        for (size_t li = 0; li < layers.size(); ++li) {
            const Layer& L = layers[li];
            if (mask & kQkv)
                gemv(kc::GemvMode::Plain, hidden, L.norm1, s.hidden,
                     {with(L.q, q), with(L.k, q + size_t(s.heads) * D * 2), with(L.v, q + size_t(s.heads + s.kvHeads) * D * 2)});
            if ((mask & kRope) && !kc::ropeInAttention()) {
                kc::RopeKvArgs r;
                r.qkv = qkv;
                r.invFreq = static_cast<const float*>(invFreq);
                r.position = position;
                r.keyCache = L.keys;
                r.valueCache = L.values;
                r.heads = s.heads;
                r.kvHeads = s.kvHeads;
                r.headDim = D;
                r.capacity = capacity;
                kc::ropeKv(r, st);
            }
            if (mask & kAttn) {
                kc::AttentionArgs a;
                a.q = qkv;
                a.invFreq = kc::ropeInAttention() ? static_cast<const float*>(invFreq) : nullptr;
                a.keyCache = L.keys;
                a.valueCache = L.values;
                a.position = position;
                a.out = attn;
                a.scratch = scratch;
                a.counters = kc::attentionCounters(scratch, s.heads, D, capacity);
                a.heads = s.heads;
                a.kvHeads = s.kvHeads;
                a.headDim = D;
                a.capacity = capacity;
                a.scale = 1.f / std::sqrt(float(D));
                if (g_prefetch.oInAttention)
                    a.prefetch[0] = range(L.o);
                kc::attention(a, st);
            }
            if (mask & kO) {
                if (g_prefetch.gateUpInO > 0)
                    gemv(kc::GemvMode::Residual, attn, nullptr, s.heads * D, {with(L.o, hidden)},
                         {range(L.gate, g_prefetch.gateUpInO), range(L.up, g_prefetch.gateUpInO)});
                else
                    gemv(kc::GemvMode::Residual, attn, nullptr, s.heads * D, {with(L.o, hidden)});
            }
            if (mask & kGateUp)
                gemv(kc::GemvMode::SiluMul, hidden, L.norm2, s.hidden, {with(L.gate, act), with(L.up, act)});
            if (mask & kDown) {
                if (g_prefetch.qkvInDown && li + 1 < layers.size()) {
                    const Layer& N = layers[li + 1];
                    gemv(kc::GemvMode::Residual, act, nullptr, s.inter, {with(L.down, hidden)}, {range(N.q), range(N.k), range(N.v)});
                } else {
                    gemv(kc::GemvMode::Residual, act, nullptr, s.inter, {with(L.down, hidden)});
                }
            }
        }
        if (mask & kHead)
            gemv(kc::GemvMode::Plain, hidden, finalNorm, s.hidden, {with(head, logits)});
    }

    size_t bytesOf(int mask) const {
        size_t b = 0;
        for (const Layer& L : layers) {
            if (mask & kQkv)
                b += L.q.bytes + L.k.bytes + L.v.bytes;
            if (mask & kO)
                b += L.o.bytes;
            if (mask & kGateUp)
                b += L.gate.bytes + L.up.bytes;
            if (mask & kDown)
                b += L.down.bytes;
            if (mask & (kRope | kAttn))
                b += (mask & kAttn) ? size_t(2) * s.kvHeads * (capacity - 64) * s.headDim * 2 : 0;
        }
        if (mask & kHead)
            b += head.bytes;
        return b;
    }
};

// ---- a correctness check of the launches the step makes, against plain host arithmetic -----------

float bf16ToFloat(uint16_t b) {
    uint32_t u = uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}
float halfToFloat(uint16_t h) {
    const uint32_t sign = (h >> 15) & 1, ex = (h >> 10) & 31, man = h & 1023;
    float v = ex == 0 ? std::ldexp(float(man), -24) : std::ldexp(float(man | 1024), int(ex) - 25);
    return sign ? -v : v;
}
template <typename E>
std::vector<E> download(const void* p, size_t n) {
    std::vector<E> v(n);
    CHECK(cudaMemcpy(v.data(), p, n * sizeof(E), cudaMemcpyDeviceToHost));
    return v;
}

// Layer 0's q/k/v GEMV (first 64 rows of q) and its attention, relative max differences.
bool check(const Model& m) {
    namespace kc = slim::cuda;
    const Shape& s = m.s;
    const int E = s.hidden, D = s.headDim;
    cudaStream_t st;
    CHECK(cudaStreamCreate(&st));
    m.step(st, kQkv | kRope | kAttn);   // every layer: the buffers then hold the last layer's results
    CHECK(cudaStreamSynchronize(st));
    // Recompute the last layer on the host.
    const Layer& L = m.layers.back();
    const auto x = download<uint16_t>(m.hidden, E), nw = download<uint16_t>(L.norm1, E);
    double ss = 0;
    for (int k = 0; k < E; ++k)
        ss += double(bf16ToFloat(x[k])) * bf16ToFloat(x[k]);
    const float inv = float(1.0 / std::sqrt(ss / E + 1e-5));
    auto roundBf16 = [](float f) {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000u;
        std::memcpy(&f, &u, 4);
        return f;
    };
    std::vector<float> h(E);
    for (int k = 0; k < E; ++k)
        h[k] = roundBf16(bf16ToFloat(nw[k]) * roundBf16(bf16ToFloat(x[k]) * inv));
    const int rows = 64;
    std::vector<float> w(size_t(rows) * E);
    if (!m.int4) {
        const auto wb = download<uint16_t>(L.q.view.weight, size_t(rows) * E);
        for (size_t i = 0; i < w.size(); ++i)
            w[i] = bf16ToFloat(wb[i]);
    } else {
        const int G = E / 128, R = L.q.view.rows;
        const auto q = download<uint32_t>(L.q.view.weight, size_t(rows) * E / 8);
        const auto z = download<uint32_t>(L.q.view.qzeros, size_t(G) * R / 8);
        const auto sc = download<uint16_t>(L.q.view.scales, size_t(G) * R);
        for (int r = 0; r < rows; ++r)
            for (int k = 0; k < E; ++k) {
                const int g = k / 128;
                const float code = float((q[size_t(r) * E / 8 + k / 8] >> (4 * (k % 8))) & 15u);
                const float zero = float((z[size_t(g) * R / 8 + r / 8] >> (4 * (r % 8))) & 15u);
                w[size_t(r) * E + k] = halfToFloat(sc[size_t(g) * R + r]) * (code - zero);
            }
    }
    // q after RoPE is in the buffer; compare the GEMV through a second, RoPE-free launch of q alone.
    void* qOut = nullptr;
    CHECK(cudaMalloc(&qOut, size_t(s.heads) * D * 2));
    {
        kc::GemvArgs g;
        g.int4 = m.int4;
        g.x = m.hidden;
        g.normWeight = L.norm1;
        g.eps = 1e-5f;
        g.K = E;
        g.mats[0] = L.q.view;
        g.mats[0].out = qOut;
        kc::gemv(g, st);
        CHECK(cudaStreamSynchronize(st));
    }
    const auto y = download<uint16_t>(qOut, rows);
    double gemvErr = 0, gemvMax = 0;
    for (int r = 0; r < rows; ++r) {
        double ref = 0;
        for (int k = 0; k < E; ++k)
            ref += double(w[size_t(r) * E + k]) * h[k];
        gemvErr = std::max(gemvErr, std::abs(ref - bf16ToFloat(y[r])));
        gemvMax = std::max(gemvMax, std::abs(ref));
    }
    CHECK(cudaFree(qOut));
    // Attention of the last layer: q (rotated) from the qkv buffer, keys 0..position of the cache.
    const int len = int(m.capacity - 64);
    auto qv = download<uint16_t>(m.qkv, size_t(s.heads) * D);
    if (kc::ropeInAttention()) {   // q was rotated inside the attention launch: rotate the buffer's q here
        const auto inv = download<float>(m.invFreq, size_t(D / 2));
        const int pos = len - 1;
        auto toBf16 = [&](float f) {
            const float r = roundBf16(f);
            uint32_t u;
            std::memcpy(&u, &r, 4);
            return uint16_t(u >> 16);
        };
        for (int hd = 0; hd < s.heads; ++hd)
            for (int j = 0; j < D / 2; ++j) {
                uint16_t& a = qv[size_t(hd) * D + j];
                uint16_t& b = qv[size_t(hd) * D + j + D / 2];
                const float f = float(pos) * inv[j], c = roundBf16(std::cos(f)), sn = roundBf16(std::sin(f));
                const float x1 = bf16ToFloat(a), x2 = bf16ToFloat(b);
                a = toBf16(roundBf16(x1 * c) + roundBf16(-x2 * sn));
                b = toBf16(roundBf16(x2 * c) + roundBf16(x1 * sn));
            }
    }
    const auto kk = download<uint16_t>(L.keys, size_t(s.kvHeads) * m.capacity * D);
    const auto vv = download<uint16_t>(L.values, size_t(s.kvHeads) * m.capacity * D);
    const auto out = download<uint16_t>(m.attn, size_t(s.heads) * D);
    double attErr = 0, attMax = 0;
    const int G = s.heads / s.kvHeads;
    for (int hd = 0; hd < s.heads; ++hd) {
        const int kv = hd / G;
        std::vector<double> sc(len);
        double mx = -1e300;
        for (int c = 0; c < len; ++c) {
            double d = 0;
            for (int e = 0; e < D; ++e)
                d += double(bf16ToFloat(qv[size_t(hd) * D + e])) * bf16ToFloat(kk[(size_t(kv) * m.capacity + c) * D + e]);
            sc[c] = d / std::sqrt(double(D));
            mx = std::max(mx, sc[c]);
        }
        double l = 0;
        for (double& v : sc)
            l += (v = std::exp(v - mx));
        for (int e = 0; e < D; ++e) {
            double a = 0;
            for (int c = 0; c < len; ++c)
                a += sc[c] * bf16ToFloat(vv[(size_t(kv) * m.capacity + c) * D + e]);
            a /= l;
            attErr = std::max(attErr, std::abs(a - bf16ToFloat(out[size_t(hd) * D + e])));
            attMax = std::max(attMax, std::abs(a));
        }
    }
    CHECK(cudaStreamDestroy(st));
    const bool ok = gemvErr <= 2e-2 * gemvMax && attErr <= 2e-2 * attMax;
    std::printf("check %s: q GEMV (64 rows) max |diff| %.3g of max %.3g; attention (%d keys) max |diff| %.3g of max %.3g: %s\n",
                m.int4 ? "int4" : "bf16", gemvErr, gemvMax, len, attErr, attMax, ok ? "PASS" : "FAIL");
    return ok;
}

// Median milliseconds of one replay of a graph holding `mask`'s launches.
float timeGraph(const Model& m, int mask, int reps) {
    cudaStream_t st;
    CHECK(cudaStreamCreateWithFlags(&st, cudaStreamNonBlocking));
    m.step(st, mask);   // warm-up (and the shared-memory opt-in) outside the capture
    CHECK(cudaStreamSynchronize(st));
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    CHECK(cudaStreamBeginCapture(st, cudaStreamCaptureModeThreadLocal));
    m.step(st, mask);
    CHECK(cudaStreamEndCapture(st, &graph));
    CHECK(cudaGraphInstantiate(&exec, graph, 0));
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a));
    CHECK(cudaEventCreate(&b));
    std::vector<float> ms;
    for (int i = 0; i < reps + 3; ++i) {
        CHECK(cudaEventRecord(a, st));
        CHECK(cudaGraphLaunch(exec, st));
        CHECK(cudaEventRecord(b, st));
        CHECK(cudaEventSynchronize(b));
        float t = 0;
        CHECK(cudaEventElapsedTime(&t, a, b));
        if (i >= 3)
            ms.push_back(t);
    }
    CHECK(cudaGetLastError());
    std::sort(ms.begin(), ms.end());
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    cudaStreamDestroy(st);
    return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    std::string shape = "llama3-8b";
    int context = 600, reps = 50;
    double bandwidth = 4.8e12;
    std::string formats = "bf16,int4";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--shape")
            shape = v;
        else if (k == "--context")
            context = std::atoi(v.c_str());
        else if (k == "--reps")
            reps = std::atoi(v.c_str());
        else if (k == "--bandwidth")
            bandwidth = std::atof(v.c_str());
        else if (k == "--formats")
            formats = v;
        else if (k == "--prefetch")   // comma-separated: o, qkv, gu:MB
            g_prefetch = slim::cuda::parsePrefetchPlan(v.c_str());
    }
    const Shape* sh = nullptr;
    for (const Shape& s : kShapes)
        if (shape == s.name)
            sh = &s;
    if (!sh) {
        std::fprintf(stderr, "unknown shape %s\n", shape.c_str());
        return 1;
    }
    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    const char* pdl = std::getenv("SLIMBENCH_CUDA_PDL");
    std::printf("%s, %s shape, context %d, PDL %s, RoPE in attention %s, combine %s, bound from %.2f TB/s, L2 prefetch: o in attention %s, next q/k/v "
                "in down %s, gate/up in o %.1f MB\n",
                prop.name, sh->name, context, pdl && std::strcmp(pdl, "0") == 0 ? "off" : "on",
                slim::cuda::ropeInAttention() ? "on" : "off",
                std::getenv("SLIMBENCH_ATTN_COMBINE") ? std::getenv("SLIMBENCH_ATTN_COMBINE") : "launch", bandwidth / 1e12,
                g_prefetch.oInAttention ? "on" : "off", g_prefetch.qkvInDown ? "on" : "off", g_prefetch.gateUpInO);
    bool failed = false;
    for (const bool int4 : {false, true}) {
        if (formats.find(int4 ? "int4" : "bf16") == std::string::npos)
            continue;
        {
            Model m(*sh, int4, context);
            if (!check(m))
                failed = true;
            const struct {
                const char* name;
                int mask;
            } parts[] = {{"step", kAll},        {"qkv gemv", kQkv}, {"rope+kv", kRope}, {"attention", kAttn},
                         {"o gemv", kO},        {"gate/up gemv", kGateUp}, {"down gemv", kDown}, {"lm_head", kHead}};
            for (const auto& p : parts) {
                if (p.mask == kRope && slim::cuda::ropeInAttention())
                    continue;   // no launch of its own
                const float ms = timeGraph(m, p.mask, reps);
                const size_t bytes = m.bytesOf(p.mask);
                if (p.mask == kAll)
                    std::printf("%-5s %-13s %8.3f ms  %7.1f tok/s  %6.0f MB  %5.2f TB/s  %5.1f %% of bound (%.1f tok/s)\n",
                                int4 ? "int4" : "bf16", p.name, ms, 1e3 / ms, bytes / 1e6, bytes / ms / 1e9,
                                100.0 * bytes / bandwidth / (ms / 1e3), bandwidth / bytes);
                else
                    std::printf("%-5s %-13s %8.3f ms  %5.1f us/launch  %6.0f MB  %5.2f TB/s\n", int4 ? "int4" : "bf16",
                                p.name, ms, 1e3 * ms / (p.mask == kHead ? 1 : sh->layers), bytes / 1e6, bytes / ms / 1e9);
            }
        }
        CHECK(cudaDeviceSynchronize());
        for (void* p : g_buffers)
            CHECK(cudaFree(p));
        g_buffers.clear();
    }
    return failed ? 1 : 0;
}
