// slimbench-cli lora train | merge, and distill: recovery training after compression
// (docs/compression.md "Recovery").
//   lora train MODEL_DIR --data FILE [--data-format text|alpaca] [--rank R --alpha A --dropout D
//              --targets q,k,v,o,gate,up,down --steps N --lr LR --batch B --grad-accum K --seq-len L
//              --warmup W --eval-samples N --eval-every N --save-every N --resume --seed S] --out ADAPTER_DIR
//   lora merge MODEL_DIR ADAPTER_DIR --out DIR
//   distill --teacher DIR --student DIR --data FILE [--alpha-kd A --temperature T + the lora train options] --out DIR
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/eval/device_memory.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/model/llama_model.h"
#include "core/model/variant_writer.h"
#include "core/quant/quantize_model.h"
#include "core/results/fingerprint.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/lora.h"
#include "core/train/lora_trainer.h"

#include <functional>
#include <optional>
#include <sstream>

namespace fs = std::filesystem;

namespace slim::cli {

namespace {

std::vector<std::string> trainingOptions() {
    return {"data", "data-format", "rank", "alpha", "dropout", "targets", "steps", "lr", "batch", "grad-accum",
            "seq-len", "warmup", "eval-samples", "eval-every", "save-every", "resume", "seed", "out", "checkpoint-dir",
            "weight-decay", "gradient-checkpointing"};
}

train::LoraConfig loraConfigFromArgs(const Args& a) {
    train::LoraConfig c;
    c.rank = a.getInt("rank", 8);
    c.alpha = a.getDouble("alpha", 16.0);
    c.dropout = a.getDouble("dropout", 0.05);
    if (auto t = a.get("targets"))
        c.targets = train::LoraConfig::parseTargets(*t);
    if (c.rank < 1 || !(c.alpha > 0) || !(c.dropout >= 0 && c.dropout < 1))
        throw ConfigError("LoRA needs --rank >= 1, --alpha > 0 and 0 <= --dropout < 1");
    return c;
}

train::LoraTrainOptions trainOptionsFromArgs(const Args& a) {
    train::LoraTrainOptions o;
    o.steps = a.getInt("steps", 200);
    o.microBatch = a.getInt("batch", 4);
    o.gradAccum = a.getInt("grad-accum", 4);
    o.learningRate = a.getDouble("lr", 1e-4);
    o.warmupSteps = a.getInt("warmup", std::min<int64_t>(100, o.steps / 10));
    o.weightDecay = a.getDouble("weight-decay", 0.0);
    o.evalEvery = a.getInt("eval-every", std::max<int64_t>(1, o.steps / 10));
    o.saveEvery = a.getInt("save-every", 0);
    o.seed = static_cast<uint64_t>(a.getInt("seed", 0));
    o.gradientCheckpointing = a.flag("gradient-checkpointing");
    return o;
}

std::string required(const Args& a, const char* key, const char* what) {
    const auto v = a.get(key);
    if (!v || v->empty())
        throw ConfigError(std::string("--") + key + " is required (" + what + ")");
    return *v;
}

/// Load data, attach adapters, train; shared by `lora train` and `distill`.
struct TrainRun {
    train::LoraConfig cfg;
    train::TrainData data;
    train::LoraTrainResult result;
    train::LoraTrainOptions options;
    int64_t peakBytes = 0;   ///< device peak during training (CUDA: allocator peak; CPU: process RSS)
};

/// `topKFor`: distillation from the teacher's cached top-k logits, made for the loaded training data.
using TopKSource = std::function<const train::TeacherTopK*(const train::TrainData&)>;

TrainRun runTraining(model::LlamaModel& m, const std::string& modelDir, const Args& a, const model::LlamaModel* teacher,
                     const fs::path& checkpointDir, Output& out, const JobContext& ctx, const TopKSource& topKFor = nullptr) {
    TrainRun run;
    run.cfg = loraConfigFromArgs(a);
    run.options = trainOptionsFromArgs(a);
    if (teacher || topKFor) {
        run.options.kdAlpha = a.getDouble("alpha-kd", 0.5);
        run.options.kdTemperature = a.getDouble("temperature", 1.0);
        if (!(run.options.kdAlpha >= 0 && run.options.kdAlpha <= 1) || !(run.options.kdTemperature > 0))
            throw ConfigError("distill needs 0 <= --alpha-kd <= 1 and --temperature > 0");
    }
    const auto tok = tok::Tokenizer::fromPath(modelDir);
    out.status("reading the training data");
    run.data = train::loadTrainData(required(a, "data", "a text file or Alpaca JSONL"),
                                    train::parseDataFormat(a.get("data-format", "text")), tok, a.getInt("seq-len", 256),
                                    a.getInt("eval-samples", 32), run.options.seed);
    const train::TeacherTopK* topk = topKFor ? topKFor(run.data) : nullptr;
    train::attachLora(m, run.cfg, run.options.seed);
    train::TrainCheckpoints ck;
    if (run.options.saveEvery > 0 || a.flag("resume")) {
        ck.dir = checkpointDir;
        ck.resume = a.flag("resume");
        ck.saveAdapter = [&](const fs::path& dir, int64_t) { train::saveAdapter(m, run.cfg, dir, modelDir); };
    }
    eval::resetPeakMemory(m.device());
    run.result = train::trainLora(m, run.data, run.options, teacher, ck, ctx, topk);
    run.peakBytes = eval::peakMemoryBytes(m.device());
    return run;
}

nlohmann::json trainingJson(const TrainRun& run, const std::string& modelDir) {
    return {{"lora", run.cfg.toPeftJson(modelDir)},
            {"options", {{"steps", run.options.steps}, {"batch", run.options.microBatch}, {"grad_accum", run.options.gradAccum},
                          {"gradient_checkpointing", run.options.gradientCheckpointing},
                         {"lr", run.options.learningRate}, {"warmup", run.options.warmupSteps},
                         {"weight_decay", run.options.weightDecay}, {"seed", run.options.seed},
                         {"schedule", "linear warm-up, cosine decay to 0"}, {"optimizer", "AdamW"}}},
            {"data", run.data.toJson()},
            {"result", run.result.toJson()},
            {"peak_memory_bytes", run.peakBytes}};
}

int loraTrain(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "resume", "gradient-checkpointing"});
    a.allowOnly(withCommon(trainingOptions()));
    const std::string dir = a.positionalAt(1, "MODEL_DIR");
    const fs::path dst = required(a, "out", "the adapter folder to write");
    const fs::path ckDir = a.get("checkpoint-dir", dst.string() + "-checkpoints");
    JobContext ctx = out.jobContext();
    io::AtomicFolder folder(dst);
    const auto m = loadModel(dir, a, out);
    const TrainRun run = runTraining(*m, dir, a, nullptr, ckDir, out, ctx.slice(0.05, 0.97));
    train::saveAdapter(*m, run.cfg, folder.staging(), fs::absolute(dir).lexically_normal().string());
    nlohmann::json info = trainingJson(run, dir);
    info["base_model"] = {{"path", fs::absolute(dir).lexically_normal().string()}, {"fingerprint", results::modelFingerprint(dir)}};
    io::writeFileAtomic(folder.staging() / "slimbench_training.json", info.dump(2) + "\n");
    folder.commit({{"kind", "lora-adapter"}});
    ctx.artifact("adapter", folder.target().string());
    std::ostringstream text;
    text << "trained LoRA r=" << run.cfg.rank << " on " << run.data.train.size() << " examples for " << run.result.steps
         << " steps: held-out loss " << run.result.evalLossBefore << " -> " << run.result.evalLossAfter << " -> "
         << dst.string() << "\n";
    out.text(text.str());
    info["out"] = fs::absolute(dst).lexically_normal().string();
    out.result(info);
    return 0;
}

int loraMerge(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "requantize"});
    a.allowOnly(withCommon({"out", "requantize"}));
    const std::string dir = a.positionalAt(1, "MODEL_DIR");
    const std::string adapter = a.positionalAt(2, "ADAPTER_DIR");
    const auto layout = quant::QuantLayout::fromConfigText(model::ModelConfig::load(fs::path(dir) / "config.json").quantizationConfig,
                                                         dir + "/config.json");
    if (a.flag("requantize") && !layout.quantized())
        throw ConfigError("--requantize: " + dir + " is not quantized; the merged model is dense already");
    const std::string dst = required(a, "out", "the merged model folder to write");
    model::VariantWriter writer(dir, dst);
    const JobContext mctx = out.jobContext();
    const auto m = loadModel(dir, a, out);
    const train::LoraConfig cfg = train::loadAdapter(*m, adapter);
    // QLoRA: the adapter is merged into the de-quantized base (W_deq + scale·B·A, dense); with
    // --requantize the merged projections are quantized again in the base's format.
    const int64_t merged = train::mergeLora(*m);
    nlohmann::json requant = nullptr;
    if (a.flag("requantize"))
        requant = quant::requantizeLike(*m, layout, mctx).toJson();
    writer.writeModel(*m, storedDtype(m->config()));
    writer.commit({{"command", "lora merge"}, {"method", a.flag("requantize") ? "lora-merge-requantize" : "lora-merge"},
                   {"settings", {{"adapter", fs::absolute(adapter).lexically_normal().string()},
                                 {"lora", cfg.toPeftJson(dir)}, {"merged_projections", merged},
                                 {"base_quantization", layout.quantized() ? layout.toJson() : nlohmann::json(nullptr)},
                                 {"requantized", requant}}}},
                  &mctx);
    out.text("merged " + std::to_string(merged) + " adapters into " + dst + "\n");
    out.result({{"out", fs::absolute(dst).lexically_normal().string()}, {"merged_projections", merged}});
    return 0;
}

} // namespace

int cmdLora(const std::vector<std::string>& argv, Output& out) {
    if (argv.empty())
        throw ConfigError("lora: expected 'train' or 'merge' (see slimbench-cli --help)");
    if (argv[0] == "train")
        return loraTrain(argv, out);
    if (argv[0] == "merge")
        return loraMerge(argv, out);
    throw ConfigError("lora: unknown mode '" + argv[0] + "' (train, merge)");
}

int cmdDistill(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "resume", "gradient-checkpointing"});
    auto known = withCommon(trainingOptions());
    for (const char* k : {"teacher", "student", "alpha-kd", "temperature", "teacher-top-k"})
        known.emplace_back(k);
    a.allowOnly(known);
    const std::string teacherDir = required(a, "teacher", "the uncompressed model");
    const std::string studentDir = required(a, "student", "the compressed model to train");
    const std::string dst = required(a, "out", "the distilled model folder to write");
    const int64_t topK = a.getInt("teacher-top-k", 0);
    if (topK < 0)
        throw ConfigError("--teacher-top-k must be >= 1 (0 or absent: the teacher runs beside the student)");
    JobContext ctx = out.jobContext();
    model::VariantWriter writer(studentDir, dst);
    const std::string teacherFingerprint = results::modelFingerprint(teacherDir);
    std::unique_ptr<model::LlamaModel> teacher;
    if (topK == 0) {
        out.status("loading the teacher");
        teacher = loadModel(teacherDir, a, out);
    }
    out.status("loading the student");
    const auto student = loadModel(studentDir, a, out);

    // With --teacher-top-k the teacher runs once over the training examples, its top-k logits are cached
    // beside the run (reused by a re-run or --resume), and only the student is in memory while training.
    std::optional<train::TeacherTopK> topk;
    fs::path cacheFile;
    bool cacheReused = false;
    TopKSource topKFor;
    if (topK > 0)
        topKFor = [&](const train::TrainData& data) -> const train::TeacherTopK* {
            const nlohmann::json key = {{"teacher", teacherFingerprint}, {"data_sha256", data.sha256}, {"format", data.format},
                                        {"seq_len", a.getInt("seq-len", 256)}, {"eval_samples", a.getInt("eval-samples", 32)},
                                        {"seed", a.getInt("seed", 0)}, {"examples", data.train.size()}, {"k", topK}};
            cacheFile = fs::path(dst + "-checkpoints") / ("teacher-top" + std::to_string(topK) + ".safetensors");
            topk = train::loadTeacherTopK(cacheFile, key);
            cacheReused = topk.has_value();
            if (cacheReused) {
                out.status("teacher top-" + std::to_string(topK) + ": reusing " + cacheFile.string());
                return &*topk;
            }
            out.status("loading the teacher");
            const auto t = loadModel(teacherDir, a, out);
            topk = train::computeTeacherTopK(*t, data.train, topK, std::max<int64_t>(a.getInt("batch", 4), 1), ctx.slice(0.05, 0.3));
            train::saveTeacherTopK(*topk, cacheFile, key);
            ctx.artifact("teacher_topk", cacheFile.string());
            return &*topk;   // the teacher is released here, before training
        };
    const TrainRun run = runTraining(*student, studentDir, a, teacher.get(), fs::path(dst + "-checkpoints"), out,
                                     topK > 0 ? ctx.slice(0.3, 0.95) : ctx.slice(0.05, 0.95), topKFor);
    // The adapter goes along (adapter/), and the student is written with it merged.
    train::saveAdapter(*student, run.cfg, writer.staging() / "adapter", fs::absolute(studentDir).lexically_normal().string());
    train::mergeLora(*student);
    writer.writeModel(*student, storedDtype(student->config()));
    nlohmann::json settings = trainingJson(run, studentDir);
    settings["teacher"] = {{"path", fs::absolute(teacherDir).lexically_normal().string()}, {"fingerprint", teacherFingerprint}};
    settings["kd"] = {{"alpha", run.options.kdAlpha}, {"temperature", run.options.kdTemperature},
                      {"loss", topK > 0 ? "alpha * T^2 * KL(p_teacher^T over its top-k, renormalised || p_student^T at those tokens) + "
                                          "(1 - alpha) * CE, mean over target tokens"
                                        : "alpha * T^2 * KL(p_teacher^T || p_student^T) + (1 - alpha) * CE, mean over target tokens"}};
    if (topK > 0)
        settings["kd"]["teacher_top_k"] = {{"k", topK}, {"cache", cacheFile.string()}, {"reused", cacheReused}};
    writer.commit({{"command", "distill"}, {"method", "distill-lora"}, {"settings", settings}}, &ctx);
    out.text("distilled " + teacherDir + " into " + studentDir + ": held-out CE " + std::to_string(run.result.evalLossBefore) +
             " -> " + std::to_string(run.result.evalLossAfter) + " -> " + dst + "\n");
    settings["out"] = fs::absolute(dst).lexically_normal().string();
    out.result(settings);
    return 0;
}

} // namespace slim::cli
