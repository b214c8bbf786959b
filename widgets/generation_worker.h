#pragma once
/// @file generation_worker.h
/// Loads a model and generates text on a worker thread.  Lives in a QThread owned by
/// GenerationPanel; every entry point catches everything, so no exception escapes the thread.

#include "core/common/job_context.h"

#include <QObject>
#include <QString>

#include <memory>

namespace slim::widgets {

struct GenerationRequest {
    QString modelDir;
    QString prompt;
    qint64 maxNewTokens = 32;
    double temperature = 0.0;
    double topP = 1.0;
    quint64 seed = 0;
    bool stopAtEos = true;
};

class GenerationWorker : public QObject {
    Q_OBJECT
public:
    GenerationWorker();
    ~GenerationWorker() override;

    /// Load the model if `req.modelDir` is not the one already loaded, tokenize, generate.
    /// Call on the worker's thread.  Reports through the signals below; never throws.
    void run(const GenerationRequest& req, const slim::JobContext& ctx);
    /// Drop the loaded model (frees its memory).  Call on the worker's thread.
    void unload();

signals:
    void progress(double fraction);
    void status(const QString& text);
    /// The prompt as the tokenizer sees it (decoded back), shown before the output.
    void promptEchoed(const QString& text, int tokens);
    /// New output text to append; textReset replaces all output (rare: a multi-byte character
    /// completed by a later token changed earlier text).
    void textAppended(const QString& text);
    void textReset(const QString& text);
    void finished(const QString& summary);
    void failed(const QString& message);
    void cancelled();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace slim::widgets
