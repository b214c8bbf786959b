#pragma once
/// @file comparison_view.h
/// Compare the variants: the result records of a database (the pipeline runs' results.sqlite) as a
/// sortable table with chosen columns and standard errors, filtered by model and pipeline run, and a
/// chart over it — bars per metric (or % change vs the base), quality vs memory and quality vs speed
/// with the Pareto front, a metric against a swept setting.  Charts export as PNG / SVG; the report
/// exports as PDF (pdf_report.h) or Markdown.

#include "core/results/comparison.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QToolButton;

namespace slim::widgets {

class ResultTableModel;

class ComparisonView : public QWidget {
    Q_OBJECT
public:
    explicit ComparisonView(QWidget* parent = nullptr);

    /// Read the records of `db` (keeps the filters); false with lastError() set when it cannot be read.
    bool openDatabase(const QString& db);
    QString database() const { return m_db; }
    /// Reread the database (after a pipeline run wrote records).
    void reload();
    /// Only records of this pipeline run id or pipeline name ("" = all).
    void setRunFilter(const QString& run);
    void setModelFilter(const QString& text);
    /// Only this task's quality records ("" = all tasks).
    void setTaskFilter(const QString& task);
    /// 0 bars, 1 quality vs stored size, 2 quality vs speed, 3 metric vs setting, 4 quality vs peak
    /// memory, 5 quality vs energy (ChartKind).
    void setChartKind(int kind);
    void setRelative(bool on);

    const results::Comparison& comparison() const;
    ResultTableModel* tableModel() const { return m_model; }
    QCustomPlot* plot() const { return m_plot; }
    QString lastError() const { return m_lastError; }
    /// The left-out lines shown under the chart (records and chart points not used, with reasons).
    QStringList leftOut() const { return m_leftOut; }
    /// The options the view compares with (the report uses the same selection).
    results::ComparisonOptions options() const;

public slots:
    bool exportChart(const QString& file = {});
    bool exportReport(const QString& file = {});
    void chooseDatabase();

signals:
    void message(const QString& text);

protected:
    void changeEvent(QEvent* event) override;

private:
    void rebuild();
    void redraw();
    void fillChartChoices();
    void retranslate();

    QString m_db;
    QString m_lastError;
    QStringList m_leftOut;
    std::vector<results::ResultRecord> m_records;
    ResultTableModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QTableView* m_table;
    QCustomPlot* m_plot;
    QLabel* m_dbLabel;
    QLabel* m_leftOutLabel;
    QLineEdit* m_modelFilter;
    QComboBox* m_run;
    QComboBox* m_task;
    QLabel* m_taskLabel;
    QComboBox* m_kind;
    QComboBox* m_metric;
    QComboBox* m_setting;
    QCheckBox* m_stderr;
    QCheckBox* m_relative;
    QToolButton* m_columns;
    QToolButton* m_openButton;
    QToolButton* m_reloadButton;
    QToolButton* m_exportChartButton;
    QToolButton* m_exportReportButton;
    QLabel* m_runLabel;
    QLabel* m_modelLabel;
    QLabel* m_kindLabel;
    QLabel* m_metricLabel;
};

} // namespace slim::widgets
