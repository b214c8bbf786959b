#include "widgets/pipeline/pipeline_editor.h"

#include "widgets/job.h"
#include "widgets/pipeline/pipeline_scene.h"
#include "widgets/device/device_picker.h"

#include "core/io/strict_json.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFile>
#include <QJsonDocument>
#include <QFileInfo>
#include <QFormLayout>
#include <QGraphicsView>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QToolBar>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace slim::widgets {

using nlohmann::json;

namespace {

constexpr const char* kMime = "application/x-slimbench-node-type";
constexpr const char* kRecentKey = "pipeline/recentFiles";

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// The palette: node types by category; dragging one carries its id.
class Palette : public QTreeWidget {
public:
    using QTreeWidget::QTreeWidget;

protected:
    QMimeData* mimeData(const QList<QTreeWidgetItem*>& items) const override {
        auto* m = new QMimeData;
        if (!items.isEmpty())
            m->setData(kMime, items.front()->data(0, Qt::UserRole).toString().toUtf8());
        return m;
    }
    QStringList mimeTypes() const override { return {kMime}; }
};

/// The view: wheel zoom, pan with the middle button or by dragging the background, drops from the palette.
class GraphView : public QGraphicsView {
public:
    GraphView(PipelineScene* s, QWidget* parent) : QGraphicsView(s, parent), m_scene(s) {
        setRenderHint(QPainter::Antialiasing);
        setDragMode(QGraphicsView::RubberBandDrag);
        setAcceptDrops(true);
        setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    }

protected:
    void wheelEvent(QWheelEvent* e) override {
        const double f = e->angleDelta().y() > 0 ? 1.15 : 1 / 1.15;
        scale(f, f);
    }
    void dragEnterEvent(QDragEnterEvent* e) override {
        if (e->mimeData()->hasFormat(kMime))
            e->acceptProposedAction();
    }
    void dragMoveEvent(QDragMoveEvent* e) override {
        if (e->mimeData()->hasFormat(kMime))
            e->acceptProposedAction();
    }
    void dropEvent(QDropEvent* e) override {
        m_scene->addNode(QString::fromUtf8(e->mimeData()->data(kMime)), mapToScene(e->position().toPoint()));
        e->acceptProposedAction();
    }
    void mousePressEvent(QMouseEvent* e) override {
        if (e->button() == Qt::MiddleButton) {
            setDragMode(QGraphicsView::ScrollHandDrag);
            QMouseEvent fake(e->type(), e->position(), e->globalPosition(), Qt::LeftButton, Qt::LeftButton, e->modifiers());
            QGraphicsView::mousePressEvent(&fake);
            return;
        }
        QGraphicsView::mousePressEvent(e);
    }
    void mouseReleaseEvent(QMouseEvent* e) override {
        QGraphicsView::mouseReleaseEvent(e);
        setDragMode(QGraphicsView::RubberBandDrag);
    }

private:
    PipelineScene* m_scene;
};

} // namespace

PipelineEditor::PipelineEditor(QWidget* parent) : QWidget(parent), m_scene(new PipelineScene(this)), m_job(new Job(this)) {
    setObjectName(QStringLiteral("pipelineEditor"));
    buildUi();
    connect(m_scene, &PipelineScene::refused, this, [this](const QString& r) {
        m_status->setText(r);
        emit message(r);
    });
    connect(m_scene, &PipelineScene::selectionChanged, this, &PipelineEditor::showProperties);
    connect(m_scene, &PipelineScene::graphChanged, this, [this] {
        updateTitle();
        showProperties();
    });
    connect(m_scene->undoStack(), &QUndoStack::cleanChanged, this, &PipelineEditor::updateTitle);
    connect(m_scene, &PipelineScene::nodeActivated, this, [this](const QString& id) {
        if (!m_artifacts.contains(id))
            return;
        const QString path = m_artifacts.value(id);
        QFile result(path + "/result.json");
        if (!result.open(QIODevice::ReadOnly)) {
            emit artifactActivated(id, path);
            return;
        }
        // An Analyse node's layer similarity opens in the heatmap view; other results as a summary.
        const QJsonObject sim = QJsonDocument::fromJson(result.readAll()).object().value(QStringLiteral("similarity")).toObject();
        if (sim.contains(QStringLiteral("distance")))
            emit similarityActivated(id, sim);
        else
            QMessageBox::information(this, tr("Result of %1").arg(id), resultSummary(id));
    });
    // Run events: node states and per-node progress.
    connect(m_job, &Job::eventReceived, this, [this](const QJsonObject& e) {
        const QString node = e.value("node").toString();
        const QString ev = e.value("event").toString();
        if (ev == "node" && !node.isEmpty()) {
            m_scene->setNodeState(node, e.value("state").toString(), e.value("message").toString());
            if (e.contains("artifact"))
                m_artifacts[node] = e.value("artifact").toString();
            m_status->setText(tr("%1: %2").arg(node, e.value("state").toString()));
        } else if (ev == "progress") {
            if (e.contains("progress"))
                m_progress->setValue(int(1000 * e.value("progress").toDouble()));
            if (!node.isEmpty() && e.contains("node_progress"))
                m_scene->setNodeProgress(node, e.value("node_progress").toDouble());
            if (e.contains("status"))
                m_status->setText((node.isEmpty() ? QString() : node + ": ") + e.value("status").toString());
        } else if (ev == "result") {
            if (e.contains("db"))
                emit resultsAvailable(e.value("db").toString(), e.value("run_id").toString());
            const QJsonObject nodes = e.value("nodes").toObject();
            for (auto it = nodes.begin(); it != nodes.end(); ++it) {
                const QJsonObject n = it.value().toObject();
                if (n.contains("artifact"))
                    m_artifacts[it.key()] = n.value("artifact").toString();
            }
        }
    });
    connect(m_job, &Job::finished, this, [this](Job::Outcome o, const QString& msg) {
        m_runAction->setEnabled(true);
        m_cancelAction->setEnabled(false);
        const bool ok = o == Job::Outcome::Succeeded;
        m_status->setText(ok ? tr("Run finished: every node is done") : o == Job::Outcome::Cancelled ? tr("Run cancelled") : msg);
        if (ok)
            m_progress->setValue(1000);
        emit message(m_status->text());
        emit runFinished(ok);
    });
    pipeline::Graph g;
    g.name = "untitled";
    m_scene->setGraph(g);
}

void PipelineEditor::buildUi() {
    m_toolbar = new QToolBar(this);
    auto add = [this](const QString& text, const QKeySequence& key, const QString& tip, auto fn) {
        QAction* a = m_toolbar->addAction(text, this, fn);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        a->setToolTip(tip + (key.isEmpty() ? QString() : " (" + key.toString(QKeySequence::NativeText) + ")"));
        addAction(a);
        return a;
    };
    add(tr("New"), QKeySequence(), tr("Start an empty pipeline"), [this] {
        if (!maybeSave())
            return;
        pipeline::Graph g;
        g.name = "untitled";
        m_scene->setGraph(g);
        m_file.clear();
        m_cleanIndex = 0;
        updateTitle();
    });
    QAction* open = add(tr("Open…"), QKeySequence(), tr("Open a pipeline file"), [this] {
        if (!maybeSave())
            return;
        const QString f = QFileDialog::getOpenFileName(this, tr("Open pipeline"), QFileInfo(m_file).absolutePath(), tr("Pipelines (*.json)"));
        if (!f.isEmpty())
            openFile(f);
    });
    auto* recent = new QMenu(this);
    connect(recent, &QMenu::aboutToShow, this, [this, recent] {
        recent->clear();
        for (const QString& f : QSettings().value(kRecentKey).toStringList())
            recent->addAction(f, this, [this, f] {
                if (maybeSave())
                    openFile(f);
            });
    });
    open->setMenu(recent);
    add(tr("Save"), QKeySequence(), tr("Save the pipeline"), [this] {
        QString f = m_file;
        if (f.isEmpty())
            f = QFileDialog::getSaveFileName(this, tr("Save pipeline"), QString(), tr("Pipelines (*.json)"));
        if (!f.isEmpty())
            saveTo(f);
    });
    add(tr("Save as…"), QKeySequence(), tr("Save the pipeline under another name"), [this] {
        const QString f = QFileDialog::getSaveFileName(this, tr("Save pipeline"), m_file, tr("Pipelines (*.json)"));
        if (!f.isEmpty())
            saveTo(f);
    });
    m_toolbar->addSeparator();
    m_undo = m_scene->undoStack()->createUndoAction(this, tr("Undo"));
    m_undo->setShortcut(QKeySequence::Undo);
    m_undo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_redo = m_scene->undoStack()->createRedoAction(this, tr("Redo"));
    m_redo->setShortcut(QKeySequence::Redo);
    m_redo->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_toolbar->addAction(m_undo);
    m_toolbar->addAction(m_redo);
    addAction(m_undo);
    addAction(m_redo);
    add(tr("Copy"), QKeySequence::Copy, tr("Copy the selected nodes"), [this] { copySelection(); });
    add(tr("Paste"), QKeySequence::Paste, tr("Paste nodes"), [this] { paste(); });
    add(tr("Delete"), QKeySequence::Delete, tr("Delete the selected nodes and their links"),
        [this] { m_scene->removeNodes(m_scene->selectedNodeIds()); });
    m_toolbar->addSeparator();
    add(tr("Fit"), QKeySequence(Qt::CTRL | Qt::Key_0), tr("Show the whole graph"), [this] {
        m_view->fitInView(m_scene->itemsBoundingRect().adjusted(-40, -40, 40, 40), Qt::KeepAspectRatio);
    });
    add(tr("Auto-layout"), QKeySequence(), tr("Arrange the nodes in columns by their order"), [this] { m_scene->autoLayout(); });
    m_toolbar->addSeparator();
    m_device = new DevicePicker(this);
    m_device->setToolTip(tr("Where the run computes"));
    m_toolbar->addWidget(m_device);
    m_runAction = add(tr("Run"), QKeySequence(Qt::Key_F5), tr("Run the pipeline: finished nodes are reused"), [this] { run(); });
    m_cancelAction = add(tr("Cancel"), QKeySequence(), tr("Stop the run (finished nodes stay)"), [this] { cancelRun(); });
    m_cancelAction->setEnabled(false);

    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search node types"));
    m_palette = new Palette(this);
    m_palette->setObjectName(QStringLiteral("pipelinePalette"));
    m_palette->setHeaderHidden(true);
    m_palette->setDragEnabled(true);
    m_palette->setDragDropMode(QAbstractItemView::DragOnly);
    connect(m_search, &QLineEdit::textChanged, this, &PipelineEditor::fillPalette);
    connect(m_palette, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* it) {
        const QString type = it->data(0, Qt::UserRole).toString();
        if (!type.isEmpty())
            m_scene->addNode(type, m_view->mapToScene(m_view->viewport()->rect().center()));
    });
    fillPalette(QString());
    auto* left = new QWidget(this);
    auto* ll = new QVBoxLayout(left);
    ll->setContentsMargins(0, 0, 0, 0);
    ll->addWidget(m_search);
    ll->addWidget(m_palette);

    m_view = new GraphView(m_scene, this);
    m_view->setObjectName(QStringLiteral("pipelineView"));

    m_props = new QWidget;
    m_form = new QFormLayout(m_props);
    auto* propsScroll = new QScrollArea(this);
    propsScroll->setWidget(m_props);
    propsScroll->setWidgetResizable(true);

    auto* split = new QSplitter(this);
    split->addWidget(left);
    split->addWidget(m_view);
    split->addWidget(propsScroll);
    split->setStretchFactor(1, 1);
    split->setSizes({170, 600, 260});

    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(200);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_status, 1);
    bottom->addWidget(m_progress);

    auto* v = new QVBoxLayout(this);
    v->setContentsMargins(2, 2, 2, 2);
    v->addWidget(m_toolbar);
    v->addWidget(split, 1);
    v->addLayout(bottom);
}

void PipelineEditor::fillPalette(const QString& filter) {
    m_palette->clear();
    QMap<QString, QTreeWidgetItem*> cats;
    for (const auto& t : pipeline::nodeTypes()) {
        const QString title = qs(t.title), help = qs(t.help);
        if (!filter.isEmpty() && !title.contains(filter, Qt::CaseInsensitive) && !help.contains(filter, Qt::CaseInsensitive) &&
            !qs(t.id).contains(filter, Qt::CaseInsensitive))
            continue;
        QTreeWidgetItem*& cat = cats[qs(t.category)];
        if (!cat) {
            cat = new QTreeWidgetItem(m_palette, {qs(t.category)});
            cat->setFlags(Qt::ItemIsEnabled);
        }
        auto* it = new QTreeWidgetItem(cat, {title});
        it->setData(0, Qt::UserRole, qs(t.id));
        it->setToolTip(0, help);
        it->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsDragEnabled);
    }
    m_palette->expandAll();
}

void PipelineEditor::showProperties() {
    while (m_form->rowCount() > 0)
        m_form->removeRow(0);
    const QStringList sel = m_scene->selectedNodeIds();
    if (sel.size() != 1) {
        m_form->addRow(new QLabel(sel.isEmpty() ? tr("Select a node to edit its parameters.") : tr("%n nodes selected", nullptr, int(sel.size()))));
        return;
    }
    const QString id = sel.front();
    const auto* n = m_scene->graph().find(id.toStdString());
    const auto* t = pipeline::findNodeType(n->type);
    auto* head = new QLabel("<b>" + id + "</b> — " + qs(t->title) + "<br><small>" + qs(t->help) + "</small>");
    head->setWordWrap(true);
    m_form->addRow(head);
    for (const auto& p : t->params) {
        const json v = n->params.value(p.name, json());
        const QString name = qs(p.name);
        const QString tip = qs(p.help) + (p.unit.empty() ? QString() : " [" + qs(p.unit) + "]");
        QWidget* w = nullptr;
        auto set = [this, id, name](const json& value) { m_scene->setParam(id, name, value); };
        using K = pipeline::ParamSpec::Kind;
        switch (p.kind) {
        case K::Int: {
            auto* s = new QSpinBox;
            s->setRange(int(std::max(p.min, -2e9)), int(std::min(p.max, 2e9)));
            s->setValue(v.is_number() ? v.get<int>() : 0);
            connect(s, &QSpinBox::editingFinished, this, [s, set] { set(s->value()); });
            w = s;
            break;
        }
        case K::Float: {
            auto* s = new QDoubleSpinBox;
            s->setDecimals(6);
            s->setRange(std::max(p.min, -1e12), std::min(p.max, 1e12));
            s->setValue(v.is_number() ? v.get<double>() : 0.0);
            connect(s, &QDoubleSpinBox::editingFinished, this, [s, set] { set(s->value()); });
            w = s;
            break;
        }
        case K::Bool: {
            auto* c = new QCheckBox;
            c->setChecked(v.is_boolean() && v.get<bool>());
            connect(c, &QCheckBox::toggled, this, [set](bool on) { set(on); });
            w = c;
            break;
        }
        case K::Choice: {
            auto* c = new QComboBox;
            for (const auto& ch : p.choices)
                c->addItem(qs(ch));
            c->setCurrentText(v.is_string() ? qs(v.get<std::string>()) : QString());
            connect(c, &QComboBox::currentTextChanged, this, [set](const QString& s) { set(s.toStdString()); });
            w = c;
            break;
        }
        case K::StringList: {
            auto* e = new QPlainTextEdit;
            QStringList lines;
            if (v.is_array())
                for (const auto& s : v)
                    lines << qs(s.get<std::string>());
            e->setPlainText(lines.join('\n'));
            e->setMaximumHeight(80);
            auto* apply = new QPushButton(tr("Apply"));
            connect(apply, &QPushButton::clicked, this, [e, set] {
                json arr = json::array();
                for (const QString& l : e->toPlainText().split('\n', Qt::SkipEmptyParts))
                    arr.push_back(l.trimmed().toStdString());
                set(arr);
            });
            auto* box = new QWidget;
            auto* bl = new QVBoxLayout(box);
            bl->setContentsMargins(0, 0, 0, 0);
            bl->addWidget(e);
            bl->addWidget(apply);
            w = box;
            break;
        }
        default: {
            auto* e = new QLineEdit(v.is_string() ? qs(v.get<std::string>()) : QString());
            if (v.is_null())
                e->setPlaceholderText(tr("required"));
            connect(e, &QLineEdit::editingFinished, this, [e, set] { set(e->text().toStdString()); });
            if (p.kind == K::Path) {
                auto* box = new QWidget;
                auto* bl = new QHBoxLayout(box);
                bl->setContentsMargins(0, 0, 0, 0);
                bl->addWidget(e, 1);
                auto* browse = new QPushButton(tr("…"));
                browse->setToolTip(tr("Choose a file or folder"));
                connect(browse, &QPushButton::clicked, this, [this, e, set] {
                    QString f = QFileDialog::getOpenFileName(this, tr("Choose a file"));
                    if (f.isEmpty())
                        f = QFileDialog::getExistingDirectory(this, tr("Or choose a folder"));
                    if (!f.isEmpty()) {
                        e->setText(f);
                        set(f.toStdString());
                    }
                });
                bl->addWidget(browse);
                w = box;
            } else {
                w = e;
            }
        }
        }
        w->setToolTip(tip);
        w->setObjectName("param_" + name);
        auto* label = new QLabel(name + (p.unit.empty() ? QString() : " (" + qs(p.unit) + ")"));
        label->setToolTip(tip);
        m_form->addRow(label, w);
    }
}

void PipelineEditor::updateTitle() {
    const QString name = m_file.isEmpty() ? tr("untitled") : QFileInfo(m_file).fileName();
    setWindowTitle(name + (isModified() ? " *" : ""));
}

bool PipelineEditor::isModified() const {
    return m_scene->undoStack()->index() != m_cleanIndex;
}

bool PipelineEditor::maybeSave() {
    if (!isModified())
        return true;
    const auto r = QMessageBox::question(this, tr("Unsaved pipeline"), tr("Save the changes to %1?").arg(m_file.isEmpty() ? tr("the pipeline") : m_file),
                                         QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (r == QMessageBox::Cancel)
        return false;
    if (r == QMessageBox::Save) {
        QString f = m_file;
        if (f.isEmpty())
            f = QFileDialog::getSaveFileName(this, tr("Save pipeline"), QString(), tr("Pipelines (*.json)"));
        return !f.isEmpty() && saveTo(f);
    }
    return true;
}

bool PipelineEditor::openFile(const QString& path) {
    try {
        m_scene->setGraph(pipeline::Graph::load(path.toStdString()));
    } catch (const std::exception& e) {
        m_status->setText(qs(e.what()));
        emit message(qs(e.what()));
        return false;
    }
    m_file = path;
    m_cleanIndex = m_scene->undoStack()->index();
    m_artifacts.clear();
    addRecent(path);
    updateTitle();
    m_view->fitInView(m_scene->itemsBoundingRect().adjusted(-40, -40, 40, 40), Qt::KeepAspectRatio);
    m_status->setText(tr("Opened %1").arg(path));
    return true;
}

bool PipelineEditor::saveTo(const QString& path) {
    try {
        m_scene->graph().save(path.toStdString());
    } catch (const std::exception& e) {
        m_status->setText(qs(e.what()));
        emit message(qs(e.what()));
        return false;
    }
    m_file = path;
    m_cleanIndex = m_scene->undoStack()->index();
    m_scene->undoStack()->setClean();
    addRecent(path);
    updateTitle();
    return true;
}

void PipelineEditor::addRecent(const QString& path) {
    QStringList list = QSettings().value(kRecentKey).toStringList();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > 8)
        list.removeLast();
    QSettings().setValue(kRecentKey, list);
}

void PipelineEditor::copySelection() {
    // The selected nodes and the links among them, as pipeline JSON on the clipboard.
    pipeline::Graph g;
    const QStringList ids = m_scene->selectedNodeIds();
    for (const auto& n : m_scene->graph().nodes())
        if (ids.contains(qs(n.id)))
            g.addNode(n.id, n.type, n.params).ui = n.ui;
    for (const auto& l : m_scene->graph().links())
        if (ids.contains(qs(l.from.node)) && ids.contains(qs(l.to.node)))
            g.connect(l.from, l.to);
    QApplication::clipboard()->setText(qs(g.toJson().dump()));
}

void PipelineEditor::paste() {
    pipeline::Graph src;
    try {
        src = pipeline::Graph::fromJson(json::parse(QApplication::clipboard()->text().toStdString()), "clipboard");
    } catch (const std::exception&) {
        m_status->setText(tr("The clipboard holds no pipeline nodes"));
        return;
    }
    QHash<QString, QString> renamed;
    for (const auto& n : src.nodes()) {
        const QPointF pos(n.ui.value("x", 0.0) + 40, n.ui.value("y", 0.0) + 40);
        const QString id = m_scene->addNode(qs(n.type), pos);
        renamed[qs(n.id)] = id;
        for (auto it = n.params.begin(); it != n.params.end(); ++it)
            if (!it.value().is_null())
                m_scene->setParam(id, qs(it.key()), it.value());
    }
    for (const auto& l : src.links())
        m_scene->connectPorts(renamed[qs(l.from.node)], qs(l.from.port), renamed[qs(l.to.node)], qs(l.to.port));
}

void PipelineEditor::run(const QString& cliOverride) {
    if (m_job->isRunning())
        return;
    try {
        m_scene->graph().validateForRun();
    } catch (const std::exception& e) {
        m_status->setText(tr("Cannot run: %1").arg(qs(e.what())));
        emit message(m_status->text());
        return;
    }
    QString file = m_file;
    if (file.isEmpty() || isModified()) {
        // Run what is on screen: an unsaved graph goes to a file in the app's data folder.
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        QDir().mkpath(dir);
        file = m_file.isEmpty() ? dir + "/unsaved-pipeline.json" : m_file;
        if (!m_file.isEmpty()) {
            if (!saveTo(m_file))
                return;
        } else {
            m_scene->graph().save(file.toStdString());
        }
    }
    QString err;
    const QString program = resolveCliProgram(cliOverride, &err);
    if (program.isEmpty()) {
        m_status->setText(err);
        emit message(err);
        return;
    }
    m_scene->clearRunState();
    for (const auto& n : m_scene->graph().nodes())
        m_scene->setNodeState(qs(n.id), "pending");
    m_progress->setValue(0);
    m_runAction->setEnabled(false);
    m_cancelAction->setEnabled(true);
    m_status->setText(tr("Running %1 on %2…").arg(QFileInfo(file).fileName(), m_device->device()));
    m_job->start(program, QStringList{"run", file, "--json"} + m_device->arguments());
}

void PipelineEditor::cancelRun() {
    if (m_job->isRunning())
        m_job->cancel();
}

bool PipelineEditor::isRunning() const {
    return m_job->isRunning();
}

QString PipelineEditor::resultSummary(const QString& nodeId) const {
    if (!m_artifacts.contains(nodeId))
        return {};
    const QString path = m_artifacts.value(nodeId);
    QFile f(path + "/result.json");
    if (!f.open(QIODevice::ReadOnly))
        return path;
    const auto j = json::parse(f.readAll().toStdString(), nullptr, false);
    if (j.is_discarded())
        return path;
    QStringList lines;
    if (j.contains("tasks")) {
        for (const auto& t : j.at("tasks")) {
            QStringList metrics;
            const json m = t.contains("metrics") && t.at("metrics").is_object() ? t.at("metrics") : json::object();
            for (auto it = m.begin(); it != m.end(); ++it)
                if (it.value().is_object() && it.value().contains("value") && it.value().at("value").is_number())
                    metrics << QString("%1 %2").arg(qs(it.key())).arg(it.value().at("value").get<double>(), 0, 'g', 6);
            const QString name = t.contains("task") && t.at("task").is_string() ? qs(t.at("task").get<std::string>()) : tr("task");
            lines << name + ": " + metrics.join(", ");
        }
    } else if (j.contains("similarity") && j.at("similarity").contains("recommendation")) {
        lines << tr("Layers to drop: %1").arg(qs(j.at("similarity").at("recommendation").dump()));
    } else if (j.contains("file") && j.at("file").is_string()) {
        lines << qs(j.at("file").get<std::string>());
    }
    if (lines.isEmpty())
        lines << path;
    return lines.join('\n');
}

void PipelineEditor::applyDepthLayers(const QString& layers) {
    for (const auto& n : m_scene->graph().nodes())
        if (n.type == "prune-depth") {
            m_scene->setParam(qs(n.id), "layers", layers.toStdString());
            m_status->setText(tr("%1: layers to remove set to %2").arg(qs(n.id), layers));
            return;
        }
    const QString id = m_scene->addNode("prune-depth", m_view->mapToScene(m_view->viewport()->rect().center()));
    m_scene->setParam(id, "layers", layers.toStdString());
    m_status->setText(tr("Added %1 removing layers %2: connect its model input").arg(id, layers));
}

} // namespace slim::widgets
