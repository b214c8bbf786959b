// slimbench: the desktop GUI.  Usage: slimbench [MODEL_DIR] [--demo] [--pipeline FILE]
// Headless: slimbench --report-pdf FILE --db DB [--run ID ...] [--model NAME] [--base LABEL] [--paper a4|letter]
// lays out the PDF report without a window (slimbench-cli report --format pdf runs this).

#include "core/cpu/huge_pages.h"
#include "app/app_icon.h"
#include "app/app_settings.h"
#include "app/i18n.h"
#include "app/main_window.h"
#include "core/common/errors.h"
#include "core/io/resources.h"
#include "core/results/report.h"
#include "widgets/comparison/pdf_report.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include <cstdio>

int main(int argc, char** argv)
{
    slim::cpu::passiveOpenMpWait(argv);
    slim::cpu::configureAllocator();   // decode's per-token buffers reused, not re-mapped (core/cpu/huge_pages.h)
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Slimbench"));
    QApplication::setApplicationName(QStringLiteral("slimbench"));
    QApplication::setApplicationDisplayName(QStringLiteral("Slimbench"));
    QApplication::setApplicationVersion(QStringLiteral(SLIMBENCH_VERSION));
    QApplication::setWindowIcon(slim::app::applicationIcon());
    slim::app::installTranslators(app, slim::app::AppSettings::language());

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("main", "Slimbench: a workbench for compressing large language models."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("MODEL_DIR"),
                                 QCoreApplication::translate("main", "A checkpoint folder to open."),
                                 QStringLiteral("[MODEL_DIR]"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        QCoreApplication::translate("main", "Open the built-in demo model, creating it first if needed."));
    parser.addOption(demoOption);
    const QCommandLineOption pipelineOption(
        QStringLiteral("pipeline"),
        QCoreApplication::translate("main", "A pipeline file to open in the pipeline editor (with --demo: the example "
                                            "prune-lora-quantize.json by default)."),
        QStringLiteral("FILE"));
    parser.addOption(pipelineOption);
    const QCommandLineOption reportOption(QStringLiteral("report-pdf"),
                                          QCoreApplication::translate("main", "Write the PDF report of a result database and exit."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption dbOption(QStringLiteral("db"), QCoreApplication::translate("main", "The result database (with --report-pdf)."),
                                      QStringLiteral("DB"));
    const QCommandLineOption runOption(QStringLiteral("run"), QCoreApplication::translate("main", "Only this pipeline run (id or name); repeatable."),
                                       QStringLiteral("RUN"));
    const QCommandLineOption modelOption(QStringLiteral("model"), QCoreApplication::translate("main", "Only models whose folder name contains NAME."),
                                         QStringLiteral("NAME"));
    const QCommandLineOption taskOption(QStringLiteral("task"), QCoreApplication::translate("main", "Only this quality task."),
                                        QStringLiteral("TASK"));
    const QCommandLineOption baseOption(QStringLiteral("base"), QCoreApplication::translate("main", "The variant changes are relative to."),
                                        QStringLiteral("LABEL"));
    const QCommandLineOption paperOption(QStringLiteral("paper"), QCoreApplication::translate("main", "a4 (default) or letter."),
                                         QStringLiteral("SIZE"));
    const QCommandLineOption resultsOption(QStringLiteral("results"),
                                           QCoreApplication::translate("main", "A result database to open in the comparison view."),
                                           QStringLiteral("DB"));
    for (const auto* o : {&reportOption, &dbOption, &runOption, &modelOption, &baseOption, &paperOption, &resultsOption, &taskOption})
        parser.addOption(*o);
    parser.process(app);

    if (parser.isSet(reportOption)) {
        try {
            slim::results::ComparisonOptions o;
            for (const QString& r : parser.values(runOption))
                o.runs.push_back(r.toStdString());
            o.model = parser.value(modelOption).toStdString();
            o.base = parser.value(baseOption).toStdString();
            o.task = parser.value(taskOption).toStdString();
            if (!parser.isSet(dbOption))
                throw slim::ConfigError("--report-pdf needs --db DB");
            const auto in = slim::results::loadReport(parser.value(dbOption).toStdString(), o);
            slim::widgets::PdfReportOptions po;
            const QString paper = parser.value(paperOption).toLower();
            if (paper == QLatin1String("letter"))
                po.page = QPageSize::Letter;
            else if (!paper.isEmpty() && paper != QLatin1String("a4"))
                throw slim::ConfigError("--paper: a4 or letter, not '" + paper.toStdString() + "'");
            QString error;
            if (!slim::widgets::writePdfReport(in, parser.value(reportOption), po, &error))
                throw slim::IoError(error.toStdString());
            std::fprintf(stderr, "wrote %s\n", qPrintable(parser.value(reportOption)));
            return 0;
        } catch (const std::exception& e) {
            std::fprintf(stderr, "slimbench: %s\n", e.what());
            return 1;
        }
    }

    slim::app::MainWindow window;
    window.show();
    const QStringList positional = parser.positionalArguments();
    // After the event loop starts, so the window is up and errors appear over it.
    if (parser.isSet(demoOption))
        QTimer::singleShot(0, &window, [&window] { window.openDemoModel(false); });
    else if (!positional.isEmpty())
        QTimer::singleShot(0, &window, [&window, dir = positional.first()] { window.openModel(dir); });
    QString pipeline = parser.value(pipelineOption);
    if (pipeline.isEmpty() && parser.isSet(demoOption)) {
        try {
            pipeline = QString::fromStdString((slim::io::pipelinesDir() / "prune-lora-quantize.json").string());
        } catch (const std::exception&) {
            // No shipped pipelines found: the editor starts empty.
        }
    }
    if (!pipeline.isEmpty())
        QTimer::singleShot(0, &window, [&window, pipeline] { window.openPipeline(pipeline); });
    if (parser.isSet(resultsOption))
        QTimer::singleShot(0, &window, [&window, db = parser.value(resultsOption)] { window.openResults(db); });
    return app.exec();
}
