#pragma once
/// @file executor.h
/// Runs a pipeline (docs/pipelines.md): nodes in topological order, each node's output an artifact
/// folder under the workspace keyed by a hash of the node type, its parameters and the keys of its
/// inputs — a re-run reuses finished work, and a killed run resumes where it stopped, because a folder
/// counts only once its completion marker is in place (io::AtomicFolder).  A failing node fails its
/// own branch: nodes that read from it are skipped, every other branch runs on.  Cancel stops the run.
/// Events: the run's JobContext tagged with the node id (JobEvent::node), a NodeState event per state
/// change, per-node progress, and a JSON-lines run log in the workspace.
///
/// What a node *does* is registered by the caller (the CLI maps each node type onto its command), so
/// core stays free of the commands' option parsing.

#include "core/pipeline/graph.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>

namespace slim {
class JobContext;
}

namespace slim::pipeline {

enum class NodeState { Pending, Running, Done, Cached, Failed, Cancelled, Skipped };
std::string_view nodeStateName(NodeState s);

/// A node's output: a folder (models: the checkpoint; others: result.json and files inside).
struct Artifact {
    PortType type = PortType::Model;
    std::filesystem::path path;
    std::string key;
    nlohmann::json value; ///< Dataset: the calibration parameters; Records / Analysis: the result
};

struct RunOptions {
    std::filesystem::path workspace;     ///< artifacts/ and runs/ live here
    std::filesystem::path baseDir;       ///< relative paths in parameters are resolved against it
    std::filesystem::path resourcesDir;  ///< ${resources} in parameters
    std::filesystem::path demoDir;       ///< ${demo} in parameters (the built-in demo model)
    std::string device = "cpu", dtype = "auto";
    std::filesystem::path db;            ///< result records of Evaluate nodes
    /// This run's id ("<UTC time>-<pipeline name>", also the run log's name) and the pipeline's name;
    /// run() fills them.  Result records carry them, so a report can select one run.
    std::string runId, pipelineName;
};

/// Everything a runner needs for one node.
struct NodeJob {
    const Node* node = nullptr;
    const NodeType* type = nullptr;
    nlohmann::json params;                     ///< ${...} expanded, paths resolved
    std::map<std::string, Artifact> inputs;    ///< by input port
    std::map<std::string, std::string> inputNodes; ///< by input port: the upstream node's id
    std::filesystem::path out;                 ///< the artifact folder to create (atomically)
    std::string key;
    const RunOptions* run = nullptr;
};

/// Does the node's work: writes `job.out` (atomically, with the completion marker) and returns the
/// artifact's value (Records / Analysis: the result JSON; others: null).  Throws to fail the node.
using NodeRunner = std::function<nlohmann::json(const NodeJob& job, const JobContext& ctx)>;

struct NodeOutcome {
    NodeState state = NodeState::Pending;
    std::string message;
    Artifact artifact;
    double seconds = 0.0;
};

struct RunReport {
    std::map<std::string, NodeOutcome> nodes;
    std::vector<std::string> order;
    std::filesystem::path log;
    std::string runId;
    double seconds = 0.0;
    bool ok() const;
    nlohmann::json toJson() const;
};

class Executor {
public:
    Executor(Graph graph, std::map<std::string, NodeRunner> runners, RunOptions options);
    /// Run every node; never throws for a failing node (see the report), throws CancelledError when
    /// cancelled (after marking the running node) and GraphError for a graph that cannot run.
    RunReport run(const JobContext& ctx);
    /// The key a node would get (inputs must have run); exposed for tests and the editor.
    const Graph& graph() const { return m_graph; }

    /// Expand ${resources}, ${demo} and ${NODE.PARAM} in string parameters; resolve relative Path parameters.
    nlohmann::json resolvedParams(const Node& n) const;

private:
    Graph m_graph;
    std::map<std::string, NodeRunner> m_runners;
    RunOptions m_options;
};

/// The artifact key of a Load node's model folder: its fingerprint plus each weight file's size and
/// modification time (a changed checkpoint gets a new key without hashing every byte).
std::string modelFolderKey(const std::filesystem::path& dir);

} // namespace slim::pipeline
