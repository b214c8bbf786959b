#pragma once
/// @file model_summary_widget.h
/// The summary of a model: config.json values, parameter count, bytes per dtype, and a bar chart
/// of the parameter share of embeddings / attention / MLP / norms / lm_head.

#include "widgets/model_overview.h"

#include <QMap>
#include <QWidget>

#include <optional>

class QCustomPlot;
class QFormLayout;
class QLabel;

namespace slim::widgets {

class ModelSummaryWidget : public QWidget {
    Q_OBJECT
public:
    explicit ModelSummaryWidget(QWidget* parent = nullptr);

    void setOverview(const ModelOverview& overview);
    void clearModel();
    /// The shown value of a summary row ("architecture", "layers", "hidden", "heads", "headDim",
    /// "vocab", "parameters", "bytes", "bytesByDType", ...); empty when unknown.
    QString value(const QString& key) const;
    QCustomPlot* chart() const { return m_chart; }

    /// "1.10 B", "124.4 M", "932 K", "17".
    static QString shortCount(qint64 n);

protected:
    void changeEvent(QEvent* event) override;

private:
    void build();
    void refresh();
    void updateChart();

    std::optional<ModelOverview> m_overview;
    QFormLayout* m_form = nullptr;
    QMap<QString, QLabel*> m_values;
    QMap<QString, QLabel*> m_labels;
    QCustomPlot* m_chart = nullptr;
};

} // namespace slim::widgets
