#include "core/common/job_context.h"

#include "core/common/errors.h"

#include <algorithm>

namespace slim {

JobContext::JobContext() : m_shared(std::make_shared<Shared>()) {}

JobContext::JobContext(Sink sink) : m_shared(std::make_shared<Shared>()) {
    m_shared->sink = std::move(sink);
}

void JobContext::setProgress(double fraction) const {
    if (!m_shared->sink)
        return;
    const double f = std::clamp(fraction, 0.0, 1.0);
    m_shared->sink(m_lo + (m_hi - m_lo) * f, std::string());
}

void JobContext::setStatus(const std::string& text) const {
    if (m_shared->sink)
        m_shared->sink(-1.0, text);
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
