#include "core/pipeline/node_types.h"

#include "core/common/errors.h"

#include <cmath>
#include <sstream>

namespace slim::pipeline {

using nlohmann::json;
using K = ParamSpec::Kind;

std::string_view portTypeName(PortType t) {
    switch (t) {
    case PortType::Model: return "model";
    case PortType::Dataset: return "dataset";
    case PortType::Records: return "records";
    case PortType::Analysis: return "analysis";
    case PortType::File: return "file";
    }
    return "?";
}

std::string_view paramKindName(K k) {
    switch (k) {
    case K::Int: return "int";
    case K::Float: return "float";
    case K::Bool: return "bool";
    case K::String: return "string";
    case K::Choice: return "choice";
    case K::Path: return "path";
    case K::StringList: return "string list";
    }
    return "?";
}

json ParamSpec::validate(const json& v, const std::string& where) const {
    auto fail = [&](const std::string& rule) -> json {
        throw ConfigError(where + ": parameter '" + name + "' = " + v.dump() + ": " + rule);
    };
    switch (kind) {
    case K::Int: {
        if (!v.is_number() || (v.is_number_float() && std::floor(v.get<double>()) != v.get<double>()))
            return fail("expected an integer");
        const double d = v.get<double>();
        if (d < min || d > max)
            return fail("outside [" + json(min).dump() + ", " + json(max).dump() + "]");
        return json(static_cast<int64_t>(d));
    }
    case K::Float: {
        if (!v.is_number())
            return fail("expected a number");
        const double d = v.get<double>();
        if (!std::isfinite(d) || d < min || d > max)
            return fail("outside [" + json(min).dump() + ", " + json(max).dump() + "]");
        return json(d);
    }
    case K::Bool:
        if (!v.is_boolean())
            return fail("expected true or false");
        return v;
    case K::Choice: {
        if (!v.is_string())
            return fail("expected one of the choices");
        for (const auto& c : choices)
            if (c == v.get<std::string>())
                return v;
        std::string list;
        for (const auto& c : choices)
            list += (list.empty() ? "" : ", ") + c;
        return fail("one of " + list);
    }
    case K::String:
    case K::Path:
        if (!v.is_string())
            return fail("expected a string");
        return v;
    case K::StringList:
        if (!v.is_array())
            return fail("expected a list of strings");
        for (const auto& e : v)
            if (!e.is_string())
                return fail("expected a list of strings");
        return v;
    }
    return v;
}

json ParamSpec::parse(const std::string& text, const std::string& where) const {
    json v;
    switch (kind) {
    case K::Int:
    case K::Float:
        try {
            size_t pos = 0;
            const double d = std::stod(text, &pos);
            if (pos != text.size())
                throw std::invalid_argument(text);
            v = kind == K::Int && std::floor(d) == d ? json(static_cast<int64_t>(d)) : json(d);
        } catch (const std::exception&) {
            throw ConfigError(where + ": parameter '" + name + "' = '" + text + "': expected a number");
        }
        break;
    case K::Bool:
        if (text != "true" && text != "false")
            throw ConfigError(where + ": parameter '" + name + "' = '" + text + "': expected true or false");
        v = text == "true";
        break;
    case K::StringList: {
        v = json::array();
        std::stringstream ss(text);
        std::string item;
        while (std::getline(ss, item, ';'))
            if (!item.empty())
                v.push_back(item);
        break;
    }
    default:
        v = text;
    }
    return validate(v, where);
}

const ParamSpec* NodeType::param(std::string_view n) const {
    for (const auto& p : params)
        if (p.name == n)
            return &p;
    return nullptr;
}

const PortSpec* NodeType::input(std::string_view n) const {
    for (const auto& p : inputs)
        if (p.name == n)
            return &p;
    return nullptr;
}

const PortSpec* NodeType::output(std::string_view n) const {
    for (const auto& p : outputs)
        if (p.name == n)
            return &p;
    return nullptr;
}

json NodeType::defaults() const {
    json j = json::object();
    for (const auto& p : params)
        j[p.name] = p.defaultValue;
    return j;
}

namespace {

ParamSpec P(std::string name, K kind, json def, std::string help, double mn = -1e300, double mx = 1e300, std::string unit = {}) {
    ParamSpec p;
    p.name = std::move(name);
    p.kind = kind;
    p.defaultValue = std::move(def);
    p.help = std::move(help);
    p.min = mn;
    p.max = mx;
    p.unit = std::move(unit);
    return p;
}

ParamSpec C(std::string name, std::vector<std::string> choices, std::string def, std::string help) {
    ParamSpec p = P(std::move(name), K::Choice, def, std::move(help));
    p.choices = std::move(choices);
    return p;
}

std::vector<ParamSpec> trainingParams() {
    return {P("data", K::Path, nullptr, "training text (plain text, or Alpaca JSON with data_format alpaca)"),
            C("data_format", {"text", "alpaca"}, "text", "how the training file is read"),
            P("rank", K::Int, 8, "LoRA rank r", 1, 1024),
            P("alpha", K::Float, 16.0, "LoRA scale numerator (scale = alpha / r)", 0, 1e6),
            P("targets", K::String, "q,k,v,o,gate,up,down", "projections that get adapters"),
            P("steps", K::Int, 100, "optimizer steps", 1, 1e7),
            P("lr", K::Float, 1e-4, "peak learning rate (AdamW, warm-up then cosine)", 0, 10),
            P("batch", K::Int, 4, "sequences per micro-batch", 1, 4096),
            P("grad_accum", K::Int, 4, "micro-batches per optimizer step", 1, 4096),
            P("seq_len", K::Int, 256, "tokens per training sequence", 8, 1 << 20, "tokens"),
            P("seed", K::Int, 0, "random seed", 0, 1e15),
            P("gradient_checkpointing", K::Bool, false, "recompute each layer in backward: far less memory, about 25 % slower")};
}

std::vector<NodeType> build() {
    const PortSpec modelIn{"model", PortType::Model, false}, modelOut{"model", PortType::Model, false};
    const PortSpec dataOpt{"data", PortType::Dataset, true};
    std::vector<NodeType> t;
    t.push_back({"load", "Load model", "Input", "A Hugging Face checkpoint folder (config.json, safetensors, tokenizer.json).",
                 {}, {modelOut}, {P("path", K::Path, nullptr, "model folder")}});
    t.push_back({"calibration", "Calibration data", "Input",
                 "Windows of tokens from a text file, shared by the calibration-based methods.",
                 {}, {{"data", PortType::Dataset, false}},
                 {P("file", K::Path, nullptr, "text file (e.g. ${resources}/wikitext-2-raw/wiki.test.raw)"),
                  P("samples", K::Int, 128, "number of windows", 1, 1e6),
                  P("length", K::Int, 512, "tokens per window", 2, 1 << 20, "tokens"),
                  C("mode", {"random", "sequential"}, "random", "random windows (seeded) or the first N windows"),
                  P("seed", K::Int, 0, "random seed", 0, 1e15)}});
    t.push_back({"analyze", "Analyse", "Analyse", "Layer similarity (depth-pruning candidates) and activation statistics.",
                 {modelIn, {"data", PortType::Dataset, false}}, {{"analysis", PortType::Analysis, false}},
                 {P("activations", K::Bool, false, "also per-channel activation statistics"),
                  P("block_size", K::Int, 1, "layers per removable block", 1, 1024)}});
    t.push_back({"prune-sparse", "Prune (unstructured / N:M)", "Prune",
                 "Magnitude, Wanda or SparseGPT to a sparsity ratio or an N:M pattern.", {modelIn, dataOpt}, {modelOut},
                 {C("method", {"magnitude", "wanda", "sparsegpt"}, "wanda", "pruning criterion"),
                  P("sparsity", K::Float, 0.5, "fraction of weights set to zero (ignored with a pattern)", 0, 0.99),
                  P("pattern", K::String, "", "N:M pattern, e.g. 2:4 (empty = unstructured)"),
                  P("true_sequential", K::Bool, false, "q,k,v -> o -> gate,up -> down within a layer"),
                  P("offload", K::Bool, false, "keep the model in host memory, one layer on the device"),
                  P("tf32", K::Bool, false, "CUDA, fp32 models: calibration forward passes on TF32 tensor cores (faster; statistics and updates stay fp32)"),
                  C("store", {"dense", "compressed"}, "dense",
                    "compressed: 2:4 weights as values + 2-bit positions (needs pattern 2:4; 0.56x the bytes)")}});
    t.push_back({"prune-depth", "Prune layers", "Prune", "Remove whole decoder layers, given or chosen by a criterion.",
                 {modelIn, dataOpt}, {modelOut},
                 {P("layers", K::String, "", "0-based layers to remove, e.g. 3,4,5 (empty = use the criterion)"),
                  C("criterion", {"angular", "bi", "ppl", "taylor"}, "angular", "how layers are chosen"),
                  P("count", K::Int, 1, "layers to remove", 1, 1024)}});
    t.push_back({"prune-width", "Prune width", "Prune", "LLM-Pruner: attention groups and MLP channels.", {modelIn, dataOpt},
                 {modelOut},
                 {P("ratio", K::Float, 0.25, "fraction of each group removed", 0, 0.95),
                  C("importance", {"l1", "l2", "taylor", "param-mix"}, "l2", "importance estimate"),
                  P("layer_range", K::String, "", "A:B (0-based, inclusive; empty = all layers)")}});
    auto lora = trainingParams();
    lora.push_back(P("requantize", K::Bool, false, "quantized base: quantize the merged weights again in its format"));
    t.push_back({"lora", "LoRA", "Recover", "Train LoRA adapters (QLoRA over a quantized model) and merge them.", {modelIn},
                 {modelOut}, lora});
    auto kd = trainingParams();
    kd.push_back(P("alpha_kd", K::Float, 0.5, "weight of the distillation term", 0, 1));
    kd.push_back(P("temperature", K::Float, 1.0, "softmax temperature", 0.01, 100));
    kd.push_back(P("teacher_top_k", K::Int, 0,
                   "cache the teacher's k largest logits once and train without the teacher in memory (0 = teacher in memory)",
                   0, 1 << 24));
    t.push_back({"distill", "Distill", "Recover", "Knowledge distillation from a teacher into LoRA adapters of the student.",
                 {{"student", PortType::Model, false}, {"teacher", PortType::Model, false}}, {modelOut}, kd});
    t.push_back({"quantize", "Quantize", "Quantize", "Weight quantization stored packed (RTN, GPTQ, AWQ, HQQ, NF4).",
                 {modelIn, dataOpt}, {modelOut},
                 {C("method", {"rtn", "gptq", "awq", "hqq", "nf4"}, "rtn", "quantization method"),
                  P("bits", K::Int, 4, "bits per weight", 2, 8, "bits"),
                  P("group", K::Int, 128, "input columns per group (-1 = per output channel)", -1, 4096),
                  P("sym", K::Bool, false, "symmetric (no zero point)"),
                  P("act_order", K::Bool, false, "GPTQ: columns by decreasing Hessian diagonal"),
                  P("double_quant", K::Bool, false, "NF4: quantize the block scales too"),
                  P("lm_head", K::Bool, false, "quantize the output projection too (as llama.cpp's files do; faster CPU decode)"),
                  P("offload", K::Bool, false, "keep the model in host memory, one layer on the device"),
                  P("tf32", K::Bool, false, "CUDA, fp32 models: calibration forward passes on TF32 tensor cores (faster; statistics and updates stay fp32)")}});
    ParamSpec tasks = P("tasks", K::StringList, json::array({"ppl:${resources}/wikitext-2-raw/wiki.test.raw:context=256,max-tokens=8192"}),
                        "NAME:FILE[:options] as slimbench-cli eval --task takes them");
    t.push_back({"evaluate", "Evaluate", "Evaluate", "Perplexity and zero-shot tasks, stored as result records.", {modelIn},
                 {{"records", PortType::Records, false}}, {tasks, P("speed", K::Bool, false, "also measure batch-1 decode speed, memory and energy (slimbench-cli bench)"),
                  P("speed_prompt", K::Int, 64, "prompt tokens of the speed measurement", 1, 65536),
                  P("speed_tokens", K::Int, 32, "generated tokens of the speed measurement", 1, 65536),
                  P("notes", K::String, "", "a note stored with the records")}});
    t.push_back({"export", "Export", "Output", "A GGUF file for llama.cpp, or a GPTQ / HF folder.", {modelIn},
                 {{"file", PortType::File, false}},
                 {C("format", {"gguf:f16", "gguf:q8_0", "gguf:q4_0", "gguf:q4_k", "gptq", "hf"}, "gguf:q8_0", "output format")}});
    return t;
}

} // namespace

const std::vector<NodeType>& nodeTypes() {
    static const std::vector<NodeType> types = build();
    return types;
}

const NodeType* findNodeType(std::string_view id) {
    for (const auto& t : nodeTypes())
        if (t.id == id)
            return &t;
    return nullptr;
}

} // namespace slim::pipeline
