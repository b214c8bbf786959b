#pragma once
/// @file settings_dialog.h
/// Application settings: the interface language (applied at the next start) and the default device
/// and dtype of new jobs.

#include <QDialog>

class QComboBox;

namespace slim::widgets { class DevicePicker; }

namespace slim::app {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget* parent = nullptr);
    /// The chosen language code ("" = system default).
    QString selectedLanguage() const;
    void setSelectedLanguage(const QString& code);

    /// Write the choices to the settings (called on accept()).
    void save() const;

    void accept() override;
    slim::widgets::DevicePicker* devicePicker() const { return m_device; }

private:
    QComboBox* m_language = nullptr;
    slim::widgets::DevicePicker* m_device = nullptr;
};

} // namespace slim::app
