#pragma once
/// @file app_settings.h
/// The GUI's persisted settings (QSettings; organisation / application names set in main()).

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace slim::app {

class AppSettings {
public:
    static constexpr int kMaxRecentModels = 10;

    /// Most recent first; entries are absolute folder paths.
    static QStringList recentModels();
    /// Move `dir` to the front (adding it if new), keeping at most kMaxRecentModels.
    static void addRecentModel(const QString& dir);
    static void removeRecentModel(const QString& dir);
    static void clearRecentModels();

    /// "" = follow the system, else "en", "de", "zh_CN".
    static QString language();
    static void setLanguage(const QString& language);

    static QByteArray windowGeometry();
    static QByteArray windowState();
    static void setWindowGeometry(const QByteArray& geometry, const QByteArray& state);

    /// The folder the Open dialog starts in.
    static QString lastOpenDir();
    static void setLastOpenDir(const QString& dir);
};

} // namespace slim::app
