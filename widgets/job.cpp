#include "widgets/job.h"

#include "core/common/errors.h"
#include "core/common/job_event_json.h"

#include <nlohmann/json.hpp>

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonValue>
#include <QPointer>
#include <QStandardPaths>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <memory>

namespace slim::widgets {

namespace {
constexpr int kStderrTailLines = 20;
const QString kCliName = QStringLiteral("slimbench-cli");
} // namespace

QString resolveCliProgram(const QString& override, QString* error) {
    if (!override.isEmpty())
        return override;
    QStringList searched;
    const QString program = findCliExecutable(&searched);
    if (program.isEmpty() && error)
        *error = QCoreApplication::translate("slim::widgets::Job", "slimbench-cli was not found. Looked in:\n%1")
                     .arg(searched.join(QLatin1Char('\n')));
    return program;
}

QString findCliExecutable(QStringList* searched) {
    QStringList candidates;
    const QString fromEnv = qEnvironmentVariable("SLIMBENCH_CLI");
    if (!fromEnv.isEmpty())
        candidates << fromEnv;
    const QString appDir = QCoreApplication::applicationDirPath();
    candidates << QDir(appDir).filePath(kCliName)                                  // installed: bin/
               << QDir(appDir).filePath(QStringLiteral("cli/") + kCliName)         // build tree: app/
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

Job::Job(QObject* parent) : QObject(parent) {}

Job::~Job() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(2000);
    }
    if (m_thread) {
        m_ctx.requestCancel();
        m_thread->wait();
        delete m_thread;
    }
}

bool Job::isRunning() const {
    return (m_process && m_process->state() != QProcess::NotRunning) || m_thread != nullptr;
}

void Job::reset() {
    m_stdoutBuffer.clear();
    m_stderrBuffer.clear();
    m_stderrTail.clear();
    m_errorMessage.clear();
    m_status.clear();
    m_events.clear();
    m_progress = 0.0;
    m_cancelRequested = false;
    m_finished = false;
}

bool Job::start(const QString& program, const QStringList& arguments) {
    if (isRunning())
        return false;
    if (m_process) {
        m_process->disconnect(this);
        m_process->deleteLater();
    }
    reset();
    m_program = program;

    m_process = new QProcess(this);
    m_process->setProgram(program);
    m_process->setArguments(arguments);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &Job::readStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &Job::readStderr);
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
    return true;
}

bool Job::startInThread(Work work) {
    if (isRunning())
        return false;
    reset();
    // Events arrive on the worker thread: hand them to the GUI thread queued, in the CLI's wire form,
    // and throttle the job's own progress to ~1000 steps so a tight loop cannot flood the event queue.
    QPointer<Job> self(this);
    auto lastStep = std::make_shared<std::atomic<int>>(-1);
    m_ctx = slim::JobContext(slim::JobContext::EventSink([self, lastStep](const slim::JobEvent& e) {
        if (e.kind == slim::JobEvent::Kind::Progress && e.node.empty()) {
            const int step = static_cast<int>(e.progress * 1000.0);
            if (lastStep->exchange(step) == step)
                return;
        }
        const QJsonObject ev = QJsonDocument::fromJson(QByteArray::fromStdString(slim::toJson(e).dump())).object();
        QMetaObject::invokeMethod(
            self.data(),
            [self, ev] {
                if (self)
                    self->handleEvent(ev);
            },
            Qt::QueuedConnection);
    }));
    const slim::JobContext ctx = m_ctx;
    auto outcome = std::make_shared<std::pair<Outcome, QString>>(Outcome::Succeeded, QString());
    m_thread = QThread::create([work = std::move(work), ctx, outcome] {
        try {
            work(ctx);
            if (ctx.isCancelRequested())
                *outcome = {Outcome::Cancelled, QString()};
        } catch (const slim::CancelledError&) {
            *outcome = {Outcome::Cancelled, QString()};
        } catch (const std::bad_alloc&) {
            *outcome = {Outcome::Failed, Job::tr("Out of memory.")};
        } catch (const std::exception& e) {
            // LibTorch's c10::Error::what() carries a C++ backtrace after the message: keep the message.
            QString what = QString::fromUtf8(e.what());
            const qsizetype bt = what.indexOf(QLatin1String("\nException raised from"));
            *outcome = {Outcome::Failed, bt > 0 ? what.left(bt) : what};
        } catch (...) {
            *outcome = {Outcome::Failed, Job::tr("Unknown error.")};
        }
    });
    m_thread->setObjectName(QStringLiteral("slimbench-job"));
    QThread* thread = m_thread;
    connect(thread, &QThread::finished, this, [this, thread, outcome] {
        if (m_thread != thread)
            return;
        m_thread = nullptr;
        thread->deleteLater();
        // Events queued before the thread ended are delivered first (same queue, earlier).
        QMetaObject::invokeMethod(
            this,
            [this, outcome] {
                finish(m_cancelRequested && outcome->first == Outcome::Succeeded ? Outcome::Cancelled : outcome->first,
                       outcome->second);
            },
            Qt::QueuedConnection);
    });
    thread->start(QThread::LowPriority);
    return true;
}

void Job::cancel(int graceMs) {
    if (!isRunning())
        return;
    m_cancelRequested = true;
    if (m_thread) {
        m_ctx.requestCancel();
        return;
    }
    m_process->terminate();
    QPointer<QProcess> process = m_process;
    QTimer::singleShot(graceMs, this, [process] {
        if (process && process->state() != QProcess::NotRunning)
            process->kill();
    });
}

void Job::wait() {
    if (m_thread)
        m_thread->wait();
}

void Job::readStdout() {
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

void Job::readStderr() {
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

void Job::handleLine(const QByteArray& raw) {
    const QByteArray line = raw.trimmed();
    if (line.isEmpty())
        return;
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject() ||
        !doc.object().contains(QLatin1String("event"))) {
        emit logLine(QString::fromUtf8(line));
        return;
    }
    handleEvent(doc.object());
}

void Job::handleEvent(const QJsonObject& ev) {
    if (m_finished)
        return;
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
    } else if (kind == QLatin1String("output")) {
        emit outputReceived(ev.value(QLatin1String("text")).toString(), ev.value(QLatin1String("mode")).toString());
    } else if (kind == QLatin1String("warning")) {
        emit warningReceived(text);
    }
    if (!text.isEmpty() && kind != QLatin1String("error") && text != m_status) {
        m_status = text;
        emit statusChanged(text);
    }
    emit eventReceived(ev);
}

void Job::finish(Outcome outcome, const QString& message) {
    if (m_finished)
        return;
    if (outcome == Outcome::Succeeded) {
        m_progress = 1.0;
        emit progressChanged(1.0);
    }
    m_finished = true;
    emit finished(outcome, message);
}

} // namespace slim::widgets
