#include "app/main_window.h"
#include "widgets/comparison/comparison_view.h"
#include "widgets/device/device_catalog.h"
#include "widgets/device/memory_estimate_view.h"
#include "widgets/device/runtime_info.h"
#include "widgets/pipeline/pipeline_editor.h"

#include "app/app_settings.h"
#include "app/demo_model_support.h"
#include "app/settings_dialog.h"
#include "app/welcome_page.h"
#include "core/common/errors.h"
#include "widgets/activation_panel.h"
#include "widgets/distribution_panel.h"
#include "widgets/generation_panel.h"
#include "widgets/similarity_heatmap.h"
#include "widgets/similarity_panel.h"
#include "widgets/model_summary_widget.h"
#include "widgets/model_tree_widget.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QShowEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QGuiApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QJsonObject>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressDialog>
#include <QScrollArea>
#include <QStackedWidget>
#include <QScreen>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>

#include <algorithm>

namespace slim::app {

using widgets::Job;
using widgets::ModelOverview;

namespace {
constexpr int kStatusTimeoutMs = 8000;

/// Restores the cursor on every exit path of a synchronous step.
struct WaitCursor {
    WaitCursor() { QApplication::setOverrideCursor(Qt::WaitCursor); }
    ~WaitCursor() { QApplication::restoreOverrideCursor(); }
};
} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setObjectName(QStringLiteral("mainWindow"));
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);

    m_central = new QStackedWidget(this);
    m_welcome = new WelcomePage(m_central);
    m_tree = new widgets::ModelTreeWidget(m_central);
    // The welcome text scrolls rather than overlapping itself when the central area is small.
    auto* welcomeScroll = new QScrollArea(m_central);
    welcomeScroll->setWidget(m_welcome);
    welcomeScroll->setWidgetResizable(true);
    welcomeScroll->setFrameShape(QFrame::NoFrame);
    m_central->addWidget(welcomeScroll);
    m_central->addWidget(m_tree);
    setCentralWidget(m_central);
    connect(m_welcome, &WelcomePage::openFolderRequested, this, &MainWindow::openModelFolder);
    connect(m_welcome, &WelcomePage::openDemoRequested, this, [this] { openDemoModel(true); });

    createActions();
    createMenus();
    createDocks();

    m_modelStatus = new QLabel(this);
    m_modelStatus->setObjectName(QStringLiteral("modelStatus"));
    statusBar()->addPermanentWidget(m_modelStatus);

    retranslate();
    rebuildRecentMenu();

    applyDefaultLayout();
    const QByteArray geometry = AppSettings::windowGeometry();
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
    const QByteArray state = AppSettings::windowState();
    if (!state.isEmpty())
        restoreState(state);
}

MainWindow::~MainWindow() = default;

namespace {
/// Dock contents scroll instead of imposing their minimum size on the window: the default layout
/// then fits a 1280 × 800 screen and a long label never widens a dock.
QScrollArea* scrollable(QWidget* content)
{
    auto* area = new QScrollArea;
    area->setWidget(content);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    return area;
}
} // namespace

void MainWindow::applyDefaultLayout()
{
    // First start: use most of the screen (90 %, at least 1024 × 700 where the screen allows), centred,
    // and give the docks widths that leave the architecture tree the larger part.
    const QScreen* scr = screen() ? screen() : QGuiApplication::primaryScreen();
    const QRect avail = scr ? scr->availableGeometry() : QRect(0, 0, 1280, 800);
    const QSize size(std::min(avail.width(), std::max(1024, avail.width() * 9 / 10)),
                     std::min(avail.height(), std::max(700, avail.height() * 9 / 10)));
    resize(size);
    move(avail.center() - QPoint(size.width() / 2, size.height() / 2));
    sizeDocksToWindow();
}

void MainWindow::sizeDocksToWindow()
{
    // Docks: about a quarter of the width each side, a third of the height below (enough for a
    // histogram and its table), the rest for the architecture tree.
    const QSize size = this->size();
    const int side = std::clamp(size.width() / 4, 300, 480);
    resizeDocks({m_summaryDock, m_generationDock}, {side, side + 60}, Qt::Horizontal);
    resizeDocks({m_logDock}, {std::clamp(size.height() / 3, 220, 400)}, Qt::Vertical);
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    // The first show of a window without a saved layout sizes the docks for the size it really
    // has (a caller may have resized it after construction).
    if (!m_layoutSettled) {
        m_layoutSettled = true;
        if (AppSettings::windowState().isEmpty())
            sizeDocksToWindow();
    }
}

void MainWindow::createActions()
{
    m_openAction = new QAction(style()->standardIcon(QStyle::SP_DirOpenIcon), QString(), this);
    m_openAction->setObjectName(QStringLiteral("openAction"));
    m_openAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    connect(m_openAction, &QAction::triggered, this, &MainWindow::openModelFolder);

    m_openDemoAction = new QAction(style()->standardIcon(QStyle::SP_ComputerIcon), QString(), this);
    m_openDemoAction->setObjectName(QStringLiteral("openDemoAction"));
    m_openDemoAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_D));
    connect(m_openDemoAction, &QAction::triggered, this, [this] { openDemoModel(true); });

    m_clearRecentAction = new QAction(this);
    connect(m_clearRecentAction, &QAction::triggered, this, [this] {
        AppSettings::clearRecentModels();
        rebuildRecentMenu();
    });

    m_settingsAction = new QAction(this);
    m_settingsAction->setObjectName(QStringLiteral("settingsAction"));
    m_settingsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    m_settingsAction->setMenuRole(QAction::PreferencesRole);
    connect(m_settingsAction, &QAction::triggered, this, &MainWindow::showSettings);

    m_openPipelineAction = new QAction(this);
    m_openPipelineAction->setObjectName(QStringLiteral("openPipelineAction"));
    m_openPipelineAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    connect(m_openPipelineAction, &QAction::triggered, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open pipeline"), QString(), tr("Pipelines (*.json)"));
        if (!f.isEmpty())
            openPipeline(f);
    });

    m_openResultsAction = new QAction(this);
    m_openResultsAction->setObjectName(QStringLiteral("openResultsAction"));
    connect(m_openResultsAction, &QAction::triggered, this, [this] {
        showComparison();
        m_comparison->chooseDatabase();
    });
    m_exportReportAction = new QAction(this);
    m_exportReportAction->setObjectName(QStringLiteral("exportReportAction"));
    m_exportReportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
    connect(m_exportReportAction, &QAction::triggered, this, [this] {
        showComparison();
        m_comparison->exportReport();
    });

    m_quitAction = new QAction(this);
    m_quitAction->setObjectName(QStringLiteral("quitAction"));
    m_quitAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &MainWindow::close);

    m_aboutAction = new QAction(this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::showAbout);
    m_aboutQtAction = new QAction(this);
    m_aboutQtAction->setMenuRole(QAction::AboutQtRole);
    connect(m_aboutQtAction, &QAction::triggered, qApp, &QApplication::aboutQt);
}

void MainWindow::createMenus()
{
    m_fileMenu = menuBar()->addMenu(QString());
    m_fileMenu->addAction(m_openAction);
    m_fileMenu->addAction(m_openDemoAction);
    m_fileMenu->addAction(m_openPipelineAction);
    m_fileMenu->addAction(m_openResultsAction);
    m_fileMenu->addAction(m_exportReportAction);
    m_recentMenu = m_fileMenu->addMenu(QString());
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_settingsAction);
    m_fileMenu->addSeparator();
    m_fileMenu->addAction(m_quitAction);

    m_viewMenu = menuBar()->addMenu(QString());

    m_analysisMenu = menuBar()->addMenu(QString());
    m_similarityAction = m_analysisMenu->addAction(QString());
    m_similarityAction->setObjectName(QStringLiteral("similarityAction"));
    m_similarityAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(m_similarityAction, &QAction::triggered, this, [this] {
        m_similarityDock->show();
        m_similarityDock->raise();
        m_similarity->run();
    });
    m_activationsAction = m_analysisMenu->addAction(QString());
    m_activationsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_J));
    connect(m_activationsAction, &QAction::triggered, this, [this] {
        m_activationDock->show();
        m_activationDock->raise();
        m_activations->run();
    });
    m_distributionAction = m_analysisMenu->addAction(QString());
    m_distributionAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_H));
    connect(m_distributionAction, &QAction::triggered, this, [this] {
        m_distributionDock->show();
        m_distributionDock->raise();
    });
    m_compareAction = m_analysisMenu->addAction(QString());
    connect(m_compareAction, &QAction::triggered, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Compare with model folder"), AppSettings::lastOpenDir());
        if (dir.isEmpty())
            return;
        m_distributionDock->show();
        m_distributionDock->raise();
        m_distribution->setCompareDir(dir);
    });

    m_helpMenu = menuBar()->addMenu(QString());
    m_helpMenu->addAction(m_aboutAction);
    m_helpMenu->addAction(m_aboutQtAction);

    m_toolBar = addToolBar(QString());
    m_toolBar->setObjectName(QStringLiteral("mainToolBar"));
    m_toolBar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toolBar->addAction(m_openAction);
    m_toolBar->addAction(m_openDemoAction);
}

void MainWindow::createDocks()
{
    m_summary = new widgets::ModelSummaryWidget;
    auto* summaryScroll = new QScrollArea;
    summaryScroll->setWidget(m_summary);
    summaryScroll->setWidgetResizable(true);
    summaryScroll->setFrameShape(QFrame::NoFrame);
    m_summaryDock = new QDockWidget(this);
    m_summaryDock->setObjectName(QStringLiteral("summaryDock"));
    m_summaryDock->setWidget(summaryScroll);
    addDockWidget(Qt::LeftDockWidgetArea, m_summaryDock);

    m_generation = new widgets::GenerationPanel;
    m_generationDock = new QDockWidget(this);
    m_generationDock->setObjectName(QStringLiteral("generationDock"));
    m_generationDock->setWidget(scrollable(m_generation));
    addDockWidget(Qt::RightDockWidgetArea, m_generationDock);
    connect(m_generation, &widgets::GenerationPanel::message, this, [this](const QString& text) {
        appendLog(text);
        statusBar()->showMessage(text, kStatusTimeoutMs);
    });

    // Layer similarity (issue #4): runs `slimbench-cli analyze` out of process.
    m_similarity = new widgets::SimilarityPanel;
    m_similarityDock = new QDockWidget(this);
    m_similarityDock->setObjectName(QStringLiteral("similarityDock"));
    m_similarityDock->setWidget(scrollable(m_similarity));
    addDockWidget(Qt::RightDockWidgetArea, m_similarityDock);
    tabifyDockWidget(m_generationDock, m_similarityDock);
    m_generationDock->raise();
    // "Remove layers…": the depth-pruned copy opens when it is written.
    connect(m_similarity, &widgets::SimilarityPanel::pruneFinished, this, [this](bool ok, const QString& dir) {
        if (!ok)
            return;
        appendLog(tr("Depth-pruned model written to %1").arg(dir));
        openModel(dir);
    });
    connect(m_similarity->heatmap(), &widgets::SimilarityHeatmap::blockSelected, this, [this](int start, int n) {
        appendLog(tr("Layer block selected for depth pruning: layers %1–%2").arg(start).arg(start + n - 1));
    });

    // Activation statistics (issue #4): out of process like the similarity.
    m_activations = new widgets::ActivationPanel;
    m_activationDock = new QDockWidget(this);
    m_activationDock->setObjectName(QStringLiteral("activationDock"));
    m_activationDock->setWidget(scrollable(m_activations));
    addDockWidget(Qt::RightDockWidgetArea, m_activationDock);
    tabifyDockWidget(m_similarityDock, m_activationDock);
    m_generationDock->raise();
    connect(m_activations, &widgets::ActivationPanel::message, this, &MainWindow::appendLog);

    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("log"));
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_logDock = new QDockWidget(this);
    m_logDock->setObjectName(QStringLiteral("logDock"));
    m_logDock->setWidget(m_log);
    addDockWidget(Qt::BottomDockWidgetArea, m_logDock);

    // Weight distributions (issue #4): in process on a worker thread (streamed from the mapped file).
    m_distribution = new widgets::DistributionPanel;
    m_distributionDock = new QDockWidget(this);
    m_distributionDock->setObjectName(QStringLiteral("distributionDock"));
    m_distributionDock->setWidget(scrollable(m_distribution));
    addDockWidget(Qt::BottomDockWidgetArea, m_distributionDock);
    tabifyDockWidget(m_logDock, m_distributionDock);
    m_distributionDock->raise();
    connect(m_distribution, &widgets::DistributionPanel::message, this, &MainWindow::appendLog);

    // The pipeline editor (issue #11): the node graph, run through slimbench-cli run.
    m_pipeline = new widgets::PipelineEditor;
    m_pipelineDock = new QDockWidget(this);
    m_pipelineDock->setObjectName(QStringLiteral("pipelineDock"));
    m_pipelineDock->setWidget(m_pipeline);
    addDockWidget(Qt::BottomDockWidgetArea, m_pipelineDock);
    tabifyDockWidget(m_distributionDock, m_pipelineDock);
    m_distributionDock->raise(); // the pipeline tab comes forward when a pipeline is opened
    connect(m_pipeline, &widgets::PipelineEditor::message, this, &MainWindow::appendLog);
    connect(m_pipeline, &widgets::PipelineEditor::artifactActivated, this, [this](const QString& node, const QString& path) {
        if (QFileInfo::exists(path + "/config.json"))
            openModel(path);
        else
            appendLog(tr("Pipeline node %1: %2").arg(node, path));
    });
    connect(m_pipeline, &widgets::PipelineEditor::similarityActivated, this, [this](const QString& node, const QJsonObject& sim) {
        m_similarity->showResult(sim, tr("pipeline node %1").arg(node));
        m_similarityDock->show();
        m_similarityDock->raise();
    });
    // The comparison of the variants (issue #12): the result records of the pipeline runs.
    m_comparison = new widgets::ComparisonView;
    m_comparisonDock = new QDockWidget(this);
    m_comparisonDock->setObjectName(QStringLiteral("comparisonDock"));
    m_comparisonDock->setWidget(m_comparison);
    addDockWidget(Qt::BottomDockWidgetArea, m_comparisonDock);
    tabifyDockWidget(m_pipelineDock, m_comparisonDock);
    m_distributionDock->raise();
    connect(m_comparison, &widgets::ComparisonView::message, this, &MainWindow::appendLog);
    connect(m_pipeline, &widgets::PipelineEditor::resultsAvailable, this, [this](const QString& db, const QString& run) {
        if (m_comparison->openDatabase(db)) {
            m_comparison->setRunFilter(run);
            showComparison();
        }
    });
    // "Will it fit?" (issue #14): the memory a job needs on the chosen device, before it runs.
    m_estimate = new widgets::MemoryEstimateView;
    m_estimateDock = new QDockWidget(this);
    m_estimateDock->setObjectName(QStringLiteral("estimateDock"));
    m_estimateDock->setWidget(m_estimate);
    addDockWidget(Qt::RightDockWidgetArea, m_estimateDock);
    tabifyDockWidget(m_generationDock, m_estimateDock);
    m_generationDock->raise();
    // The devices the engine can use, asked once at start (the pickers update when it answers).
    connect(widgets::DeviceCatalog::instance(), &widgets::DeviceCatalog::changed, this, [this] {
        const auto& l = widgets::DeviceCatalog::instance()->devices();
        (void)l;
        if (widgets::DeviceCatalog::instance()->isLoaded())
            appendLog(tr("Jobs run with %1; this window with %2").arg(widgets::engineRuntime(), widgets::windowRuntime()));
    });
    widgets::DeviceCatalog::instance()->refresh();
    // "Choose layers to drop" in the layer-similarity view sets the pipeline's depth-pruning node.
    connect(m_similarity->heatmap(), &widgets::SimilarityHeatmap::blockSelected, this, [this](int start, int n) {
        QStringList layers;
        for (int i = start; i < start + n; ++i)
            layers << QString::number(i);
        m_pipeline->applyDepthLayers(layers.join(','));
    });

    for (QDockWidget* dock : {m_summaryDock, m_generationDock, m_similarityDock, m_activationDock, m_distributionDock,
                              m_logDock, m_pipelineDock, m_comparisonDock, m_estimateDock})
        m_viewMenu->addAction(dock->toggleViewAction());
    m_viewMenu->addSeparator();
    m_viewMenu->addAction(m_toolBar->toggleViewAction());
}

void MainWindow::retranslate()
{
    m_fileMenu->setTitle(tr("&File"));
    m_recentMenu->setTitle(tr("&Recent Models"));
    m_viewMenu->setTitle(tr("&View"));
    m_helpMenu->setTitle(tr("&Help"));
    m_openAction->setText(tr("&Open Model Folder…"));
    m_openAction->setStatusTip(tr("Open a Hugging Face checkpoint folder (config.json and *.safetensors)"));
    m_openDemoAction->setText(tr("Open &Demo Model"));
    m_openDemoAction->setStatusTip(tr("Open the small built-in demo model, creating it first if needed"));
    m_clearRecentAction->setText(tr("&Clear Menu"));
    m_settingsAction->setText(tr("&Settings…"));
    m_quitAction->setText(tr("&Quit"));
    m_aboutAction->setText(tr("&About Slimbench"));
    m_aboutQtAction->setText(tr("About &Qt"));
    m_toolBar->setWindowTitle(tr("Main Toolbar"));
    m_summaryDock->setWindowTitle(tr("Model Summary"));
    m_generationDock->setWindowTitle(tr("Generation"));
    m_similarityDock->setWindowTitle(tr("Layer Similarity"));
    m_activationDock->setWindowTitle(tr("Activations"));
    m_distributionDock->setWindowTitle(tr("Weight Distributions"));
    m_analysisMenu->setTitle(tr("&Analysis"));
    m_similarityAction->setText(tr("Analyse &Layer Similarity"));
    m_similarityAction->setStatusTip(tr("Compute the layer-similarity heatmap of the open model"));
    m_activationsAction->setText(tr("Measure &Activations"));
    m_activationsAction->setStatusTip(tr("Record the per-channel magnitudes of every projection input"));
    m_distributionAction->setText(tr("Weight &Distributions"));
    m_distributionAction->setStatusTip(tr("Show histograms and statistics of the weights"));
    m_compareAction->setText(tr("&Compare Weights With…"));
    m_compareAction->setStatusTip(tr("Overlay the weight distributions of a second model"));
    m_logDock->setWindowTitle(tr("Log"));
    m_pipelineDock->setWindowTitle(tr("Pipeline"));
    m_openResultsAction->setText(tr("Open &Results…"));
    m_openResultsAction->setStatusTip(tr("Open a result database (results.sqlite) in the comparison view"));
    m_exportReportAction->setText(tr("&Export Report…"));
    m_exportReportAction->setStatusTip(tr("Write the comparison of the variants as a PDF (or Markdown) report"));
    m_comparisonDock->setWindowTitle(tr("Comparison"));
    m_estimateDock->setWindowTitle(tr("Will It Fit?"));
    m_openPipelineAction->setText(tr("Open &Pipeline…"));
    m_openPipelineAction->setStatusTip(tr("Open a pipeline file (slimbench-pipeline JSON) in the pipeline editor"));
    updateModelStatus();
    updateWindowTitle();
}

void MainWindow::changeEvent(QEvent* event)
{
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QMainWindow::changeEvent(event);
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList recent = AppSettings::recentModels();
    int n = 0;
    for (const QString& dir : recent) {
        ++n;
        const QString label = n < 10 ? QStringLiteral("&%1 %2").arg(n).arg(QFileInfo(dir).fileName())
                                     : QFileInfo(dir).fileName();
        QAction* a = m_recentMenu->addAction(label);
        a->setData(dir);
        a->setToolTip(QDir::toNativeSeparators(dir));
        a->setStatusTip(QDir::toNativeSeparators(dir));
        connect(a, &QAction::triggered, this, [this, dir] {
            if (!QFileInfo(dir).isDir()) {
                // Moved or deleted since: drop it so the menu does not keep offering it.
                AppSettings::removeRecentModel(dir);
                rebuildRecentMenu();
            }
            openModel(dir);
        });
    }
    if (recent.isEmpty()) {
        QAction* none = m_recentMenu->addAction(tr("No recent models"));
        none->setEnabled(false);
    }
    m_recentMenu->addSeparator();
    m_recentMenu->addAction(m_clearRecentAction);
    m_clearRecentAction->setEnabled(!recent.isEmpty());
}

void MainWindow::appendLog(const QString& line)
{
    m_log->appendPlainText(QStringLiteral("%1  %2").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), line));
}

void MainWindow::showError(const QString& title, const QString& text)
{
    // Window-modal and non-blocking: the event loop keeps running (workers, tests).
    auto* box = new QMessageBox(QMessageBox::Critical, title, text, QMessageBox::Ok, this);
    box->setObjectName(QStringLiteral("errorBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setTextInteractionFlags(Qt::TextSelectableByMouse);
    box->open();
}

bool MainWindow::openModel(const QString& dir)
{
    if (dir.isEmpty())
        return false;
    std::optional<ModelOverview> overview;
    QString error;
    {
        WaitCursor wait;
        try {
            overview = ModelOverview::read(dir);
        } catch (const slim::Error& e) {
            error = QString::fromUtf8(e.what());
        } catch (const std::exception& e) {
            error = QString::fromUtf8(e.what());
        } catch (...) {
            error = tr("Unknown error");
        }
    }
    if (!overview) {
        m_lastError = error;
        const QString native = QDir::toNativeSeparators(dir);
        appendLog(tr("Could not open %1: %2").arg(native, error));
        statusBar()->showMessage(tr("Could not open %1").arg(native), kStatusTimeoutMs);
        showError(tr("Could not open the model"),
                  tr("The folder %1 could not be opened as a model.\n\n%2").arg(native, error));
        emit modelOpenFailed(error);
        return false;
    }
    m_lastError.clear();
    m_overview = std::move(overview);
    showModel(*m_overview);
    m_generation->setModel(m_overview->dir, m_overview->hasTokenizer);
    m_estimate->setModelDir(m_overview->dir);
    m_similarity->setModelDir(m_overview->dir);
    m_activations->setModelDir(m_overview->dir);
    m_distribution->setModelDir(m_overview->dir);
    AppSettings::addRecentModel(m_overview->dir);
    rebuildRecentMenu();
    appendLog(tr("Opened %1 (%2, %n layer(s))", nullptr, static_cast<int>(m_overview->numLayers))
                  .arg(QDir::toNativeSeparators(m_overview->dir), m_overview->architecture));
    statusBar()->showMessage(tr("Opened %1").arg(m_overview->displayName), kStatusTimeoutMs);
    emit modelOpened(m_overview->dir);
    return true;
}

void MainWindow::showModel(const ModelOverview& overview)
{
    m_tree->setOverview(overview);
    m_summary->setOverview(overview);
    m_central->setCurrentWidget(m_tree);
    updateModelStatus();
    updateWindowTitle();
}

void MainWindow::updateModelStatus()
{
    if (!m_overview) {
        m_modelStatus->setText(tr("No model open"));
        return;
    }
    m_modelStatus->setText(tr("%1 · %2 parameters · %3")
                               .arg(m_overview->displayName,
                                    widgets::ModelSummaryWidget::shortCount(m_overview->totalParameters),
                                    QLocale().formattedDataSize(m_overview->totalBytes)));
}

void MainWindow::updateWindowTitle()
{
    // The platform appends the application display name ("— Slimbench").
    setWindowTitle(m_overview ? m_overview->displayName : QString());
}

void MainWindow::openModelFolder()
{
    auto* dialog = new QFileDialog(this, tr("Open Model Folder"), AppSettings::lastOpenDir());
    dialog->setObjectName(QStringLiteral("openFolderDialog"));
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly, true);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString& dir) {
        AppSettings::setLastOpenDir(QFileInfo(dir).absolutePath());
        openModel(dir);
    });
    dialog->open();
}

bool MainWindow::isCreatingDemoModel() const { return m_demoJob && m_demoJob->isRunning(); }

void MainWindow::openDemoModel(bool ask)
{
    if (isCreatingDemoModel()) {
        if (m_demoProgress)
            m_demoProgress->raise();
        return;
    }
    if (demoModelReady()) {
        openModel(demoModelDir());
        return;
    }
    if (!ask) {
        createDemoModel();
        return;
    }
    auto* box = new QMessageBox(QMessageBox::Question, tr("Create the Demo Model?"),
                                tr("The demo model has not been created yet.\n\nSlimbench can train it now on this "
                                   "computer: a small Llama-style model, which takes a few minutes. It will be "
                                   "stored in %1.")
                                    .arg(QDir::toNativeSeparators(demoModelDir())),
                                QMessageBox::Yes | QMessageBox::No, this);
    box->setObjectName(QStringLiteral("createDemoBox"));
    box->setDefaultButton(QMessageBox::Yes);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this, [this, box](QAbstractButton* button) {
        if (box->standardButton(button) == QMessageBox::Yes)
            createDemoModel();
    });
    box->open();
}

void MainWindow::createDemoModel(const QString& program, const QStringList& arguments)
{
    if (isCreatingDemoModel())
        return;
    QString cli = program;
    if (cli.isEmpty()) {
        QStringList searched;
        cli = widgets::findCliExecutable(&searched);
        if (cli.isEmpty()) {
            const QString error = tr("slimbench-cli, which creates the demo model, was not found. Looked in:\n%1")
                                      .arg(searched.join(QLatin1Char('\n')));
            m_lastError = error;
            appendLog(error);
            showError(tr("Could not create the demo model"), error);
            emit demoModelJobEnded(false);
            return;
        }
    }
    const QStringList args = arguments.isEmpty() ? demoModelCreateArguments() : arguments;

    if (!m_demoJob) {
        m_demoJob = new Job(this);
        connect(m_demoJob, &Job::progressChanged, this, [this](double p) {
            if (m_demoProgress)
                m_demoProgress->setValue(static_cast<int>(p * 1000));
        });
        connect(m_demoJob, &Job::statusChanged, this, [this](const QString& status) {
            if (m_demoProgress)
                m_demoProgress->setLabelText(status);
            appendLog(status);
        });
        connect(m_demoJob, &Job::logLine, this, &MainWindow::appendLog);
        connect(m_demoJob, &Job::finished, this, &MainWindow::onDemoJobFinished);
    }

    m_demoProgress = new QProgressDialog(tr("Creating the demo model…"), tr("Cancel"), 0, 1000, this);
    m_demoProgress->setObjectName(QStringLiteral("demoProgress"));
    m_demoProgress->setWindowTitle(tr("Demo Model"));
    m_demoProgress->setWindowModality(Qt::WindowModal);
    m_demoProgress->setAutoClose(false);
    m_demoProgress->setAutoReset(false);
    m_demoProgress->setMinimumDuration(0);
    m_demoProgress->setMinimumWidth(420);
    m_demoProgress->setValue(0);
    connect(m_demoProgress, &QProgressDialog::canceled, this, [this] {
        appendLog(tr("Cancelling the demo model…"));
        m_demoJob->cancel();
    });
    m_demoProgress->show();

    appendLog(tr("Running %1 %2").arg(QDir::toNativeSeparators(cli), args.join(QLatin1Char(' '))));
    m_demoJob->start(cli, args);
}

void MainWindow::onDemoJobFinished(Job::Outcome outcome, const QString& message)
{
    if (m_demoProgress) {
        // Disconnect first: closing a progress dialog emits canceled().
        m_demoProgress->disconnect(this);
        m_demoProgress->hide();
        m_demoProgress->deleteLater();
        m_demoProgress = nullptr;
    }
    bool ok = false;
    switch (outcome) {
    case Job::Outcome::Succeeded:
        appendLog(tr("The demo model was created."));
        if (demoModelReady()) {
            ok = openModel(demoModelDir());
        } else {
            m_lastError = tr("slimbench-cli finished, but no complete demo model is in %1.")
                              .arg(QDir::toNativeSeparators(demoModelDir()));
            showError(tr("Could not create the demo model"), m_lastError);
        }
        break;
    case Job::Outcome::Cancelled:
        appendLog(tr("Creating the demo model was cancelled."));
        statusBar()->showMessage(tr("Cancelled."), kStatusTimeoutMs);
        break;
    case Job::Outcome::Failed:
        m_lastError = message;
        appendLog(tr("Creating the demo model failed: %1").arg(message));
        showError(tr("Could not create the demo model"), message);
        break;
    }
    emit demoModelJobEnded(ok);
}

void MainWindow::showSettings()
{
    auto* dialog = new SettingsDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this] {
        statusBar()->showMessage(tr("Settings saved. A new language takes effect after a restart."), kStatusTimeoutMs);
    });
    dialog->open();
}

void MainWindow::showAbout()
{
    auto* box = new QMessageBox(this);
    box->setObjectName(QStringLiteral("aboutBox"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->setWindowTitle(tr("About Slimbench"));
    box->setIconPixmap(windowIcon().pixmap(64, 64));
    box->setText(tr("<h3>Slimbench %1</h3>"
                    "<p>A desktop workbench for compressing large language models: load a checkpoint, "
                    "analyse it, prune, recover, quantize, evaluate and export.</p>"
                    "<p>Built with Qt %2 and QCustomPlot; this window: %3.</p>"
                    "<p>Jobs (slimbench-cli): %4</p>")
                     .arg(QApplication::applicationVersion(), QString::fromLatin1(qVersion()), widgets::windowRuntime(),
                          widgets::engineRuntime()));
    box->open();
}

bool MainWindow::openResults(const QString& database)
{
    showComparison();
    return m_comparison->openDatabase(database);
}

void MainWindow::showComparison()
{
    m_comparisonDock->show();
    m_comparisonDock->raise();
    // The table and the chart need room: give the bottom dock area about half the window.
    resizeDocks({m_comparisonDock}, {std::max(height() / 2, 360)}, Qt::Vertical);
}

bool MainWindow::openPipeline(const QString& file)
{
    m_pipelineDock->show();
    m_pipelineDock->raise();
    return m_pipeline->openFile(file);
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_pipeline && !m_pipeline->maybeSave()) {
        event->ignore();
        return;
    }
    if (m_pipeline && m_pipeline->isRunning())
        m_pipeline->cancelRun();
    AppSettings::setWindowGeometry(saveGeometry(), saveState());
    if (m_demoJob && m_demoJob->isRunning())
        m_demoJob->cancel(1000);
    event->accept();
}

} // namespace slim::app
