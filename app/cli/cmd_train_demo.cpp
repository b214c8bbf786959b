// slimbench-cli train-demo: build (or reuse) the offline demo model.
//
//   slimbench-cli train-demo [--out DIR] [--force] [--corpus FILE] [--steps N] [--batch B]
//                            [--context N] [--lr X] [--vocab N] [--threads N] [--seed S] [--json]
//
// Prints the training record: held-out token perplexity before / after training next to the
// unigram baseline (a model that learned beats it clearly), throughput and timings.
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"

#include "core/common/errors.h"
#include "core/model/demo_model.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <sstream>

namespace slim::cli {

int cmdTrainDemo(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "force"});
    a.allowOnly({"json", "force", "out", "corpus", "steps", "batch", "context", "lr", "vocab", "threads", "seed"});

    model::DemoTrainOptions o;
    if (auto d = a.get("out"))
        o.outDir = *d;
    if (auto c = a.get("corpus"))
        o.corpusPath = *c;
    o.force = a.flag("force");
    o.steps = a.getInt("steps", o.steps);
    o.batchSize = a.getInt("batch", o.batchSize);
    o.context = a.getInt("context", o.context);
    o.learningRate = a.getDouble("lr", o.learningRate);
    o.vocabSize = static_cast<int32_t>(a.getInt("vocab", o.vocabSize));
    o.threads = static_cast<int>(a.getInt("threads", o.threads));
    o.seed = static_cast<uint64_t>(a.getInt("seed", static_cast<int64_t>(o.seed)));
    if (o.steps < 1 || o.steps > 1'000'000)
        throw ConfigError("--steps must lie in 1..1000000, got " + std::to_string(o.steps));
    if (o.batchSize < 1 || o.batchSize > 4096)
        throw ConfigError("--batch must lie in 1..4096, got " + std::to_string(o.batchSize));
    if (o.context < 8 || o.context > 8192)
        throw ConfigError("--context must lie in 8..8192, got " + std::to_string(o.context));
    if (o.vocabSize < 300 || o.vocabSize > 65536)
        throw ConfigError("--vocab must lie in 300..65536, got " + std::to_string(o.vocabSize));
    if (o.threads < 1 || o.threads > 1024)
        throw ConfigError("--threads must lie in 1..1024, got " + std::to_string(o.threads));
    if (!(o.learningRate > 0.0 && o.learningRate < 1.0))
        throw ConfigError("--lr must lie in (0, 1), got " + a.get("lr", ""));

    const JobContext ctx = out.jobContext();
    const model::DemoTrainResult r = model::trainDemoModel(o, ctx);

    if (!out.json()) {
        char buf[512];
        if (r.reused) {
            std::snprintf(buf, sizeof buf, "demo model ready (reused) in %s\n", r.dir.string().c_str());
        } else {
            std::snprintf(buf, sizeof buf,
                          "demo model written to %s\n"
                          "  %lld parameters, vocab %d, %lld steps in %.0f s (%.0f tokens/s), job %.0f s\n",
                          r.dir.string().c_str(), static_cast<long long>(r.parameters), r.vocabSize,
                          static_cast<long long>(r.steps), r.trainSeconds, r.tokensPerSecond, r.seconds);
        }
        out.text(buf);
        std::snprintf(buf, sizeof buf,
                      "  held-out token perplexity: %.1f before -> %.2f after (unigram baseline %.1f)\n",
                      r.heldoutPplBefore, r.heldoutPplAfter, r.unigramHeldoutPpl);
        out.text(buf);
    }
    out.result(r.toJson());
    return 0;
}

} // namespace slim::cli
