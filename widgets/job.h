#pragma once
/// @file job.h
/// The GUI's one job class.  A Job runs either
///   - `slimbench-cli` as a child process (start(program, args)), following the JSON-lines events on its
///     stdout: long or crash-prone work (model loading, forward passes, pipelines) runs out of process
///     (docs/architecture.md), so a crash or an abort kills the job, never the window; or
///   - a core function on a worker thread (startInThread(work)), for quick work on data already mapped
///     (statistics of a checkpoint) or that keeps state between runs (the generation panel's loaded model).
/// Either way the same events arrive: core's JobEvent in its wire form (core/common/job_event_json.h), as
/// eventReceived() plus the convenience signals below, and one finished(Outcome, message) per start.

#include "core/common/job_context.h"

#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QStringList>

#include <functional>

class QThread;

namespace slim::widgets {

/// The slimbench-cli executable: $SLIMBENCH_CLI, next to the application (installed), or in the
/// build tree (app/cli/ beside app/ or tests/), or on PATH.  Empty when not found; `searched`
/// receives the places looked at (for the error message).
QString findCliExecutable(QStringList* searched = nullptr);
/// `override` when set (tests), else findCliExecutable(); when none is found, `error` receives the
/// message naming the places looked at and the result is empty.
QString resolveCliProgram(const QString& override, QString* error);

class Job : public QObject {
    Q_OBJECT
public:
    enum class Outcome { Succeeded, Failed, Cancelled };
    Q_ENUM(Outcome)
    using Work = std::function<void(const slim::JobContext&)>;

    explicit Job(QObject* parent = nullptr);
    /// Kills a process that still runs; cancels in-thread work and waits for its thread.
    ~Job() override;

    /// Run `program arguments` (slimbench-cli ... --json).  Ignored (false) while a job runs.
    bool start(const QString& program, const QStringList& arguments);
    /// Run `work` on a new thread.  Every exception is caught there: slim::CancelledError (or a cancel
    /// request) ends as Cancelled, anything else as Failed with its message.  The work must not touch
    /// widgets.  Ignored (false) while a job runs.
    bool startInThread(Work work);

    bool isRunning() const;
    /// Ask the job to stop: SIGTERM to a process (SIGKILL after `graceMs`), the cancel flag to a thread
    /// (seen at its next checkCancel()).  Reported as Cancelled.
    void cancel(int graceMs = 3000);
    /// Block until in-thread work ended (destructors and tests; processes: see QProcess).
    void wait();

    double progress() const { return m_progress; }
    QString status() const { return m_status; }
    /// Every event received since the last start, in order.
    const QList<QJsonObject>& events() const { return m_events; }

signals:
    void progressChanged(double fraction);
    void statusChanged(const QString& status);
    /// Every event, in the CLI's JSON form ({"event":"progress"|"metric"|"warning"|"artifact"|"node"|
    /// "output"|"result"|"error", ...}).
    void eventReceived(const QJsonObject& event);
    /// Convenience for "output" events (streamed text): mode "append", "replace" or "prompt".
    void outputReceived(const QString& text, const QString& mode);
    /// Convenience for "warning" events.
    void warningReceived(const QString& message);
    /// A stdout line that is not a JSON event, or a stderr line.
    void logLine(const QString& line);
    /// Emitted once per start.  `message` explains failures (error event, stderr or exit code).
    void finished(slim::widgets::Job::Outcome outcome, const QString& message);

private:
    void reset();
    void readStdout();
    void readStderr();
    void handleLine(const QByteArray& line);
    void handleEvent(const QJsonObject& event);
    void finish(Outcome outcome, const QString& message);

    // Process jobs
    QProcess* m_process = nullptr;
    QByteArray m_stdoutBuffer;
    QByteArray m_stderrBuffer;
    QStringList m_stderrTail;
    QString m_program;
    // Thread jobs
    QThread* m_thread = nullptr;
    slim::JobContext m_ctx;

    QString m_errorMessage;
    QString m_status;
    double m_progress = 0.0;
    bool m_cancelRequested = false;
    bool m_finished = true;
    QList<QJsonObject> m_events;
};

} // namespace slim::widgets
