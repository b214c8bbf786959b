#include "widgets/pipeline/pipeline_scene.h"

#include <QGraphicsPathItem>
#include <QGraphicsSceneMouseEvent>
#include <QPainter>
#include <QStyleOptionGraphicsItem>
#include <QUndoCommand>

#include <map>

namespace slim::widgets {

using nlohmann::json;

namespace {

constexpr qreal kWidth = 190, kTitle = 26, kRow = 20, kPort = 6;

QString qs(const std::string& s) { return QString::fromStdString(s); }

QColor stateColor(const QString& s) {
    if (s == "running") return QColor(52, 120, 246);
    if (s == "done") return QColor(46, 160, 67);
    if (s == "cached") return QColor(110, 170, 120);
    if (s == "failed") return QColor(210, 50, 50);
    if (s == "cancelled") return QColor(200, 140, 30);
    if (s == "skipped") return QColor(150, 150, 150);
    return QColor(200, 200, 200);
}

} // namespace

/// One node: title, ports (inputs left, outputs right), a state badge and a progress bar.
class PipelineNodeItem : public QGraphicsItem {
public:
    PipelineNodeItem(const pipeline::Node& n, const pipeline::NodeType& t) : m_id(qs(n.id)), m_type(&t) {
        setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
        m_title = qs(n.id) + "  ·  " + qs(t.title);
        setToolTip(qs(t.help));
    }
    QRectF boundingRect() const override {
        const int rows = int(std::max(m_type->inputs.size(), m_type->outputs.size()));
        return QRectF(-kPort, 0, kWidth + 2 * kPort, kTitle + rows * kRow + 14);
    }
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
        const QRectF body(0, 0, kWidth, boundingRect().height());
        p->setRenderHint(QPainter::Antialiasing);
        p->setPen(QPen(isSelected() ? QColor(30, 90, 200) : QColor(90, 90, 90), isSelected() ? 2.5 : 1.2));
        p->setBrush(QColor(250, 250, 252));
        p->drawRoundedRect(body, 6, 6);
        p->setBrush(stateColor(m_state));
        p->setPen(Qt::NoPen);
        p->drawRoundedRect(QRectF(0, 0, kWidth, kTitle), 6, 6);
        p->setPen(Qt::black);
        p->drawText(QRectF(8, 0, kWidth - 16, kTitle), Qt::AlignVCenter | Qt::AlignLeft, m_title);
        for (size_t i = 0; i < m_type->inputs.size(); ++i) {
            const auto& port = m_type->inputs[i];
            const QPointF c = inputPos(int(i));
            p->setBrush(PipelineScene::portColor(port.type));
            p->setPen(QPen(Qt::black, port.optional ? 0.5 : 1.2, port.optional ? Qt::DashLine : Qt::SolidLine));
            p->drawEllipse(c, kPort, kPort);
            p->setPen(Qt::black);
            p->drawText(QRectF(c.x() + 10, c.y() - kRow / 2, kWidth / 2, kRow), Qt::AlignVCenter, qs(port.name));
        }
        for (size_t i = 0; i < m_type->outputs.size(); ++i) {
            const auto& port = m_type->outputs[i];
            const QPointF c = outputPos(int(i));
            p->setBrush(PipelineScene::portColor(port.type));
            p->setPen(QPen(Qt::black, 1.2));
            p->drawEllipse(c, kPort, kPort);
            p->drawText(QRectF(kWidth / 2, c.y() - kRow / 2, kWidth / 2 - 10, kRow), Qt::AlignVCenter | Qt::AlignRight, qs(port.name));
        }
        if (m_progress >= 0 && m_state == "running") {
            const QRectF bar(6, boundingRect().height() - 9, kWidth - 12, 5);
            p->setPen(Qt::NoPen);
            p->setBrush(QColor(225, 225, 225));
            p->drawRect(bar);
            p->setBrush(stateColor("running"));
            p->drawRect(QRectF(bar.x(), bar.y(), bar.width() * m_progress, bar.height()));
        }
    }
    QPointF inputPos(int i) const { return QPointF(0, kTitle + kRow * (i + 0.5)); }
    QPointF outputPos(int i) const { return QPointF(kWidth, kTitle + kRow * (i + 0.5)); }
    /// The port under a scene point: (name, isOutput); empty name = none.
    std::pair<QString, bool> portAt(QPointF scenePos) const {
        const QPointF l = mapFromScene(scenePos);
        for (size_t i = 0; i < m_type->inputs.size(); ++i)
            if (QLineF(l, inputPos(int(i))).length() <= kPort + 3)
                return {qs(m_type->inputs[i].name), false};
        for (size_t i = 0; i < m_type->outputs.size(); ++i)
            if (QLineF(l, outputPos(int(i))).length() <= kPort + 3)
                return {qs(m_type->outputs[i].name), true};
        return {};
    }
    QPointF portScenePos(const QString& port, bool output) const {
        const auto& list = output ? m_type->outputs : m_type->inputs;
        for (size_t i = 0; i < list.size(); ++i)
            if (qs(list[i].name) == port)
                return mapToScene(output ? outputPos(int(i)) : inputPos(int(i)));
        return mapToScene(QPointF());
    }
    void setRun(const QString& state, const QString& message, double progress) {
        m_state = state;
        m_progress = progress;
        setToolTip(qs(m_type->help) + (state.isEmpty() ? QString() : "\n" + QObject::tr("State: %1").arg(state)) +
                   (message.isEmpty() ? QString() : "\n" + message));
        update();
    }
    const QString& id() const { return m_id; }
    QString state() const { return m_state; }

private:
    QString m_id, m_title, m_state;
    double m_progress = -1;
    const pipeline::NodeType* m_type;
};

/// One undo step: the graph before and after an edit (applied by replacing the graph).
class GraphSnapshotCommand : public QUndoCommand {
public:
    GraphSnapshotCommand(PipelineScene* s, json before, json after, const QString& text)
        : QUndoCommand(text), m_scene(s), m_before(std::move(before)), m_after(std::move(after)) {}
    void undo() override { m_scene->applyJson(m_before); }
    void redo() override {
        if (m_first) { // the edit is already applied when the command is pushed
            m_first = false;
            return;
        }
        m_scene->applyJson(m_after);
    }

private:
    PipelineScene* m_scene;
    json m_before, m_after;
    bool m_first = true;
};

PipelineScene::PipelineScene(QObject* parent) : QGraphicsScene(parent) {
    setSceneRect(-2000, -2000, 6000, 6000);
}

PipelineScene::~PipelineScene() {
    blockSignals(true);
    clear();
}

QColor PipelineScene::portColor(pipeline::PortType t) {
    switch (t) {
    case pipeline::PortType::Model: return QColor(66, 133, 244);
    case pipeline::PortType::Dataset: return QColor(251, 188, 5);
    case pipeline::PortType::Records: return QColor(52, 168, 83);
    case pipeline::PortType::Analysis: return QColor(171, 71, 188);
    case pipeline::PortType::File: return QColor(120, 120, 120);
    }
    return Qt::gray;
}

void PipelineScene::setGraph(const pipeline::Graph& g) {
    m_graph = g;
    m_undo.clear();
    m_runState.clear();
    m_runProgress.clear();
    rebuild();
}

void PipelineScene::applyJson(const json& j) {
    m_graph = pipeline::Graph::fromJson(j, "undo");
    rebuild();
}

void PipelineScene::commit(const json& before, const QString& text) {
    m_undo.push(new GraphSnapshotCommand(this, before, m_graph.toJson(), text));
    rebuild();
}

void PipelineScene::rebuild() {
    const QStringList selected = selectedNodeIds();
    m_dragLine = nullptr;
    clear();
    m_items.clear();
    int col = 0;
    for (const auto& n : m_graph.nodes()) {
        const auto* t = pipeline::findNodeType(n.type);
        auto* it = new PipelineNodeItem(n, *t);
        const QPointF pos = n.ui.contains("x") && n.ui.contains("y") ? QPointF(n.ui.value("x", 0.0), n.ui.value("y", 0.0))
                                                                    : QPointF(230.0 * col++, 0);
        it->setPos(pos);
        addItem(it);
        m_items.insert(qs(n.id), it);
        const QString id = qs(n.id);
        it->setSelected(selected.contains(id));
        if (m_runState.contains(id))
            it->setRun(m_runState[id].first, m_runState[id].second, m_runProgress.value(id, -1));
    }
    for (const auto& l : m_graph.links()) {
        auto* a = m_items.value(qs(l.from.node));
        auto* b = m_items.value(qs(l.to.node));
        if (!a || !b)
            continue;
        const QPointF p0 = a->portScenePos(qs(l.from.port), true), p1 = b->portScenePos(qs(l.to.port), false);
        QPainterPath path(p0);
        const qreal dx = std::max<qreal>(60, (p1.x() - p0.x()) / 2);
        path.cubicTo(p0 + QPointF(dx, 0), p1 - QPointF(dx, 0), p1);
        auto* li = addPath(path, QPen(QColor(80, 80, 80), 2));
        li->setZValue(-1);
        li->setToolTip(qs(l.from.text()) + " → " + qs(l.to.text()));
    }
    emit graphChanged();
}

QString PipelineScene::addNode(const QString& type, QPointF pos) {
    const auto* t = pipeline::findNodeType(type.toStdString());
    if (!t) {
        emit refused(tr("Unknown node type '%1'").arg(type));
        return {};
    }
    // A readable unique id: the type's name plus a number.
    QString base = type;
    base.replace('-', '_');
    QString id = base;
    for (int k = 2; m_graph.find(id.toStdString()); ++k)
        id = base + QString::number(k);
    const json before = m_graph.toJson();
    auto& n = m_graph.addNode(id.toStdString(), type.toStdString());
    n.ui = {{"x", pos.x()}, {"y", pos.y()}};
    commit(before, tr("Add %1").arg(qs(t->title)));
    return id;
}

bool PipelineScene::connectPorts(const QString& fromNode, const QString& fromPort, const QString& toNode, const QString& toPort) {
    const pipeline::PortRef a{fromNode.toStdString(), fromPort.toStdString()}, b{toNode.toStdString(), toPort.toStdString()};
    if (auto why = m_graph.canConnect(a, b)) {
        emit refused(tr("Cannot connect %1 → %2: %3").arg(qs(a.text()), qs(b.text()), qs(*why)));
        return false;
    }
    const json before = m_graph.toJson();
    m_graph.connect(a, b);
    commit(before, tr("Connect %1 → %2").arg(qs(a.text()), qs(b.text())));
    return true;
}

bool PipelineScene::removeNodes(const QStringList& ids) {
    if (ids.isEmpty())
        return false;
    const json before = m_graph.toJson();
    for (const auto& id : ids)
        m_graph.removeNode(id.toStdString());
    commit(before, tr("Delete %n node(s)", nullptr, int(ids.size())));
    return true;
}

bool PipelineScene::setParam(const QString& node, const QString& param, const json& value) {
    const json before = m_graph.toJson();
    try {
        m_graph.setParam(node.toStdString(), param.toStdString(), value);
    } catch (const std::exception& e) {
        emit refused(qs(e.what()));
        return false;
    }
    if (m_graph.toJson() == before)
        return true;
    commit(before, tr("Set %1.%2").arg(node, param));
    return true;
}

void PipelineScene::moveNode(const QString& node, QPointF pos) {
    auto* n = m_graph.find(node.toStdString());
    if (!n)
        return;
    const json before = m_graph.toJson();
    n->ui["x"] = pos.x();
    n->ui["y"] = pos.y();
    commit(before, tr("Move %1").arg(node));
}

void PipelineScene::autoLayout() {
    const json before = m_graph.toJson();
    std::map<std::string, int> depth, row;
    std::map<int, int> rows;
    for (const auto& id : m_graph.topologicalOrder()) {
        int d = 0;
        for (const auto& l : m_graph.links())
            if (l.to.node == id)
                d = std::max(d, depth[l.from.node] + 1);
        depth[id] = d;
        row[id] = rows[d]++;
    }
    for (const auto& n : m_graph.nodes()) {
        auto* node = m_graph.find(n.id);
        node->ui["x"] = 250.0 * depth[n.id];
        node->ui["y"] = 150.0 * row[n.id];
    }
    commit(before, tr("Auto-layout"));
}

QStringList PipelineScene::selectedNodeIds() const {
    QStringList ids;
    for (auto* it : selectedItems())
        if (auto* n = dynamic_cast<PipelineNodeItem*>(it))
            ids << n->id();
    return ids;
}

void PipelineScene::selectNodes(const QStringList& ids) {
    clearSelection();
    for (const auto& id : ids)
        if (auto* it = m_items.value(id))
            it->setSelected(true);
}

void PipelineScene::setNodeState(const QString& id, const QString& state, const QString& message) {
    m_runState[id] = {state, message};
    if (auto* it = m_items.value(id))
        it->setRun(state, message, m_runProgress.value(id, -1));
}

void PipelineScene::setNodeProgress(const QString& id, double fraction) {
    m_runProgress[id] = fraction;
    if (auto* it = m_items.value(id))
        it->setRun(m_runState.value(id).first, m_runState.value(id).second, fraction);
}

void PipelineScene::clearRunState() {
    m_runState.clear();
    m_runProgress.clear();
    for (auto* it : m_items)
        it->setRun(QString(), QString(), -1);
}

void PipelineScene::mousePressEvent(QGraphicsSceneMouseEvent* e) {
    for (auto* it : items(e->scenePos()))
        if (auto* n = dynamic_cast<PipelineNodeItem*>(it)) {
            const auto [port, output] = n->portAt(e->scenePos());
            if (!port.isEmpty() && e->button() == Qt::LeftButton) {
                m_dragNode = n->id();
                m_dragPort = port;
                m_dragFromOutput = output;
                m_dragStart = n->portScenePos(port, output);
                m_dragLine = addPath(QPainterPath(m_dragStart), QPen(QColor(30, 90, 200), 2, Qt::DashLine));
                return;
            }
            m_movingNode = n->id();
            m_moveStartPos = n->pos();
            break;
        }
    QGraphicsScene::mousePressEvent(e);
}

void PipelineScene::mouseMoveEvent(QGraphicsSceneMouseEvent* e) {
    if (m_dragLine) {
        QPainterPath path(m_dragStart);
        path.lineTo(e->scenePos());
        m_dragLine->setPath(path);
        return;
    }
    QGraphicsScene::mouseMoveEvent(e);
}

void PipelineScene::mouseReleaseEvent(QGraphicsSceneMouseEvent* e) {
    if (m_dragLine) {
        delete m_dragLine;
        m_dragLine = nullptr;
        for (auto* it : items(e->scenePos()))
            if (auto* n = dynamic_cast<PipelineNodeItem*>(it)) {
                const auto [port, output] = n->portAt(e->scenePos());
                if (port.isEmpty())
                    continue;
                if (output == m_dragFromOutput) {
                    emit refused(tr("Connect an output (right) to an input (left)"));
                } else if (m_dragFromOutput) {
                    connectPorts(m_dragNode, m_dragPort, n->id(), port);
                } else {
                    connectPorts(n->id(), port, m_dragNode, m_dragPort);
                }
                break;
            }
        return;
    }
    QGraphicsScene::mouseReleaseEvent(e);
    if (!m_movingNode.isEmpty()) {
        const QString id = m_movingNode;
        m_movingNode.clear();
        if (auto* it = m_items.value(id); it && it->pos() != m_moveStartPos)
            moveNode(id, it->pos());
    }
}

void PipelineScene::mouseDoubleClickEvent(QGraphicsSceneMouseEvent* e) {
    for (auto* it : items(e->scenePos()))
        if (auto* n = dynamic_cast<PipelineNodeItem*>(it)) {
            emit nodeActivated(n->id());
            return;
        }
    QGraphicsScene::mouseDoubleClickEvent(e);
}

} // namespace slim::widgets
