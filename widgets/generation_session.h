#pragma once
/// @file generation_session.h
/// The generation panel's model: loaded on the first request and kept for the next ones (one folder at
/// a time).  run() is the work of an in-thread Job (widgets/job.h): it streams the text as output events
/// and ends with a status line that summarises the speed.  Not thread-safe: one run at a time.

#include "core/common/job_context.h"

#include <QCoreApplication>
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
    QString device = QStringLiteral("cpu");   ///< "cpu", "cuda:0" (this process's LibTorch must have CUDA)
    QString dtype = QStringLiteral("auto");   ///< auto | fp32 | bf16 | fp16
};

class GenerationSession {
    Q_DECLARE_TR_FUNCTIONS(slim::widgets::GenerationSession)
public:
    GenerationSession();
    ~GenerationSession();

    /// Load the model if `req.modelDir` is not the one loaded, then generate through
    /// model::generateText (prompt / append / replace output events).  Throws slim::Error on failure,
    /// CancelledError when cancelled.
    void run(const GenerationRequest& req, const slim::JobContext& ctx);
    /// Drop the loaded model (frees its memory).  Not while run() is in progress.
    void unload();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace slim::widgets
