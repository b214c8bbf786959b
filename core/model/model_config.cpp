// config.json of the Llama family.  Key names and defaults follow transformers'
// LlamaConfig / MistralConfig / Qwen2Config (4.x) and the 5.x `rope_parameters` / `dtype` spelling.

#include "core/model/model_config.h"
#include "core/quant/quant_layout.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/checkpoint.h"
#include "core/io/strict_json.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cmath>
#include <set>

using nlohmann::json;

namespace slim::model {

namespace {

// Upper bounds far beyond any real model (Llama 3 405B: 126 layers, hidden 16384, vocab 128256);
// they keep every size product below 2^63 and turn a corrupted number into a clear error.
constexpr int64_t kMaxLayers = 1 << 16;
constexpr int64_t kMaxHidden = 1 << 20;
constexpr int64_t kMaxIntermediate = 1 << 22;
constexpr int64_t kMaxHeads = 1 << 16;
constexpr int64_t kMaxHeadDim = 1 << 16;
constexpr int64_t kMaxAttentionWidth = 1 << 22;  // heads * head_dim
constexpr int64_t kMaxVocab = 1 << 24;
constexpr int64_t kMaxPositions = int64_t(1) << 32;
constexpr size_t kMaxConfigBytes = 16u << 20;

struct ArchRow {
    Architecture arch;
    const char* className;
    const char* modelType;
    int64_t defaultMaxPositions;  // transformers' config default
};
constexpr std::array<ArchRow, 3> kArchTable{{
    {Architecture::Llama, "LlamaForCausalLM", "llama", 2048},
    {Architecture::Mistral, "MistralForCausalLM", "mistral", 4096 * 32},
    {Architecture::Qwen2, "Qwen2ForCausalLM", "qwen2", 32768},
}};

const ArchRow& archRow(Architecture a) {
    for (const auto& r : kArchTable)
        if (r.arch == a)
            return r;
    throw UnsupportedError("unknown architecture value");
}

/// Typed access to config keys with errors that name the file, the key and the rule.
class Keys {
public:
    Keys(const json& j, std::string file) : m_j(j), m_file(std::move(file)) {}

    [[noreturn]] void fail(const std::string& key, const json& v, const std::string& rule) const {
        throw ConfigError(m_file + ": \"" + key + "\" = " + v.dump() + " " + rule);
    }
    [[noreturn]] void fail(const std::string& rule) const { throw ConfigError(m_file + ": " + rule); }
    const std::string& file() const { return m_file; }

    /// nullptr when absent or null.
    const json* get(const json& obj, const std::string& key) const {
        const auto it = obj.find(key);
        return (it == obj.end() || it->is_null()) ? nullptr : &*it;
    }
    const json* get(const std::string& key) const { return get(m_j, key); }

    int64_t integer(const json& v, const std::string& key, int64_t lo, int64_t hi) const {
        if (!v.is_number_integer())
            fail(key, v, "must be an integer");
        if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t(INT64_MAX))
            fail(key, v, "is too large");
        const int64_t x = v.get<int64_t>();
        if (x < lo)
            fail(key, v, x <= 0 && lo > 0 ? "must be positive" : "must be at least " + std::to_string(lo));
        if (x > hi)
            fail(key, v, "is absurdly large (limit " + std::to_string(hi) + ")");
        return x;
    }
    int64_t requiredInt(const std::string& key, int64_t lo, int64_t hi) const {
        const json* v = get(key);
        if (!v)
            fail("missing required key \"" + key + "\"");
        return integer(*v, key, lo, hi);
    }
    int64_t optionalInt(const std::string& key, int64_t fallback, int64_t lo, int64_t hi) const {
        const json* v = get(key);
        return v ? integer(*v, key, lo, hi) : fallback;
    }
    double positive(const json& v, const std::string& key) const {
        if (!v.is_number())
            fail(key, v, "must be a number");
        const double x = v.get<double>();
        if (!(x > 0) || !std::isfinite(x))
            fail(key, v, "must be a positive finite number");
        return x;
    }
    double optionalPositive(const json& obj, const std::string& key, double fallback, const std::string& label) const {
        const json* v = get(obj, key);
        return v ? positive(*v, label) : fallback;
    }
    bool optionalBool(const std::string& key, bool fallback) const {
        const json* v = get(key);
        if (!v)
            return fallback;
        if (!v->is_boolean())
            fail(key, *v, "must be true or false");
        return v->get<bool>();
    }
    std::string optionalString(const json& obj, const std::string& key, const std::string& label) const {
        const json* v = get(obj, key);
        if (!v)
            return {};
        if (!v->is_string())
            fail(label, *v, "must be a string");
        return v->get<std::string>();
    }

private:
    const json& m_j;
    std::string m_file;
};

Architecture parseArchitecture(const Keys& k, const json& j, std::string& className, std::string& modelType) {
    const std::string declaredType = k.optionalString(j, "model_type", "model_type");
    if (const json* archs = k.get("architectures")) {
        if (!archs->is_array() || archs->empty() || !(*archs)[0].is_string())
            k.fail("architectures", *archs, "must be a non-empty list of class names");
        className = (*archs)[0].get<std::string>();
    } else if (!declaredType.empty()) {
        for (const auto& r : kArchTable)
            if (declaredType == r.modelType)
                className = r.className;
        if (className.empty())
            throw UnsupportedError(k.file() + ": model_type \"" + declaredType +
                                   "\" is not supported (supported: llama, mistral, qwen2)");
    } else {
        k.fail("neither \"architectures\" nor \"model_type\" says what model this is");
    }
    for (const auto& r : kArchTable) {
        if (className != r.className)
            continue;
        if (!declaredType.empty() && declaredType != r.modelType)
            k.fail("model_type", json(declaredType), std::string("does not match architecture ") + r.className);
        modelType = r.modelType;
        return r.arch;
    }
    throw UnsupportedError(k.file() + ": architecture \"" + className +
                           "\" is not supported (supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
}

/// Rope settings: transformers 5.x `rope_parameters` (with its own rope_theta) or 4.x
/// `rope_scaling` + top-level `rope_theta`.  "type" is the pre-4.43 spelling of "rope_type".
RopeConfig parseRope(const Keys& k, const json& j) {
    RopeConfig rope;
    rope.theta = k.optionalPositive(j, "rope_theta", 10000.0, "rope_theta");
    const json* params = k.get("rope_parameters");
    std::string where = "rope_parameters";
    if (params) {
        if (!params->is_object())
            k.fail(where, *params, "must be an object");
        rope.theta = k.optionalPositive(*params, "rope_theta", rope.theta, where + ".rope_theta");
    } else if ((params = k.get("rope_scaling"))) {
        where = "rope_scaling";
        if (!params->is_object())
            k.fail(where, *params, "must be an object or null");
    } else {
        return rope;
    }
    const std::string type1 = k.optionalString(*params, "rope_type", where + ".rope_type");
    const std::string type2 = k.optionalString(*params, "type", where + ".type");
    if (!type1.empty() && !type2.empty() && type1 != type2)
        k.fail(where, *params, "has \"rope_type\" and \"type\" that disagree");
    const std::string type = type1.empty() ? (type2.empty() ? "default" : type2) : type1;

    auto required = [&](const char* key) -> const json& {
        const json* v = k.get(*params, key);
        if (!v)
            k.fail(where + " of type \"" + type + "\" lacks \"" + key + "\"");
        return *v;
    };
    if (type == "default") {
        rope.type = RopeType::Default;
    } else if (type == "linear") {
        rope.type = RopeType::Linear;
        rope.factor = k.positive(required("factor"), where + ".factor");
    } else if (type == "llama3") {
        rope.type = RopeType::Llama3;
        rope.factor = k.positive(required("factor"), where + ".factor");
        rope.lowFreqFactor = k.positive(required("low_freq_factor"), where + ".low_freq_factor");
        rope.highFreqFactor = k.positive(required("high_freq_factor"), where + ".high_freq_factor");
        rope.originalMaxPositionEmbeddings =
            k.integer(required("original_max_position_embeddings"), where + ".original_max_position_embeddings", 1,
                      kMaxPositions);
        // llama3 smoothing divides by (high - low): equal factors would divide by zero.
        if (rope.highFreqFactor <= rope.lowFreqFactor)
            k.fail(where + ".high_freq_factor", json(rope.highFreqFactor),
                   "must be greater than low_freq_factor " + json(rope.lowFreqFactor).dump());
    } else {
        throw UnsupportedError(k.file() + ": " + where + " type \"" + type +
                               "\" is not supported (supported: default, linear, llama3)");
    }
    return rope;
}

std::string parseDtype(const Keys& k, const json& j) {
    // 5.x writes "dtype"; 4.x "torch_dtype".  Prefer the newer key when both are present.
    std::string key = "dtype";
    const json* v = k.get(j, key);
    if (!v) {
        key = "torch_dtype";
        v = k.get(j, key);
    }
    if (!v)
        return "float32";
    if (!v->is_string())
        k.fail(key, *v, "must be a string");
    const std::string s = v->get<std::string>();
    if (s != "float32" && s != "float16" && s != "bfloat16")
        k.fail(key, *v, "must be one of float32, float16, bfloat16");
    return s;
}

std::optional<int64_t> parseTokenId(const Keys& k, const json& v, const std::string& key, int64_t vocab) {
    const int64_t id = k.integer(v, key, INT64_MIN, INT64_MAX);
    if (key == "pad_token_id" && id < 0)
        return std::nullopt; // old Llama configs write -1 for "no padding token"
    if (id < 0 || id >= vocab)
        k.fail(key, v, "is outside the vocabulary [0, " + std::to_string(vocab) + ")");
    return id;
}

std::vector<int64_t> parseLayerList(const Keys& k, const json& shapes, const char* key, int64_t layers, int64_t hi) {
    const json* v = k.get(shapes, key);
    if (!v)
        return {};
    const std::string label = std::string("slimbench_layer_shapes.") + key;
    if (!v->is_array())
        k.fail(label, *v, "must be a list");
    if (static_cast<int64_t>(v->size()) != layers)
        k.fail(label + " has " + std::to_string(v->size()) + " entries but num_hidden_layers is " +
               std::to_string(layers));
    std::vector<int64_t> out;
    for (size_t i = 0; i < v->size(); ++i)
        out.push_back(k.integer((*v)[i], label + "[" + std::to_string(i) + "]", 0, hi));
    return out;
}

/// Overflow-checked accumulation for parameterCount().
struct Count {
    int64_t value = 0;
    void add(int64_t a, int64_t b = 1) {
        int64_t p = 0;
        if (__builtin_mul_overflow(a, b, &p) || __builtin_add_overflow(value, p, &value))
            throw ConfigError("parameter count overflows 64 bits");
    }
};

using io::shapeText;

} // namespace

std::string toString(Architecture a) {
    return archRow(a).className;
}

int64_t ModelConfig::intermediateOf(int64_t layer) const {
    return layerIntermediateSize.empty() ? intermediateSize : layerIntermediateSize.at(static_cast<size_t>(layer));
}

int64_t ModelConfig::headsOf(int64_t layer) const {
    return layerNumHeads.empty() ? numHeads : layerNumHeads.at(static_cast<size_t>(layer));
}

int64_t ModelConfig::kvHeadsOf(int64_t layer) const {
    return layerNumKvHeads.empty() ? numKvHeads : layerNumKvHeads.at(static_cast<size_t>(layer));
}

bool ModelConfig::hasBias(Proj p) const {
    switch (p) {
    case Proj::Q: case Proj::K: case Proj::V: return attentionBias;
    case Proj::O: return attentionOutputBias;
    default: return mlpBias;
    }
}

std::optional<int64_t> ModelConfig::slidingWindowOf(int64_t layer) const {
    if (!slidingWindow || layer < slidingWindowFirstLayer)
        return std::nullopt;
    return slidingWindow;
}

ModelConfig ModelConfig::fromJson(const json& j, const std::string& file) {
    if (!j.is_object())
        throw ConfigError(file + ": not a JSON object");
    const Keys k(j, file);
    ModelConfig c;
    c.architecture = parseArchitecture(k, j, c.architectureName, c.modelType);
    const ArchRow& row = archRow(c.architecture);
    // `auto_map` (custom modelling code) is deliberately never looked at.
    if (const json* q = k.get("quantization_config"); q && !q->is_null()) {
        quant::QuantLayout::fromJson(*q, file); // refuses unreadable methods now, naming the file
        c.quantizationConfig = q->dump();
    }

    c.vocabSize = k.requiredInt("vocab_size", 1, kMaxVocab);
    c.hiddenSize = k.requiredInt("hidden_size", 1, kMaxHidden);
    c.intermediateSize = k.requiredInt("intermediate_size", 1, kMaxIntermediate);
    c.numLayers = k.requiredInt("num_hidden_layers", 1, kMaxLayers);
    c.numHeads = k.requiredInt("num_attention_heads", 1, kMaxHeads);
    c.numKvHeads = k.optionalInt("num_key_value_heads", c.numHeads, 1, kMaxHeads);
    if (c.numHeads % c.numKvHeads != 0)
        k.fail("num_key_value_heads", json(c.numKvHeads),
               "must divide num_attention_heads = " + std::to_string(c.numHeads));
    if (const json* hd = k.get("head_dim")) {
        c.headDim = k.integer(*hd, "head_dim", 1, kMaxHeadDim);
    } else {
        if (c.hiddenSize % c.numHeads != 0)
            k.fail("num_attention_heads", json(c.numHeads),
                   "must divide hidden_size = " + std::to_string(c.hiddenSize) + " (no explicit head_dim)");
        c.headDim = c.hiddenSize / c.numHeads;
    }
    if (c.headDim % 2 != 0)
        k.fail("head_dim", json(c.headDim), "must be even (rotary embeddings rotate pairs)");
    if (c.numHeads * c.headDim > kMaxAttentionWidth)
        k.fail("num_attention_heads * head_dim = " + std::to_string(c.numHeads * c.headDim) +
               " is absurdly large (limit " + std::to_string(kMaxAttentionWidth) + ")");
    c.maxPositionEmbeddings = k.optionalInt("max_position_embeddings", row.defaultMaxPositions, 1, kMaxPositions);
    c.rmsNormEps = k.optionalPositive(j, "rms_norm_eps", 1e-6, "rms_norm_eps");
    if (c.rmsNormEps >= 1.0)
        k.fail("rms_norm_eps", json(c.rmsNormEps), "must be below 1");
    c.rope = parseRope(k, j);
    c.tieWordEmbeddings = k.optionalBool("tie_word_embeddings", false);
    c.torchDtype = parseDtype(k, j);

    const std::string act = k.optionalString(j, "hidden_act", "hidden_act");
    if (!act.empty() && act != "silu" && act != "swish")
        throw UnsupportedError(file + ": hidden_act \"" + act + "\" is not supported (the Llama family uses silu)");

    switch (c.architecture) {
    case Architecture::Llama:
        c.attentionBias = c.attentionOutputBias = k.optionalBool("attention_bias", false);
        c.mlpBias = k.optionalBool("mlp_bias", false);
        break;
    case Architecture::Mistral: {
        // transformers' MistralConfig default is 4096; null means full attention.
        const auto it = j.find("sliding_window");
        if (it == j.end())
            c.slidingWindow = 4096;
        else if (!it->is_null())
            c.slidingWindow = k.integer(*it, "sliding_window", 1, kMaxPositions);
        break;
    }
    case Architecture::Qwen2:
        c.attentionBias = true;  // Qwen2Attention: q/k/v with bias, o without
        if (k.optionalBool("use_sliding_window", false)) {
            const auto it = j.find("sliding_window");
            if (it == j.end())
                c.slidingWindow = 4096;
            else if (!it->is_null())
                c.slidingWindow = k.integer(*it, "sliding_window", 1, kMaxPositions);
            if (c.slidingWindow)
                c.slidingWindowFirstLayer = k.optionalInt("max_window_layers", 28, 0, kMaxLayers);
        }
        break;
    }

    if (const json* v = k.get("bos_token_id"))
        c.bosTokenId = parseTokenId(k, *v, "bos_token_id", c.vocabSize);
    if (const json* v = k.get("eos_token_id")) {
        if (v->is_array()) {
            for (size_t i = 0; i < v->size(); ++i)
                c.eosTokenIds.push_back(*parseTokenId(k, (*v)[i], "eos_token_id", c.vocabSize));
        } else {
            c.eosTokenIds.push_back(*parseTokenId(k, *v, "eos_token_id", c.vocabSize));
        }
    }
    if (const json* v = k.get("pad_token_id"))
        c.padTokenId = parseTokenId(k, *v, "pad_token_id", c.vocabSize);

    if (const json* shapes = k.get("slimbench_layer_shapes")) {
        if (!shapes->is_object())
            k.fail("slimbench_layer_shapes", *shapes, "must be an object");
        c.layerIntermediateSize = parseLayerList(k, *shapes, "intermediate_size", c.numLayers, kMaxIntermediate);
        c.layerNumHeads = parseLayerList(k, *shapes, "num_attention_heads", c.numLayers, kMaxHeads);
        c.layerNumKvHeads = parseLayerList(k, *shapes, "num_key_value_heads", c.numLayers, kMaxHeads);
        // A width-pruned layer may lose all heads (then also all kv heads) or its whole MLP.
        for (int64_t l = 0; l < c.numLayers; ++l) {
            const int64_t h = c.headsOf(l), kv = c.kvHeadsOf(l);
            const bool ok = (h == 0 && kv == 0) || (kv > 0 && h % kv == 0);
            if (!ok)
                k.fail("slimbench_layer_shapes: layer " + std::to_string(l) + " has " + std::to_string(kv) +
                       " kv heads, which must divide its " + std::to_string(h) + " attention heads");
            if (h * c.headDim > kMaxAttentionWidth)
                k.fail("slimbench_layer_shapes: layer " + std::to_string(l) + " attention width is absurdly large");
        }
    }
    return c;
}

ModelConfig ModelConfig::load(const std::filesystem::path& configJson) {
    const std::string file = configJson.string();
    const json j = io::parseJsonStrict(io::readTextFile(configJson, kMaxConfigBytes), file);
    return fromJson(j, file);
}

json ModelConfig::toJson() const {
    json j;
    j["architectures"] = json::array({architectureName.empty() ? toString(architecture) : architectureName});
    j["model_type"] = modelType.empty() ? archRow(architecture).modelType : modelType;
    j["vocab_size"] = vocabSize;
    j["hidden_size"] = hiddenSize;
    j["intermediate_size"] = intermediateSize;
    j["num_hidden_layers"] = numLayers;
    j["num_attention_heads"] = numHeads;
    j["num_key_value_heads"] = numKvHeads;
    j["head_dim"] = headDim;
    j["max_position_embeddings"] = maxPositionEmbeddings;
    j["rms_norm_eps"] = rmsNormEps;
    j["rope_theta"] = rope.theta;
    switch (rope.type) {
    case RopeType::Default:
        j["rope_scaling"] = nullptr;
        break;
    case RopeType::Linear:
        // Both spellings: "type" for transformers < 4.43, "rope_type" after.
        j["rope_scaling"] = {{"rope_type", "linear"}, {"type", "linear"}, {"factor", rope.factor}};
        break;
    case RopeType::Llama3:
        j["rope_scaling"] = {{"rope_type", "llama3"},
                             {"type", "llama3"},
                             {"factor", rope.factor},
                             {"low_freq_factor", rope.lowFreqFactor},
                             {"high_freq_factor", rope.highFreqFactor},
                             {"original_max_position_embeddings", rope.originalMaxPositionEmbeddings}};
        break;
    }
    j["tie_word_embeddings"] = tieWordEmbeddings;
    j["hidden_act"] = hiddenAct;
    j["torch_dtype"] = torchDtype;
    switch (architecture) {
    case Architecture::Llama:
        j["attention_bias"] = attentionBias;
        j["mlp_bias"] = mlpBias;
        break;
    case Architecture::Mistral:
        j["sliding_window"] = slidingWindow ? json(*slidingWindow) : json(nullptr);
        break;
    case Architecture::Qwen2:
        j["use_sliding_window"] = slidingWindow.has_value();
        j["sliding_window"] = slidingWindow ? json(*slidingWindow) : json(nullptr);
        j["max_window_layers"] = slidingWindow ? slidingWindowFirstLayer : numLayers;
        break;
    }
    j["bos_token_id"] = bosTokenId ? json(*bosTokenId) : json(nullptr);
    if (eosTokenIds.size() == 1)
        j["eos_token_id"] = eosTokenIds[0];
    else if (eosTokenIds.empty())
        j["eos_token_id"] = nullptr;
    else
        j["eos_token_id"] = eosTokenIds;
    j["pad_token_id"] = padTokenId ? json(*padTokenId) : json(nullptr);
    if (!layerIntermediateSize.empty() || !layerNumHeads.empty() || !layerNumKvHeads.empty()) {
        json shapes = json::object();
        if (!layerIntermediateSize.empty())
            shapes["intermediate_size"] = layerIntermediateSize;
        if (!layerNumHeads.empty())
            shapes["num_attention_heads"] = layerNumHeads;
        if (!layerNumKvHeads.empty())
            shapes["num_key_value_heads"] = layerNumKvHeads;
        j["slimbench_layer_shapes"] = std::move(shapes);
    }
    if (!quantizationConfig.empty())
        j["quantization_config"] = json::parse(quantizationConfig);
    return j;
}

void ModelConfig::validateAgainst(const io::Checkpoint& ckpt) const {
    const std::string where = ckpt.dir().string();
    auto fail = [&](const std::string& rule) { throw FormatError(where, rule); };

    // Embedding first: its rows are the vocabulary.
    const std::string embed(kEmbedTokens);
    if (!ckpt.contains(embed))
        fail("tensor \"" + embed + "\" is missing");
    const auto& embedShape = ckpt.info(embed).shape;
    if (embedShape.size() != 2)
        fail("tensor \"" + embed + "\" has shape " + shapeText(embedShape) + ", expected 2 dimensions");
    if (embedShape[0] != vocabSize)
        fail("config.json vocab_size = " + std::to_string(vocabSize) + " but \"" + embed + "\" has " +
             std::to_string(embedShape[0]) + " rows");

    // Layer count: no tensors beyond num_hidden_layers, and every layer present.
    std::set<int64_t> layersSeen;
    for (const auto& name : ckpt.names()) {
        const auto l = layerIndexOf(name);
        if (!l)
            continue;
        if (*l >= numLayers)
            fail("tensor \"" + name + "\" belongs to layer " + std::to_string(*l) +
                 " but config.json num_hidden_layers = " + std::to_string(numLayers));
        layersSeen.insert(*l);
    }
    for (int64_t l = 0; l < numLayers; ++l)
        if (!layersSeen.count(l))
            fail("config.json num_hidden_layers = " + std::to_string(numLayers) + " but the checkpoint has no tensors for layer " +
                 std::to_string(l) + " (it has " + std::to_string(layersSeen.size()) + " layers)");

    auto expect = [&](const std::string& name, std::vector<int64_t> shape, const std::string& because) {
        if (!ckpt.contains(name))
            fail("tensor \"" + name + "\" expected by config.json (" + because + ") is missing");
        const auto& info = ckpt.info(name);
        if (info.shape != shape)
            fail("tensor \"" + name + "\" has shape " + shapeText(info.shape) + " but config.json implies " +
                 shapeText(shape) + " (" + because + ")");
        if (!io::isFloating(info.dtype))
            fail("tensor \"" + name + "\" has dtype " + std::string(io::traits(info.dtype).name) +
                 ": weights must be floating point (quantized checkpoints are not plain Llama weights)");
    };
    const quant::QuantLayout layout = quant::QuantLayout::fromConfigText(quantizationConfig, where + "/config.json");
    const std::string hid = "hidden_size " + std::to_string(hiddenSize);
    expect(embed, {vocabSize, hiddenSize}, "vocab_size x " + hid);
    expect(std::string(kFinalNorm), {hiddenSize}, hid);
    if (layout.lmHead && !tieWordEmbeddings)   // quantized output projection (quantize --lm-head)
        quant::checkProjectionTensors(layout, ckpt, "lm_head", vocabSize, hiddenSize,
                                      "vocab_size x " + hid + ", quantization_config lm_head true");
    else if (!tieWordEmbeddings || ckpt.contains(std::string(kLmHead)))
        expect(std::string(kLmHead), {vocabSize, hiddenSize},
               "vocab_size x " + hid + (tieWordEmbeddings ? "" : ", tie_word_embeddings false"));

    for (int64_t l = 0; l < numLayers; ++l) {
        const int64_t q = headsOf(l) * headDim, kv = kvHeadsOf(l) * headDim, inter = intermediateOf(l);
        const std::string lt = "layer " + std::to_string(l) + ": ";
        const std::string attn = lt + "heads " + std::to_string(headsOf(l)) + " x head_dim " + std::to_string(headDim);
        const std::string kvs = lt + "kv heads " + std::to_string(kvHeadsOf(l)) + " x head_dim " + std::to_string(headDim);
        const std::string mlp = lt + "intermediate_size " + std::to_string(inter);
        expect(inputNormName(l), {hiddenSize}, hid);
        expect(postAttentionNormName(l), {hiddenSize}, hid);
        for (Proj p : kAllProj) {
            std::vector<int64_t> shape;
            std::string because;
            switch (p) {
            case Proj::Q: shape = {q, hiddenSize}; because = attn; break;
            case Proj::K: case Proj::V: shape = {kv, hiddenSize}; because = kvs; break;
            case Proj::O: shape = {hiddenSize, q}; because = attn; break;
            case Proj::Gate: case Proj::Up: shape = {inter, hiddenSize}; because = mlp; break;
            case Proj::Down: shape = {hiddenSize, inter}; because = mlp; break;
            }
            const std::string prefix = projPrefix(l, p);
            quant::checkProjectionTensors(layout, ckpt, prefix, shape[0], shape[1], because);
            const std::string bias = prefix + ".bias";
            if (hasBias(p))
                expect(bias, {shape[0]}, because + ", with bias");
            else if (ckpt.contains(bias))
                fail("tensor \"" + bias + "\" exists but config.json has no bias for " + std::string(projName(p)) +
                     (p == Proj::Gate || p == Proj::Up || p == Proj::Down ? " (mlp_bias)" : " (attention_bias)"));
        }
    }
}

int64_t ModelConfig::parameterCount() const {
    Count n;
    n.add(vocabSize, hiddenSize);          // embed_tokens
    if (!tieWordEmbeddings)
        n.add(vocabSize, hiddenSize);      // lm_head
    n.add(hiddenSize);                     // final norm
    for (int64_t l = 0; l < numLayers; ++l) {
        const int64_t q = headsOf(l) * headDim, kv = kvHeadsOf(l) * headDim, inter = intermediateOf(l);
        n.add(2, hiddenSize);                          // two norms
        n.add(hiddenSize, 2 * q + 2 * kv);             // q, o and k, v
        n.add(3 * inter, hiddenSize);                  // gate, up, down
        if (attentionBias)
            n.add(q + 2 * kv);
        if (attentionOutputBias)
            n.add(hiddenSize);
        if (mlpBias)
            n.add(2 * inter + hiddenSize);
    }
    return n.value;
}

} // namespace slim::model
