#include "core/eval/prefix_token.h"

#include "core/common/errors.h"
#include "core/tokenizer/tokenizer.h"

namespace slim::eval {

PrefixToken prefixToken(const tok::Tokenizer& tokenizer) {
    PrefixToken p;
    if (auto bos = tokenizer.bosId()) {
        p.id = *bos;
        p.rule = "tokenizer BOS";
    } else if (auto eos = tokenizer.eosId()) {
        p.id = *eos;
        p.rule = "tokenizer EOS (the tokenizer has no BOS)";
    } else {
        throw ConfigError(tokenizer.source() +
                          ": the tokenizer names neither a BOS nor an EOS token, and the evaluation needs one "
                          "in front of each document (name bos_token or eos_token in tokenizer_config.json)");
    }
    p.token = tokenizer.idToToken(static_cast<int32_t>(p.id));
    return p;
}

bool tokenizerAddsBos(const tok::Tokenizer& tokenizer) {
    const auto bos = tokenizer.bosId();
    if (!bos)
        return false;
    const auto ids = tokenizer.encode("a", /*addSpecialTokens=*/true);
    return !ids.empty() && ids.front() == *bos;
}

void requirePrefixToken(int64_t id, const char* what) {
    if (id == kNoPrefixToken)
        throw ConfigError(std::string(what) +
                          ": no prefix token set (take it from the tokenizer with eval::prefixToken)");
    if (id < 0)
        throw ConfigError(std::string(what) + ": prefix token id " + std::to_string(id) + " is negative");
}

} // namespace slim::eval
