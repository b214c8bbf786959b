// Layer-similarity views: the heatmap from a synthetic result (cells, recommended block,
// selection, tooltips, modes), the panel end to end through slimbench-cli on a transformers
// fixture, cancel, and a screenshot that is checked not to be blank.
// Run with -platform offscreen.  Set SLIM_SCREENSHOT_DIR to keep the PNG.
#include "support/test_util.h"
#include "widgets/similarity_heatmap.h"
#include "widgets/similarity_panel.h"

#include <qcustomplot.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QLabel>
#include <QSet>
#include <QSignalSpy>
#include <QtTest/QtTest>
#include <QJsonDocument>
#include <QPushButton>

#include <cmath>

using slim::widgets::SimilarityHeatmap;
using slim::widgets::SimilarityPanel;

namespace {

// A 4-layer result: distance[i][j] = |i - j| / 10 except a cheap block starting at layer 2.
QJsonObject syntheticResult() {
    QJsonArray rows;
    for (int i = 0; i <= 4; ++i) {
        QJsonArray row;
        for (int j = 0; j <= 4; ++j) {
            double d = std::abs(i - j) / 10.0;
            if ((i == 2 && j == 4) || (i == 4 && j == 2))
                d = 0.05;
            row.append(d);
        }
        rows.append(row);
    }
    return QJsonObject{{"distance", rows},
                       {"block_influence", QJsonArray{0.9, 0.3, 0.1, 0.2}},
                       {"num_layers", 4},
                       {"tokens", "last"},
                       {"recommendation", QJsonObject{{"start", 2}, {"block_size", 2}, {"layers_to_drop", QJsonArray{2, 3}}}}};
}

QString fixture(const char* name) { return QString::fromStdString((slimtest::dataDir() / "fixtures" / name).string()); }

} // namespace

class TestSimilarityView : public QObject {
    Q_OBJECT
private slots:
    void heatmapCellsAndRecommendation() {
        SimilarityHeatmap h;
        h.setResult(syntheticResult());
        QCOMPARE(h.numLayers(), 4);
        auto* data = h.colorMap()->data();
        QCOMPARE(data->keySize(), 4);     // start ℓ = 0..3
        QCOMPARE(data->valueSize(), 4);   // n = 1..4
        QCOMPARE(data->cell(2, 1), 0.05); // d(2, 2)
        QCOMPARE(data->cell(0, 3), 0.4);  // d(0, 4)
        QVERIFY(std::isnan(data->cell(3, 3)));   // 3 + 4 > L: not a block
        QCOMPARE(h.recommendedBlock(), qMakePair(2, 2));
        QVERIFY(h.recommendationRect()->visible());
        QCOMPARE(h.recommendationRect()->topLeft->coords(), QPointF(1.5, 2.5));
        QVERIFY(h.tooltipAt(2.1, 1.9).contains(QStringLiteral("layers 2–3")));
        QVERIFY(h.tooltipAt(2.0, 2.0).contains(QStringLiteral("0.0500")));
        QVERIFY(h.tooltipAt(3.0, 4.0).isEmpty());
    }

    void selectingABlock() {
        SimilarityHeatmap h;
        h.setResult(syntheticResult());
        QSignalSpy spy(&h, &SimilarityHeatmap::blockSelected);
        QVERIFY(h.selectBlock(1, 2));
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().at(0).toInt(), 1);
        QCOMPARE(spy.first().at(1).toInt(), 2);
        QVERIFY(h.findChild<QLabel*>(QStringLiteral("selectionLabel"))->text().contains(QStringLiteral("1, 2")));
        QVERIFY(!h.selectBlock(3, 2));   // would run past the last layer
        QCOMPARE(spy.count(), 1);
        // A click on the cell of (start 0, n 1) selects it.
        h.resize(800, 600);
        h.show();
        QVERIFY(QTest::qWaitForWindowExposed(&h));
        auto* plot = h.plot();
        plot->replot();
        const QPoint pos(int(plot->xAxis->coordToPixel(0.0)), int(plot->yAxis->coordToPixel(1.0)));
        QTest::mouseClick(plot, Qt::LeftButton, Qt::NoModifier, pos);
        QCOMPARE(spy.count(), 2);
        QCOMPARE(h.selectedBlock(), qMakePair(0, 1));
    }

    void fullMatrixMode() {
        SimilarityHeatmap h;
        h.setResult(syntheticResult());
        h.setMode(SimilarityHeatmap::Mode::FullMatrix);
        QCOMPARE(h.colorMap()->data()->keySize(), 5);
        QCOMPARE(h.colorMap()->data()->cell(4, 2), 0.05);
        QVERIFY(!h.recommendationRect()->visible());
        QVERIFY(h.tooltipAt(1, 3).contains(QStringLiteral("states 1 and 3")));
    }

    void panelRunsTheCliAndShowsTheResult() {
        SimilarityPanel p;
        p.resize(900, 800);
        p.setModelDir(fixture("llama-fp32"));
        p.setCalibrationFile(QString::fromStdString((slimtest::wikiTestRaw()).string()));
        p.setSamples(8, 48);
        p.setProgram(QString::fromStdString(slimtest::cliPath().string()));
        QSignalSpy done(&p, &SimilarityPanel::finished);
        p.run();
        QVERIFY(done.wait(120000));
        QVERIFY2(done.first().at(0).toBool(), qPrintable(p.lastError()));
        QCOMPARE(p.heatmap()->numLayers(), 2);
        const auto rec = p.heatmap()->recommendedBlock();
        QVERIFY(rec.first >= 0 && rec.second >= 1);
        // d(ℓ, n) shown equals the full-matrix entry it comes from.
        QCOMPARE(p.heatmap()->blockDistance(0, 1), p.heatmap()->fullDistance(0, 1));

        // Screenshot: the panel with the fixture's heatmap, not blank.
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        const QImage shot = p.grab().toImage().convertToFormat(QImage::Format_RGB32);
        QSet<QRgb> colours;
        for (int y = 0; y < shot.height(); y += 2)
            for (int x = 0; x < shot.width(); x += 2)
                colours.insert(shot.pixel(x, y));
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
        const QString dir = qEnvironmentVariableIsSet("SLIM_SCREENSHOT_DIR")
                                ? qEnvironmentVariable("SLIM_SCREENSHOT_DIR")
                                : QString::fromStdString(slimtest::makeTempDir("similarity-shot").string());
        QVERIFY(shot.save(QDir(dir).filePath(QStringLiteral("similarity_panel.png"))));

        // "Remove layers…": the recommended block, or the one clicked, goes into a depth-pruned copy.
        auto* prune = p.findChild<QPushButton*>(QStringLiteral("pruneDepth"));
        QVERIFY(prune && prune->isEnabled());
        QVERIFY(p.heatmap()->selectBlock(0, 1));
        QCOMPARE(p.layersToRemove(), QVector<int>{0});
        QVERIFY(prune->text().contains(QStringLiteral("0")));
        const QString out = QString::fromStdString((slimtest::makeTempDir("gui-prune") / "pruned").string());
        p.setPruneOutputDir(out);
        QSignalSpy pruned(&p, &SimilarityPanel::pruneFinished);
        prune->click();
        QVERIFY(pruned.wait(120000));
        QVERIFY2(pruned.first().at(0).toBool(), qPrintable(p.lastError()));
        QCOMPARE(pruned.first().at(1).toString(), out);
        QFile cfg(out + QStringLiteral("/config.json"));
        QVERIFY(cfg.open(QIODevice::ReadOnly));
        QCOMPARE(QJsonDocument::fromJson(cfg.readAll()).object().value(QStringLiteral("num_hidden_layers")).toInt(), 1);
        // Another model: the old analysis (and its selection) no longer applies.
        p.setModelDir(fixture("qwen2-sharded"));
        QVERIFY(p.layersToRemove().isEmpty());
        QVERIFY(!prune->isEnabled());
    }

    void panelCancelAndErrors() {
        const auto dir = slimtest::makeTempDir("similarity-fake");
        const QString script = QString::fromStdString((dir / "slow-cli.sh").string());
        slimtest::writeBytes(dir / "slow-cli.sh",
                             "#!/bin/sh\ntrap 'exit 2' TERM\nwhile true; do echo '{\"event\":\"progress\",\"progress\":0.2}'; sleep 0.1; done\n");
        QFile::setPermissions(script, QFile::permissions(script) | QFileDevice::ExeOwner);
        SimilarityPanel p;
        p.setModelDir(fixture("llama-fp32"));
        p.setCalibrationFile(script);   // any existing file
        p.setProgram(script);
        QSignalSpy done(&p, &SimilarityPanel::finished);
        p.run();
        QTRY_VERIFY(p.isRunning());
        QTest::qWait(300);
        p.cancel();
        QVERIFY(done.wait(20000));
        QCOMPARE(done.first().at(0).toBool(), false);
        QCOMPARE(p.findChild<QLabel*>(QStringLiteral("similarityStatus"))->text(), QStringLiteral("Cancelled."));

        // A missing calibration file is reported, nothing starts.
        p.setCalibrationFile(QStringLiteral("/nonexistent/calib.txt"));
        p.run();
        QVERIFY(!p.isRunning());
        QVERIFY(p.lastError().contains(QStringLiteral("calibration")));
    }
};

QTEST_MAIN(TestSimilarityView)
#include "tst_similarity_view.moc"
