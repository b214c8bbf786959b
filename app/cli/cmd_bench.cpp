// slimbench-cli bench: throughput and memory of the runtime on random token ids.
// A benchmark, not a test: it prints numbers (median of repetitions, min/max) that the notes compare
// against transformers measured in the same run on the same machine (tests/bench/).
#include "app/cli/commands.h"

#include "core/cpu/gemv.h"
#include "core/cpu/thread_pool.h"
#include "app/cli/records.h"
#include "core/eval/bandwidth.h"
#include "core/eval/energy.h"

#include "core/common/errors.h"
#include "core/eval/device_memory.h"
#include "core/eval/perplexity.h"
#include "core/model/llama_model.h"
#include "core/model/static_decoder.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <sstream>

namespace slim::cli {

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
    double median = 0, min = 0, max = 0;
};
Stats summarize(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    Stats s;
    s.min = v.front();
    s.max = v.back();
    s.median = v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    return s;
}
nlohmann::json toJson(const Stats& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

std::vector<int64_t> parseList(const std::string& s) {
    std::vector<int64_t> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
        out.push_back(std::stoll(item));
    return out;
}

// Seconds of: prefill of (B, P) random ids, then `gen` single-token decode steps (greedy).
std::pair<double, double> timeGeneration(const model::LlamaModel& m, int64_t B, int64_t P, int64_t gen) {
    const at::Device dev = m.device();
    model::KVCache cache;
    cache.allocate(m.config(), B, P + gen + 1, at::TensorOptions().device(dev).dtype(m.dtype()));
    const at::Tensor prompt = at::randint(m.config().vocabSize, {B, P}, at::TensorOptions().dtype(at::kLong).device(dev));
    model::ForwardOptions fo;
    fo.cache = &cache;
    fo.lastTokenOnly = true;
    eval::synchronizeDevice(dev);
    const auto t0 = Clock::now();
    at::Tensor logits = m.forward(prompt, fo);
    at::Tensor next = logits.argmax(-1);                      // (B, 1)
    eval::synchronizeDevice(dev);
    const auto t1 = Clock::now();
    for (int64_t i = 0; i < gen; ++i) {
        logits = m.forward(next, fo);
        next = logits.argmax(-1);
    }
    (void)next.to(at::kCPU);
    eval::synchronizeDevice(dev);
    const auto t2 = Clock::now();
    return {std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count()};
}

// Same measurement through the static-cache decoder (CUDA graph on CUDA).
std::tuple<double, double, bool> timeStaticGeneration(const model::LlamaModel& m, int64_t B, int64_t P, int64_t gen) {
    const at::Device dev = m.device();
    model::StaticDecoder dec(m, B, P + gen + 1);
    const at::Tensor prompt = at::randint(m.config().vocabSize, {B, P}, at::TensorOptions().dtype(at::kLong).device(dev));
    (void)dec.prefill(prompt);
    (void)dec.decode(1);                      // captures the graph outside the timed region
    eval::synchronizeDevice(dev);
    const auto t0 = Clock::now();
    (void)dec.prefill(prompt);
    eval::synchronizeDevice(dev);
    const auto t1 = Clock::now();
    (void)dec.decode(gen).to(at::kCPU);
    eval::synchronizeDevice(dev);
    const auto t2 = Clock::now();
    return {std::chrono::duration<double>(t1 - t0).count(), std::chrono::duration<double>(t2 - t1).count(), dec.usesGraph()};
}

std::vector<std::string> withCommonBench() {
    auto v = commonModelOptions();
    for (const char* k : {"prompt-len", "gen-len", "batch", "reps", "ppl-context", "ppl-batch", "ppl-windows", "db", "notes", "bandwidth", "pipeline"})
        v.emplace_back(k);
    return v;
}

} // namespace

int cmdBench(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly(withCommonBench());
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    // Work sized to the device: a GPU run measures long prompts, batch 8 and 8 perplexity windows of
    // 2048 tokens in seconds; the same on a laptop CPU would take most of an hour.  Every part can be
    // resized or switched off (--ppl-windows 0).
    const at::Device requested = parseDevice(a);
    const bool onCpu = requested.is_cpu();
    const int64_t promptLen = a.getInt("prompt-len", onCpu ? 64 : 128);
    const int64_t genLen = a.getInt("gen-len", onCpu ? 32 : 128);
    const auto batches = parseList(a.get("batch", onCpu ? "1" : "1,8"));
    const int64_t reps = std::max<int64_t>(1, a.getInt("reps", 3));
    const int64_t pplContext = a.getInt("ppl-context", onCpu ? 512 : 2048);
    const int64_t pplBatch = a.getInt("ppl-batch", onCpu ? 1 : 4);
    const int64_t pplWindows = a.getInt("ppl-windows", onCpu ? 2 : 8);

    const auto benchStart = Clock::now();
    // The bound of batch-1 decode comes from the device actually used (NVML spec on GPUs, a
    // measured read on the CPU), or from --bandwidth BYTES_PER_S.  Measured before the model is
    // loaded, so that the measurement's buffer never adds to the peak memory reported.
    std::optional<double> bwOverride;
    if (a.get("bandwidth"))
        bwOverride = a.getDouble("bandwidth", 0.0);
    out.status("memory bandwidth of " + deviceName(requested));
    const eval::BandwidthInfo bandwidth = eval::memoryBandwidth(requested, bwOverride);
    const auto model = loadModel(dir, a, out);
    const at::Device dev = model->device();
    at::InferenceMode guard;
    const int64_t weightBytes = model->storageBytes();
    nlohmann::json r = {{"model", dir}, {"device", deviceName(dev)}, {"weight_bytes", weightBytes},
                        {"parameters", model->parameterCount()}, {"prompt_len", promptLen}, {"gen_len", genLen},
                        {"reps", reps}, {"memory_bandwidth", bandwidth.toJson()}};
    if (dev.is_cpu())   // which kernels decoded: the ISA chosen at run time and the threads
        r["cpu_kernels"] = {{"isa", cpu::kernelDescription()}, {"threads", cpu::ThreadPool::global().threads()}};
    nlohmann::json runs = nlohmann::json::array();
    const int cudaIndex = dev.is_cuda() ? std::max<int>(0, dev.index()) : -1;
    for (int64_t B : batches) {
        out.status("generation, batch " + std::to_string(B));
        eval::resetPeakMemory(dev);
        timeGeneration(*model, B, promptLen, std::min<int64_t>(genLen, 8));   // warm-up
        std::vector<double> prefill, decode, ttft;
        for (int64_t i = 0; i < reps; ++i) {
            out.jobContext().checkCancel();
            const auto [p, d] = timeGeneration(*model, B, promptLen, genLen);
            prefill.push_back(static_cast<double>(B * promptLen) / p);
            decode.push_back(static_cast<double>(B * genLen) / d);
            ttft.push_back(p);   // prefill ends with the first token's logits and its argmax
        }
        std::vector<double> sdecode;
        bool graph = false;
        // Energy over the static-decoder repetitions (the fastest decode path), from hardware counters.
        eval::EnergyMeter meter(cudaIndex);
        double decodeSeconds = 0;
        meter.start();
        for (int64_t i = 0; i < reps; ++i) {
            out.jobContext().checkCancel();
            const auto [p, d, g] = timeStaticGeneration(*model, B, promptLen, genLen);
            sdecode.push_back(static_cast<double>(B * genLen) / d);
            decodeSeconds += p + d;
            graph = g;
        }
        const eval::EnergyReading energy = meter.stop();
        nlohmann::json ej = energy.toJson();
        if (energy.available) {
            // Whole repetitions (prefill + decode) were measured: joules per generated token.
            ej["tokens"] = B * genLen * reps;
            ej["joules_per_token"] = energy.joules / static_cast<double>(B * genLen * reps);
            ej["region"] = "static-decoder repetitions: prefill of the prompt + decode of gen_len tokens";
        }
        const Stats ds = summarize(decode);
        const int64_t kvBytes = 2 * model->config().numLayers * model->config().numKvHeads * model->config().headDim *
                                (promptLen + genLen) * B * static_cast<int64_t>(c10::elementSize(model->dtype()));
        nlohmann::json run = {{"batch", B},
                              {"prefill_tokens_per_s", toJson(summarize(prefill))},
                              {"decode_tokens_per_s", toJson(ds)},
                              {"static_decode_tokens_per_s", toJson(summarize(sdecode))},
                              {"static_decode_cuda_graph", graph},
                              {"time_to_first_token_s", toJson(summarize(ttft))},
                              {"kv_cache_bytes", kvBytes},
                              {"energy", ej},
                              {"peak_memory_bytes", eval::peakMemoryBytes(dev)}};
        if (B == 1) {
            // Batch-1 decode reads every weight once per token: the bandwidth bound.
            run["weight_bytes_per_token"] = weightBytes;
            const double bound = bandwidth.boundTokensPerS(weightBytes);
            const double best = std::max(ds.median, summarize(sdecode).median);
            run["bandwidth_bound_tokens_per_s"] = bound;
            run["fraction_of_bound"] = bound > 0 ? nlohmann::json(best / bound) : nlohmann::json(nullptr);
            std::ostringstream msg;
            msg.precision(4);
            msg << bandwidth.device << ": " << bandwidth.usedBytesPerS / 1e12 << " TB/s (" << bandwidth.used
                << "), batch-1 bound " << bound << " tok/s, decode " << best << " tok/s = " << (bound > 0 ? 100 * best / bound : 0)
                << " % of it";
            out.status(msg.str());
        }
        runs.push_back(run);
    }
    r["generation"] = runs;

    // Perplexity-evaluation throughput: full windows in batches, logits + log-softmax + gather.
    if (pplWindows > 0) {
        out.status("perplexity evaluation");
        eval::resetPeakMemory(dev);
        std::vector<int32_t> stream(static_cast<size_t>(pplContext * pplWindows));
        const at::Tensor rnd = at::randint(model->config().vocabSize, {static_cast<int64_t>(stream.size())}, at::kLong);
        for (size_t i = 0; i < stream.size(); ++i)
            stream[i] = static_cast<int32_t>(rnd[static_cast<int64_t>(i)].item<int64_t>());
        eval::TokenPerplexityOptions po;
        po.context = pplContext;
        po.batchSize = pplBatch;
        JobContext ctx = out.jobContext();
        (void)eval::tokenPerplexity(*model, std::vector<int32_t>(stream.begin(), stream.begin() + pplContext * std::min<int64_t>(pplBatch, pplWindows)), po, ctx);  // warm-up
        std::vector<double> tps;
        for (int64_t i = 0; i < reps; ++i) {
            const auto pr = eval::tokenPerplexity(*model, stream, po, ctx);
            tps.push_back(pr.tokensPerS);
        }
        r["perplexity_eval"] = {{"context", pplContext}, {"batch", pplBatch}, {"windows", pplWindows},
                                {"tokens_per_s", toJson(summarize(tps))}, {"peak_memory_bytes", eval::peakMemoryBytes(dev)}};
    }
    // One record per batch size (speed, memory, energy as measured).
    std::vector<results::ResultRecord> records;
    for (const auto& run : runs) {
        auto rec = baseRecord("bench", "speed", dir, dev);
        rec.convention = "slimbench-bench";
        rec.settings = {{"prompt_len", promptLen}, {"gen_len", genLen}, {"batch", run.at("batch")}, {"reps", reps},
                        {"dtype", dtypeName(model->dtype())}, {"device", deviceName(dev)},
                        {"statistic", "median over reps (min, max kept in speed)"}};
        auto med = [&](const char* k) { return run.at(k).at("median").get<double>(); };
        rec.metrics = {{"prefill_tokens_per_s", med("prefill_tokens_per_s"), std::nullopt, "tok/s"},
                       {"decode_tokens_per_s", med("decode_tokens_per_s"), std::nullopt, "tok/s"},
                       {"static_decode_tokens_per_s", med("static_decode_tokens_per_s"), std::nullopt, "tok/s"},
                       {"time_to_first_token_s", med("time_to_first_token_s"), std::nullopt, "s"}};
        if (run.at("energy").value("available", false))
            rec.metrics.push_back({"joules_per_token", run.at("energy").at("joules_per_token").get<double>(), std::nullopt, "J/token"});
        rec.speed = run;
        rec.speed["memory_bandwidth"] = bandwidth.toJson();
        rec.memory = {{"weights_bytes", weightBytes}, {"weights_stored_by_dtype", storedWeightBytes(dir)},
                      {"kv_cache_bytes", run.at("kv_cache_bytes")},
                      {"peak_bytes", run.at("peak_memory_bytes")}};
        rec.energy = run.at("energy");
        rec.notes = a.get("notes", "");
        rec.durationS = std::chrono::duration<double>(Clock::now() - benchStart).count();
        records.push_back(std::move(rec));
    }
    r["record_ids"] = storeRecords(a, records, out);
    out.result(r);
    return 0;
}

} // namespace slim::cli
