#pragma once
/// @file memory_estimate_view.h
/// "Will it fit?" for the open model: choose a job (generate, evaluate, LoRA / QLoRA, GPTQ, AWQ,
/// SparseGPT, Wanda), a device and the settings that drive memory (context, batch, samples,
/// offload); `slimbench-cli estimate` answers with the memory per component, drawn as one bar each
/// against the device's free memory — red when the job does not fit, with the cheapest change that
/// would make it fit.

#include <QJsonObject>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QSpinBox;
class QTimer;

namespace slim::widgets {

class DeviceCatalog;
class DevicePicker;
class Job;

class MemoryEstimateView : public QWidget {
    Q_OBJECT
public:
    explicit MemoryEstimateView(QWidget* parent = nullptr, DeviceCatalog* catalog = nullptr);

    void setModelDir(const QString& dir);
    /// Override slimbench-cli (tests).
    void setProgram(const QString& program) { m_program = program; }
    void setJob(const QString& job);
    DevicePicker* devicePicker() const { return m_device; }
    /// The last estimate (slimbench-cli estimate --json's result), empty before the first.
    QJsonObject estimate() const { return m_estimate; }
    bool fits() const { return m_estimate.value(QStringLiteral("fits")).toBool(true); }
    QCustomPlot* plot() const { return m_plot; }
    QString summary() const;

public slots:
    /// Run the estimate now (it also runs shortly after any change).
    void update();

signals:
    void estimated();

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void draw();

    QString m_dir, m_program;
    QJsonObject m_estimate;
    Job* m_job;
    QTimer* m_debounce;
    QComboBox* m_jobCombo;
    DevicePicker* m_device;
    QSpinBox* m_context;
    QSpinBox* m_newTokens;
    QSpinBox* m_batch;
    QSpinBox* m_samples;
    QCheckBox* m_offload;
    QCustomPlot* m_plot;
    QLabel* m_summary;
    QLabel* m_jobLabel;
    QLabel* m_deviceLabel;
    QLabel* m_contextLabel;
    QLabel* m_newTokensLabel;
    QLabel* m_batchLabel;
    QLabel* m_samplesLabel;
};

} // namespace slim::widgets
