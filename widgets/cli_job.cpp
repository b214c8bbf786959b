#include "widgets/cli_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonValue>
#include <QPointer>
#include <QStandardPaths>
#include <QTimer>

namespace slim::widgets {

namespace {
constexpr int kStderrTailLines = 20;
const QString kCliName = QStringLiteral("slimbench-cli");
} // namespace

QString resolveCliProgram(const QString& override, QString* error)
{
    if (!override.isEmpty())
        return override;
    QStringList searched;
    const QString program = findCliExecutable(&searched);
    if (program.isEmpty() && error)
        *error = QCoreApplication::translate("slim::widgets::CliJob", "slimbench-cli was not found. Looked in:\n%1")
                     .arg(searched.join(QLatin1Char('\n')));
    return program;
}

QString findCliExecutable(QStringList* searched)
{
    QStringList candidates;
    const QString fromEnv = qEnvironmentVariable("SLIMBENCH_CLI");
    if (!fromEnv.isEmpty())
        candidates << fromEnv;
    const QString appDir = QCoreApplication::applicationDirPath();
    candidates << QDir(appDir).filePath(kCliName)                          // installed: bin/
               << QDir(appDir).filePath(QStringLiteral("cli/") + kCliName) // build tree: app/
               << QDir(appDir).filePath(QStringLiteral("../app/cli/") + kCliName); // build tree: tests/
    for (const QString& c : std::as_const(candidates)) {
        const QFileInfo info(c);
        if (searched)
            *searched << QDir::cleanPath(info.absoluteFilePath());
        if (info.isFile() && info.isExecutable())
            return QDir::cleanPath(info.absoluteFilePath());
    }
    const QString onPath = QStandardPaths::findExecutable(kCliName);
    if (searched)
        *searched << QStringLiteral("PATH");
    return onPath;
}

CliJob::CliJob(QObject* parent) : QObject(parent) {}

CliJob::~CliJob()
{
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
}

bool CliJob::isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }

void CliJob::start(const QString& program, const QStringList& arguments)
{
    if (isRunning())
        return;
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    m_stdoutBuffer.clear();
    m_stderrBuffer.clear();
    m_stderrTail.clear();
    m_errorMessage.clear();
    m_status.clear();
    m_events.clear();
    m_progress = 0.0;
    m_cancelRequested = false;
    m_finished = false;
    m_program = program;

    m_process = new QProcess(this);
    m_process->setProgram(program);
    m_process->setArguments(arguments);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &CliJob::readStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &CliJob::readStderr);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        // FailedToStart is not followed by finished(); the other errors are.
        if (error == QProcess::FailedToStart)
            finish(Outcome::Failed, tr("Could not start %1: %2").arg(m_program, m_process->errorString()));
    });
    connect(m_process, &QProcess::finished, this, [this](int exitCode, QProcess::ExitStatus exitStatus) {
        readStdout();
        readStderr();
        if (!m_stdoutBuffer.isEmpty())
            handleLine(std::exchange(m_stdoutBuffer, {}));
        if (m_cancelRequested || (exitStatus == QProcess::NormalExit && exitCode == 2)) {
            finish(Outcome::Cancelled, tr("Cancelled."));
        } else if (exitStatus == QProcess::NormalExit && exitCode == 0) {
            finish(Outcome::Succeeded, QString());
        } else {
            QString message = m_errorMessage;
            if (message.isEmpty())
                message = m_stderrTail.join(QLatin1Char('\n'));
            const QString how = exitStatus == QProcess::CrashExit
                                    ? tr("%1 crashed.").arg(QFileInfo(m_program).fileName())
                                    : tr("%1 exited with code %2.").arg(QFileInfo(m_program).fileName()).arg(exitCode);
            finish(Outcome::Failed, message.isEmpty() ? how : how + QLatin1Char('\n') + message);
        }
    });
    m_process->start();
}

void CliJob::cancel(int graceMs)
{
    if (!isRunning())
        return;
    m_cancelRequested = true;
    m_process->terminate();
    QPointer<QProcess> process = m_process;
    QTimer::singleShot(graceMs, this, [process] {
        if (process && process->state() != QProcess::NotRunning)
            process->kill();
    });
}

void CliJob::readStdout()
{
    if (!m_process)
        return;
    m_stdoutBuffer += m_process->readAllStandardOutput();
    qsizetype nl;
    while ((nl = m_stdoutBuffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_stdoutBuffer.left(nl);
        m_stdoutBuffer.remove(0, nl + 1);
        handleLine(line);
    }
}

void CliJob::readStderr()
{
    if (!m_process)
        return;
    m_stderrBuffer += m_process->readAllStandardError();
    qsizetype nl;
    while ((nl = m_stderrBuffer.indexOf('\n')) >= 0) {
        const QString line = QString::fromUtf8(m_stderrBuffer.left(nl)).trimmed();
        m_stderrBuffer.remove(0, nl + 1);
        if (line.isEmpty())
            continue;
        m_stderrTail << line;
        if (m_stderrTail.size() > kStderrTailLines)
            m_stderrTail.removeFirst();
        emit logLine(line);
    }
}

void CliJob::handleLine(const QByteArray& raw)
{
    const QByteArray line = raw.trimmed();
    if (line.isEmpty())
        return;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject() || !doc.object().contains(QLatin1String("event"))) {
        emit logLine(QString::fromUtf8(line));
        return;
    }
    const QJsonObject ev = doc.object();
    m_events << ev;
    const QString kind = ev.value(QLatin1String("event")).toString();
    const QString text = ev.value(QLatin1String("status")).toString(ev.value(QLatin1String("message")).toString());
    if (kind == QLatin1String("progress")) {
        const QJsonValue p = ev.value(QLatin1String("progress"));
        if (p.isDouble()) {
            m_progress = std::clamp(p.toDouble(), 0.0, 1.0);
            emit progressChanged(m_progress);
        }
    } else if (kind == QLatin1String("error")) {
        m_errorMessage = ev.value(QLatin1String("message")).toString(ev.value(QLatin1String("error")).toString(text));
    }
    if (!text.isEmpty() && kind != QLatin1String("error") && text != m_status) {
        m_status = text;
        emit statusChanged(text);
    }
    emit eventReceived(ev);
}

void CliJob::finish(Outcome outcome, const QString& message)
{
    if (m_finished)
        return;
    m_finished = true;
    if (outcome == Outcome::Succeeded) {
        m_progress = 1.0;
        emit progressChanged(1.0);
    }
    emit finished(outcome, message);
}

} // namespace slim::widgets
