#include "widgets/background_task.h"

#include "core/common/errors.h"

#include <QMetaObject>
#include <QPointer>
#include <QThread>

#include <atomic>
#include <exception>
#include <memory>

namespace slim::widgets {

BackgroundTask::BackgroundTask(QObject* parent) : QObject(parent) {}

BackgroundTask::~BackgroundTask() {
    if (m_thread) {
        m_ctx.requestCancel();
        m_thread->wait();
        delete m_thread;
        m_thread = nullptr;
    }
}

bool BackgroundTask::start(Work work) {
    if (m_thread)
        return false;
    // Progress arrives from the worker thread: forward it queued, and throttle to ~1000 steps so a
    // tight loop cannot flood the event queue.
    QPointer<BackgroundTask> self(this);
    auto lastStep = std::make_shared<std::atomic<int>>(-1);
    m_ctx = slim::JobContext([self, lastStep](double progress, const std::string& status) {
        if (progress >= 0) {
            const int step = static_cast<int>(progress * 1000.0);
            if (lastStep->exchange(step) != step)
                QMetaObject::invokeMethod(self.data(), [self, progress] {
                    if (self)
                        emit self->progressChanged(progress);
                }, Qt::QueuedConnection);
        }
        if (!status.empty()) {
            const QString text = QString::fromStdString(status);
            QMetaObject::invokeMethod(self.data(), [self, text] {
                if (self)
                    emit self->statusChanged(text);
            }, Qt::QueuedConnection);
        }
    });
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
            *outcome = {Outcome::Failed, QObject::tr("out of memory")};
        } catch (const std::exception& e) {
            *outcome = {Outcome::Failed, QString::fromUtf8(e.what())};
        } catch (...) {
            *outcome = {Outcome::Failed, QObject::tr("unknown error")};
        }
    });
    m_thread->setObjectName(QStringLiteral("slimbench-background-task"));
    QThread* thread = m_thread;
    connect(thread, &QThread::finished, this, [this, thread, outcome] {
        if (m_thread != thread)
            return;
        m_thread = nullptr;
        thread->deleteLater();
        emit finished(outcome->first, outcome->second);
    });
    thread->start(QThread::LowPriority);
    return true;
}

void BackgroundTask::cancel() {
    if (m_thread)
        m_ctx.requestCancel();
}

void BackgroundTask::wait() {
    if (m_thread)
        m_thread->wait();
}

} // namespace slim::widgets
