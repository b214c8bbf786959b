#pragma once
/// @file graph.h
/// A pipeline: nodes of the registered types (node_types.h) with parameters, and links from an
/// output port to an input port.  Every edit is validated and refused with a GraphError that says
/// why (unknown node type or port, type mismatch, a second link into an input, a cycle, a bad
/// parameter).  A graph may fork: one node's output feeds several nodes, so one file holds a whole
/// experiment matrix.  JSON: {"format": "slimbench-pipeline", "version": 1, "name", "nodes": [{"id",
/// "type", "params", "ui"}], "links": [{"from": "node.port", "to": "node.port"}], "ui"} — `ui` objects
/// are kept for the editor and never read by core.  Unknown versions and node types are refused.

#include "core/common/errors.h"
#include "core/pipeline/node_types.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace slim::pipeline {

/// An edit the graph refuses; what() says why.
class GraphError : public ConfigError {
public:
    enum class Reason { UnknownType, UnknownNode, UnknownPort, TypeMismatch, InputTaken, Cycle, DuplicateId, BadParam, Format };
    GraphError(Reason r, const std::string& message) : ConfigError(message), m_reason(r) {}
    Reason reason() const { return m_reason; }

private:
    Reason m_reason;
};

struct Node {
    std::string id;
    std::string type;
    nlohmann::json params = nlohmann::json::object(); ///< every parameter of the type (defaults filled in)
    nlohmann::json ui = nlohmann::json::object();
};

struct PortRef {
    std::string node, port;
    std::string text() const { return node + "." + port; }
    bool operator==(const PortRef&) const = default;
};

struct Link {
    PortRef from, to;
    bool operator==(const Link&) const = default;
};

class Graph {
public:
    static constexpr int kVersion = 1;

    std::string name;
    nlohmann::json ui = nlohmann::json::object();

    /// Add a node of a registered type with its default parameters, overridden by `params`.
    Node& addNode(const std::string& id, const std::string& type, const nlohmann::json& params = nlohmann::json::object());
    /// Remove a node and its links.
    void removeNode(const std::string& id);
    /// Connect an output port to an input port (refused with the reason).
    void connect(const PortRef& from, const PortRef& to);
    /// Whether connect() would accept the link; the reason when not.
    std::optional<std::string> canConnect(const PortRef& from, const PortRef& to) const;
    void disconnect(const PortRef& to);
    /// Set one parameter (validated against the node type's schema).
    void setParam(const std::string& node, const std::string& param, const nlohmann::json& value);
    /// `--set NODE.PARAM=VALUE`: parse VALUE by the parameter's kind and set it.
    void setFromText(const std::string& assignment);

    const std::vector<Node>& nodes() const { return m_nodes; }
    const std::vector<Link>& links() const { return m_links; }
    const Node* find(const std::string& id) const;
    Node* find(const std::string& id);
    /// The link into an input port, if any.
    const Link* linkInto(const PortRef& to) const;
    /// Nodes in an order where every node comes after the nodes it reads from.
    std::vector<std::string> topologicalOrder() const;
    /// Refuses a graph that cannot run: required parameters unset, required inputs unconnected.
    void validateForRun() const;

    nlohmann::json toJson() const;
    /// `file` names the source in errors.
    static Graph fromJson(const nlohmann::json& j, const std::string& file = "pipeline");
    static Graph load(const std::filesystem::path& file);
    void save(const std::filesystem::path& file) const; ///< atomic

private:
    std::vector<Node> m_nodes;
    std::vector<Link> m_links;
    const NodeType& typeOf(const Node& n) const;
    bool reaches(const std::string& from, const std::string& to) const;
};

/// "node.port" -> PortRef (GraphError when malformed).
PortRef parsePortRef(const std::string& text);

} // namespace slim::pipeline
