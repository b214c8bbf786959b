#include "widgets/similarity_panel.h"

#include "widgets/job.h"
#include "widgets/similarity_heatmap.h"

#include <QFileDialog>
#include <QFileInfo>
#include "widgets/device/device_picker.h"

#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace slim::widgets {

SimilarityPanel::SimilarityPanel(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    auto* calibRow = new QHBoxLayout;
    m_calib = new QLineEdit(this);
    m_calib->setObjectName(QStringLiteral("calibrationFile"));
    m_calib->setPlaceholderText(tr("a text file (e.g. WikiText-2 wiki.test.raw)"));
    auto* browse = new QToolButton(this);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(tr("Choose the calibration text"));
    connect(browse, &QToolButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Calibration text"), m_calib->text());
        if (!f.isEmpty())
            m_calib->setText(f);
    });
    calibRow->addWidget(m_calib, 1);
    calibRow->addWidget(browse);
    form->addRow(tr("Calibration text:"), calibRow);
    m_samples = new QSpinBox(this);
    m_samples->setRange(1, 4096);
    m_samples->setValue(32);
    m_samples->setToolTip(tr("Number of token windows drawn from the text (PruneMe uses all of its dataset)."));
    m_length = new QSpinBox(this);
    m_length->setRange(8, 32768);
    m_length->setValue(256);
    m_length->setToolTip(tr("Tokens per window."));
    auto* sizes = new QHBoxLayout;
    sizes->addWidget(m_samples);
    sizes->addWidget(new QLabel(tr("windows of"), this));
    sizes->addWidget(m_length);
    sizes->addWidget(new QLabel(tr("tokens"), this));
    sizes->addStretch();
    form->addRow(tr("Samples:"), sizes);
    m_device = new DevicePicker(this);
    form->addRow(tr("Device:"), m_device);
    layout->addLayout(form);

    auto* buttons = new QHBoxLayout;
    m_runButton = new QPushButton(tr("&Analyse layers"), this);
    m_runButton->setObjectName(QStringLiteral("runSimilarity"));
    m_runButton->setToolTip(tr("Compute the layer-similarity heatmap (runs slimbench-cli analyze in the background)"));
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelSimilarity"));
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_pruneButton = new QPushButton(tr("&Remove layers…"), this);
    m_pruneButton->setObjectName(QStringLiteral("pruneDepth"));
    m_pruneButton->setToolTip(tr("Write a copy of the model without the selected block of layers (or the recommended "
                                 "one) — slimbench-cli prune depth, in the background"));
    m_pruneButton->setEnabled(false);
    buttons->addWidget(m_runButton);
    buttons->addWidget(m_cancelButton);
    buttons->addWidget(m_pruneButton);
    buttons->addWidget(m_progress, 1);
    layout->addLayout(buttons);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("similarityStatus"));
    m_status->setWordWrap(true);
    layout->addWidget(m_status);
    m_heatmap = new SimilarityHeatmap(this);
    layout->addWidget(m_heatmap, 1);

    m_job = new Job(this);
    connect(m_job, &Job::progressChanged, this, [this](double p) { m_progress->setValue(int(p * 1000)); });
    connect(m_job, &Job::statusChanged, m_status, &QLabel::setText);
    connect(m_job, &Job::eventReceived, this, [this](const QJsonObject& e) {
        if (e.value(QStringLiteral("event")).toString() == QLatin1String("result"))
            m_result = e;
    });
    connect(m_job, &Job::finished, this,
            [this](Job::Outcome o, const QString& message) { onJobFinished(int(o), message); });
    connect(m_runButton, &QPushButton::clicked, this, &SimilarityPanel::run);
    connect(m_cancelButton, &QPushButton::clicked, this, &SimilarityPanel::cancel);
    connect(m_pruneButton, &QPushButton::clicked, this, &SimilarityPanel::pruneSelectedLayers);
    connect(m_heatmap, &SimilarityHeatmap::blockSelected, this, [this] { updatePruneButton(); });
    m_pruneJob = new Job(this);
    connect(m_pruneJob, &Job::progressChanged, this, [this](double p) { m_progress->setValue(int(p * 1000)); });
    connect(m_pruneJob, &Job::statusChanged, m_status, &QLabel::setText);
    connect(m_pruneJob, &Job::finished, this, [this](Job::Outcome o, const QString& message) {
        const bool ok = o == Job::Outcome::Succeeded;
        m_status->setText(ok ? tr("Wrote the pruned model to %1").arg(m_pruneTarget)
                             : o == Job::Outcome::Cancelled ? tr("Cancelled.") : tr("Failed: %1").arg(message));
        if (!ok)
            m_lastError = message;
        m_cancelButton->setEnabled(false);
        updatePruneButton();
        emit pruneFinished(ok, m_pruneTarget);
    });
    setModelDir(QString());
}

QVector<int> SimilarityPanel::layersToRemove() const {
    auto [start, n] = m_heatmap->selectedBlock();
    if (start < 0 || n < 1)
        std::tie(start, n) = m_heatmap->recommendedBlock();
    QVector<int> layers;
    for (int l = start; start >= 0 && l < start + n; ++l)
        layers.push_back(l);
    return layers;
}

void SimilarityPanel::updatePruneButton() {
    const QVector<int> layers = layersToRemove();
    m_pruneButton->setEnabled(!m_modelDir.isEmpty() && !layers.isEmpty() && !isRunning() && !m_pruneJob->isRunning());
    QStringList names;
    for (int l : layers)
        names << QString::number(l);
    m_pruneButton->setText(layers.isEmpty() ? tr("&Remove layers…") : tr("&Remove layers %1…").arg(names.join(QStringLiteral(", "))));
}

void SimilarityPanel::pruneSelectedLayers() {
    const QVector<int> layers = layersToRemove();
    if (layers.isEmpty() || m_modelDir.isEmpty() || m_pruneJob->isRunning())
        return;
    QString out = m_pruneOut;
    if (out.isEmpty())
        out = QFileDialog::getSaveFileName(this, tr("Folder for the pruned model"),
                                           m_modelDir + QStringLiteral("-without-layers"));
    if (out.isEmpty())
        return;
    const QString program = resolveCliProgram(m_program, &m_lastError);
    if (program.isEmpty()) {
        m_status->setText(m_lastError);
        emit pruneFinished(false, out);
        return;
    }
    QStringList names;
    for (int l : layers)
        names << QString::number(l);
    m_pruneTarget = out;
    m_pruneButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setValue(0);
    m_status->setText(tr("Removing layers %1…").arg(names.join(QStringLiteral(", "))));
    m_pruneJob->start(program, {QStringLiteral("prune"), QStringLiteral("depth"), m_modelDir, QStringLiteral("--layers"),
                                names.join(QLatin1Char(',')), QStringLiteral("--out"), out, QStringLiteral("--json")});
}

void SimilarityPanel::setModelDir(const QString& dir) {
    if (dir != m_modelDir)
        m_heatmap->setResult(QJsonObject());   // an analysis belongs to the model it was made for
    m_modelDir = dir;
    m_runButton->setEnabled(!dir.isEmpty() && !isRunning());
    // The demo model ships its held-out text: a sensible default calibration set.
    const QString heldout = dir.isEmpty() ? QString() : dir + QStringLiteral("/heldout.txt");
    if (!heldout.isEmpty() && QFileInfo::exists(heldout) && m_calib->text().isEmpty())
        m_calib->setText(heldout);
    updatePruneButton();
}

void SimilarityPanel::setCalibrationFile(const QString& file) { m_calib->setText(file); }

void SimilarityPanel::setSamples(int samples, int length) {
    m_samples->setValue(samples);
    m_length->setValue(length);
}

bool SimilarityPanel::isRunning() const { return m_job && m_job->isRunning(); }

void SimilarityPanel::run() {
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
    m_status->setText(tr("Analysing…"));
    m_runButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_job->start(program, QStringList{QStringLiteral("analyze"), m_modelDir, QStringLiteral("--similarity"),
                           QStringLiteral("--calib"), m_calib->text(), QStringLiteral("--samples"),
                           QString::number(m_samples->value()), QStringLiteral("--length"),
                           QString::number(m_length->value()), QStringLiteral("--json")} + m_device->arguments());
}

void SimilarityPanel::cancel() {
    if (isRunning())
        m_job->cancel();
    if (m_pruneJob->isRunning())
        m_pruneJob->cancel();
}

void SimilarityPanel::onJobFinished(int outcome, const QString& message) {
    m_runButton->setEnabled(!m_modelDir.isEmpty());
    m_cancelButton->setEnabled(false);
    const auto o = Job::Outcome(outcome);
    if (o == Job::Outcome::Cancelled) {
        m_status->setText(tr("Cancelled."));
        m_progress->setValue(0);
        emit finished(false);
        return;
    }
    const QJsonObject sim = m_result.value(QStringLiteral("similarity")).toObject();
    if (o != Job::Outcome::Succeeded || sim.isEmpty()) {
        m_lastError = message.isEmpty() ? tr("The analysis returned no similarity result.") : message;
        m_status->setText(tr("Failed: %1").arg(m_lastError));
        emit finished(false);
        return;
    }
    showResult(sim, tr("%1 windows of %2 tokens").arg(m_samples->value()).arg(m_length->value()));
    emit finished(true);
}

void SimilarityPanel::showResult(const QJsonObject& sim, const QString& source) {
    m_heatmap->setResult(sim);
    updatePruneButton();
    m_progress->setValue(1000);
    m_status->setText(tr("%1 layers, %2, token selection: %3")
                          .arg(sim.value(QStringLiteral("num_layers")).toInt())
                          .arg(source, sim.value(QStringLiteral("tokens")).toString()));
}

} // namespace slim::widgets
