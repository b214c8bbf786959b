#include "support/fixture_checks.h"

#include "core/common/errors.h"
#include "core/common/job_context.h"
#include "core/io/atomic_file.h"
#include "core/io/safetensors.h"
#include "core/model/generation.h"
#include "core/model/llama_model.h"
#include "core/model/static_decoder.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace fs = std::filesystem;

namespace slimtest {

namespace {

std::string fmt(double x) {
    std::ostringstream os;
    os.precision(6);
    os << x;
    return os.str();
}

// Per-sequence Σ −log p over real tokens of (B, T, V) logits.
std::vector<double> sequenceNlls(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& mask) {
    std::vector<double> out;
    for (int64_t b = 0; b < ids.size(0); ++b) {
        const int64_t L = mask[b].sum().item<int64_t>();
        const at::Tensor lp = at::log_softmax(logits[b].narrow(0, 0, L - 1).to(at::kDouble), -1);
        out.push_back(-lp.gather(-1, ids[b].narrow(0, 1, L - 1).unsqueeze(-1)).sum().item<double>());
    }
    return out;
}

// max |a - b| over real positions, and max |b| (the reference).
std::pair<double, double> maxDiff(const at::Tensor& a, const at::Tensor& ref, const at::Tensor& mask) {
    const at::Tensor m = mask.to(at::kFloat).unsqueeze(-1);
    const double diff = ((a - ref).abs() * m).max().item<double>();
    const double scale = (ref.abs() * m).max().item<double>();
    return {diff, scale};
}

bool cpuSupports(at::ScalarType dtype) {
    try {
        const at::Tensor x = at::ones({2, 2}, at::TensorOptions().dtype(dtype));
        (void)at::linear(x, x);
        (void)at::softmax(x.to(at::kFloat), -1);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

} // namespace

std::vector<fs::path> fixtureDirs(const fs::path& root) {
    std::vector<fs::path> out;
    if (!fs::is_directory(root))
        return out;
    for (const auto& e : fs::directory_iterator(root))
        if (e.is_directory() && fs::exists(e.path() / "expected.json"))
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<CheckResult> checkFixture(const fs::path& dir, const at::Device& device) {
    using namespace slim;
    std::vector<CheckResult> results;
    const std::string fixture = dir.filename().string();
    const auto info = nlohmann::json::parse(io::readTextFile(dir / "expected.json"));
    const auto expected = io::SafetensorsFile::open(dir / "expected.safetensors");
    const at::Tensor ids = expected->load("ids").to(at::kLong);
    const at::Tensor mask = expected->load("mask").to(at::kLong);
    const at::Tensor refLogits = expected->load("logits").to(at::kFloat);
    const std::string refDtype = info.at("dtype").get<std::string>();
    const std::vector<double> refNll = info.at("nll").get<std::vector<double>>();
    at::InferenceMode guard;

    auto add = [&](const std::string& what, bool ok, const std::string& detail) {
        results.push_back({fixture + " / " + device.str() + " / " + what, ok, detail});
    };

    // 1. fp32: logits of the padded batch within 1e-4 · max|logit| of transformers' fp32 logits.
    {
        model::LoadOptions lo;
        lo.device = device;
        lo.dtype = at::kFloat;
        const auto m = model::LlamaModel::load(dir, lo);
        const at::Tensor ref32 = refDtype == "float32" ? refLogits : expected->load("logits_fp32").to(at::kFloat);
        model::ForwardOptions fo;
        fo.attentionMask = mask;
        const at::Tensor logits = m->forward(ids, fo).to(at::kCPU);
        const auto [diff, scale] = maxDiff(logits, ref32, mask);
        add("fp32 logits", diff <= kFp32RelLogitTol * scale,
            "max|dlogit| " + fmt(diff) + " vs tol " + fmt(kFp32RelLogitTol * scale));

        // Left padding of the shorter sequence in a batch gives the same logits as unpadded.
        const int64_t L = mask[1].sum().item<int64_t>();
        const int64_t T = ids.size(1);
        at::Tensor leftIds = at::zeros_like(ids);
        at::Tensor leftMask = at::zeros_like(mask);
        leftIds[0].copy_(ids[0]);
        leftMask[0].fill_(1);
        leftIds[1].narrow(0, T - L, L).copy_(ids[1].narrow(0, 0, L));
        leftMask[1].narrow(0, T - L, L).fill_(1);
        model::ForwardOptions lfo;
        lfo.attentionMask = leftMask;
        const at::Tensor left = m->forward(leftIds, lfo).to(at::kCPU);
        const double d2 = (left[1].narrow(0, T - L, L) - ref32[1].narrow(0, 0, L)).abs().max().item<double>();
        add("fp32 left-padded batch", d2 <= kFp32RelLogitTol * scale, "max|dlogit| " + fmt(d2));

        // Greedy generation with the KV cache equals transformers' full-recompute greedy tokens.
        if (refDtype == "float32") {
            const auto prompt = info.at("greedy_prompt").get<std::vector<int64_t>>();
            const auto want = info.at("greedy_tokens").get<std::vector<int64_t>>();
            model::GenerationOptions go;
            go.maxNewTokens = static_cast<int64_t>(want.size());
            const auto r = model::generate(*m, prompt, go, JobContext::none());
            std::ostringstream os;
            for (auto t : r.newIds)
                os << t << ' ';
            add("greedy tokens (KV cache)", r.newIds == want, "got " + os.str());

            // The static-cache decoder (a CUDA graph on CUDA) produces the same tokens.
            model::StaticDecoder dec(*m, 1, static_cast<int64_t>(prompt.size() + want.size()) + 1);
            const at::Tensor first = dec.prefill(at::tensor(prompt, at::kLong).view({1, -1}).to(device));
            const at::Tensor rest = dec.decode(static_cast<int64_t>(want.size()) - 1);
            std::vector<int64_t> got{first.to(at::kCPU).item<int64_t>()};
            const at::Tensor restCpu = rest.to(at::kCPU).contiguous();
            for (int64_t i = 0; i < restCpu.size(1); ++i)
                got.push_back(restCpu[0][i].item<int64_t>());
            add(std::string("greedy tokens (static decoder") + (dec.usesGraph() ? ", CUDA graph)" : ")"), got == want,
                got == want ? "identical " + std::to_string(got.size()) + " tokens"
                            : "first mismatch at " + std::to_string(std::mismatch(got.begin(), got.end(), want.begin()).first - got.begin()));
        }

        // Chunked prefill: the prompt in two pieces through the cache gives the same last logits.
        {
            const int64_t T0 = mask[0].sum().item<int64_t>();
            model::KVCache cache;
            cache.allocate(m->config(), 1, T0, at::TensorOptions().device(device).dtype(at::kFloat));
            model::ForwardOptions cfo;
            cfo.cache = &cache;
            (void)m->forward(ids[0].narrow(0, 0, T0 / 2).unsqueeze(0), cfo);
            const at::Tensor tail = m->forward(ids[0].narrow(0, T0 / 2, T0 - T0 / 2).unsqueeze(0), cfo).to(at::kCPU);
            const double d3 = (tail[0] - ref32[0].narrow(0, T0 / 2, T0 - T0 / 2)).abs().max().item<double>();
            add("fp32 chunked prefill", d3 <= kFp32RelLogitTol * scale, "max|dlogit| " + fmt(d3));
        }
    }

    // 2. Low precision: NLL within 1% of the reference NLL (transformers in the checkpoint's dtype
    //    for bf16 fixtures; the fp32 NLL for the others).
    for (at::ScalarType dt : {at::kBFloat16, at::kHalf}) {
        const std::string name = dt == at::kBFloat16 ? "bf16" : "fp16";
        if (device.is_cpu() && !cpuSupports(dt)) {
            add(name + " nll", true, "skipped: this LibTorch has no CPU " + name + " matmul");
            continue;
        }
        model::LoadOptions lo;
        lo.device = device;
        lo.dtype = dt;
        const auto m = model::LlamaModel::load(dir, lo);
        model::ForwardOptions fo;
        fo.attentionMask = mask;
        const auto nll = sequenceNlls(m->forward(ids, fo).to(at::kCPU), ids, mask);
        double worst = 0.0;
        for (size_t b = 0; b < nll.size(); ++b)
            worst = std::max(worst, std::abs(nll[b] - refNll[b]) / refNll[b]);
        add(name + " nll", worst <= kLowPrecisionNllRelTol,
            "worst relative NLL difference " + fmt(worst) + " (nll " + fmt(nll[0]) + " vs " + fmt(refNll[0]) + ")");
    }
    return results;
}

} // namespace slimtest
