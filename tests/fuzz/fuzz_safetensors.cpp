// libFuzzer target: the safetensors reader (header JSON, offsets, dtypes, shapes) and reading the
// bytes of every tensor it accepts.
#include "fuzz_common.h"

#include "core/io/safetensors.h"


extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& path = slimfuzz::scratch("model.safetensors");
    slimfuzz::writeInput(path, data, size);
    try {
        const auto file = slim::io::SafetensorsFile::open(path);
        unsigned sum = 0;
        for (const auto& info : file->tensors()) {
            const auto bytes = file->raw(info);
            if (static_cast<uint64_t>(info.numel()) * slim::io::traits(info.dtype).bits / 8 != bytes.size() &&
                slim::io::traits(info.dtype).bits % 8 == 0)
                __builtin_trap();   // an accepted entry whose byte size disagrees with its shape
            for (std::byte b : bytes)
                sum += static_cast<unsigned>(b);
        }
        (void)sum;
    } catch (const slim::Error&) {
    }
    return 0;
}
