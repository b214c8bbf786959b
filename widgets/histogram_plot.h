#pragma once
/// @file histogram_plot.h
/// A histogram view (QCustomPlot) for one series, or an overlay of two (before / after
/// compression).  One series is drawn as raw counts per bin; an overlay as densities
/// (count / (N · bin width)), so two histograms with different ranges or sizes compare fairly.
/// Counts can be drawn on a log scale (empty bins are left out there).  Hovering shows the bin's
/// range, count and share.

#include <QColor>
#include <QString>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QMouseEvent;

namespace slim::widgets {

struct HistogramSeries {
    QString label;
    double lo = 0.0, hi = 0.0;       ///< the bins cover [lo, hi] in equal steps
    QVector<qint64> counts;
    qint64 outside = 0;              ///< finite values outside [lo, hi] (a chosen range)
    double mean = 0.0, std = 0.0;    ///< drawn as a marker and ±σ band edges when std > 0
};

class HistogramPlot : public QWidget {
    Q_OBJECT
public:
    explicit HistogramPlot(QWidget* parent = nullptr);

    /// Replace what is shown (1 series: counts; 2 or more: densities).
    void setSeries(const QVector<HistogramSeries>& series);
    void clear();
    void setLogCounts(bool on);
    bool logCounts() const { return m_log; }
    bool isDensity() const { return m_series.size() > 1; }
    const QVector<HistogramSeries>& series() const { return m_series; }
    /// The y value drawn for bin `bin` of series `s` (count or density).
    double valueAt(int s, int bin) const;
    /// Tooltip text for plot x coordinate `x` (empty outside every series).
    QString tooltipAt(double x) const;
    QCustomPlot* plot() const { return m_plot; }

private:
    void rebuild();
    void onMouseMove(QMouseEvent* event);

    QCustomPlot* m_plot = nullptr;
    QVector<HistogramSeries> m_series;
    bool m_log = false;
};

/// The colours series are drawn in (first: blue, second: orange), also used by legends elsewhere.
QColor histogramColor(int index);

} // namespace slim::widgets
