#pragma once
/// @file lora_trainer.h
/// Recovery training of a compressed model with LoRA adapters (docs/compression.md, "Recovery"):
/// a frozen base (dense, pruned, later quantized) and trainable adapters; AdamW, linear warm-up
/// then cosine decay to zero (Hugging Face Trainer's "cosine" schedule), micro-batches with
/// gradient accumulation, held-out loss during training, checkpoints every K steps and resume.
/// Data: a plain text file (causal LM: windows of seqLen tokens, BOS first when the tokenizer has
/// one) or Alpaca-style JSONL (instruction / input / output; Stanford Alpaca's prompt template,
/// loss on the response only, EOS appended, cut at seqLen as LLM-Pruner's `cutoff_len`).
///
/// Knowledge distillation (Hinton et al. 2015, https://arxiv.org/abs/1503.02531) uses the same loop
/// with a teacher: loss = α·T²·KL(p_teacher^T ‖ p_student^T) + (1 − α)·CE, averaged over the
/// predicted tokens, the teacher run without gradients in the same process.

#include "core/train/lora.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace slim { class JobContext; }
namespace slim::model { class LlamaModel; }
namespace slim::tok { class Tokenizer; }

namespace slim::train {

/// One training sequence: ids and which positions are targets (lossMask[t] = 1: predict ids[t]
/// from ids[..t-1]; position 0 is never a target).
struct TrainExample {
    std::vector<int32_t> ids;
    std::vector<uint8_t> lossMask;
};

struct TrainData {
    std::vector<TrainExample> train, eval;
    std::string file, sha256, format;
    int64_t trainTokens = 0, targetTokens = 0;
    nlohmann::json toJson() const;
};

enum class DataFormat { Text, Alpaca };
DataFormat parseDataFormat(const std::string& s);   ///< "text" / "alpaca"

/// Read and tokenize `file`; `evalSamples` examples (the last ones, after a seeded shuffle) are held
/// out.  ConfigError / FormatError naming the file (and line for JSONL) on bad input.
TrainData loadTrainData(const std::filesystem::path& file, DataFormat format, const tok::Tokenizer& tokenizer,
                        int64_t seqLen, int64_t evalSamples, uint64_t seed);

/// Stanford Alpaca's prompt (tatsu-lab/stanford_alpaca train.py PROMPT_DICT) for one record.
std::string alpacaPrompt(const std::string& instruction, const std::string& input);

struct LoraTrainOptions {
    int64_t steps = 200;             ///< optimizer steps
    int64_t microBatch = 4;
    int64_t gradAccum = 4;           ///< micro-batches per step
    double learningRate = 1e-4;
    int64_t warmupSteps = 20;
    double weightDecay = 0.0;
    double gradClip = 1.0;
    int64_t evalEvery = 50;          ///< steps (0: only at the end)
    int64_t saveEvery = 0;           ///< steps (0: no intermediate checkpoints)
    uint64_t seed = 0;
    /// Recompute each layer's activations in backward instead of keeping them (less memory, about
    /// one more forward pass of time); the gradients are the same.
    bool gradientCheckpointing = false;
    // Distillation (teacher set): α and temperature.
    double kdAlpha = 0.5;
    double kdTemperature = 1.0;
};

struct LoraTrainResult {
    std::vector<double> losses;                      ///< per step (mean over its micro-batches)
    std::vector<std::pair<int64_t, double>> evalLosses;   ///< (step, held-out CE)
    double evalLossBefore = 0.0, evalLossAfter = 0.0;
    int64_t steps = 0, startStep = 0;
    double seconds = 0.0, tokensPerSecond = 0.0;
    nlohmann::json toJson() const;
};

/// The teacher's top-k logits at every target position of the training examples (distillation without
/// the teacher in memory during training): computed once, saved beside the run and reused.  The KD
/// term then compares the teacher's distribution renormalised over its k most likely tokens with the
/// student's log-probabilities of those tokens; with k = vocabulary size it is the full KL.
struct TeacherTopK {
    int64_t k = 0;
    at::Tensor values;              ///< (targets, k) float32 logits, descending
    at::Tensor indices;             ///< (targets, k) int64 token ids
    std::vector<int64_t> offsets;   ///< first row of each training example; size examples + 1
};

/// Run the teacher over `examples` (no gradients) in batches of `batch`; progress and cancel via ctx.
TeacherTopK computeTeacherTopK(const model::LlamaModel& teacher, const std::vector<TrainExample>& examples, int64_t k,
                               int64_t batch, const JobContext& ctx);
/// One safetensors file (values, indices as int32, offsets) with `key` (teacher, data, k...) in its
/// metadata; written atomically.
void saveTeacherTopK(const TeacherTopK& t, const std::filesystem::path& file, const nlohmann::json& key);
/// The cached top-k when `file` exists and was made for `key`; nullopt otherwise.  FormatError naming
/// the file when it is damaged.
std::optional<TeacherTopK> loadTeacherTopK(const std::filesystem::path& file, const nlohmann::json& key);

/// Called at each checkpoint (step done) so the caller can write the adapter; resume state goes
/// to `checkpointDir` (optimizer moments, step, loss history) when that is set.
struct TrainCheckpoints {
    std::filesystem::path dir;        ///< empty: no checkpoints
    std::function<void(const std::filesystem::path& stepDir, int64_t step)> saveAdapter;
    bool resume = false;              ///< continue from the newest complete checkpoint in `dir`
};

/// Train the adapters attached to `model` (attachLora first).  `teacher` or `teacherTopK` (cached
/// logits for data.train) switches on distillation.
/// Cancel is checked every micro-batch (CancelledError; the last checkpoint stays usable).
LoraTrainResult trainLora(model::LlamaModel& model, const TrainData& data, const LoraTrainOptions& options,
                          const model::LlamaModel* teacher, const TrainCheckpoints& checkpoints, const JobContext& ctx,
                          const TeacherTopK* teacherTopK = nullptr);

/// Mean cross-entropy over the target positions of `examples` (no dropout, no gradients).
double evaluateLoss(const model::LlamaModel& model, const std::vector<TrainExample>& examples, int64_t batch);

} // namespace slim::train
