// Widget tests of the main window: the architecture tree and summary of a small checkpoint,
// bad folders, recent models, generation on the worker thread, settings, translations and a
// screenshot of the window with a model loaded.
//
// Run with -platform offscreen.  Set SLIM_SCREENSHOT_DIR to keep the PNG somewhere visible.

#include "tests/widgets/widget_fixtures.h"   // LibTorch first (see widgets/torch_include.h)

#include "app/app_settings.h"
#include "app/i18n.h"
#include "app/main_window.h"
#include "app/settings_dialog.h"
#include "widgets/generation_panel.h"
#include "widgets/model_summary_widget.h"
#include "widgets/model_tree_widget.h"
#include "widgets/similarity_heatmap.h"
#include "widgets/similarity_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QTextEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTranslator>
#include <QtTest/QtTest>
#include <QHeaderView>
#include <QJsonObject>
#include <QJsonArray>
#include <QDockWidget>

using slim::app::MainWindow;
using slim::widgets::ModelTreeWidget;
using widgettest::TinyModel;
namespace fs = std::filesystem;

namespace {

/// Close every open error box (they are window-modal, never blocking); returns their texts.
QStringList takeErrorBoxes(QWidget* parent)
{
    QStringList texts;
    for (QMessageBox* box : parent->findChildren<QMessageBox*>(QStringLiteral("errorBox"))) {
        texts << box->text();
        box->close();
    }
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    return texts;
}

qint64 paramsOf(QTreeWidgetItem* item) { return item->data(ModelTreeWidget::ParametersColumn, ModelTreeWidget::ParametersRole).toLongLong(); }
qint64 bytesOf(QTreeWidgetItem* item) { return item->data(ModelTreeWidget::BytesColumn, ModelTreeWidget::BytesRole).toLongLong(); }

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QString m_model;            // tiny model with tokenizer.json
    QString m_modelNoTok;       // the same without tokenizer
    QString m_tmp;

private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);   // QSettings and data folders under ~/.qttest
        QCoreApplication::setOrganizationName(QStringLiteral("SlimbenchTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
        QSettings().clear();
        const fs::path tmp = slimtest::makeTempDir("slim-widgets");
        m_tmp = QString::fromStdString(tmp.string());
        widgettest::writeTinyModel(tmp / "tiny-llama", true);
        widgettest::writeTinyModel(tmp / "tiny-llama-notok", false);
        m_model = QString::fromStdString((tmp / "tiny-llama").string());
        m_modelNoTok = QString::fromStdString((tmp / "tiny-llama-notok").string());
        // Never touch the user's demo model.
        qputenv("SLIMBENCH_DATA_DIR", QFile::encodeName(m_tmp + QStringLiteral("/data")));
    }

    void init() { QSettings().clear(); }

    void modelTreeShowsArchitecture()
    {
        MainWindow w;
        QSignalSpy opened(&w, &MainWindow::modelOpened);
        QVERIFY2(w.openModel(m_model), qPrintable(w.lastError()));
        QCOMPARE(opened.count(), 1);
        ModelTreeWidget* tree = w.modelTree();
        QCOMPARE(tree->topLevelItemCount(), 1);
        QTreeWidgetItem* root = tree->topLevelItem(0);
        QVERIFY(root->text(0).contains(QStringLiteral("LlamaForCausalLM")));
        // model -> embed_tokens, layers, norm, lm_head (no "other tensors": the checkpoint is exact).
        QCOMPARE(root->childCount(), 4);
        QTreeWidgetItem* layers = tree->itemAt(QStringLiteral("layers"));
        QVERIFY(layers);
        QCOMPARE(layers->childCount(), int(TinyModel::kLayers));

        QTreeWidgetItem* q = tree->itemAt(QStringLiteral("layers/layer 1/self_attn/q_proj"));
        QTreeWidgetItem* k = tree->itemAt(QStringLiteral("layers/layer 1/self_attn/k_proj"));
        QTreeWidgetItem* down = tree->itemAt(QStringLiteral("layers/layer 0/mlp/down_proj"));
        QTreeWidgetItem* norm = tree->itemAt(QStringLiteral("layers/layer 0/input_layernorm"));
        QVERIFY(q && k && down && norm);
        QCOMPARE(q->text(ModelTreeWidget::ShapeColumn), QStringLiteral("16 × 16"));
        QCOMPARE(k->text(ModelTreeWidget::ShapeColumn), QStringLiteral("8 × 16"));   // GQA: 2 kv heads x 4
        QCOMPARE(down->text(ModelTreeWidget::ShapeColumn), QStringLiteral("16 × 40"));
        QCOMPARE(q->text(ModelTreeWidget::DTypeColumn), QStringLiteral("BF16"));
        QCOMPARE(norm->text(ModelTreeWidget::DTypeColumn), QStringLiteral("F32"));
        QCOMPARE(q->data(0, ModelTreeWidget::TensorNameRole).toString(),
                 QStringLiteral("model.layers.1.self_attn.q_proj.weight"));
        QCOMPARE(paramsOf(q), qint64(256));
        QCOMPARE(bytesOf(q), qint64(512));
        QCOMPARE(paramsOf(norm), qint64(16));
        QCOMPARE(bytesOf(norm), qint64(64));

        // Groups sum their children; a layer mixes both dtypes.
        QTreeWidgetItem* attn = tree->itemAt(QStringLiteral("layers/layer 0/self_attn"));
        QCOMPARE(paramsOf(attn), TinyModel::kAttnParams);
        QCOMPARE(paramsOf(tree->itemAt(QStringLiteral("layers/layer 0/mlp"))), TinyModel::kMlpParams);
        QTreeWidgetItem* layer0 = tree->itemAt(QStringLiteral("layers/layer 0"));
        QCOMPARE(paramsOf(layer0), TinyModel::kLayerParams);
        QCOMPARE(layer0->text(ModelTreeWidget::DTypeColumn), QStringLiteral("F32, BF16"));
        QCOMPARE(paramsOf(root), TinyModel::kTotalParams);
        QCOMPARE(bytesOf(root), TinyModel::kTotalBytes);
        // The shown text is the locale's formatting of the same numbers.
        QCOMPARE(root->text(ModelTreeWidget::ParametersColumn), QLocale().toString(TinyModel::kTotalParams));
        QCOMPARE(q->text(ModelTreeWidget::BytesColumn), QLocale().formattedDataSize(512));
        QCOMPARE(tree->itemAt(QStringLiteral("lm_head"))->text(ModelTreeWidget::ShapeColumn), QStringLiteral("260 × 16"));
        QVERIFY(layer0->isExpanded());
        QVERIFY(!tree->itemAt(QStringLiteral("layers/layer 1"))->isExpanded());
    }

    void summaryShowsConfigAndBytes()
    {
        MainWindow w;
        QVERIFY(w.openModel(m_model));
        const auto* s = w.modelSummary();
        const QLocale locale;
        QCOMPARE(s->value(QStringLiteral("name")), QStringLiteral("tiny-llama"));
        QVERIFY(s->value(QStringLiteral("architecture")).startsWith(QStringLiteral("LlamaForCausalLM")));
        QCOMPARE(s->value(QStringLiteral("layers")), locale.toString(TinyModel::kLayers));
        QCOMPARE(s->value(QStringLiteral("hidden")), locale.toString(TinyModel::kHidden));
        QCOMPARE(s->value(QStringLiteral("heads")), QStringLiteral("4 / 2"));
        QCOMPARE(s->value(QStringLiteral("headDim")), QStringLiteral("4"));
        QCOMPARE(s->value(QStringLiteral("vocab")), locale.toString(TinyModel::kVocab));
        QVERIFY2(s->value(QStringLiteral("parameters")).contains(locale.toString(TinyModel::kTotalParams)),
                 qPrintable(s->value(QStringLiteral("parameters"))));
        const QString perDType = s->value(QStringLiteral("bytesByDType"));
        QVERIFY2(perDType.contains(QStringLiteral("BF16: ") + locale.formattedDataSize(TinyModel::kBF16Bytes)), qPrintable(perDType));
        QVERIFY2(perDType.contains(QStringLiteral("F32: ") + locale.formattedDataSize(TinyModel::kF32Bytes)), qPrintable(perDType));
        QVERIFY(s->value(QStringLiteral("bytes")).startsWith(locale.formattedDataSize(TinyModel::kTotalBytes)));
        QCOMPARE(s->value(QStringLiteral("tokenizer")), QStringLiteral("tokenizer.json"));
        // The overview behind it: the parameter share per component adds up.
        const auto& ov = *w.overview();
        qint64 sum = 0;
        for (qint64 c : ov.parametersByComponent)
            sum += c;
        QCOMPARE(sum, TinyModel::kTotalParams);
        QCOMPARE(ov.parametersByComponent[int(slim::widgets::Component::Attention)], TinyModel::kLayers * TinyModel::kAttnParams);
        QCOMPARE(ov.parametersByComponent[int(slim::widgets::Component::Norms)], TinyModel::kNormParams);
        QCOMPARE(ModelSummaryWidgetShort(1'234'567'890), QStringLiteral("1.23 B").replace(QLatin1Char('.'), locale.decimalPoint()));
    }

    static QString ModelSummaryWidgetShort(qint64 n) { return slim::widgets::ModelSummaryWidget::shortCount(n); }

    void badFolderShowsError_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expectInError");
        QTest::newRow("missing folder") << "missing" << "does not exist";
        QTest::newRow("empty folder") << "empty" << "config.json";
        QTest::newRow("config not json") << "badconfig" << "config.json";
        QTest::newRow("truncated weights") << "truncated" << "model.safetensors";
        QTest::newRow("config disagrees with tensors") << "mismatch" << "num_hidden_layers";
        QTest::newRow("pickle weights") << "pickle" << ".bin";
        QTest::newRow("a file, not a folder") << "file" << "not a folder";
    }

    void badFolderShowsError()
    {
        QFETCH(QString, what);
        QFETCH(QString, expectInError);
        const fs::path dir = slimtest::makeTempDir("slim-bad") / what.toStdString();
        const fs::path good = fs::path(m_model.toStdString());
        if (what != "missing" && what != "file")
            fs::create_directories(dir);
        if (what == "badconfig") {
            slimtest::writeBytes(dir / "config.json", "{\"vocab_size\": 32,");
            fs::copy_file(good / "model.safetensors", dir / "model.safetensors");
        } else if (what == "truncated") {
            fs::copy_file(good / "config.json", dir / "config.json");
            const std::string bytes = slimtest::readBytes(good / "model.safetensors");
            slimtest::writeBytes(dir / "model.safetensors", bytes.substr(0, bytes.size() / 2));
        } else if (what == "mismatch") {
            auto cfg = widgettest::tinyConfig();
            cfg["num_hidden_layers"] = 3;
            slimtest::writeBytes(dir / "config.json", cfg.dump());
            fs::copy_file(good / "model.safetensors", dir / "model.safetensors");
        } else if (what == "pickle") {
            fs::copy_file(good / "config.json", dir / "config.json");
            slimtest::writeBytes(dir / "pytorch_model.bin", std::string("PK\x03\x04", 4));
        } else if (what == "file") {
            slimtest::writeBytes(dir, "not a folder");
        }

        MainWindow w;
        w.show();
        // A good model first: a failed open must keep it.
        QVERIFY(w.openModel(m_model));
        QSignalSpy failed(&w, &MainWindow::modelOpenFailed);
        QVERIFY(!w.openModel(QString::fromStdString(dir.string())));
        QCOMPARE(failed.count(), 1);
        QVERIFY2(w.lastError().contains(expectInError, Qt::CaseInsensitive), qPrintable(w.lastError()));
        const QStringList boxes = takeErrorBoxes(&w);
        QCOMPARE(boxes.size(), 1);
        QVERIFY(boxes.first().contains(w.lastError()));
        QVERIFY(w.logView()->toPlainText().contains(w.lastError()));
        QVERIFY(w.overview().has_value());
        QCOMPARE(w.overview()->dir, QDir(m_model).absolutePath());
        QCOMPARE(w.modelTree()->topLevelItemCount(), 1);
        // Still usable afterwards.
        QVERIFY(w.openModel(m_modelNoTok));
        QCOMPARE(w.modelSummary()->value(QStringLiteral("name")), QStringLiteral("tiny-llama-notok"));
    }

    void recentModelsAreRemembered()
    {
        {
            MainWindow w;
            QVERIFY(w.openModel(m_modelNoTok));
            QVERIFY(w.openModel(m_model));
            QVERIFY(w.openModel(m_modelNoTok));
            w.close();
        }
        const QStringList recent = slim::app::AppSettings::recentModels();
        QCOMPARE(recent, (QStringList{QDir::cleanPath(m_modelNoTok), QDir::cleanPath(m_model)}));
        QVERIFY(!slim::app::AppSettings::windowGeometry().isEmpty());
        MainWindow w2;
        auto* menu = w2.findChild<QMenu*>(QStringLiteral("recentMenu"));
        QVERIFY(menu);
        QStringList paths;
        for (QAction* a : menu->actions())
            if (a->data().isValid())
                paths << a->data().toString();
        QCOMPARE(paths, recent);
        // Triggering an entry opens it.
        menu->actions().at(1)->trigger();
        QVERIFY(w2.overview().has_value());
        QCOMPARE(w2.overview()->displayName, QStringLiteral("tiny-llama"));
    }

    void generationNeedsTokenizer()
    {
        MainWindow w;
        QVERIFY(w.openModel(m_modelNoTok));
        auto* generate = w.generationPanel()->findChild<QPushButton*>(QStringLiteral("generateButton"));
        QVERIFY(generate);
        QVERIFY(!generate->isEnabled());
        QVERIFY(w.modelSummary()->value(QStringLiteral("tokenizer")).contains(QStringLiteral("tokenizer.json")));
        QVERIFY(w.openModel(m_model));
        QVERIFY(generate->isEnabled());
    }

    void generationRunsOnWorkerThread()
    {
        MainWindow w;
        w.show();
        QVERIFY(w.openModel(m_model));
        slim::widgets::GenerationPanel* panel = w.generationPanel();
        panel->setPrompt(QStringLiteral("Hello"));
        panel->setMaxNewTokens(12);
        panel->setTemperature(0.0);
        panel->findChild<QCheckBox*>(QStringLiteral("stopAtEos"))->setChecked(false);
        QSignalSpy ended(panel, &slim::widgets::GenerationPanel::generationEnded);
        QSignalSpy busy(panel, &slim::widgets::GenerationPanel::busyChanged);
        panel->findChild<QPushButton*>(QStringLiteral("generateButton"))->click();
        QVERIFY(panel->isBusy());   // returned at once: the work is on the worker thread
        QVERIFY(ended.wait(60000));
        QVERIFY2(panel->lastError().isEmpty(), qPrintable(panel->lastError()));
        QVERIFY(!panel->isBusy());
        QCOMPARE(busy.count(), 2);
        auto* output = panel->findChild<QTextEdit*>(QStringLiteral("output"));
        QVERIFY(output->toPlainText().startsWith(QStringLiteral("Hello")));
        auto* status = panel->findChild<QLabel*>(QStringLiteral("statusLabel"));
        QVERIFY2(status->text().contains(QStringLiteral("12")), qPrintable(status->text()));
        // Greedy decoding is deterministic: the same text again (the model stays loaded).
        const QString first = panel->generatedText();
        panel->generate();
        QVERIFY(ended.wait(60000));
        QCOMPARE(panel->generatedText(), first);
    }

    void generationErrorIsReportedNotThrown()
    {
        const fs::path dir = slimtest::makeTempDir("slim-badtok") / "model";
        fs::copy(fs::path(m_model.toStdString()), dir, fs::copy_options::recursive);
        slimtest::writeBytes(dir / "tokenizer.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": 7}}");
        MainWindow w;
        QVERIFY(w.openModel(QString::fromStdString(dir.string())));
        slim::widgets::GenerationPanel* panel = w.generationPanel();
        QSignalSpy ended(panel, &slim::widgets::GenerationPanel::generationEnded);
        panel->generate();
        QVERIFY(ended.wait(30000));
        QVERIFY(!panel->lastError().isEmpty());
        QVERIFY2(panel->lastError().contains(QStringLiteral("tokenizer.json")), qPrintable(panel->lastError()));
        QVERIFY(w.logView()->toPlainText().contains(panel->lastError()));
        QVERIFY(panel->findChild<QPushButton*>(QStringLiteral("generateButton"))->isEnabled());
    }

    void settingsDialogStoresLanguage()
    {
        slim::app::SettingsDialog dialog;
        auto* combo = dialog.findChild<QComboBox*>(QStringLiteral("languageCombo"));
        QVERIFY(combo);
        QCOMPARE(combo->count(), 4);   // system default + en, de, zh_CN
        QCOMPARE(dialog.selectedLanguage(), QString());
        dialog.setSelectedLanguage(QStringLiteral("de"));
        dialog.accept();
        QCOMPARE(slim::app::AppSettings::language(), QStringLiteral("de"));
        slim::app::SettingsDialog again;
        QCOMPARE(again.selectedLanguage(), QStringLiteral("de"));
    }

    void translationsAreCompiledIn_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("file");
        QTest::newRow("de") << "de" << "&Datei";
        QTest::newRow("zh_CN") << "zh_CN" << "文件(&F)";
        QTest::newRow("en") << "en" << "&File";
    }

    void translationsAreCompiledIn()
    {
        QFETCH(QString, language);
        QFETCH(QString, file);
        QTranslator translator;
        QVERIFY(translator.load(QStringLiteral(":/i18n/slimbench_%1.qm").arg(language)));
        QCoreApplication::installTranslator(&translator);
        MainWindow w;
        QStringList titles;
        for (QAction* a : w.menuBar()->actions())
            titles << a->text();
        QCoreApplication::removeTranslator(&translator);
        QVERIFY2(titles.contains(file), qPrintable(titles.join(QLatin1Char('|'))));
    }

    void layoutHoldsAtCommonSizes_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1920x1080") << QSize(1920, 1080);
    }
    void layoutHoldsAtCommonSizes()
    {
        // The architecture tree's names stay readable when the similarity dock shows a result
        // (it used to widen the right dock until the Name column shrank to nothing).
        QFETCH(QSize, size);
        MainWindow w;
        w.resize(size);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(m_model));
        auto* heat = w.similarityPanel()->heatmap();
        QVERIFY(heat->findChild<QLabel*>(QStringLiteral("similarityHint"))->isVisible() ||
                !w.similarityPanel()->isVisible());   // a hint, not empty axes, before any analysis
        QJsonArray dist;
        const int L = 24;
        for (int i = 0; i <= L; ++i) {
            QJsonArray row;
            for (int j = 0; j <= L; ++j)
                row.append(i == j ? 0.0 : 0.05 + 0.01 * std::abs(i - j));
            dist.append(row);
        }
        QJsonArray bi;
        for (int i = 0; i < L; ++i)
            bi.append(0.1 + 0.01 * i);
        heat->setResult(QJsonObject{{QStringLiteral("distance"), dist}, {QStringLiteral("block_influence"), bi},
                                    {QStringLiteral("recommendation"), QJsonObject{{QStringLiteral("start"), 20},
                                                                                   {QStringLiteral("block_size"), 3}}}});
        auto* dock = w.findChild<QDockWidget*>(QStringLiteral("similarityDock"));
        QVERIFY(dock);
        dock->show();
        dock->raise();
        QTest::qWait(100);
        QVERIFY(heat->findChild<QWidget*>(QStringLiteral("similarityPlot"))->isVisible());
        ModelTreeWidget* tree = w.modelTree();
        tree->expandAll();
        QTest::qWait(50);
        const int nameWidth = tree->header()->sectionSize(ModelTreeWidget::NameColumn);
        const int needed = tree->fontMetrics().horizontalAdvance(QStringLiteral("post_attention_layernorm"));
        QVERIFY2(nameWidth >= needed, qPrintable(QStringLiteral("Name column %1 px < %2 px").arg(nameWidth).arg(needed)));
        QVERIFY2(tree->width() >= 320, qPrintable(QString::number(tree->width())));
        // The window really has that size: no dock's minimum pushes it beyond the screen.
        QVERIFY2(w.height() <= size.height() && w.width() <= size.width(),
                 qPrintable(QStringLiteral("%1 x %2").arg(w.width()).arg(w.height())));
        QString dir = qEnvironmentVariable("SLIM_SCREENSHOT_DIR");
        if (dir.isEmpty())
            dir = QDir::temp().filePath(QStringLiteral("slimbench-screenshots"));
        QDir().mkpath(dir);
        QVERIFY(w.grab().save(QDir(dir).filePath(QStringLiteral("main_window_%1x%2.png").arg(size.width()).arg(size.height()))));
    }

    void screenshotWithModelLoaded()
    {
        MainWindow w;
        w.resize(1400, 860);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.openModel(m_model));
        w.generationPanel()->setPrompt(QStringLiteral("In the beginning"));
        QTest::qWait(50);
        const QImage shot = w.grab().toImage().convertToFormat(QImage::Format_RGB32);
        QVERIFY(!shot.isNull());
        QCOMPARE(shot.size(), w.size() * w.devicePixelRatio());

        QString dir = qEnvironmentVariable("SLIM_SCREENSHOT_DIR");
        if (dir.isEmpty())
            dir = QDir::temp().filePath(QStringLiteral("slimbench-screenshots"));
        QDir().mkpath(dir);
        const QString path = QDir(dir).filePath(QStringLiteral("main_window.png"));
        QVERIFY(shot.save(path));
        qInfo("screenshot: %s", qPrintable(path));

        // Not blank: text, icons, the tree and the chart give many distinct colours, and the
        // chart's bars (Okabe-Ito blue for the embeddings) are really drawn.
        QSet<QRgb> colours;
        qint64 barPixels = 0;
        const QColor blue(0, 114, 178);
        for (int y = 0; y < shot.height(); ++y) {
            const QRgb* line = reinterpret_cast<const QRgb*>(shot.constScanLine(y));
            for (int x = 0; x < shot.width(); ++x) {
                colours.insert(line[x]);
                if (qAbs(qRed(line[x]) - blue.red()) < 6 && qAbs(qGreen(line[x]) - blue.green()) < 6
                    && qAbs(qBlue(line[x]) - blue.blue()) < 6)
                    ++barPixels;
            }
        }
        QVERIFY2(colours.size() >= 100, qPrintable(QString::number(colours.size())));
        QVERIFY2(barPixels >= 200, qPrintable(QString::number(barPixels)));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
