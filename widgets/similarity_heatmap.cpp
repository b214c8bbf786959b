#include "widgets/similarity_heatmap.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QStackedWidget>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace slim::widgets {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

QString layerList(int start, int n) {
    QStringList items;
    for (int l = start; l < start + n; ++l)
        items << QString::number(l);
    return items.join(QStringLiteral(", "));
}
} // namespace

SimilarityHeatmap::SimilarityHeatmap(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    m_modeBox = new QComboBox(this);
    m_modeBox->setObjectName(QStringLiteral("similarityMode"));
    m_modeBox->addItem(tr("Block distance d(ℓ, n)"));
    m_modeBox->addItem(tr("Angular distance matrix"));
    m_modeBox->setToolTip(tr("d(ℓ, n) = arccos(cos(x_ℓ, x_ℓ+n)) / π: how much a block of n layers starting at ℓ "
                             "changes the hidden state (PruneMe / Gromov et al.). Low = candidate for removal."));
    connect(m_modeBox, &QComboBox::currentIndexChanged, this,
            [this](int i) { setMode(i == 0 ? Mode::BlockDistance : Mode::FullMatrix); });
    m_selectionLabel = new QLabel(tr("Click a cell to choose layers to drop."), this);
    m_selectionLabel->setObjectName(QStringLiteral("selectionLabel"));
    m_selectionLabel->setWordWrap(true);
    m_selectionLabel->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    top->addWidget(m_modeBox);
    top->addWidget(m_selectionLabel, 1);
    layout->addLayout(top);

    // Before any analysis there is nothing to draw: a hint instead of empty axes.
    m_stack = new QStackedWidget(this);
    m_hint = new QLabel(tr("No layer analysis yet.\n\nChoose a calibration text and press “Analyse layers”: "
                           "the heatmap then shows, for every block of n layers starting at layer ℓ, how much "
                           "it changes the hidden state. Dark cells are blocks that can be removed."), this);
    m_hint->setObjectName(QStringLiteral("similarityHint"));
    m_hint->setWordWrap(true);
    m_hint->setAlignment(Qt::AlignCenter);
    m_hint->setMargin(24);
    m_hint->setEnabled(false);
    m_stack->addWidget(m_hint);
    auto* plots = new QWidget(this);
    auto* plotLayout = new QVBoxLayout(plots);
    plotLayout->setContentsMargins(0, 0, 0, 0);
    m_stack->addWidget(plots);
    layout->addWidget(m_stack, 1);

    m_plot = new QCustomPlot(plots);
    m_plot->setObjectName(QStringLiteral("similarityPlot"));
    m_plot->setMinimumHeight(140);   // the default layout must fit a 1280 x 800 screen
    m_map = new QCPColorMap(m_plot->xAxis, m_plot->yAxis);
    m_map->setInterpolate(false);
    m_scale = new QCPColorScale(m_plot);
    m_plot->plotLayout()->addElement(0, 1, m_scale);
    m_map->setColorScale(m_scale);
    QCPColorGradient gradient(QCPColorGradient::gpThermal);
    gradient.setNanHandling(QCPColorGradient::nhTransparent);
    m_map->setGradient(gradient);
    m_recRect = new QCPItemRect(m_plot);
    m_recRect->setPen(QPen(QColor(0, 200, 255), 3));
    m_recRect->setBrush(Qt::NoBrush);
    m_recRect->setVisible(false);
    m_selRect = new QCPItemRect(m_plot);
    m_selRect->setPen(QPen(Qt::white, 2, Qt::DashLine));
    m_selRect->setBrush(Qt::NoBrush);
    m_selRect->setVisible(false);
    // Layer indices and block sizes are integers: one tick per cell.
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        axis->setTicker(ticker);
    }
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &SimilarityHeatmap::onMouseMove);
    connect(m_plot, &QCustomPlot::mousePress, this, &SimilarityHeatmap::onMousePress);
    plotLayout->addWidget(m_plot, 2);

    m_influencePlot = new QCustomPlot(plots);
    m_influencePlot->setObjectName(QStringLiteral("influencePlot"));
    m_influencePlot->setMinimumHeight(80);
    m_influence = new QCPBars(m_influencePlot->xAxis, m_influencePlot->yAxis);
    m_influence->setBrush(QColor(0, 114, 178));
    m_influence->setPen(Qt::NoPen);
    QSharedPointer<QCPAxisTickerFixed> layerTicker(new QCPAxisTickerFixed);
    layerTicker->setTickStep(1.0);
    layerTicker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    m_influencePlot->xAxis->setTicker(layerTicker);
    m_influencePlot->xAxis->setLabel(tr("layer (0-based)"));
    m_influencePlot->yAxis->setLabel(tr("block influence"));
    m_influencePlot->setToolTip(tr("ShortGPT Block Influence: mean 1 − cos(h_i, h_i+1) over all tokens; "
                                   "the lowest layers are removal candidates."));
    plotLayout->addWidget(m_influencePlot, 1);
    rebuild();
}

void SimilarityHeatmap::setResult(const QJsonObject& sim) {
    m_full.clear();
    for (const auto& row : sim.value(QStringLiteral("distance")).toArray()) {
        QVector<double> r;
        for (const auto& v : row.toArray())
            r.push_back(v.isDouble() ? v.toDouble() : kNaN);
        m_full.push_back(r);
    }
    m_numLayers = m_full.isEmpty() ? 0 : int(m_full.size()) - 1;
    m_blockInfluence.clear();
    for (const auto& v : sim.value(QStringLiteral("block_influence")).toArray())
        m_blockInfluence.push_back(v.isDouble() ? v.toDouble() : kNaN);
    const QJsonObject rec = sim.value(QStringLiteral("recommendation")).toObject();
    m_recStart = rec.value(QStringLiteral("start")).toInt(-1);
    m_recSize = rec.value(QStringLiteral("block_size")).toInt(0);
    m_selStart = -1;
    m_selSize = 0;
    m_selectionLabel->setText(m_recStart >= 0
                                  ? tr("Recommended: drop layers %1 (d = %2). Click a cell to choose another block.")
                                        .arg(layerList(m_recStart, m_recSize))
                                        .arg(blockDistance(m_recStart, m_recSize), 0, 'f', 4)
                                  : tr("Click a cell to choose layers to drop."));
    rebuild();
}

double SimilarityHeatmap::blockDistance(int start, int n) const {
    if (start < 0 || n < 1 || start + n > m_numLayers)
        return kNaN;
    return m_full[start][start + n];
}

double SimilarityHeatmap::fullDistance(int i, int j) const {
    if (i < 0 || j < 0 || i > m_numLayers || j > m_numLayers)
        return kNaN;
    return m_full[i][j];
}

void SimilarityHeatmap::setMode(Mode mode) {
    m_mode = mode;
    const QSignalBlocker block(m_modeBox);
    m_modeBox->setCurrentIndex(mode == Mode::BlockDistance ? 0 : 1);
    rebuild();
}

void SimilarityHeatmap::rebuild() {
    const int L = m_numLayers;
    m_stack->setCurrentIndex(L > 0 ? 1 : 0);
    m_modeBox->setEnabled(L > 0);
    auto* data = m_map->data();
    if (m_mode == Mode::BlockDistance) {
        // Cells: x = start ℓ in 0..L-1, y = block size n in 1..L.
        data->setSize(std::max(L, 1), std::max(L, 1));
        data->setRange(QCPRange(0, std::max(L - 1, 0)), QCPRange(1, std::max(L, 1)));
        for (int s = 0; s < L; ++s)
            for (int n = 1; n <= L; ++n)
                data->setCell(s, n - 1, blockDistance(s, n));
        m_plot->xAxis->setLabel(tr("first dropped layer ℓ (0-based)"));
        m_plot->yAxis->setLabel(tr("block size n"));
        m_scale->axis()->setLabel(tr("d(ℓ, n)"));
    } else {
        data->setSize(L + 1, L + 1);
        data->setRange(QCPRange(0, L), QCPRange(0, L));
        for (int i = 0; i <= L; ++i)
            for (int j = 0; j <= L; ++j)
                data->setCell(i, j, fullDistance(i, j));
        m_plot->xAxis->setLabel(tr("hidden state i (input of layer i; %1 = last output)").arg(L));
        m_plot->yAxis->setLabel(tr("hidden state j"));
        m_scale->axis()->setLabel(tr("angular distance"));
    }
    m_map->rescaleDataRange(true);
    m_plot->rescaleAxes();
    m_plot->xAxis->setRange(m_plot->xAxis->range().lower - 0.5, m_plot->xAxis->range().upper + 0.5);
    m_plot->yAxis->setRange(m_plot->yAxis->range().lower - 0.5, m_plot->yAxis->range().upper + 0.5);

    const bool blocks = m_mode == Mode::BlockDistance;
    auto place = [&](QCPItemRect* r, int s, int n) {
        r->setVisible(blocks && s >= 0 && n > 0);
        r->topLeft->setCoords(s - 0.5, n + 0.5);
        r->bottomRight->setCoords(s + 0.5, n - 0.5);
    };
    place(m_recRect, m_recStart, m_recSize);
    place(m_selRect, m_selStart, m_selSize);

    QVector<double> keys, values;
    for (int i = 0; i < m_blockInfluence.size(); ++i) {
        keys.push_back(i);
        values.push_back(std::isnan(m_blockInfluence[i]) ? 0.0 : m_blockInfluence[i]);
    }
    m_influence->setData(keys, values);
    m_influencePlot->rescaleAxes();
    m_influencePlot->xAxis->setRange(-0.5, std::max(0, int(keys.size())) - 0.5);
    m_influencePlot->yAxis->setRangeLower(0.0);
    m_plot->replot();
    m_influencePlot->replot();
}

QString SimilarityHeatmap::tooltipAt(double x, double y) const {
    const int cx = int(std::lround(x)), cy = int(std::lround(y));
    if (m_mode == Mode::BlockDistance) {
        const double d = blockDistance(cx, cy);
        if (std::isnan(d))
            return {};
        return tr("layers %1–%2 (n = %3): d = %4").arg(cx).arg(cx + cy - 1).arg(cy).arg(d, 0, 'f', 4);
    }
    const double d = fullDistance(cx, cy);
    if (std::isnan(d))
        return {};
    return tr("states %1 and %2: angular distance %3").arg(cx).arg(cy).arg(d, 0, 'f', 4);
}

bool SimilarityHeatmap::selectBlock(int start, int n) {
    if (std::isnan(blockDistance(start, n)))
        return false;
    m_selStart = start;
    m_selSize = n;
    m_selectionLabel->setText(tr("Selected: drop layers %1 (d = %2)").arg(layerList(start, n))
                                  .arg(blockDistance(start, n), 0, 'f', 4));
    rebuild();
    emit blockSelected(start, n);
    return true;
}

void SimilarityHeatmap::onMouseMove(QMouseEvent* event) {
    const double x = m_plot->xAxis->pixelToCoord(event->position().x());
    const double y = m_plot->yAxis->pixelToCoord(event->position().y());
    const QString tip = tooltipAt(x, y);
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

void SimilarityHeatmap::onMousePress(QMouseEvent* event) {
    if (m_mode != Mode::BlockDistance || event->button() != Qt::LeftButton)
        return;
    const int x = int(std::lround(m_plot->xAxis->pixelToCoord(event->position().x())));
    const int y = int(std::lround(m_plot->yAxis->pixelToCoord(event->position().y())));
    selectBlock(x, y);
}

} // namespace slim::widgets
