#include "widgets/model_summary_widget.h"

#include <QEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QVBoxLayout>

#include <qcustomplot.h>

namespace slim::widgets {

namespace {

struct Row {
    const char* key;
    const char* label;   // translated with ModelSummaryWidget's context
};

/// Distinct, colour-blind-friendly colours (Okabe & Ito) for the chart's components.
const QColor kComponentColors[kNumComponents] = {
    QColor(0, 114, 178), QColor(230, 159, 0), QColor(0, 158, 115),
    QColor(204, 121, 167), QColor(213, 94, 0), QColor(120, 120, 120),
};

} // namespace

ModelSummaryWidget::ModelSummaryWidget(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("modelSummary"));
    build();
    refresh();
}

void ModelSummaryWidget::build()
{
    // QT_TR_NOOP marks the labels for lupdate; refresh() translates them in this class's context.
    static const Row kRows[] = {
        {"name", QT_TR_NOOP("Model")},
        {"architecture", QT_TR_NOOP("Architecture")},
        {"layers", QT_TR_NOOP("Layers")},
        {"hidden", QT_TR_NOOP("Hidden size")},
        {"intermediate", QT_TR_NOOP("MLP size")},
        {"heads", QT_TR_NOOP("Heads / KV heads")},
        {"headDim", QT_TR_NOOP("Head dim")},
        {"vocab", QT_TR_NOOP("Vocabulary")},
        {"context", QT_TR_NOOP("Max. positions")},
        {"rope", QT_TR_NOOP("RoPE theta")},
        {"tied", QT_TR_NOOP("Tied embeddings")},
        {"dtype", QT_TR_NOOP("Config dtype")},
        {"parameters", QT_TR_NOOP("Parameters")},
        {"bytes", QT_TR_NOOP("Size on disk")},
        {"bytesByDType", QT_TR_NOOP("Bytes per dtype")},
        {"tokenizer", QT_TR_NOOP("Tokenizer")},
    };
    auto* layout = new QVBoxLayout(this);
    m_form = new QFormLayout;
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->setLabelAlignment(Qt::AlignRight);
    for (const Row& row : kRows) {
        auto* label = new QLabel(this);
        label->setProperty("sourceText", QByteArray(row.label));
        auto* value = new QLabel(this);
        value->setObjectName(QStringLiteral("value_%1").arg(QLatin1String(row.key)));
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        value->setWordWrap(true);
        m_form->addRow(label, value);
        m_labels.insert(QLatin1String(row.key), label);
        m_values.insert(QLatin1String(row.key), value);
    }
    layout->addLayout(m_form);

    m_chart = new QCustomPlot(this);
    m_chart->setObjectName(QStringLiteral("componentChart"));
    m_chart->setMinimumHeight(200);
    m_chart->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
    m_chart->plotLayout()->insertRow(0);
    m_chart->plotLayout()->addElement(0, 0, new QCPTextElement(m_chart, QString(), QFont(font().family(), font().pointSize(), QFont::Bold)));
    layout->addWidget(m_chart, 1);
}

QString ModelSummaryWidget::shortCount(qint64 n)
{
    const QLocale locale;
    const double v = static_cast<double>(n);
    if (n >= 1'000'000'000)
        return tr("%1 B", "billions of parameters").arg(locale.toString(v / 1e9, 'f', 2));
    if (n >= 1'000'000)
        return tr("%1 M", "millions of parameters").arg(locale.toString(v / 1e6, 'f', 1));
    if (n >= 10'000)
        return tr("%1 K", "thousands of parameters").arg(locale.toString(v / 1e3, 'f', 1));
    return locale.toString(n);
}

void ModelSummaryWidget::setOverview(const ModelOverview& overview)
{
    m_overview = overview;
    refresh();
}

void ModelSummaryWidget::clearModel()
{
    m_overview.reset();
    refresh();
}

QString ModelSummaryWidget::value(const QString& key) const
{
    const QLabel* label = m_values.value(key);
    return label ? label->text() : QString();
}

void ModelSummaryWidget::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        refresh();
    QWidget::changeEvent(event);
}

void ModelSummaryWidget::refresh()
{
    for (auto it = m_labels.begin(); it != m_labels.end(); ++it)
        it.value()->setText(tr(it.value()->property("sourceText").toByteArray().constData()) + QLatin1Char(':'));

    const QLocale locale;
    auto set = [this](const char* key, const QString& text) { m_values.value(QLatin1String(key))->setText(text); };
    if (!m_overview) {
        for (QLabel* v : std::as_const(m_values))
            v->setText(QStringLiteral("–"));
        set("name", tr("No model open"));
        updateChart();
        return;
    }
    const ModelOverview& ov = *m_overview;
    set("name", ov.displayName);
    m_values.value(QStringLiteral("name"))->setToolTip(ov.dir);
    set("architecture", ov.modelType.isEmpty() ? ov.architecture : tr("%1 (%2)").arg(ov.architecture, ov.modelType));
    set("layers", locale.toString(ov.numLayers));
    set("hidden", locale.toString(ov.hiddenSize));
    set("intermediate", locale.toString(ov.intermediateSize));
    set("heads", tr("%1 / %2").arg(locale.toString(ov.numHeads), locale.toString(ov.numKvHeads)));
    set("headDim", locale.toString(ov.headDim));
    set("vocab", locale.toString(ov.vocabSize));
    set("context", locale.toString(ov.maxPositionEmbeddings));
    set("rope", locale.toString(ov.ropeTheta, 'g', 8));
    set("tied", ov.tiedEmbeddings ? tr("yes") : tr("no"));
    set("dtype", ov.torchDtype);
    set("parameters", tr("%1 (%2)").arg(shortCount(ov.totalParameters), locale.toString(ov.totalParameters)));
    set("bytes", tr("%1 in %n file(s)", nullptr, ov.numShards).arg(locale.formattedDataSize(ov.totalBytes)));
    QStringList perDType;
    for (auto it = ov.bytesByDType.begin(); it != ov.bytesByDType.end(); ++it)
        perDType << tr("%1: %2").arg(it.key(), locale.formattedDataSize(it.value()));
    set("bytesByDType", perDType.join(QStringLiteral(", ")));
    set("tokenizer", ov.hasTokenizer ? QStringLiteral("tokenizer.json")
                                     : tr("missing (text generation needs tokenizer.json)"));
    updateChart();
}

void ModelSummaryWidget::updateChart()
{
    static const char* const kComponentNames[kNumComponents] = {
        QT_TR_NOOP("Embeddings"), QT_TR_NOOP("Attention"), QT_TR_NOOP("MLP"),
        QT_TR_NOOP("Norms"), QT_TR_NOOP("LM head"), QT_TR_NOOP("Other"),
    };
    m_chart->clearPlottables();
    m_chart->clearItems();
    if (auto* title = qobject_cast<QCPTextElement*>(m_chart->plotLayout()->element(0, 0)))
        title->setText(tr("Share of parameters"));

    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    const qint64 total = m_overview ? m_overview->totalParameters : 0;
    int position = 0;
    for (int c = 0; c < kNumComponents; ++c) {
        const qint64 count = m_overview ? m_overview->parametersByComponent[c] : 0;
        if (c == static_cast<int>(Component::Other) && count == 0)
            continue;   // most checkpoints have nothing else: no empty bar
        ++position;
        ticker->addTick(position, tr(kComponentNames[c]));
        const double percent = total > 0 ? 100.0 * static_cast<double>(count) / static_cast<double>(total) : 0.0;
        // Horizontal bars: the component names stack down the left axis, so they never overlap
        // however narrow the dock is.
        auto* bars = new QCPBars(m_chart->yAxis, m_chart->xAxis);
        bars->setWidth(0.65);
        bars->setPen(QPen(kComponentColors[c].darker(130)));
        bars->setBrush(kComponentColors[c]);
        bars->setData({double(position)}, {percent});
        bars->setName(tr(kComponentNames[c]));
        if (m_overview) {
            auto* label = new QCPItemText(m_chart);
            label->position->setType(QCPItemPosition::ptPlotCoords);
            label->position->setCoords(percent, position);
            label->setPositionAlignment(Qt::AlignLeft | Qt::AlignVCenter);
            label->setPadding(QMargins(4, 0, 0, 0));
            label->setText(QStringLiteral("%1 %").arg(QLocale().toString(percent, 'f', percent < 10 ? 1 : 0)));
        }
    }
    m_chart->yAxis->setTicker(ticker);
    m_chart->yAxis->setSubTicks(false);
    m_chart->yAxis->setTickLength(0, 0);
    m_chart->yAxis->grid()->setVisible(false);
    m_chart->yAxis->setRangeReversed(true);   // first component on top
    m_chart->yAxis->setRange(0.4, position + 0.6);
    m_chart->yAxis->setLabel(QString());
    m_chart->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_chart->xAxis->setRange(0, 125);   // room for the value labels right of the bars
    m_chart->xAxis->setLabel(tr("% of parameters"));
    m_chart->replot();
}

} // namespace slim::widgets
