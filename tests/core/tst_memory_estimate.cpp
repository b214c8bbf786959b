// "Will it fit?" (core/eval/memory_estimate) and the device list (core/eval/devices): each component
// against its closed form for a Llama-3-8B-shaped config, weights by stored dtype (packed integers as
// stored, floats converted), offload, the automatic evaluation batch, the cheapest change that fits,
// errors; the device list's JSON round trip and dtypes; and `slimbench-cli estimate` / `devices`.
// (The estimate against measured GPU peaks: tests/bench/gpu_session.sh estimate.)
#include "support/cli_run.h"
#include "support/test_util.h"

#include "core/common/errors.h"
#include "core/eval/devices.h"
#include "core/eval/memory_estimate.h"
#include "core/model/model_config.h"

#include "core/cpu/gemv.h"
#include "core/model/llama_model.h"

#include <QtTest/QtTest>

using namespace slim;
using nlohmann::json;

namespace {

model::ModelConfig llama3_8b() {
    return model::ModelConfig::fromJson({{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"}, {"vocab_size", 128256},
                                         {"hidden_size", 4096}, {"intermediate_size", 14336}, {"num_hidden_layers", 32},
                                         {"num_attention_heads", 32}, {"num_key_value_heads", 8}, {"max_position_embeddings", 8192},
                                         {"torch_dtype", "bfloat16"}});
}

double component(const eval::MemoryEstimate& e, const std::string& name) {
    for (const auto& c : e.components)
        if (c.name == name)
            return c.bytes;
    return -1;
}

const double GiB = 1024.0 * 1024 * 1024;

} // namespace

class TestMemoryEstimate : public QObject {
    Q_OBJECT

private slots:
    void componentsMatchTheirFormulas() {
        const auto cfg = llama3_8b();
        const double params = double(cfg.parameterCount());
        const std::map<std::string, uint64_t> bf16 = {{"BF16", uint64_t(params * 2)}};
        eval::EstimateRequest r;
        r.job = "generate";
        r.device = "cuda:0";
        r.context = 512;
        r.newTokens = 128;
        auto e = eval::estimateMemory(cfg, bf16, r, -1);
        QCOMPARE(e.request.dtype, std::string("bf16"));                        // auto on CUDA
        QCOMPARE(component(e, "weights"), params * 2);
        QCOMPARE(component(e, "kv_cache"), 2.0 * 32 * 1 * (512 + 128 + 1) * 8 * 128 * 2);
        QCOMPARE(component(e, "cuda_context"), 512.0 * 1024 * 1024);
        QCOMPARE(e.allocatorPeak + component(e, "cuda_context"), e.total);   // the context is outside the allocator
        QVERIFY(e.fits);                                                        // unknown free memory: no verdict against it
        // On the CPU as the loader resolves "auto": bf16 kept with AVX-512 or AVX2 (+ FMA, F16C), else
        // floats converted (twice the bf16 bytes); no CUDA context.
        r.device = "cpu";
        e = eval::estimateMemory(cfg, bf16, r, -1);
        const bool keeps16 = model::autoDtype(cfg, at::kCPU) == at::kBFloat16;
        const auto& f = slim::cpu::cpuFeatures();
        QCOMPARE(keeps16, cfg.torchDtype == "bfloat16" && ((f.avx512f && f.avx512bw) || (f.avx2 && f.fma && f.f16c)));
        QCOMPARE(e.request.dtype, std::string(keeps16 ? "bf16" : "fp32"));
        QCOMPARE(component(e, "weights"), params * (keeps16 ? 2 : 4));
        QCOMPARE(component(e, "cuda_context"), -1.0);
        r.dtype = "fp32";
        QCOMPARE(component(eval::estimateMemory(cfg, bf16, r, -1), "weights"), params * 4);
        r.dtype = "auto";
        // Packed integers count as stored.
        const std::map<std::string, uint64_t> gptq = {{"I32", 1000000}, {"F16", 2000000}};
        r.dtype = "bf16";
        QCOMPARE(component(eval::estimateMemory(cfg, gptq, r, -1), "weights"), 1000000.0 + 2000000.0);
        // Evaluation: the automatic batch keeps the fp32 logits near 4 GiB on a GPU.
        r = {};
        r.job = "eval";
        r.device = "cuda";
        r.context = 2048;
        r.batch = -1;
        e = eval::estimateMemory(cfg, bf16, r, -1);
        const double autoBatch = std::floor(4096.0 * 1024 * 1024 / (2048.0 * 128256 * 8));
        QCOMPARE(component(e, "logits"), autoBatch * 2048 * 128256 * 8.0);
        // LoRA: 16 bytes per adapter parameter (fp32 weight, gradient, two Adam moments).
        r.job = "lora";
        r.context = 256;
        r.batch = 4;
        e = eval::estimateMemory(cfg, bf16, r, -1);
        const double perLayer = 8.0 * ((4096 + 4096) + 2 * (4096 + 1024) + (4096 + 4096) + 2 * (4096 + 14336) + (14336 + 4096));
        QCOMPARE(component(e, "adapters"), perLayer * 32 * 16);
        // Offload keeps one layer of weights on the device.
        r.job = "gptq";
        r.offload = false;
        const double all = component(eval::estimateMemory(cfg, bf16, r, -1), "weights");
        r.offload = true;
        const double one = component(eval::estimateMemory(cfg, bf16, r, -1), "weights");
        QVERIFY(one < all / 25 && one > all / 40);
        QVERIFY(component(eval::estimateMemory(cfg, bf16, r, -1), "hessians") > 0);
        // With --offload the calibration hidden states stay in host memory: one batch of 8 on the device.
        r.samples = 32;
        r.context = 2048;
        QCOMPARE(component(eval::estimateMemory(cfg, bf16, r, -1), "calibration"), 2.0 * 8 * 2048 * 4096 * 2);
        r.offload = false;
        QCOMPARE(component(eval::estimateMemory(cfg, bf16, r, -1), "calibration"), 2.0 * 32 * 2048 * 4096 * 2);
        // AWQ keeps every sample's input of q/k/v, o, gate/up and down (attention width 32 x 128).
        r.job = "awq";
        r.offload = true;
        QCOMPARE(component(eval::estimateMemory(cfg, bf16, r, -1), "captured_inputs"), 32.0 * 2048 * (2 * 4096 + 4096 + 14336) * 2);
    }

    void suggestsTheCheapestChangeThatFits() {
        const auto cfg = llama3_8b();
        const std::map<std::string, uint64_t> bf16 = {{"BF16", uint64_t(cfg.parameterCount() * 2)}};
        eval::EstimateRequest r;
        r.job = "eval";
        r.device = "cuda:0";
        r.context = 8192;
        r.batch = 64;
        auto e = eval::estimateMemory(cfg, bf16, r, 139.8 * GiB);
        QVERIFY(!e.fits);
        QVERIFY2(e.suggestion.rfind("--batch 1", 0) == 0, e.suggestion.c_str());
        // A 24 GiB card cannot hold 8B bf16 weights for LoRA with batch 4 — nor with batch 1 —, QLoRA fits.
        r.job = "lora";
        r.context = 256;
        r.batch = 1;
        e = eval::estimateMemory(cfg, bf16, r, 16.0 * GiB);
        QVERIFY(!e.fits);
        QVERIFY2(e.suggestion.find("QLoRA") != std::string::npos, e.suggestion.c_str());
        // GPTQ on an 8 GiB card: offload.
        r.job = "gptq";
        r.samples = 128;
        r.context = 2048;
        e = eval::estimateMemory(cfg, bf16, r, 8.0 * GiB);
        QVERIFY(!e.fits);
        QVERIFY2(e.suggestion.rfind("--offload", 0) == 0, e.suggestion.c_str());
        r.job = "no-such-job";
        QVERIFY_THROWS_EXCEPTION(ConfigError, eval::estimateMemory(cfg, bf16, r, -1));
    }

    void deviceList() {
        QCOMPARE(eval::supportedDtypes("cpu", ""), (std::vector<std::string>{"fp32", "bf16"}));
        QCOMPARE(eval::supportedDtypes("cuda:0", "9.0"), (std::vector<std::string>{"bf16", "fp16", "fp32"}));
        QCOMPARE(eval::supportedDtypes("cuda:1", "7.5"), (std::vector<std::string>{"fp16", "fp32"}));
        const eval::DeviceList here = eval::listDevices();
        QVERIFY(!here.devices.empty());
        QCOMPARE(here.devices.front().id, std::string("cpu"));
        QVERIFY(here.devices.front().totalBytes > 0);
        const eval::DeviceList back = eval::DeviceList::fromJson(here.toJson());
        QCOMPARE(back.toJson(), here.toJson());
        QVERIFY_THROWS_EXCEPTION(ConfigError, eval::DeviceList::fromJson(json{{"devices", {{{"name", "x"}}}}}));
        // The CLI: devices and estimate (on the fixture model).
        const auto d = slimtest::runCli({"devices", "--json"});
        QCOMPARE(d.exitCode, 0);
        QCOMPARE(d.result.at("devices")[0].at("id"), json("cpu"));
        // The CLI re-executed itself with OpenMP threads that sleep when idle (cpu::passiveOpenMpWait),
        // unless the variable was set before it started.
        if (!std::getenv("OMP_WAIT_POLICY"))
            QVERIFY2(d.result.at("devices")[0].at("note").get<std::string>().find("OpenMP wait policy: PASSIVE") != std::string::npos,
                     d.result.at("devices")[0].dump().c_str());
        const auto fx = QString::fromStdString((slimtest::dataDir() / "fixtures" / "llama-fp32").string());
        const auto e = slimtest::runCli({"estimate", fx, "--job", "eval", "--device", "cuda", "--context", "4096", "--batch", "8",
                                         "--available", "650000000", "--json"});
        QCOMPARE(e.exitCode, 0);
        QCOMPARE(e.result.at("fits"), json(false));
        QVERIFY(e.result.at("suggestion").get<std::string>().find("--batch 1") == 0);
        QCOMPARE(slimtest::runCli({"estimate", fx, "--job", "bogus"}).exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestMemoryEstimate)
#include "tst_memory_estimate.moc"
