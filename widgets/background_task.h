#pragma once
/// @file background_task.h
/// Runs one short-to-medium core computation (statistics of a mapped checkpoint, ...) on a worker
/// thread so the window never freezes, with progress, status and Cancel through a JobContext.
/// Long or crash-prone jobs (model loading + forward passes) run out of process instead (CliJob).
///
///   task->start([dir](const slim::JobContext& ctx) { ...compute, ctx.checkCancel()... });
///   connect(task, &BackgroundTask::finished, ...);
///
/// The work function runs on the worker thread; it must not touch widgets.  Every exception is
/// caught there: slim::CancelledError (or a cancel request) ends as Cancelled, anything else as
/// Failed with the exception's message.  finished() is delivered on the GUI thread.

#include "core/common/job_context.h"

#include <QObject>
#include <QString>

#include <functional>

class QThread;

namespace slim::widgets {

class BackgroundTask : public QObject {
    Q_OBJECT
public:
    enum class Outcome { Succeeded, Failed, Cancelled };
    Q_ENUM(Outcome)
    using Work = std::function<void(const slim::JobContext&)>;

    explicit BackgroundTask(QObject* parent = nullptr);
    /// Cancels a running task and waits for its thread to end.
    ~BackgroundTask() override;

    /// Start `work` on a new thread; ignored (returns false) while a task runs.
    bool start(Work work);
    bool isRunning() const { return m_thread != nullptr; }
    /// Ask the work to stop at its next checkCancel(); finished(Cancelled) follows.
    void cancel();
    /// Block (processing nothing) until the thread ended; for destructors and tests.
    void wait();

signals:
    void progressChanged(double fraction);
    void statusChanged(const QString& status);
    void finished(slim::widgets::BackgroundTask::Outcome outcome, const QString& message);

private:
    QThread* m_thread = nullptr;
    slim::JobContext m_ctx;
};

} // namespace slim::widgets
