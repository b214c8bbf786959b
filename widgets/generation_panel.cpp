#include "widgets/generation_panel.h"

#include "widgets/device/device_picker.h"
#include "widgets/generation_session.h"
#include "widgets/job.h"

#include <QCheckBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSpinBox>
#include <QStyle>
#include <QTextCursor>
#include <QTextEdit>
#include <QVBoxLayout>

namespace slim::widgets {

GenerationPanel::GenerationPanel(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("generationPanel"));

    m_promptLabel = new QLabel(this);
    m_prompt = new QPlainTextEdit(this);
    m_prompt->setObjectName(QStringLiteral("prompt"));
    m_prompt->setPlainText(QStringLiteral("Once upon a time"));
    m_prompt->setMaximumHeight(90);
    m_promptLabel->setBuddy(m_prompt);

    m_maxTokens = new QSpinBox(this);
    m_maxTokens->setObjectName(QStringLiteral("maxNewTokens"));
    m_maxTokens->setRange(1, 8192);
    m_maxTokens->setValue(64);
    m_temperature = new QDoubleSpinBox(this);
    m_temperature->setObjectName(QStringLiteral("temperature"));
    m_temperature->setRange(0.0, 5.0);
    m_temperature->setSingleStep(0.1);
    m_temperature->setDecimals(2);
    m_temperature->setValue(0.8);
    m_topP = new QDoubleSpinBox(this);
    m_topP->setObjectName(QStringLiteral("topP"));
    m_topP->setRange(0.01, 1.0);
    m_topP->setSingleStep(0.05);
    m_topP->setDecimals(2);
    m_topP->setValue(0.95);
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("seed"));
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_stopAtEos = new QCheckBox(this);
    m_stopAtEos->setObjectName(QStringLiteral("stopAtEos"));
    m_stopAtEos->setChecked(true);

    m_maxTokensLabel = new QLabel(this);
    m_temperatureLabel = new QLabel(this);
    m_topPLabel = new QLabel(this);
    m_seedLabel = new QLabel(this);
    auto* form = new QFormLayout;
    form->addRow(m_maxTokensLabel, m_maxTokens);
    form->addRow(m_temperatureLabel, m_temperature);
    form->addRow(m_topPLabel, m_topP);
    form->addRow(m_seedLabel, m_seed);
    form->addRow(QString(), m_stopAtEos);
    m_device = new DevicePicker(this);
    m_deviceLabel = new QLabel(this);
    form->addRow(m_deviceLabel, m_device);

    m_generateButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), QString(), this);
    m_generateButton->setObjectName(QStringLiteral("generateButton"));
    m_generateButton->setDefault(true);
    m_cancelButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), QString(), this);
    m_cancelButton->setObjectName(QStringLiteral("cancelButton"));
    m_clearButton = new QPushButton(this);
    m_clearButton->setObjectName(QStringLiteral("clearButton"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_generateButton);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch(1);
    buttons->addWidget(m_clearButton);

    m_outputLabel = new QLabel(this);
    m_output = new QTextEdit(this);
    m_output->setObjectName(QStringLiteral("output"));
    m_output->setReadOnly(true);
    m_output->setAcceptRichText(false);
    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("progress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setTextVisible(false);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("statusLabel"));
    m_status->setWordWrap(true);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_promptLabel);
    layout->addWidget(m_prompt);
    layout->addLayout(form);
    layout->addLayout(buttons);
    layout->addWidget(m_outputLabel);
    layout->addWidget(m_output, 1);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);

    // The model stays loaded in the session between runs; each run is an in-thread Job.
    m_session = std::make_unique<GenerationSession>();
    m_job = new Job(this);

    connect(m_generateButton, &QPushButton::clicked, this, &GenerationPanel::generate);
    connect(m_cancelButton, &QPushButton::clicked, this, &GenerationPanel::cancel);
    connect(m_clearButton, &QPushButton::clicked, this, [this] {
        m_output->clear();
        m_generated.clear();
    });
    connect(m_job, &Job::progressChanged, this, [this](double f) {
        m_progress->setValue(static_cast<int>(std::clamp(f, 0.0, 1.0) * 1000));
    });
    connect(m_job, &Job::statusChanged, m_status, &QLabel::setText);
    connect(m_job, &Job::outputReceived, this, [this](const QString& text, const QString& mode) {
        if (mode == QLatin1String("prompt")) {
            appendOutput(text, true);
        } else if (mode == QLatin1String("replace")) {
            // Rewrite the generated part after the prompt.
            QTextCursor c(m_output->document());
            c.movePosition(QTextCursor::End);
            c.movePosition(QTextCursor::Left, QTextCursor::KeepAnchor, static_cast<int>(m_generated.size()));
            c.removeSelectedText();
            m_generated = text;
            appendOutput(text, false);
        } else {
            m_generated += text;
            appendOutput(text, false);
        }
    });
    connect(m_job, &Job::eventReceived, this, [this](const QJsonObject& e) {
        if (e.value(QLatin1String("event")).toString() == QLatin1String("metric") &&
            e.value(QLatin1String("name")).toString() == QLatin1String("prompt_tokens"))
            emit message(tr("Prompt: %n token(s)", nullptr, e.value(QLatin1String("value")).toInt()));
    });
    connect(m_job, &Job::finished, this, [this](Job::Outcome outcome, const QString& error) {
        switch (outcome) {
        case Job::Outcome::Succeeded:
            m_progress->setValue(m_progress->maximum());
            emit message(m_job->status());
            break;
        case Job::Outcome::Failed:
            m_lastError = error;
            m_status->setText(tr("Failed: %1").arg(error));
            m_progress->setValue(0);
            emit message(tr("Generation failed: %1").arg(error));
            break;
        case Job::Outcome::Cancelled:
            m_status->setText(tr("Cancelled."));
            m_progress->setValue(0);
            emit message(tr("Generation cancelled."));
            break;
        }
        setBusy(false);
    });

    retranslate();
    updateEnabled();
}

GenerationPanel::~GenerationPanel()
{
    // The session must outlive the work that uses it.
    m_job->cancel();
    m_job->wait();
}

void GenerationPanel::retranslate()
{
    m_promptLabel->setText(tr("&Prompt:"));
    m_maxTokensLabel->setText(tr("Max. new tokens:"));
    m_temperatureLabel->setText(tr("Temperature:"));
    m_temperature->setSpecialValueText(tr("greedy"));
    m_temperature->setToolTip(tr("0 = always take the most likely token"));
    m_topPLabel->setText(tr("Top-p:"));
    m_seedLabel->setText(tr("Seed:"));
    m_deviceLabel->setText(tr("Device:"));
    m_stopAtEos->setText(tr("Stop at end of sequence"));
    m_generateButton->setText(tr("&Generate"));
    m_cancelButton->setText(tr("Cancel"));
    m_clearButton->setText(tr("Clear"));
    m_outputLabel->setText(tr("Output:"));
    updateEnabled();
}

void GenerationPanel::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

void GenerationPanel::setModel(const QString& dir, bool hasTokenizer)
{
    if (m_busy)
        cancel();
    if (dir != m_modelDir) {
        m_job->wait(); // cancelled above: the session is free once the work returned
        m_session->unload();
    }
    m_modelDir = dir;
    m_hasTokenizer = hasTokenizer;
    m_output->clear();
    m_generated.clear();
    m_progress->setValue(0);
    m_status->clear();
    updateEnabled();
}

void GenerationPanel::setPrompt(const QString& prompt) { m_prompt->setPlainText(prompt); }
void GenerationPanel::setMaxNewTokens(int n) { m_maxTokens->setValue(n); }
void GenerationPanel::setTemperature(double t) { m_temperature->setValue(t); }

void GenerationPanel::updateEnabled()
{
    const bool ready = !m_modelDir.isEmpty() && m_hasTokenizer;
    m_generateButton->setEnabled(ready && !m_busy);
    m_cancelButton->setEnabled(m_busy);
    m_prompt->setReadOnly(m_busy);
    if (m_modelDir.isEmpty())
        m_generateButton->setToolTip(tr("Open a model first."));
    else if (!m_hasTokenizer)
        m_generateButton->setToolTip(tr("This model folder has no tokenizer.json."));
    else
        m_generateButton->setToolTip(tr("Load the model (first time) and generate text."));
}

void GenerationPanel::setBusy(bool busy)
{
    m_busy = busy;
    updateEnabled();
    emit busyChanged(busy);
    if (!busy)
        emit generationEnded();
}

void GenerationPanel::appendOutput(const QString& text, bool isPrompt)
{
    QTextCursor c(m_output->document());
    c.movePosition(QTextCursor::End);
    QTextCharFormat fmt;
    if (isPrompt) {
        fmt.setForeground(palette().color(QPalette::PlaceholderText));
    } else {
        fmt.setForeground(palette().color(QPalette::Text));
    }
    c.insertText(text, fmt);
    m_output->verticalScrollBar()->setValue(m_output->verticalScrollBar()->maximum());
}

void GenerationPanel::generate()
{
    if (m_busy || m_modelDir.isEmpty() || !m_hasTokenizer)
        return;
    GenerationRequest req;
    req.modelDir = m_modelDir;
    req.prompt = m_prompt->toPlainText();
    req.maxNewTokens = m_maxTokens->value();
    req.temperature = m_temperature->value();
    req.topP = m_topP->value();
    req.seed = static_cast<quint64>(m_seed->value());
    req.stopAtEos = m_stopAtEos->isChecked();
    req.device = m_device->device();
    req.dtype = m_device->dtype();

    m_lastError.clear();
    m_output->clear();
    m_generated.clear();
    m_progress->setValue(0);
    m_status->setText(tr("Starting…"));
    setBusy(true);
    m_job->startInThread([session = m_session.get(), req](const slim::JobContext& ctx) { session->run(req, ctx); });
}

void GenerationPanel::cancel()
{
    if (m_job->isRunning()) {
        m_job->cancel();
        m_status->setText(tr("Cancelling…"));
    }
}

} // namespace slim::widgets
