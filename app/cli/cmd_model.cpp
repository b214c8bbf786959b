// Model commands of slimbench-cli: info, tokenize, logits, generate, perplexity.
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/eval/perplexity.h"
#include "core/eval/prefix_token.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/model/generation.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace slim::cli {

std::vector<std::string> commonModelOptions() { return {"json", "device", "dtype", "threads"}; }

std::vector<std::string> withCommon(std::vector<std::string> extra) {
    auto v = commonModelOptions();
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
}

const char* dtypeName(at::ScalarType t) {
    return t == at::kBFloat16 ? "bf16" : t == at::kHalf ? "fp16" : t == at::kFloat ? "fp32" : "other";
}

at::ScalarType storedDtype(const model::ModelConfig& cfg) {
    if (cfg.torchDtype == "bfloat16")
        return at::kBFloat16;
    if (cfg.torchDtype == "float16")
        return at::kHalf;
    return at::kFloat;
}

std::unique_ptr<model::LlamaModel> loadModel(const std::string& dir, const Args& a, Output& out) {
    setupThreads(a);
    model::LoadOptions lo;
    lo.device = parseDevice(a);
    lo.dtype = parseDtype(a);
    JobContext ctx = out.jobContext();
    return model::LlamaModel::load(dir, lo, &ctx);
}

int cmdInfo(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly(commonModelOptions());   // --device/--dtype accepted everywhere; info reads headers only
    parseDevice(a);
    parseDtype(a);
    const fs::path dir = a.positionalAt(0, "MODEL_DIR");
    const auto cfg = model::ModelConfig::load(dir / "config.json");
    const auto ckpt = io::Checkpoint::open(dir);
    cfg.validateAgainst(ckpt);
    // Parameters of the architecture (a packed checkpoint holds fewer, wider elements).
    const int64_t params = cfg.parameterCount();
    nlohmann::json bytes = nlohmann::json::object();
    for (const auto& [dt, b] : ckpt.bytesByDType())
        bytes[dt] = b;
    nlohmann::json r = {
        {"architecture", cfg.architectureName},
        {"model_type", cfg.modelType},
        {"layers", cfg.numLayers},
        {"hidden_size", cfg.hiddenSize},
        {"intermediate_size", cfg.intermediateSize},
        {"heads", cfg.numHeads},
        {"kv_heads", cfg.numKvHeads},
        {"head_dim", cfg.headDim},
        {"vocab_size", cfg.vocabSize},
        {"max_position_embeddings", cfg.maxPositionEmbeddings},
        {"tie_word_embeddings", cfg.tieWordEmbeddings},
        {"rope_theta", cfg.rope.theta},
        {"torch_dtype", cfg.torchDtype},
        {"parameters", params},
        {"bytes_by_dtype", bytes},
        {"total_bytes", ckpt.totalBytes()},
        {"shards", ckpt.shards().size()},
        {"quantization", cfg.quantizationConfig.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(cfg.quantizationConfig)},
        {"bytes_per_parameter", params ? double(ckpt.totalBytes()) / double(params) : 0.0},
    };
    out.result(r);
    return 0;
}

int cmdTokenize(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "no-special"});
    a.allowOnly(withCommon({"no-special", "text", "text-file"}));   // tokenizing needs no device
    parseDevice(a);
    parseDtype(a);
    const auto tok = tok::Tokenizer::fromPath(a.positionalAt(0, "TOKENIZER"));
    std::string text;
    if (auto f = a.get("text-file"))
        text = io::readTextFile(*f);
    else if (auto t = a.get("text"))
        text = *t;
    else
        throw ConfigError("tokenize needs --text TEXT or --text-file FILE");
    const auto ids = tok.encode(text, !a.flag("no-special"));
    out.result({{"ids", ids}});
    return 0;
}

int cmdLogits(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "no-special"});
    a.allowOnly(withCommon({"prompt", "top-k", "no-special"}));
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto tok = tok::Tokenizer::fromPath(dir);
    const auto ids32 = tok.encode(a.get("prompt", ""), !a.flag("no-special"));
    if (ids32.empty())
        throw ConfigError("logits: the prompt has no tokens");
    const std::vector<int64_t> ids(ids32.begin(), ids32.end());
    const auto model = loadModel(dir, a, out);
    const int64_t k = a.getInt("top-k", 10);
    at::InferenceMode guard;
    const at::Tensor input = at::tensor(ids, at::kLong).view({1, -1});
    const at::Tensor logits = model->forward(input).to(at::kCPU);                 // (1, T, V)
    const int64_t T = logits.size(1);
    double nll = 0.0;
    if (T > 1) {
        const at::Tensor logp = at::log_softmax(logits[0].narrow(0, 0, T - 1).to(at::kDouble), -1);
        nll = -logp.gather(-1, input[0].narrow(0, 1, T - 1).unsqueeze(-1)).sum().item<double>();
    }
    const at::Tensor last = logits[0][T - 1];
    const auto top = last.topk(std::min<int64_t>(k, last.size(0)));
    nlohmann::json topk = nlohmann::json::array();
    for (int64_t i = 0; i < std::get<0>(top).size(0); ++i)
        topk.push_back({{"id", std::get<1>(top)[i].item<int64_t>()}, {"logit", std::get<0>(top)[i].item<double>()}});
    out.result({{"ids", ids}, {"nll_sum", nll}, {"last_topk", topk}, {"dtype", dtypeName(model->dtype())},
                {"device", deviceName(model->device())}});
    return 0;
}

int cmdGenerate(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "stop-at-eos", "no-special"});
    a.allowOnly(withCommon({"prompt", "max-new-tokens", "temperature", "top-p", "seed", "stop-at-eos", "no-special"}));
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto tok = tok::Tokenizer::fromPath(dir);
    const auto model = loadModel(dir, a, out);
    model::GenerationOptions go;
    go.maxNewTokens = a.getInt("max-new-tokens", 32);
    go.temperature = a.getDouble("temperature", 0.0);
    go.topP = a.getDouble("top-p", 1.0);
    go.seed = static_cast<uint64_t>(a.getInt("seed", 0));
    go.stopAtEos = a.flag("stop-at-eos");
    // The text streams as it is generated: output events with --json, the terminal otherwise.
    JobContext ctx = out.jobContext();
    const auto r = model::generateText(*model, tok, a.get("prompt", ""), !a.flag("no-special"), go, ctx);
    out.text("\n");
    std::vector<int32_t> newIds(r.newIds.begin(), r.newIds.end());
    out.result({{"prompt_ids", r.promptIds},
                {"new_ids", r.newIds},
                {"text", tok.decode(newIds, /*skipSpecialTokens=*/true)},
                {"prefill_tokens_per_s", r.prefillTokensPerS},
                {"decode_tokens_per_s", r.decodeTokensPerS},
                {"dtype", dtypeName(model->dtype())},
                {"device", deviceName(model->device())}});
    return 0;
}

int cmdPerplexity(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "bos-per-window"});
    a.allowOnly(withCommon({"text", "context", "max-tokens", "stride", "bos-per-window", "batch"}));
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto file = a.get("text");
    if (!file)
        throw ConfigError("perplexity needs --text FILE");
    const std::string text = io::readTextFile(*file);   // byte-exact (CRLF kept)
    const auto tok = tok::Tokenizer::fromPath(dir);
    out.status("tokenizing " + *file);
    const auto stream = tok.encode(text, /*addSpecialTokens=*/false);
    const auto model = loadModel(dir, a, out);
    eval::TokenPerplexityOptions po;
    po.context = a.getInt("context", 2048);
    po.maxTokens = a.getInt("max-tokens", -1);
    po.stride = a.getInt("stride", -1);
    po.bosPerWindow = a.flag("bos-per-window");
    if (po.bosPerWindow)
        po.bosId = eval::prefixToken(tok).id;   // lm-eval's rule: the tokenizer's BOS, else its EOS
    po.batchSize = a.getInt("batch", -1);
    out.status("scoring " + std::to_string(stream.size()) + " tokens in windows of " + std::to_string(po.context) +
               (po.batchSize > 0 ? ", " + std::to_string(po.batchSize) + " per batch" : std::string()));
    JobContext ctx = out.jobContext();
    const auto r = eval::tokenPerplexity(*model, stream, po, ctx);
    out.result({{"ppl", r.ppl}, {"nll_sum", r.nllSum}, {"tokens", r.tokens}, {"windows", r.windows},
                {"context", po.context}, {"bos_per_window", po.bosPerWindow}, {"stride", po.stride},
                {"convention", "token-gptq"}, {"seconds", r.seconds}, {"tokens_per_s", r.tokensPerS},
                {"dtype", dtypeName(model->dtype())}, {"device", deviceName(model->device())}});
    return 0;
}

} // namespace slim::cli
