#pragma once
/// @file lm_trainer.h
/// A small next-token-prediction trainer for LlamaModel (pretraining from scratch on CPU, used
/// for the built-in demo model): random windows of a token stream, cross-entropy, AdamW
/// (decoupled weight decay on matrices only, as nanoGPT / GPT-2), linear warmup then cosine
/// decay, global-norm gradient clipping, a fixed seed.  LibTorch autograd runs through the
/// model's ordinary forward pass: the trainer marks the weights as requiring gradients.

#include <cstdint>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }

namespace slim::train {

struct LmTrainOptions {
    int64_t steps = 600;
    int64_t batchSize = 16;        ///< sequences per step
    int64_t context = 256;         ///< tokens per sequence (inputs; targets are shifted by one)
    double learningRate = 3e-3;    ///< peak
    double minLearningRateRatio = 0.1;  ///< cosine decays to peak * ratio
    int64_t warmupSteps = 40;
    double weightDecay = 0.1;
    double beta1 = 0.9;
    double beta2 = 0.95;
    double adamEps = 1e-8;
    double gradClip = 1.0;         ///< max global L2 norm (<= 0: off)
    uint64_t seed = 1234;          ///< batch sampling (model init has its own seed)
    int threads = 0;               ///< LibTorch intra-op threads (<= 0: leave as is)
    int64_t evalMaxTokens = 65536; ///< cap on tokens scored by each perplexity evaluation
    bool evaluate = true;          ///< perplexities before and after training
};

struct LmTrainResult {
    std::vector<double> losses;    ///< mean training loss of every step (nats/token)
    double trainPplBefore = 0.0, trainPplAfter = 0.0;      ///< on a fixed slice of the train stream
    double heldoutPplBefore = 0.0, heldoutPplAfter = 0.0;  ///< on the held-out stream
    double unigramHeldoutPpl = 0.0;  ///< baseline: unigram model of the train stream (add-½)
    int64_t evalTokens = 0;        ///< held-out tokens scored
    int64_t steps = 0;
    int64_t trainTokens = 0;       ///< tokens predicted during training (steps × batch × context)
    double trainSeconds = 0.0;     ///< optimisation only (evaluation excluded)
    double tokensPerSecond = 0.0;
};

/// Train `model` in place on `trainStream`, measuring perplexity on `heldoutStream`.
/// Progress covers the steps; checkCancel every step (throws CancelledError).  The model's
/// weights stop requiring gradients when the function returns (also on error / cancel).
LmTrainResult trainLanguageModel(model::LlamaModel& model, const std::vector<int32_t>& trainStream,
                                 const std::vector<int32_t>& heldoutStream, const LmTrainOptions& opts,
                                 const JobContext& ctx);

/// Token perplexity of a stream: disjoint windows of `context` tokens (the first
/// min(maxTokens, size) tokens, the last partial window included if it has >= 2 tokens);
/// every token but each window's first is predicted.  Also returns the predicted positions'
/// count through `scored` when not null.
double streamPerplexity(const model::LlamaModel& model, const std::vector<int32_t>& stream, int64_t context,
                        int64_t maxTokens, int64_t* scored = nullptr, const JobContext* ctx = nullptr);

/// The same positions as streamPerplexity, scored by a unigram model of `trainStream`
/// (add-½ smoothing over `vocabSize` tokens): the baseline a model must beat to have learned
/// anything beyond token frequencies.
double unigramPerplexity(const std::vector<int32_t>& trainStream, const std::vector<int32_t>& stream,
                         int64_t vocabSize, int64_t context, int64_t maxTokens);

/// GPT-2 style initialisation for training from scratch: every matrix N(0, stddev), the
/// residual-output projections (o_proj, down_proj) scaled by 1/sqrt(2 * layers), norms 1.
/// Works on an existing model (e.g. one from LlamaModel::randomInit) in place.
void initForTraining(model::LlamaModel& model, double stddev, uint64_t seed);

} // namespace slim::train
