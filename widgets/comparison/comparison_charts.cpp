#include "widgets/comparison/comparison_charts.h"

#include <qcustomplot.h>

#include <QCoreApplication>
#include <QFileInfo>
#include <QSvgGenerator>

#include <cmath>
#include <limits>

namespace slim::widgets {

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const QColor kPalette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44), QColor(214, 39, 40),
                           QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(127, 127, 127),
                           QColor(188, 189, 34), QColor(23, 190, 207)};

} // namespace

QString ComparisonCharts::better(results::Direction d) {
    return d == results::Direction::LowerIsBetter ? tr("lower is better") : d == results::Direction::HigherIsBetter ? tr("higher is better") : QString();
}

namespace {

void setTitle(QCustomPlot* plot, const QString& title) {
    if (plot->plotLayout()->rowCount() > 1 && qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0)))
        static_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0))->setText(title);
    else {
        plot->plotLayout()->insertRow(0);
        auto* t = new QCPTextElement(plot, title, QFont(plot->font().family(), 10, QFont::Bold));
        plot->plotLayout()->addElement(0, 0, t);
    }
}

void reset(QCustomPlot* plot) {
    plot->clearPlottables();
    plot->clearItems();
    plot->clearGraphs();
    plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    plot->xAxis->setScaleType(QCPAxis::stLinear);
    plot->xAxis->setTickLabelRotation(0);
    plot->legend->setVisible(false);
}

} // namespace

/// Scatter of the column against x, labelled points and the Pareto front.
ChartOutcome ComparisonCharts::scatter(QCustomPlot* plot, const results::Comparison& c, size_t col,
                                       const std::vector<std::optional<double>>& xs, const QString& xLabel,
                                       results::Direction dx, const QString& missingWhy) {
    ChartOutcome out;
    const auto& column = c.columns[col];
    std::vector<double> x(c.variants.size(), kNaN), y(c.variants.size(), kNaN);
    for (size_t v = 0; v < c.variants.size(); ++v) {
        const results::Cell* cell = c.cell(v, col);
        if (!cell) {
            out.leftOut << tr("%1: no %2 value").arg(qs(c.variants[v].label), qs(column.title()));
            continue;
        }
        if (!xs[v]) {
            out.leftOut << tr("%1: %2").arg(qs(c.variants[v].label), missingWhy);
            continue;
        }
        x[v] = *xs[v];
        y[v] = cell->value;
        ++out.points;
    }
    auto* g = plot->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kPalette[0], 8));
    auto* err = new QCPErrorBars(plot->xAxis, plot->yAxis);
    err->setDataPlottable(g);
    QVector<double> gx, gy, ge;
    for (size_t v = 0; v < x.size(); ++v) {
        if (std::isnan(x[v]))
            continue;
        gx << x[v];
        gy << y[v];
        const results::Cell* cell = c.cell(v, col);
        ge << (cell->stderr_ ? *cell->stderr_ : 0.0);
    }
    // One label per position: variants that land on (nearly) the same point share it ("awq4, gptq4").
    std::vector<bool> labelled(x.size(), false);
    for (size_t v = 0; v < x.size(); ++v) {
        if (std::isnan(x[v]) || labelled[v])
            continue;
        QStringList names;
        for (size_t w = v; w < x.size(); ++w)
            if (!std::isnan(x[w]) && !labelled[w] && std::abs(x[w] - x[v]) <= 0.01 * std::abs(x[v]) + 1e-12 &&
                std::abs(y[w] - y[v]) <= 0.01 * std::abs(y[v]) + 1e-12) {
                labelled[w] = true;
                names << qs(c.variants[w].label);
            }
        auto* label = new QCPItemText(plot);
        label->position->setCoords(x[v], y[v]);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
        label->setPadding(QMargins(6, 0, 0, 2));
        label->setText(names.join(QStringLiteral(", ")));
        label->setFont(QFont(plot->font().family(), 8));
    }
    g->setData(gx, gy);
    err->setData(ge);
    out.pareto = results::paretoFront(x, dx, y, column.direction);
    if (out.pareto.size() >= 1) {
        auto* front = plot->addGraph();
        front->setName(tr("Pareto front"));
        front->setPen(QPen(kPalette[3], 1.5, Qt::DashLine));
        front->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kPalette[3], 1.5), QBrush(Qt::NoBrush), 13));
        QVector<double> fx, fy;
        for (size_t i : out.pareto) {
            fx << x[i];
            fy << y[i];
        }
        front->setData(fx, fy, true);
        plot->legend->setVisible(true);
        // The legend goes into the corner no good variant lies in: the worse end of both axes.
        const Qt::Alignment h = dx == results::Direction::HigherIsBetter ? Qt::AlignLeft : Qt::AlignRight;
        const Qt::Alignment v = column.direction == results::Direction::HigherIsBetter ? Qt::AlignBottom : Qt::AlignTop;
        plot->axisRect()->insetLayout()->setInsetAlignment(0, h | v);
        g->removeFromLegend();
        err->removeFromLegend();
    }
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(qs(column.metric) + (column.unit.empty() ? QString() : QStringLiteral(" (") + qs(column.unit) + ')') +
                          QStringLiteral(" — ") + better(column.direction));
    plot->rescaleAxes();
    plot->xAxis->scaleRange(1.25, plot->xAxis->range().center());
    plot->yAxis->scaleRange(1.15, plot->yAxis->range().center());
    return out;
}

ChartOutcome ComparisonCharts::draw(QCustomPlot* plot, const results::Comparison& c, const ChartSpec& spec) {
    reset(plot);
    ChartOutcome out;
    const int colIndex = spec.column >= 0 ? spec.column : c.qualityColumn();
    if (colIndex < 0 || colIndex >= static_cast<int>(c.columns.size())) {
        out.title = tr("No measured metric to chart");
        setTitle(plot, out.title);
        plot->replot();
        return out;
    }
    const size_t col = static_cast<size_t>(colIndex);
    const auto& column = c.columns[col];
    // "ppl · token-gptq · cpu": the task is left out where it is the metric's own name.
    const QString where = (column.task == column.metric ? QString() : qs(column.task) + QStringLiteral(" · ")) +
                          (column.convention.empty() ? QString() : qs(column.convention) + QStringLiteral(" · ")) + qs(column.device) +
                          (column.setting.empty() ? QString() : QStringLiteral(" · ") + qs(column.setting));
    switch (spec.kind) {
    case ChartKind::Bars: {
        // Values of one metric; as % change vs the base, every metric of the same table side by side
        // (grouped bars: one group per variant, one bar per metric), since percentages share an axis.
        const bool relative = spec.relative && c.base >= 0;
        std::vector<size_t> metrics = {col};
        if (relative) {
            for (size_t ci = 0; ci < c.columns.size(); ++ci)
                if (ci != col && c.columns[ci].table() == column.table() && c.columns[ci].direction != results::Direction::Unknown)
                    metrics.push_back(ci);
        }
        const double groupWidth = 0.75, width = groupWidth / static_cast<double>(metrics.size());
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        double lo = 0.0, hi = 0.0, pos = 1;
        std::vector<size_t> shown;
        for (size_t v = 0; v < c.variants.size(); ++v) {
            if (!c.cell(v, col)) {
                out.leftOut << tr("%1: no %2 value").arg(qs(c.variants[v].label), qs(column.metric));
                continue;
            }
            if (relative && !c.relativeChange(v, col)) {
                out.leftOut << tr("%1: no change vs the base (base value missing or 0)").arg(qs(c.variants[v].label));
                continue;
            }
            shown.push_back(v);
            ticker->addTick(pos, qs(c.variants[v].label));
            pos += 1;
            ++out.points;
        }
        for (size_t m = 0; m < metrics.size(); ++m) {
            const size_t mc = metrics[m];
            auto* bars = new QCPBars(plot->xAxis, plot->yAxis);
            bars->setName(qs(c.columns[mc].metric));
            bars->setWidth(width * 0.92);
            bars->setPen(Qt::NoPen);
            bars->setBrush(kPalette[m % std::size(kPalette)]);
            auto* err = new QCPErrorBars(plot->xAxis, plot->yAxis);
            err->setDataPlottable(bars);
            err->removeFromLegend();
            QVector<double> keys, values, errors;
            for (size_t i = 0; i < shown.size(); ++i) {
                const results::Cell* cell = c.cell(shown[i], mc);
                if (!cell)
                    continue;
                double value = cell->value, e = cell->stderr_.value_or(0.0);
                if (relative) {
                    const auto rel = c.relativeChange(shown[i], mc);
                    if (!rel)
                        continue;
                    value = 100.0 * *rel;
                    e = 100.0 * e / std::abs(c.cell(static_cast<size_t>(c.base), mc)->value);
                }
                keys << 1.0 + static_cast<double>(i) - groupWidth / 2 + width * (static_cast<double>(m) + 0.5);
                values << value;
                errors << e;
                lo = std::min(lo, value - e);
                hi = std::max(hi, value + e);
            }
            bars->setData(keys, values);
            err->setData(errors);
        }
        plot->legend->setVisible(metrics.size() > 1);
        plot->xAxis->setTicker(ticker);
        plot->xAxis->setTickLabelRotation(out.points > 4 ? 35 : 0);
        plot->xAxis->setLabel(QString());
        plot->yAxis->setLabel(relative ? tr("%1: change vs %2 (%)").arg(metrics.size() > 1 ? tr("metrics") : qs(column.metric),
                                                                        qs(c.variants[static_cast<size_t>(c.base)].label))
                                       : qs(column.metric) + (column.unit.empty() ? QString() : QStringLiteral(" (") + qs(column.unit) + ')'));
        plot->xAxis->setRange(0.3, pos - 0.3);
        plot->yAxis->setRange(lo - 0.05 * (hi - lo), hi + 0.08 * (hi - lo) + 1e-12);
        out.title = (relative ? tr("Change of %1 vs the base — %2") : tr("%1 — %2")).arg(qs(column.metric), where) + QStringLiteral(" (") +
                    better(column.direction) + ')';
        break;
    }
    case ChartKind::QualityPeakMemory: {
        std::vector<std::optional<double>> xs;
        QStringList kinds;
        for (const auto& v : c.variants) {
            xs.push_back(v.peakBytes ? std::optional<double>(*v.peakBytes / 1e6) : std::nullopt);
            if (v.peakBytes && !kinds.contains(qs(v.peakKind)))
                kinds << qs(v.peakKind);
        }
        out = scatter(plot, c, col, xs, tr("peak memory (MB)"), results::Direction::LowerIsBetter, tr("peak memory not measured"));
        out.title = tr("%1 vs peak memory — %2").arg(qs(column.metric), where);
        if (kinds.size() > 1)
            out.title += tr(" — peaks measured differently: %1").arg(kinds.join(QStringLiteral("; ")));
        break;
    }
    case ChartKind::QualityEnergy: {
        std::vector<std::optional<double>> xs;
        for (const auto& v : c.variants)
            xs.push_back(v.joulesPerToken);
        out = scatter(plot, c, col, xs, tr("energy (J/token)"), results::Direction::LowerIsBetter,
                      tr("energy not available"));
        // Say why, per variant, where the meter gave a reason.
        for (size_t v = 0; v < c.variants.size(); ++v)
            if (!c.variants[v].joulesPerToken && !c.variants[v].energyNote.empty())
                out.leftOut.replaceInStrings(qs(c.variants[v].label) + QStringLiteral(": ") + tr("energy not available"),
                                             qs(c.variants[v].label) + QStringLiteral(": ") + tr("energy not available") +
                                                 QStringLiteral(" (") + qs(c.variants[v].energyNote) + ')');
        out.title = tr("%1 vs energy per token — %2").arg(qs(column.metric), where);
        break;
    }
    case ChartKind::QualityMemory: {
        std::vector<std::optional<double>> xs;
        for (const auto& v : c.variants)
            xs.push_back(v.storedBytes ? std::optional<double>(*v.storedBytes / 1e6) : std::nullopt);
        out = scatter(plot, c, col, xs, tr("stored weights (MB)"), results::Direction::LowerIsBetter,
                      tr("stored size not available"));
        out.title = tr("%1 vs stored weights — %2").arg(qs(column.metric), where);
        break;
    }
    case ChartKind::QualitySpeed: {
        std::vector<std::optional<double>> xs;
        for (const auto& v : c.variants)
            xs.push_back(v.decodeTokensPerS);
        out = scatter(plot, c, col, xs, tr("decode tokens/s, batch 1"), results::Direction::HigherIsBetter,
                      tr("decode speed not measured (an Evaluate node with speed on, or slimbench-cli bench --db)"));
        QStringList devices;
        for (const auto& v : c.variants)
            if (v.decodeTokensPerS && !devices.contains(qs(v.speedDevice)))
                devices << qs(v.speedDevice);
        out.title = tr("%1 vs decode speed — %2").arg(qs(column.metric), where);
        if (devices.size() > 1)
            out.title += tr(" — speeds measured on different devices: %1").arg(devices.join(QStringLiteral(", ")));
        break;
    }
    case ChartKind::Sweep: {
        struct P { double s, v, e; QString label; };
        std::vector<P> pts;
        for (size_t v = 0; v < c.variants.size(); ++v) {
            const auto s = results::sweptSetting(c.variants[v], spec.setting);
            const results::Cell* cell = c.cell(v, col);
            if (!s) {
                out.leftOut << tr("%1: no %2 in its steps").arg(qs(c.variants[v].label), qs(spec.setting));
                continue;
            }
            if (!cell) {
                out.leftOut << tr("%1: no %2 value").arg(qs(c.variants[v].label), qs(column.metric));
                continue;
            }
            pts.push_back({*s, cell->value, cell->stderr_.value_or(0.0), qs(c.variants[v].label)});
        }
        std::sort(pts.begin(), pts.end(), [](const P& a, const P& b) { return a.s < b.s; });
        auto* g = plot->addGraph();
        g->setPen(QPen(kPalette[0], 1.5));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kPalette[0], 7));
        auto* err = new QCPErrorBars(plot->xAxis, plot->yAxis);
        err->setDataPlottable(g);
        QVector<double> x, y, e;
        for (const auto& p : pts) {
            x << p.s;
            y << p.v;
            e << p.e;
            auto* label = new QCPItemText(plot);
            label->position->setCoords(p.s, p.v);
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
            label->setPadding(QMargins(6, 0, 0, 2));
            label->setText(p.label);
            label->setFont(QFont(plot->font().family(), 8));
        }
        g->setData(x, y, true);
        err->setData(e);
        out.points = static_cast<int>(pts.size());
        plot->xAxis->setLabel(qs(spec.setting));
        plot->yAxis->setLabel(qs(column.metric) + QStringLiteral(" — ") + better(column.direction));
        plot->rescaleAxes();
        plot->xAxis->scaleRange(1.2, plot->xAxis->range().center());
        plot->yAxis->scaleRange(1.15, plot->yAxis->range().center());
        out.title = tr("%1 vs %2 — %3").arg(qs(column.metric), qs(spec.setting), where);
        break;
    }
    }
    setTitle(plot, out.title);
    plot->replot();
    return out;
}

bool ComparisonCharts::save(QCustomPlot* plot, const QString& file, QString* error) {
    const QString ext = QFileInfo(file).suffix().toLower();
    bool ok = false;
    if (ext == QLatin1String("svg")) {
        QSvgGenerator svg;
        svg.setFileName(file);
        const QSize size = plot->size().isEmpty() ? QSize(900, 560) : plot->size();
        svg.setSize(size);
        svg.setViewBox(QRect(QPoint(0, 0), size));
        svg.setTitle(QStringLiteral("Slimbench chart"));
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, size.width(), size.height());
            painter.end();
        }
    } else if (ext == QLatin1String("png")) {
        ok = plot->savePng(file, 0, 0, 2.0);
    } else if (ext == QLatin1String("pdf")) {
        ok = plot->savePdf(file);
    } else {
        if (error)
            *error = tr("%1: choose a .svg, .png or .pdf file").arg(file);
        return false;
    }
    if (!ok && error)
        *error = tr("%1 could not be written").arg(file);
    return ok;
}

} // namespace slim::widgets
