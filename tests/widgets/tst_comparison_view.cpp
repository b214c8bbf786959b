// The comparison view and the PDF report offscreen: a result database opened as a table (variants,
// values ± standard errors, "not available", sorting by value), the four chart kinds with the Pareto
// front and the left-out list, chart export as SVG and PNG, and the PDF report (A4 and Letter) checked
// with poppler: page count and size, text (German and Chinese included) and every page rasterised.
#include "support/result_samples.h"
#include "support/test_util.h"

#include "core/io/atomic_file.h"
#include "core/results/report.h"
#include "widgets/comparison/comparison_view.h"
#include "widgets/comparison/pdf_report.h"
#include "widgets/comparison/result_table_model.h"

#include <qcustomplot.h>

#include <QProcess>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QtTest/QtTest>

#include <fstream>

using namespace slim;
using namespace slim::widgets;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

QString run(const QString& program, const QStringList& args) {
    QProcess p;
    p.start(program, args);
    if (!p.waitForFinished(60000) || p.exitCode() != 0)
        return QStringLiteral("<failed: %1 %2>").arg(program, QString::fromUtf8(p.readAllStandardError()));
    return QString::fromUtf8(p.readAllStandardOutput());
}

} // namespace

class TestComparisonView : public QObject {
    Q_OBJECT

    fs::path m_dir, m_db;

private slots:
    void initTestCase() {
        m_dir = slimtest::makeTempDir("comparison-view");
        m_db = m_dir / "results.sqlite";
        results::ResultStore s(m_db);
        // Perplexity and its log per variant: two metrics of one table.
        auto withNll = [](results::ResultRecord r) {
            r.metrics.push_back({"nll_per_token", std::log(r.metrics.front().value), 0.01, "nats"});
            return r;
        };
        s.insert(withNll(slimtest::rec("/m/base", "model", 10.0, "", "run-1", json::array(), true)));
        s.insert(withNll(slimtest::rec("/m/q4", "q4", 10.4, "", "run-1", slimtest::quantStep(4))));
        s.insert(withNll(slimtest::rec("/m/q3", "q3", 12.0, "", "run-1", slimtest::quantStep(3))));
        s.insert(withNll(slimtest::rec("/m/Größe-模型", "Größe-模型", 9.0, "", "run-1",
                                       json::array({{{"command", "lora merge"}, {"settings", {{"lora", {{"r", 8}}}}}}}))));
        // A batch-1 speed record for two variants: quality vs speed draws those and lists the rest.
        for (auto [path, label, tps] : {std::tuple{"/m/base", "model", 100.0}, std::tuple{"/m/q4", "q4", 180.0}}) {
            auto b = slimtest::rec(path, label, 0, "", "run-1", tps > 150 ? slimtest::quantStep(4) : json::array(), tps < 150);
            b.kind = "bench";
            b.task = "speed";
            b.convention = "slimbench-bench";
            b.settings = {{"batch", 1}, {"prompt_len", 64}, {"gen_len", 32}, {"device", "cpu (test)"}};
            b.metrics = {{"decode_tokens_per_s", tps, std::nullopt, "tok/s"}};
            b.energy = {{"available", false}, {"reason", "RAPL not readable"}};
            s.insert(b);
        }
    }

    void tableAndCharts() {
        ComparisonView v;
        v.resize(1400, 700);
        v.show();
        QVERIFY(!v.openDatabase(QString::fromStdString((m_dir / "none.sqlite").string())));
        QVERIFY(v.lastError().contains("none.sqlite"));
        QVERIFY(v.openDatabase(QString::fromStdString(m_db.string())));
        ResultTableModel* m = v.tableModel();
        QCOMPARE(m->rowCount(), 4);
        const int pplCol = ResultTableModel::FixedCount + int(v.comparison().columnsOf("ppl").front());
        QCOMPARE(m->index(1, pplCol).data().toString(), QLocale().toString(10.4, 'g', 6) + QStringLiteral(" ± 0.5"));
        QCOMPARE(m->index(0, ResultTableModel::Variant).data().toString(), QStringLiteral("model (base)"));
        QCOMPARE(m->index(2, ResultTableModel::Decode).data().toString(), QStringLiteral("not available"));
        QVERIFY(!m->index(2, ResultTableModel::Decode).data(Qt::UserRole).isValid());   // never 0
        QCOMPARE(m->index(1, ResultTableModel::Energy).data(Qt::ToolTipRole).toString(), QStringLiteral("RAPL not readable"));
        m->setShowStderr(false);
        QCOMPARE(m->index(1, pplCol).data().toString(), QLocale().toString(10.4, 'g', 6));

        // Bars of the quality column; % vs base; quality vs memory and speed with the Pareto front.
        v.setChartKind(0);
        QCOMPARE(v.plot()->plottableCount(), 2);   // bars + error bars
        v.setRelative(true);
        QVERIFY(v.plot()->yAxis->label().contains("%"));
        QCOMPARE(v.plot()->plottableCount(), 4);   // % vs base: ppl and nll grouped, each with error bars
        QVERIFY(v.plot()->legend->visible());
        v.setChartKind(1);
        QVERIFY(v.plot()->graphCount() >= 2);     // points + Pareto front
        v.setChartKind(2);
        QVERIFY(v.leftOut().join('\n').contains("decode speed not measured"));
        QVERIFY(v.leftOut().join('\n').contains("q3"));
        v.setChartKind(3);                         // bits vary: q4, q3
        QVERIFY(v.leftOut().join('\n').contains("no bits in its steps"));
        v.setChartKind(4);                         // peak memory: measured for all
        QVERIFY(v.plot()->graphCount() >= 2);
        v.setChartKind(5);                         // energy: the meter's reason, never a 0
        QVERIFY2(v.leftOut().join('\n').contains("energy not available (RAPL not readable)"), qPrintable(v.leftOut().join('\n')));
        QCOMPARE(v.plot()->graph(0)->dataCount(), 0);
        // The task filter keeps the speed records (they carry the variants' speed).
        v.setTaskFilter("ppl");
        QCOMPARE(v.comparison().columnsOf("decode_tokens_per_s").size(), size_t(1));
        v.setTaskFilter({});

        // Export as SVG (vector) and PNG.
        const QString svg = QString::fromStdString((m_dir / "chart.svg").string());
        const QString png = QString::fromStdString((m_dir / "chart.png").string());
        QVERIFY(v.exportChart(svg));
        QVERIFY(v.exportChart(png));
        QVERIFY(slim::io::readTextFile(svg.toStdString()).find("<svg") != std::string::npos);
        QVERIFY(QImage(png).width() > 100);
        QVERIFY(!v.exportChart(QString::fromStdString((m_dir / "chart.bmp").string())));

        // A model filter narrows the table; the run selector lists the run.
        v.setModelFilter("q");
        QCOMPARE(m->rowCount(), 2);
        v.setModelFilter({});
        QVERIFY(v.findChild<QComboBox*>("comparisonRun")->findData("run-1") >= 0);
        if (const QByteArray dir = qgetenv("SLIM_SCREENSHOT_DIR"); !dir.isEmpty()) {
            v.setChartKind(1);
            v.grab().save(QString::fromUtf8(dir) + "/comparison-view.png");
        }
    }

    void pdfReport_data() {
        QTest::addColumn<int>("page");
        QTest::addColumn<QString>("size");
        QTest::newRow("A4") << int(QPageSize::A4) << QStringLiteral("595 x 842");
        QTest::newRow("Letter") << int(QPageSize::Letter) << QStringLiteral("612 x 792");
    }

    void pdfReport() {
        QFETCH(int, page);
        QFETCH(QString, size);
        for (const char* tool : {"pdfinfo", "pdftotext", "pdftoppm"})
            QVERIFY2(!QStandardPaths::findExecutable(tool).isEmpty(), "poppler-utils is missing (packaging/build.sh deps installs it)");
        const auto in = results::loadReport(m_db, {});
        const QString pdf = QString::fromStdString((m_dir / ("report-" + std::to_string(page) + ".pdf")).string());
        QString error;
        QVERIFY2(writePdfReport(in, pdf, {QPageSize::PageSizeId(page)}, &error), qPrintable(error));
        const QString info = run("pdfinfo", {pdf});
        QVERIFY2(info.contains("Page size:       " + size), qPrintable(info));
        const int pages = QRegularExpression("Pages:\\s+(\\d+)").match(info).captured(1).toInt();
        QVERIFY2(pages >= 3, qPrintable(info));
        const QString text = run("pdftotext", {"-layout", pdf, "-"});
        for (const char* s : {"Compression study", "Variants", "Results", "Charts", "What the metrics mean", "Größe-模型",
                              "quantize gptq 3-bit g128", "not available", "Pareto front", "10.4 ± 0.5"})
            QVERIFY2(text.contains(QString::fromUtf8(s)), s);
        // Every page rasterises (a broken page makes pdftoppm fail).
        const QString prefix = QString::fromStdString((m_dir / ("page-" + std::to_string(page))).string());
        QVERIFY(!run("pdftoppm", {"-r", "40", "-png", pdf, prefix}).startsWith("<failed"));
        QCOMPARE(QDir(QString::fromStdString(m_dir.string())).entryList({QFileInfo(prefix).fileName() + "-*.png"}).size(), pages);
        // A folder that does not exist is an error naming the file, not a crash.
        QVERIFY(!writePdfReport(in, "/no/such/dir/r.pdf", {}, &error));
        QVERIFY(error.contains("/no/such/dir/r.pdf"));
    }

    void longTablesBreakWithTheirHeader() {
        // 70 variants: the variants table spans pages and repeats its header row on each.
        const fs::path db = m_dir / "many.sqlite";
        {
            results::ResultStore s(db);
            s.insert(slimtest::rec("/m/base", "model", 10.0, "", "run-1", json::array(), true));
            for (int i = 0; i < 70; ++i)
                s.insert(slimtest::rec("/m/v" + std::to_string(i), "variant-" + std::to_string(i), 10.0 + i * 0.1, "", "run-1",
                                       slimtest::quantStep(2 + i % 3)));
        }
        const QString pdf = QString::fromStdString((m_dir / "many.pdf").string());
        QString error;
        QVERIFY2(writePdfReport(results::loadReport(db, {}), pdf, {}, &error), qPrintable(error));
        const QString text = run("pdftotext", {pdf, "-"});
        QVERIFY(text.contains("variant-69"));
        QVERIFY2(text.count("What was done") >= 2, qPrintable(QString::number(text.count("What was done"))));
        const QStringList pages = text.split(QChar('\f'));
        int pagesWithVariants = 0;
        for (const auto& p : pages)
            pagesWithVariants += p.contains("variant-") && p.contains("What was done");
        QVERIFY(pagesWithVariants >= 2);
    }

    void cliReportPdf() {
        // slimbench-cli report --format pdf runs this build's slimbench offscreen.
        const QString pdf = QString::fromStdString((m_dir / "cli.pdf").string());
        QProcess p;
        p.start(QString::fromStdString(slimtest::cliPath().string()),
                {"report", "--db", QString::fromStdString(m_db.string()), "--out", pdf, "--paper", "letter"});
        QVERIFY(p.waitForFinished(120000));
        QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
        QVERIFY(run("pdfinfo", {pdf}).contains("612 x 792"));
    }
};

QTEST_MAIN(TestComparisonView)
#include "tst_comparison_view.moc"
