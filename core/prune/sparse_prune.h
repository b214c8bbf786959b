#pragma once
/// @file sparse_prune.h
/// Unstructured and N:M sparsity of the decoder's projections (docs/compression.md):
///  - magnitude: one threshold per matrix on |W| (locuslab/wanda lib/prune.py `prune_magnitude`);
///  - Wanda: score |W_ij|·sqrt(s_j) with s_j = Σ_tokens x_j² / sequences, the lowest `ratio·in`
///    of every output row pruned (lib/prune.py `prune_wanda`, layerwrapper.py); no weight update;
///  - SparseGPT: Hessian H = (2/n) Σ x xᵀ, 1 % damping, 128-column blocks, adaptive mask by
///    w² / [H⁻¹]_cc² per block (N:M: per row every M columns), OBS update of the remaining
///    columns (IST-DASLab/sparsegpt sparsegpt.py `fasterprune`).
/// N:M = in every M consecutive input columns of a row the N lowest scores are pruned.
/// Scores and updates are computed in float32 whatever the storage dtype.  Calibration-based
/// methods run through analysis::runLayerwise (layer-sequential, optional true-sequential and
/// offload).  Zeroed weights stay in a dense tensor: sparsity alone saves neither memory nor time
/// without a sparse format or kernel.

#include "core/analysis/layerwise.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slim {
class JobContext;
}
namespace slim::model {
class LlamaModel;
}

namespace slim::prune {

enum class SparseMethod { Magnitude, Wanda, SparseGpt };
std::string_view sparseMethodName(SparseMethod m);
/// "magnitude" / "wanda" / "sparsegpt"; ConfigError listing the known names otherwise.
SparseMethod parseSparseMethod(std::string_view name);

/// Either an unstructured ratio or an N:M pattern (n of every m pruned).
struct SparsityTarget {
    double ratio = 0.5;
    int n = 0, m = 0;
    bool isNM() const { return m > 0; }
    double effectiveRatio() const { return isNM() ? double(n) / double(m) : ratio; }
    std::string describe() const; ///< "50 %" or "2:4"
    /// From `--sparsity R` or `--pattern N:M` (exactly one); ConfigError naming the rule.
    static SparsityTarget parse(const std::optional<std::string>& sparsity, const std::optional<std::string>& pattern);
};

/// Prune mask (true = set to zero) of the n lowest scores in every m consecutive columns of each row.
/// score: (out, in) with in % m == 0.
at::Tensor nmMask(const at::Tensor& score, int n, int m);
/// Magnitude: unstructured = |W| <= the k-th smallest |W| of the matrix (k = ⌊ratio·numel⌋).
at::Tensor magnitudeMask(const at::Tensor& weight, const SparsityTarget& target);
/// Wanda: score |W|·sqrt(scalerRow), per-row ranking (unstructured: the ⌊ratio·in⌋ lowest per row).
at::Tensor wandaMask(const at::Tensor& weight, const at::Tensor& scalerRow, const SparsityTarget& target);
/// SparseGPT on a float32 weight (out, in), updated in place, with the Hessian of its input.
/// Returns the damping used (after automatic retries).
double sparseGptPrune(at::Tensor& weight, const at::Tensor& hessian, const SparsityTarget& target,
                      double percdamp = 0.01, int64_t blockSize = 128, const char* what = "SparseGPT");

struct SparsePruneOptions {
    SparseMethod method = SparseMethod::Wanda;
    SparsityTarget target;
    double percdamp = 0.01;
    int64_t blockSize = 128;
    analysis::LayerwiseOptions layerwise;
};

struct ProjectionSparsity {
    int64_t layer = 0;
    std::string projection;
    int64_t zeros = 0, numel = 0;
    double percdamp = 0.0; ///< SparseGPT: damping used
};

struct SparsePruneReport {
    std::vector<ProjectionSparsity> projections;
    int64_t zeros = 0, numel = 0; ///< over the pruned projections
    double seconds = 0.0;
    std::optional<analysis::LayerwiseReport> layerwise;
    nlohmann::json toJson() const;
};

/// Prune every decoder projection of `model` in place.  `calibIds` (N, T) is needed by Wanda and
/// SparseGPT (ignored by magnitude).  Cancel between layers (CancelledError).
SparsePruneReport pruneSparse(model::LlamaModel& model, const at::Tensor& calibIds, const SparsePruneOptions& options,
                              const JobContext& ctx);

} // namespace slim::prune
