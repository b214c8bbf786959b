// slimbench-cli eval and kl: quality of a model as result records.
//
//   eval MODEL_DIR --task SPEC [--task SPEC ...] [--db PATH] [--notes TEXT] [--json] [--device ...] [--dtype ...]
//     SPEC = NAME:FILE[:key=value,key=value,flag]
//       ppl:FILE            token perplexity, GPTQ style (context=2048, max-tokens=-1, stride=-1, bos, batch=B)
//       wikitext:FILE       lm-eval style word / byte perplexity and bits per byte over the articles of a
//                           WikiText raw file (max-length=<max_position_embeddings>, whole (the file is one
//                           document), documents=N (the first N articles), no-detokenize, batch=B)
//       ppl-llamacpp:FILE   llama.cpp style (context=512, chunks=-1, batch=B)
//       hellaswag|arc_easy|arc_challenge|piqa|openbookqa|boolq|winogrande|truthfulqa_mc2:FILE.jsonl
//                           zero-shot multiple choice, lm-eval semantics (limit=N, batch=B, bos, max-length=N);
//                           the JSONL field layout per task is documented in core/eval/task_data.h
//   kl BASE_DIR VARIANT_DIR --text FILE [--context N] [--max-tokens M] [--bos-per-window] [--batch B]
//      [--variant-dtype D]   (the base uses --dtype)
//
// Every task result states its convention and every setting, the file's SHA-256, time, speed and
// peak memory, so that numbers measured differently are never compared by accident.
#include "app/cli/commands.h"
#include "app/cli/records.h"

#include "core/analysis/file_hash.h"
#include "core/common/errors.h"
#include "core/eval/device_memory.h"
#include "core/eval/kl_divergence.h"
#include "core/eval/multiple_choice.h"
#include "core/eval/perplexity.h"
#include "core/eval/prefix_token.h"
#include "core/eval/wikitext.h"
#include "core/io/atomic_file.h"
#include "core/model/llama_model.h"
#include "core/results/fingerprint.h"
#include "core/tokenizer/tokenizer.h"

#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace slim::cli {

namespace {

struct TaskSpec {
    std::string name, file;
    std::map<std::string, std::string> options;   // flags map to ""
    std::string text;                              // as given
};

TaskSpec parseTaskSpec(const std::string& spec) {
    TaskSpec t;
    t.text = spec;
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size())
        throw ConfigError("--task '" + spec + "': expected NAME:FILE[:options], e.g. ppl:wiki.test.raw:context=2048");
    t.name = spec.substr(0, colon);
    std::string rest = spec.substr(colon + 1);
    // Options follow the LAST colon when that part looks like options (k=v or known flags), so
    // that a file name may contain colons.
    const auto last = rest.rfind(':');
    if (last != std::string::npos) {
        const std::string opts = rest.substr(last + 1);
        static const std::set<std::string> flags = {"bos", "whole", "no-detokenize"};
        bool looksLikeOptions = !opts.empty();
        std::stringstream ss(opts);
        std::string item;
        while (std::getline(ss, item, ','))
            if (item.find('=') == std::string::npos && !flags.count(item))
                looksLikeOptions = false;
        if (looksLikeOptions) {
            std::stringstream s2(opts);
            while (std::getline(s2, item, ',')) {
                const auto eq = item.find('=');
                t.options[item.substr(0, eq)] = eq == std::string::npos ? "" : item.substr(eq + 1);
            }
            rest = rest.substr(0, last);
        }
    }
    t.file = rest;
    return t;
}

int64_t optInt(const TaskSpec& t, const std::string& key, int64_t def) {
    auto it = t.options.find(key);
    if (it == t.options.end())
        return def;
    try {
        size_t used = 0;
        const long long v = std::stoll(it->second, &used);
        if (used != it->second.size())
            throw std::invalid_argument("trailing");
        return v;
    } catch (const std::exception&) {
        throw ConfigError("--task '" + t.text + "': option " + key + "=" + it->second + " is not an integer");
    }
}

void allowOptions(const TaskSpec& t, const std::set<std::string>& known) {
    for (const auto& [k, v] : t.options)
        if (!known.count(k)) {
            std::string list;
            for (const auto& n : known)
                list += (list.empty() ? "" : ", ") + n;
            throw ConfigError("--task '" + t.text + "': unknown option '" + k + "' for " + t.name + " (known: " + list + ")");
        }
}

nlohmann::json metric(double value, double stderr_, const char* unit = "") {
    nlohmann::json m = {{"value", value}, {"stderr", stderr_}};
    if (*unit)
        m["unit"] = unit;
    return m;
}

nlohmann::json runTask(const TaskSpec& t, const model::LlamaModel& m, const tok::Tokenizer& tok, const JobContext& ctx) {
    const std::string text = io::readTextFile(t.file);
    nlohmann::json r = {{"task", t.name}, {"file", t.file}, {"file_sha256", analysis::sha256Hex(text)}};
    // lm-eval's prefix token: the tokenizer's BOS, else its EOS (never a guessed id); each record
    // says which token was used.  Only the conventions that put a token in front ask for it.
    auto prefix = [&tok] { return eval::prefixToken(tok); };
    eval::resetPeakMemory(m.device());
    if (t.name == "ppl") {
        allowOptions(t, {"context", "max-tokens", "stride", "bos", "batch"});
        eval::TokenPerplexityOptions o;
        o.context = optInt(t, "context", 2048);
        o.maxTokens = optInt(t, "max-tokens", -1);
        o.stride = optInt(t, "stride", -1);
        o.bosPerWindow = t.options.count("bos") != 0;
        if (o.bosPerWindow) {
            const auto p = prefix();
            o.bosId = p.id;
            r["prefix_token"] = p.toJson();
        }
        o.batchSize = optInt(t, "batch", -1);
        ctx.setStatus("ppl: tokenizing " + t.file);
        const auto stream = tok.encode(text, false);
        const auto p = eval::tokenPerplexity(m, stream, o, ctx);
        r["convention"] = "token-gptq";
        r["settings"] = {{"context", o.context}, {"max_tokens", o.maxTokens}, {"stride", o.stride},
                         {"bos_per_window", o.bosPerWindow}, {"text_tokens", stream.size()},
                         {"tokenization", "whole file once, no special tokens"}};
        r["metrics"] = {{"ppl", metric(p.ppl, p.pplStderr)}, {"nll_per_token", metric(p.nllSum / double(p.tokens), p.nllStderr, "nats")}};
        r["tokens"] = p.tokens;
        r["windows"] = p.windows;
        r["seconds"] = p.seconds;
        r["tokens_per_s"] = p.tokensPerS;
    } else if (t.name == "ppl-llamacpp") {
        allowOptions(t, {"context", "chunks", "batch"});
        eval::LlamaCppPerplexityOptions o;
        o.context = optInt(t, "context", 512);
        o.maxChunks = optInt(t, "chunks", -1);
        o.batchSize = optInt(t, "batch", -1);
        // llama.cpp writes BOS over each chunk's first token only when the vocabulary adds one.
        o.addBos = eval::tokenizerAddsBos(tok);
        if (o.addBos) {
            o.bosId = *tok.bosId();
            r["prefix_token"] = {{"id", o.bosId}, {"token", tok.idToToken(static_cast<int32_t>(o.bosId))},
                                 {"rule", "tokenizer BOS (the tokenizer adds it)"}};
        } else {
            r["prefix_token"] = nullptr;
        }
        ctx.setStatus("ppl-llamacpp: tokenizing " + t.file);
        const auto stream = tok.encode(text, false);
        const auto p = eval::llamaCppPerplexity(m, stream, o, ctx);
        r["convention"] = "llama.cpp";
        r["settings"] = {{"context", o.context}, {"chunks", p.windows}, {"bos_per_chunk", o.addBos},
                         {"scored", "second half of each chunk (positions n_ctx/2 .. n_ctx-2 predict the next token)"}};
        r["metrics"] = {{"ppl", metric(p.ppl, p.pplStderr)}, {"nll_per_token", metric(p.nllSum / double(p.tokens), p.nllStderr, "nats")}};
        r["tokens"] = p.tokens;
        r["windows"] = p.windows;
        r["seconds"] = p.seconds;
        r["tokens_per_s"] = p.tokensPerS;
    } else if (t.name == "wikitext") {
        allowOptions(t, {"max-length", "whole", "no-detokenize", "batch", "documents"});
        eval::WordPerplexityOptions o;
        o.rolling.maxLength = optInt(t, "max-length", m.config().maxPositionEmbeddings);
        const auto pt = prefix();
        o.rolling.prefixToken = pt.id;
        r["prefix_token"] = pt.toJson();
        o.rolling.batchSize = optInt(t, "batch", -1);
        o.detokenize = t.options.count("no-detokenize") == 0;
        const bool whole = t.options.count("whole") != 0;
        auto pages = whole ? std::vector<std::string>{text} : eval::splitWikitextDocuments(text);
        const int64_t maxDocs = optInt(t, "documents", -1);
        if (maxDocs > 0 && static_cast<int64_t>(pages.size()) > maxDocs)
            pages.resize(static_cast<size_t>(maxDocs));
        const auto p = eval::wordPerplexity(m, tok, pages, o, ctx);
        r["convention"] = "lm-eval";
        r["settings"] = {{"max_length", o.rolling.maxLength}, {"prefix_token", pt.id}, {"detokenize", o.detokenize},
                         {"documents", whole ? "the whole file" : "WikiText articles (wikitext_document_level)"},
                         {"document_count", pages.size()},
                         {"words", "len(re.split(r'\\s+', page)) of the original page"},
                         {"bytes", "UTF-8 bytes of the original page"}};
        // Standard errors are not defined for these corpus-level ratios (the harness prints N/A).
        r["metrics"] = {{"word_perplexity", {{"value", p.wordPerplexity}}},
                        {"byte_perplexity", {{"value", p.bytePerplexity}}},
                        {"bits_per_byte", {{"value", p.bitsPerByte}, {"unit", "bits"}}},
                        {"token_perplexity", {{"value", p.tokenPerplexity}}}};
        r["loglikelihood"] = p.loglikelihood;
        r["words"] = p.words;
        r["bytes"] = p.bytes;
        r["tokens"] = p.tokens;
        r["windows"] = p.windows;
        r["seconds"] = p.seconds;
        r["tokens_per_s"] = p.tokensPerS;
    } else if (eval::isMultipleChoiceTask(t.name)) {
        allowOptions(t, {"limit", "batch", "bos", "max-length"});
        const auto task = eval::loadMcTask(t.name, t.file, optInt(t, "limit", -1));
        eval::McOptions o;
        o.batchSize = optInt(t, "batch", -1);
        o.maxLength = optInt(t, "max-length", -1);
        o.bos = t.options.count("bos") != 0;
        const auto pt = prefix();
        o.bosId = pt.id;
        r["prefix_token"] = pt.toJson();
        const auto mc = eval::evaluateMultipleChoice(m, tok, task, o, ctx);
        r["convention"] = "lm-eval-mc";
        r["settings"] = {{"documents", mc.n}, {"shots", 0}, {"bos", o.bos},
                         {"max_length", o.maxLength > 0 ? o.maxLength : m.config().maxPositionEmbeddings},
                         {"target_delimiter", " "}, {"acc_norm_length", mc.lengthUnit},
                         {"prompt", "lm-evaluation-harness " + t.name + " (see core/eval/task_data.h)"}};
        nlohmann::json metrics = nlohmann::json::object();
        if (mc.isMc2) {
            metrics["mc2"] = metric(mc.mc2, mc.mc2Stderr);   // the harness names this value "acc"
        } else {
            metrics["acc"] = metric(mc.acc, mc.accStderr);
            if (mc.hasAccNorm)
                metrics["acc_norm"] = metric(mc.accNorm, mc.accNormStderr);
        }
        r["metrics"] = metrics;
        nlohmann::json docs = nlohmann::json::array();
        for (const auto& d : mc.docs)
            docs.push_back({{"loglikelihoods", d.loglikelihoods}, {"prediction", d.prediction},
                            {"prediction_norm", d.predictionNorm}, {"correct", d.accuracy}});
        r["documents"] = docs;
        r["tokens"] = mc.tokens;
        r["requests"] = mc.requests;
        r["seconds"] = mc.seconds;
        r["tokens_per_s"] = static_cast<double>(mc.tokens) / std::max(mc.seconds, 1e-9);
    } else {
        std::string known = "ppl, wikitext, ppl-llamacpp";
        for (const auto& n : eval::multipleChoiceTasks())
            known += ", " + n;
        throw ConfigError("--task '" + t.text + "': unknown task '" + t.name + "' (known: " + known + ")");
    }
    r["peak_memory_bytes"] = eval::peakMemoryBytes(m.device());
    r["peak_memory_kind"] = m.device().is_cuda() ? "CUDA caching allocator, peak allocated" : "process peak RSS";
    return r;
}

std::string summaryLine(const nlohmann::json& r) {
    std::ostringstream os;
    os << r.at("task").get<std::string>() << " (" << r.at("convention").get<std::string>() << "):";
    for (const auto& [name, m] : r.at("metrics").items()) {
        char buf[96];
        if (m.contains("stderr"))
            std::snprintf(buf, sizeof buf, " %s %.4f ± %.4f", name.c_str(), m.at("value").get<double>(), m.at("stderr").get<double>());
        else
            std::snprintf(buf, sizeof buf, " %s %.4f", name.c_str(), m.at("value").get<double>());
        os << buf;
    }
    char tail[96];
    std::snprintf(tail, sizeof tail, "  [%lld tokens, %.1f s, %.0f tok/s]\n", static_cast<long long>(r.at("tokens").get<int64_t>()),
                  r.at("seconds").get<double>(), r.at("tokens_per_s").get<double>());
    os << tail;
    return os.str();
}

} // namespace

int cmdEval(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly(withCommon({"task", "db", "notes", "pipeline"}));
    const std::string dir = a.positionalAt(0, "MODEL_DIR");
    const auto specs = a.getAll("task");
    if (specs.empty())
        throw ConfigError("eval needs at least one --task NAME:FILE (ppl, wikitext, ppl-llamacpp)");
    std::vector<TaskSpec> tasks;
    for (const auto& s : specs) {
        tasks.push_back(parseTaskSpec(s));
        io::readTextFile(tasks.back().file);   // fail early, naming the file, before loading the model
    }
    const auto tok = tok::Tokenizer::fromPath(dir);
    const auto model = loadModel(dir, a, out);
    JobContext ctx = out.jobContext();
    nlohmann::json results = nlohmann::json::array();
    std::vector<results::ResultRecord> records;
    for (size_t i = 0; i < tasks.size(); ++i) {
        const auto slice = ctx.slice(double(i) / double(tasks.size()), double(i + 1) / double(tasks.size()));
        slice.setStatus("task " + tasks[i].text);
        const auto& t = results.emplace_back(runTask(tasks[i], *model, tok, slice));
        out.text(summaryLine(t));
        auto rec = baseRecord("eval", t.at("task").get<std::string>(), dir, model->device());
        rec.convention = t.at("convention").get<std::string>();
        rec.settings = t.at("settings");
        rec.settings["file"] = t.at("file");
        rec.settings["file_sha256"] = t.at("file_sha256");
        rec.settings["dtype"] = dtypeName(model->dtype());
        rec.settings["device"] = deviceName(model->device());
        if (t.contains("prefix_token"))
            rec.settings["prefix_token"] = t.at("prefix_token");
        rec.metrics = metricsFromJson(t.at("metrics"));
        rec.memory = {{"weights_bytes", model->storageBytes()}, {"weights_stored_by_dtype", storedWeightBytes(dir)},
                      {"peak_bytes", t.at("peak_memory_bytes")}, {"peak_kind", t.at("peak_memory_kind")}};
        rec.speed = {{"tokens_per_s", t.at("tokens_per_s")}, {"tokens", t.at("tokens")}};
        rec.energy = {{"available", false}, {"reason", "energy is measured by slimbench-cli bench"}};
        rec.durationS = t.at("seconds").get<double>();
        rec.notes = a.get("notes", "");
        records.push_back(std::move(rec));
    }
    const auto ids = storeRecords(a, records, out);
    nlohmann::json r = {{"model", dir}, {"device", deviceName(model->device())}, {"dtype", dtypeName(model->dtype())},
                        {"tasks", results}, {"record_ids", ids}};
    if (out.json())
        out.result(r);
    return 0;
}

int cmdKl(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json", "bos-per-window"});
    a.allowOnly(withCommon({"text", "context", "max-tokens", "bos-per-window", "batch", "variant-dtype", "db", "notes", "pipeline"}));
    const std::string baseDir = a.positionalAt(0, "BASE_DIR");
    const std::string variantDir = a.positionalAt(1, "VARIANT_DIR");
    const auto file = a.get("text");
    if (!file)
        throw ConfigError("kl needs --text FILE");
    const std::string text = io::readTextFile(*file);
    const auto tok = tok::Tokenizer::fromPath(baseDir);
    const auto stream = tok.encode(text, false);
    JobContext ctx = out.jobContext();
    out.status("loading the base model");
    const auto base = loadModel(baseDir, a, out);
    out.status("loading the variant");
    // --variant-dtype: e.g. the same checkpoint in bf16 against fp32 (what rounding alone costs).
    std::vector<std::string> variantArgs = {variantDir};
    for (const char* k : {"device", "threads"})
        if (auto v = a.get(k))
            variantArgs.insert(variantArgs.end(), {std::string("--") + k, *v});
    if (auto v = a.get("variant-dtype").value_or(a.get("dtype", "auto")); !v.empty())
        variantArgs.insert(variantArgs.end(), {"--dtype", v});
    const auto variant = loadModel(variantDir, Args(variantArgs, {}), out);
    eval::KlOptions o;
    o.context = a.getInt("context", 512);
    o.maxTokens = a.getInt("max-tokens", -1);
    o.bosPerWindow = a.flag("bos-per-window");
    std::optional<eval::PrefixToken> klPrefix;
    if (o.bosPerWindow) {
        klPrefix = eval::prefixToken(tok);
        o.bosId = klPrefix->id;
    }
    o.batchSize = a.getInt("batch", -1);
    eval::resetPeakMemory(base->device());
    const auto k = eval::klDivergence(*base, *variant, stream, o, ctx);
    nlohmann::json r = {
        {"task", "kl"}, {"base", baseDir}, {"variant", variantDir}, {"file", *file},
        {"base_dtype", dtypeName(base->dtype())}, {"variant_dtype", dtypeName(variant->dtype())},
        {"file_sha256", analysis::sha256Hex(text)},
        {"settings", {{"context", o.context}, {"max_tokens", o.maxTokens}, {"bos_per_window", o.bosPerWindow},
                      {"windows", "disjoint, every position but the last predicts the next token"}}},
        {"metrics", {{"kl_mean", {{"value", k.meanKl}, {"stderr", k.klStderr}, {"unit", "nats"}}},
                     {"kl_median", {{"value", k.medianKl}, {"unit", "nats"}}},
                     {"kl_p99", {{"value", k.p99Kl}, {"unit", "nats"}}},
                     {"kl_max", {{"value", k.maxKl}, {"unit", "nats"}}},
                     {"top1_agreement", {{"value", k.top1Agreement}, {"stderr", k.top1Stderr}}},
                     {"delta_p_mean", {{"value", k.meanDeltaP}}},
                     {"delta_p_rms", {{"value", k.rmsDeltaP}}},
                     {"base_ppl", {{"value", k.basePpl}}},
                     {"variant_ppl", {{"value", k.variantPpl}}}}},
        {"tokens", k.tokens}, {"windows", k.windows}, {"seconds", k.seconds},
        {"device", deviceName(base->device())}, {"dtype", dtypeName(base->dtype())},
        {"peak_memory_bytes", eval::peakMemoryBytes(base->device())}};
    if (klPrefix)
        r["settings"]["prefix_token"] = klPrefix->toJson();
    auto rec = baseRecord("kl", "kl", variantDir, variant->device());
    rec.convention = "kl-base-variant";
    rec.settings = r.at("settings");
    rec.settings.update({{"base", baseDir}, {"base_fingerprint", results::modelFingerprint(baseDir)},
                         {"base_dtype", dtypeName(base->dtype())}, {"variant_dtype", dtypeName(variant->dtype())},
                         {"file", *file}, {"file_sha256", r.at("file_sha256")}});
    rec.metrics = metricsFromJson(r.at("metrics"));
    rec.memory = {{"peak_bytes", r.at("peak_memory_bytes")}, {"weights_bytes", variant->storageBytes()},
                  {"weights_stored_by_dtype", storedWeightBytes(variantDir)}};
    rec.speed = {{"tokens", k.tokens}};
    rec.energy = {{"available", false}, {"reason", "energy is measured by slimbench-cli bench"}};
    rec.durationS = k.seconds;
    rec.notes = a.get("notes", "");
    r["record_ids"] = storeRecords(a, {rec}, out);
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "KL(base||variant) mean %.6f ± %.6f nats (median %.6f, p99 %.6f, max %.4f); top-1 agreement %.2f %%; "
                  "mean dp %+.5f (rms %.5f); ppl %.4f -> %.4f over %lld tokens\n",
                  k.meanKl, k.klStderr, k.medianKl, k.p99Kl, k.maxKl, 100.0 * k.top1Agreement, k.meanDeltaP, k.rmsDeltaP,
                  k.basePpl, k.variantPpl, static_cast<long long>(k.tokens));
    out.text(buf);
    if (out.json())
        out.result(r);
    return 0;
}

} // namespace slim::cli
