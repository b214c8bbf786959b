#include "core/common/job_context.h"

#include "core/common/errors.h"

#include <algorithm>

namespace slim {

JobContext::JobContext() : m_shared(std::make_shared<Shared>()) {}

JobContext::JobContext(EventSink sink) : m_shared(std::make_shared<Shared>()) {
    m_shared->sink = std::move(sink);
}

JobContext::JobContext(Sink sink) : m_shared(std::make_shared<Shared>()) {
    if (sink)
        m_shared->sink = [s = std::move(sink)](const JobEvent& e) {
            if (e.kind == JobEvent::Kind::Progress)
                s(e.progress, std::string());
            else if (e.kind == JobEvent::Kind::Status)
                s(-1.0, e.text);
        };
}

void JobContext::send(JobEvent e) const {
    if (!m_shared->sink)
        return;
    if (!m_node.empty()) {
        e.node = m_node;
        if (e.kind == JobEvent::Kind::Progress && m_nodeHi > m_nodeLo)
            e.nodeProgress = std::clamp((e.progress - m_nodeLo) / (m_nodeHi - m_nodeLo), 0.0, 1.0);
    }
    m_shared->sink(e);
}

JobContext JobContext::forNode(const std::string& node) const {
    JobContext c = *this;
    c.m_node = node;
    c.m_nodeLo = m_lo;
    c.m_nodeHi = m_hi;
    return c;
}

void JobContext::nodeState(const std::string& state, const std::string& message) const {
    send({.kind = JobEvent::Kind::NodeState, .text = state, .name = message});
}

void JobContext::output(const std::string& text, const std::string& mode) const {
    send({.kind = JobEvent::Kind::Output, .text = text, .name = mode});
}

void JobContext::setProgress(double fraction) const {
    send({.kind = JobEvent::Kind::Progress, .progress = m_lo + (m_hi - m_lo) * std::clamp(fraction, 0.0, 1.0)});
}

void JobContext::setStatus(const std::string& text) const { send({.kind = JobEvent::Kind::Status, .text = text}); }

void JobContext::metric(const std::string& name, double value, int64_t step, const std::string& unit) const {
    send({.kind = JobEvent::Kind::Metric, .name = name, .value = value, .step = step, .unit = unit});
}

void JobContext::warning(const std::string& text) const { send({.kind = JobEvent::Kind::Warning, .text = text}); }

void JobContext::artifact(const std::string& kind, const std::string& path) const {
    send({.kind = JobEvent::Kind::Artifact, .text = kind, .path = path});
}

bool JobContext::isCancelRequested() const noexcept {
    return m_shared->cancel.load(std::memory_order_relaxed);
}

void JobContext::checkCancel() const {
    if (isCancelRequested())
        throw CancelledError();
}

void JobContext::requestCancel() const noexcept {
    m_shared->cancel.store(true, std::memory_order_relaxed);
}

JobContext JobContext::slice(double from, double to) const {
    JobContext c(*this);
    const double span = m_hi - m_lo;
    c.m_lo = m_lo + span * std::clamp(from, 0.0, 1.0);
    c.m_hi = m_lo + span * std::clamp(to, 0.0, 1.0);
    return c;
}

const JobContext& JobContext::none() {
    static const JobContext kNone;
    return kNone;
}

} // namespace slim
