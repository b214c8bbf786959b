#pragma once
/// @file distribution_panel.h
/// Weight distributions of a checkpoint: the histogram of one tensor, of one decoder layer's
/// projection matrices, or of one kind of tensor across all layers (e.g. every down_proj), with
/// its statistics (mean, std, excess kurtosis, max |w|, share beyond kσ, sparsity, NaN/Inf), and
/// optionally overlaid with the same tensor of a second model (before / after compression).
///
/// The statistics come from core's computeWeightStats, streamed from the memory-mapped shards on
/// a Job (progress, Cancel): seconds even for a 1B-parameter bf16 checkpoint.

#include <QString>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QToolButton;

namespace slim::widgets {

class Job;
class HistogramPlot;

class DistributionPanel : public QWidget {
    Q_OBJECT
public:
    enum class Scope { Kind = 0, Layer = 1, Tensor = 2 };

    explicit DistributionPanel(QWidget* parent = nullptr);
    ~DistributionPanel() override;

    /// The model to show; starts the computation (empty = none).
    void setModelDir(const QString& dir);
    /// A second model overlaid on the first (empty = no overlay); recomputes.
    void setCompareDir(const QString& dir);
    QString modelDir() const { return m_modelDir; }
    QString compareDir() const { return m_compareDir; }

    void setScope(Scope scope);
    Scope scope() const;
    /// Choose the item of the current scope by its name (tensor name, "layer 3", or the kind
    /// "model.layers.*.mlp.down_proj.weight"); false when there is no such item.
    bool selectItem(const QString& name);
    QString currentItem() const;
    /// Items offered for the current scope, in order.
    QStringList items() const;
    void setBins(int bins);
    void setLogCounts(bool on);
    /// A chosen histogram range (lo < hi), or none (automatic: min..max of each tensor).
    void setRange(bool chosen, double lo = 0.0, double hi = 0.0);

    bool isRunning() const;
    QString lastError() const { return m_lastError; }
    HistogramPlot* histogram() const { return m_plot; }
    QTableWidget* statisticsTable() const { return m_table; }
    /// Seconds the last computation took (both models).
    double lastSeconds() const { return m_lastSeconds; }

public slots:
    void recompute();
    void cancel();

signals:
    /// A computation ended: ok = results are shown.
    void finished(bool ok);
    /// A line for the application log.
    void message(const QString& text);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void refillItems();
    void showCurrent();
    void onFinished(int outcome, const QString& text);

    struct Data;
    std::unique_ptr<Data> m_data;
    QString m_modelDir, m_compareDir, m_lastError;
    double m_lastSeconds = 0.0;
    bool m_pending = false;

    QLabel* m_scopeLabel = nullptr;
    QComboBox* m_scope = nullptr;
    QComboBox* m_item = nullptr;
    QLabel* m_binsLabel = nullptr;
    QSpinBox* m_bins = nullptr;
    QCheckBox* m_log = nullptr;
    QCheckBox* m_rangeBox = nullptr;
    QDoubleSpinBox* m_lo = nullptr;
    QDoubleSpinBox* m_hi = nullptr;
    QPushButton* m_compareButton = nullptr;
    QToolButton* m_clearCompare = nullptr;
    QLabel* m_compareLabel = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    HistogramPlot* m_plot = nullptr;
    QTableWidget* m_table = nullptr;
    Job* m_task = nullptr;
};

} // namespace slim::widgets
