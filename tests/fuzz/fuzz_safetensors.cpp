// libFuzzer target: the safetensors reader (header JSON, offsets, dtypes, shapes) and loading every
// tensor it accepts.
#include "fuzz_common.h"

#include "core/io/safetensors.h"

#include <ATen/ATen.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& path = slimfuzz::scratch("model.safetensors");
    slimfuzz::writeInput(path, data, size);
    try {
        const auto file = slim::io::SafetensorsFile::open(path);
        for (const auto& info : file->tensors()) {
            const at::Tensor t = file->load(info);
            (void)t.numel();
        }
    } catch (const slim::Error&) {
    }
    return 0;
}
