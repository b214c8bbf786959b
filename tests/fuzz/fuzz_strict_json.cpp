// libFuzzer target: the strict JSON reader every config / pipeline / index file goes through
// (valid UTF-8, no duplicate keys, bounded depth).
#include "fuzz_common.h"

#include "core/io/strict_json.h"

#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        (void)slim::io::parseJsonStrict(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    } catch (const slim::Error&) {
    }
    return 0;
}
