// Weight-distribution and activation views (issue #4): values shown against an independent
// computation from the checkpoint, scopes and overlay, log counts, cancel, bad folders, the
// activation panel end to end through slimbench-cli with its cancel, and the main-window
// screenshot with a freshly trained demo model's heatmap and histogram (checked not blank).
// Run with -platform offscreen.  Set SLIM_SCREENSHOT_DIR to keep the PNGs.
#include <ATen/ATen.h>

#include "core/io/checkpoint.h"
#include "core/io/safetensors.h"
#include "support/test_util.h"

#include "app/main_window.h"
#include "widgets/activation_panel.h"
#include "widgets/job.h"
#include "widgets/distribution_panel.h"
#include "widgets/histogram_plot.h"
#include "widgets/similarity_heatmap.h"
#include "widgets/similarity_panel.h"

#include <qcustomplot.h>

#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QJsonArray>
#include <QLabel>
#include <QProcess>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableWidget>
#include <QtTest/QtTest>

#include <chrono>
#include <cmath>

using namespace slim::widgets;
namespace fs = std::filesystem;

namespace {

QString fixture(const char* name) { return QString::fromStdString((slimtest::dataDir() / "fixtures" / name).string()); }
QString cli() { return QString::fromStdString(slimtest::cliPath().string()); }

QString screenshotDir() {
    return qEnvironmentVariableIsSet("SLIM_SCREENSHOT_DIR") ? qEnvironmentVariable("SLIM_SCREENSHOT_DIR")
                                                             : QString::fromStdString(slimtest::makeTempDir("analysis-shot").string());
}

int distinctColours(const QImage& shot, const QRect& area = {}) {
    const QRect r = area.isNull() ? shot.rect() : area;
    QSet<QRgb> colours;
    for (int y = r.top(); y <= r.bottom(); y += 2)
        for (int x = r.left(); x <= r.right(); x += 2)
            colours.insert(shot.pixel(x, y));
    return int(colours.size());
}

/// Independent: all values of the given tensors as float64.
at::Tensor valuesOf(const slim::io::Checkpoint& ck, const QStringList& names) {
    std::vector<at::Tensor> parts;
    for (const QString& n : names)
        parts.push_back(ck.load(n.toStdString()).to(at::kDouble).reshape(-1));
    return at::cat(parts);
}

QString cell(QTableWidget* t, int row, int col) { return t->item(row, col) ? t->item(row, col)->text() : QString(); }

} // namespace

class TestAnalysisViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SlimbenchTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_analysis_views"));
        QSettings().clear();
    }

    void histogramCountsAndDensities() {
        HistogramPlot p;
        HistogramSeries a{QStringLiteral("a"), 0.0, 4.0, {1, 2, 3, 4}, 0, 2.0, 1.0};
        p.setSeries({a});
        QVERIFY(!p.isDensity());
        QCOMPARE(p.valueAt(0, 2), 3.0);
        QVERIFY(p.tooltipAt(2.5).contains(QStringLiteral("[2, 3)")));
        QVERIFY(p.tooltipAt(9.0).isEmpty());
        // Overlay: densities integrate to 1 over each series' range (bin width 1, N = 10 / 20).
        HistogramSeries b{QStringLiteral("b"), -1.0, 1.0, {5, 10, 5, 0}, 0, 0.0, 0.5};
        p.setSeries({a, b});
        QVERIFY(p.isDensity());
        QCOMPARE(p.valueAt(0, 3), 0.4);
        QCOMPARE(p.valueAt(1, 1), 10.0 / (20.0 * 0.5));
        double integral = 0;
        for (int i = 0; i < 4; ++i)
            integral += p.valueAt(1, i) * 0.5;
        QCOMPARE(integral, 1.0);
        p.setLogCounts(true);
        QCOMPARE(p.plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
        QCOMPARE(p.plot()->graphCount(), 2);
    }

    void distributionOfAKindAgreesWithTheCheckpoint() {
        DistributionPanel p;
        QSignalSpy done(&p, &DistributionPanel::finished);
        p.setModelDir(fixture("mistral-bf16"));
        QVERIFY(done.wait(60000));
        QVERIFY2(done.first().at(0).toBool(), qPrintable(p.lastError()));
        QCOMPARE(p.scope(), DistributionPanel::Scope::Kind);
        // The default kind is down_proj: both layers' down_proj weights.
        QCOMPARE(p.currentItem(), QStringLiteral("model.layers.*.mlp.down_proj.weight"));
        QCOMPARE(p.items().size(), 7);   // the seven projections (norm vectors are not grouped)
        const auto ck = slim::io::Checkpoint::open(fixture("mistral-bf16").toStdString());
        const at::Tensor v = valuesOf(ck, {QStringLiteral("model.layers.0.mlp.down_proj.weight"),
                                           QStringLiteral("model.layers.1.mlp.down_proj.weight")});
        const auto& s = p.histogram()->series();
        QCOMPARE(s.size(), 1);
        qint64 sum = 0;
        for (qint64 c : s[0].counts)
            sum += c;
        QCOMPARE(sum, v.numel());
        QCOMPARE(s[0].counts.size(), 128);
        QCOMPARE(s[0].lo, v.min().item<double>());
        QCOMPARE(s[0].hi, v.max().item<double>());
        QVERIFY(std::abs(s[0].mean - v.mean().item<double>()) < 1e-12);
        QVERIFY(std::abs(s[0].std - v.std(/*unbiased=*/false).item<double>()) < 1e-12);
        // The statistics table shows the same numbers (row 0: values, row 2: mean).
        QTableWidget* t = p.statisticsTable();
        QCOMPARE(t->columnCount(), 1);
        QCOMPARE(cell(t, 0, 0), QLocale().toString(qint64(v.numel())));
        QCOMPARE(cell(t, 2, 0).toDouble(), QString::number(v.mean().item<double>(), 'g', 5).toDouble());
        // Max |w| (row 8).
        QCOMPARE(cell(t, 8, 0).toDouble(), QString::number(v.abs().max().item<double>(), 'g', 5).toDouble());

        // One tensor; one layer.
        p.setScope(DistributionPanel::Scope::Tensor);
        QVERIFY(p.items().contains(QStringLiteral("model.embed_tokens.weight")));
        QVERIFY(p.selectItem(QStringLiteral("model.layers.1.self_attn.k_proj.weight")));
        QCOMPARE(p.histogram()->series()[0].counts.size(), 128);
        qint64 n = 0;
        for (qint64 c : p.histogram()->series()[0].counts)
            n += c;
        QCOMPARE(n, ck.info("model.layers.1.self_attn.k_proj.weight").numel());
        p.setScope(DistributionPanel::Scope::Layer);
        QCOMPARE(p.items(), (QStringList{QStringLiteral("layer 0"), QStringLiteral("layer 1")}));

        // Fewer bins and a chosen range recompute.
        done.clear();
        p.setBins(16);
        QVERIFY(done.wait(60000));
        QCOMPARE(p.histogram()->series()[0].counts.size(), 16);
        done.clear();
        p.setRange(true, -0.01, 0.01);
        QVERIFY(done.wait(60000));
        QCOMPARE(p.histogram()->series()[0].lo, -0.01);
        QVERIFY(p.histogram()->series()[0].outside > 0);
        p.setLogCounts(true);
        QCOMPARE(p.histogram()->plot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
    }

    void overlayOfTwoModels() {
        // The second model: the fixture with one down_proj zeroed at half its entries (a "pruned" copy).
        const fs::path dir = slimtest::makeTempDir("pruned");
        const auto src = fs::path(fixture("mistral-bf16").toStdString());
        fs::copy(src / "config.json", dir / "config.json");
        const auto ck = slim::io::Checkpoint::open(src);
        std::vector<slim::io::NamedTensor> tensors;
        for (const auto& name : ck.names()) {
            at::Tensor t = ck.load(name).clone();
            if (name == "model.layers.0.mlp.down_proj.weight") {
                auto flat = t.view(-1);
                flat.index_put_({at::arange(0, flat.numel(), 2)}, 0.0);
            }
            tensors.push_back({name, t});
        }
        slim::io::writeSafetensors(dir / "model.safetensors", tensors);

        DistributionPanel p;
        QSignalSpy done(&p, &DistributionPanel::finished);
        p.setModelDir(fixture("mistral-bf16"));
        QVERIFY(done.wait(60000));
        done.clear();
        p.setCompareDir(QString::fromStdString(dir.string()));
        QVERIFY(done.wait(60000));
        QVERIFY(done.first().at(0).toBool());
        QCOMPARE(p.histogram()->series().size(), 2);
        QVERIFY(p.histogram()->isDensity());
        QTableWidget* t = p.statisticsTable();
        QCOMPARE(t->columnCount(), 2);
        // Sparsity row (10): the original has no zeros in down_proj, the copy a quarter (half of one of two).
        QVERIFY2(cell(t, 10, 0).contains(QStringLiteral("(0 %)")), qPrintable(cell(t, 10, 0)));
        QVERIFY2(cell(t, 10, 1).contains(QStringLiteral("(25 %)")), qPrintable(cell(t, 10, 1)));

        // Screenshot of the overlay.
        p.resize(1000, 520);
        p.show();
        QVERIFY(QTest::qWaitForWindowExposed(&p));
        const QImage shot = p.grab().toImage().convertToFormat(QImage::Format_RGB32);
        QVERIFY(distinctColours(shot) > 40);
        QVERIFY(shot.save(QDir(screenshotDir()).filePath(QStringLiteral("distribution_overlay.png"))));

        // Dropping the comparison goes back to one series of counts.
        done.clear();
        p.setCompareDir(QString());
        QVERIFY(done.wait(60000));
        QCOMPARE(p.histogram()->series().size(), 1);
    }

    void distributionErrorsAndCancel() {
        DistributionPanel p;
        QSignalSpy done(&p, &DistributionPanel::finished);
        // A folder without safetensors: an error naming it, no crash.
        const fs::path empty = slimtest::makeTempDir("no-weights");
        p.setModelDir(QString::fromStdString(empty.string()));
        QVERIFY(done.wait(60000));
        QCOMPARE(done.first().at(0).toBool(), false);
        QVERIFY2(p.lastError().contains(QString::fromStdString(empty.filename().string())), qPrintable(p.lastError()));

        // A large F32 checkpoint: cancel right after the start.
        const fs::path big = slimtest::makeTempDir("big-weights");
        std::vector<slim::io::NamedTensor> tensors;
        for (int l = 0; l < 8; ++l)
            tensors.push_back({"model.layers." + std::to_string(l) + ".mlp.down_proj.weight", at::randn({1024, 4096})});
        slim::io::writeSafetensors(big / "model.safetensors", tensors);
        done.clear();
        p.setModelDir(QString::fromStdString(big.string()));
        QVERIFY(p.isRunning());
        p.cancel();
        QVERIFY(done.wait(60000));
        QCOMPARE(done.first().at(0).toBool(), false);
        QCOMPARE(p.findChild<QLabel*>(QStringLiteral("distributionStatus"))->text(), QStringLiteral("Cancelled."));
        QVERIFY(!p.isRunning());
    }

    void activationViewFromAResult() {
        // Two inputs of 4 channels; channel 2 of the first is an outlier.
        const QJsonObject in0{{"layer", 0},
                              {"projections", QJsonArray{"q_proj", "k_proj", "v_proj"}},
                              {"channels", 4},
                              {"tokens", 100},
                              {"threshold", 6.0},
                              {"max_abs_overall", 9.5},
                              {"mean_abs", QJsonArray{0.1, 0.2, 3.0, 0.4}},
                              {"l2_norm", QJsonArray{1.0, 2.0, 30.0, 4.0}},
                              {"max_abs", QJsonArray{0.5, 0.6, 9.5, 0.8}},
                              {"outlier_channels", QJsonArray{QJsonObject{{"channel", 2}, {"max_abs", 9.5}, {"tokens_above", 7}, {"mean_abs", 3.0}}}}};
        QJsonObject in1 = in0;
        in1["layer"] = 1;
        in1["projections"] = QJsonArray{"down_proj"};
        in1["outlier_channels"] = QJsonArray{};
        ActivationPanel p;
        p.setResult(QJsonObject{{"inputs", QJsonArray{in0, in1}}});
        QCOMPARE(p.inputs(), (QStringList{QStringLiteral("layer 0 · q_proj, k_proj, v_proj"), QStringLiteral("layer 1 · down_proj")}));
        QCOMPARE(p.valueAt(2), 3.0);
        p.setMetric(ActivationPanel::Metric::L2Norm);
        QCOMPARE(p.valueAt(3), 4.0);
        p.setMetric(ActivationPanel::Metric::MaxAbs);
        QCOMPARE(p.valueAt(2), 9.5);
        QCOMPARE(p.outlierChannels(), QVector<int>{2});
        QCOMPARE(p.outlierTable()->rowCount(), 1);
        QCOMPARE(p.outlierTable()->item(0, 0)->text(), QStringLiteral("2"));
        QCOMPARE(p.outlierTable()->item(0, 2)->text(), QStringLiteral("7"));
        QVERIFY(p.tooltipAt(2.2).contains(QStringLiteral("outlier")));
        QVERIFY(!p.tooltipAt(1.0).contains(QStringLiteral("outlier")));
        p.selectInput(1);
        QVERIFY(p.outlierChannels().isEmpty());
        QCOMPARE(p.outlierTable()->rowCount(), 0);
    }

    void activationPanelRunsTheCliAndCancels() {
        ActivationPanel p;
        p.setProgram(cli());
        p.setModelDir(fixture("llama-fp32"));
        p.setCalibrationFile(QString::fromStdString((slimtest::wikiTestRaw()).string()));
        p.setSamples(4, 32);
        p.setThreshold(0.5);   // the fixture's activations are small: a low threshold marks some channels
        QSignalSpy done(&p, &ActivationPanel::finished);
        p.run();
        QVERIFY(done.wait(120000));
        QVERIFY2(done.first().at(0).toBool(), qPrintable(p.lastError()));
        QCOMPARE(p.inputs().size(), 2 * 4);   // per layer: qkv, o, gate/up, down
        // Every listed outlier really has max |x| > threshold.
        p.setMetric(ActivationPanel::Metric::MaxAbs);
        for (int i = 0; i < p.inputs().size(); ++i) {
            p.selectInput(i);
            for (int c : p.outlierChannels())
                QVERIFY(p.valueAt(c) > 0.5);
        }

        // Cancel a slow fake CLI.
        const auto dir = slimtest::makeTempDir("activation-fake");
        const QString script = QString::fromStdString((dir / "slow-cli.sh").string());
        slimtest::writeBytes(dir / "slow-cli.sh",
                             "#!/bin/sh\ntrap 'exit 2' TERM\nwhile true; do echo '{\"event\":\"progress\",\"progress\":0.3}'; sleep 0.1; done\n");
        QFile::setPermissions(script, QFile::permissions(script) | QFileDevice::ExeOwner);
        p.setProgram(script);
        done.clear();
        p.run();
        QTRY_VERIFY(p.isRunning());
        p.cancel();
        QVERIFY(done.wait(20000));
        QCOMPARE(done.first().at(0).toBool(), false);
        QCOMPARE(p.findChild<QLabel*>(QStringLiteral("activationStatus"))->text(), QStringLiteral("Cancelled."));
    }

    void mainWindowScreenshotWithDemoModel() {
        // A short run of the real demo-model recipe (same corpus, tokenizer and shape, fewer steps),
        // in a temp folder: the user's demo model is never touched.
        const fs::path tmp = slimtest::makeTempDir("demo-shot");
        qputenv("SLIMBENCH_DATA_DIR", QFile::encodeName(QString::fromStdString((tmp / "data").string())));
        const QString demo = QString::fromStdString((tmp / "demo-model").string());
        QProcess train;
        train.start(cli(), {QStringLiteral("train-demo"), QStringLiteral("--out"), demo, QStringLiteral("--steps"),
                            QStringLiteral("60")});
        QVERIFY(train.waitForFinished(300000));
        QVERIFY2(train.exitCode() == 0, train.readAllStandardError().constData());

        slim::app::MainWindow w;
        w.resize(1500, 950);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy distDone(w.distributionPanel(), &DistributionPanel::finished);
        const auto t0 = std::chrono::steady_clock::now();
        QVERIFY(w.openModel(demo));
        QVERIFY(distDone.wait(60000));
        QVERIFY(distDone.first().at(0).toBool());
        const double distSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        SimilarityPanel* sim = w.similarityPanel();
        sim->setProgram(cli());
        sim->setSamples(16, 128);   // heldout.txt of the demo model is the default calibration text
        QSignalSpy simDone(sim, &SimilarityPanel::finished);
        const auto t1 = std::chrono::steady_clock::now();
        w.findChild<QAction*>(QStringLiteral("similarityAction"))->trigger();
        QVERIFY(simDone.wait(180000));
        QVERIFY2(simDone.first().at(0).toBool(), qPrintable(sim->lastError()));
        const double simSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        qInfo("demo model: weight statistics shown after %.2f s, layer similarity (16 x 128 tokens) after %.2f s",
              distSeconds, simSeconds);
        QCOMPARE(sim->heatmap()->numLayers(), 4);

        QTest::qWait(100);
        const QImage shot = w.grab().toImage().convertToFormat(QImage::Format_RGB32);
        QVERIFY(!shot.isNull());
        QVERIFY(shot.save(QDir(screenshotDir()).filePath(QStringLiteral("main_window_analysis.png"))));
        // Not blank overall, and both plots really drew: the heatmap has many colours of its
        // gradient, the histogram its blue fill.
        QVERIFY(distinctColours(shot) > 200);
        const QWidget* heat = sim->heatmap()->plot();
        const QRect heatRect(heat->mapTo(&w, QPoint(0, 0)) * w.devicePixelRatio(), heat->size() * w.devicePixelRatio());
        QVERIFY2(heat->isVisible() && distinctColours(shot, heatRect) > 30, qPrintable(QString::number(distinctColours(shot, heatRect))));
        const QWidget* hist = w.distributionPanel()->histogram()->plot();
        QVERIFY(hist->isVisible());
        const QRect histRect(hist->mapTo(&w, QPoint(0, 0)) * w.devicePixelRatio(), hist->size() * w.devicePixelRatio());
        qint64 fill = 0;
        for (int y = histRect.top(); y < histRect.bottom(); ++y)
            for (int x = histRect.left(); x < histRect.right(); ++x) {
                const QColor c = shot.pixelColor(x, y);
                fill += (c.blue() > c.red() + 40 && c.blue() > 150) ? 1 : 0;
            }
        QVERIFY2(fill > 500, qPrintable(QString::number(fill)));
    }
};

QTEST_MAIN(TestAnalysisViews)
#include "tst_analysis_views.moc"
