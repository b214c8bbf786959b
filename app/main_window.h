#pragma once
/// @file main_window.h
/// The Slimbench main window: menus, toolbar, status bar, the architecture tree in the centre and
/// dockable panels (model summary, generation, log).  Opens checkpoint folders (headers only) and
/// the built-in demo model, which it creates through `slimbench-cli train-demo --json` when needed.
/// Nothing here blocks on a dialog: message boxes are opened window-modal and answered by signals,
/// so the window stays scriptable from tests.

#include "widgets/job.h"
#include "widgets/model_overview.h"

#include <QMainWindow>

#include <optional>

class QAction;
class QDockWidget;
class QLabel;
class QMenu;
class QMessageBox;
class QPlainTextEdit;
class QProgressDialog;
class QStackedWidget;
class QToolBar;

namespace slim::widgets {
class ComparisonView;
class MemoryEstimateView;
class ActivationPanel;
class DistributionPanel;
class GenerationPanel;
class SimilarityPanel;
class ModelSummaryWidget;
class ModelTreeWidget;
class PipelineEditor;
} // namespace slim::widgets

namespace slim::app {

class WelcomePage;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Open a checkpoint folder: reads config.json and the safetensors headers (no weights), shows
    /// the tree and summary and adds it to the recent models.  On failure shows the error (a
    /// window-modal box named "errorBox", the log and the status bar), keeps the previous model
    /// and returns false.
    bool openModel(const QString& dir);
    /// Open the demo model; when it does not exist yet, offer to create it (`ask`) or create it.
    void openDemoModel(bool ask = true);
    /// Open a pipeline file in the pipeline editor (and show it).
    bool openPipeline(const QString& file);
    slim::widgets::PipelineEditor* pipelineEditor() const { return m_pipeline; }
    slim::widgets::ComparisonView* comparisonView() const { return m_comparison; }
    slim::widgets::MemoryEstimateView* memoryEstimateView() const { return m_estimate; }
    /// Open a result database in the comparison view (and show it).
    bool openResults(const QString& database);
    /// Run `program args...` (the CLI's train-demo) with a progress dialog, then open the demo model.
    void createDemoModel(const QString& program = QString(), const QStringList& arguments = {});

    const std::optional<slim::widgets::ModelOverview>& overview() const { return m_overview; }
    QString lastError() const { return m_lastError; }
    bool isCreatingDemoModel() const;

    slim::widgets::ModelTreeWidget* modelTree() const { return m_tree; }
    slim::widgets::ModelSummaryWidget* modelSummary() const { return m_summary; }
    slim::widgets::GenerationPanel* generationPanel() const { return m_generation; }
    slim::widgets::SimilarityPanel* similarityPanel() const { return m_similarity; }
    slim::widgets::ActivationPanel* activationPanel() const { return m_activations; }
    slim::widgets::DistributionPanel* distributionPanel() const { return m_distribution; }
    QPlainTextEdit* logView() const { return m_log; }

public slots:
    void openModelFolder();
    void showSettings();
    void showAbout();
    void appendLog(const QString& line);

signals:
    void modelOpened(const QString& dir);
    void modelOpenFailed(const QString& error);
    /// The demo model job ended (success = the model was created and opened).
    void demoModelJobEnded(bool success);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void showComparison();
    void createActions();
    void createMenus();
    void createDocks();
    /// First-start geometry: most of the available screen, docks sized to leave the tree readable.
    void applyDefaultLayout();
    void sizeDocksToWindow();
    void retranslate();
    void rebuildRecentMenu();
    void showError(const QString& title, const QString& text);
    void showModel(const slim::widgets::ModelOverview& overview);
    void updateWindowTitle();
    void updateModelStatus();
    void onDemoJobFinished(slim::widgets::Job::Outcome outcome, const QString& message);

    std::optional<slim::widgets::ModelOverview> m_overview;
    QString m_lastError;
    bool m_layoutSettled = false;   // docks sized on the first show

    QStackedWidget* m_central = nullptr;
    WelcomePage* m_welcome = nullptr;
    slim::widgets::ModelTreeWidget* m_tree = nullptr;
    slim::widgets::ModelSummaryWidget* m_summary = nullptr;
    slim::widgets::GenerationPanel* m_generation = nullptr;
    QPlainTextEdit* m_log = nullptr;
    QDockWidget* m_summaryDock = nullptr;
    QDockWidget* m_generationDock = nullptr;
    slim::widgets::SimilarityPanel* m_similarity = nullptr;
    QDockWidget* m_similarityDock = nullptr;
    QDockWidget* m_logDock = nullptr;
    slim::widgets::ActivationPanel* m_activations = nullptr;
    QDockWidget* m_activationDock = nullptr;
    slim::widgets::DistributionPanel* m_distribution = nullptr;
    slim::widgets::PipelineEditor* m_pipeline = nullptr;
    QDockWidget* m_pipelineDock = nullptr;
    QAction* m_openPipelineAction = nullptr;
    QAction* m_openResultsAction = nullptr;
    QAction* m_exportReportAction = nullptr;
    QDockWidget* m_comparisonDock = nullptr;
    QDockWidget* m_estimateDock = nullptr;
    slim::widgets::MemoryEstimateView* m_estimate = nullptr;
    slim::widgets::ComparisonView* m_comparison = nullptr;
    QDockWidget* m_distributionDock = nullptr;
    QMenu* m_analysisMenu = nullptr;
    QAction* m_similarityAction = nullptr;
    QAction* m_activationsAction = nullptr;
    QAction* m_distributionAction = nullptr;
    QAction* m_compareAction = nullptr;
    QToolBar* m_toolBar = nullptr;
    QLabel* m_modelStatus = nullptr;

    QMenu* m_fileMenu = nullptr;
    QMenu* m_recentMenu = nullptr;
    QMenu* m_viewMenu = nullptr;
    QMenu* m_helpMenu = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_openDemoAction = nullptr;
    QAction* m_clearRecentAction = nullptr;
    QAction* m_settingsAction = nullptr;
    QAction* m_quitAction = nullptr;
    QAction* m_aboutAction = nullptr;
    QAction* m_aboutQtAction = nullptr;

    slim::widgets::Job* m_demoJob = nullptr;
    QProgressDialog* m_demoProgress = nullptr;
};

} // namespace slim::app
