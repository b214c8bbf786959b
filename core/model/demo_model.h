#pragma once
/// @file demo_model.h
/// The built-in demo model, so that Slimbench works offline: a small Llama (GQA, SwiGLU, RoPE)
/// trained from scratch on the public-domain King James Bible (Debian bible-kjv-text) with a
/// byte-fallback BPE tokenizer trained on the same text, saved as a Hugging Face folder
/// (config.json, model.safetensors, tokenizer.json, tokenizer_config.json,
/// generation_config.json, plus heldout.txt: the evaluation text it never saw, one document a
/// line).  Training and evaluation streams are documents (verses) as "<s> text </s>"; held-out
/// perplexity uses disjoint windows of `context` tokens, every token but each window's first
/// predicted (the first 65,536 tokens: all of the KJV's last 5%).
///
/// The folder is built in a temp sibling and renamed into place, with the completion marker
/// (slimbench_demo.json, holding the training record) written last: a killed or cancelled run
/// leaves no half-written model, and a finished one is reused.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace slim { class JobContext; }

namespace slim::model {

/// The completion marker inside the demo folder.
inline constexpr const char* kDemoMarkerFile = "slimbench_demo.json";

/// $SLIMBENCH_DATA_DIR/demo-model, else $XDG_DATA_HOME/slimbench/demo-model, else
/// ~/.local/share/slimbench/demo-model.
std::filesystem::path demoModelDir();
/// True when `dir` holds a finished demo model (marker and weights present).
bool demoModelReady(const std::filesystem::path& dir);
inline bool demoModelReady() { return demoModelReady(demoModelDir()); }

struct DemoTrainOptions {
    std::filesystem::path outDir;        ///< empty = demoModelDir()
    std::filesystem::path corpusPath;    ///< empty = search the known Debian paths
    bool force = false;                  ///< retrain even when a finished model is there
    double heldoutFraction = 0.05;       ///< the last 5% of the documents

    // Tokenizer
    int32_t vocabSize = 2048;
    // Model (Llama architecture; numKvHeads < numHeads exercises GQA).  Every input width is a
    // multiple of 128, so group-wise quantization with groups of 128 applies to every projection.
    // Sized for a few minutes of training on 2 CPU cores (about 1.3 M parameters).
    int64_t hiddenSize = 128;
    int64_t numLayers = 4;
    int64_t numHeads = 4;
    int64_t numKvHeads = 2;
    int64_t intermediateSize = 384;
    double initStd = 0.02;
    uint64_t seed = 20240611;
    // Training
    int64_t context = 256;
    int64_t steps = 600;
    int64_t batchSize = 8;
    double learningRate = 3e-3;
    int64_t warmupSteps = 40;
    /// LibTorch intra-op threads.  1, measured on a shared 2-core machine: with matrices this
    /// small a second OpenMP thread was 2.5x *slower* (8,900 vs 3,400 tokens/s forward +
    /// backward) whenever another process used a core, because OpenMP spin-waits; with
    /// OMP_WAIT_POLICY=PASSIVE two threads reached 6,200-8,400.  `train-demo --threads 2`.
    int threads = 1;
    int64_t evalMaxTokens = 65536;
};

struct DemoTrainResult {
    std::filesystem::path dir;
    bool reused = false;                 ///< a finished model was found; nothing was trained
    std::string corpus;                  ///< corpus name ("kjv-bible")
    std::string corpusDescription;
    int64_t corpusBytes = 0;
    int64_t trainTokens = 0, heldoutTokens = 0;   ///< sizes of the token streams
    int32_t vocabSize = 0;
    int64_t parameters = 0;
    int64_t steps = 0;
    double trainPplBefore = 0, trainPplAfter = 0;
    double heldoutPplBefore = 0, heldoutPplAfter = 0;
    double unigramHeldoutPpl = 0;        ///< baseline to beat
    double firstLoss = 0, lastLoss = 0;  ///< training loss of the first step / mean of the last 10
    double tokensPerSecond = 0;          ///< training throughput
    double trainSeconds = 0;             ///< optimisation only
    double seconds = 0;                  ///< the whole job (corpus, tokenizer, training, saving)

    nlohmann::json toJson() const;
    static DemoTrainResult fromJson(const nlohmann::json& j);
};

/// Build the demo model (or reuse a finished one).  Progress / cancel through ctx; a cancel
/// throws CancelledError and leaves no output folder.
DemoTrainResult trainDemoModel(const DemoTrainOptions& opts, const JobContext& ctx);

} // namespace slim::model
