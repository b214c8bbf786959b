#include "core/export/gguf_export.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/gguf_writer.h"
#include "core/io/strict_json.h"
#include "core/model/llama_model.h"
#include "core/tokenizer/tokenizer.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <cmath>
#include <map>
#include <regex>

namespace slim::exporting {

using model::Proj;
using quant::GgmlType;
namespace fs = std::filesystem;

nlohmann::json GgufExportReport::toJson() const {
    return {{"path", path},       {"architecture", architecture}, {"tokenizer_model", tokenizerModel}, {"bytes", bytes},
            {"tensors", tensors}, {"tensors_by_type", tensorsByType}, {"warnings", warnings},          {"seconds", seconds}};
}

GgmlType ggufTensorType(const std::string& name, int64_t cols, GgmlType requested) {
    GgmlType t = requested;
    if ((name == "token_embd.weight" || name == "output.weight") && (t == GgmlType::Q4_0 || t == GgmlType::Q4_K))
        t = GgmlType::Q8_0;
    if (cols % quant::ggmlBlockSize(t) != 0)
        t = GgmlType::F16;
    return t;
}

namespace {

enum TokenType : int32_t { Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Byte = 6 };

struct VocabExport {
    std::string model, pre;
    std::vector<std::string> tokens, merges;
    std::vector<float> scores;
    std::vector<int32_t> types;
    bool addSpacePrefix = true;
};

std::string mergeText(const nlohmann::json& m) {
    if (m.is_string())
        return m.get<std::string>();
    if (m.is_array() && m.size() == 2)
        return m[0].get<std::string>() + " " + m[1].get<std::string>();
    throw FormatError("tokenizer.json", "a merge must be \"a b\" or [\"a\", \"b\"]");
}

bool hasType(const nlohmann::json& j, const std::string& type) {
    if (!j.is_object())
        return false;
    if (j.value("type", "") == type)
        return true;
    for (const char* list : {"pretokenizers", "normalizers", "decoders"})
        if (j.contains(list))
            for (const auto& e : j.at(list))
                if (hasType(e, type))
                    return true;
    return false;
}

VocabExport exportVocab(const fs::path& file, const model::ModelConfig& cfg) {
    const auto j = io::parseJsonStrict(io::readTextFile(file), file.string());
    const auto& m = j.at("model");
    if (m.value("type", "") != "BPE")
        throw UnsupportedError(file.string() + ": GGUF export handles BPE vocabularies (model.type is '" +
                               m.value("type", "") + "')");
    VocabExport v;
    const auto& vocab = m.at("vocab");
    int64_t size = 0;
    for (auto it = vocab.begin(); it != vocab.end(); ++it)
        size = std::max<int64_t>(size, it.value().get<int64_t>() + 1);
    std::map<int64_t, std::pair<std::string, bool>> added; // id -> (content, special)
    if (j.contains("added_tokens"))
        for (const auto& a : j.at("added_tokens")) {
            added[a.at("id").get<int64_t>()] = {a.at("content").get<std::string>(), a.value("special", false)};
            size = std::max<int64_t>(size, a.at("id").get<int64_t>() + 1);
        }
    size = std::max(size, cfg.vocabSize); // embedding rows beyond the tokenizer: padding entries
    v.tokens.assign(size_t(size), std::string());
    v.types.assign(size_t(size), Normal);
    v.scores.assign(size_t(size), 0.0f);
    for (auto it = vocab.begin(); it != vocab.end(); ++it)
        v.tokens[size_t(it.value().get<int64_t>())] = it.key();
    std::vector<std::string> merges;
    for (const auto& mg : m.value("merges", nlohmann::json::array()))
        merges.push_back(mergeText(mg));
    const bool byteLevel = hasType(j.value("pre_tokenizer", nlohmann::json()), "ByteLevel");
    const bool metaspace = hasType(j.value("pre_tokenizer", nlohmann::json()), "Metaspace") ||
                           hasType(j.value("normalizer", nlohmann::json()), "Prepend");
    if (metaspace && m.value("byte_fallback", false)) {
        v.model = "llama";
        // llama.cpp's SentencePiece tokenizer merges the adjacent pair whose result scores highest:
        // the merge rank, negated, reproduces the BPE order.
        for (size_t r = 0; r < merges.size(); ++r) {
            const auto sp = merges[r].find(' ');
            const std::string merged = merges[r].substr(0, sp) + merges[r].substr(sp + 1);
            const auto it = vocab.find(merged);
            if (it != vocab.end())
                v.scores[size_t(it.value().get<int64_t>())] = -static_cast<float>(r + 1);
        }
        static const std::regex byteTok("<0x[0-9A-Fa-f]{2}>");
        for (size_t i = 0; i < v.tokens.size(); ++i)
            if (std::regex_match(v.tokens[i], byteTok))
                v.types[i] = Byte;
        if (const auto unk = m.value("unk_token", nlohmann::json()); unk.is_string())
            if (auto it = vocab.find(unk.get<std::string>()); it != vocab.end())
                v.types[size_t(it.value().get<int64_t>())] = Unknown;
        const auto pre = j.value("pre_tokenizer", nlohmann::json());
        v.addSpacePrefix = !(pre.is_object() && pre.value("prepend_scheme", "first") == "never");
    } else if (byteLevel) {
        v.model = "gpt2";
        v.pre = cfg.architecture == model::Architecture::Qwen2 ? "qwen2" : "llama-bpe";
        v.merges = merges;
        v.addSpacePrefix = false;
    } else {
        throw UnsupportedError(file.string() +
                               ": GGUF export handles Metaspace + byte-fallback BPE (Llama 2, Mistral) and byte-level BPE "
                               "(Llama 3, Qwen2) vocabularies");
    }
    for (const auto& [id, a] : added) {
        v.tokens[size_t(id)] = a.first;
        v.types[size_t(id)] = a.second ? Control : UserDefined;
    }
    for (size_t i = 0; i < v.tokens.size(); ++i)
        if (v.tokens[i].empty()) {
            v.tokens[i] = "[PAD" + std::to_string(i) + "]";
            v.types[i] = UserDefined;
        }
    return v;
}

/// llama.cpp's rotary layout pairs dimensions (2i, 2i+1); transformers pairs (i, i + d/2):
/// convert_hf_to_gguf.py LlamaModel.permute.
at::Tensor permuteRope(const at::Tensor& w, int64_t heads) {
    const int64_t rows = w.size(0);
    std::vector<int64_t> shape = {heads, 2, rows / heads / 2};
    for (int64_t d = 1; d < w.dim(); ++d)
        shape.push_back(w.size(d));
    return w.reshape(shape).transpose(1, 2).reshape(w.sizes());
}

std::vector<float> llama3RopeFactors(const model::ModelConfig& cfg) {
    const auto& r = cfg.rope;
    const int64_t d = cfg.headDim;
    std::vector<float> f;
    const double lowWl = r.originalMaxPositionEmbeddings / r.lowFreqFactor;
    const double highWl = r.originalMaxPositionEmbeddings / r.highFreqFactor;
    for (int64_t i = 0; i < d; i += 2) {
        const double freq = 1.0 / std::pow(r.theta, double(i) / double(d));
        const double wl = 2.0 * M_PI / freq;
        if (wl < highWl)
            f.push_back(1.0f);
        else if (wl > lowWl)
            f.push_back(static_cast<float>(r.factor));
        else {
            const double smooth = (r.originalMaxPositionEmbeddings / wl - r.lowFreqFactor) / (r.highFreqFactor - r.lowFreqFactor);
            f.push_back(static_cast<float>(1.0 / ((1.0 - smooth) / r.factor + smooth)));
        }
    }
    return f;
}

const char* ggufProjName(Proj p) {
    switch (p) {
    case Proj::Q: return "attn_q";
    case Proj::K: return "attn_k";
    case Proj::V: return "attn_v";
    case Proj::O: return "attn_output";
    case Proj::Gate: return "ffn_gate";
    case Proj::Up: return "ffn_up";
    case Proj::Down: return "ffn_down";
    }
    return "?";
}

} // namespace

GgufExportReport exportGguf(const model::LlamaModel& model, const fs::path& modelDir, const fs::path& out,
                            const GgufExportOptions& o, const JobContext& ctx) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto& cfg = model.config();
    GgufExportReport rep;
    const bool uniform = cfg.layerIntermediateSize.empty() && cfg.layerNumHeads.empty() && cfg.layerNumKvHeads.empty();
    const std::string arch = cfg.architecture == model::Architecture::Qwen2 ? "qwen2" : uniform ? "llama" : "deci";
    if (arch == "qwen2" && !uniform)
        throw UnsupportedError("GGUF export: llama.cpp's qwen2 architecture has one width for every layer; this model is "
                               "width-pruned per layer");
    rep.architecture = arch;
    const bool permute = arch != "qwen2";
    ctx.setStatus("reading " + (modelDir / "tokenizer.json").string());
    const VocabExport vocab = exportVocab(modelDir / "tokenizer.json", cfg);
    rep.tokenizerModel = vocab.model;

    io::GgufWriter w;
    const std::string a = arch + ".";
    w.addString("general.architecture", arch);
    w.addString("general.name", o.name.empty() ? modelDir.filename().string() : o.name);
    const uint32_t fileType = o.type == GgmlType::F32 ? 0 : o.type == GgmlType::F16 ? 1 : o.type == GgmlType::Q4_0 ? 2
                            : o.type == GgmlType::Q8_0 ? 7 : 14; // LLAMA_FTYPE_MOSTLY_Q4_K_S
    w.addU32("general.file_type", fileType);
    w.addU32("general.quantization_version", 2);
    w.addU32(a + "context_length", static_cast<uint32_t>(cfg.maxPositionEmbeddings));
    w.addU32(a + "embedding_length", static_cast<uint32_t>(cfg.hiddenSize));
    w.addU32(a + "block_count", static_cast<uint32_t>(cfg.numLayers));
    if (uniform) {
        w.addU32(a + "feed_forward_length", static_cast<uint32_t>(cfg.intermediateSize));
        w.addU32(a + "attention.head_count", static_cast<uint32_t>(cfg.numHeads));
        w.addU32(a + "attention.head_count_kv", static_cast<uint32_t>(cfg.numKvHeads));
    } else {
        std::vector<int32_t> ff, h, kv;
        for (int64_t l = 0; l < cfg.numLayers; ++l) {
            ff.push_back(static_cast<int32_t>(cfg.intermediateOf(l)));
            h.push_back(static_cast<int32_t>(cfg.headsOf(l)));
            kv.push_back(static_cast<int32_t>(cfg.kvHeadsOf(l)));
        }
        w.addI32Array(a + "feed_forward_length", ff);
        w.addI32Array(a + "attention.head_count", h);
        w.addI32Array(a + "attention.head_count_kv", kv);
    }
    w.addF32(a + "attention.layer_norm_rms_epsilon", static_cast<float>(cfg.rmsNormEps));
    w.addF32(a + "rope.freq_base", static_cast<float>(cfg.rope.theta));
    w.addU32(a + "rope.dimension_count", static_cast<uint32_t>(cfg.headDim));
    if (cfg.headDim * cfg.numHeads != cfg.hiddenSize) {
        w.addU32(a + "attention.key_length", static_cast<uint32_t>(cfg.headDim));
        w.addU32(a + "attention.value_length", static_cast<uint32_t>(cfg.headDim));
    }
    w.addU32(a + "vocab_size", static_cast<uint32_t>(cfg.vocabSize));
    if (cfg.rope.type == model::RopeType::Linear) {
        w.addString(a + "rope.scaling.type", "linear");
        w.addF32(a + "rope.scaling.factor", static_cast<float>(cfg.rope.factor));
    }
    if (cfg.slidingWindow && *cfg.slidingWindow < cfg.maxPositionEmbeddings)
        rep.warnings.push_back("the sliding window (" + std::to_string(*cfg.slidingWindow) +
                               " tokens) is not written: llama.cpp attends over the whole context for this architecture");

    w.addString("tokenizer.ggml.model", vocab.model);
    if (!vocab.pre.empty())
        w.addString("tokenizer.ggml.pre", vocab.pre);
    w.addStringArray("tokenizer.ggml.tokens", vocab.tokens);
    if (vocab.model == "llama")
        w.addF32Array("tokenizer.ggml.scores", vocab.scores);
    w.addI32Array("tokenizer.ggml.token_type", vocab.types);
    if (!vocab.merges.empty())
        w.addStringArray("tokenizer.ggml.merges", vocab.merges);
    const auto tok = tok::Tokenizer::fromPath(modelDir);
    if (auto b = tok.bosId())
        w.addU32("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(*b));
    if (auto e = tok.eosId())
        w.addU32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(*e));
    if (cfg.padTokenId)
        w.addU32("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(*cfg.padTokenId));
    for (size_t i = 0; i < vocab.types.size(); ++i)
        if (vocab.types[i] == Unknown)
            w.addU32("tokenizer.ggml.unknown_token_id", static_cast<uint32_t>(i));
    const auto bosIds = tok.encode("a", true);
    w.addBool("tokenizer.ggml.add_bos_token", tok.bosId() && !bosIds.empty() && bosIds.front() == *tok.bosId());
    w.addBool("tokenizer.ggml.add_eos_token", tok.eosId() && !bosIds.empty() && bosIds.back() == *tok.eosId());
    if (vocab.model == "llama")
        w.addBool("tokenizer.ggml.add_space_prefix", vocab.addSpacePrefix);

    // Tensors, each produced when written (one de-quantized matrix in memory at a time).
    auto add2d = [&](const std::string& name, std::function<at::Tensor()> get, int64_t rows, int64_t cols) {
        const GgmlType t = ggufTensorType(name, cols, o.type);
        rep.tensorsByType[std::string(quant::ggmlTypeName(t))] += 1;
        const uint64_t nbytes = uint64_t(rows * cols / quant::ggmlBlockSize(t) * quant::ggmlBlockBytes(t));
        w.addTensor(name, {uint64_t(cols), uint64_t(rows)}, static_cast<uint32_t>(t), nbytes,
                    [get, t] { return quant::ggmlEncode(get(), t); });
    };
    auto add1d = [&](const std::string& name, std::function<at::Tensor()> get, int64_t n) {
        rep.tensorsByType["f32"] += 1;
        w.addTensor(name, {uint64_t(n)}, 0, uint64_t(n) * 4, [get] { return quant::ggmlEncode(get().reshape({1, -1}), GgmlType::F32); });
    };
    const model::LlamaModel* m = &model;
    add2d("token_embd.weight", [m] { return const_cast<model::LlamaModel*>(m)->embedTokens(); }, cfg.vocabSize, cfg.hiddenSize);
    add1d("output_norm.weight", [m] { return const_cast<model::LlamaModel*>(m)->finalNorm(); }, cfg.hiddenSize);
    if (!model.tiedLmHead())
        add2d("output.weight", [m] { return m->lmHead().denseWeight(); }, cfg.vocabSize, cfg.hiddenSize);
    if (cfg.rope.type == model::RopeType::Llama3) {
        const auto f = llama3RopeFactors(cfg);
        add1d("rope_freqs.weight", [f] { return at::tensor(f, at::kFloat); }, int64_t(f.size()));
    }
    for (int64_t l = 0; l < model.numLayers(); ++l) {
        const std::string b = "blk." + std::to_string(l) + ".";
        add1d(b + "attn_norm.weight", [m, l] { return m->layer(l).inputNorm; }, cfg.hiddenSize);
        add1d(b + "ffn_norm.weight", [m, l] { return m->layer(l).postAttentionNorm; }, cfg.hiddenSize);
        for (Proj p : model::kAllProj) {
            const auto& lin = model.layer(l).p(p);
            const int64_t heads = p == Proj::Q ? model.layer(l).numHeads : model.layer(l).numKvHeads;
            const bool perm = permute && (p == Proj::Q || p == Proj::K);
            add2d(b + ggufProjName(p) + ".weight",
                  [m, l, p, heads, perm] {
                      const at::Tensor w = m->layer(l).p(p).denseWeight();
                      return perm ? permuteRope(w, heads) : w;
                  },
                  lin.outFeatures(), lin.inFeatures());
            if (lin.bias())
                add1d(b + ggufProjName(p) + ".bias",
                      [m, l, p, heads, perm] {
                          const at::Tensor bias = *m->layer(l).p(p).bias();
                          return perm ? permuteRope(bias, heads) : bias;
                      },
                      lin.outFeatures());
        }
    }
    rep.tensors = 0;
    for (auto& [k, n] : rep.tensorsByType)
        rep.tensors += n;
    ctx.setStatus("writing " + out.string());
    at::NoGradGuard noGrad;
    w.write(out, [&](size_t done, size_t total) {
        ctx.checkCancel();
        ctx.setProgress(double(done) / double(total));
    });
    rep.path = fs::absolute(out).lexically_normal().string();
    rep.bytes = static_cast<int64_t>(fs::file_size(out));
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (const auto& wmsg : rep.warnings)
        ctx.warning(wmsg);
    return rep;
}

} // namespace slim::exporting
