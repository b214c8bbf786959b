#include "core/cpu/huge_pages.h"

#include <ATen/ATen.h>

#include <malloc.h>
#include <unistd.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace slim::cpu {

void adviseHugePages(void* p, size_t bytes) {
    constexpr uintptr_t kHuge = uintptr_t(2) << 20;
    const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
    const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
    if (end > begin)
        (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

at::Tensor emptyInHugePages(at::IntArrayRef sizes, at::ScalarType dtype) {
    at::Tensor t = at::empty(sizes, at::TensorOptions().dtype(dtype).device(at::kCPU));
    adviseHugePages(t.data_ptr(), t.nbytes());
    return t;
}

void passiveOpenMpWait(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") || !argv || !argv[0])
        return;
    // The executable's own path, so that the process keeps its name (exec of /proc/self/exe would show
    // it as "exe" in ps, top and killall).
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return;
    self[n] = '\0';
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv(self, argv);   // returns only on failure: carry on with libgomp's default
}

std::string openMpWaitPolicy() {
    const char* p = std::getenv("OMP_WAIT_POLICY");
    return p ? p : "";
}

void configureAllocator() {
#if defined(__GLIBC__)
    (void)::mallopt(M_MMAP_THRESHOLD, 4 << 20);
    (void)::mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

} // namespace slim::cpu
