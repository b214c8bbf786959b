// The runtime against transformers: logits, padded batches, KV-cache greedy generation and
// low-precision NLL on the fixtures made by tests/reference/make_fixtures.py.
#include "support/fixture_checks.h"
#include "support/test_util.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <QtTest/QtTest>

class TestReferenceFixtures : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        at::set_num_threads(2);
        m_dirs = slimtest::fixtureDirs(slimtest::dataDir() / "fixtures");
        QVERIFY2(m_dirs.size() >= 3, "tests/data/fixtures must hold the llama, mistral and qwen2 fixtures");
    }
    void fixtures_data() {
        QTest::addColumn<QString>("dir");
        QTest::addColumn<QString>("device");
        for (const auto& d : slimtest::fixtureDirs(slimtest::dataDir() / "fixtures")) {
            QTest::newRow((d.filename().string() + "/cpu").c_str()) << QString::fromStdString(d.string()) << "cpu";
            if (at::hasCUDA())
                QTest::newRow((d.filename().string() + "/cuda").c_str()) << QString::fromStdString(d.string()) << "cuda";
        }
    }
    void fixtures() {
        QFETCH(QString, dir);
        QFETCH(QString, device);
        const auto results = slimtest::checkFixture(dir.toStdString(), at::Device(device.toStdString()));
        QVERIFY(!results.empty());
        for (const auto& r : results) {
            qInfo("%s: %s", r.name.c_str(), r.detail.c_str());
            QVERIFY2(r.passed, (r.name + ": " + r.detail).c_str());
        }
    }

private:
    std::vector<std::filesystem::path> m_dirs;
};

QTEST_GUILESS_MAIN(TestReferenceFixtures)
#include "tst_reference_fixtures.moc"
