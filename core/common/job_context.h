#pragma once
/// @file job_context.h
/// Progress, status and cancellation for long algorithms.  A JobContext is cheap to copy;
/// copies share the same cancel flag and sink.  Sub-steps get a slice of the [0, 1] range:
///   auto layerCtx = ctx.slice(i / double(n), (i + 1) / double(n));
/// Algorithms call checkCancel() at least once per layer / batch.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace slim {

class JobContext {
public:
    /// Receives (progress in [0,1] of the whole job, or < 0 when only the status changed;
    /// status text, empty when unchanged).
    using Sink = std::function<void(double progress, const std::string& status)>;

    JobContext();
    explicit JobContext(Sink sink);

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

    /// A context that reports nothing and is never cancelled.
    static const JobContext& none();

private:
    struct Shared {
        Sink sink;
        std::atomic<bool> cancel{false};
    };
    std::shared_ptr<Shared> m_shared;
    double m_lo = 0.0;
    double m_hi = 1.0;
};

} // namespace slim
