#pragma once
/// @file result_table_model.h
/// The variants of a comparison (core/results/comparison.h) as a table: one row per variant; columns
/// for what was done to it, stored weights, peak memory, decode speed and energy, then one column per
/// measured metric (task · convention · device).  Missing values read "not available", never 0.
/// Sorting uses the raw numbers (Qt::UserRole); values show "± standard error" when enabled.

#include "core/results/comparison.h"

#include <QAbstractTableModel>

namespace slim::widgets {

class ResultTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    /// The fixed columns before the metric columns.
    enum Fixed { Variant, Steps, Stored, Peak, Decode, Energy, FixedCount };

    explicit ResultTableModel(QObject* parent = nullptr);
    void setComparison(results::Comparison c);
    const results::Comparison& comparison() const { return m_c; }
    void setShowStderr(bool on);
    bool showStderr() const { return m_stderr; }
    /// The metric column (index into comparison().columns) of a model column, -1 for fixed ones.
    int metricColumn(int modelColumn) const { return modelColumn >= FixedCount ? modelColumn - FixedCount : -1; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    results::Comparison m_c;
    bool m_stderr = true;
};

} // namespace slim::widgets
