#include "widgets/device/memory_estimate_view.h"

#include "widgets/device/device_catalog.h"
#include "widgets/device/device_picker.h"
#include "widgets/job.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFormLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLocale>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace slim::widgets {

namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
}

MemoryEstimateView::MemoryEstimateView(QWidget* parent, DeviceCatalog* catalog)
    : QWidget(parent), m_job(new Job(this)), m_debounce(new QTimer(this)) {
    setObjectName(QStringLiteral("memoryEstimateView"));
    m_jobCombo = new QComboBox(this);
    m_jobCombo->setObjectName(QStringLiteral("estimateJob"));
    for (const char* j : {"generate", "eval", "lora", "qlora", "distill", "gptq", "awq", "sparsegpt", "wanda", "rtn", "hqq", "nf4"})
        m_jobCombo->addItem(QString::fromLatin1(j), QString::fromLatin1(j));
    m_device = new DevicePicker(this, catalog);
    auto spin = [this](const char* name, int lo, int hi, int value) {
        auto* s = new QSpinBox(this);
        s->setObjectName(QString::fromLatin1(name));
        s->setRange(lo, hi);
        s->setValue(value);
        s->setAccelerated(true);
        return s;
    };
    m_context = spin("estimateContext", 16, 1 << 20, 2048);
    m_newTokens = spin("estimateNewTokens", 1, 1 << 20, 128);
    m_batch = spin("estimateBatch", 0, 4096, 1);
    m_samples = spin("estimateSamples", 1, 1 << 16, 128);
    m_offload = new QCheckBox(this);
    m_offload->setObjectName(QStringLiteral("estimateOffload"));
    m_jobLabel = new QLabel(this);
    m_deviceLabel = new QLabel(this);
    m_contextLabel = new QLabel(this);
    m_newTokensLabel = new QLabel(this);
    m_batchLabel = new QLabel(this);
    m_samplesLabel = new QLabel(this);
    auto* form = new QFormLayout;
    form->addRow(m_jobLabel, m_jobCombo);
    form->addRow(m_deviceLabel, m_device);
    form->addRow(m_contextLabel, m_context);
    form->addRow(m_newTokensLabel, m_newTokens);
    form->addRow(m_batchLabel, m_batch);
    form->addRow(m_samplesLabel, m_samples);
    form->addRow(QString(), m_offload);
    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("estimatePlot"));
    m_plot->setMinimumHeight(160);
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("estimateSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_plot, 1);
    layout->addWidget(m_summary);

    m_debounce->setSingleShot(true);
    m_debounce->setInterval(250);
    connect(m_debounce, &QTimer::timeout, this, &MemoryEstimateView::update);
    auto later = [this] { m_debounce->start(); };
    connect(m_jobCombo, &QComboBox::currentIndexChanged, this, later);
    connect(m_device, &DevicePicker::changed, this, later);
    for (QSpinBox* s : {m_context, m_newTokens, m_batch, m_samples})
        connect(s, &QSpinBox::valueChanged, this, later);
    connect(m_offload, &QCheckBox::toggled, this, later);
    connect(m_job, &Job::finished, this, [this](Job::Outcome o, const QString& message) {
        if (o != Job::Outcome::Succeeded) {
            m_summary->setText(tr("No estimate: %1").arg(message));
            return;
        }
        for (auto it = m_job->events().rbegin(); it != m_job->events().rend(); ++it)
            if (it->value(QLatin1String("event")).toString() == QLatin1String("result")) {
                m_estimate = *it;
                break;
            }
        draw();
        emit estimated();
    });
    retranslate();
}

void MemoryEstimateView::retranslate() {
    m_jobLabel->setText(tr("Job:"));
    m_deviceLabel->setText(tr("Device:"));
    m_contextLabel->setText(tr("Context / sequence length:"));
    m_newTokensLabel->setText(tr("New tokens:"));
    m_batchLabel->setText(tr("Batch (0 = automatic):"));
    m_samplesLabel->setText(tr("Calibration samples:"));
    m_offload->setText(tr("Layer-wise offload (one layer on the device)"));
    m_jobCombo->setToolTip(tr("generate, eval(uate perplexity), LoRA / QLoRA / distillation training, or a quantization / pruning method"));
    if (m_dir.isEmpty())
        m_summary->setText(tr("Open a model to see whether a job fits."));
}

void MemoryEstimateView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

void MemoryEstimateView::setModelDir(const QString& dir) {
    m_dir = dir;
    m_estimate = {};
    if (dir.isEmpty()) {
        retranslate();
        return;
    }
    m_debounce->start();
}

void MemoryEstimateView::setJob(const QString& job) {
    m_jobCombo->setCurrentIndex(std::max(0, m_jobCombo->findData(job)));
}

void MemoryEstimateView::update() {
    if (m_dir.isEmpty())
        return;
    const QString job = m_jobCombo->currentData().toString();
    m_newTokens->setEnabled(job == QLatin1String("generate"));
    m_samples->setEnabled(job != QLatin1String("generate") && job != QLatin1String("eval") && !job.contains(QLatin1String("lora")) &&
                          job != QLatin1String("distill"));
    m_offload->setEnabled(m_samples->isEnabled());
    if (m_job->isRunning()) {
        m_debounce->start();   // ask again when this one is done
        return;
    }
    QString error;
    const QString cli = resolveCliProgram(m_program, &error);
    if (cli.isEmpty()) {
        m_summary->setText(error);
        return;
    }
    QStringList args = {QStringLiteral("estimate"), m_dir, QStringLiteral("--job"), job, QStringLiteral("--context"),
                        QString::number(m_context->value()), QStringLiteral("--new-tokens"), QString::number(m_newTokens->value()),
                        QStringLiteral("--batch"), QString::number(m_batch->value() == 0 ? -1 : m_batch->value()),
                        QStringLiteral("--samples"), QString::number(m_samples->value()), QStringLiteral("--json")};
    args << m_device->arguments();
    if (m_offload->isChecked() && m_offload->isEnabled())
        args << QStringLiteral("--offload");
    // The catalog's free memory, so that a fake engine (tests) and the real one answer alike.
    if (const double free = m_device->freeBytes(); free >= 0)
        args << QStringLiteral("--available") << QString::number(free, 'f', 0);
    m_job->start(cli, args);
}

QString MemoryEstimateView::summary() const { return m_summary->text(); }

void MemoryEstimateView::draw() {
    m_plot->clearPlottables();
    m_plot->clearItems();
    const QJsonArray comps = m_estimate.value(QStringLiteral("components")).toArray();
    const double total = m_estimate.value(QStringLiteral("total_bytes")).toDouble();
    const QJsonValue av = m_estimate.value(QStringLiteral("available_bytes"));
    const bool fits = this->fits();
    auto* bars = new QCPBars(m_plot->yAxis, m_plot->xAxis);
    bars->setPen(Qt::NoPen);
    bars->setBrush(fits ? QColor(0, 114, 178) : QColor(213, 94, 0));
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    QVector<double> keys, values;
    double pos = 1;
    // One bar per component and one for the total, so the red is where the sum crosses the line.
    for (const auto& v : comps) {
        const QJsonObject c = v.toObject();
        keys << pos;
        values << c.value(QStringLiteral("bytes")).toDouble() / kGiB;
        ticker->addTick(pos, c.value(QStringLiteral("name")).toString());
        pos += 1;
    }
    keys << pos;
    values << total / kGiB;
    ticker->addTick(pos, tr("total"));
    bars->setData(keys, values);
    m_plot->yAxis->setTicker(ticker);
    m_plot->yAxis->setRangeReversed(true);
    m_plot->yAxis->setRange(0.3, pos + 0.7);
    m_plot->xAxis->setLabel(tr("GiB"));
    double hi = total / kGiB;
    if (av.isDouble()) {
        const double a = av.toDouble() / kGiB;
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(a, 0);
        line->point2->setCoords(a, 1);
        line->setPen(QPen(QColor(0, 0, 0), 1.5, Qt::DashLine));
        auto* label = new QCPItemText(m_plot);
        label->position->setCoords(a, 0.4);
        label->setPositionAlignment(Qt::AlignLeft | Qt::AlignTop);
        label->setText(tr(" free: %1 GiB").arg(QLocale().toString(a, 'f', 1)));
        hi = std::max(hi, a);
    }
    m_plot->xAxis->setRange(0, hi * 1.12 + 1e-6);
    m_plot->replot();
    const QLocale l;
    QString text = av.isDouble() ? (fits ? tr("Fits: %1 GiB of %2 GiB free.") : tr("Does not fit: %1 GiB needed, %2 GiB free."))
                                       .arg(l.toString(total / kGiB, 'f', 2), l.toString(av.toDouble() / kGiB, 'f', 2))
                                 : tr("Needs about %1 GiB (free memory unknown).").arg(l.toString(total / kGiB, 'f', 2));
    const QString suggestion = m_estimate.value(QStringLiteral("suggestion")).toString();
    if (!fits && !suggestion.isEmpty())
        text += QLatin1Char(' ') + tr("It would fit with %1.").arg(suggestion);
    else if (!fits)
        text += QLatin1Char(' ') + tr("No smaller setting tried fits: choose a device with more memory or a smaller model.");
    m_summary->setText(text);
    m_summary->setStyleSheet(fits ? QString() : QStringLiteral("color: #d55e00;"));
}

} // namespace slim::widgets
