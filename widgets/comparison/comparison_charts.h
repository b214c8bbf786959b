#pragma once
/// @file comparison_charts.h
/// Charts over a comparison (core/results/comparison.h), drawn into a QCustomPlot so that the view shows
/// them interactively and the PDF report paints the same plots as vector graphics.  Each chart uses
/// numbers of one column only (one task, convention, device and setting): the title says which, and a
/// variant without a value is left out and listed with the reason, never drawn as 0.

#include "core/results/comparison.h"

#include <QCoreApplication>
#include <QString>
#include <QStringList>

class QCustomPlot;

namespace slim::widgets {

enum class ChartKind {
    Bars,          ///< one bar per variant for a metric, with error bars (or % change vs the base)
    QualityMemory, ///< the metric against the stored weight bytes, Pareto front drawn
    QualitySpeed,  ///< the metric against batch-1 decode tokens/s, Pareto front drawn
    Sweep,         ///< the metric against a compression setting (bits, sparsity, layers removed...)
    QualityPeakMemory, ///< the metric against the measured peak memory, Pareto front drawn
    QualityEnergy  ///< the metric against J/token where a meter was readable, Pareto front drawn
};

struct ChartSpec {
    ChartKind kind = ChartKind::Bars;
    int column = -1;           ///< comparison column; -1 = the comparison's quality column
    bool relative = false;     ///< Bars: % change vs the base instead of values (every metric of the table, grouped)
    std::string setting;       ///< Sweep: "bits", "sparsity", "layers_removed", "group", "lora_rank"
};

struct ChartOutcome {
    QString title;
    QStringList leftOut;       ///< "variant: reason"
    std::vector<size_t> pareto; ///< variants on the Pareto front (scatter charts)
    int points = 0;            ///< values drawn
};

class ComparisonCharts {
    Q_DECLARE_TR_FUNCTIONS(slim::widgets::ComparisonCharts)
public:
    /// Clear `plot` and draw the chart.  Works without a window (the PDF report).
    static ChartOutcome draw(QCustomPlot* plot, const results::Comparison& c, const ChartSpec& spec);
    /// Save what `plot` shows as SVG (vector), PNG or PDF, by extension; false with `error` set on failure.
    static bool save(QCustomPlot* plot, const QString& file, QString* error);

private:
    static QString better(results::Direction d);
    static ChartOutcome scatter(QCustomPlot* plot, const results::Comparison& c, size_t col,
                                const std::vector<std::optional<double>>& xs, const QString& xLabel, results::Direction dx,
                                const QString& missingWhy);
};

} // namespace slim::widgets
