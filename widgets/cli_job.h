#pragma once
/// @file cli_job.h
/// Runs `slimbench-cli` as a child process and follows its JSON-lines events on stdout
/// ({"event":"progress","progress":0.42,"status":"..."}, {"event":"error","message":"..."} ...).
/// Long jobs run out of process (docs/architecture.md): a crash or abort kills the job, never the window.

#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QStringList>

namespace slim::widgets {

/// The slimbench-cli executable: $SLIMBENCH_CLI, next to the application (installed), or in the
/// build tree (app/cli/ beside app/ or tests/), or on PATH.  Empty when not found; `searched`
/// receives the places looked at (for the error message).
QString findCliExecutable(QStringList* searched = nullptr);
/// `override` when set (tests), else findCliExecutable(); when none is found, `error` receives the
/// message naming the places looked at and the result is empty.
QString resolveCliProgram(const QString& override, QString* error);

class CliJob : public QObject {
    Q_OBJECT
public:
    enum class Outcome { Succeeded, Failed, Cancelled };
    Q_ENUM(Outcome)

    explicit CliJob(QObject* parent = nullptr);
    /// Kills a process that still runs.
    ~CliJob() override;

    void start(const QString& program, const QStringList& arguments);
    bool isRunning() const;
    /// Ask the process to stop (SIGTERM, then SIGKILL after `graceMs`).  Reported as Cancelled.
    void cancel(int graceMs = 3000);

    double progress() const { return m_progress; }
    QString status() const { return m_status; }
    /// Every JSON event received, in order.
    const QList<QJsonObject>& events() const { return m_events; }

signals:
    void progressChanged(double fraction);
    void statusChanged(const QString& status);
    void eventReceived(const QJsonObject& event);
    /// A stdout line that is not a JSON event, or a stderr line.
    void logLine(const QString& line);
    /// Emitted once per start().  `message` explains failures (error event, stderr or exit code).
    void finished(slim::widgets::CliJob::Outcome outcome, const QString& message);

private:
    void readStdout();
    void readStderr();
    void handleLine(const QByteArray& line);
    void finish(Outcome outcome, const QString& message);

    QProcess* m_process = nullptr;
    QByteArray m_stdoutBuffer;
    QByteArray m_stderrBuffer;
    QStringList m_stderrTail;
    QString m_errorMessage;
    QString m_status;
    QString m_program;
    double m_progress = 0.0;
    bool m_cancelRequested = false;
    bool m_finished = true;
    QList<QJsonObject> m_events;
};

} // namespace slim::widgets
