#include "widgets/torch_include.h"

#include "widgets/generation_worker.h"

#include <QElapsedTimer>
#include <QLocale>
#include <QThread>

#include <vector>

namespace slim::widgets {

struct GenerationWorker::State {
    QString dir;
    std::unique_ptr<model::LlamaModel> model;
    std::unique_ptr<tok::Tokenizer> tokenizer;
    bool threadsSet = false;
};

GenerationWorker::GenerationWorker() : m_state(std::make_unique<State>()) {}
GenerationWorker::~GenerationWorker() = default;

void GenerationWorker::unload()
{
    m_state->model.reset();
    m_state->tokenizer.reset();
    m_state->dir.clear();
}

void GenerationWorker::run(const GenerationRequest& req, const slim::JobContext& ctx)
{
    try {
#if SLIMBENCH_HAVE_GENERATION
        State& s = *m_state;
        if (!s.threadsSet) {
            // Debian's LibTorch starts with one intra-op thread; use the machine's cores.
            at::set_num_threads(std::max(1, QThread::idealThreadCount()));
            s.threadsSet = true;
        }
        const std::filesystem::path dir = req.modelDir.toStdString();
        double genFrom = 0.0;
        if (s.dir != req.modelDir || !s.model || !s.tokenizer) {
            unload();
            emit status(tr("Loading tokenizer…"));
            auto tokenizer = std::make_unique<tok::Tokenizer>(tok::Tokenizer::fromPath(dir));
            emit status(tr("Loading model…"));
            const model::ModelConfig cfg = model::ModelConfig::load(dir / "config.json");
            model::LoadOptions opts;
            // On the CPU fp32 matmuls are much faster than bf16 / fp16 ones; keep the stored dtype
            // only where fp32 would need more than 4 GiB.
            if (cfg.parameterCount() * 4 <= (int64_t(4) << 30))
                opts.dtype = at::kFloat;
            const JobContext loadCtx = ctx.slice(0.0, 0.4);
            s.model = model::LlamaModel::load(dir, opts, &loadCtx);
            s.tokenizer = std::move(tokenizer);
            s.dir = req.modelDir;
            genFrom = 0.4;
        }
        ctx.checkCancel();

        const std::vector<int32_t> ids32 = s.tokenizer->encode(req.prompt.toStdString(), true);
        if (ids32.empty())
            throw ConfigError(tr("The prompt is empty.").toStdString());
        const std::vector<int64_t> promptIds(ids32.begin(), ids32.end());
        emit promptEchoed(QString::fromStdString(s.tokenizer->decode(ids32, true)), static_cast<int>(ids32.size()));

        model::GenerationOptions opts;
        opts.maxNewTokens = req.maxNewTokens;
        opts.temperature = req.temperature;
        opts.topP = req.topP;
        opts.seed = req.seed;
        opts.stopAtEos = req.stopAtEos;

        emit status(tr("Generating…"));
        const JobContext genCtx = ctx.slice(genFrom, 1.0);
        std::vector<int32_t> newIds;
        QString shown;
        auto onToken = [&](int64_t token) {
            newIds.push_back(static_cast<int32_t>(token));
            QString text = QString::fromStdString(s.tokenizer->decode(newIds, true));
            // A multi-byte character split over tokens decodes to U+FFFD until complete: wait.
            if (!text.endsWith(QChar(0xFFFD))) {
                if (text.startsWith(shown))
                    emit textAppended(text.mid(shown.size()));
                else
                    emit textReset(text);
                shown = text;
            }
            genCtx.setProgress(double(newIds.size()) / double(std::max<int64_t>(1, req.maxNewTokens)));
            ctx.checkCancel();
        };
        QElapsedTimer timer;
        timer.start();
        const model::GenerationResult result = model::generate(*s.model, promptIds, opts, genCtx, onToken);
        ctx.setProgress(1.0);
        const QLocale locale;
        emit finished(tr("%n new token(s) in %1 s · prefill %2 tok/s · decode %3 tok/s", nullptr,
                         static_cast<int>(result.newIds.size()))
                          .arg(locale.toString(timer.elapsed() / 1000.0, 'f', 2),
                               locale.toString(result.prefillTokensPerS, 'f', 1),
                               locale.toString(result.decodeTokensPerS, 'f', 1)));
#else
        Q_UNUSED(req);
        Q_UNUSED(ctx);
        emit failed(tr("Text generation is not available in this build."));
#endif
    } catch (const CancelledError&) {
        emit cancelled();
    } catch (const slim::Error& e) {
        emit failed(QString::fromUtf8(e.what()));
    } catch (const c10::Error& e) {
        // LibTorch's what() carries a C++ backtrace: show the message only.
        emit failed(QString::fromUtf8(e.what_without_backtrace()));
    } catch (const std::exception& e) {
        emit failed(QString::fromUtf8(e.what()));
    } catch (...) {
        emit failed(tr("Unknown error"));
    }
}

} // namespace slim::widgets
