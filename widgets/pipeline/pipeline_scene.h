#pragma once
/// @file pipeline_scene.h
/// The node-graph view of a core pipeline::Graph (docs/pipelines.md).  The graph is the model: every
/// edit goes through the scene's methods, is validated by the graph (a refused edit emits `refused`
/// with the graph's reason) and is recorded on the undo stack as a before/after snapshot of the graph;
/// the items are rebuilt from the graph.  Ports are coloured by type; dragging from an output port to an
/// input port connects them.  While a run is going, nodes show their state and progress.

#include "core/pipeline/graph.h"

#include <QGraphicsScene>
#include <QHash>
#include <QPointF>
#include <QUndoStack>

namespace slim::widgets {

class PipelineNodeItem;

class PipelineScene : public QGraphicsScene {
    Q_OBJECT
public:
    explicit PipelineScene(QObject* parent = nullptr);
    /// Items are removed silently (no selection signals into a view that is going away).
    ~PipelineScene() override;

    const pipeline::Graph& graph() const { return m_graph; }
    /// Replace the whole graph (open / new); clears the undo stack.
    void setGraph(const pipeline::Graph& g);
    QUndoStack* undoStack() { return &m_undo; }

    // Edits (undoable).  They return false and emit refused(reason) when the graph refuses.
    QString addNode(const QString& type, QPointF pos);
    bool connectPorts(const QString& fromNode, const QString& fromPort, const QString& toNode, const QString& toPort);
    bool removeNodes(const QStringList& ids);
    bool setParam(const QString& node, const QString& param, const nlohmann::json& value);
    void moveNode(const QString& node, QPointF pos);
    /// Arrange the nodes in columns by their depth in the graph (undoable).
    void autoLayout();

    QStringList selectedNodeIds() const;
    /// Select exactly these nodes.
    void selectNodes(const QStringList& ids);
    /// The last run state shown on a node ("" before any run).
    QString nodeState(const QString& id) const { return m_runState.value(id).first; }
    PipelineNodeItem* item(const QString& id) const { return m_items.value(id); }

    /// Run display: "pending", "running", "done", "cached", "failed", "cancelled", "skipped".
    void setNodeState(const QString& id, const QString& state, const QString& message = {});
    void setNodeProgress(const QString& id, double fraction);
    void clearRunState();

    /// Colour of a port type (also used by the palette).
    static QColor portColor(pipeline::PortType t);

signals:
    void refused(const QString& reason);
    void graphChanged();
    void nodeActivated(const QString& id); ///< double-clicked

protected:
    void mousePressEvent(QGraphicsSceneMouseEvent* e) override;
    void mouseMoveEvent(QGraphicsSceneMouseEvent* e) override;
    void mouseReleaseEvent(QGraphicsSceneMouseEvent* e) override;
    void mouseDoubleClickEvent(QGraphicsSceneMouseEvent* e) override;

private:
    friend class GraphSnapshotCommand;
    void rebuild();
    void applyJson(const nlohmann::json& j);
    /// Record `after` vs the graph before an edit as one undo step named `text`.
    void commit(const nlohmann::json& before, const QString& text);

    pipeline::Graph m_graph;
    QUndoStack m_undo;
    QHash<QString, PipelineNodeItem*> m_items;
    QHash<QString, QPair<QString, QString>> m_runState; ///< id -> (state, message), kept across rebuilds
    QHash<QString, double> m_runProgress;
    // Link dragging
    QGraphicsPathItem* m_dragLine = nullptr;
    QString m_dragNode, m_dragPort;
    bool m_dragFromOutput = false;
    QPointF m_dragStart;
    QString m_movingNode;
    QPointF m_moveStartPos;
};

} // namespace slim::widgets
