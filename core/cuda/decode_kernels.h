#pragma once
/// @file decode_kernels.h
/// The fused batch-1 decode step on CUDA (docs/gpu.md): six kernels per decoder layer instead of
/// LibTorch's ~45 operators, each reading its weights once at (close to) the GPU's bandwidth.
///
///   gemv   (RMSNorm of the input fused in)  q, k, v in one launch (one warp per output row)
///   attention RoPE on q and k, k and v written into the KV cache at the position held on the device
///             (or in a ropeKv launch before it, SLIMBENCH_ROPE_IN_ATTN=0); split-K ("flash decoding")
///             over the cache, then one combine launch (or, with SLIMBENCH_ATTN_COMBINE=fused, the
///             combine in the last split block of each kv head)
///   gemv   o_proj with the residual added, in place in the hidden state
///   gemv   (RMSNorm fused) gate and up together, SiLU(gate)·up written
///   gemv   down_proj with the residual added
///
/// Weights are either dense rows in the activation dtype or 4-bit codes whose rows are contiguous
/// (the GPTQ `qweight` transposed: (out, in/8) int32, code i of a word at bits 4i) with the GPTQ
/// zero points and fp16 scales.  Dense rows: one warp per row.  4-bit rows with 16-bit activations:
/// tiles of 4 rows, one warp-wide load covering 4 rows × 128 bytes, the tile's inputs split over 1-8
/// warps of a block (chosen per launch so that the GPU's warps stay busy), packed fp16 arithmetic.  The rounding points follow transformers' eager Llama (RMSNorm in
/// fp32 then rounded, every projection rounded once, residual sums rounded); the dot products and
/// the softmax accumulate in fp32.  Plain pointers only: the ATen side is core/model/fused_decode.cpp.
/// Compiled only in CUDA builds.

#include <cstdint>

namespace slim::cuda {

enum class Dtype { F32 = 0, F16 = 1, BF16 = 2 };

/// One weight matrix of a launch.  Dense: `weight` (rows, K) in the activation dtype.  Int4:
/// `weight` (rows, K/8) int32 codes, `qzeros` (K/group, rows/8) int32 packed zero points, `scales`
/// (K/group, rows) fp16.  `bias` (rows) in the activation dtype or null.  Rows land in `out`.
struct MatView {
    const void* weight = nullptr;
    const int32_t* qzeros = nullptr;
    const void* scales = nullptr;
    const void* bias = nullptr;
    void* out = nullptr;
    int rows = 0;
    int group = 0;
};

/// A byte range a kernel asks the GPU to bring into L2 while it runs (weights of a later launch of the
/// step, which no kernel writes): optional, off when `bytes` is 0.  The launch's blocks share the
/// range; each issues bulk prefetches (Hopper `cp.async.bulk.prefetch.L2`) of its slice at its start,
/// before it waits for the previous kernel.  Results do not change; only what is cached does.
struct L2Prefetch {
    const void* ptr = nullptr;   ///< 16-byte aligned
    size_t bytes = 0;            ///< a multiple of 16
};
constexpr int kMaxPrefetch = 3;

/// Which later weights the decode step's launches ask into L2 while they run (all off by default):
/// "o" = o_proj's codes by the attention launch, "qkv" = the next layer's q/k/v codes by down_proj,
/// "gu:MB" = the first MB of gate's and up's codes each by o_proj; comma-separated, as
/// SLIMBENCH_L2_PLAN and decode_step_bench's --prefetch take it.  Unknown items are ignored.
struct PrefetchPlan {
    bool oInAttention = false;
    bool qkvInDown = false;
    double gateUpInO = 0;
};
PrefetchPlan parsePrefetchPlan(const char* text);

enum class GemvMode {
    Plain = 0,    ///< out = x·Wᵀ (+ bias), each of up to 3 matrices into its own `out`
    Residual = 1, ///< mats[0].out = residual + x·Wᵀ  (may alias the residual)
    SiluMul = 2,  ///< mats[0] = gate, mats[1] = up: mats[0].out = silu(x·Gᵀ) · (x·Uᵀ)
};

struct GemvArgs {
    Dtype dtype = Dtype::BF16;
    bool int4 = false;
    GemvMode mode = GemvMode::Plain;
    const void* x = nullptr;          ///< (K) activations
    const void* normWeight = nullptr; ///< RMSNorm weight (K): x is normalised first when set
    float eps = 1e-6f;
    int K = 0;
    MatView mats[3];
    int numMats = 1;
    const void* residual = nullptr;
    L2Prefetch prefetch[kMaxPrefetch];   ///< e.g. the next projection's codes (see L2Prefetch)
};

/// Requirements (the caller checks them): K % 8 == 0 (K % 32 for int4), 16-byte aligned rows,
/// int4 rows % 8 == 0 and group % 32 == 0, K / group an integer.
void gemv(const GemvArgs& a, void* stream);

/// y (batch, m.rows) = x (batch, K) · Wᵀ (+ bias) for 4-bit rows and 16-bit activations (F16 / BF16),
/// batch >= 1: the codes are read once per 4 rows of x (batched decode outside the fused step).
/// Requirements as gemv's, and m.rows % 4 == 0.  Output rows land in m.out, row b at m.out + b·rows.
void gemvInt4Rows(Dtype dtype, const void* x, int batch, int K, const MatView& m, void* stream);

/// De-quantize 4-bit rows (`m` as in a GEMV; `m.out` receives (rows, K) in `dtype`): W = s·(q − z)
/// in fp32, rounded once (prefill runs a dense GEMM on it).
void dequantInt4(Dtype dtype, const MatView& m, int K, void* stream);

struct RopeKvArgs {
    Dtype dtype = Dtype::BF16;
    void* qkv = nullptr;              ///< (H·D + 2·KV·D): q rotated in place
    const float* invFreq = nullptr;   ///< (D/2) fp32, scaling already applied
    const int64_t* position = nullptr;///< on the device
    void* keyCache = nullptr;         ///< (KV, capacity, D) of this layer
    void* valueCache = nullptr;
    int heads = 0, kvHeads = 0, headDim = 0, capacity = 0;
};
void ropeKv(const RopeKvArgs& a, void* stream);

struct AttentionArgs {
    Dtype dtype = Dtype::BF16;
    const void* q = nullptr;          ///< (H·D), rotated; with invFreq the q/k/v buffer (H·D + 2·KV·D), not rotated
    void* keyCache = nullptr;         ///< (KV, capacity, D)
    void* valueCache = nullptr;
    /// Set: RoPE is applied here (as ropeKv does: q, and the key at the position, which is written into
    /// the cache with its value), so no ropeKv launch precedes this one.  (D/2) fp32, scaling applied.
    const float* invFreq = nullptr;
    const int64_t* position = nullptr;///< keys 0..position are attended (minus the sliding window)
    void* out = nullptr;              ///< (H·D)
    float* scratch = nullptr;         ///< attentionScratchFloats() floats
    /// kvHeads counters inside the scratch (attentionCounters()): with SLIMBENCH_ATTN_COMBINE=fused the
    /// last split block of each kv head combines its heads (no combine launch).  They must be zero before
    /// the first launch on a scratch; every launch leaves them zero.  Null: the combine is its own launch.
    unsigned* counters = nullptr;
    int heads = 0, kvHeads = 0, headDim = 0, capacity = 0;
    int window = 0;                   ///< sliding window (0 = none)
    float scale = 1.f;
    L2Prefetch prefetch[kMaxPrefetch];   ///< e.g. o_proj's codes (see L2Prefetch)
};
/// Keys per split-K block.
constexpr int kAttentionSplit = 32;
/// Query heads per kv head that the attention kernel takes (GQA group; Llama-3, Mistral, TinyLlama and
/// Qwen2.5 have at most 8).
constexpr int kMaxAttentionGroup = 8;
int64_t attentionScratchFloats(int heads, int headDim, int capacity);
/// Where the attention counters sit in a scratch of attentionScratchFloats(heads, headDim, capacity) floats.
unsigned* attentionCounters(float* scratch, int heads, int headDim, int capacity);
/// headDim ∈ {64, 96, 128, 256}; heads / kvHeads ≤ kMaxAttentionGroup.
void attention(const AttentionArgs& a, void* stream);
/// Whether the decode step applies RoPE inside the attention launch (AttentionArgs::invFreq) instead of
/// a ropeKv launch: on unless SLIMBENCH_ROPE_IN_ATTN=0.
bool ropeInAttention();
/// Whether the last split block of each kv head combines its heads (SLIMBENCH_ATTN_COMBINE=fused; off by
/// default, slower on the H200): only then does an attention launch need its counters.
bool fusedAttentionCombine();

} // namespace slim::cuda
