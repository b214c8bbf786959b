#pragma once
/// @file model_tree_widget.h
/// The architecture tree of a model: name, shape, dtype, parameters, bytes per row.

#include "widgets/model_overview.h"

#include <QTreeWidget>

namespace slim::widgets {

class ModelTreeWidget : public QTreeWidget {
    Q_OBJECT
public:
    enum Column { NameColumn, ShapeColumn, DTypeColumn, ParametersColumn, BytesColumn, ColumnCount };
    /// Item data roles: the raw numbers behind the formatted text (for sorting and tests).
    enum Role { TensorNameRole = Qt::UserRole + 1, NodeNameRole, ParametersRole, BytesRole };

    explicit ModelTreeWidget(QWidget* parent = nullptr);

    /// Show a model (replaces the previous one); expands the model, layers and the first layer.
    void setOverview(const ModelOverview& overview);
    void clearModel();
    /// The item at a path of names ("layers/layer 0/self_attn/q_proj"), nullptr if absent.
    QTreeWidgetItem* itemAt(const QString& path) const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    QTreeWidgetItem* makeItem(const TensorNode& node, QTreeWidgetItem* parent);
};

} // namespace slim::widgets
