#include "app/app_settings.h"

#include <QDir>
#include <QSettings>

namespace slim::app {

namespace {
const QString kRecent = QStringLiteral("recentModels");
const QString kLanguage = QStringLiteral("language");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kLastOpenDir = QStringLiteral("lastOpenDir");
} // namespace

QStringList AppSettings::recentModels()
{
    QStringList list = QSettings().value(kRecent).toStringList();
    list.removeAll(QString());
    list.removeDuplicates();
    while (list.size() > kMaxRecentModels)
        list.removeLast();
    return list;
}

void AppSettings::addRecentModel(const QString& dir)
{
    const QString clean = QDir::cleanPath(dir);
    QStringList list = recentModels();
    list.removeAll(clean);
    list.prepend(clean);
    while (list.size() > kMaxRecentModels)
        list.removeLast();
    QSettings().setValue(kRecent, list);
}

void AppSettings::removeRecentModel(const QString& dir)
{
    QStringList list = recentModels();
    list.removeAll(QDir::cleanPath(dir));
    QSettings().setValue(kRecent, list);
}

void AppSettings::clearRecentModels() { QSettings().remove(kRecent); }

QString AppSettings::language() { return QSettings().value(kLanguage).toString(); }
void AppSettings::setLanguage(const QString& language) { QSettings().setValue(kLanguage, language); }

QByteArray AppSettings::windowGeometry() { return QSettings().value(kGeometry).toByteArray(); }
QByteArray AppSettings::windowState() { return QSettings().value(kState).toByteArray(); }

void AppSettings::setWindowGeometry(const QByteArray& geometry, const QByteArray& state)
{
    QSettings s;
    s.setValue(kGeometry, geometry);
    s.setValue(kState, state);
}

QString AppSettings::lastOpenDir() { return QSettings().value(kLastOpenDir, QDir::homePath()).toString(); }
void AppSettings::setLastOpenDir(const QString& dir) { QSettings().setValue(kLastOpenDir, dir); }

} // namespace slim::app
