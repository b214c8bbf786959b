#pragma once
/// @file activation_panel.h
/// Activation statistics of a model over calibration text: for a chosen projection input (layer,
/// q/k/v, o, gate/up or down), the per-channel magnitudes — mean |x| (what AWQ scales by),
/// ‖x‖₂ (Wanda's norm) or max |x| — with the LLM.int8 outlier channels (max |x| above the
/// threshold, 6.0 by default) marked and listed.  Runs `slimbench-cli analyze --activations --json`
/// out of process (a Job: progress, Cancel; a crash cannot take the window down).

#include <QJsonObject>
#include <QVector>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QMouseEvent;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace slim::widgets {

class Job;
class DevicePicker;

class ActivationPanel : public QWidget {
    Q_OBJECT
public:
    enum class Metric { MeanAbs = 0, L2Norm = 1, MaxAbs = 2 };

    explicit ActivationPanel(QWidget* parent = nullptr);

    void setModelDir(const QString& dir);
    void setCalibrationFile(const QString& file);
    void setSamples(int samples, int length);
    void setThreshold(double threshold);
    void setProgram(const QString& program) { m_program = program; }
    /// Show a result: the "activations" object of the analyze command's JSON.
    void setResult(const QJsonObject& activations);

    /// "layer 0 · q_proj, k_proj, v_proj", ... in result order.
    QStringList inputs() const;
    void selectInput(int index);
    int currentInput() const;
    void setMetric(Metric metric);
    /// The plotted value of channel `channel` of the current input (NaN outside).
    double valueAt(int channel) const;
    /// Outlier channels of the current input (ascending).
    QVector<int> outlierChannels() const;
    QString tooltipAt(double x) const;

    bool isRunning() const;
    QString lastError() const { return m_lastError; }
    QCustomPlot* plot() const { return m_plot; }
    QTableWidget* outlierTable() const { return m_table; }

public slots:
    void run();
    void cancel();

signals:
    void finished(bool ok);
    void message(const QString& text);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void rebuild();
    void onMouseMove(QMouseEvent* event);
    void onJobFinished(int outcome, const QString& message);
    QVector<double> metricValues(const QJsonObject& input) const;

    QString m_modelDir, m_program, m_lastError;
    QJsonObject m_result, m_activations;
    QLabel* m_calibLabel = nullptr;
    QLineEdit* m_calib = nullptr;
    QLabel* m_samplesLabel = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_length = nullptr;
    QLabel* m_thresholdLabel = nullptr;
    QDoubleSpinBox* m_threshold = nullptr;
    QPushButton* m_runButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    QLabel* m_inputLabel = nullptr;
    QComboBox* m_input = nullptr;
    QComboBox* m_metric = nullptr;
    QCheckBox* m_log = nullptr;
    QCustomPlot* m_plot = nullptr;
    QLabel* m_summary = nullptr;
    QTableWidget* m_table = nullptr;
    Job* m_job = nullptr;
    DevicePicker* m_device = nullptr;
};

} // namespace slim::widgets
