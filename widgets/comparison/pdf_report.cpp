#include "widgets/comparison/pdf_report.h"

#include "widgets/comparison/comparison_charts.h"
#include "widgets/pipeline/pipeline_scene.h"
#include "widgets/similarity_heatmap.h"

#include "core/pipeline/graph.h"

#include <qcustomplot.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QPdfWriter>
#include <QPicture>

#include <functional>
#include <map>
#include <set>

namespace slim::widgets {

using nlohmann::json;

namespace {

QString qs(const std::string& s) { return QString::fromStdString(s); }

QString oneLine(const json& j) { return j.is_string() ? qs(j.get<std::string>()) : qs(j.dump()); }

/// Top-to-bottom layout on the pages of a QPdfWriter: headings, paragraphs, tables that break across
/// pages (repeating the header row), and pictures; a page number at the foot of every page.
class Flow {
public:
    Flow(QPdfWriter& writer, QCPPainter& painter) : m_w(writer), m_p(painter) {
        const QRect r = writer.pageLayout().paintRectPixels(writer.resolution());
        m_width = r.width();
        m_bottom = r.height() - mm(10);
        m_body = QFont(QStringLiteral("Sans Serif"), 9);
        footer();
    }
    double mm(double v) const { return v / 25.4 * m_w.resolution(); }
    double width() const { return m_width; }
    double remaining() const { return m_bottom - m_y; }
    QCPPainter& painter() { return m_p; }
    int page() const { return m_page; }

    void newPage() {
        m_w.newPage();
        ++m_page;
        m_y = 0;
        footer();
    }
    void ensure(double h) {
        if (m_y + h > m_bottom && m_y > 0)
            newPage();
    }
    void space(double millimetres) { m_y += mm(millimetres); }

    void heading(const QString& text, int level) {
        QFont f = m_body;
        f.setPointSizeF(level == 0 ? 20 : level == 1 ? 14 : 11);
        f.setBold(true);
        const double h = textHeight(text, f, m_width);
        ensure(h + mm(level == 0 ? 4 : 16));   // keep a heading with what follows
        if (m_y > 0)
            m_y += mm(level == 0 ? 2 : 4);
        drawText(QRectF(0, m_y, m_width, h), text, f);
        m_y += h + mm(2);
    }

    void paragraph(const QString& text, double pointSize = 9, bool italic = false) {
        QFont f = m_body;
        f.setPointSizeF(pointSize);
        f.setItalic(italic);
        const double h = textHeight(text, f, m_width);
        ensure(h);
        drawText(QRectF(0, m_y, m_width, h), text, f);
        m_y += h + mm(1.5);
    }

    /// Columns get `weights` of the width; cells wrap; rows never split; the header repeats on each page.
    void table(const QStringList& header, const QVector<QStringList>& rows, QVector<double> weights) {
        if (weights.size() != header.size())
            weights = QVector<double>(header.size(), 1.0);
        double total = 0;
        for (double w : weights)
            total += w;
        QVector<double> widths;
        for (double w : weights)
            widths << m_width * w / total;
        QFont f = m_body;
        f.setPointSizeF(8);
        QFont hf = f;
        hf.setBold(true);
        const double pad = mm(1);
        auto rowHeight = [&](const QStringList& cells, const QFont& font) {
            double h = 0;
            for (int i = 0; i < cells.size() && i < widths.size(); ++i)
                h = std::max(h, textHeight(cells[i], font, widths[i] - 2 * pad, true));
            return h + 2 * pad;
        };
        auto drawRow = [&](const QStringList& cells, const QFont& font, double h, bool isHeader) {
            double x = 0;
            if (isHeader)
                m_p.fillRect(QRectF(0, m_y, m_width, h), QColor(230, 234, 240));
            for (int i = 0; i < cells.size() && i < widths.size(); ++i) {
                drawText(QRectF(x + pad, m_y + pad, widths[i] - 2 * pad, h - 2 * pad), cells[i], font, true);
                x += widths[i];
            }
            m_p.setPen(QPen(QColor(190, 190, 190), mm(0.15)));
            m_p.drawLine(QPointF(0, m_y + h), QPointF(m_width, m_y + h));
            m_y += h;
        };
        const double hh = rowHeight(header, hf);
        ensure(hh + (rows.isEmpty() ? 0 : rowHeight(rows.first(), f)));
        drawRow(header, hf, hh, true);
        for (const auto& r : rows) {
            const double h = rowHeight(r, f);
            if (m_y + h > m_bottom) {
                newPage();
                drawRow(header, hf, hh, true);
            }
            drawRow(r, f, h, false);
        }
        m_y += mm(3);
    }

    /// A picture of `height` (device units) across the page width, painted by `paint` into its rect.
    void picture(double height, const std::function<void(const QRectF&)>& paint) {
        ensure(height);
        paint(QRectF(0, m_y, m_width, height));
        m_y += height + mm(3);
    }

private:
    // Prose wraps at words; table cells (identifiers like prefill_tokens_per_s) anywhere.
    double textHeight(const QString& text, const QFont& f, double width, bool anywhere = false) const {
        const QFontMetricsF fm(f, &m_w);
        return fm.boundingRect(QRectF(0, 0, width, 1e9), (anywhere ? Qt::TextWrapAnywhere : Qt::TextWordWrap) | Qt::AlignLeft, text).height();
    }
    void drawText(const QRectF& r, const QString& text, const QFont& f, bool anywhere = false) {
        m_p.setFont(f);
        m_p.setPen(Qt::black);
        m_p.drawText(r, (anywhere ? Qt::TextWrapAnywhere : Qt::TextWordWrap) | Qt::AlignLeft | Qt::AlignTop, text);
    }
    void footer() {
        QFont f = m_body;
        f.setPointSizeF(7);
        m_p.setFont(f);
        m_p.setPen(QColor(110, 110, 110));
        m_p.drawText(QRectF(0, m_bottom + mm(4), m_width, mm(5)), Qt::AlignRight,
                     PdfReport::tr("Slimbench report — page %1").arg(m_page));
    }

    QPdfWriter& m_w;
    QCPPainter& m_p;
    QFont m_body;
    double m_width = 0, m_bottom = 0, m_y = 0;
    int m_page = 1;
};

/// Record vector drawing at screen resolution (a QPicture), then play it scaled into `target`: text keeps
/// its size relative to the drawing, which painting straight onto the 300 dpi PDF device would not.
void paintScaled(QPainter& p, const QRectF& target, const QSizeF& logical, const std::function<void(QPainter&)>& draw) {
    QPicture picture;
    {
        QCPPainter pp(&picture);
        draw(pp);
    }
    p.save();
    p.translate(target.topLeft());
    // QPainter::drawPicture itself scales a picture from its resolution to the device's: undo that here.
    const double dpi = double(picture.logicalDpiX()) / double(p.device()->logicalDpiX());
    const double s = std::min(target.width() / logical.width(), target.height() / logical.height()) * dpi;
    p.scale(s, s);
    p.drawPicture(0, 0, picture);
    p.restore();
}

/// Paint a chart (drawn by ComparisonCharts into an off-screen plot) into `target` as vector graphics.
void paintPlot(QPainter& p, QCustomPlot& plot, const QRectF& target, int logicalWidth = 800) {
    const int logicalHeight = static_cast<int>(logicalWidth * target.height() / target.width());
    plot.resize(logicalWidth, logicalHeight);
    paintScaled(p, target, QSizeF(logicalWidth, logicalHeight), [&](QPainter& pp) {
        plot.toPainter(static_cast<QCPPainter*>(&pp), logicalWidth, logicalHeight);
    });
}

} // namespace

bool PdfReport::write(const results::ReportInput& in, const QString& file, const PdfReportOptions& options, QString* error) {
    const QFileInfo target(file);
    if (!target.absoluteDir().exists()) {
        if (error)
            *error = tr("%1: the folder does not exist").arg(file);
        return false;
    }
    const QString tmp = target.absoluteDir().filePath(QStringLiteral(".%1.tmp-%2").arg(target.fileName()).arg(QCoreApplication::applicationPid()));
    const auto& c = in.comparison;
    {
        QPdfWriter writer(tmp);
        writer.setPageSize(QPageSize(options.page));
        writer.setPageMargins(QMarginsF(18, 16, 18, 14), QPageLayout::Millimeter);
        writer.setResolution(300);
        writer.setTitle(qs(in.title));
        writer.setCreator(QStringLiteral("Slimbench"));
        QCPPainter painter;
        if (!painter.begin(&writer)) {
            if (error)
                *error = tr("%1 could not be written").arg(file);
            return false;
        }
        painter.setRenderHint(QPainter::Antialiasing);
        Flow flow(writer, painter);

        // Title page.
        flow.space(30);
        flow.heading(qs(in.title), 0);
        flow.paragraph(tr("Generated %1 from %2: %3 result record(s), %4 variant(s).")
                           .arg(qs(in.generatedAt), qs(in.database.string()))
                           .arg(c.recordIds.size())
                           .arg(c.variants.size()), 10);
        QStringList models;
        for (const auto& v : c.variants)
            if (v.isOriginal)
                models << qs(v.modelName) + QStringLiteral(" (") + qs(v.modelPath) + ')';
        flow.heading(tr("Models"), 2);
        flow.paragraph(models.isEmpty() ? tr("no original checkpoint among the variants") : models.join('\n'));
        flow.heading(tr("Machines"), 2);
        for (const auto& m : in.machines) {
            QStringList parts;
            for (const auto& [k, v] : m.items())
                parts << qs(k) + QStringLiteral(": ") + oneLine(v);
            flow.paragraph(parts.join(QStringLiteral("; ")));
        }
        flow.heading(tr("Library versions"), 2);
        for (const auto& vs : in.versions) {
            QStringList parts;
            for (const auto& [k, v] : vs.items())
                parts << qs(k) + ' ' + oneLine(v);
            flow.paragraph(parts.join(QStringLiteral("; ")));
        }
        QStringList runs;
        for (const auto& p : in.pipelines)
            runs << qs(p.at("run").get<std::string>());
        flow.heading(tr("Pipeline runs"), 2);
        flow.paragraph(runs.isEmpty() ? tr("records not written by a pipeline run") : runs.join('\n'));

        // The pipelines: picture and settings.
        for (const auto& p : in.pipelines) {
            flow.newPage();
            const json& g = p.at("pipeline");
            flow.heading(tr("Pipeline %1").arg(oneLine(g.value("name", json("pipeline")))), 1);
            flow.paragraph(tr("Run %1; nodes that finished are drawn green.").arg(qs(p.at("run").get<std::string>())), 8, true);
            try {
                PipelineScene scene;
                scene.setGraph(pipeline::Graph::fromJson(g, p.value("file", "pipeline")));
                const json artifacts = p.value("artifacts", json::object());
                for (const auto& [node, path] : artifacts.items())
                    scene.setNodeState(qs(node), QStringLiteral("done"));
                const QRectF src = scene.itemsBoundingRect().adjusted(-10, -10, 10, 10);
                const double h = std::min(flow.width() * src.height() / std::max(1.0, src.width()), flow.mm(150));
                flow.picture(h, [&](const QRectF& r) {
                    paintScaled(painter, r, src.size(), [&](QPainter& pp) { scene.render(&pp, QRectF(QPointF(0, 0), src.size()), src); });
                });
            } catch (const std::exception& e) {
                flow.paragraph(tr("The pipeline could not be drawn: %1").arg(QString::fromUtf8(e.what())), 8, true);
            }
            QVector<QStringList> rows;
            for (const auto& n : g.value("nodes", json::array())) {
                QStringList settings;
                const json params = n.value("params", json::object());
                for (const auto& [k, v] : params.items())
                    settings << qs(k) + QStringLiteral(" = ") + oneLine(v);
                rows << QStringList{qs(n.value("id", "")), qs(n.value("type", "")), settings.join('\n')};
            }
            flow.heading(tr("Node settings"), 2);
            flow.table({tr("Node"), tr("Type"), tr("Settings")}, rows, {1.2, 1.0, 4.5});
        }

        // Variants and results.
        flow.newPage();
        flow.heading(tr("Variants"), 1);
        QVector<QStringList> vrows;
        for (size_t i = 0; i < c.variants.size(); ++i) {
            const auto& v = c.variants[i];
            vrows << QStringList{qs(v.label) + (static_cast<int>(i) == c.base ? tr(" (base)") : QString()), qs(v.stepsText),
                                 v.storedBytes ? qs(results::formatBytes(*v.storedBytes)) : tr("not available"),
                                 v.peakBytes ? qs(results::formatBytes(*v.peakBytes)) + QStringLiteral("\n") + qs(v.peakKind) : tr("not available"),
                                 v.decodeTokensPerS ? QLocale().toString(*v.decodeTokensPerS, 'g', 4) + QStringLiteral("\n") + qs(v.speedDevice) : tr("not available"),
                                 v.joulesPerToken ? QLocale().toString(*v.joulesPerToken, 'g', 4) : tr("not available: %1").arg(qs(v.energyNote.empty() ? "not measured" : v.energyNote))};
        }
        flow.table({tr("Variant"), tr("What was done"), tr("Stored weights"), tr("Peak memory"), tr("Decode tok/s (batch 1)"), tr("Energy J/token")},
                   vrows, {1.4, 2.6, 1.0, 1.6, 1.3, 1.4});

        // One table per task / convention / device / settings.
        flow.heading(tr("Results"), 1);
        for (const auto& cols : c.tables()) {
            const auto& first = c.columns[cols.front()];
            flow.heading(tr("%1 — convention %2, device %3").arg(qs(first.task), qs(first.convention.empty() ? "none" : first.convention), qs(first.device)), 2);
            flow.paragraph(tr("Settings: %1").arg(qs(first.settings.dump())), 7.5, true);
            QStringList header{tr("Variant")};
            QVector<double> weights{1.6};
            for (size_t ci : cols) {
                const auto& col = c.columns[ci];
                header << qs(col.metric) + (col.unit.empty() ? QString() : QStringLiteral(" (") + qs(col.unit) + ')') +
                              (col.direction == results::Direction::LowerIsBetter ? QStringLiteral(" ↓") : col.direction == results::Direction::HigherIsBetter ? QStringLiteral(" ↑") : QString());
                weights << 1.2;
            }
            const size_t main = c.mainColumn(cols);
            if (c.base >= 0) {
                header << tr("%1 vs base").arg(qs(c.columns[main].metric));
                weights << 1.0;
            }
            QVector<QStringList> rows;
            for (size_t vi = 0; vi < c.variants.size(); ++vi) {
                QStringList row{qs(c.variants[vi].label)};
                bool any = false;
                for (size_t ci : cols) {
                    const results::Cell* x = c.cell(vi, ci);
                    any = any || x;
                    row << (x ? QLocale().toString(x->value, 'g', 6) + (x->stderr_ ? QStringLiteral(" ± ") + QLocale().toString(*x->stderr_, 'g', 2) : QString())
                              : QStringLiteral("—"));
                }
                if (c.base >= 0) {
                    const auto rel = c.relativeChange(vi, main);
                    row << (rel ? QLocale().toString(100.0 * *rel, 'f', 2) + QStringLiteral(" %") : QStringLiteral("—"));
                }
                if (any)
                    rows << row;
            }
            flow.table(header, rows, weights);
        }

        // Charts.
        QCustomPlot plot;
        plot.setAttribute(Qt::WA_DontShowOnScreen);
        std::vector<ChartSpec> charts;
        const int q = c.qualityColumn();
        if (q >= 0) {
            charts.push_back({ChartKind::Bars, q, false, {}});
            if (c.base >= 0)
                charts.push_back({ChartKind::Bars, q, true, {}});
            charts.push_back({ChartKind::QualityMemory, q, false, {}});
            charts.push_back({ChartKind::QualitySpeed, q, false, {}});
            charts.push_back({ChartKind::QualityPeakMemory, q, false, {}});
            bool energy = false;
            for (const auto& v : c.variants)
                energy = energy || v.joulesPerToken.has_value();
            if (energy)
                charts.push_back({ChartKind::QualityEnergy, q, false, {}});
            for (const auto& s : results::sweptSettings(c))
                charts.push_back({ChartKind::Sweep, q, false, s});
        }
        if (!charts.empty()) {
            flow.newPage();
            flow.heading(tr("Charts"), 1);
        }
        for (const auto& spec : charts) {
            const ChartOutcome o = ComparisonCharts::draw(&plot, c, spec);
            flow.picture(flow.width() * 0.56, [&](const QRectF& r) { paintPlot(painter, plot, r); });
            if (!o.pareto.empty()) {
                QStringList names;
                for (size_t i : o.pareto)
                    names << qs(c.variants[i].label);
                flow.paragraph(tr("Pareto front (no variant is better on both axes): %1").arg(names.join(QStringLiteral(", "))), 8);
            }
            if (!o.leftOut.isEmpty())
                flow.paragraph(tr("Left out of this chart: %1").arg(o.leftOut.join(QStringLiteral("; "))), 7.5, true);
        }

        {
            bool energy = false;
            QStringList why;
            for (const auto& v : c.variants) {
                energy = energy || v.joulesPerToken.has_value();
                if (!v.joulesPerToken && !v.energyNote.empty() && !why.contains(qs(v.energyNote)))
                    why << qs(v.energyNote);
            }
            if (!energy && !charts.empty())
                flow.paragraph(tr("Energy per token: not available for any variant (%1), so there is no energy chart.")
                                   .arg(why.isEmpty() ? tr("not measured") : why.join(QStringLiteral("; "))), 8, true);
        }

        // The base model's layer similarity (kept on one page with its heading).
        flow.ensure(in.similarity.is_object() ? flow.width() * 0.6 + flow.mm(35) : flow.mm(25));
        flow.heading(tr("Layer similarity of the base model"), 1);
        if (in.similarity.is_object()) {
            flow.paragraph(tr("Angular distance between the input of layer i and of layer i + n (PruneMe / Gromov et al. 2024): "
                              "the darker a cell, the less the block of n layers changes its input, the better a candidate "
                              "for removal. From %1.").arg(qs(in.similaritySource)), 8);
            SimilarityHeatmap heatmap;
            heatmap.setAttribute(Qt::WA_DontShowOnScreen);
            heatmap.setResult(QJsonDocument::fromJson(QByteArray::fromStdString(in.similarity.dump())).object());
            flow.picture(flow.width() * 0.6, [&](const QRectF& r) { paintPlot(painter, *heatmap.plot(), r, 900); });
        } else {
            flow.paragraph(tr("No finished Analyse node on the base model in the selected runs: add one to the pipeline to "
                              "include the heatmap."), 8, true);
        }

        // Notes.
        flow.heading(tr("What the metrics mean"), 1);
        std::set<std::string> seen;
        for (const auto& col : c.columns)
            if (seen.insert(col.metric).second)
                flow.paragraph(qs(col.metric) + QStringLiteral(": ") + qs(results::metricExplanation(col.metric)));
        flow.paragraph(tr("Stored weights: bytes of the weight tensors in the model folder as saved (packed integers at their "
                          "packed size). Peak memory: the highest memory in use while generating or evaluating, as the device "
                          "reports it. Values are value ± standard error where the task has one. \"Not available\" means not "
                          "measured, never zero. Each table and chart holds numbers of one task, convention, device and setting only."));
        if (!c.leftOut.empty()) {
            flow.heading(tr("Records left out"), 2);
            for (const auto& l : c.leftOut)
                flow.paragraph(qs(l), 8);
        }
        painter.end();
    }
    QFile::remove(file);
    if (!QFile::rename(tmp, file)) {
        QFile::remove(tmp);
        if (error)
            *error = tr("%1 could not be written").arg(file);
        return false;
    }
    return true;
}

} // namespace slim::widgets
