#include "widgets/activation_panel.h"

#include "widgets/job.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include "widgets/device/device_picker.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>

#include <cmath>
#include <limits>

namespace slim::widgets {

namespace {
QVector<double> doubles(const QJsonValue& v) {
    QVector<double> out;
    const QJsonArray a = v.toArray();
    out.reserve(a.size());
    for (const auto& x : a)
        out.push_back(x.toDouble());
    return out;
}
} // namespace

ActivationPanel::ActivationPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* form = new QHBoxLayout;
    m_calibLabel = new QLabel(this);
    m_calib = new QLineEdit(this);
    m_calib->setObjectName(QStringLiteral("activationCalib"));
    auto* browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Calibration text"), m_calib->text());
        if (!f.isEmpty())
            m_calib->setText(f);
    });
    form->addWidget(m_calibLabel);
    form->addWidget(m_calib, 1);
    form->addWidget(browse);
    layout->addLayout(form);

    auto* row = new QHBoxLayout;
    m_samplesLabel = new QLabel(this);
    m_samples = new QSpinBox(this);
    m_samples->setRange(1, 4096);
    m_samples->setValue(16);
    m_length = new QSpinBox(this);
    m_length->setRange(8, 32768);
    m_length->setValue(256);
    m_thresholdLabel = new QLabel(this);
    m_threshold = new QDoubleSpinBox(this);
    m_threshold->setObjectName(QStringLiteral("activationThreshold"));
    m_threshold->setRange(0.01, 1e6);
    m_threshold->setDecimals(2);
    m_threshold->setValue(6.0);
    row->addWidget(m_samplesLabel);
    row->addWidget(m_samples);
    row->addWidget(new QLabel(QStringLiteral("×"), this));
    row->addWidget(m_length);
    row->addSpacing(12);
    row->addWidget(m_thresholdLabel);
    row->addWidget(m_threshold);
    row->addStretch();
    layout->addLayout(row);

    auto* buttons = new QHBoxLayout;
    m_runButton = new QPushButton(this);
    m_runButton->setObjectName(QStringLiteral("runActivations"));
    m_cancelButton = new QPushButton(this);
    m_cancelButton->setObjectName(QStringLiteral("cancelActivations"));
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_device = new DevicePicker(this);
    buttons->addWidget(m_device);
    buttons->addWidget(m_runButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_progress, 1);
    layout->addLayout(buttons);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("activationStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto* view = new QHBoxLayout;
    m_inputLabel = new QLabel(this);
    m_input = new QComboBox(this);
    m_input->setObjectName(QStringLiteral("activationInput"));
    m_metric = new QComboBox(this);
    m_metric->setObjectName(QStringLiteral("activationMetric"));
    m_log = new QCheckBox(this);
    m_log->setChecked(true);
    view->addWidget(m_inputLabel);
    view->addWidget(m_input, 1);
    view->addWidget(m_metric);
    view->addWidget(m_log);
    layout->addLayout(view);

    auto* split = new QSplitter(Qt::Horizontal, this);
    m_plot = new QCustomPlot(split);
    m_plot->setObjectName(QStringLiteral("activationPlot"));
    m_plot->setMinimumHeight(90);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_plot->axisRect()->setRangeDrag(Qt::Horizontal);
    m_plot->axisRect()->setRangeZoom(Qt::Horizontal);
    m_plot->setMouseTracking(true);
    connect(m_plot, &QCustomPlot::mouseMove, this, &ActivationPanel::onMouseMove);
    auto* side = new QWidget(split);
    auto* sideLayout = new QVBoxLayout(side);
    sideLayout->setContentsMargins(0, 0, 0, 0);
    m_summary = new QLabel(side);
    m_summary->setObjectName(QStringLiteral("activationSummary"));
    m_summary->setWordWrap(true);
    m_table = new QTableWidget(side);
    m_table->setObjectName(QStringLiteral("activationOutliers"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    sideLayout->addWidget(m_summary);
    sideLayout->addWidget(m_table, 1);
    split->addWidget(m_plot);
    split->addWidget(side);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    layout->addWidget(split, 1);

    m_job = new Job(this);
    connect(m_job, &Job::progressChanged, this, [this](double p) { m_progress->setValue(int(p * 1000)); });
    connect(m_job, &Job::statusChanged, m_status, &QLabel::setText);
    connect(m_job, &Job::eventReceived, this, [this](const QJsonObject& e) {
        if (e.value(QStringLiteral("event")).toString() == QLatin1String("result"))
            m_result = e;
    });
    connect(m_job, &Job::finished, this,
            [this](Job::Outcome o, const QString& msg) { onJobFinished(int(o), msg); });
    connect(m_runButton, &QPushButton::clicked, this, &ActivationPanel::run);
    connect(m_cancelButton, &QPushButton::clicked, this, &ActivationPanel::cancel);
    connect(m_input, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_log, &QCheckBox::toggled, this, [this] { rebuild(); });
    retranslate();
    setModelDir(QString());
}

void ActivationPanel::retranslate() {
    m_calibLabel->setText(tr("Calibration text:"));
    m_calib->setPlaceholderText(tr("a text file (e.g. WikiText-2 wiki.test.raw)"));
    m_samplesLabel->setText(tr("Samples:"));
    m_samples->setToolTip(tr("Number of token windows drawn from the text"));
    m_length->setToolTip(tr("Tokens per window"));
    m_thresholdLabel->setText(tr("Outlier threshold:"));
    m_threshold->setToolTip(tr("A channel is an outlier when some |x| exceeds this (LLM.int8 uses 6.0)"));
    m_runButton->setText(tr("&Measure activations"));
    m_runButton->setToolTip(tr("Run the calibration text through the model and record every projection's input "
                               "(runs slimbench-cli analyze in the background)"));
    m_cancelButton->setText(tr("Cancel"));
    m_inputLabel->setText(tr("Input of:"));
    const int metric = m_metric->currentIndex();
    {
        const QSignalBlocker block(m_metric);
        m_metric->clear();
        m_metric->addItem(tr("mean |x| (AWQ)"));
        m_metric->addItem(tr("‖x‖₂ (Wanda)"));
        m_metric->addItem(tr("max |x|"));
        m_metric->setCurrentIndex(metric < 0 ? 0 : metric);
    }
    m_metric->setToolTip(tr("Per-channel magnitude over the calibration tokens"));
    m_log->setText(tr("Log scale"));
    m_table->setColumnCount(4);
    m_table->setHorizontalHeaderLabels({tr("Channel"), tr("max |x|"), tr("Tokens above"), tr("mean |x|")});
    rebuild();
}

void ActivationPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

void ActivationPanel::setModelDir(const QString& dir) {
    m_modelDir = dir;
    m_runButton->setEnabled(!dir.isEmpty() && !isRunning());
    const QString heldout = dir.isEmpty() ? QString() : dir + QStringLiteral("/heldout.txt");
    if (!heldout.isEmpty() && QFileInfo::exists(heldout) && m_calib->text().isEmpty())
        m_calib->setText(heldout);
    setResult(QJsonObject());
}

void ActivationPanel::setCalibrationFile(const QString& file) { m_calib->setText(file); }

void ActivationPanel::setSamples(int samples, int length) {
    m_samples->setValue(samples);
    m_length->setValue(length);
}

void ActivationPanel::setThreshold(double threshold) { m_threshold->setValue(threshold); }

bool ActivationPanel::isRunning() const { return m_job->isRunning(); }

void ActivationPanel::run() {
    if (isRunning() || m_modelDir.isEmpty())
        return;
    if (m_calib->text().isEmpty() || !QFileInfo::exists(m_calib->text())) {
        m_lastError = tr("Choose a calibration text file first.");
        m_status->setText(m_lastError);
        emit finished(false);
        return;
    }
    const QString program = resolveCliProgram(m_program, &m_lastError);
    if (program.isEmpty()) {
        m_status->setText(m_lastError);
        emit finished(false);
        return;
    }
    m_result = QJsonObject();
    m_lastError.clear();
    m_progress->setValue(0);
    m_status->setText(tr("Measuring activations…"));
    m_runButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_job->start(program, QStringList{QStringLiteral("analyze"), m_modelDir, QStringLiteral("--activations"),
                           QStringLiteral("--calib"), m_calib->text(), QStringLiteral("--samples"),
                           QString::number(m_samples->value()), QStringLiteral("--length"),
                           QString::number(m_length->value()), QStringLiteral("--outlier-threshold"),
                           QString::number(m_threshold->value()), QStringLiteral("--json")} + m_device->arguments());
}

void ActivationPanel::cancel() {
    if (isRunning())
        m_job->cancel();
}

void ActivationPanel::onJobFinished(int outcome, const QString& text) {
    m_runButton->setEnabled(!m_modelDir.isEmpty());
    m_cancelButton->setEnabled(false);
    const auto o = Job::Outcome(outcome);
    if (o == Job::Outcome::Cancelled) {
        m_status->setText(tr("Cancelled."));
        m_progress->setValue(0);
        emit finished(false);
        return;
    }
    const QJsonObject act = m_result.value(QStringLiteral("activations")).toObject();
    if (o != Job::Outcome::Succeeded || act.isEmpty()) {
        m_lastError = text.isEmpty() ? tr("The analysis returned no activation statistics.") : text;
        m_status->setText(tr("Failed: %1").arg(m_lastError));
        emit message(tr("Activation statistics failed: %1").arg(m_lastError));
        emit finished(false);
        return;
    }
    m_progress->setValue(1000);
    setResult(act);
    const QString summary = tr("%1 tokens in %2 windows, %3 on %4")
                                .arg(act.value(QStringLiteral("tokens")).toInteger())
                                .arg(act.value(QStringLiteral("samples")).toInteger())
                                .arg(act.value(QStringLiteral("dtype")).toString(),
                                     act.value(QStringLiteral("device")).toString());
    m_status->setText(summary);
    emit message(tr("Activation statistics of %1: %2").arg(QFileInfo(m_modelDir).fileName(), summary));
    emit finished(true);
}

void ActivationPanel::setResult(const QJsonObject& activations) {
    m_activations = activations;
    const int previous = m_input->currentIndex();
    {
        const QSignalBlocker block(m_input);
        m_input->clear();
        for (const auto& v : activations.value(QStringLiteral("inputs")).toArray()) {
            const QJsonObject in = v.toObject();
            QStringList projs;
            for (const auto& p : in.value(QStringLiteral("projections")).toArray())
                projs << p.toString();
            m_input->addItem(tr("layer %1 · %2").arg(in.value(QStringLiteral("layer")).toInt()).arg(projs.join(QStringLiteral(", "))));
        }
        if (m_input->count())
            m_input->setCurrentIndex(previous >= 0 && previous < m_input->count() ? previous : 0);
    }
    rebuild();
}

QStringList ActivationPanel::inputs() const {
    QStringList out;
    for (int i = 0; i < m_input->count(); ++i)
        out << m_input->itemText(i);
    return out;
}

void ActivationPanel::selectInput(int index) { m_input->setCurrentIndex(index); }
int ActivationPanel::currentInput() const { return m_input->currentIndex(); }
void ActivationPanel::setMetric(Metric metric) { m_metric->setCurrentIndex(int(metric)); }

QVector<double> ActivationPanel::metricValues(const QJsonObject& in) const {
    switch (Metric(m_metric->currentIndex())) {
    case Metric::L2Norm: return doubles(in.value(QStringLiteral("l2_norm")));
    case Metric::MaxAbs: return doubles(in.value(QStringLiteral("max_abs")));
    case Metric::MeanAbs:
    default: return doubles(in.value(QStringLiteral("mean_abs")));
    }
}

double ActivationPanel::valueAt(int channel) const {
    const QJsonArray inputs = m_activations.value(QStringLiteral("inputs")).toArray();
    const int i = m_input->currentIndex();
    if (i < 0 || i >= inputs.size())
        return std::numeric_limits<double>::quiet_NaN();
    const QVector<double> v = metricValues(inputs[i].toObject());
    return channel >= 0 && channel < v.size() ? v[channel] : std::numeric_limits<double>::quiet_NaN();
}

QVector<int> ActivationPanel::outlierChannels() const {
    QVector<int> out;
    const QJsonArray inputs = m_activations.value(QStringLiteral("inputs")).toArray();
    const int i = m_input->currentIndex();
    if (i < 0 || i >= inputs.size())
        return out;
    for (const auto& o : inputs[i].toObject().value(QStringLiteral("outlier_channels")).toArray())
        out.push_back(o.toObject().value(QStringLiteral("channel")).toInt());
    return out;
}

void ActivationPanel::rebuild() {
    m_plot->clearGraphs();
    m_plot->clearItems();
    m_table->setRowCount(0);
    const QJsonArray inputs = m_activations.value(QStringLiteral("inputs")).toArray();
    const int i = m_input->currentIndex();
    const bool log = m_log->isChecked();
    m_plot->yAxis->setScaleType(log ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    m_plot->yAxis->setTicker(log ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                 : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_plot->xAxis->setLabel(tr("input channel"));
    m_plot->yAxis->setLabel(m_metric->currentText());
    const bool empty = i < 0 || i >= inputs.size();
    // Before any measurement: a hint in place of meaningless axes.
    m_plot->xAxis->setVisible(!empty);
    m_plot->yAxis->setVisible(!empty);
    if (empty) {
        m_summary->setText(m_modelDir.isEmpty() ? tr("Open a model first.")
                                                : tr("Press “Measure activations” to record the inputs of every projection."));
        auto* hint = new QCPItemText(m_plot);
        hint->setObjectName(QStringLiteral("activationHint"));
        hint->position->setType(QCPItemPosition::ptAxisRectRatio);
        hint->position->setCoords(0.5, 0.5);
        hint->setText(tr("No activations measured yet"));
        hint->setColor(palette().color(QPalette::Disabled, QPalette::WindowText));
        m_plot->replot();
        return;
    }
    const QJsonObject in = inputs[i].toObject();
    const QVector<double> values = metricValues(in);
    const int C = int(values.size());
    QVector<double> x(C), y(C);
    double lo = std::numeric_limits<double>::infinity(), hi = 0.0;
    for (int c = 0; c < C; ++c) {
        x[c] = c;
        y[c] = values[c];
        if (values[c] > 0)
            lo = std::min(lo, values[c]);
        hi = std::max(hi, values[c]);
        if (log && !(values[c] > 0))
            y[c] = std::numeric_limits<double>::quiet_NaN();
    }
    QCPGraph* g = m_plot->addGraph();
    g->setLineStyle(QCPGraph::lsImpulse);
    g->setPen(QPen(QColor(31, 119, 180), 1));
    g->setData(x, y, true);

    // Outlier channels: red circles at their value, listed in the table.
    const QJsonArray outliers = in.value(QStringLiteral("outlier_channels")).toArray();
    QVector<double> ox, oy;
    m_table->setRowCount(int(outliers.size()));
    const QLocale loc;
    for (int r = 0; r < outliers.size(); ++r) {
        const QJsonObject o = outliers[r].toObject();
        const int c = o.value(QStringLiteral("channel")).toInt();
        if (c >= 0 && c < C && std::isfinite(y[c])) {
            ox.push_back(c);
            oy.push_back(y[c]);
        }
        const QStringList cells = {QString::number(c), QString::number(o.value(QStringLiteral("max_abs")).toDouble(), 'g', 4),
                                   loc.toString(o.value(QStringLiteral("tokens_above")).toInteger()),
                                   QString::number(o.value(QStringLiteral("mean_abs")).toDouble(), 'g', 4)};
        for (int k = 0; k < cells.size(); ++k) {
            auto* item = new QTableWidgetItem(cells[k]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            m_table->setItem(r, k, item);
        }
    }
    QCPGraph* og = m_plot->addGraph();
    og->setLineStyle(QCPGraph::lsNone);
    og->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QColor(214, 39, 40), 7));
    og->setData(ox, oy, true);

    const double threshold = in.value(QStringLiteral("threshold")).toDouble(6.0);
    if (Metric(m_metric->currentIndex()) == Metric::MaxAbs) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(0, threshold);
        line->point2->setCoords(1, threshold);
        line->setPen(QPen(QColor(214, 39, 40), 1, Qt::DashLine));
        hi = std::max(hi, threshold);
    }
    m_plot->xAxis->setRange(-0.5, C - 0.5);
    if (log && std::isfinite(lo))
        m_plot->yAxis->setRange(lo * 0.5, hi * 2.0);
    else
        m_plot->yAxis->setRange(0, hi > 0 ? hi * 1.05 : 1.0);
    m_plot->replot();

    m_summary->setText(tr("%1 channels over %2 tokens; max |x| %3; %n outlier channel(s) above %4", nullptr,
                          int(outliers.size()))
                           .arg(C)
                           .arg(loc.toString(in.value(QStringLiteral("tokens")).toInteger()))
                           .arg(QString::number(in.value(QStringLiteral("max_abs_overall")).toDouble(), 'g', 4))
                           .arg(threshold));
    m_table->resizeColumnsToContents();
}

QString ActivationPanel::tooltipAt(double x) const {
    const int c = int(std::lround(x));
    const double v = valueAt(c);
    if (!std::isfinite(v))
        return {};
    const bool outlier = outlierChannels().contains(c);
    return tr("channel %1: %2 = %3%4").arg(c).arg(m_metric->currentText()).arg(QString::number(v, 'g', 5))
        .arg(outlier ? tr(" (outlier)") : QString());
}

void ActivationPanel::onMouseMove(QMouseEvent* event) {
    const QString tip = tooltipAt(m_plot->xAxis->pixelToCoord(event->position().x()));
    if (tip.isEmpty())
        QToolTip::hideText();
    else
        QToolTip::showText(event->globalPosition().toPoint(), tip, m_plot);
}

} // namespace slim::widgets
