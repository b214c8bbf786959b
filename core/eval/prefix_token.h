#pragma once
/// @file prefix_token.h
/// The token put in front of a text when a convention needs one, taken from the model's tokenizer
/// and never assumed (Llama-2's BOS is 1, Llama-3's 128000; Qwen2-Instruct tokenizers have no BOS).
///
/// lm-evaluation-harness (HFLM.prefix_token_id, lm_eval/models/huggingface.py): the tokenizer's BOS
/// token, else its EOS / end-of-text token.  The model's config.json bos_token_id is not consulted
/// (Qwen2's config names a BOS that its tokenizer does not have).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace slim::tok {
class Tokenizer;
}

namespace slim::eval {

/// No token chosen yet: the options structs start with this and the scorers refuse it.
inline constexpr int64_t kNoPrefixToken = -1;

struct PrefixToken {
    int64_t id = kNoPrefixToken;
    std::string token; ///< its vocabulary string ("<s>", "<|endoftext|>")
    std::string rule;  ///< "tokenizer BOS" or "tokenizer EOS (the tokenizer has no BOS)"
    nlohmann::json toJson() const { return {{"id", id}, {"token", token}, {"rule", rule}}; }
};

/// lm-eval's rule (see the file comment).  ConfigError naming the tokenizer file when it has neither.
PrefixToken prefixToken(const tok::Tokenizer& tokenizer);

/// Whether encoding with special tokens puts the BOS first (llama.cpp's llama_vocab_get_add_bos):
/// the llama.cpp perplexity convention writes BOS over each chunk's first token only then.
bool tokenizerAddsBos(const tok::Tokenizer& tokenizer);

/// ConfigError "<what>: no prefix token set" when id is kNoPrefixToken (a caller forgot prefixToken()).
void requirePrefixToken(int64_t id, const char* what);

} // namespace slim::eval
