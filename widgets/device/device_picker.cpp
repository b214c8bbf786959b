#include "widgets/device/device_picker.h"

#include "widgets/device/device_catalog.h"

#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QSettings>
#include <QStandardItemModel>

namespace slim::widgets {

DevicePicker::DevicePicker(QWidget* parent, DeviceCatalog* catalog)
    : QWidget(parent), m_catalog(catalog ? catalog : DeviceCatalog::instance()), m_device(new QComboBox(this)),
      m_dtype(new QComboBox(this)) {
    m_device->setObjectName(QStringLiteral("deviceCombo"));
    m_dtype->setObjectName(QStringLiteral("dtypeCombo"));
    m_device->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* l = new QHBoxLayout(this);
    l->setContentsMargins(0, 0, 0, 0);
    l->addWidget(m_device, 1);
    l->addWidget(m_dtype);
    connect(m_catalog, &DeviceCatalog::changed, this, &DevicePicker::fill);
    connect(m_device, &QComboBox::currentIndexChanged, this, [this] {
        m_wanted = device();
        fillDtypes();
        emit changed();
    });
    connect(m_dtype, &QComboBox::currentIndexChanged, this, [this] { emit changed(); });
    // The default from the settings (File > Settings), else the CPU.
    m_wanted = QSettings().value(QStringLiteral("devices/default"), QStringLiteral("cpu")).toString();
    fill();
    m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(QSettings().value(QStringLiteral("devices/dtype"), QStringLiteral("auto")))));
}

void DevicePicker::fill() {
    QSignalBlocker block(m_device);
    const QString keep = m_wanted;
    m_device->clear();
    auto* model = qobject_cast<QStandardItemModel*>(m_device->model());
    const auto& list = m_catalog->devices();
    for (const auto& d : list.devices) {
        const QString id = QString::fromStdString(d.id);
        m_device->addItem(id + QStringLiteral(": ") + DeviceCatalog::describe(d), id);
        const int row = m_device->count() - 1;
        if (!d.usable) {
            model->item(row)->setEnabled(false);
            m_device->setItemData(row, QString::fromStdString(d.note), Qt::ToolTipRole);
        }
    }
    if (!list.cudaBuild) {
        // Said, not hidden: a user with a GPU learns why it is not offered.
        m_device->addItem(tr("CUDA: not in this build (see README, CUDA build)"), QString());
        model->item(m_device->count() - 1)->setEnabled(false);
    }
    int i = m_device->findData(keep);
    if (i < 0 || !model->item(i)->isEnabled())
        i = 0;
    m_device->setCurrentIndex(i);
    m_device->setToolTip(tr("Where the job runs (slimbench-cli --device)"));
    fillDtypes();
    emit changed();
}

void DevicePicker::fillDtypes() {
    QSignalBlocker block(m_dtype);
    const QString keep = m_dtype->currentData().toString();
    m_dtype->clear();
    m_dtype->addItem(tr("auto"), QStringLiteral("auto"));
    if (const auto* d = m_catalog->find(device()))
        for (const auto& t : d->dtypes)
            m_dtype->addItem(QString::fromStdString(t), QString::fromStdString(t));
    m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(keep)));
    m_dtype->setToolTip(tr("Compute dtype (auto: the checkpoint's 16-bit dtype on a GPU; on the CPU bf16 for a bf16 checkpoint if the CPU has AVX-512 or AVX2, else fp32)"));
}

QString DevicePicker::device() const {
    const QString d = m_device->currentData().toString();
    return d.isEmpty() ? QStringLiteral("cpu") : d;
}

QString DevicePicker::dtype() const {
    const QString t = m_dtype->currentData().toString();
    return t.isEmpty() ? QStringLiteral("auto") : t;
}

void DevicePicker::setDevice(const QString& id, const QString& dtype) {
    m_wanted = id;
    const int i = m_device->findData(id);
    auto* model = qobject_cast<QStandardItemModel*>(m_device->model());
    if (i >= 0 && model->item(i)->isEnabled())
        m_device->setCurrentIndex(i);
    if (!dtype.isEmpty())
        m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(dtype)));
}

void DevicePicker::saveAsDefault() const {
    QSettings().setValue(QStringLiteral("devices/default"), device());
    QSettings().setValue(QStringLiteral("devices/dtype"), dtype());
}

QStringList DevicePicker::arguments() const {
    return {QStringLiteral("--device"), device(), QStringLiteral("--dtype"), dtype()};
}

double DevicePicker::freeBytes() const {
    const auto* d = m_catalog->find(device());
    return d && d->freeBytes >= 0 ? double(d->freeBytes) : -1.0;
}

void DevicePicker::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        fill();
    QWidget::changeEvent(event);
}

} // namespace slim::widgets
