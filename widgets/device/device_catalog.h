#pragma once
/// @file device_catalog.h
/// The devices jobs can run on, as `slimbench-cli devices --json` reports them (the engine the jobs
/// run with, so what the window offers is what the jobs can use): the CPU and each CUDA GPU with its
/// memory and compute capability; a GPU that build cannot use is listed, disabled, with the reason.
/// One catalog per application; pickers (device_picker.h) read it.

#include "core/eval/devices.h"

#include <QObject>
#include <QString>

namespace slim::widgets {

class Job;

class DeviceCatalog : public QObject {
    Q_OBJECT
public:
    explicit DeviceCatalog(QObject* parent = nullptr);
    /// The application's catalog (created on first use).
    static DeviceCatalog* instance();

    /// Ask the engine again (asynchronous; changed() follows).  `program` overrides the CLI (tests:
    /// a fake engine).
    void refresh(const QString& program = {});
    /// Replace the list (tests, or a list read elsewhere).
    void setDevices(const eval::DeviceList& list);
    const eval::DeviceList& devices() const { return m_list; }
    bool isLoaded() const { return m_loaded; }
    QString lastError() const { return m_error; }
    /// The device with this id, or nullptr.
    const eval::DeviceInfo* find(const QString& id) const;
    /// "NVIDIA H200 — 139.8 of 140.4 GiB free, compute 9.0".
    static QString describe(const eval::DeviceInfo& d);

signals:
    void changed();

private:
    eval::DeviceList m_list;
    bool m_loaded = false;
    QString m_error;
    Job* m_job = nullptr;
};

} // namespace slim::widgets
