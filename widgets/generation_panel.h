#pragma once
/// @file generation_panel.h
/// Prompt, sampling settings, Generate / Cancel, and the output appended token by token.
/// The model is loaded and run by a GenerationSession in an in-thread Job: the GUI never blocks.

#include <QWidget>

#include <memory>

class QCheckBox;
class QDoubleSpinBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTextEdit;

namespace slim::widgets {

class GenerationSession;
class DevicePicker;
class Job;

class GenerationPanel : public QWidget {
    Q_OBJECT
public:
    explicit GenerationPanel(QWidget* parent = nullptr);
    /// Cancels a running generation and waits for its thread to stop.
    ~GenerationPanel() override;

    /// The model to generate with (loaded lazily on the first Generate).  `hasTokenizer` false
    /// disables Generate and says why.  An empty dir = no model.
    void setModel(const QString& dir, bool hasTokenizer);
    QString modelDir() const { return m_modelDir; }
    bool isBusy() const { return m_busy; }
    /// The generated text shown (without the prompt).
    QString generatedText() const { return m_generated; }
    QString lastError() const { return m_lastError; }

    void setPrompt(const QString& prompt);
    void setMaxNewTokens(int n);
    void setTemperature(double t);

public slots:
    void generate();
    void cancel();

signals:
    void busyChanged(bool busy);
    /// A line for the log / status bar.
    void message(const QString& text);
    /// Generation ended (finished, failed or cancelled).
    void generationEnded();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void setBusy(bool busy);
    void updateEnabled();
    void appendOutput(const QString& text, bool isPrompt);

    QString m_modelDir;
    bool m_hasTokenizer = false;
    bool m_busy = false;
    QString m_generated;
    QString m_lastError;
    std::unique_ptr<GenerationSession> m_session;
    Job* m_job = nullptr;

    QLabel* m_promptLabel = nullptr;
    QPlainTextEdit* m_prompt = nullptr;
    QLabel* m_maxTokensLabel = nullptr;
    QSpinBox* m_maxTokens = nullptr;
    QLabel* m_temperatureLabel = nullptr;
    QDoubleSpinBox* m_temperature = nullptr;
    QLabel* m_topPLabel = nullptr;
    QDoubleSpinBox* m_topP = nullptr;
    QLabel* m_seedLabel = nullptr;
    QLabel* m_deviceLabel = nullptr;
    DevicePicker* m_device = nullptr;
    QSpinBox* m_seed = nullptr;
    QCheckBox* m_stopAtEos = nullptr;
    QPushButton* m_generateButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QPushButton* m_clearButton = nullptr;
    QLabel* m_outputLabel = nullptr;
    QTextEdit* m_output = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace slim::widgets
