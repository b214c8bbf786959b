#pragma once
// Run slimbench-cli (SLIM_CLI) as a child process and collect its exit code, output and the
// "result" event of its JSON lines.  Header-only: used by the core test executables.

#include "support/test_util.h"

#include <QtCore/QByteArray>
#include <QtCore/QProcess>
#include <QtCore/QStringList>

#include <nlohmann/json.hpp>

namespace slimtest {

struct CliRun {
    int exitCode = -1;
    QByteArray out, err;
    nlohmann::json result;   // the "result" event (last JSON line)
};

inline CliRun runCli(const QStringList& args, int timeoutMs = 120000) {
    QProcess p;
    p.start(QString::fromStdString(slimtest::cliPath().string()), args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    for (const QByteArray& line : r.out.split('\n')) {
        if (!line.startsWith('{'))
            continue;
        auto j = nlohmann::json::parse(line.toStdString(), nullptr, false);
        if (!j.is_discarded() && j.value("event", "") == "result")
            r.result = j;
    }
    return r;
}

} // namespace slimtest
