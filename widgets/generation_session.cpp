#include "widgets/torch_include.h"

#include "widgets/generation_session.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QThread>

namespace slim::widgets {

struct GenerationSession::State {
    QString dir, device, dtype;
    std::unique_ptr<model::LlamaModel> model;
    std::unique_ptr<tok::Tokenizer> tokenizer;
    bool threadsSet = false;
};

GenerationSession::GenerationSession() : m_state(std::make_unique<State>()) {}
GenerationSession::~GenerationSession() = default;

void GenerationSession::unload() {
    m_state->model.reset();
    m_state->tokenizer.reset();
    m_state->dir.clear();
}

void GenerationSession::run(const GenerationRequest& req, const slim::JobContext& ctx) {
    State& s = *m_state;
    if (!s.threadsSet) {
        // Debian's LibTorch starts with one intra-op thread; use the machine's cores.
        at::set_num_threads(std::max(1, QThread::idealThreadCount()));
        s.threadsSet = true;
    }
    const std::filesystem::path dir = req.modelDir.toStdString();
    double genFrom = 0.0;
    if (s.dir != req.modelDir || s.device != req.device || s.dtype != req.dtype || !s.model || !s.tokenizer) {
        unload();
        ctx.setStatus(tr("Loading tokenizer…").toStdString());
        auto tokenizer = std::make_unique<tok::Tokenizer>(tok::Tokenizer::fromPath(dir));
        ctx.setStatus(tr("Loading model…").toStdString());
        const model::ModelConfig cfg = model::ModelConfig::load(dir / "config.json");
        model::LoadOptions opts;
        opts.device = at::Device(req.device.toStdString());
        if (opts.device.is_cuda() && !at::hasCUDA())
            throw UnsupportedError("generation on " + req.device.toStdString() +
                                   ": this window's LibTorch has no CUDA (see README, CUDA build)");
        if (req.dtype == QLatin1String("fp32"))
            opts.dtype = at::kFloat;
        else if (req.dtype == QLatin1String("bf16"))
            opts.dtype = at::kBFloat16;
        else if (req.dtype == QLatin1String("fp16"))
            opts.dtype = at::kHalf;
        else if (!opts.device.is_cuda() && cfg.parameterCount() * 4 <= (int64_t(4) << 30))
            // auto on the CPU: fp32 matmuls are much faster than bf16 / fp16 ones; keep the stored
            // dtype only where fp32 would need more than 4 GiB.
            opts.dtype = at::kFloat;
        const JobContext loadCtx = ctx.slice(0.0, 0.4);
        s.model = model::LlamaModel::load(dir, opts, &loadCtx);
        s.tokenizer = std::move(tokenizer);
        s.dir = req.modelDir;
        s.device = req.device;
        s.dtype = req.dtype;
        genFrom = 0.4;
    }
    ctx.checkCancel();

    model::GenerationOptions opts;
    opts.maxNewTokens = req.maxNewTokens;
    opts.temperature = req.temperature;
    opts.topP = req.topP;
    opts.seed = req.seed;
    opts.stopAtEos = req.stopAtEos;

    ctx.setStatus(tr("Generating…").toStdString());
    QElapsedTimer timer;
    timer.start();
    const model::GenerationResult r =
        model::generateText(*s.model, *s.tokenizer, req.prompt.toStdString(), true, opts, ctx.slice(genFrom, 1.0));
    ctx.metric("prompt_tokens", double(r.promptIds.size()));
    ctx.metric("prefill_tokens_per_s", r.prefillTokensPerS, -1, "tok/s");
    ctx.metric("decode_tokens_per_s", r.decodeTokensPerS, -1, "tok/s");
    const QLocale locale;
    ctx.setStatus(
        tr("%n new token(s) in %1 s · prefill %2 tok/s · decode %3 tok/s", nullptr, static_cast<int>(r.newIds.size()))
            .arg(locale.toString(timer.elapsed() / 1000.0, 'f', 2), locale.toString(r.prefillTokensPerS, 'f', 1),
                 locale.toString(r.decodeTokensPerS, 'f', 1))
            .toStdString());
}

} // namespace slim::widgets
