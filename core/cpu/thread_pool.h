#pragma once
/// @file thread_pool.h
/// The CPU kernels' workers.  Batch-1 decode calls ~150 small matrix-vector products per token, each a
/// few hundred microseconds; a pool that parks its workers in the kernel (futex) between calls pays a
/// wake-up per product, one that spins forever burns the cores LibTorch's own ops and the GUI need
/// (the OpenMP spin-waits of issue #13's profile).  This pool spins for a bounded time after each job —
/// long enough to span the elementwise ops between two projections of one token — and then sleeps on
/// a futex (std::atomic::wait), so an idle process costs no CPU.
///
/// One job at a time (callers serialise through a mutex); the calling thread takes part, so `threads()`
/// counts it.  Work is cut into about four contiguous chunks per thread, claimed from an atomic counter
/// as threads arrive (a late-waking worker or a core slowed by a neighbour takes fewer).

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slim::cpu {

class ThreadPool {
public:
    /// `threads` including the caller; 0 = the cores this process may run on (sched_getaffinity), or
    /// SLIMBENCH_THREADS when set.
    explicit ThreadPool(int threads = 0);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return m_threads; }
    /// Run fn(begin, end) over [0, n) in contiguous chunks of whole multiples of `grain` (the last takes
    /// the remainder); a thread may run several.  Returns when every chunk is done.  Exceptions must not
    /// escape fn (kernels do not throw).
    void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

    /// The process-wide pool of the CPU kernels.
    static ThreadPool& global();
    /// How long a worker spins after a job before sleeping (microseconds).
    static constexpr int kSpinMicros = 200;

private:
    void workerLoop();
    void runChunks();
    int m_threads = 1;
    std::vector<std::thread> m_workers;
    std::mutex m_submit;
    std::atomic<uint64_t> m_generation{0};
    std::atomic<int> m_pending{0};
    std::atomic<int64_t> m_next{0};
    std::atomic<bool> m_stop{false};
    // The current job (valid while m_pending > 0).
    const std::function<void(int64_t, int64_t)>* m_fn = nullptr;
    int64_t m_n = 0, m_chunk = 0;
};

/// Cores this process may run on (sched_getaffinity; hardware_concurrency as a fallback).
int availableCores();

} // namespace slim::cpu
