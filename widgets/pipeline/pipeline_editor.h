#pragma once
/// @file pipeline_editor.h
/// The pipeline editor: a palette of node types (search, double-click or drag to add), the graph view
/// (pipeline_scene.h), a property panel generated from the selected node's parameter schema, undo /
/// redo, copy / paste, delete, zoom / fit / auto-layout, open / save / recent files with an
/// unsaved-changes prompt, and Run: `slimbench-cli run FILE --json` as a child process whose node events
/// colour the nodes (pending / running with progress / done / cached / failed / cancelled / skipped).

#include <QString>
#include <QWidget>

class QAction;
class QComboBox;
class QFormLayout;
class QGraphicsView;
class QLabel;
class QLineEdit;
class QProgressBar;
class QTreeWidget;
class QToolBar;

class QJsonObject;

namespace slim::widgets {

class Job;
class DevicePicker;
class PipelineScene;

class PipelineEditor : public QWidget {
    Q_OBJECT
public:
    explicit PipelineEditor(QWidget* parent = nullptr);

    PipelineScene* scene() const { return m_scene; }
    bool openFile(const QString& path);
    bool saveTo(const QString& path);
    const QString& currentFile() const { return m_file; }
    bool isModified() const;
    /// Ask to save unsaved changes; false when the user cancels.
    bool maybeSave();
    /// Run the pipeline (saved first); `cliOverride` as resolveCliProgram takes it.
    void run(const QString& cliOverride = {});
    void cancelRun();
    bool isRunning() const;
    /// A finished node's result as text (Evaluate: each task's metrics; Analyse: the layers to drop;
    /// others: the artifact's path); empty when the node has not run.
    QString resultSummary(const QString& nodeId) const;
    /// Set or create the depth-pruning node's layers (from the layer-similarity view).
    void applyDepthLayers(const QString& layers);

    QAction* undoAction() const { return m_undo; }
    QAction* redoAction() const { return m_redo; }

    DevicePicker* devicePicker() const { return m_device; }

signals:
    void message(const QString& text);
    void runFinished(bool ok);
    /// A finished node was double-clicked: its artifact folder (a model) or result file.
    void artifactActivated(const QString& nodeId, const QString& path);
    /// A run ended and reported where its result records are (the database and the run's id).
    void resultsAvailable(const QString& database, const QString& runId);
    /// A finished Analyse node with a layer-similarity result was double-clicked.
    void similarityActivated(const QString& nodeId, const QJsonObject& similarity);

private:
    void buildUi();
    void fillPalette(const QString& filter);
    void showProperties();
    void updateTitle();
    void copySelection();
    void paste();
    void addRecent(const QString& path);

    PipelineScene* m_scene;
    QGraphicsView* m_view;
    QTreeWidget* m_palette;
    QLineEdit* m_search;
    QWidget* m_props;
    QFormLayout* m_form;
    QLabel* m_status;
    QProgressBar* m_progress;
    DevicePicker* m_device;
    QToolBar* m_toolbar;
    QAction *m_undo, *m_redo, *m_runAction, *m_cancelAction;
    Job* m_job;
    QString m_file;
    int m_cleanIndex = 0;
    QHash<QString, QString> m_artifacts; ///< node -> artifact path of the last run
};

} // namespace slim::widgets
