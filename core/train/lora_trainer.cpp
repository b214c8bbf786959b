#include "core/train/lora_trainer.h"

#include "core/train/grad_clip.h"
#include "core/train/trainable_scope.h"

#include "core/analysis/file_hash.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/io/safetensors.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/optim/adamw.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <random>
#include <sstream>

namespace fs = std::filesystem;

namespace slim::train {

DataFormat parseDataFormat(const std::string& s) {
    if (s == "text")
        return DataFormat::Text;
    if (s == "alpaca")
        return DataFormat::Alpaca;
    throw ConfigError("--data-format must be 'text' or 'alpaca' (got '" + s + "')");
}

std::string alpacaPrompt(const std::string& instruction, const std::string& input) {
    if (!input.empty())
        return "Below is an instruction that describes a task, paired with an input that provides further context. "
               "Write a response that appropriately completes the request.\n\n### Instruction:\n" +
               instruction + "\n\n### Input:\n" + input + "\n\n### Response:\n";
    return "Below is an instruction that describes a task. Write a response that appropriately completes the "
           "request.\n\n### Instruction:\n" +
           instruction + "\n\n### Response:\n";
}

nlohmann::json TrainData::toJson() const {
    return {{"file", file}, {"sha256", sha256}, {"format", format}, {"train_examples", train.size()},
            {"eval_examples", eval.size()}, {"train_tokens", trainTokens}, {"target_tokens", targetTokens}};
}

TrainData loadTrainData(const fs::path& file, DataFormat format, const tok::Tokenizer& tok, int64_t seqLen,
                        int64_t evalSamples, uint64_t seed) {
    if (seqLen < 2)
        throw ConfigError("--seq-len must be at least 2");
    const std::string text = io::readTextFile(file, size_t(2) << 30);
    TrainData d;
    d.file = file.string();
    d.sha256 = analysis::sha256Hex(text);
    d.format = format == DataFormat::Text ? "text" : "alpaca";
    std::vector<TrainExample> all;
    if (format == DataFormat::Text) {
        const auto stream = tok.encode(text, false);
        const auto bos = tok.bosId();
        const int64_t body = bos ? seqLen - 1 : seqLen;
        for (size_t s = 0; s + static_cast<size_t>(body) <= stream.size(); s += static_cast<size_t>(body)) {
            TrainExample e;
            if (bos)
                e.ids.push_back(*bos);
            e.ids.insert(e.ids.end(), stream.begin() + static_cast<long>(s), stream.begin() + static_cast<long>(s + body));
            e.lossMask.assign(e.ids.size(), 1);
            e.lossMask[0] = 0;
            all.push_back(std::move(e));
        }
        if (all.empty())
            throw ConfigError(file.string() + ": " + std::to_string(stream.size()) +
                              " tokens are fewer than one training window of " + std::to_string(body));
    } else {
        std::istringstream in(text);
        std::string line;
        int64_t lineNo = 0;
        const auto eos = tok.eosId();
        while (std::getline(in, line)) {
            ++lineNo;
            if (line.find_first_not_of(" \t\r") == std::string::npos)
                continue;
            const std::string where = file.string() + ":" + std::to_string(lineNo);
            const nlohmann::json j = io::parseJsonStrict(line, where);
            auto field = [&](const char* k, bool required) -> std::string {
                if (!j.is_object() || !j.contains(k)) {
                    if (required)
                        throw FormatError(where, std::string("missing the \"") + k + "\" field (Alpaca: instruction, input, output)");
                    return {};
                }
                if (!j.at(k).is_string())
                    throw FormatError(where, std::string("\"") + k + "\" must be a string");
                return j.at(k).get<std::string>();
            };
            const std::string prompt = alpacaPrompt(field("instruction", true), field("input", false));
            const std::string output = field("output", true);
            TrainExample e;
            const auto promptIds = tok.encode(prompt, true);
            const auto fullIds = tok.encode(prompt + output, true);
            e.ids.assign(fullIds.begin(), fullIds.end());
            if (eos)
                e.ids.push_back(*eos);
            e.lossMask.assign(e.ids.size(), 0);
            for (size_t t = std::min(promptIds.size(), e.ids.size()); t < e.ids.size(); ++t)
                e.lossMask[t] = 1;   // the response (and EOS) only
            if (static_cast<int64_t>(e.ids.size()) > seqLen) {
                e.ids.resize(static_cast<size_t>(seqLen));
                e.lossMask.resize(static_cast<size_t>(seqLen));
            }
            e.lossMask[0] = 0;
            if (std::find(e.lossMask.begin(), e.lossMask.end(), 1) == e.lossMask.end())
                continue;   // the prompt alone fills the cutoff: nothing to learn from
            all.push_back(std::move(e));
        }
        if (all.empty())
            throw ConfigError(file.string() + ": no Alpaca record with a response within " + std::to_string(seqLen) + " tokens");
    }
    std::mt19937_64 rng(seed);
    std::shuffle(all.begin(), all.end(), rng);
    const int64_t nEval = std::min<int64_t>(std::max<int64_t>(0, evalSamples), static_cast<int64_t>(all.size()) - 1);
    d.eval.assign(all.end() - nEval, all.end());
    d.train.assign(all.begin(), all.end() - nEval);
    for (const auto& e : d.train) {
        d.trainTokens += static_cast<int64_t>(e.ids.size());
        d.targetTokens += std::count(e.lossMask.begin(), e.lossMask.end(), 1);
    }
    return d;
}

nlohmann::json LoraTrainResult::toJson() const {
    nlohmann::json ev = nlohmann::json::array();
    for (const auto& [s, l] : evalLosses)
        ev.push_back({{"step", s}, {"loss", l}});
    return {{"steps", steps}, {"start_step", startStep}, {"losses", losses}, {"eval_losses", ev},
            {"eval_loss_before", evalLossBefore}, {"eval_loss_after", evalLossAfter}, {"seconds", seconds},
            {"tokens_per_s", tokensPerSecond}};
}

namespace {

struct Batch {
    at::Tensor ids;     // (B, T) int64
    at::Tensor mask;    // (B, T) bool: targets
    std::vector<size_t> examples;   // index of each row in data.train (for the cached teacher top-k)
};

Batch makeBatch(const std::vector<const TrainExample*>& ex, const at::Device& dev) {
    size_t T = 0;
    for (const auto* e : ex)
        T = std::max(T, e->ids.size());
    at::Tensor ids = at::zeros({static_cast<int64_t>(ex.size()), static_cast<int64_t>(T)}, at::kLong);
    at::Tensor mask = at::zeros({static_cast<int64_t>(ex.size()), static_cast<int64_t>(T)}, at::kBool);
    auto* ip = ids.data_ptr<int64_t>();
    auto* mp = mask.data_ptr<bool>();
    for (size_t b = 0; b < ex.size(); ++b)
        for (size_t t = 0; t < ex[b]->ids.size(); ++t) {
            ip[b * T + t] = ex[b]->ids[t];
            mp[b * T + t] = ex[b]->lossMask[t] != 0;
        }
    // Right padding: padded positions come after every real one, so the causal mask keeps them out.
    return {ids.to(dev), mask.to(dev)};
}

/// The cached teacher rows of a batch's target positions, in the order the loss selects them.
std::pair<at::Tensor, at::Tensor> topKRows(const TeacherTopK& t, const Batch& b, int64_t targets) {
    std::vector<int64_t> rows;
    rows.reserve(static_cast<size_t>(targets));
    for (size_t e : b.examples) {
        if (e + 1 >= t.offsets.size())
            throw Error("distillation: the cached teacher top-k has no example " + std::to_string(e));
        for (int64_t r = t.offsets[e]; r < t.offsets[e + 1]; ++r)
            rows.push_back(r);
    }
    if (static_cast<int64_t>(rows.size()) != targets)
        throw Error("distillation: the cached teacher top-k holds " + std::to_string(rows.size()) + " positions for a batch with " +
                    std::to_string(targets) + " targets (made for other data?)");
    const at::Tensor idx = at::tensor(rows, at::kLong);
    return {t.values.index_select(0, idx), t.indices.index_select(0, idx)};
}

/// Cross-entropy (and KD) over the target positions; returns (loss, target count).
std::pair<at::Tensor, int64_t> batchLoss(const model::LlamaModel& m, const Batch& b, const model::LlamaModel* teacher,
                                         const LoraTrainOptions& o, const TeacherTopK* topk = nullptr) {
    const int64_t T = b.ids.size(1);
    model::ForwardOptions fo;
    fo.checkpointLayers = o.gradientCheckpointing;
    const at::Tensor logits = m.forward(b.ids, fo).narrow(1, 0, T - 1);          // (B, T-1, V) float32
    const at::Tensor target = b.ids.narrow(1, 1, T - 1);
    const at::Tensor sel = b.mask.narrow(1, 1, T - 1).reshape({-1});
    const int64_t V = logits.size(-1);
    const at::Tensor lg = logits.reshape({-1, V}).index({sel});                    // (N, V)
    const at::Tensor tg = target.reshape({-1}).index({sel});
    const int64_t n = tg.size(0);
    if (n == 0)
        return {at::zeros({}, logits.options()), 0};
    at::Tensor ce = at::cross_entropy_loss(lg, tg);
    const double temp = o.kdTemperature;
    if (topk) {
        // KL over the teacher's k most likely tokens: its distribution renormalised over them against
        // the student's log-probabilities of the same tokens (full softmax).
        const auto [vals, ids] = topKRows(*topk, b, n);
        const at::Tensor logPs = at::log_softmax(lg / temp, -1).gather(1, ids.to(lg.device()));
        const at::Tensor logPt = at::log_softmax(vals.to(lg.device()) / temp, -1);
        const at::Tensor kl = (logPt.exp() * (logPt - logPs)).sum(-1).mean();
        return {kl * (o.kdAlpha * temp * temp) + ce * (1.0 - o.kdAlpha), n};
    }
    if (!teacher)
        return {ce, n};
    at::Tensor tl;
    {
        at::NoGradGuard g;
        tl = teacher->forward(b.ids).narrow(1, 0, T - 1).reshape({-1, V}).index({sel});
    }
    const at::Tensor logPs = at::log_softmax(lg / temp, -1);
    const at::Tensor logPt = at::log_softmax(tl / temp, -1);
    // KL(p_t ‖ p_s) per token, averaged over tokens (PyTorch's kl_div "batchmean" over rows).
    const at::Tensor kl = (logPt.exp() * (logPt - logPs)).sum(-1).mean();
    return {kl * (o.kdAlpha * temp * temp) + ce * (1.0 - o.kdAlpha), n};
}

double lrAt(const LoraTrainOptions& o, int64_t step) {
    if (step < o.warmupSteps)
        return o.learningRate * static_cast<double>(step + 1) / static_cast<double>(std::max<int64_t>(o.warmupSteps, 1));
    const double p = static_cast<double>(step - o.warmupSteps) / static_cast<double>(std::max<int64_t>(o.steps - o.warmupSteps, 1));
    return o.learningRate * 0.5 * (1.0 + std::cos(M_PI * std::min(p, 1.0)));
}

/// The micro-batch order: epochs of seeded permutations, so a resumed run sees the same examples.
class Sampler {
public:
    Sampler(size_t n, uint64_t seed) : m_n(n), m_rng(seed) { refill(); }
    const std::vector<size_t>& next(int64_t k) {
        m_out.clear();
        for (int64_t i = 0; i < k; ++i) {
            if (m_pos == m_order.size())
                refill();
            m_out.push_back(m_order[m_pos++]);
        }
        return m_out;
    }

private:
    void refill() {
        m_order.resize(m_n);
        for (size_t i = 0; i < m_n; ++i)
            m_order[i] = i;
        std::shuffle(m_order.begin(), m_order.end(), m_rng);
        m_pos = 0;
    }
    size_t m_n, m_pos = 0;
    std::mt19937_64 m_rng;
    std::vector<size_t> m_order, m_out;
};

std::string stepDirName(int64_t step) {
    std::ostringstream s;
    s << "step-" << std::setw(6) << std::setfill('0') << step;
    return s.str();
}

} // namespace

TeacherTopK computeTeacherTopK(const model::LlamaModel& teacher, const std::vector<TrainExample>& examples, int64_t k,
                               int64_t batch, const JobContext& ctx) {
    const int64_t V = teacher.config().vocabSize;
    if (k < 1 || k > V)
        throw ConfigError("distillation: --teacher-top-k must be between 1 and the vocabulary size " + std::to_string(V) + " (got " +
                          std::to_string(k) + ")");
    at::NoGradGuard g;
    TeacherTopK t;
    t.k = k;
    t.offsets.push_back(0);
    std::vector<at::Tensor> vals, ids;
    const size_t step = static_cast<size_t>(std::max<int64_t>(batch, 1));
    for (size_t i = 0; i < examples.size(); i += step) {
        ctx.checkCancel();
        std::vector<const TrainExample*> ex;
        for (size_t j = i; j < std::min(examples.size(), i + step); ++j)
            ex.push_back(&examples[j]);
        const Batch b = makeBatch(ex, teacher.device());
        const int64_t T = b.ids.size(1);
        const at::Tensor sel = b.mask.narrow(1, 1, T - 1).reshape({-1});
        const at::Tensor lg = teacher.forward(b.ids).narrow(1, 0, T - 1).reshape({-1, V}).index({sel});
        const auto [v, ix] = lg.topk(k, -1);
        vals.push_back(v.to(at::kCPU, at::kFloat));
        ids.push_back(ix.to(at::kCPU, at::kLong));
        // Rows per example in the order the mask selects them (example-major).
        const at::Tensor perExample = b.mask.narrow(1, 1, T - 1).sum(1).to(at::kCPU, at::kLong).contiguous();
        for (int64_t e = 0; e < perExample.size(0); ++e)
            t.offsets.push_back(t.offsets.back() + perExample.data_ptr<int64_t>()[e]);
        ctx.setStatus("teacher top-" + std::to_string(k) + ": " + std::to_string(std::min(examples.size(), i + step)) + "/" +
                      std::to_string(examples.size()) + " examples");
        ctx.setProgress(static_cast<double>(std::min(examples.size(), i + step)) / static_cast<double>(examples.size()));
    }
    t.values = vals.empty() ? at::zeros({0, k}) : at::cat(vals);
    t.indices = ids.empty() ? at::zeros({0, k}, at::kLong) : at::cat(ids);
    return t;
}

void saveTeacherTopK(const TeacherTopK& t, const fs::path& file, const nlohmann::json& key) {
    fs::create_directories(file.parent_path());
    io::writeSafetensors(file,
                         {{"values", t.values.contiguous()},
                          {"indices", t.indices.to(at::kInt).contiguous()},
                          {"offsets", at::tensor(t.offsets, at::kLong)}},
                         {{"slimbench_teacher_topk", key.dump()}});
}

std::optional<TeacherTopK> loadTeacherTopK(const fs::path& file, const nlohmann::json& key) {
    if (!fs::exists(file))
        return std::nullopt;
    const auto st = io::SafetensorsFile::open(file);
    const auto& meta = st->metadata();
    const auto it = meta.find("slimbench_teacher_topk");
    if (it == meta.end() || it->second != key.dump())
        return std::nullopt;
    TeacherTopK t;
    t.values = st->load("values").to(at::kFloat);
    t.indices = st->load("indices").to(at::kLong);
    const at::Tensor off = st->load("offsets").to(at::kLong).contiguous();
    t.offsets.assign(off.data_ptr<int64_t>(), off.data_ptr<int64_t>() + off.numel());
    t.k = t.values.dim() == 2 ? t.values.size(1) : 0;
    if (t.values.dim() != 2 || t.indices.sizes() != t.values.sizes() || t.offsets.empty() || t.offsets.front() != 0 ||
        t.offsets.back() != t.values.size(0))
        throw FormatError(file.string(), "teacher top-k cache: values, indices and offsets do not agree");
    return t;
}

double evaluateLoss(const model::LlamaModel& m, const std::vector<TrainExample>& examples, int64_t batch) {
    at::NoGradGuard g;
    double sum = 0;
    int64_t n = 0;
    for (size_t i = 0; i < examples.size(); i += static_cast<size_t>(batch)) {
        std::vector<const TrainExample*> ex;
        for (size_t j = i; j < std::min(examples.size(), i + static_cast<size_t>(batch)); ++j)
            ex.push_back(&examples[j]);
        const auto [loss, count] = batchLoss(m, makeBatch(ex, m.device()), nullptr, LoraTrainOptions{});
        sum += loss.item<double>() * static_cast<double>(count);
        n += count;
    }
    return n ? sum / static_cast<double>(n) : 0.0;
}

LoraTrainResult trainLora(model::LlamaModel& m, const TrainData& data, const LoraTrainOptions& o,
                          const model::LlamaModel* teacher, const TrainCheckpoints& ck, const JobContext& ctx,
                          const TeacherTopK* topk) {
    if (data.train.empty())
        throw ConfigError("LoRA training: no training examples");
    if (o.steps < 1 || o.microBatch < 1 || o.gradAccum < 1 || !(o.learningRate > 0))
        throw ConfigError("LoRA training: steps, micro-batch and gradient accumulation must be >= 1 and the learning rate > 0");
    if (teacher && teacher->config().vocabSize != m.config().vocabSize)
        throw ConfigError("distillation: the teacher's vocabulary (" + std::to_string(teacher->config().vocabSize) +
                          ") differs from the student's (" + std::to_string(m.config().vocabSize) + ")");
    if (topk && topk->indices.numel() && topk->indices.max().item<int64_t>() >= m.config().vocabSize)
        throw ConfigError("distillation: the cached teacher top-k names tokens beyond the student's vocabulary (" +
                          std::to_string(m.config().vocabSize) + ")");
    const auto modules = loraModules(m);
    if (modules.empty())
        throw ConfigError("LoRA training: no adapters attached to the model");
    std::vector<at::Tensor> params;
    for (auto& [name, lo] : modules)
        for (auto t : lo->trainableParameters())
            params.push_back(t);

    LoraTrainResult r;
    const int64_t evalBatch = std::max<int64_t>(o.microBatch, 1);
    ctx.setStatus("held-out loss before training");
    r.evalLossBefore = data.eval.empty() ? 0.0 : evaluateLoss(m, data.eval, evalBatch);

    const TrainableScope trainable(params);
    struct DropoutOff {   // adapters back in eval mode however the loop ends
        model::LlamaModel& m;
        ~DropoutOff() { setLoraTraining(m, false); }
    } dropoutOff{m};
    torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(o.learningRate).weight_decay(o.weightDecay));
    Sampler sampler(data.train.size(), o.seed);

    // Resume: the newest complete checkpoint.
    if (ck.resume && !ck.dir.empty() && fs::is_directory(ck.dir)) {
        fs::path best;
        for (const auto& e : fs::directory_iterator(ck.dir))
            if (e.is_directory() && e.path().filename().string().rfind("step-", 0) == 0 && io::isComplete(e.path()) &&
                (best.empty() || e.path().filename() > best.filename()))
                best = e.path();
        if (!best.empty()) {
            const auto state = io::parseJsonStrict(io::readTextFile(best / "trainer_state.json"), (best / "trainer_state.json").string());
            // The caller's adapter layout is the one attached; read its weights from the checkpoint.
            const auto cfgJson = io::parseJsonStrict(io::readTextFile(best / "adapter_config.json"), (best / "adapter_config.json").string());
            loadAdapterWeights(m, LoraConfig::fromPeftJson(cfgJson, (best / "adapter_config.json").string()), best);
            torch::load(optimizer, (best / "optimizer.pt").string());
            r.startStep = state.at("step").get<int64_t>();
            r.losses = state.at("losses").get<std::vector<double>>();
            for (const auto& e : state.at("eval_losses"))
                r.evalLosses.emplace_back(e.at(0).get<int64_t>(), e.at(1).get<double>());
            for (int64_t s = 0; s < r.startStep * o.gradAccum; ++s)
                (void)sampler.next(o.microBatch);   // the same examples as the first run saw
            ctx.setStatus("resumed from " + best.string() + " (step " + std::to_string(r.startStep) + ")");
        }
    }

    const auto t0 = std::chrono::steady_clock::now();
    int64_t tokens = 0;
    setLoraTraining(m, true);
    for (int64_t step = r.startStep; step < o.steps; ++step) {
        optimizer.zero_grad();
        double stepLoss = 0;
        for (int64_t k = 0; k < o.gradAccum; ++k) {
            ctx.checkCancel();
            std::vector<const TrainExample*> ex;
            const std::vector<size_t> picked = sampler.next(o.microBatch);
            for (size_t i : picked)
                ex.push_back(&data.train[i]);
            Batch b = makeBatch(ex, m.device());
            b.examples = picked;
            auto [loss, n] = batchLoss(m, b, teacher, o, topk);
            if (n == 0)
                continue;
            (loss / static_cast<double>(o.gradAccum)).backward();
            stepLoss += loss.item<double>() / static_cast<double>(o.gradAccum);
            tokens += b.ids.numel();
        }
        if (o.gradClip > 0)
            clipGradNorm(params, o.gradClip, "LoRA training", step);
        const double lr = lrAt(o, step);
        for (auto& g : optimizer.param_groups())
            g.options().set_lr(lr);
        optimizer.step();
        if (!std::isfinite(stepLoss))
            throw Error("LoRA training diverged: loss " + std::to_string(stepLoss) + " at step " + std::to_string(step));
        r.losses.push_back(stepLoss);
        r.steps = step + 1;
        ctx.metric("loss", stepLoss, step + 1);
        ctx.metric("lr", lr, step + 1);
        const bool last = step + 1 == o.steps;
        if (!data.eval.empty() && ((o.evalEvery > 0 && (step + 1) % o.evalEvery == 0) || last)) {
            setLoraTraining(m, false);
            r.evalLosses.emplace_back(step + 1, evaluateLoss(m, data.eval, evalBatch));
            ctx.metric("eval_loss", r.evalLosses.back().second, step + 1);
            setLoraTraining(m, true);
        }
        std::ostringstream s;
        s << "step " << step + 1 << "/" << o.steps << " loss " << std::fixed << std::setprecision(4) << stepLoss;
        if (!r.evalLosses.empty() && r.evalLosses.back().first == step + 1)
            s << " eval " << r.evalLosses.back().second;
        s << " lr " << std::scientific << std::setprecision(2) << lr;
        ctx.setStatus(s.str());
        ctx.setProgress(static_cast<double>(step + 1) / static_cast<double>(o.steps));
        if (!ck.dir.empty() && o.saveEvery > 0 && ((step + 1) % o.saveEvery == 0 || last)) {
            io::AtomicFolder folder(ck.dir / stepDirName(step + 1));
            if (ck.saveAdapter)
                ck.saveAdapter(folder.staging(), step + 1);
            torch::save(optimizer, (folder.staging() / "optimizer.pt").string());
            nlohmann::json ev = nlohmann::json::array();
            for (const auto& [es, el] : r.evalLosses)
                ev.push_back({es, el});
            io::writeFileAtomic(folder.staging() / "trainer_state.json",
                                nlohmann::json{{"step", step + 1}, {"losses", r.losses}, {"eval_losses", ev}, {"seed", o.seed}}.dump() + "\n");
            folder.commit({{"kind", "lora-checkpoint"}, {"step", step + 1}});
            ctx.artifact("checkpoint", folder.target().string());
        }
    }
    setLoraTraining(m, false);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.tokensPerSecond = r.seconds > 0 ? static_cast<double>(tokens) / r.seconds : 0.0;
    r.evalLossAfter = data.eval.empty() ? 0.0 : (r.evalLosses.empty() ? evaluateLoss(m, data.eval, evalBatch) : r.evalLosses.back().second);
    ctx.setProgress(1.0);
    return r;
}

} // namespace slim::train
