// The GUI's one Job class: slimbench-cli as a child process (JSON-lines events) against fake CLI
// scripts, in-thread work with the same events, the CLI locator, and the main window's "create the
// demo model" flow.

#include "tests/widgets/widget_fixtures.h"   // LibTorch first (see widgets/torch_include.h)

#include "core/common/errors.h"
#include "core/common/job_event_json.h"
#include "app/main_window.h"
#include "widgets/job.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest/QtTest>

using slim::widgets::Job;
namespace fs = std::filesystem;


namespace {

/// Write an executable /bin/sh script.
QString writeScript(const QString& dir, const QString& name, const QString& body)
{
    const QString path = QDir(dir).filePath(name);
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return {};
    f.write("#!/bin/sh\n");
    f.write(body.toUtf8());
    f.close();
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    return path;
}

struct Run {
    Job::Outcome outcome = Job::Outcome::Failed;
    QString message;
    QList<double> progress;
    QStringList statuses;
    QStringList log;
    bool finished = false;
};

} // namespace

class TestJob : public QObject {
    Q_OBJECT

private:
    QString m_dir;

    Run runJob(const QString& program, const QStringList& args = {}, int cancelAfterMs = -1, int graceMs = 3000)
    {
        Run r;
        Job job;
        connect(&job, &Job::progressChanged, this, [&r](double p) { r.progress << p; });
        connect(&job, &Job::statusChanged, this, [&r](const QString& s) { r.statuses << s; });
        connect(&job, &Job::logLine, this, [&r](const QString& l) { r.log << l; });
        QSignalSpy finished(&job, &Job::finished);
        job.start(program, args);
        if (cancelAfterMs >= 0) {
            QTest::qWait(cancelAfterMs);
            job.cancel(graceMs);
        }
        if (finished.isEmpty() && !finished.wait(20000))
            return r;
        QTest::qWait(20);   // a second finished() would arrive now
        if (finished.count() != 1)
            return r;
        r.finished = true;
        r.outcome = finished.first().at(0).value<Job::Outcome>();
        r.message = finished.first().at(1).toString();
        return r;
    }

private slots:
    void initTestCase()
    {
        qRegisterMetaType<Job::Outcome>();
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SlimbenchTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_job"));
        QSettings().clear();
        m_dir = QString::fromStdString(slimtest::makeTempDir("slim-clijob").string());
    }

    void progressEventsAndSuccess()
    {
        const QString cli = writeScript(m_dir, QStringLiteral("ok.sh"), QStringLiteral(
            "echo '{\"event\":\"status\",\"status\":\"reading corpus\"}'\n"
            "echo '{\"event\":\"progress\",\"progress\":0.25,\"status\":\"training\"}'\n"
            "echo 'plain text line'\n"
            "echo 'a warning' >&2\n"
            "echo '{\"event\":\"progress\",\"progress\":0.75,\"status\":\"training\"}'\n"
            "echo '{\"event\":\"metric\",\"name\":\"loss\",\"value\":2.5}'\n"
            "printf '{\"event\":\"progress\",\"progress\":1.0,\"status\":\"saved\"}'\n"   // no final newline
            "exit 0\n"));
        const Run r = runJob(cli);
        QVERIFY(r.finished);
        QCOMPARE(r.outcome, Job::Outcome::Succeeded);
        QCOMPARE(r.progress.mid(0, 3), (QList<double>{0.25, 0.75, 1.0}));
        QCOMPARE(r.statuses, (QStringList{QStringLiteral("reading corpus"), QStringLiteral("training"), QStringLiteral("saved")}));
        QVERIFY(r.log.contains(QStringLiteral("plain text line")));
        QVERIFY(r.log.contains(QStringLiteral("a warning")));
    }

    void errorEventIsTheMessage()
    {
        const QString cli = writeScript(m_dir, QStringLiteral("err.sh"), QStringLiteral(
            "echo '{\"event\":\"progress\",\"progress\":0.1}'\n"
            "echo 'some noise' >&2\n"
            "echo '{\"event\":\"error\",\"kind\":\"io\",\"message\":\"corpus.txt: not found\"}'\n"
            "exit 1\n"));
        const Run r = runJob(cli);
        QVERIFY(r.finished);
        QCOMPARE(r.outcome, Job::Outcome::Failed);
        QVERIFY2(r.message.contains(QStringLiteral("corpus.txt: not found")), qPrintable(r.message));
        QVERIFY(r.message.contains(QStringLiteral("code 1")));
    }

    void stderrExplainsAFailureWithoutEvents()
    {
        const QString cli = writeScript(m_dir, QStringLiteral("stderr.sh"), QStringLiteral(
            "echo 'usage: slimbench-cli COMMAND' >&2\nexit 1\n"));
        const Run r = runJob(cli);
        QCOMPARE(r.outcome, Job::Outcome::Failed);
        QVERIFY2(r.message.contains(QStringLiteral("usage: slimbench-cli")), qPrintable(r.message));
    }

    void crashIsAFailure()
    {
        const QString cli = writeScript(m_dir, QStringLiteral("crash.sh"), QStringLiteral("kill -SEGV $$\nsleep 5\n"));
        const Run r = runJob(cli);
        QVERIFY(r.finished);
        QCOMPARE(r.outcome, Job::Outcome::Failed);
        QVERIFY2(r.message.contains(QStringLiteral("crashed")), qPrintable(r.message));
    }

    void exitCodeTwoIsCancelled()
    {
        const QString cli = writeScript(m_dir, QStringLiteral("two.sh"), QStringLiteral("exit 2\n"));
        QCOMPARE(runJob(cli).outcome, Job::Outcome::Cancelled);
    }

    void missingProgramFails()
    {
        const Run r = runJob(QDir(m_dir).filePath(QStringLiteral("no-such-cli")));
        QVERIFY(r.finished);
        QCOMPARE(r.outcome, Job::Outcome::Failed);
        QVERIFY2(r.message.contains(QStringLiteral("no-such-cli")), qPrintable(r.message));
    }

    void cancelTerminates()
    {
        // Honours SIGTERM like slimbench-cli: reports cancelled and exits 2.
        const QString cli = writeScript(m_dir, QStringLiteral("slow.sh"), QStringLiteral(
            "trap 'echo \"{\\\"event\\\":\\\"status\\\",\\\"status\\\":\\\"cancelled\\\"}\"; exit 2' TERM\n"
            "i=0\nwhile [ $i -lt 300 ]; do echo \"{\\\"event\\\":\\\"progress\\\",\\\"progress\\\":0.$i}\"; i=$((i+1)); sleep 0.1; done\n"));
        QElapsedTimer t;
        t.start();
        const Run r = runJob(cli, {}, 400);
        QVERIFY(r.finished);
        QCOMPARE(r.outcome, Job::Outcome::Cancelled);
        QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
    }

    void cancelKillsAProcessIgnoringTerm()
    {
        const QString cli = writeScript(m_dir, QStringLiteral("stubborn.sh"), QStringLiteral(
            "trap '' TERM\nwhile true; do sleep 0.1; done\n"));
        QElapsedTimer t;
        t.start();
        const Run r = runJob(cli, {}, 200, 300);
        QVERIFY(r.finished);
        QCOMPARE(r.outcome, Job::Outcome::Cancelled);
        QVERIFY2(t.elapsed() < 10000, qPrintable(QString::number(t.elapsed())));
    }

    void threadWorkSendsTheSameEventsAsAProcess()
    {
        // The same events, once from in-thread work and once printed by a child process in the CLI's
        // wire form: the Job hands the GUI identical objects.
        auto emitAll = [](const slim::JobContext& ctx) {
            ctx.setStatus("reading");
            ctx.setProgress(0.5);
            ctx.metric("loss", 2.5, 3, "nats");
            ctx.warning("damping raised");
            ctx.artifact("model", "/tmp/out");
            ctx.output("Once", "prompt");
            ctx.output(" upon");
        };
        QList<QJsonObject> fromThread;
        QStringList outputs, warnings;
        {
            Job job;
            connect(&job, &Job::eventReceived, this, [&](const QJsonObject& e) { fromThread << e; });
            connect(&job, &Job::outputReceived, this, [&](const QString& t, const QString& m) { outputs << m + ':' + t; });
            connect(&job, &Job::warningReceived, this, [&](const QString& w) { warnings << w; });
            QSignalSpy finished(&job, &Job::finished);
            job.startInThread(emitAll);
            QVERIFY(job.isRunning());
            QVERIFY(finished.wait(10000));
            QCOMPARE(finished.first().at(0).value<Job::Outcome>(), Job::Outcome::Succeeded);
            QCOMPARE(job.progress(), 1.0);
        }
        QString script;
        slim::JobContext printer(slim::JobContext::EventSink([&script](const slim::JobEvent& e) {
            script += QStringLiteral("echo '%1'\n").arg(QString::fromStdString(slim::toJson(e).dump()));
        }));
        emitAll(printer);
        const QString cli = writeScript(m_dir, QStringLiteral("events.sh"), script);
        Job proc;
        QList<QJsonObject> fromProcess;
        connect(&proc, &Job::eventReceived, this, [&](const QJsonObject& e) { fromProcess << e; });
        QSignalSpy finished(&proc, &Job::finished);
        proc.start(cli, {});
        QVERIFY(finished.wait(10000));
        QCOMPARE(fromThread.size(), 7);
        QCOMPARE(fromThread, fromProcess);
        QCOMPARE(outputs, (QStringList{QStringLiteral("prompt:Once"), QStringLiteral("append: upon")}));
        QCOMPARE(warnings, QStringList{QStringLiteral("damping raised")});
    }

    void threadWorkFailsWithItsMessage()
    {
        Job job;
        QSignalSpy finished(&job, &Job::finished);
        job.startInThread([](const slim::JobContext&) { throw slim::ConfigError("config.json: hidden_size must be > 0"); });
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.first().at(0).value<Job::Outcome>(), Job::Outcome::Failed);
        QVERIFY(finished.first().at(1).toString().contains(QStringLiteral("hidden_size must be > 0")));
        // The Job is reusable after a failure.
        job.startInThread([](const slim::JobContext& ctx) { ctx.setProgress(1.0); });
        QVERIFY(finished.wait(10000));
        QCOMPARE(finished.at(1).at(0).value<Job::Outcome>(), Job::Outcome::Succeeded);
    }

    void threadWorkCancels()
    {
        Job job;
        QSignalSpy finished(&job, &Job::finished);
        job.startInThread([](const slim::JobContext& ctx) {
            for (int i = 0; i < 1000; ++i) {
                ctx.checkCancel();
                ctx.setProgress(i / 1000.0);
                QThread::msleep(10);
            }
        });
        QVERIFY(!job.startInThread([](const slim::JobContext&) {}));   // one at a time
        QVERIFY(!job.start(QStringLiteral("/bin/true"), {}));
        QTest::qWait(100);
        job.cancel();
        QVERIFY(finished.wait(5000));
        QCOMPARE(finished.first().at(0).value<Job::Outcome>(), Job::Outcome::Cancelled);
        QVERIFY(job.progress() < 1.0);
    }

    void locatorFindsTheBuiltCli()
    {
        QStringList searched;
        qunsetenv("SLIMBENCH_CLI");
        const QString found = slim::widgets::findCliExecutable(&searched);
        const QString built = qEnvironmentVariable("SLIM_CLI");
        if (built.isEmpty() || !QFileInfo(built).isExecutable())
            QSKIP("slimbench-cli is not built");
        QCOMPARE(QFileInfo(found).canonicalFilePath(), QFileInfo(built).canonicalFilePath());
        QVERIFY(searched.size() >= 2);
        // $SLIMBENCH_CLI wins.
        const QString fake = writeScript(m_dir, QStringLiteral("slimbench-cli"), QStringLiteral("exit 0\n"));
        qputenv("SLIMBENCH_CLI", QFile::encodeName(fake));
        QCOMPARE(slim::widgets::findCliExecutable(), fake);
        qunsetenv("SLIMBENCH_CLI");
    }

    void mainWindowCreatesAndOpensDemoModel()
    {
        const QString data = QDir(m_dir).filePath(QStringLiteral("data"));
        qputenv("SLIMBENCH_DATA_DIR", QFile::encodeName(data));
        const fs::path fixture = fs::path(m_dir.toStdString()) / "fixture";
        widgettest::writeTinyModel(fixture, true);
        // A fake train-demo: progress events, then the folder with its completion marker.
        const QString cli = writeScript(m_dir, QStringLiteral("fake-train-demo.sh"), QStringLiteral(
            "[ \"$1\" = train-demo ] && [ \"$2\" = --json ] || { echo \"bad arguments: $*\" >&2; exit 1; }\n"
            "echo '{\"event\":\"progress\",\"progress\":0.5,\"status\":\"training the demo model\"}'\n"
            "mkdir -p '%1' && cp -r '%2' '%1/demo-model'\n"
            "echo '{\"format\":\"slimbench-demo-model\",\"version\":1,\"result\":{\"steps\":1}}' > '%1/demo-model/slimbench_demo.json'\n"
            "echo '{\"event\":\"progress\",\"progress\":1.0,\"status\":\"done\"}'\n")
            .arg(data, QString::fromStdString(fixture.string())));
        qputenv("SLIMBENCH_CLI", QFile::encodeName(cli));

        slim::app::MainWindow w;
        w.show();
        QSignalSpy ended(&w, &slim::app::MainWindow::demoModelJobEnded);
        w.openDemoModel(true);
        auto* ask = w.findChild<QMessageBox*>(QStringLiteral("createDemoBox"));
        QVERIFY(ask);
        ask->button(QMessageBox::Yes)->click();
        QVERIFY(w.isCreatingDemoModel());
        QVERIFY(w.findChild<QProgressDialog*>(QStringLiteral("demoProgress")));
        QVERIFY(ended.wait(20000));
        QCOMPARE(ended.first().at(0).toBool(), true);
        QVERIFY2(w.overview().has_value(), qPrintable(w.lastError()));
        QCOMPARE(w.overview()->displayName, QStringLiteral("demo-model"));
        QVERIFY(w.logView()->toPlainText().contains(QStringLiteral("training the demo model")));
        // Ready now: opening again does not ask.
        w.openDemoModel(true);
        for (auto* box : w.findChildren<QMessageBox*>(QStringLiteral("createDemoBox")))
            QVERIFY(!box->isVisible());
        qunsetenv("SLIMBENCH_CLI");
    }

    void demoModelFailureIsShown()
    {
        qputenv("SLIMBENCH_DATA_DIR", QFile::encodeName(QDir(m_dir).filePath(QStringLiteral("data-fail"))));
        const QString cli = writeScript(m_dir, QStringLiteral("fail-train-demo.sh"), QStringLiteral(
            "echo '{\"event\":\"error\",\"message\":\"no training corpus found\"}'\nexit 1\n"));
        slim::app::MainWindow w;
        QSignalSpy ended(&w, &slim::app::MainWindow::demoModelJobEnded);
        w.createDemoModel(cli);
        QVERIFY(ended.wait(20000));
        QCOMPARE(ended.first().at(0).toBool(), false);
        QVERIFY(!w.overview().has_value());
        QVERIFY(w.lastError().contains(QStringLiteral("no training corpus found")));
        auto* box = w.findChild<QMessageBox*>(QStringLiteral("errorBox"));
        QVERIFY(box);
        QVERIFY(box->text().contains(QStringLiteral("no training corpus found")));
        QVERIFY(!w.findChild<QProgressDialog*>(QStringLiteral("demoProgress")) ||
                !w.findChild<QProgressDialog*>(QStringLiteral("demoProgress"))->isVisible());
    }

    void demoModelCancel()
    {
        qputenv("SLIMBENCH_DATA_DIR", QFile::encodeName(QDir(m_dir).filePath(QStringLiteral("data-cancel"))));
        const QString cli = writeScript(m_dir, QStringLiteral("slow-train-demo.sh"), QStringLiteral(
            "trap 'exit 2' TERM\nwhile true; do echo '{\"event\":\"progress\",\"progress\":0.1}'; sleep 0.1; done\n"));
        slim::app::MainWindow w;
        w.show();
        QSignalSpy ended(&w, &slim::app::MainWindow::demoModelJobEnded);
        w.createDemoModel(cli);
        QTest::qWait(300);
        auto* dialog = w.findChild<QProgressDialog*>(QStringLiteral("demoProgress"));
        QVERIFY(dialog);
        // Press the dialog's Cancel button (QProgressDialog::cancel() alone does not emit canceled()).
        auto* button = dialog->findChild<QPushButton*>();
        QVERIFY(button);
        button->click();
        QVERIFY(ended.wait(20000));
        QCOMPARE(ended.first().at(0).toBool(), false);
        QVERIFY(!w.isCreatingDemoModel());
        QVERIFY(!w.findChild<QMessageBox*>(QStringLiteral("errorBox")));   // cancelled is not an error
        QVERIFY(w.logView()->toPlainText().contains(QStringLiteral("cancelled")));
    }
};

QTEST_MAIN(TestJob)
#include "tst_job.moc"
