#include "widgets/device/device_catalog.h"

#include "widgets/job.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QLocale>
#include <QPointer>

namespace slim::widgets {

namespace {
eval::DeviceList cpuOnly() {
    eval::DeviceList l;
    eval::DeviceInfo cpu;
    cpu.id = "cpu";
    cpu.name = "CPU";
    cpu.dtypes = eval::supportedDtypes("cpu", "");
    l.devices.push_back(cpu);
    return l;
}
} // namespace

DeviceCatalog::DeviceCatalog(QObject* parent) : QObject(parent), m_list(cpuOnly()), m_job(new Job(this)) {
    connect(m_job, &Job::finished, this, [this](Job::Outcome o, const QString& message) {
        if (o != Job::Outcome::Succeeded) {
            m_error = message;
            emit changed();
            return;
        }
        for (auto it = m_job->events().rbegin(); it != m_job->events().rend(); ++it) {
            if (it->value(QLatin1String("event")).toString() != QLatin1String("result"))
                continue;
            try {
                const QByteArray bytes = QJsonDocument(*it).toJson(QJsonDocument::Compact);
                setDevices(eval::DeviceList::fromJson(nlohmann::json::parse(bytes.toStdString())));
                m_error.clear();
            } catch (const std::exception& e) {
                m_error = QString::fromUtf8(e.what());
                emit changed();
            }
            return;
        }
        m_error = tr("slimbench-cli devices returned no result");
        emit changed();
    });
}

DeviceCatalog* DeviceCatalog::instance() {
    static QPointer<DeviceCatalog> catalog;
    if (!catalog)
        catalog = new DeviceCatalog(QCoreApplication::instance());
    return catalog;
}

void DeviceCatalog::refresh(const QString& program) {
    QString error;
    const QString cli = resolveCliProgram(program, &error);
    if (cli.isEmpty()) {
        m_error = error;
        emit changed();
        return;
    }
    m_job->start(cli, {QStringLiteral("devices"), QStringLiteral("--json")});
}

void DeviceCatalog::setDevices(const eval::DeviceList& list) {
    m_list = list;
    if (m_list.devices.empty())
        m_list = cpuOnly();
    m_loaded = true;
    emit changed();
}

const eval::DeviceInfo* DeviceCatalog::find(const QString& id) const {
    for (const auto& d : m_list.devices)
        if (QString::fromStdString(d.id) == id)
            return &d;
    return nullptr;
}

QString DeviceCatalog::describe(const eval::DeviceInfo& d) {
    QString s = QString::fromStdString(d.name);
    if (d.totalBytes > 0) {
        const QLocale l;
        const double g = 1024.0 * 1024.0 * 1024.0;
        s += tr(" — %1 of %2 GiB free").arg(l.toString(double(d.freeBytes) / g, 'f', 1), l.toString(double(d.totalBytes) / g, 'f', 1));
    }
    if (!d.computeCapability.empty())
        s += tr(", compute %1").arg(QString::fromStdString(d.computeCapability));
    return s;
}

} // namespace slim::widgets
