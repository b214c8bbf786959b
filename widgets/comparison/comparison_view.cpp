#include "widgets/comparison/comparison_view.h"

#include "widgets/comparison/comparison_charts.h"
#include "widgets/comparison/pdf_report.h"
#include "widgets/comparison/result_table_model.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/results/report.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QSettings>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStyle>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <set>

namespace slim::widgets {

namespace {
QString qs(const std::string& s) { return QString::fromStdString(s); }
} // namespace

ComparisonView::ComparisonView(QWidget* parent)
    : QWidget(parent), m_model(new ResultTableModel(this)), m_proxy(new QSortFilterProxyModel(this)) {
    setObjectName(QStringLiteral("comparisonView"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(Qt::UserRole);

    m_dbLabel = new QLabel(this);
    m_dbLabel->setObjectName(QStringLiteral("comparisonDatabase"));
    m_dbLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_openButton = new QToolButton(this);
    m_openButton->setIcon(style()->standardIcon(QStyle::SP_DialogOpenButton));
    m_reloadButton = new QToolButton(this);
    m_reloadButton->setIcon(style()->standardIcon(QStyle::SP_BrowserReload));
    m_runLabel = new QLabel(this);
    m_run = new QComboBox(this);
    m_run->setObjectName(QStringLiteral("comparisonRun"));
    m_run->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_taskLabel = new QLabel(this);
    m_task = new QComboBox(this);
    m_task->setObjectName(QStringLiteral("comparisonTask"));
    m_task->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_modelLabel = new QLabel(this);
    m_modelFilter = new QLineEdit(this);
    m_modelFilter->setObjectName(QStringLiteral("comparisonModel"));
    m_modelFilter->setClearButtonEnabled(true);
    m_stderr = new QCheckBox(this);
    m_stderr->setChecked(true);
    m_columns = new QToolButton(this);
    m_columns->setPopupMode(QToolButton::InstantPopup);
    m_columns->setMenu(new QMenu(m_columns));
    auto* top = new QHBoxLayout;
    top->addWidget(m_openButton);
    top->addWidget(m_reloadButton);
    top->addWidget(m_dbLabel, 1);
    top->addWidget(m_runLabel);
    top->addWidget(m_run);
    top->addWidget(m_taskLabel);
    top->addWidget(m_task);
    top->addWidget(m_modelLabel);
    top->addWidget(m_modelFilter);
    top->addWidget(m_stderr);
    top->addWidget(m_columns);

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("comparisonTable"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->verticalHeader()->setVisible(false);

    m_kindLabel = new QLabel(this);
    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("comparisonChartKind"));
    m_metricLabel = new QLabel(this);
    m_metric = new QComboBox(this);
    m_metric->setObjectName(QStringLiteral("comparisonMetric"));
    m_metric->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_setting = new QComboBox(this);
    m_setting->setObjectName(QStringLiteral("comparisonSetting"));
    m_relative = new QCheckBox(this);
    m_relative->setObjectName(QStringLiteral("comparisonRelative"));
    m_exportChartButton = new QToolButton(this);
    m_exportChartButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    m_exportReportButton = new QToolButton(this);
    m_exportReportButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto* chartBar = new QHBoxLayout;
    chartBar->addWidget(m_kindLabel);
    chartBar->addWidget(m_kind);
    chartBar->addWidget(m_metricLabel);
    chartBar->addWidget(m_metric);
    chartBar->addWidget(m_setting);
    chartBar->addWidget(m_relative);
    chartBar->addStretch(1);
    chartBar->addWidget(m_exportChartButton);
    chartBar->addWidget(m_exportReportButton);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("comparisonPlot"));
    m_plot->setMinimumHeight(120);
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_leftOutLabel = new QLabel(this);
    m_leftOutLabel->setObjectName(QStringLiteral("comparisonLeftOut"));
    m_leftOutLabel->setWordWrap(true);
    m_leftOutLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* chartBox = new QWidget(this);
    auto* chartLayout = new QVBoxLayout(chartBox);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    chartLayout->addLayout(chartBar);
    chartLayout->addWidget(m_plot, 1);
    chartLayout->addWidget(m_leftOutLabel);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(m_table);
    split->addWidget(chartBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 4);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    connect(m_openButton, &QToolButton::clicked, this, &ComparisonView::chooseDatabase);
    connect(m_reloadButton, &QToolButton::clicked, this, &ComparisonView::reload);
    connect(m_run, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_task, &QComboBox::currentIndexChanged, this, [this] { rebuild(); });
    connect(m_modelFilter, &QLineEdit::editingFinished, this, [this] { rebuild(); });
    connect(m_stderr, &QCheckBox::toggled, m_model, &ResultTableModel::setShowStderr);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int k) {
        QSettings().setValue(QStringLiteral("comparison/chart"), k);   // remembered for the next session
        redraw();
    });
    connect(m_metric, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    connect(m_setting, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    connect(m_relative, &QCheckBox::toggled, this, [this] { redraw(); });
    connect(m_exportChartButton, &QToolButton::clicked, this, [this] { exportChart(); });
    connect(m_exportReportButton, &QToolButton::clicked, this, [this] { exportReport(); });
    // Clicking a metric column's header charts that metric.
    connect(m_table->horizontalHeader(), &QHeaderView::sectionClicked, this, [this](int section) {
        const int mc = m_model->metricColumn(section);
        const int i = m_metric->findData(mc);
        if (mc >= 0 && i >= 0)
            m_metric->setCurrentIndex(i);
    });
    retranslate();
    {
        QSignalBlocker block(m_kind);
        m_kind->setCurrentIndex(std::clamp(QSettings().value(QStringLiteral("comparison/chart"), 0).toInt(), 0, 5));
    }
    rebuild();
}

void ComparisonView::retranslate() {
    m_openButton->setToolTip(tr("Open a result database (results.sqlite)…"));
    m_reloadButton->setToolTip(tr("Reread the database"));
    m_runLabel->setText(tr("Run:"));
    m_taskLabel->setText(tr("Task:"));
    if (m_task->count() == 0)
        m_task->addItem(tr("all tasks"), QString());
    else
        m_task->setItemText(0, tr("all tasks"));
    m_modelLabel->setText(tr("Model:"));
    m_modelFilter->setPlaceholderText(tr("folder name contains…"));
    m_stderr->setText(tr("± standard error"));
    m_columns->setText(tr("Columns"));
    m_columns->setToolTip(tr("Choose the table's columns"));
    m_kindLabel->setText(tr("Chart:"));
    m_metricLabel->setText(tr("Metric:"));
    m_relative->setText(tr("% vs base"));
    m_relative->setToolTip(tr("Bars show the change relative to the base variant"));
    m_exportChartButton->setText(tr("Export chart…"));
    m_exportChartButton->setToolTip(tr("Save the chart as SVG (vector) or PNG"));
    m_exportReportButton->setText(tr("Export report…"));
    m_exportReportButton->setToolTip(tr("Write the report of the selection as PDF (charts as vector graphics) or Markdown"));
    const int kind = std::max(0, m_kind->currentIndex());
    {
        QSignalBlocker block(m_kind);
        m_kind->clear();
        m_kind->addItems({tr("Bars per variant"), tr("Quality vs stored size"), tr("Quality vs speed"), tr("Metric vs setting"),
                          tr("Quality vs peak memory"), tr("Quality vs energy")});
        m_kind->setCurrentIndex(kind);
    }
    m_dbLabel->setText(m_db.isEmpty() ? tr("No result database open") : m_db);
}

void ComparisonView::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange)
        retranslate();
    QWidget::changeEvent(event);
}

bool ComparisonView::openDatabase(const QString& db) {
    try {
        if (!QFileInfo::exists(db))
            throw IoError(db.toStdString() + ": no result database here yet (a pipeline run writes one)");
        results::ResultStore store(db.toStdString());
        m_records = store.list();
    } catch (const std::exception& e) {
        m_lastError = QString::fromUtf8(e.what());
        emit message(tr("Comparison: %1").arg(m_lastError));
        return false;
    }
    m_db = db;
    m_dbLabel->setText(db);
    m_dbLabel->setToolTip(tr("%n record(s)", nullptr, static_cast<int>(m_records.size())));
    // The runs found in the records, newest first.
    const QString current = m_run->currentData().toString();
    std::set<std::string> runs;
    for (const auto& r : m_records)
        if (r.provenance.is_object() && r.provenance.contains("pipeline") && r.provenance.at("pipeline").contains("run"))
            runs.insert(r.provenance.at("pipeline").at("run").get<std::string>());
    {
        // The quality tasks found in the records.
        QSignalBlocker block(m_task);
        const QString currentTask = m_task->currentData().toString();
        std::set<std::string> tasks;
        for (const auto& r : m_records)
            if (r.kind != "bench")
                tasks.insert(r.task);
        m_task->clear();
        m_task->addItem(tr("all tasks"), QString());
        for (const auto& t : tasks)
            m_task->addItem(qs(t), qs(t));
        m_task->setCurrentIndex(std::max(0, m_task->findData(currentTask)));
    }
    {
        QSignalBlocker block(m_run);
        m_run->clear();
        m_run->addItem(tr("all records"), QString());
        for (auto it = runs.rbegin(); it != runs.rend(); ++it)
            m_run->addItem(qs(*it), qs(*it));
        m_run->setCurrentIndex(std::max(0, m_run->findData(current)));
    }
    rebuild();
    return true;
}

void ComparisonView::reload() {
    if (!m_db.isEmpty())
        openDatabase(m_db);
}

void ComparisonView::chooseDatabase() {
    const QString f = QFileDialog::getOpenFileName(this, tr("Open result database"), m_db, tr("Result databases (*.sqlite *.db);;All files (*)"));
    if (!f.isEmpty() && !openDatabase(f))
        m_leftOutLabel->setText(m_lastError);
}

void ComparisonView::setRunFilter(const QString& run) {
    int i = m_run->findData(run);
    if (i < 0 && !run.isEmpty()) {
        m_run->addItem(run, run);
        i = m_run->count() - 1;
    }
    m_run->setCurrentIndex(std::max(0, i));
    rebuild();
}

void ComparisonView::setModelFilter(const QString& text) {
    m_modelFilter->setText(text);
    rebuild();
}

void ComparisonView::setTaskFilter(const QString& task) {
    m_task->setCurrentIndex(std::max(0, m_task->findData(task)));
    rebuild();
}

void ComparisonView::setChartKind(int kind) { m_kind->setCurrentIndex(kind); }
void ComparisonView::setRelative(bool on) { m_relative->setChecked(on); }
const results::Comparison& ComparisonView::comparison() const { return m_model->comparison(); }

results::ComparisonOptions ComparisonView::options() const {
    results::ComparisonOptions o;
    if (const QString run = m_run->currentData().toString(); !run.isEmpty())
        o.runs = {run.toStdString()};
    o.model = m_modelFilter->text().trimmed().toStdString();
    o.task = m_task->currentData().toString().toStdString();
    return o;
}

void ComparisonView::rebuild() {
    m_model->setComparison(results::buildComparison(m_records, options()));
    const auto& c = m_model->comparison();
    m_table->sortByColumn(-1, Qt::AscendingOrder);
    // Column chooser: one checkable entry per column (the variant column stays).
    QMenu* menu = m_columns->menu();
    menu->clear();
    for (int col = 1; col < m_model->columnCount(); ++col) {
        QAction* a = menu->addAction(m_model->headerData(col, Qt::Horizontal).toString().replace('\n', QStringLiteral(" — ")));
        a->setCheckable(true);
        a->setChecked(!m_table->isColumnHidden(col));
        connect(a, &QAction::toggled, this, [this, col](bool on) { m_table->setColumnHidden(col, !on); });
    }
    fillChartChoices();
    redraw();
    emit message(tr("Comparison: %1 variant(s), %2 record(s)").arg(c.variants.size()).arg(c.recordIds.size()));
}

void ComparisonView::fillChartChoices() {
    const auto& c = m_model->comparison();
    const int keep = m_metric->currentData().isValid() ? m_metric->currentData().toInt() : -1;
    QSignalBlocker b1(m_metric), b2(m_setting);
    m_metric->clear();
    for (size_t i = 0; i < c.columns.size(); ++i)
        m_metric->addItem(qs(c.columns[i].title()), static_cast<int>(i));
    const int preferred = keep >= 0 && keep < static_cast<int>(c.columns.size()) ? keep : c.qualityColumn();
    m_metric->setCurrentIndex(std::max(0, m_metric->findData(preferred)));
    m_setting->clear();
    for (const auto& s : results::sweptSettings(c))
        m_setting->addItem(qs(s), qs(s));
}

void ComparisonView::redraw() {
    const int kind = m_kind->currentIndex();
    m_setting->setVisible(kind == 3);
    m_relative->setVisible(kind == 0);
    ChartSpec spec;
    spec.kind = static_cast<ChartKind>(std::clamp(kind, 0, 5));
    spec.column = m_metric->currentData().isValid() ? m_metric->currentData().toInt() : -1;
    spec.relative = m_relative->isChecked();
    spec.setting = m_setting->currentData().toString().toStdString();
    if (spec.kind == ChartKind::Sweep && spec.setting.empty()) {
        m_plot->clearPlottables();
        m_plot->clearItems();
        m_plot->replot();
        m_leftOut = {tr("No compression setting varies over these variants (bits, sparsity, layers removed, group, LoRA rank).")};
    } else {
        const ChartOutcome o = ComparisonCharts::draw(m_plot, m_model->comparison(), spec);
        m_leftOut = o.leftOut;
    }
    for (const auto& l : m_model->comparison().leftOut)
        m_leftOut << qs(l);
    m_leftOutLabel->setText(m_leftOut.isEmpty() ? QString() : tr("Left out: %1").arg(m_leftOut.join(QStringLiteral("; "))));
}

bool ComparisonView::exportChart(const QString& file) {
    QString f = file;
    if (f.isEmpty())
        f = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("comparison.svg"), tr("SVG (*.svg);;PNG (*.png)"));
    if (f.isEmpty())
        return false;
    QString error;
    if (!ComparisonCharts::save(m_plot, f, &error)) {
        m_lastError = error;
        emit message(error);
        return false;
    }
    emit message(tr("Chart written to %1").arg(f));
    return true;
}

bool ComparisonView::exportReport(const QString& file) {
    if (m_db.isEmpty()) {
        m_lastError = tr("Open a result database first.");
        emit message(m_lastError);
        return false;
    }
    QString f = file;
    if (f.isEmpty())
        f = QFileDialog::getSaveFileName(this, tr("Export report"), QStringLiteral("slimbench-report.pdf"),
                                         tr("PDF (*.pdf);;Markdown (*.md)"));
    if (f.isEmpty())
        return false;
    try {
        const results::ReportInput in = results::loadReport(m_db.toStdString(), options());
        if (f.endsWith(QLatin1String(".md"), Qt::CaseInsensitive)) {
            io::writeFileAtomic(f.toStdString(), results::reportMarkdown(in));
        } else {
            QString error;
            if (!writePdfReport(in, f, {}, &error))
                throw IoError(error.toStdString());
        }
    } catch (const std::exception& e) {
        m_lastError = QString::fromUtf8(e.what());
        emit message(tr("Report: %1").arg(m_lastError));
        return false;
    }
    emit message(tr("Report written to %1").arg(f));
    return true;
}

} // namespace slim::widgets
