#include "app/demo_model_support.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

// core/model/demo_model.h decides where the demo model lives and when it is complete.  The
// fallback (a core without it) mirrors its documented folder and checks for the weights only.
#if __has_include("core/model/demo_model.h")
#pragma push_macro("slots")
#undef slots
#include "core/model/demo_model.h"
#pragma pop_macro("slots")
#define SLIMBENCH_HAVE_DEMO_MODEL 1
#else
#define SLIMBENCH_HAVE_DEMO_MODEL 0
#endif

#include <exception>

namespace slim::app {

QString demoModelDir()
{
#if SLIMBENCH_HAVE_DEMO_MODEL
    try {
        return QString::fromStdString(slim::model::demoModelDir().string());
    } catch (const std::exception&) {
        // No usable data folder (no HOME): fall through to Qt's idea of it.
    }
#endif
    if (const QString d = qEnvironmentVariable("SLIMBENCH_DATA_DIR"); !d.isEmpty())
        return QDir(d).filePath(QStringLiteral("demo-model"));
    QString base = qEnvironmentVariable("XDG_DATA_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    return QDir(base).filePath(QStringLiteral("slimbench/demo-model"));
}

bool demoModelReady()
{
#if SLIMBENCH_HAVE_DEMO_MODEL
    try {
        return slim::model::demoModelReady();
    } catch (const std::exception&) {
        return false;
    }
#else
    const QDir dir(demoModelDir());
    return QFileInfo::exists(dir.filePath(QStringLiteral("config.json")))
           && (QFileInfo::exists(dir.filePath(QStringLiteral("model.safetensors")))
               || QFileInfo::exists(dir.filePath(QStringLiteral("model.safetensors.index.json"))));
#endif
}

QStringList demoModelCreateArguments() { return {QStringLiteral("train-demo"), QStringLiteral("--json")}; }

} // namespace slim::app
