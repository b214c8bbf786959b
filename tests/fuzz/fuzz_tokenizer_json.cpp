// libFuzzer target: tokenizer.json (models, pre-tokenizers, normalizers, post-processors, added
// tokens) and encoding / decoding with whatever it accepts.
#include "fuzz_common.h"

#include "core/tokenizer/tokenizer.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const auto tok = slim::tok::Tokenizer::fromJsonText(std::string_view(reinterpret_cast<const char*>(data), size));
        for (std::string_view text : {std::string_view("The quick brown fox."), std::string_view("  a\tb\n\n<s> ü 12")}) {
            const auto ids = tok.encode(text, true);
            (void)tok.decode(ids);
        }
    } catch (const slim::Error&) {
    }
    return 0;
}
