#pragma once
/// @file task_data.h
/// Zero-shot multiple-choice tasks read from JSONL files in the field layout of the public Hugging
/// Face datasets (one JSON object per line), turned into requests with lm-evaluation-harness's
/// prompts (lm_eval/tasks/<task>/*.yaml and utils.py; target delimiter " ").
///
/// | task            | dataset (HF)                       | fields used                                                  |
/// |-----------------|------------------------------------|--------------------------------------------------------------|
/// | hellaswag       | Rowan/hellaswag                    | activity_label, ctx_a, ctx_b, endings[4], label ("0".."3")   |
/// | arc_easy        | allenai/ai2_arc ARC-Easy           | question, choices{text[], label[]}, answerKey                |
/// | arc_challenge   | allenai/ai2_arc ARC-Challenge      | question, choices{text[], label[]}, answerKey                |
/// | piqa            | ybisk/piqa                         | goal, sol1, sol2, label (0/1)                                |
/// | openbookqa      | allenai/openbookqa (main)          | question_stem, choices{text[], label[]}, answerKey           |
/// | boolq           | super_glue boolq / google/boolq    | passage, question, label (0/1) or answer (true/false)        |
/// | winogrande      | allenai/winogrande (winogrande_xl) | sentence (one "_"), option1, option2, answer ("1"/"2")       |
/// | truthfulqa_mc2  | truthfulqa/truthful_qa (multiple_choice) | question, mc2_targets{choices[], labels[] (1 = true)}  |
///
/// Prompts: hellaswag "{activity_label}: {ctx_a} {Ctx_b}" cleaned as the harness's preprocess
/// (strip, " [title]" → ". ", "[...]" removed, double spaces collapsed; Ctx_b = str.capitalize,
/// ASCII case mapping) with the cleaned endings as choices; arc "Question: {question}\nAnswer:";
/// piqa "Question: {goal}\nAnswer:"; openbookqa "{question_stem}"; boolq
/// "{passage}\nQuestion: {question}?\nAnswer:" with choices "no", "yes"; winogrande: partial
/// evaluation — one context per option (the sentence up to "_" with the option filled in) and the
/// shared continuation " " + the rest of the sentence after "_" (stripped); truthfulqa_mc2: the
/// harness's fixed six-question QA prompt, then "\n\nQ: {question}\nA:".
/// Every choice is scored as the continuation " " + choice.
/// Metrics: acc for all; acc_norm (loglikelihood / characters of the choice) for hellaswag, arc_*,
/// piqa, openbookqa; mc2 (normalised probability mass on the true answers) for truthfulqa_mc2.
/// Errors (not JSON, missing or mistyped field, label out of range, no "_" in a winogrande
/// sentence) are FormatError naming the file, the line and the rule.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace slim::eval {

struct McDoc {
    /// One context for all choices, or (winogrande) one per choice.
    std::vector<std::string> contexts;
    /// The scored continuations (" " + choice), or (winogrande) one shared continuation.
    std::vector<std::string> continuations;
    /// The choice strings without the delimiter (for acc_norm's length).
    std::vector<std::string> choices;
    int gold = 0;                       ///< index of the right choice (mc2: unused)
    std::vector<int> labels;            ///< truthfulqa_mc2: 1 = true answer, per choice
    int64_t line = 0;                   ///< 1-based line in the file
    size_t numChoices() const { return choices.size(); }
    /// Context and continuation of choice i.
    const std::string& contextOf(size_t i) const { return contexts.size() == 1 ? contexts[0] : contexts[i]; }
    const std::string& continuationOf(size_t i) const { return continuations.size() == 1 ? continuations[0] : continuations[i]; }
};

struct McTask {
    std::string name;                   ///< "hellaswag", ...
    std::filesystem::path file;
    std::vector<McDoc> docs;
    bool hasAccNorm = false;
    bool isMc2 = false;
};

/// The task names loadMcTask understands.
const std::vector<std::string>& multipleChoiceTasks();
bool isMultipleChoiceTask(const std::string& name);
/// Read `file` (JSONL) as task `name`; at most `limit` documents (-1 = all).  Blank lines are skipped.
McTask loadMcTask(const std::string& name, const std::filesystem::path& file, int64_t limit = -1);
/// The harness's hellaswag preprocess (exposed for tests).
std::string hellaswagPreprocess(const std::string& text);

} // namespace slim::eval
