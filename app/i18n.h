#pragma once
/// @file i18n.h
/// The user-interface languages and loading their translations (compiled into the app as
/// :/i18n/slimbench_<lang>.qm by qt_add_translations).

#include <QList>
#include <QPair>
#include <QString>

class QCoreApplication;

namespace slim::app {

/// (code, native name) of every shipped language: ("en", "English"), ("de", "Deutsch"),
/// ("zh_CN", "简体中文").
QList<QPair<QString, QString>> availableLanguages();

/// The language to use for a setting: "" follows the system locale (falling back to English).
QString resolveLanguage(const QString& setting);

/// Install the translators for `setting` (ours and Qt's own) on `app`; returns the language used.
/// An explicitly chosen language also becomes the default locale (number formats).
QString installTranslators(QCoreApplication& app, const QString& setting);

} // namespace slim::app
