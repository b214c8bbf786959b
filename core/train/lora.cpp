#include "core/train/lora.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace slim::train {

using model::Proj;

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
        ++i;
    return s.substr(i);
}

std::optional<Proj> projByName(std::string n) {
    if (n.size() > 5 && n.compare(n.size() - 5, 5, "_proj") == 0)
        n.resize(n.size() - 5);
    static const std::pair<const char*, Proj> names[] = {{"q", Proj::Q},       {"k", Proj::K},   {"v", Proj::V},
                                                        {"o", Proj::O},       {"gate", Proj::Gate},
                                                        {"up", Proj::Up},     {"down", Proj::Down}};
    for (const auto& [k, p] : names)
        if (n == k)
            return p;
    return std::nullopt;
}

} // namespace

std::vector<Proj> LoraConfig::parseTargets(const std::string& list) {
    std::vector<Proj> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) {
        item = trim(item);
        const auto p = projByName(item);
        if (!p)
            throw ConfigError("LoRA target '" + item + "' is not a projection (q, k, v, o, gate, up, down)");
        if (std::find(out.begin(), out.end(), *p) == out.end())
            out.push_back(*p);
    }
    if (out.empty())
        throw ConfigError("LoRA: no target projections given");
    return out;
}

nlohmann::json LoraConfig::toPeftJson(const std::string& baseModel) const {
    nlohmann::json targetsJson = nlohmann::json::array();
    for (Proj p : targets)
        targetsJson.push_back(std::string(model::projName(p)));
    return {{"peft_type", "LORA"},         {"task_type", "CAUSAL_LM"},     {"r", rank},
            {"lora_alpha", alpha},         {"lora_dropout", dropout},      {"target_modules", targetsJson},
            {"bias", "none"},              {"fan_in_fan_out", false},      {"inference_mode", true},
            {"init_lora_weights", true},   {"modules_to_save", nullptr},   {"use_rslora", false},
            {"use_dora", false},           {"layers_to_transform", nullptr}, {"rank_pattern", nlohmann::json::object()},
            {"alpha_pattern", nlohmann::json::object()}, {"base_model_name_or_path", baseModel},
            {"revision", nullptr},         {"auto_mapping", nullptr}};
}

LoraConfig LoraConfig::fromPeftJson(const nlohmann::json& j, const std::string& file) {
    auto fail = [&](const std::string& rule) { throw UnsupportedError(file + ": " + rule); };
    if (!j.is_object())
        throw FormatError(file, "expected a JSON object");
    if (j.value("peft_type", std::string("LORA")) != "LORA")
        fail("peft_type '" + j.value("peft_type", std::string()) + "' is not supported (LORA only)");
    for (const char* flag : {"use_dora", "use_rslora", "fan_in_fan_out"})
        if (j.contains(flag) && j.at(flag).is_boolean() && j.at(flag).get<bool>())
            fail(std::string(flag) + " adapters are not supported");
    if (j.contains("bias") && j.at("bias").is_string() && j.at("bias").get<std::string>() != "none")
        fail("trained biases (bias = '" + j.at("bias").get<std::string>() + "') are not supported");
    for (const char* pat : {"rank_pattern", "alpha_pattern"})
        if (j.contains(pat) && j.at(pat).is_object() && !j.at(pat).empty())
            fail(std::string(pat) + " (per-layer ranks) is not supported");
    if (j.contains("modules_to_save") && !j.at("modules_to_save").is_null() && !j.at("modules_to_save").empty())
        fail("modules_to_save is not supported");
    LoraConfig c;
    if (!j.contains("r") || !j.at("r").is_number_integer() || j.at("r").get<int64_t>() < 1)
        throw FormatError(file, "\"r\" must be a positive integer");
    c.rank = j.at("r").get<int64_t>();
    c.alpha = j.contains("lora_alpha") && j.at("lora_alpha").is_number() ? j.at("lora_alpha").get<double>() : 8.0;
    c.dropout = j.contains("lora_dropout") && j.at("lora_dropout").is_number() ? j.at("lora_dropout").get<double>() : 0.0;
    const auto& t = j.contains("target_modules") ? j.at("target_modules") : nlohmann::json();
    std::string list;
    if (t.is_array()) {
        for (const auto& x : t)
            if (x.is_string())
                list += (list.empty() ? "" : ",") + x.get<std::string>();
    } else if (t.is_string()) {
        list = t.get<std::string>();   // PEFT allows a regex string; plain names only here
    }
    c.targets = parseTargets(list);
    return c;
}

LoraLinear::LoraLinear(std::unique_ptr<model::Linear> base, const LoraConfig& cfg, uint64_t seed)
    : m_base(std::move(base)), m_scale(cfg.scale()), m_dropout(cfg.dropout) {
    if (cfg.rank < 1)
        throw ConfigError("LoRA rank must be >= 1");
    const at::Device dev = m_base->denseWeight().device();
    const int64_t in = m_base->inFeatures(), out = m_base->outFeatures();
    // nn.init.kaiming_uniform_(A, a=sqrt(5)): bound = sqrt(6 / ((1 + a²) · fan_in)) = 1 / sqrt(in).
    at::Generator gen = at::detail::createCPUGenerator(seed);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    m_a = at::empty({cfg.rank, in}, at::kFloat).uniform_(-bound, bound, gen).to(dev);
    m_b = at::zeros({out, cfg.rank}, at::TensorOptions().dtype(at::kFloat).device(dev));
}

at::Tensor LoraLinear::forward(const at::Tensor& x) const {
    at::Tensor y = m_base->forward(x);
    at::Tensor h = x;
    if (m_training && m_dropout > 0)
        h = at::dropout(h, m_dropout, /*train=*/true);
    const at::Tensor a = m_a.to(x.scalar_type()), b = m_b.to(x.scalar_type());
    return y + at::linear(at::linear(h, a), b) * m_scale;   // (..., in) -> (..., r) -> (..., out)
}

int64_t LoraLinear::storageBytes() const {
    return m_base->storageBytes() + (m_a.numel() + m_b.numel()) * static_cast<int64_t>(m_a.element_size());
}

std::vector<model::StoredTensor> LoraLinear::storedTensors() const {
    std::vector<model::StoredTensor> out{{"weight", denseWeight()}};
    if (auto b = m_base->bias())
        out.push_back({"bias", *b});
    return out;
}

at::Tensor LoraLinear::denseWeight() const {
    at::NoGradGuard g;
    const at::Tensor w = m_base->denseWeight();
    return (w.to(at::kFloat) + at::matmul(m_b, m_a) * m_scale).to(w.scalar_type());
}

void LoraLinear::to(const at::Device& device, at::ScalarType dtype) {
    m_base->to(device, dtype);
    const bool ra = m_a.requires_grad(), rb = m_b.requires_grad();
    m_a = m_a.detach().to(device).requires_grad_(ra);   // adapters stay float32
    m_b = m_b.detach().to(device).requires_grad_(rb);
}

std::string peftTensorName(int64_t layer, Proj p, char which) {
    return "base_model.model.model.layers." + std::to_string(layer) + "." + std::string(model::projModule(p)) + "." +
           std::string(model::projName(p)) + ".lora_" + std::string(1, which) + ".weight";
}

void attachLora(model::LlamaModel& m, const LoraConfig& cfg, uint64_t seed) {
    uint64_t k = 0;
    for (int64_t l = 0; l < m.numLayers(); ++l)
        for (Proj p : cfg.targets) {
            auto& slot = m.layer(l).proj[static_cast<int>(p)];
            if (dynamic_cast<LoraLinear*>(slot.get()))
                throw ConfigError("layer " + std::to_string(l) + " " + std::string(model::projName(p)) +
                                  " already has a LoRA adapter");
            slot = std::make_unique<LoraLinear>(std::move(slot), cfg, seed * 1000003ull + k++);
        }
}

std::vector<std::pair<std::string, LoraLinear*>> loraModules(model::LlamaModel& m) {
    std::vector<std::pair<std::string, LoraLinear*>> out;
    for (int64_t l = 0; l < m.numLayers(); ++l)
        for (Proj p : model::kAllProj)
            if (auto* lo = dynamic_cast<LoraLinear*>(m.layer(l).proj[static_cast<int>(p)].get()))
                out.emplace_back(model::projPrefix(l, p), lo);
    return out;
}

void setLoraTraining(model::LlamaModel& m, bool on) {
    for (auto& [name, lo] : loraModules(m))
        lo->setTraining(on);
}

int64_t mergeLora(model::LlamaModel& m) {
    at::NoGradGuard g;
    int64_t n = 0;
    for (int64_t l = 0; l < m.numLayers(); ++l)
        for (Proj p : model::kAllProj) {
            auto& slot = m.layer(l).proj[static_cast<int>(p)];
            auto* lo = dynamic_cast<LoraLinear*>(slot.get());
            if (!lo)
                continue;
            at::Tensor w = lo->denseWeight();
            std::optional<at::Tensor> b = lo->bias();
            slot = std::make_unique<model::DenseLinear>(w, b);
            ++n;
        }
    return n;
}

void detachLora(model::LlamaModel& m) {
    for (int64_t l = 0; l < m.numLayers(); ++l)
        for (Proj p : model::kAllProj) {
            auto& slot = m.layer(l).proj[static_cast<int>(p)];
            if (auto* lo = dynamic_cast<LoraLinear*>(slot.get()))
                slot = lo->releaseBase();
        }
}

void saveAdapter(model::LlamaModel& m, const LoraConfig& cfg, const fs::path& dir, const std::string& baseModel) {
    std::vector<io::NamedTensor> tensors;
    for (int64_t l = 0; l < m.numLayers(); ++l)
        for (Proj p : cfg.targets) {
            auto* lo = dynamic_cast<LoraLinear*>(m.layer(l).proj[static_cast<int>(p)].get());
            if (!lo)
                throw ConfigError("saving the adapter: layer " + std::to_string(l) + " " +
                                  std::string(model::projName(p)) + " has no LoRA adapter");
            tensors.push_back({peftTensorName(l, p, 'A'), lo->loraA().detach().to(at::kCPU, at::kFloat).contiguous()});
            tensors.push_back({peftTensorName(l, p, 'B'), lo->loraB().detach().to(at::kCPU, at::kFloat).contiguous()});
        }
    fs::create_directories(dir);
    io::writeSafetensors(dir / "adapter_model.safetensors", tensors, {{"format", "pt"}});
    io::writeFileAtomic(dir / "adapter_config.json", cfg.toPeftJson(baseModel).dump(2) + "\n");
}

LoraConfig loadAdapter(model::LlamaModel& m, const fs::path& dir) {
    const fs::path cfgPath = dir / "adapter_config.json";
    const LoraConfig cfg =
        LoraConfig::fromPeftJson(io::parseJsonStrict(io::readTextFile(cfgPath), cfgPath.string()), cfgPath.string());
    const fs::path st = dir / "adapter_model.safetensors";
    if (!fs::exists(st)) {
        if (fs::exists(dir / "adapter_model.bin"))
            throw UnsupportedError((dir / "adapter_model.bin").string() +
                                   ": pickle adapters are refused; save it with safe_serialization=True in peft");
        throw IoError(st.string() + ": not found");
    }
    attachLora(m, cfg, 0);
    loadAdapterWeights(m, cfg, dir);
    return cfg;
}

void loadAdapterWeights(model::LlamaModel& m, const LoraConfig& cfg, const fs::path& dir) {
    const fs::path st = dir / "adapter_model.safetensors";
    const auto file = io::SafetensorsFile::open(st);
    std::set<std::string> used;
    for (int64_t l = 0; l < m.numLayers(); ++l)
        for (Proj p : cfg.targets) {
            auto* lo = dynamic_cast<LoraLinear*>(m.layer(l).proj[static_cast<int>(p)].get());
            if (!lo)
                throw ConfigError("layer " + std::to_string(l) + " " + std::string(model::projName(p)) +
                                  " has no LoRA adapter to load into");
            for (char which : {'A', 'B'}) {
                // peft writes names without the adapter name ("default") when saving.
                const std::string name = peftTensorName(l, p, which);
                const io::TensorInfo* info = file->find(name);
                if (!info)
                    throw FormatError(st.string(), "tensor " + name + " is missing");
                at::Tensor t = file->load(*info).to(at::kFloat);
                at::Tensor& dst = which == 'A' ? lo->loraA() : lo->loraB();
                if (t.sizes() != dst.sizes()) {
                    std::ostringstream msg;
                    msg << "tensor " << name << " has shape " << t.sizes() << ", the model needs " << dst.sizes();
                    throw FormatError(st.string(), msg.str());
                }
                at::NoGradGuard g;   // in place: a trainer's references to A / B stay valid
                dst.copy_(t.to(dst.device()));
                used.insert(name);
            }
        }
    for (const auto& info : file->tensors())
        if (!used.count(info.name))
            throw FormatError(st.string(), "tensor " + info.name + " does not belong to this model's adapters "
                                                                   "(a different model, or layers the config does not target)");
}

} // namespace slim::train
