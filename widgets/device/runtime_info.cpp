#include "widgets/torch_include.h"

#include "widgets/device/runtime_info.h"

#include "widgets/device/device_catalog.h"

#include <torch/version.h>

#include <QCoreApplication>
#include <QStringList>

namespace slim::widgets {

QString windowRuntime() {
    return QCoreApplication::translate("slim::widgets::DeviceCatalog", "LibTorch %1, %2")
        .arg(QStringLiteral(TORCH_VERSION),
             at::hasCUDA() ? QCoreApplication::translate("slim::widgets::DeviceCatalog", "with CUDA")
                           : QCoreApplication::translate("slim::widgets::DeviceCatalog", "CPU only"));
}

QString engineRuntime() {
    const DeviceCatalog* c = DeviceCatalog::instance();
    if (!c->isLoaded())
        return c->lastError().isEmpty() ? QCoreApplication::translate("slim::widgets::DeviceCatalog", "not known yet")
                                        : c->lastError();
    const auto& l = c->devices();
    QStringList devices;
    for (const auto& d : l.devices)
        if (d.usable)
            devices << QString::fromStdString(d.id) + (d.id == "cpu" ? QString() : QStringLiteral(" (") + QString::fromStdString(d.name) + ')');
    return QCoreApplication::translate("slim::widgets::DeviceCatalog", "LibTorch %1, %2: %3")
        .arg(QString::fromStdString(l.libtorch),
             l.cudaBuild ? QStringLiteral("CUDA ") + QString::fromStdString(l.cuda)
                         : QCoreApplication::translate("slim::widgets::DeviceCatalog", "no CUDA"),
             devices.join(QStringLiteral(", ")));
}

} // namespace slim::widgets
