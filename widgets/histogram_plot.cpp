#include "widgets/histogram_plot.h"

#include <qcustomplot.h>

#include <QLocale>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace slim::widgets {

QColor histogramColor(int index) {
    static const QColor colors[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                    QColor(214, 39, 40)};
    return colors[index % 4];
}

namespace {

qint64 total(const HistogramSeries& s) {
    qint64 n = s.outside;
    for (qint64 c : s.counts)
        n += c;
    return n;
}

double binWidth(const HistogramSeries& s) {
    return s.counts.isEmpty() ? 0.0 : (s.hi - s.lo) / double(s.counts.size());
}

} // namespace

HistogramPlot::HistogramPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("histogramPlot"));
    m_plot->setMinimumHeight(90);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->legend->setVisible(false);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.9);
    m_plot->legend->setFont(legendFont);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &HistogramPlot::onMouseMove);
    layout->addWidget(m_plot);
    rebuild();
}

void HistogramPlot::setSeries(const QVector<HistogramSeries>& series) {
    m_series = series;
    rebuild();
}

void HistogramPlot::clear() { setSeries({}); }

void HistogramPlot::setLogCounts(bool on) {
    if (m_log == on)
        return;
    m_log = on;
    rebuild();
}

double HistogramPlot::valueAt(int s, int bin) const {
    if (s < 0 || s >= m_series.size() || bin < 0 || bin >= m_series[s].counts.size())
        return std::numeric_limits<double>::quiet_NaN();
    const HistogramSeries& h = m_series[s];
    const double c = double(h.counts[bin]);
    if (!isDensity())
        return c;
    const double n = double(total(h)), w = binWidth(h);
    return n > 0 && w > 0 ? c / (n * w) : 0.0;
}

void HistogramPlot::rebuild() {
    m_plot->clearGraphs();
    m_plot->clearItems();
    const bool density = isDensity();
    double xLo = std::numeric_limits<double>::infinity(), xHi = -xLo, yHi = 0.0, yLoPositive = xLo;
    for (int s = 0; s < m_series.size(); ++s) {
        const HistogramSeries& h = m_series[s];
        if (h.counts.isEmpty())
            continue;
        const int bins = int(h.counts.size());
        const double w = binWidth(h) > 0 ? binWidth(h) : 1.0;
        QVector<double> x, y;
        x.reserve(bins + 2);
        y.reserve(bins + 2);
        // Step edges: a point at each bin's left edge, plus the closing right edge.
        for (int b = 0; b < bins; ++b) {
            double v = valueAt(s, b);
            if (v > 0)
                yLoPositive = std::min(yLoPositive, v);
            yHi = std::max(yHi, v);
            if (m_log && v <= 0)
                v = std::numeric_limits<double>::quiet_NaN();
            x.push_back(h.lo + b * w);
            y.push_back(v);
        }
        x.push_back(h.lo + bins * w);
        y.push_back(y.back());
        QCPGraph* g = m_plot->addGraph();
        g->setName(h.label);
        g->setLineStyle(QCPGraph::lsStepLeft);
        const QColor c = histogramColor(s);
        g->setPen(QPen(c, 1.5));
        QColor fill = c;
        fill.setAlpha(m_series.size() > 1 ? 60 : 110);
        g->setBrush(fill);
        g->setData(x, y, true);
        xLo = std::min(xLo, h.lo);
        xHi = std::max(xHi, h.lo + bins * w);
        if (h.std > 0) {
            auto* line = new QCPItemStraightLine(m_plot);
            // Two points with y > 0, valid on linear and log axes alike.
            line->point1->setCoords(h.mean, 1);
            line->point2->setCoords(h.mean, 2);
            QPen pen(c.darker(130), 1, Qt::DashLine);
            line->setPen(pen);
        }
    }
    m_plot->yAxis->setLabel(density ? tr("density") : tr("count"));
    m_plot->xAxis->setLabel(tr("value"));
    if (m_log) {
        m_plot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        m_plot->yAxis->setScaleType(QCPAxis::stLinear);
        m_plot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    if (std::isfinite(xLo) && xHi > xLo) {
        const double pad = 0.02 * (xHi - xLo);
        m_plot->xAxis->setRange(xLo - pad, xHi + pad);
        if (m_log && std::isfinite(yLoPositive))
            m_plot->yAxis->setRange(yLoPositive * 0.5, yHi * 2.0);
        else
            m_plot->yAxis->setRange(0, yHi > 0 ? yHi * 1.05 : 1.0);
    } else {
        m_plot->xAxis->setRange(-1, 1);
        m_plot->yAxis->setRange(m_log ? 1 : 0, m_log ? 10 : 1);
    }
    m_plot->legend->setVisible(m_series.size() > 1);
    m_plot->replot();
}

QString HistogramPlot::tooltipAt(double x) const {
    QStringList lines;
    const QLocale loc;
    for (int s = 0; s < m_series.size(); ++s) {
        const HistogramSeries& h = m_series[s];
        const double w = binWidth(h);
        if (h.counts.isEmpty() || w <= 0 || x < h.lo || x > h.hi)
            continue;
        const int bin = std::min(int(h.counts.size()) - 1, int(std::floor((x - h.lo) / w)));
        const qint64 n = total(h);
        const qint64 c = h.counts[bin];
        QString line = tr("%1: [%2, %3) %4 values (%5 %)")
                           .arg(h.label, QString::number(h.lo + bin * w, 'g', 5), QString::number(h.lo + (bin + 1) * w, 'g', 5),
                                loc.toString(c), QString::number(n ? 100.0 * double(c) / double(n) : 0.0, 'g', 3));
        if (isDensity())
            line += tr(", density %1").arg(QString::number(valueAt(s, bin), 'g', 4));
        lines << line;
    }
    return lines.join(QLatin1Char('\n'));
}

void HistogramPlot::onMouseMove(QMouseEvent* event) {
    const double x = m_plot->xAxis->pixelToCoord(event->position().x());
    const QString tip = tooltipAt(x);
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

} // namespace slim::widgets
