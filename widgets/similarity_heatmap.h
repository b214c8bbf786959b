#pragma once
/// @file similarity_heatmap.h
/// Layer-similarity views over the `similarity` object of `slimbench-cli analyze --json`:
/// the PruneMe / Gromov d(ℓ, n) heatmap (x = first dropped layer ℓ, y = block size n) or the full
/// (L+1)×(L+1) angular-distance matrix, the recommended block outlined, hover tooltips with exact
/// values and 0-based layer indices, a click selecting a block; ShortGPT block influence as bars.

#include <QJsonObject>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPColorMap;
class QCPColorScale;
class QCPItemRect;
class QCPBars;
class QComboBox;
class QLabel;
class QStackedWidget;

namespace slim::widgets {

class SimilarityHeatmap : public QWidget {
    Q_OBJECT
public:
    enum class Mode { BlockDistance, FullMatrix };

    explicit SimilarityHeatmap(QWidget* parent = nullptr);

    /// Show a result: the "similarity" object of the analyze command's JSON.
    void setResult(const QJsonObject& similarity);
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    int numLayers() const { return m_numLayers; }

    /// d(ℓ, n) (NaN where ℓ + n > L) and the full matrix entry (i, j).
    double blockDistance(int start, int blockSize) const;
    double fullDistance(int i, int j) const;
    /// The recommended block (start, n); (-1, 0) when none.
    QPair<int, int> recommendedBlock() const { return {m_recStart, m_recSize}; }
    QPair<int, int> selectedBlock() const { return {m_selStart, m_selSize}; }
    /// Select the block (start, n) as a click on its cell would; false if it is not a valid block.
    bool selectBlock(int start, int blockSize);
    /// Text of the tooltip for the cell under plot coordinates (x, y) (empty outside the data).
    QString tooltipAt(double x, double y) const;
    QCustomPlot* plot() const { return m_plot; }
    QCPColorMap* colorMap() const { return m_map; }
    QCPItemRect* recommendationRect() const { return m_recRect; }

signals:
    /// The user chose a block of layers to drop: 0-based layers start … start + n − 1.
    void blockSelected(int start, int blockSize);

private:
    void rebuild();
    void onMouseMove(QMouseEvent* event);
    void onMousePress(QMouseEvent* event);

    QComboBox* m_modeBox = nullptr;
    QLabel* m_selectionLabel = nullptr;
    QStackedWidget* m_stack = nullptr;   ///< page 0: the hint before any result; page 1: the plots
    QLabel* m_hint = nullptr;
    QCustomPlot* m_plot = nullptr;
    QCustomPlot* m_influencePlot = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPItemRect* m_recRect = nullptr;
    QCPItemRect* m_selRect = nullptr;
    QCPBars* m_influence = nullptr;

    Mode m_mode = Mode::BlockDistance;
    int m_numLayers = 0;
    QVector<QVector<double>> m_full;    // (L+1) x (L+1)
    QVector<double> m_blockInfluence;   // L
    int m_recStart = -1, m_recSize = 0;
    int m_selStart = -1, m_selSize = 0;
};

} // namespace slim::widgets
