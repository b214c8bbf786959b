#include "app/settings_dialog.h"

#include "app/app_settings.h"
#include "app/i18n.h"

#include "widgets/device/device_picker.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QVBoxLayout>

namespace slim::app {

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("settingsDialog"));
    setWindowTitle(tr("Settings"));

    m_language = new QComboBox(this);
    m_language->setObjectName(QStringLiteral("languageCombo"));
    m_language->addItem(tr("System default"), QString());
    for (const auto& [code, name] : availableLanguages())
        m_language->addItem(name, code);
    setSelectedLanguage(AppSettings::language());

    auto* note = new QLabel(tr("A new language takes effect when Slimbench is started again."), this);
    note->setWordWrap(true);

    m_device = new widgets::DevicePicker(this);
    m_device->setObjectName(QStringLiteral("defaultDevice"));
    m_device->setToolTip(tr("Where analyses, generation and pipeline runs compute unless a job says otherwise"));

    auto* form = new QFormLayout;
    form->addRow(tr("&Language:"), m_language);
    form->addRow(tr("Default &device:"), m_device);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(note);
    layout->addStretch(1);
    layout->addWidget(buttons);
}

QString SettingsDialog::selectedLanguage() const { return m_language->currentData().toString(); }

void SettingsDialog::setSelectedLanguage(const QString& code)
{
    const int index = m_language->findData(code);
    m_language->setCurrentIndex(index >= 0 ? index : 0);
}

void SettingsDialog::save() const {
    AppSettings::setLanguage(selectedLanguage());
    m_device->saveAsDefault();
}

void SettingsDialog::accept()
{
    save();
    QDialog::accept();
}

} // namespace slim::app
