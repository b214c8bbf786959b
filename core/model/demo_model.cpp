#include "core/model/demo_model.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/atomic_folder.h"
#include "core/model/llama_model.h"
#include "core/model/model_config.h"
#include "core/tokenizer/tokenizer.h"
#include "core/train/bpe_trainer.h"
#include "core/train/lm_trainer.h"
#include "core/train/text_corpus.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <random>

#include <signal.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace slim::model {

namespace {

constexpr int kMarkerVersion = 1;
constexpr const char* kTempInfix = ".tmp-";

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

/// Removes a folder on scope exit unless released (the temp build folder on error / cancel).
class FolderGuard {
public:
    explicit FolderGuard(fs::path p) : m_path(std::move(p)) {}
    ~FolderGuard() {
        if (!m_path.empty()) {
            io::removeTree(m_path);
        }
    }
    void release() { m_path.clear(); }
    FolderGuard(const FolderGuard&) = delete;
    FolderGuard& operator=(const FolderGuard&) = delete;

private:
    fs::path m_path;
};

/// Temp siblings "<name>.tmp-<pid>-<n>" left by runs that were killed: removed when their
/// process is gone (a running build in another process is left alone).
void removeStaleTempFolders(const fs::path& out) {
    std::error_code ec;
    const fs::path parent = out.parent_path();
    const std::string prefix = "." + out.filename().string() + kTempInfix;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.rfind(prefix, 0) != 0)
            continue;
        const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid > 0 && pid != static_cast<long>(::getpid()) && ::kill(static_cast<pid_t>(pid), 0) == 0)
            continue;
        io::removeTree(it->path());
    }
}

json generationConfig(int64_t maxLength) {
    return json{{"bos_token_id", train::BpeModel::kBosId},
                {"eos_token_id", train::BpeModel::kEosId},
                {"max_length", maxLength},
                {"do_sample", false},
                {"_from_model_config", false}};
}

std::vector<int32_t> encodeDocuments(const train::BpeModel& bpe, const std::vector<std::string>& docs) {
    // Every document (verse) is "<s> text </s>": <s> as the tokenizer's post-processor adds it,
    // </s> so that generation learns to stop at the end of a verse (generation_config's eos).
    std::vector<int32_t> stream;
    for (const auto& d : docs) {
        const auto ids = bpe.encode(d, /*addBos=*/true);
        stream.insert(stream.end(), ids.begin(), ids.end());
        stream.push_back(train::BpeModel::kEosId);
    }
    return stream;
}

/// The written tokenizer.json must encode as the trainer's segmentation (what the model was
/// trained on).  Checked with the library tokenizer on a sample of both splits.
void checkTokenizerFile(const fs::path& dir, const train::BpeModel& bpe, const train::CorpusSplit& split) {
    const tok::Tokenizer t = tok::Tokenizer::fromJsonFile(dir / "tokenizer.json");
    auto check = [&](const std::vector<std::string>& docs) {
        const size_t step = std::max<size_t>(1, docs.size() / 64);
        for (size_t i = 0; i < docs.size(); i += step) {
            if (t.encode(docs[i], true) != bpe.encode(docs[i], true))
                throw FormatError((dir / "tokenizer.json").string(),
                                  "encodes \"" + docs[i].substr(0, 60) + "\" differently from the BPE trainer");
        }
    };
    check(split.train);
    check(split.heldout);
}

} // namespace

json DemoTrainResult::toJson() const {
    return json{{"dir", dir.string()},
                {"reused", reused},
                {"corpus", corpus},
                {"corpus_description", corpusDescription},
                {"corpus_bytes", corpusBytes},
                {"train_tokens", trainTokens},
                {"heldout_tokens", heldoutTokens},
                {"vocab_size", vocabSize},
                {"parameters", parameters},
                {"steps", steps},
                {"train_ppl_before", trainPplBefore},
                {"train_ppl_after", trainPplAfter},
                {"heldout_ppl_before", heldoutPplBefore},
                {"heldout_ppl_after", heldoutPplAfter},
                {"unigram_heldout_ppl", unigramHeldoutPpl},
                {"first_loss", firstLoss},
                {"last_loss", lastLoss},
                {"tokens_per_s", tokensPerSecond},
                {"train_seconds", trainSeconds},
                {"seconds", seconds}};
}

DemoTrainResult DemoTrainResult::fromJson(const json& j) {
    DemoTrainResult r;
    r.dir = j.value("dir", std::string());
    r.reused = j.value("reused", false);
    r.corpus = j.value("corpus", std::string());
    r.corpusDescription = j.value("corpus_description", std::string());
    r.corpusBytes = j.value("corpus_bytes", int64_t{0});
    r.trainTokens = j.value("train_tokens", int64_t{0});
    r.heldoutTokens = j.value("heldout_tokens", int64_t{0});
    r.vocabSize = j.value("vocab_size", int32_t{0});
    r.parameters = j.value("parameters", int64_t{0});
    r.steps = j.value("steps", int64_t{0});
    r.trainPplBefore = j.value("train_ppl_before", 0.0);
    r.trainPplAfter = j.value("train_ppl_after", 0.0);
    r.heldoutPplBefore = j.value("heldout_ppl_before", 0.0);
    r.heldoutPplAfter = j.value("heldout_ppl_after", 0.0);
    r.unigramHeldoutPpl = j.value("unigram_heldout_ppl", 0.0);
    r.firstLoss = j.value("first_loss", 0.0);
    r.lastLoss = j.value("last_loss", 0.0);
    r.tokensPerSecond = j.value("tokens_per_s", 0.0);
    r.trainSeconds = j.value("train_seconds", 0.0);
    r.seconds = j.value("seconds", 0.0);
    return r;
}

fs::path demoModelDir() {
    if (const std::string d = env("SLIMBENCH_DATA_DIR"); !d.empty())
        return fs::path(d) / "demo-model";
    if (const std::string x = env("XDG_DATA_HOME"); !x.empty() && fs::path(x).is_absolute())
        return fs::path(x) / "slimbench" / "demo-model";
    const std::string home = env("HOME");
    if (home.empty())
        throw ConfigError("cannot place the demo model: neither SLIMBENCH_DATA_DIR, XDG_DATA_HOME nor HOME is set");
    return fs::path(home) / ".local" / "share" / "slimbench" / "demo-model";
}

bool demoModelReady(const fs::path& dir) {
    std::error_code ec;
    for (const char* f : {kDemoMarkerFile, "config.json", "model.safetensors", "tokenizer.json"})
        if (!fs::is_regular_file(dir / f, ec))
            return false;
    try {
        const json marker = json::parse(io::readTextFile(dir / kDemoMarkerFile, 1u << 20));
        if (marker.value("format", std::string()) != "slimbench-demo-model" ||
            marker.value("version", 0) != kMarkerVersion)
            return false;
        (void)DemoTrainResult::fromJson(marker.at("result"));   // throws on a damaged record
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

DemoTrainResult trainDemoModel(const DemoTrainOptions& opts, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    const fs::path out = fs::absolute(opts.outDir.empty() ? demoModelDir() : opts.outDir).lexically_normal();
    if (out.filename().empty())
        throw ConfigError("demo model folder " + out.string() + " has no name");

    if (!opts.force && demoModelReady(out)) {
        const json marker = json::parse(io::readTextFile(out / kDemoMarkerFile, 1u << 20));
        DemoTrainResult r = DemoTrainResult::fromJson(marker.value("result", json::object()));
        r.dir = out;
        r.reused = true;
        ctx.setProgress(1.0);
        return r;
    }
    if (opts.heldoutFraction <= 0.0 || opts.heldoutFraction >= 0.5)
        throw ConfigError("held-out fraction " + std::to_string(opts.heldoutFraction) + " must lie in (0, 0.5)");

    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    if (ec)
        throw IoError("cannot create " + out.parent_path().string() + ": " + ec.message());
    removeStaleTempFolders(out);
    std::random_device rd;
    const fs::path tmp = out.parent_path() / ("." + out.filename().string() + kTempInfix +
                                              std::to_string(::getpid()) + "-" + std::to_string(rd()));
    fs::create_directory(tmp, ec);
    if (ec)
        throw IoError("cannot create " + tmp.string() + ": " + ec.message());
    FolderGuard guard(tmp);

    // 1. Corpus and split.
    ctx.setStatus("reading the training text");
    const train::TextCorpus corpus = train::loadDemoCorpus(opts.corpusPath);
    const train::CorpusSplit split = train::splitTail(corpus, opts.heldoutFraction);
    ctx.checkCancel();

    // 2. Tokenizer (trained on the training split only).
    train::BpeTrainerOptions bo;
    bo.vocabSize = opts.vocabSize;
    train::BpeTrainer bpeTrainer(bo);
    for (const auto& d : split.train)
        bpeTrainer.addDocument(d);
    const train::BpeModel bpe = bpeTrainer.train(ctx.slice(0.0, 0.02));
    bpe.save(tmp, opts.context);
    checkTokenizerFile(tmp, bpe, split);
    const std::vector<int32_t> trainStream = encodeDocuments(bpe, split.train);
    const std::vector<int32_t> heldoutStream = encodeDocuments(bpe, split.heldout);
    ctx.checkCancel();

    // 3. Model.
    const json cfgJson = {
        {"architectures", json::array({"LlamaForCausalLM"})},
        {"model_type", "llama"},
        {"vocab_size", bpe.vocabSize()},
        {"hidden_size", opts.hiddenSize},
        {"intermediate_size", opts.intermediateSize},
        {"num_hidden_layers", opts.numLayers},
        {"num_attention_heads", opts.numHeads},
        {"num_key_value_heads", opts.numKvHeads},
        {"max_position_embeddings", opts.context},
        {"rms_norm_eps", 1e-5},
        {"rope_theta", 10000.0},
        {"rope_scaling", nullptr},
        {"tie_word_embeddings", false},
        {"hidden_act", "silu"},
        {"attention_bias", false},
        {"mlp_bias", false},
        {"torch_dtype", "float32"},
        {"bos_token_id", train::BpeModel::kBosId},
        {"eos_token_id", train::BpeModel::kEosId},
        {"pad_token_id", nullptr}};
    const ModelConfig cfg = withContext("demo model config", [&] { return ModelConfig::fromJson(cfgJson, "config.json"); });
    LoadOptions lo;
    lo.dtype = at::kFloat;
    auto model = LlamaModel::randomInit(cfg, lo, opts.initStd, opts.seed);
    train::initForTraining(*model, opts.initStd, opts.seed);

    // 4. Training.
    train::LmTrainOptions to;
    to.steps = opts.steps;
    to.batchSize = opts.batchSize;
    to.context = opts.context;
    to.learningRate = opts.learningRate;
    to.warmupSteps = std::min(opts.warmupSteps, opts.steps / 2);
    to.seed = opts.seed;
    to.threads = opts.threads;
    to.evalMaxTokens = opts.evalMaxTokens;
    const train::LmTrainResult tr =
        train::trainLanguageModel(*model, trainStream, heldoutStream, to, ctx.slice(0.02, 0.98));

    // 5. Save; the marker goes last, then the folder is renamed into place.
    ctx.setStatus("saving the demo model");
    model->save(tmp);
    io::writeFileAtomic(tmp / "generation_config.json", generationConfig(opts.context).dump(2) + "\n");
    std::string heldoutText;
    for (const auto& d : split.heldout)
        heldoutText += d + "\n";
    io::writeFileAtomic(tmp / "heldout.txt", heldoutText);

    DemoTrainResult r;
    r.dir = out;
    r.corpus = corpus.name;
    r.corpusDescription = corpus.description;
    r.corpusBytes = corpus.bytes();
    r.trainTokens = static_cast<int64_t>(trainStream.size());
    r.heldoutTokens = static_cast<int64_t>(heldoutStream.size());
    r.vocabSize = bpe.vocabSize();
    r.parameters = model->parameterCount();
    r.steps = tr.steps;
    r.trainPplBefore = tr.trainPplBefore;
    r.trainPplAfter = tr.trainPplAfter;
    r.heldoutPplBefore = tr.heldoutPplBefore;
    r.heldoutPplAfter = tr.heldoutPplAfter;
    r.unigramHeldoutPpl = tr.unigramHeldoutPpl;
    if (!tr.losses.empty()) {
        r.firstLoss = tr.losses.front();
        const size_t n = std::min<size_t>(10, tr.losses.size());
        double s = 0;
        for (size_t i = tr.losses.size() - n; i < tr.losses.size(); ++i)
            s += tr.losses[i];
        r.lastLoss = s / static_cast<double>(n);
    }
    r.tokensPerSecond = tr.tokensPerSecond;
    r.trainSeconds = tr.trainSeconds;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const json settings = {{"vocab_size", opts.vocabSize}, {"hidden_size", opts.hiddenSize},
                           {"num_layers", opts.numLayers}, {"num_heads", opts.numHeads},
                           {"num_kv_heads", opts.numKvHeads}, {"intermediate_size", opts.intermediateSize},
                           {"context", opts.context}, {"steps", opts.steps}, {"batch_size", opts.batchSize},
                           {"learning_rate", opts.learningRate}, {"warmup_steps", to.warmupSteps},
                           {"seed", opts.seed}, {"threads", opts.threads},
                           {"heldout_fraction", opts.heldoutFraction},
                           {"heldout_convention", "documents as <s> text </s>, disjoint windows of `context` tokens, "
                                                  "every token but each window's first predicted"}};
    const json marker = {{"format", "slimbench-demo-model"}, {"version", kMarkerVersion},
                         {"settings", settings}, {"result", r.toJson()}};
    ctx.checkCancel();
    io::writeFileAtomic(tmp / kDemoMarkerFile, marker.dump(2) + "\n");

    // Swap into place: an older or unfinished folder is moved aside first and removed after.
    if (fs::exists(out, ec)) {
        if (!opts.force && demoModelReady(out)) {
            // Another process finished first; keep its model (ours is discarded by the guard).
            DemoTrainResult other = DemoTrainResult::fromJson(
                json::parse(io::readTextFile(out / kDemoMarkerFile, 1u << 20)).value("result", json::object()));
            other.dir = out;
            other.reused = true;
            return other;
        }
        const fs::path old = out.parent_path() / ("." + out.filename().string() + kTempInfix +
                                                  std::to_string(::getpid()) + "-old-" + std::to_string(rd()));
        fs::rename(out, old, ec);
        if (ec)
            throw IoError("cannot move the old " + out.string() + " aside: " + ec.message());
        fs::rename(tmp, out, ec);
        if (ec)
            throw IoError("cannot rename " + tmp.string() + " to " + out.string() + ": " + ec.message());
        io::removeTree(old);
    } else {
        fs::rename(tmp, out, ec);
        if (ec)
            throw IoError("cannot rename " + tmp.string() + " to " + out.string() + ": " + ec.message());
    }
    guard.release();
    ctx.setProgress(1.0);
    return r;
}

} // namespace slim::model
