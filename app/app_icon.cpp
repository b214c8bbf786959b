#include "app/app_icon.h"

#include <QPainter>
#include <QPixmap>

namespace slim::app {

namespace {

QPixmap drawIcon(int size)
{
    QPixmap pm(size, size);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    p.scale(size / 64.0, size / 64.0);
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(24, 44, 77));
    p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12);
    // Four layers, each narrower than the one below: 48, 40, 30, 20 units wide.
    const QColor colors[] = {QColor(0, 114, 178), QColor(0, 158, 115), QColor(230, 159, 0), QColor(213, 94, 0)};
    const double widths[] = {48, 40, 30, 20};
    for (int i = 0; i < 4; ++i) {
        const double w = widths[i];
        const double y = 47 - i * 11;
        p.setBrush(colors[i]);
        p.drawRoundedRect(QRectF(32 - w / 2, y, w, 8), 3, 3);
    }
    return pm;
}

} // namespace

QIcon applicationIcon()
{
    QIcon icon;
    for (int size : {16, 24, 32, 48, 64, 128, 256})
        icon.addPixmap(drawIcon(size));
    return icon;
}

} // namespace slim::app
