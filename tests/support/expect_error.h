#pragma once
// Qt Test helper: run `fn`, expect it to throw E whose message contains every needle
// (bad-input tests check the error type, the file named and the rule broken).

#include <QtTest/QtTest>

#include <exception>

namespace slimtest {

template <typename E, typename Fn>
void expectError(Fn&& fn, const QStringList& needles) {
    try {
        fn();
        QFAIL(qPrintable("no error; expected one mentioning " + needles.join(", ")));
    } catch (const E& e) {
        const QString msg = QString::fromStdString(e.what());
        for (const auto& n : needles)
            QVERIFY2(msg.contains(n), qPrintable("'" + n + "' not in: " + msg));
    } catch (const std::exception& e) {
        QFAIL(qPrintable(QString("wrong exception type: ") + e.what()));
    }
}

} // namespace slimtest
