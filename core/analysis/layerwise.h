#pragma once
/// @file layerwise.h
/// The layer-by-layer calibration pass that every calibration-based compression method uses
/// (Wanda, SparseGPT, GPTQ, AWQ; the references' `prepare_calibration_input` + per-layer loop:
/// locuslab/wanda lib/prune.py, IST-DASLab/sparsegpt llama.py, IST-DASLab/gptq llama.py):
///
///  1. the calibration samples are embedded once; the hidden states entering layer 0 are kept;
///  2. for each layer ℓ and each group of projections (all seven at once by default; with
///     `trueSequential` {q,k,v} → {o} → {gate,up} → {down}): every batch is run through layer ℓ
///     with hooks that hand the visitor the inputs of the group's projections (padding-free rows),
///     then the visitor compresses the group (editing the weights in place).  Without
///     trueSequential every projection therefore sees inputs computed with the layer's original
///     weights; with it, a group sees the outputs of the groups already compressed;
///  3. the batches are run through the compressed layer again: those outputs enter layer ℓ+1
///     (`propagate = Compressed`, the references' default), or the outputs of the *original* layer
///     computed before compression (`propagate = Original`, as llm-awq does).
///
/// With `offload` the model stays in host memory and one layer at a time is moved to the compute
/// device, so a model larger than the GPU can be processed; the hidden states then live on the host
/// between layers.  Cancel is checked between batches and layers; progress is reported per layer.

#include "core/model/tensor_names.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

namespace slim {
class JobContext;
}
namespace slim::model {
class LlamaModel;
}

namespace slim::analysis {

using ProjGroup = std::vector<model::Proj>;

struct LayerwiseOptions {
    int64_t batchSize = 8; ///< calibration samples per forward of one layer
    bool trueSequential = false;
    bool offload = false; ///< weights on the host, one layer on `computeDevice`
    /// CUDA: the pass's own forward passes of fp32 layers run their matmuls on TF32 tensor cores
    /// (10-bit mantissa inputs, fp32 accumulation; several times faster on Ampere and later).  The
    /// method's statistics, Hessians and weight updates (observe, compress) keep the caller's setting,
    /// which is strict fp32 by default.  No effect on the CPU or for 16-bit layers.
    bool tf32 = false;
    at::Device computeDevice = at::kCPU;
    enum class Propagate { Compressed, Original } propagate = Propagate::Compressed;
    /// Only these projections are observed and compressed (default: all seven).
    std::vector<model::Proj> projections = {model::Proj::Q,    model::Proj::K,  model::Proj::V,   model::Proj::O,
                                            model::Proj::Gate, model::Proj::Up, model::Proj::Down};
    /// Layers to process (default: all); the others are only run forward.
    int64_t firstLayer = 0, lastLayer = -1;
};

/// The method plugged into the pass.
struct LayerwiseVisitor {
    /// A group of projections of `layer` is about to be observed (set up accumulators).
    std::function<void(int64_t layer, const ProjGroup& group)> beginGroup;
    /// One batch of inputs, (rows, in) on the compute device in the activation dtype, shared by the
    /// projections `sharing` (q,k,v get one call; gate,up one call).
    std::function<void(int64_t layer, const ProjGroup& sharing, const at::Tensor& rows)> observe;
    /// Compress the group now (edit the layer's weights in place).
    std::function<void(int64_t layer, const ProjGroup& group)> compress;
};

struct LayerwiseReport {
    int64_t layers = 0, samples = 0, tokens = 0;
    double seconds = 0.0;
    int64_t peakDeviceBytes = 0; ///< CUDA allocator peak on the compute device (-1 on the CPU)
    /// Where the time went (the device synchronised at each boundary): the layers' forward passes,
    /// the visitor's observe (statistics of projection inputs) and compress calls, moving layers
    /// between host and device (--offload), and (--offload) writing the embeddings and each layer's
    /// outputs to the host buffers (their copies to the device are part of the forward passes).
    double forwardSeconds = 0.0, observeSeconds = 0.0, compressSeconds = 0.0, moveSeconds = 0.0,
           hiddenMoveSeconds = 0.0;
    nlohmann::json toJson() const;
};

/// The groups of one layer in processing order (see the file comment), restricted to `wanted`.
std::vector<ProjGroup> layerGroups(bool trueSequential, const std::vector<model::Proj>& wanted);

/// Run the pass over (N, T) int64 calibration ids (full windows, no padding).
LayerwiseReport runLayerwise(model::LlamaModel& model, const at::Tensor& ids, const LayerwiseOptions& options,
                             const LayerwiseVisitor& visitor, const JobContext& ctx);

} // namespace slim::analysis
