#include "core/quant/quantize_model.h"

#include "core/analysis/hessian.h"
#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/model/llama_model.h"
#include "core/quant/gptq.h"
#include "core/quant/hqq.h"
#include "core/quant/nf4.h"
#include "core/quant/quant_type.h"
#include "core/quant/quantized_linear.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <chrono>
#include <map>

namespace slim::quant {

using model::Proj;

std::string_view quantMethodName(QuantMethod m) {
    switch (m) {
    case QuantMethod::Rtn: return "rtn";
    case QuantMethod::Gptq: return "gptq";
    case QuantMethod::Awq: return "awq";
    case QuantMethod::Hqq: return "hqq";
    case QuantMethod::Nf4: return "nf4";
    }
    return "?";
}

QuantMethod parseQuantMethod(std::string_view name) {
    for (QuantMethod m : {QuantMethod::Rtn, QuantMethod::Gptq, QuantMethod::Awq, QuantMethod::Hqq, QuantMethod::Nf4})
        if (quantMethodName(m) == name)
            return m;
    throw ConfigError("--method '" + std::string(name) + "': one of rtn, gptq, awq, hqq, nf4");
}

bool needsCalibration(QuantMethod m) {
    return m == QuantMethod::Gptq || m == QuantMethod::Awq;
}

IntSpec QuantizeOptions::spec() const {
    IntSpec s;
    s.bits = bits;
    s.groupSize = groupSize;
    s.symmetric = symmetric;
    s.rule = method == QuantMethod::Awq ? Rule::Awq : Rule::Gptq;
    return s;
}

void QuantizeOptions::validate() const {
    if (method == QuantMethod::Nf4) {
        if (bits != 4)
            throw ConfigError("--bits " + std::to_string(bits) + ": NF4 is a 4-bit format");
        return;
    }
    (void)intType(bits, groupSize, symmetric); // bits 2/3/4/8, groups 32/64/128/per channel
    if (method == QuantMethod::Hqq && (groupSize == 0 || bits == 8))
        throw ConfigError("HQQ: groups of 32, 64 or 128 and 2, 3 or 4 bits (the reference's formats)");
    if (method == QuantMethod::Awq && groupSize == 0)
        throw ConfigError("AWQ: a group size (llm-awq quantizes groups of 128 by default)");
    if ((actOrder || staticGroups) && method != QuantMethod::Gptq)
        throw ConfigError("--act-order and --static-groups are GPTQ options");
    if (!(percdamp > 0) || blockSize < 1)
        throw ConfigError("--percdamp must be > 0 and --blocksize >= 1");
}

QuantLayout QuantizeOptions::layout() const {
    QuantLayout l;
    l.bits = bits;
    l.groupSize = groupSize;
    l.symmetric = symmetric;
    l.producer = std::string(quantMethodName(method));
    l.lmHead = lmHead;
    switch (method) {
    case QuantMethod::Nf4:
        l.method = QuantLayout::Method::Nf4;
        l.doubleQuant = doubleQuant;
        l.groupSize = 64;
        break;
    case QuantMethod::Hqq:
        l.method = QuantLayout::Method::Hqq;
        l.zerosMinusOne = false;
        break;
    default:
        l.method = QuantLayout::Method::Gptq;
        l.descAct = actOrder && !staticGroups;
        break;
    }
    return l;
}

nlohmann::json QuantizeOptions::toJson() const {
    nlohmann::json j = {{"method", std::string(quantMethodName(method))}, {"bits", bits}};
    if (lmHead)
        j["lm_head"] = true;
    if (method == QuantMethod::Nf4) {
        j["block_size"] = 64;
        j["double_quant"] = doubleQuant;
        return j;
    }
    j["group_size"] = groupSize > 0 ? groupSize : -1;
    j["sym"] = symmetric;
    if (method == QuantMethod::Gptq) {
        j["act_order"] = actOrder;
        j["static_groups"] = staticGroups;
        j["percdamp"] = percdamp;
        j["blocksize"] = blockSize;
        j["true_sequential"] = layerwise.trueSequential;
    }
    if (method == QuantMethod::Awq) {
        j["grid"] = awqGrid;
        j["clip"] = awqClip;
        j["parameter_rule"] = "llm-awq pseudo_quantize_tensor";
    } else if (method != QuantMethod::Hqq) {
        j["parameter_rule"] = "IST-DASLab/gptq Quantizer.find_params";
    }
    if (needsCalibration(method)) {
        j["offload"] = layerwise.offload;
        j["tf32"] = layerwise.tf32;
        j["batch"] = layerwise.batchSize;
    }
    return j;
}

nlohmann::json QuantizeReport::toJson() const {
    nlohmann::json per = nlohmann::json::array();
    for (const auto& p : projections) {
        nlohmann::json j = {{"layer", p.layer},       {"projection", p.projection}, {"kind", p.kind},
                            {"stored_bytes", p.storedBytes}, {"dense_bytes", p.denseBytes}, {"rel_error", p.relError}};
        if (p.percdamp > 0)
            j["percdamp"] = p.percdamp;
        per.push_back(j);
    }
    nlohmann::json aw = nlohmann::json::array();
    for (const auto& [layer, g] : awq) {
        nlohmann::json j = {{"layer", layer}, {"group", g.group}};
        if (g.skipped.empty()) {
            j["ratio"] = g.ratio;
            j["loss"] = g.loss;
            j["loss_ratio0"] = g.lossPlain;
        } else {
            j["skipped"] = g.skipped;
        }
        aw.push_back(j);
    }
    nlohmann::json j = {{"stored_bytes", storedBytes},
                        {"dense_bytes", denseBytes},
                        {"ratio", denseBytes ? double(storedBytes) / double(denseBytes) : 0.0},
                        {"seconds", seconds},
                        {"projections", per}};
    if (!awq.empty())
        j["awq"] = aw;
    if (layerwise)
        j["layerwise"] = layerwise->toJson();
    return j;
}

namespace {

model::DenseLinear& denseOf(model::LlamaModel& m, int64_t l, Proj p) {
    return m.denseProjection(l, p, "quantization", "already quantized?");
}

/// Replace a dense projection by its quantized form and record it.
void replace(model::LlamaModel& m, int64_t l, Proj p, std::unique_ptr<model::Linear> q, const at::Tensor& before,
             QuantizeReport& r, double percdamp = 0.0) {
    auto& slot = m.layer(l).proj[static_cast<int>(p)];
    ProjectionQuantization s;
    s.layer = l;
    s.projection = std::string(model::projName(p));
    s.denseBytes = slot->storageBytes();
    const at::Tensor deq = q->denseWeight().to(at::kFloat);
    const at::Tensor ref = before.to(at::kFloat);
    s.relError = ((deq - ref).norm() / ref.norm().clamp_min(1e-30)).item<double>();
    s.kind = q->kind();
    s.storedBytes = q->storageBytes();
    s.percdamp = percdamp;
    r.storedBytes += s.storedBytes;
    r.denseBytes += s.denseBytes;
    r.projections.push_back(std::move(s));
    slot = std::move(q);
}

std::unique_ptr<model::Linear> fromInt(const IntQuantized& q, model::DenseLinear& d, at::ScalarType act) {
    return std::make_unique<QuantizedLinear>(q, d.bias(), act);
}

/// The calibration-free methods on one dense projection: NF4, HQQ, or RTN (also what the integer
/// methods apply to the output projection, as llama.cpp quantizes its output tensor).
std::unique_ptr<model::Linear> quantizeWithoutCalibration(const QuantizeOptions& o, model::DenseLinear& d, at::ScalarType act) {
    const at::Tensor w = d.weight();
    if (o.method == QuantMethod::Nf4)
        return std::make_unique<Nf4Linear>(nf4Quantize(w, o.doubleQuant), d.bias(), act);
    if (o.method == QuantMethod::Hqq) {
        HqqOptions h;
        h.bits = o.bits;
        h.groupSize = o.groupSize;
        return fromInt(hqqQuantize(w, h), d, act);
    }
    return fromInt(rtnQuantize(w, o.spec()), d, act);
}

const QuantType& storedType(const QuantizeOptions& o) {
    return o.method == QuantMethod::Nf4   ? quantType(o.doubleQuant ? "nf4-dq" : "nf4")
           : o.method == QuantMethod::Hqq ? quantType("hqq" + std::to_string(o.bits) + "-g" + std::to_string(o.groupSize))
                                          : intType(o.bits, o.groupSize, o.symmetric);
}

/// --lm-head: the output projection quantized without calibration, recorded as "lm_head".
void quantizeHead(model::LlamaModel& m, const QuantizeOptions& o, at::ScalarType act, QuantizeReport& r) {
    auto* d = dynamic_cast<model::DenseLinear*>(&m.lmHead());
    if (!d)
        throw ConfigError("--lm-head: the output projection is already quantized");
    const at::Tensor w = d->weight();
    std::unique_ptr<model::Linear> q = quantizeWithoutCalibration(o, *d, act);
    ProjectionQuantization s;
    s.layer = -1;
    s.projection = "lm_head";
    s.denseBytes = d->storageBytes();
    s.relError = ((q->denseWeight().to(at::kFloat) - w.to(at::kFloat)).norm() / w.to(at::kFloat).norm().clamp_min(1e-30)).item<double>();
    s.kind = q->kind();
    s.storedBytes = q->storageBytes();
    r.storedBytes += s.storedBytes;
    r.denseBytes += s.denseBytes;
    r.projections.push_back(std::move(s));
    m.setLmHead(std::move(q));
}

void checkShapes(model::LlamaModel& m, const QuantizeOptions& o, const std::vector<Proj>& wanted, int64_t first, int64_t last) {
    const QuantType& t = storedType(o);
    if (o.lmHead) {
        if (m.config().tieWordEmbeddings)
            throw ConfigError("--lm-head: the output projection shares its weights with the embedding "
                              "(tie_word_embeddings); quantizing it would quantize the embedding too");
        checkShape(t, m.lmHead().outFeatures(), m.lmHead().inFeatures(), "lm_head");
    }
    for (int64_t l = first; l <= last; ++l)
        for (Proj p : wanted) {
            const auto& lin = m.layer(l).p(p);
            checkShape(t, lin.outFeatures(), lin.inFeatures(), "layer " + std::to_string(l) + " " + std::string(model::projName(p)));
            if ((o.method == QuantMethod::Awq || o.method == QuantMethod::Hqq) && lin.inFeatures() % o.groupSize)
                throw ConfigError("layer " + std::to_string(l) + " " + std::string(model::projName(p)) + ": " +
                                  std::string(quantMethodName(o.method)) + " needs groups of " + std::to_string(o.groupSize) +
                                  " dividing its " + std::to_string(lin.inFeatures()) + " input columns (as the reference)");
        }
}

} // namespace

QuantizeReport quantizeModel(model::LlamaModel& model, const at::Tensor& calibIds, const QuantizeOptions& o,
                             const JobContext& ctx) {
    o.validate();
    const auto t0 = std::chrono::steady_clock::now();
    at::NoGradGuard noGrad;
    QuantizeReport r;
    const auto& wanted = o.layerwise.projections;
    const int64_t L = model.numLayers();
    const int64_t first = std::max<int64_t>(0, o.layerwise.firstLayer);
    const int64_t last = o.layerwise.lastLayer < 0 ? L - 1 : std::min(o.layerwise.lastLayer, L - 1);
    checkShapes(model, o, wanted, first, last);
    const at::ScalarType act = model.dtype();
    const IntSpec spec = o.spec();
    const std::string method(quantMethodName(o.method));

    if (!needsCalibration(o.method)) {
        const bool move = o.layerwise.offload && o.layerwise.computeDevice != model.device();
        for (int64_t l = first; l <= last; ++l) {
            ctx.checkCancel();
            ctx.setStatus(method + ": layer " + std::to_string(l + 1) + "/" + std::to_string(L));
            if (move)
                model.moveLayer(l, o.layerwise.computeDevice);
            for (Proj p : wanted) {
                auto& d = denseOf(model, l, p);
                const at::Tensor w = d.weight();
                replace(model, l, p, quantizeWithoutCalibration(o, d, act), w, r);
            }
            if (move)
                model.moveLayer(l, at::kCPU);
            ctx.setProgress(double(l - first + 1) / double(last - first + 1));
        }
    } else {
        if (!calibIds.defined())
            throw ConfigError(method + " needs calibration data (--calib FILE)");
        const int64_t T = calibIds.size(1);
        analysis::LayerwiseOptions lw = o.layerwise;
        std::map<Proj, analysis::HessianAccumulator> hessians;
        // AWQ: each projection input of the layer, written into one (N·T, in) tensor as the batches pass
        // (no list of batch copies concatenated afterwards: on the 8B shape that doubled 3.3 GiB).
        struct Captured {
            at::Tensor rows;
            int64_t filled = 0;
        };
        std::map<Proj, Captured> captured;
        std::map<Proj, Proj> ownerOf; // q, k, v (and gate, up) share one Hessian, kept under the first
        analysis::LayerwiseVisitor v;
        v.beginGroup = [&](int64_t, const analysis::ProjGroup&) {
            hessians.clear();
            captured.clear();
            ownerOf.clear();
        };
        if (o.method == QuantMethod::Gptq) {
            v.observe = [&](int64_t, const analysis::ProjGroup& sharing, const at::Tensor& rows) {
                hessians[sharing.front()].add(rows, std::max<int64_t>(1, rows.size(0) / T));
                for (Proj p : sharing)
                    ownerOf[p] = sharing.front();
            };
            v.compress = [&](int64_t layer, const analysis::ProjGroup& group) {
                for (Proj p : group) {
                    ctx.checkCancel();
                    const auto it = hessians.find(ownerOf.at(p));
                    auto& d = denseOf(model, layer, p);
                    GptqOptions go;
                    go.spec = spec;
                    go.percdamp = o.percdamp;
                    go.blockSize = o.blockSize;
                    go.actOrder = o.actOrder;
                    go.staticGroups = o.staticGroups;
                    const std::string what = "GPTQ layer " + std::to_string(layer) + " " + std::string(model::projName(p));
                    const at::Tensor w = d.weight();
                    const GptqResult g = gptqQuantize(w, it->second.hessian(), go, what.c_str());
                    if (g.percdamp > o.percdamp)
                        ctx.warning(what + ": the Hessian needed damping " + std::to_string(g.percdamp));
                    replace(model, layer, p, fromInt(g.q, d, act), w, r, g.percdamp);
                }
            };
        } else { // AWQ
            lw.trueSequential = false;
            lw.propagate = analysis::LayerwiseOptions::Propagate::Original;
            lw.projections = {Proj::Q, Proj::K, Proj::V, Proj::O, Proj::Gate, Proj::Up, Proj::Down};
            v.observe = [&](int64_t, const analysis::ProjGroup& sharing, const at::Tensor& rows) {
                Captured& c = captured[sharing.front()];
                if (!c.rows.defined())
                    c.rows = at::empty({calibIds.size(0) * T, rows.size(-1)}, rows.options());
                c.rows.narrow(0, c.filled, rows.size(0)).copy_(rows);
                c.filled += rows.size(0);
            };
            v.compress = [&](int64_t layer, const analysis::ProjGroup&) {
                auto inputOf = [&](Proj p) {
                    const Captured& c = captured.at(p);
                    if (c.filled != c.rows.size(0))
                        throw ConfigError(method + " layer " + std::to_string(layer) + ": " + std::to_string(c.filled) +
                                          " calibration rows seen of " + std::to_string(c.rows.size(0)));
                    return c.rows.view({-1, T, c.rows.size(-1)});
                };
                AwqLayerInputs in{inputOf(Proj::Q), inputOf(Proj::O), inputOf(Proj::Gate), inputOf(Proj::Down)};
                captured.clear();
                AwqOptions ao;
                ao.spec = spec;
                ao.grid = o.awqGrid;
                ao.clip = o.awqClip;
                ao.batchSize = o.layerwise.batchSize;
                for (auto& g : awqLayer(model, layer, std::move(in), ao, ctx))
                    r.awq.emplace_back(layer, g);
                for (Proj p : wanted) {
                    auto& d = denseOf(model, layer, p);
                    const at::Tensor w = d.weight();
                    replace(model, layer, p, fromInt(rtnQuantize(w, spec), d, act), w, r);
                }
            };
        }
        r.layerwise = analysis::runLayerwise(model, calibIds, lw, v, ctx);
    }
    if (o.lmHead) {
        ctx.checkCancel();
        ctx.setStatus(method + ": lm_head");
        quantizeHead(model, o, act, r);
    }
    model.mutableConfig().quantizationConfig = o.layout().toJson().dump();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

QuantizeReport requantizeLike(model::LlamaModel& model, const QuantLayout& layout, const JobContext& ctx) {
    if (!layout.quantized())
        throw ConfigError("re-quantize: the base model is not quantized (no quantization_config)");
    QuantizeOptions o;
    o.bits = layout.bits;
    o.groupSize = layout.groupSize;
    o.symmetric = layout.symmetric;
    o.doubleQuant = layout.doubleQuant;
    o.method = layout.method == QuantLayout::Method::Nf4 ? QuantMethod::Nf4
               : layout.method == QuantLayout::Method::Hqq ? QuantMethod::Hqq
                                                          : QuantMethod::Rtn;
    // Only the projections that are dense now (the merged ones) are quantized.
    std::vector<Proj> dense;
    for (Proj p : model::kAllProj)
        if (dynamic_cast<model::DenseLinear*>(&model.layer(0).p(p)))
            dense.push_back(p);
    o.layerwise.projections = dense;
    return quantizeModel(model, at::Tensor(), o, ctx);
}

} // namespace slim::quant
