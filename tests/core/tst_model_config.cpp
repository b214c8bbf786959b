// config.json of Llama / Mistral / Qwen2: both transformers spellings, absurd and inconsistent
// values, and the check of a config against a checkpoint's tensors before loading.

#include "core/common/errors.h"
#include "core/io/checkpoint.h"
#include "core/model/model_config.h"
#include "core/model/tensor_names.h"
#include "support/test_util.h"

#include <ATen/ATen.h>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;
using nlohmann::json;
using namespace slim;
using namespace slim::model;

namespace {

const std::string kFile = "/models/tiny/config.json";

// Published configs (Hugging Face hub), trimmed of keys we do not read.
const char* kLlama32_1B = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
  "bos_token_id": 128000, "eos_token_id": [128001, 128008, 128009], "head_dim": 64,
  "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072,
  "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
  "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256})";

// The same model in transformers 5.x spelling.
const char* kLlama32_1B_v5 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048,
  "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
  "rope_parameters": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                      "original_max_position_embeddings": 8192, "rope_theta": 500000.0, "rope_type": "llama3"},
  "tie_word_embeddings": true, "dtype": "bfloat16", "vocab_size": 128256})";

const char* kQwen25_05B = R"({
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "intermediate_size": 4864,
  "max_position_embeddings": 32768, "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14,
  "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
  "use_sliding_window": false, "vocab_size": 151936})";

const char* kMistral7B_v03 = R"({
  "architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
  "hidden_size": 4096, "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
  "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
  "rope_theta": 1000000.0, "sliding_window": null, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
  "vocab_size": 32768})";

// A tiny Llama for patch-based tests: head_dim 4, GQA 4:2.
json tinyBase() {
    return json::parse(R"({
      "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32, "hidden_size": 16,
      "intermediate_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
      "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "float32",
      "bos_token_id": 1, "eos_token_id": 2})");
}

ModelConfig tinyWith(const char* patch) {
    json j = tinyBase();
    j.merge_patch(json::parse(patch));
    return ModelConfig::fromJson(j, kFile);
}

/// Every tensor the config expects, filled with small values.
std::vector<io::NamedTensor> tensorsFor(const ModelConfig& c) {
    std::vector<io::NamedTensor> t;
    const int64_t h = c.hiddenSize;
    t.push_back({std::string(kEmbedTokens), at::zeros({c.vocabSize, h})});
    t.push_back({std::string(kFinalNorm), at::ones({h})});
    if (!c.tieWordEmbeddings)
        t.push_back({std::string(kLmHead), at::zeros({c.vocabSize, h})});
    for (int64_t l = 0; l < c.numLayers; ++l) {
        const int64_t q = c.headsOf(l) * c.headDim, kv = c.kvHeadsOf(l) * c.headDim, inter = c.intermediateOf(l);
        t.push_back({inputNormName(l), at::ones({h})});
        t.push_back({postAttentionNormName(l), at::ones({h})});
        for (Proj p : kAllProj) {
            std::vector<int64_t> shape;
            switch (p) {
            case Proj::Q: shape = {q, h}; break;
            case Proj::K: case Proj::V: shape = {kv, h}; break;
            case Proj::O: shape = {h, q}; break;
            case Proj::Gate: case Proj::Up: shape = {inter, h}; break;
            case Proj::Down: shape = {h, inter}; break;
            }
            t.push_back({projPrefix(l, p) + ".weight", at::zeros(shape).to(at::kBFloat16)});
            if (c.hasBias(p))
                t.push_back({projPrefix(l, p) + ".bias", at::zeros({shape[0]})});
        }
    }
    return t;
}

void setTensor(std::vector<io::NamedTensor>& ts, const std::string& name, const at::Tensor& value) {
    for (auto& t : ts)
        if (t.name == name) {
            t.tensor = value;
            return;
        }
    ts.push_back({name, value});
}

void removeTensor(std::vector<io::NamedTensor>& ts, const std::string& name) {
    ts.erase(std::remove_if(ts.begin(), ts.end(), [&](const auto& t) { return t.name == name; }), ts.end());
}

/// Write the tensors as a checkpoint and validate the config against it; "" when valid,
/// else the FormatError's message (which must name the folder).
std::string validate(const ModelConfig& c, const std::vector<io::NamedTensor>& tensors) {
    const fs::path dir = slimtest::makeTempDir("cfg-validate");
    io::writeCheckpointWeights(dir, tensors);
    const auto ck = io::Checkpoint::open(dir);
    try {
        c.validateAgainst(ck);
    } catch (const FormatError& e) {
        if (e.file() != dir.string())
            return "ERROR: message does not name the folder: " + std::string(e.what());
        return e.what();
    }
    return {};
}

} // namespace

class TestModelConfig : public QObject {
    Q_OBJECT

private slots:
    // ---- real configs ----------------------------------------------------------------------
    void llama32() {
        const auto c = ModelConfig::fromJson(json::parse(kLlama32_1B), kFile);
        QCOMPARE(int(c.architecture), int(Architecture::Llama));
        QCOMPARE(c.modelType, std::string("llama"));
        QCOMPARE(c.numKvHeads, int64_t(8));
        QCOMPARE(c.headDim, int64_t(64));
        QCOMPARE(int(c.rope.type), int(RopeType::Llama3));
        QCOMPARE(c.rope.theta, 500000.0);
        QCOMPARE(c.rope.factor, 32.0);
        QCOMPARE(c.rope.originalMaxPositionEmbeddings, int64_t(8192));
        QVERIFY(c.tieWordEmbeddings);
        QCOMPARE(c.torchDtype, std::string("bfloat16"));
        QCOMPARE(c.eosTokenIds, std::vector<int64_t>({128001, 128008, 128009}));
        QCOMPARE(c.bosTokenId, std::optional<int64_t>(128000));
        QVERIFY(!c.hasBias(Proj::Q) && !c.hasBias(Proj::Down));
        QCOMPARE(c.rmsNormEps, 1e-5);
        // Published size of Llama 3.2 1B (tied embeddings).
        QCOMPARE(c.parameterCount(), int64_t(1'235'814'400));
    }

    void llama32BothSpellingsAgree() {
        const auto v4 = ModelConfig::fromJson(json::parse(kLlama32_1B), kFile);
        const auto v5 = ModelConfig::fromJson(json::parse(kLlama32_1B_v5), kFile);
        QVERIFY(v4 == v5);
    }

    void qwen25() {
        const auto c = ModelConfig::fromJson(json::parse(kQwen25_05B), kFile);
        QCOMPARE(int(c.architecture), int(Architecture::Qwen2));
        QVERIFY(c.attentionBias);
        QVERIFY(c.hasBias(Proj::Q) && c.hasBias(Proj::K) && c.hasBias(Proj::V));
        QVERIFY(!c.hasBias(Proj::O) && !c.hasBias(Proj::Gate));
        QVERIFY(!c.slidingWindow.has_value()); // sliding_window is set but use_sliding_window is false
        QVERIFY(c.tieWordEmbeddings);
        QCOMPARE(c.headDim, int64_t(64));
        QCOMPARE(c.parameterCount(), int64_t(494'032'768));
    }

    void qwen2SlidingWindowOnlyWhenEnabled() {
        json j = json::parse(kQwen25_05B);
        j["use_sliding_window"] = true;
        j["sliding_window"] = 4096;
        j["max_window_layers"] = 20;
        const auto c = ModelConfig::fromJson(j, kFile);
        QCOMPARE(c.slidingWindow, std::optional<int64_t>(4096));
        QVERIFY(!c.slidingWindowOf(19).has_value());
        QCOMPARE(c.slidingWindowOf(20), std::optional<int64_t>(4096));
    }

    void mistral() {
        const auto c = ModelConfig::fromJson(json::parse(kMistral7B_v03), kFile);
        QCOMPARE(int(c.architecture), int(Architecture::Mistral));
        QVERIFY(!c.slidingWindow.has_value());
        QVERIFY(!c.tieWordEmbeddings);
        QCOMPARE(c.parameterCount(), int64_t(7'248'023'552));
        json j = json::parse(kMistral7B_v03);
        j["sliding_window"] = 4096;
        QCOMPARE(ModelConfig::fromJson(j, kFile).slidingWindowOf(0), std::optional<int64_t>(4096));
        j.erase("sliding_window"); // MistralConfig's default
        QCOMPARE(ModelConfig::fromJson(j, kFile).slidingWindow, std::optional<int64_t>(4096));
    }

    void gqaAndHeadDimDefaults() {
        json j = tinyBase();
        j.erase("num_key_value_heads");
        j["head_dim"] = nullptr;
        auto c = ModelConfig::fromJson(j, kFile);
        QCOMPARE(c.numKvHeads, c.numHeads);
        QCOMPARE(c.headDim, int64_t(4));
        j["num_key_value_heads"] = nullptr;
        QCOMPARE(ModelConfig::fromJson(j, kFile).numKvHeads, int64_t(4));
        // An explicit head_dim need not be hidden / heads, and then heads need not divide hidden.
        j["hidden_size"] = 18;
        j["head_dim"] = 8;
        c = ModelConfig::fromJson(j, kFile);
        QCOMPARE(c.headDim, int64_t(8));
    }

    void llamaBiases() {
        const auto c = tinyWith(R"({"attention_bias": true, "mlp_bias": true})");
        for (Proj p : kAllProj)
            QVERIFY(c.hasBias(p));
        const auto d = tinyWith(R"({"mlp_bias": true})");
        QVERIFY(!d.hasBias(Proj::O) && d.hasBias(Proj::Down));
    }

    void tokenIds() {
        const auto c = tinyWith(R"({"pad_token_id": -1, "eos_token_id": 3})");
        QVERIFY(!c.padTokenId.has_value()); // legacy "no padding" marker
        QCOMPARE(c.eosTokenIds, std::vector<int64_t>({3}));
        QVERIFY(tinyWith(R"({"eos_token_id": null, "bos_token_id": null})").eosTokenIds.empty());
    }

    void autoMapIsIgnored() {
        const auto c = tinyWith(R"({"auto_map": {"AutoModelForCausalLM": "modeling_evil.EvilForCausalLM"}})");
        QCOMPARE(int(c.architecture), int(Architecture::Llama));
    }

    void modelTypeWithoutArchitectures() {
        const auto c = tinyWith(R"({"architectures": null, "model_type": "qwen2"})");
        QCOMPARE(int(c.architecture), int(Architecture::Qwen2));
        QCOMPARE(c.architectureName, std::string("Qwen2ForCausalLM"));
    }

    // ---- rope spellings ---------------------------------------------------------------------
    void rope_data() {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<int>("type");
        QTest::addColumn<double>("theta");
        QTest::addColumn<double>("factor");
        QTest::addColumn<double>("low");
        QTest::addColumn<double>("high");
        QTest::addColumn<qint64>("orig");
        const int D = int(RopeType::Default), L = int(RopeType::Linear), L3 = int(RopeType::Llama3);
        QTest::newRow("none") << "{}" << D << 10000.0 << 1.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("4.x null") << R"({"rope_scaling": null, "rope_theta": 250000})" << D << 250000.0 << 1.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("4.x linear type") << R"({"rope_scaling": {"type": "linear", "factor": 2.0}})" << L << 10000.0 << 2.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("4.x linear rope_type") << R"({"rope_scaling": {"rope_type": "linear", "factor": 4}})" << L << 10000.0 << 4.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("4.x llama3")
            << R"({"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})"
            << L3 << 500000.0 << 8.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("4.x llama3 old type key")
            << R"({"rope_scaling": {"type": "llama3", "factor": 16.0, "low_freq_factor": 2.0, "high_freq_factor": 8.0, "original_max_position_embeddings": 4096}})"
            << L3 << 10000.0 << 16.0 << 2.0 << 8.0 << qint64(4096);
        QTest::newRow("5.x default")
            << R"({"rope_theta": null, "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}})"
            << D << 1000000.0 << 1.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("5.x linear")
            << R"({"rope_theta": null, "rope_parameters": {"rope_type": "linear", "factor": 4, "rope_theta": 50000}})"
            << L << 50000.0 << 4.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("5.x llama3")
            << R"({"rope_theta": null, "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})"
            << L3 << 500000.0 << 32.0 << 1.0 << 4.0 << qint64(8192);
        QTest::newRow("5.x theta falls back to top level")
            << R"({"rope_theta": 20000, "rope_parameters": {"rope_type": "default"}})" << D << 20000.0 << 1.0 << 1.0 << 4.0 << qint64(8192);
    }
    void rope() {
        QFETCH(QString, patch);
        QFETCH(int, type);
        QFETCH(double, theta);
        QFETCH(double, factor);
        QFETCH(double, low);
        QFETCH(double, high);
        QFETCH(qint64, orig);
        const auto c = tinyWith(patch.toUtf8().constData());
        QCOMPARE(int(c.rope.type), type);
        QCOMPARE(c.rope.theta, theta);
        QCOMPARE(c.rope.factor, factor);
        QCOMPARE(c.rope.lowFreqFactor, low);
        QCOMPARE(c.rope.highFreqFactor, high);
        QCOMPARE(c.rope.originalMaxPositionEmbeddings, int64_t(orig));
    }

    void dtypeSpellings_data() {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("expected");
        QTest::newRow("4.x torch_dtype") << R"({"torch_dtype": "bfloat16"})" << "bfloat16";
        QTest::newRow("5.x dtype") << R"({"torch_dtype": null, "dtype": "float16"})" << "float16";
        QTest::newRow("both: dtype wins") << R"({"torch_dtype": "float32", "dtype": "bfloat16"})" << "bfloat16";
        QTest::newRow("neither") << R"({"torch_dtype": null})" << "float32";
    }
    void dtypeSpellings() {
        QFETCH(QString, patch);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(tinyWith(patch.toUtf8().constData()).torchDtype), expected);
    }

    // ---- bad configs -------------------------------------------------------------------------
    void badConfigs_data() {
        QTest::addColumn<QString>("patch");
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("needles");
        const QString cfg = "config", uns = "unsupported";
        QTest::newRow("unknown architecture") << R"({"architectures": ["Gemma2ForCausalLM"], "model_type": null})" << uns << QStringList{"Gemma2ForCausalLM", "not supported"};
        QTest::newRow("unknown model_type") << R"({"architectures": null, "model_type": "gpt2"})" << uns << QStringList{"gpt2"};
        QTest::newRow("model_type mismatch") << R"({"model_type": "qwen2"})" << cfg << QStringList{"model_type", "does not match"};
        QTest::newRow("no architecture") << R"({"architectures": null, "model_type": null})" << cfg << QStringList{"neither"};
        QTest::newRow("architectures not list") << R"({"architectures": "LlamaForCausalLM"})" << cfg << QStringList{"architectures", "list"};
        QTest::newRow("heads do not divide hidden") << R"({"num_attention_heads": 5, "num_key_value_heads": 5})" << cfg << QStringList{"num_attention_heads", "must divide hidden_size"};
        QTest::newRow("kv does not divide heads") << R"({"num_key_value_heads": 3})" << cfg << QStringList{"num_key_value_heads", "must divide num_attention_heads"};
        QTest::newRow("zero layers") << R"({"num_hidden_layers": 0})" << cfg << QStringList{"num_hidden_layers", "positive"};
        QTest::newRow("zero kv heads") << R"({"num_key_value_heads": 0})" << cfg << QStringList{"num_key_value_heads", "positive"};
        QTest::newRow("negative hidden") << R"({"hidden_size": -16})" << cfg << QStringList{"hidden_size", "positive"};
        QTest::newRow("huge layers") << R"({"num_hidden_layers": 10000000})" << cfg << QStringList{"num_hidden_layers", "absurdly large"};
        QTest::newRow("huge hidden") << R"({"hidden_size": 2097152})" << cfg << QStringList{"hidden_size", "absurdly large"};
        QTest::newRow("huge vocab") << R"({"vocab_size": 1000000000000})" << cfg << QStringList{"vocab_size", "absurdly large"};
        QTest::newRow("beyond int64") << R"({"intermediate_size": 18446744073709551615})" << cfg << QStringList{"intermediate_size", "too large"};
        QTest::newRow("fractional") << R"({"hidden_size": 16.5})" << cfg << QStringList{"hidden_size", "integer"};
        QTest::newRow("string number") << R"({"vocab_size": "32"})" << cfg << QStringList{"vocab_size", "integer"};
        QTest::newRow("missing key") << R"({"intermediate_size": null})" << cfg << QStringList{"missing required key \"intermediate_size\""};
        QTest::newRow("odd head_dim") << R"({"head_dim": 5})" << cfg << QStringList{"head_dim", "even"};
        QTest::newRow("zero max positions") << R"({"max_position_embeddings": 0})" << cfg << QStringList{"max_position_embeddings", "positive"};
        QTest::newRow("negative eps") << R"({"rms_norm_eps": -1e-5})" << cfg << QStringList{"rms_norm_eps", "positive"};
        QTest::newRow("zero theta") << R"({"rope_theta": 0})" << cfg << QStringList{"rope_theta", "positive"};
        QTest::newRow("rope yarn") << R"({"rope_scaling": {"rope_type": "yarn", "factor": 4}})" << uns << QStringList{"rope_scaling", "yarn"};
        QTest::newRow("rope dynamic") << R"({"rope_scaling": {"type": "dynamic", "factor": 2}})" << uns << QStringList{"dynamic"};
        QTest::newRow("rope 5.x longrope") << R"({"rope_parameters": {"rope_type": "longrope"}})" << uns << QStringList{"rope_parameters", "longrope"};
        QTest::newRow("llama3 lacks low_freq_factor")
            << R"({"rope_scaling": {"rope_type": "llama3", "factor": 8, "high_freq_factor": 4, "original_max_position_embeddings": 8192}})"
            << cfg << QStringList{"llama3", "low_freq_factor"};
        QTest::newRow("llama3 high <= low")
            << R"({"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 4, "original_max_position_embeddings": 8192}})"
            << cfg << QStringList{"high_freq_factor", "greater than low_freq_factor"};
        QTest::newRow("linear lacks factor") << R"({"rope_parameters": {"rope_type": "linear"}})" << cfg << QStringList{"lacks \"factor\""};
        QTest::newRow("negative factor") << R"({"rope_scaling": {"type": "linear", "factor": -2}})" << cfg << QStringList{"rope_scaling.factor", "positive"};
        QTest::newRow("type keys disagree") << R"({"rope_scaling": {"type": "linear", "rope_type": "llama3", "factor": 2}})" << cfg << QStringList{"disagree"};
        QTest::newRow("rope_scaling not object") << R"({"rope_scaling": 3})" << cfg << QStringList{"rope_scaling", "object"};
        QTest::newRow("bad torch_dtype") << R"({"torch_dtype": "int8"})" << cfg << QStringList{"torch_dtype", "must be one of"};
        QTest::newRow("bad dtype") << R"({"dtype": "float8"})" << cfg << QStringList{"\"dtype\"", "must be one of"};
        QTest::newRow("eos outside vocab") << R"({"eos_token_id": [2, 99]})" << cfg << QStringList{"eos_token_id", "outside the vocabulary"};
        QTest::newRow("negative bos") << R"({"bos_token_id": -1})" << cfg << QStringList{"bos_token_id", "outside the vocabulary"};
        QTest::newRow("gelu") << R"({"hidden_act": "gelu"})" << uns << QStringList{"hidden_act", "gelu"};
        QTest::newRow("tie not bool") << R"({"tie_word_embeddings": "yes"})" << cfg << QStringList{"tie_word_embeddings", "true or false"};
        QTest::newRow("layer shapes wrong length") << R"({"slimbench_layer_shapes": {"intermediate_size": [24]}})" << cfg << QStringList{"slimbench_layer_shapes.intermediate_size", "1 entries", "num_hidden_layers is 2"};
        QTest::newRow("layer shapes kv do not divide") << R"({"slimbench_layer_shapes": {"num_attention_heads": [4, 3]}})" << cfg << QStringList{"layer 1", "must divide"};
        QTest::newRow("layer shapes negative") << R"({"slimbench_layer_shapes": {"intermediate_size": [24, -1]}})" << cfg << QStringList{"intermediate_size[1]", "at least 0"};
    }
    void badConfigs() {
        QFETCH(QString, patch);
        QFETCH(QString, kind);
        QFETCH(QStringList, needles);
        try {
            tinyWith(patch.toUtf8().constData());
            QFAIL("config accepted");
        } catch (const Error& e) {
            const QString msg = QString::fromUtf8(e.what());
            QCOMPARE(QString(e.kind()), kind);
            QVERIFY2(msg.contains(QString::fromStdString(kFile)), qPrintable("file not named: " + msg));
            for (const auto& n : needles)
                QVERIFY2(msg.contains(n), qPrintable("'" + n + "' not in: " + msg));
        }
    }

    void notAnObject() {
        QVERIFY_THROWS_EXCEPTION(ConfigError, ModelConfig::fromJson(json::array(), kFile));
    }

    void loadFromFile() {
        const fs::path dir = slimtest::makeTempDir("cfg-load");
        slimtest::writeBytes(dir / "config.json", kQwen25_05B);
        QCOMPARE(int(ModelConfig::load(dir / "config.json").architecture), int(Architecture::Qwen2));

        slimtest::writeBytes(dir / "broken.json", "{\"hidden_size\": 16,");
        try {
            ModelConfig::load(dir / "broken.json");
            QFAIL("broken JSON accepted");
        } catch (const FormatError& e) {
            QCOMPARE(e.file(), (dir / "broken.json").string());
            QVERIFY(QString(e.what()).contains("invalid JSON"));
        }
        slimtest::writeBytes(dir / "dup.json", R"({"hidden_size": 16, "hidden_size": 4096})");
        try {
            ModelConfig::load(dir / "dup.json");
            QFAIL("duplicate key accepted");
        } catch (const FormatError& e) {
            QVERIFY(QString(e.what()).contains("duplicate key \"hidden_size\""));
        }
        QVERIFY_THROWS_EXCEPTION(IoError, ModelConfig::load(dir / "absent.json"));
    }

    // ---- serialisation ----------------------------------------------------------------------
    void roundTrip_data() {
        QTest::addColumn<QString>("config");
        QTest::newRow("llama 3.2") << kLlama32_1B;
        QTest::newRow("llama 3.2 v5") << kLlama32_1B_v5;
        QTest::newRow("qwen 2.5") << kQwen25_05B;
        QTest::newRow("mistral") << kMistral7B_v03;
        auto tiny = [](const char* patch) {
            json j = tinyBase();
            j.merge_patch(json::parse(patch));
            return QString::fromStdString(j.dump());
        };
        QTest::newRow("linear rope, biases") << tiny(R"({"rope_scaling": {"type": "linear", "factor": 2.5}, "attention_bias": true, "mlp_bias": true, "pad_token_id": 0})");
        QTest::newRow("qwen sliding") << tiny(R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "use_sliding_window": true, "sliding_window": 64, "max_window_layers": 1})");
        QTest::newRow("mistral window") << tiny(R"({"architectures": ["MistralForCausalLM"], "model_type": "mistral", "sliding_window": 128})");
        QTest::newRow("width-pruned") << tiny(R"({"slimbench_layer_shapes": {"intermediate_size": [24, 8], "num_attention_heads": [4, 2], "num_key_value_heads": [2, 1]}})");
    }
    void roundTrip() {
        QFETCH(QString, config);
        const auto c = ModelConfig::fromJson(json::parse(config.toStdString()), kFile);
        const json j = c.toJson();
        QVERIFY(j.contains("rope_scaling") && j.contains("torch_dtype") && j.contains("rope_theta"));
        QVERIFY(ModelConfig::fromJson(j, kFile) == c);
        // And the text survives a trip through disk.
        QVERIFY(ModelConfig::fromJson(json::parse(j.dump(2)), kFile) == c);
    }

    void layerShapes() {
        const auto c = tinyWith(R"({"slimbench_layer_shapes": {"intermediate_size": [24, 8], "num_attention_heads": [4, 2], "num_key_value_heads": [2, 1]}})");
        QCOMPARE(c.intermediateOf(1), int64_t(8));
        QCOMPARE(c.headsOf(1), int64_t(2));
        QCOMPARE(c.kvHeadsOf(1), int64_t(1));
        QCOMPARE(c.headsOf(0), int64_t(4));
        // embed + lm_head 2*32*16, final norm 16; layer 0: norms 32, q,o 2*16*16, k,v 2*8*16, mlp 3*24*16;
        // layer 1: norms 32, q,o 2*8*16, k,v 2*4*16, mlp 3*8*16.
        const int64_t expected = 2 * 32 * 16 + 16 + (32 + 512 + 256 + 1152) + (32 + 256 + 128 + 384);
        QCOMPARE(c.parameterCount(), expected);
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, c.headsOf(2));
    }

    // ---- config against the checkpoint ------------------------------------------------------
    void validateMatching() {
        const auto c = tinyWith("{}");
        auto t = tensorsFor(c);
        t.push_back({"model.layers.0.self_attn.rotary_emb.inv_freq", at::ones({2})}); // ignored
        QCOMPARE(validate(c, t), std::string());
    }

    void validateTiedWithoutLmHead() {
        const auto c = tinyWith(R"({"tie_word_embeddings": true})");
        QCOMPARE(validate(c, tensorsFor(c)), std::string());
        auto withHead = tensorsFor(c);
        withHead.push_back({"lm_head.weight", at::zeros({32, 16})}); // a tied copy is allowed
        QCOMPARE(validate(c, withHead), std::string());
    }

    void validatePrunedLayerShapes() {
        const auto c = tinyWith(R"({"slimbench_layer_shapes": {"intermediate_size": [24, 0], "num_attention_heads": [4, 2], "num_key_value_heads": [2, 1]}})");
        QCOMPARE(validate(c, tensorsFor(c)), std::string());
    }

    void validateQwen2Biases() {
        const auto c = tinyWith(R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2"})");
        auto t = tensorsFor(c);
        QCOMPARE(validate(c, t), std::string());
        removeTensor(t, "model.layers.1.self_attn.k_proj.bias");
        const std::string msg = validate(c, t);
        QVERIFY2(msg.find("\"model.layers.1.self_attn.k_proj.bias\"") != std::string::npos, msg.c_str());
        QVERIFY2(msg.find("missing") != std::string::npos, msg.c_str());
    }

    void validateMismatches_data() {
        QTest::addColumn<QString>("configPatch");
        QTest::addColumn<QString>("change");       // what is done to the matching tensors
        QTest::addColumn<QStringList>("needles");
        QTest::newRow("config has more layers") << R"({"num_hidden_layers": 3})" << "" << QStringList{"num_hidden_layers = 3", "no tensors for layer 2"};
        QTest::newRow("checkpoint has more layers") << "{}" << "extra-layer" << QStringList{"layer 2", "num_hidden_layers = 2"};
        QTest::newRow("wrong q shape") << "{}" << "q-shape" << QStringList{"model.layers.1.self_attn.q_proj.weight", "[12, 16]", "[16, 16]", "heads 4"};
        QTest::newRow("wrong down shape") << "{}" << "down-shape" << QStringList{"down_proj.weight", "intermediate_size 24"};
        QTest::newRow("vocab differs from embedding rows") << "{}" << "vocab" << QStringList{"vocab_size = 32", "40 rows"};
        QTest::newRow("untied without lm_head") << "{}" << "no-lm-head" << QStringList{"lm_head.weight", "missing", "tie_word_embeddings false"};
        QTest::newRow("missing norm") << "{}" << "no-norm" << QStringList{"model.layers.0.input_layernorm.weight", "missing"};
        QTest::newRow("unexpected bias") << "{}" << "bias" << QStringList{"o_proj.bias", "no bias", "attention_bias"};
        QTest::newRow("integer weight") << "{}" << "int" << QStringList{"gate_proj.weight", "dtype I32"};
        QTest::newRow("kv heads differ") << R"({"num_key_value_heads": 4})" << "" << QStringList{"k_proj.weight", "kv heads 4"};
        QTest::newRow("head_dim differs") << R"({"head_dim": 8})" << "" << QStringList{"q_proj.weight", "head_dim 8"};
    }
    void validateMismatches() {
        QFETCH(QString, configPatch);
        QFETCH(QString, change);
        QFETCH(QStringList, needles);
        auto t = tensorsFor(tinyWith("{}"));
        if (change == "extra-layer")
            t.push_back({inputNormName(2), at::ones({16})});
        else if (change == "q-shape")
            setTensor(t, projPrefix(1, Proj::Q) + ".weight", at::zeros({12, 16}));
        else if (change == "down-shape")
            setTensor(t, projPrefix(0, Proj::Down) + ".weight", at::zeros({16, 20}));
        else if (change == "vocab") {
            setTensor(t, "model.embed_tokens.weight", at::zeros({40, 16}));
            setTensor(t, "lm_head.weight", at::zeros({40, 16}));
        } else if (change == "no-lm-head")
            removeTensor(t, "lm_head.weight");
        else if (change == "no-norm")
            removeTensor(t, inputNormName(0));
        else if (change == "bias")
            t.push_back({projPrefix(0, Proj::O) + ".bias", at::zeros({16})});
        else if (change == "int")
            setTensor(t, projPrefix(0, Proj::Gate) + ".weight", at::zeros({24, 16}, at::kInt));
        const std::string msg = validate(tinyWith(configPatch.toUtf8().constData()), t);
        QVERIFY2(!msg.empty(), "mismatch not detected");
        QVERIFY2(msg.rfind("ERROR", 0) != 0, msg.c_str());
        for (const auto& n : needles)
            QVERIFY2(QString::fromStdString(msg).contains(n), qPrintable("'" + n + "' not in: " + QString::fromStdString(msg)));
    }
};

QTEST_GUILESS_MAIN(TestModelConfig)
#include "tst_model_config.moc"
