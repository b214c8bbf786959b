#include "widgets/distribution_panel.h"

#include "widgets/job.h"
#include "widgets/histogram_plot.h"
#include "widgets/torch_include.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <chrono>

namespace slim::widgets {

namespace {

/// Both groupings of one checkpoint: per layer (with every tensor) and per kind.
struct Reports {
    analysis::WeightStatsReport byLayer, byKind;
};

Reports computeReports(const QString& dir, const analysis::WeightStatsOptions& base, const JobContext& ctx) {
    const auto ckpt = io::Checkpoint::open(dir.toStdString());
    Reports r;
    analysis::WeightStatsOptions o = base;
    o.perLayer = true;
    o.perKind = false;
    r.byLayer = analysis::computeWeightStats(ckpt, o, ctx.slice(0.0, 0.5));
    o.perKind = true;
    r.byKind = analysis::computeWeightStats(ckpt, o, ctx.slice(0.5, 1.0));
    return r;
}

const analysis::WeightStats* findStats(const Reports* r, DistributionPanel::Scope scope, const QString& name) {
    if (!r)
        return nullptr;
    const std::string n = name.toStdString();
    const auto& list = scope == DistributionPanel::Scope::Kind    ? r->byKind.kinds
                       : scope == DistributionPanel::Scope::Layer ? r->byLayer.layers
                                                                  : r->byLayer.tensors;
    for (const auto& w : list)
        if (w.name == n)
            return &w;
    return nullptr;
}

HistogramSeries toSeries(const analysis::WeightStats& w, const QString& label) {
    HistogramSeries s;
    s.label = label;
    s.lo = w.histogram.lo;
    s.hi = w.histogram.hi;
    s.counts.reserve(qsizetype(w.histogram.counts.size()));
    for (int64_t c : w.histogram.counts)
        s.counts.push_back(c);
    s.outside = w.histogram.below + w.histogram.above;
    s.mean = w.mean;
    s.std = w.std;
    return s;
}

QString num(double v) { return QString::number(v, 'g', 5); }
QString percent(double f) { return QStringLiteral("%1 %").arg(QString::number(100.0 * f, 'g', 4)); }

} // namespace

struct DistributionPanel::Data {
    std::shared_ptr<Reports> a, b;             ///< shown
    std::shared_ptr<Reports> nextA, nextB;     ///< being computed (written by the task only)
    std::chrono::steady_clock::time_point started;
};

DistributionPanel::DistributionPanel(QWidget* parent) : QWidget(parent), m_data(std::make_unique<Data>()) {
    auto* layout = new QVBoxLayout(this);

    auto* row1 = new QHBoxLayout;
    m_scopeLabel = new QLabel(this);
    m_scope = new QComboBox(this);
    m_scope->setObjectName(QStringLiteral("distributionScope"));
    m_item = new QComboBox(this);
    m_item->setObjectName(QStringLiteral("distributionItem"));
    m_item->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_item->setMinimumContentsLength(28);
    row1->addWidget(m_scopeLabel);
    row1->addWidget(m_scope);
    row1->addWidget(m_item, 1);
    layout->addLayout(row1);

    auto* row2 = new QHBoxLayout;
    m_binsLabel = new QLabel(this);
    m_bins = new QSpinBox(this);
    m_bins->setObjectName(QStringLiteral("distributionBins"));
    m_bins->setRange(4, 4096);
    m_bins->setValue(128);
    m_bins->setKeyboardTracking(false);
    m_log = new QCheckBox(this);
    m_log->setObjectName(QStringLiteral("distributionLog"));
    m_rangeBox = new QCheckBox(this);
    m_rangeBox->setObjectName(QStringLiteral("distributionRange"));
    m_lo = new QDoubleSpinBox(this);
    m_hi = new QDoubleSpinBox(this);
    for (QDoubleSpinBox* b : {m_lo, m_hi}) {
        b->setDecimals(4);
        b->setRange(-1e6, 1e6);
        b->setSingleStep(0.01);
        b->setKeyboardTracking(false);
        b->setEnabled(false);
    }
    m_lo->setValue(-0.1);
    m_hi->setValue(0.1);
    row2->addWidget(m_binsLabel);
    row2->addWidget(m_bins);
    row2->addWidget(m_log);
    row2->addSpacing(12);
    row2->addWidget(m_rangeBox);
    row2->addWidget(m_lo);
    row2->addWidget(m_hi);
    row2->addStretch();
    layout->addLayout(row2);

    auto* row3 = new QHBoxLayout;
    m_compareButton = new QPushButton(this);
    m_compareButton->setObjectName(QStringLiteral("distributionCompare"));
    m_clearCompare = new QToolButton(this);
    m_clearCompare->setText(QStringLiteral("✕"));
    m_clearCompare->setEnabled(false);
    m_compareLabel = new QLabel(this);
    m_compareLabel->setObjectName(QStringLiteral("distributionCompareLabel"));
    m_compareLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_cancelButton = new QPushButton(this);
    m_cancelButton->setObjectName(QStringLiteral("distributionCancel"));
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(180);
    row3->addWidget(m_compareButton);
    row3->addWidget(m_clearCompare);
    row3->addWidget(m_compareLabel, 1);
    row3->addWidget(m_cancelButton);
    row3->addWidget(m_progress);
    layout->addLayout(row3);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("distributionStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    auto* split = new QSplitter(Qt::Horizontal, this);
    m_plot = new HistogramPlot(split);
    m_table = new QTableWidget(split);
    m_table->setObjectName(QStringLiteral("distributionStats"));
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);

    m_task = new Job(this);
    connect(m_task, &Job::progressChanged, this, [this](double p) { m_progress->setValue(int(p * 1000)); });
    connect(m_task, &Job::statusChanged, m_status, &QLabel::setText);
    connect(m_task, &Job::finished, this,
            [this](Job::Outcome o, const QString& msg) { onFinished(int(o), msg); });

    connect(m_scope, &QComboBox::currentIndexChanged, this, [this] { refillItems(); });
    connect(m_item, &QComboBox::currentIndexChanged, this, [this] { showCurrent(); });
    connect(m_log, &QCheckBox::toggled, m_plot, &HistogramPlot::setLogCounts);
    connect(m_bins, &QSpinBox::valueChanged, this, &DistributionPanel::recompute);
    connect(m_rangeBox, &QCheckBox::toggled, this, [this](bool on) {
        m_lo->setEnabled(on);
        m_hi->setEnabled(on);
        recompute();
    });
    connect(m_lo, &QDoubleSpinBox::valueChanged, this, [this] { if (m_rangeBox->isChecked()) recompute(); });
    connect(m_hi, &QDoubleSpinBox::valueChanged, this, [this] { if (m_rangeBox->isChecked()) recompute(); });
    connect(m_cancelButton, &QPushButton::clicked, this, &DistributionPanel::cancel);
    connect(m_compareButton, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with model folder"),
                                                              m_compareDir.isEmpty() ? m_modelDir : m_compareDir);
        if (!dir.isEmpty())
            setCompareDir(dir);
    });
    connect(m_clearCompare, &QToolButton::clicked, this, [this] { setCompareDir(QString()); });

    retranslate();
    setModelDir(QString());
}

DistributionPanel::~DistributionPanel() = default;

void DistributionPanel::retranslate() {
    m_scopeLabel->setText(tr("Show:"));
    const int scope = m_scope->currentIndex();
    const QSignalBlocker block(m_scope);
    m_scope->clear();
    m_scope->addItem(tr("One kind across layers"));
    m_scope->addItem(tr("One layer"));
    m_scope->addItem(tr("One tensor"));
    m_scope->setCurrentIndex(scope < 0 ? 0 : scope);
    m_scope->setToolTip(tr("Histogram of all tensors of a kind over every layer (e.g. all down_proj), of one "
                           "layer's projection matrices, or of a single tensor"));
    m_binsLabel->setText(tr("Bins:"));
    m_log->setText(tr("Log counts"));
    m_log->setToolTip(tr("Draw counts on a logarithmic scale: shows the tails and outliers"));
    m_rangeBox->setText(tr("Range:"));
    m_rangeBox->setToolTip(tr("Histogram over a chosen range instead of each tensor's min..max; values "
                              "outside are counted separately"));
    m_compareButton->setText(tr("Compare with…"));
    m_compareButton->setToolTip(tr("Overlay the same tensors of a second model (e.g. after compression)"));
    m_clearCompare->setToolTip(tr("Stop comparing"));
    m_cancelButton->setText(tr("Cancel"));
    if (m_compareDir.isEmpty())
        m_compareLabel->setText(tr("no comparison"));
    showCurrent();
}

void DistributionPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

void DistributionPanel::setModelDir(const QString& dir) {
    m_modelDir = dir;
    m_data->a.reset();
    m_compareButton->setEnabled(!dir.isEmpty());
    refillItems();
    recompute();
}

void DistributionPanel::setCompareDir(const QString& dir) {
    m_compareDir = dir;
    m_data->b.reset();
    m_clearCompare->setEnabled(!dir.isEmpty());
    m_compareLabel->setText(dir.isEmpty() ? tr("no comparison")
                                          : tr("compared with %1").arg(QDir::toNativeSeparators(dir)));
    recompute();
}

void DistributionPanel::setScope(Scope scope) { m_scope->setCurrentIndex(int(scope)); }

DistributionPanel::Scope DistributionPanel::scope() const {
    return m_scope->currentIndex() < 0 ? Scope::Kind : Scope(m_scope->currentIndex());
}

bool DistributionPanel::selectItem(const QString& name) {
    const int i = m_item->findText(name);
    if (i < 0)
        return false;
    m_item->setCurrentIndex(i);
    return true;
}

QString DistributionPanel::currentItem() const { return m_item->currentText(); }

QStringList DistributionPanel::items() const {
    QStringList out;
    for (int i = 0; i < m_item->count(); ++i)
        out << m_item->itemText(i);
    return out;
}

void DistributionPanel::setBins(int bins) { m_bins->setValue(bins); }
void DistributionPanel::setLogCounts(bool on) { m_log->setChecked(on); }

void DistributionPanel::setRange(bool chosen, double lo, double hi) {
    const QSignalBlocker b1(m_rangeBox), b2(m_lo), b3(m_hi);
    m_rangeBox->setChecked(chosen);
    m_lo->setEnabled(chosen);
    m_hi->setEnabled(chosen);
    if (chosen) {
        m_lo->setValue(lo);
        m_hi->setValue(hi);
    }
    recompute();
}

bool DistributionPanel::isRunning() const { return m_task->isRunning(); }

void DistributionPanel::cancel() {
    m_pending = false;
    m_task->cancel();
}

void DistributionPanel::recompute() {
    if (m_modelDir.isEmpty()) {
        m_plot->clear();
        m_table->clear();
        m_table->setRowCount(0);
        m_table->setColumnCount(0);
        m_status->setText(tr("Open a model to see its weight distributions."));
        return;
    }
    if (m_task->isRunning()) {
        // Settings changed mid-run: restart with the new ones once the current run has stopped.
        m_pending = true;
        m_task->cancel();
        return;
    }
    if (m_rangeBox->isChecked() && !(m_lo->value() < m_hi->value())) {
        m_lastError = tr("The range needs low < high.");
        m_status->setText(m_lastError);
        emit finished(false);
        return;
    }
    analysis::WeightStatsOptions o;
    o.histogram.bins = m_bins->value();
    if (m_rangeBox->isChecked()) {
        o.histogram.lo = m_lo->value();
        o.histogram.hi = m_hi->value();
    }
    const QString a = m_modelDir, b = m_compareDir;
    auto outA = std::make_shared<Reports>();
    auto outB = b.isEmpty() ? std::shared_ptr<Reports>() : std::make_shared<Reports>();
    m_data->nextA = outA;
    m_data->nextB = outB;
    m_data->started = std::chrono::steady_clock::now();
    m_lastError.clear();
    m_progress->setValue(0);
    m_cancelButton->setEnabled(true);
    m_status->setText(tr("Computing weight statistics…"));
    m_task->startInThread([a, b, o, outA, outB](const JobContext& ctx) {
        const double split = outB ? 0.5 : 1.0;
        *outA = computeReports(a, o, ctx.slice(0.0, split));
        if (outB)
            *outB = computeReports(b, o, ctx.slice(split, 1.0));
    });
}

void DistributionPanel::onFinished(int outcome, const QString& text) {
    m_cancelButton->setEnabled(false);
    auto nextA = std::move(m_data->nextA);
    auto nextB = std::move(m_data->nextB);
    if (m_pending) {
        m_pending = false;
        recompute();
        return;
    }
    const auto o = Job::Outcome(outcome);
    if (o == Job::Outcome::Cancelled) {
        m_status->setText(tr("Cancelled."));
        m_progress->setValue(0);
        emit finished(false);
        return;
    }
    if (o == Job::Outcome::Failed) {
        m_lastError = text;
        m_status->setText(tr("Failed: %1").arg(text));
        emit message(tr("Weight statistics failed: %1").arg(text));
        emit finished(false);
        return;
    }
    m_data->a = std::move(nextA);
    m_data->b = std::move(nextB);
    m_lastSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_data->started).count();
    m_progress->setValue(1000);
    const QString summary = tr("%1 tensors, %2 values in %3 s")
                                .arg(m_data->a->byLayer.tensors.size())
                                .arg(QLocale().toString(qint64(m_data->a->byLayer.elements)))
                                .arg(QString::number(m_lastSeconds, 'f', 2));
    m_status->setText(summary);
    refillItems();   // may replace the status with a "not in the second model" note
    emit message(tr("Weight statistics of %1: %2").arg(QFileInfo(m_modelDir).fileName(), summary));
    emit finished(true);
}

void DistributionPanel::refillItems() {
    const QString previous = m_item->currentText();
    const QSignalBlocker block(m_item);
    m_item->clear();
    if (const Reports* r = m_data->a.get()) {
        const auto& list = scope() == Scope::Kind ? r->byKind.kinds : scope() == Scope::Layer ? r->byLayer.layers
                                                                                               : r->byLayer.tensors;
        for (const auto& w : list)
            m_item->addItem(QString::fromStdString(w.name));
        int i = m_item->findText(previous);
        if (i < 0 && scope() == Scope::Kind)
            i = m_item->findText(QStringLiteral("model.layers.*.mlp.down_proj.weight"));
        m_item->setCurrentIndex(i < 0 ? 0 : i);
    }
    showCurrent();
}

void DistributionPanel::showCurrent() {
    const QString name = m_item->currentText();
    const auto* wa = findStats(m_data->a.get(), scope(), name);
    const auto* wb = findStats(m_data->b.get(), scope(), name);
    QVector<HistogramSeries> series;
    const QString labelA = QFileInfo(m_modelDir).fileName();
    const QString labelB = QFileInfo(m_compareDir).fileName() + (labelA == QFileInfo(m_compareDir).fileName() ? QStringLiteral(" (2)") : QString());
    if (wa)
        series.push_back(toSeries(*wa, labelA));
    if (wb)
        series.push_back(toSeries(*wb, labelB));
    m_plot->setSeries(series);
    if (wa && m_data->b && !wb)
        m_status->setText(tr("%1 does not exist in %2 (pruned or renamed?)").arg(name, labelB));

    // Statistics table: one column per model.
    const QStringList rows = {tr("Values"),        tr("Data type"),  tr("Mean"),      tr("Std (population)"),
                              tr("Excess kurtosis"), tr("Skewness"), tr("Min"),       tr("Max"),
                              tr("Max |w|"),       tr("Beyond %1σ").arg(wa ? wa->sigmaK : 3.0),
                              tr("Exact zeros (sparsity)"), tr("NaN / ±Inf")};
    QVector<const analysis::WeightStats*> cols;
    QStringList headers;
    if (wa) {
        cols.push_back(wa);
        headers << labelA;
    }
    if (wb) {
        cols.push_back(wb);
        headers << labelB;
    }
    m_table->clear();
    m_table->setRowCount(cols.isEmpty() ? 0 : int(rows.size()));
    m_table->setColumnCount(int(cols.size()));
    m_table->setVerticalHeaderLabels(rows);
    m_table->setHorizontalHeaderLabels(headers);
    const QLocale loc;
    for (int c = 0; c < cols.size(); ++c) {
        const auto& w = *cols[c];
        const QStringList values = {
            loc.toString(qint64(w.numel)), QString::fromStdString(w.dtype), num(w.mean), num(w.std),
            num(w.excessKurtosis), num(w.skewness), num(w.min), num(w.max), num(w.maxAbs),
            QStringLiteral("%1 (%2)").arg(loc.toString(qint64(w.beyondKSigma)), percent(w.beyondKSigmaFraction())),
            QStringLiteral("%1 (%2)").arg(loc.toString(qint64(w.zeros)), percent(w.sparsity())),
            QStringLiteral("%1 / %2").arg(w.nan).arg(w.posInf + w.negInf)};
        for (int r = 0; r < values.size(); ++r) {
            auto* item = new QTableWidgetItem(values[r]);
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (r == values.size() - 1 && w.nan + w.posInf + w.negInf > 0)
                item->setForeground(Qt::red);
            m_table->setItem(r, c, item);
        }
    }
    m_table->resizeColumnsToContents();
}

} // namespace slim::widgets
