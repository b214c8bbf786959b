#include "widgets/model_tree_widget.h"

#include <QEvent>
#include <QHeaderView>
#include <QLocale>

namespace slim::widgets {

ModelTreeWidget::ModelTreeWidget(QWidget* parent) : QTreeWidget(parent)
{
    setObjectName(QStringLiteral("modelTree"));
    setColumnCount(ColumnCount);
    setAlternatingRowColors(true);
    setUniformRowHeights(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    // Every column as wide as its contents and the last one stretched: when docks take the room, the
    // tree scrolls sideways instead of squeezing the names to nothing.
    header()->setStretchLastSection(true);
    for (int c = NameColumn; c < ColumnCount; ++c)
        header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    setMinimumWidth(320);
    retranslate();
}

void ModelTreeWidget::retranslate()
{
    setHeaderLabels({tr("Name"), tr("Shape"), tr("DType"), tr("Parameters"), tr("Bytes")});
}

void ModelTreeWidget::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QTreeWidget::changeEvent(event);
}

QTreeWidgetItem* ModelTreeWidget::makeItem(const TensorNode& node, QTreeWidgetItem* parent)
{
    auto* item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(this);
    const QLocale locale;
    item->setText(NameColumn, node.name);
    if (!node.shape.isEmpty() || node.isLeaf())
        item->setText(ShapeColumn, formatShape(node.shape));
    item->setText(DTypeColumn, node.dtype);
    item->setText(ParametersColumn, locale.toString(node.parameters));
    item->setText(BytesColumn, locale.formattedDataSize(node.bytes));
    item->setData(NameColumn, TensorNameRole, node.tensorName);
    item->setData(NameColumn, NodeNameRole, node.name);
    item->setData(ParametersColumn, ParametersRole, node.parameters);
    item->setData(BytesColumn, BytesRole, node.bytes);
    item->setTextAlignment(ParametersColumn, Qt::AlignRight | Qt::AlignVCenter);
    item->setTextAlignment(BytesColumn, Qt::AlignRight | Qt::AlignVCenter);

    QString tip = node.tensorName.isEmpty() ? node.name : node.tensorName;
    if (!node.note.isEmpty()) {
        item->setText(NameColumn, tr("%1 (%2)").arg(node.name, node.note));
        tip += QLatin1Char('\n') + node.note;
    }
    item->setToolTip(NameColumn, tip);
    item->setToolTip(BytesColumn, tr("%1 bytes").arg(locale.toString(node.bytes)));
    if (!node.isLeaf()) {
        QFont f = item->font(NameColumn);
        f.setBold(true);
        item->setFont(NameColumn, f);
    }
    for (const TensorNode& c : node.children)
        makeItem(c, item);
    return item;
}

void ModelTreeWidget::setOverview(const ModelOverview& overview)
{
    setUpdatesEnabled(false);
    clear();
    QTreeWidgetItem* root = makeItem(overview.root, nullptr);
    root->setText(NameColumn, tr("model (%1)").arg(overview.architecture));
    root->setExpanded(true);
    if (QTreeWidgetItem* layers = itemAt(QStringLiteral("layers"))) {
        layers->setExpanded(true);
        if (layers->childCount() > 0) {
            QTreeWidgetItem* first = layers->child(0);
            first->setExpanded(true);
            for (int i = 0; i < first->childCount(); ++i)
                first->child(i)->setExpanded(true);
        }
    }
    setUpdatesEnabled(true);
}

void ModelTreeWidget::clearModel() { clear(); }

QTreeWidgetItem* ModelTreeWidget::itemAt(const QString& path) const
{
    if (topLevelItemCount() == 0)
        return nullptr;
    QTreeWidgetItem* item = topLevelItem(0);
    for (const QString& part : path.split(QLatin1Char('/'), Qt::SkipEmptyParts)) {
        QTreeWidgetItem* next = nullptr;
        for (int i = 0; i < item->childCount(); ++i) {
            // Compare against the plain node name (the shown text may carry a note).
            QTreeWidgetItem* c = item->child(i);
            if (c->data(NameColumn, NodeNameRole).toString() == part) {
                next = c;
                break;
            }
        }
        if (!next)
            return nullptr;
        item = next;
    }
    return item;
}

} // namespace slim::widgets
