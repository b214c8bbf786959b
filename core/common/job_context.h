#pragma once
/// @file job_context.h
/// Progress, status and cancellation for long algorithms.  A JobContext is cheap to copy;
/// copies share the same cancel flag and sink.  Sub-steps get a slice of the [0, 1] range:
///   auto layerCtx = ctx.slice(i / double(n), (i + 1) / double(n));
/// Algorithms call checkCancel() at least once per layer / batch.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace slim {

/// One event of a long job — the single convention shared by core, the CLI's JSON lines
/// (core/common/job_event_json.h gives the wire form) and the GUI's one Job class.
struct JobEvent {
    enum class Kind { Progress, Status, Metric, Warning, Artifact, NodeState, Output };
    Kind kind = Kind::Status;
    double progress = -1.0;   ///< Progress: fraction of the whole job in [0, 1]
    std::string text;         ///< Status / Warning: the message; Artifact: its kind ("model", "adapter"...);
                              ///< Output: the text
    std::string name;         ///< Metric: e.g. "loss", "eval_loss"; Output: "append" | "replace" | "prompt"
    double value = 0.0;       ///< Metric
    int64_t step = -1;        ///< Metric: training step (-1 = none)
    std::string unit;         ///< Metric
    std::string path;         ///< Artifact: the file or folder written
    /// Pipeline runs: the node the event belongs to ("" = the job itself), the fraction of that node's
    /// work done (Progress; -1 = unknown); NodeState: `text` = pending|running|done|cached|failed|
    /// cancelled|skipped, `name` = the message (why it failed or was skipped).
    std::string node;
    double nodeProgress = -1.0;
};

class JobContext {
public:
    using EventSink = std::function<void(const JobEvent&)>;
    /// Progress and status only: (progress in [0,1] of the whole job, or < 0 when only the status
    /// changed; status text, empty when unchanged).  Other events are dropped.
    using Sink = std::function<void(double progress, const std::string& status)>;

    JobContext();
    explicit JobContext(EventSink sink);
    explicit JobContext(Sink sink);

    /// A measured value during the job (training loss per step, ...).
    void metric(const std::string& name, double value, int64_t step = -1, const std::string& unit = {}) const;
    /// Something the user should know that does not stop the job (damping raised, a fallback taken).
    void warning(const std::string& text) const;
    /// A file or folder the job has finished writing.
    void artifact(const std::string& kind, const std::string& path) const;

    /// Streamed text output (generated text): `mode` "append" adds `text`, "replace" replaces all output
    /// so far, "prompt" is the input as the model sees it.
    void output(const std::string& text, const std::string& mode = "append") const;

    /// Progress within this context's slice: 0 = start of the slice, 1 = end.
    void setProgress(double fraction) const;
    void setStatus(const std::string& text) const;
    bool isCancelRequested() const noexcept;
    /// Throws CancelledError when cancellation was requested.
    void checkCancel() const;
    /// Ask the job to stop (thread-safe; called from the GUI or a signal handler).
    void requestCancel() const noexcept;

    /// A context covering [from, to] of this context's range (both in 0..1).
    JobContext slice(double from, double to) const;
    /// The same context with every event tagged with a pipeline node id; its own range is the node's
    /// (progress events then also carry the node's own fraction).
    JobContext forNode(const std::string& node) const;
    /// A pipeline node changed state (see JobEvent::node).
    void nodeState(const std::string& state, const std::string& message = {}) const;

    /// A context that reports nothing and is never cancelled.
    static const JobContext& none();

private:
    struct Shared {
        EventSink sink;
        std::atomic<bool> cancel{false};
    };
    std::shared_ptr<Shared> m_shared;
    double m_lo = 0.0;
    double m_hi = 1.0;
    std::string m_node;
    double m_nodeLo = 0.0, m_nodeHi = 1.0;
    /// Tag the event with the node (and its own progress) and hand it to the sink, if any.
    void send(JobEvent e) const;
};

} // namespace slim
