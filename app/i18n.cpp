#include "app/i18n.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace slim::app {

QList<QPair<QString, QString>> availableLanguages()
{
    // Native names: a user who cannot read the current language still finds their own.
    return {
        {QStringLiteral("en"), QStringLiteral("English")},
        {QStringLiteral("de"), QStringLiteral("Deutsch")},
        {QStringLiteral("zh_CN"), QStringLiteral("简体中文")},
    };
}

QString resolveLanguage(const QString& setting)
{
    for (const auto& [code, name] : availableLanguages())
        if (setting == code)
            return code;
    const QLocale system = QLocale::system();
    if (system.language() == QLocale::German)
        return QStringLiteral("de");
    if (system.language() == QLocale::Chinese)
        return QStringLiteral("zh_CN");
    return QStringLiteral("en");
}

QString installTranslators(QCoreApplication& app, const QString& setting)
{
    const QString language = resolveLanguage(setting);
    if (!setting.isEmpty())
        QLocale::setDefault(QLocale(language));

    auto* ours = new QTranslator(&app);
    if (ours->load(QStringLiteral(":/i18n/slimbench_%1.qm").arg(language)))
        app.installTranslator(ours);
    else
        delete ours;
    // Qt's own strings (standard buttons, dialogs), when the distribution ships them.
    auto* qt = new QTranslator(&app);
    if (qt->load(QStringLiteral("qtbase_%1").arg(language), QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        app.installTranslator(qt);
    else
        delete qt;
    return language;
}

} // namespace slim::app
