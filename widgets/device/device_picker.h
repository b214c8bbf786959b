#pragma once
/// @file device_picker.h
/// A device and dtype choice for a job: one entry per device of the catalog (disabled, with the
/// reason, when this build cannot use it; "no CUDA in this build" said when the engine has none), and
/// the dtypes that device supports.  Jobs pass arguments() to slimbench-cli.

#include <QWidget>

class QComboBox;
class QLabel;

namespace slim::widgets {

class DeviceCatalog;

class DevicePicker : public QWidget {
    Q_OBJECT
public:
    /// `catalog` = nullptr: the application's catalog.
    explicit DevicePicker(QWidget* parent = nullptr, DeviceCatalog* catalog = nullptr);

    QString device() const;     ///< "cpu", "cuda:0"
    QString dtype() const;      ///< "auto", "bf16", ...
    /// Select a device (when the catalog has it and it is usable) and a dtype ("" keeps it).
    void setDevice(const QString& id, const QString& dtype = {});
    /// Store the current choice as the default for new pickers (settings "devices/default", "devices/dtype").
    void saveAsDefault() const;
    /// {"--device", id, "--dtype", dtype}
    QStringList arguments() const;
    /// The free memory of the chosen device in bytes (-1 = unknown).
    double freeBytes() const;

signals:
    void changed();

protected:
    void changeEvent(QEvent* event) override;

private:
    void fill();
    void fillDtypes();

    DeviceCatalog* m_catalog;
    QComboBox* m_device;
    QComboBox* m_dtype;
    QString m_wanted;
};

} // namespace slim::widgets
