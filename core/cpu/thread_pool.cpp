#include "core/cpu/thread_pool.h"

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SLIM_CPU_RELAX() _mm_pause()
#else
#define SLIM_CPU_RELAX() std::this_thread::yield()
#endif

namespace slim::cpu {

int availableCores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return std::max(1, CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

ThreadPool::ThreadPool(int threads) {
    if (threads <= 0) {
        threads = availableCores();
        if (const char* env = std::getenv("SLIMBENCH_THREADS")) {
            const int v = std::atoi(env);
            if (v > 0)
                threads = v;
        }
    }
    m_threads = std::max(1, threads);
    for (int i = 1; i < m_threads; ++i)
        m_workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
    m_stop.store(true);
    m_generation.fetch_add(1);
    m_generation.notify_all();
    for (auto& t : m_workers)
        t.join();
}

ThreadPool& ThreadPool::global() {
    static ThreadPool pool;
    return pool;
}

void ThreadPool::workerLoop() {
    uint64_t seen = 0;
    for (;;) {
        // Bounded spin, then sleep in the kernel until the generation changes.
        const auto spinUntil = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
        uint64_t g = m_generation.load(std::memory_order_acquire);
        while (g == seen) {
            for (int i = 0; i < 64 && g == seen; ++i) {
                SLIM_CPU_RELAX();
                g = m_generation.load(std::memory_order_acquire);
            }
            if (g == seen && std::chrono::steady_clock::now() > spinUntil) {
                m_generation.wait(seen, std::memory_order_acquire);
                g = m_generation.load(std::memory_order_acquire);
            }
        }
        seen = g;
        if (m_stop.load())
            return;
        runChunks();
        m_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
}

void ThreadPool::runChunks() {
    for (;;) {
        const int64_t c = m_next.fetch_add(1, std::memory_order_relaxed);
        const int64_t begin = c * m_chunk;
        if (begin >= m_n)
            return;
        (*m_fn)(begin, std::min(m_n, begin + m_chunk));
    }
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0)
        return;
    grain = std::max<int64_t>(1, grain);
    const int64_t units = (n + grain - 1) / grain;
    if (m_threads <= 1 || units <= 1) {
        fn(0, n);
        return;
    }
    std::lock_guard lock(m_submit);
    m_fn = &fn;
    m_n = n;
    // About four chunks per thread, claimed as the threads come: a worker that wakes late or a core
    // that a neighbour slows down takes fewer, and nobody waits on a fixed half.
    m_chunk = std::max<int64_t>(1, units / (4 * int64_t(m_threads))) * grain;
    m_next.store(0, std::memory_order_relaxed);
    m_pending.store(int(m_workers.size()), std::memory_order_release);
    m_generation.fetch_add(1, std::memory_order_acq_rel);
    m_generation.notify_all();
    runChunks();
    while (m_pending.load(std::memory_order_acquire) != 0)
        SLIM_CPU_RELAX();
    m_fn = nullptr;
}

} // namespace slim::cpu
