#pragma once
/// @file similarity_panel.h
/// Runs `slimbench-cli analyze MODEL --similarity --json` out of process (a Job: progress bar,
/// Cancel, errors shown, the window survives a crash) and shows the result in a SimilarityHeatmap.

#include <QJsonObject>
#include <QWidget>

class QLineEdit;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;

class QJsonObject;

namespace slim::widgets {

class Job;
class SimilarityHeatmap;
class DevicePicker;

class SimilarityPanel : public QWidget {
    Q_OBJECT
public:
    explicit SimilarityPanel(QWidget* parent = nullptr);
    /// The model to analyse; picks a default calibration text (the demo model's heldout.txt).
    void setModelDir(const QString& dir);
    void setCalibrationFile(const QString& file);
    void setSamples(int samples, int length);
    /// Override the slimbench-cli executable (tests).
    void setProgram(const QString& program) { m_program = program; }
    SimilarityHeatmap* heatmap() const { return m_heatmap; }
    DevicePicker* devicePicker() const { return m_device; }
    /// The 0-based layers "Remove layers…" would drop: the selected block, else the recommended one.
    QVector<int> layersToRemove() const;
    /// Output folder for "Remove layers…" without asking (tests); empty = ask with a file dialog.
    void setPruneOutputDir(const QString& dir) { m_pruneOut = dir; }
    bool isRunning() const;
    QString lastError() const { return m_lastError; }
    /// Show a finished analysis (the "similarity" object of `slimbench-cli analyze --json`, or of an
    /// Analyse node's result.json); `source` says where it came from in the status line.
    void showResult(const QJsonObject& similarity, const QString& source);

public slots:
    void run();
    void cancel();
    /// Write a copy of the model without layersToRemove() (slimbench-cli prune depth, in the background).
    void pruneSelectedLayers();

signals:
    /// The analysis ended: ok = a result is shown.
    void finished(bool ok);
    /// "Remove layers…" ended: ok = `dir` holds the depth-pruned model.
    void pruneFinished(bool ok, const QString& dir);

private:
    void onJobFinished(int outcome, const QString& message);
    void updatePruneButton();

    QString m_modelDir;
    DevicePicker* m_device = nullptr;
    QString m_program;
    QString m_lastError;
    QLineEdit* m_calib = nullptr;
    QSpinBox* m_samples = nullptr;
    QSpinBox* m_length = nullptr;
    QPushButton* m_runButton = nullptr;
    QPushButton* m_cancelButton = nullptr;
    QPushButton* m_pruneButton = nullptr;
    Job* m_pruneJob = nullptr;
    QString m_pruneOut, m_pruneTarget;
    QProgressBar* m_progress = nullptr;
    QLabel* m_status = nullptr;
    SimilarityHeatmap* m_heatmap = nullptr;
    Job* m_job = nullptr;
    QJsonObject m_result;
};

} // namespace slim::widgets
