// libFuzzer target: the GGUF reader and the GGUF tokenizer built from it.
#include "fuzz_common.h"

#include "core/io/gguf_reader.h"
#include "core/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto& path = slimfuzz::scratch("vocab.gguf");
    slimfuzz::writeInput(path, data, size);
    try {
        (void)slim::io::GgufFile::open(path);
    } catch (const slim::Error&) {
    }
    try {
        const auto tok = slim::tok::Tokenizer::fromGguf(path);
        const auto ids = tok.encode("Hello world, 12 345 üñí", true);
        (void)tok.decode(ids);
    } catch (const slim::Error&) {
    }
    return 0;
}
