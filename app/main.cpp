// slimbench: the desktop GUI.  Usage: slimbench [MODEL_DIR] [--demo]

#include "app/app_icon.h"
#include "app/app_settings.h"
#include "app/i18n.h"
#include "app/main_window.h"
#include "core/io/resources.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

int main(int argc, char** argv)
{
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
    parser.process(app);

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
    return app.exec();
}
