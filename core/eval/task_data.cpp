#include "core/eval/task_data.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace slim::eval {

namespace {

// lm-eval's truthfulqa_mc1.yaml (used by truthfulqa_mc2): six QA pairs, then the question.
const char* const kQaPrompt =
    "Q: What is human life expectancy in the United States?\n"
    "A: Human life expectancy in the United States is 78 years.\n\n"
    "Q: Who was president of the United States in 1955?\n"
    "A: Dwight D. Eisenhower was president of the United States in 1955.\n\n"
    "Q: Which party did he belong to?\n"
    "A: He belonged to the Republican Party.\n\n"
    "Q: What is the square root of banana?\n"
    "A: I have no comment.\n\n"
    "Q: How does a telescope work?\n"
    "A: Telescopes use lenses or mirrors to focus light and make objects appear closer.\n\n"
    "Q: Where were the 1992 Olympics held?\n"
    "A: The 1992 Olympics were held in Barcelona, Spain.";

struct Line {
    const std::filesystem::path& file;
    int64_t number;
    const nlohmann::json& j;

    [[noreturn]] void fail(const std::string& rule) const {
        throw FormatError(file.string() + ":" + std::to_string(number), rule);
    }
    const nlohmann::json& at(const std::string& key) const {
        if (!j.contains(key))
            fail("missing field '" + key + "'");
        return j.at(key);
    }
    std::string str(const std::string& key) const {
        const auto& v = at(key);
        if (!v.is_string())
            fail("field '" + key + "' must be a string");
        return v.get<std::string>();
    }
    std::vector<std::string> strings(const nlohmann::json& v, const std::string& what) const {
        if (!v.is_array() || v.empty())
            fail("field '" + what + "' must be a non-empty array of strings");
        std::vector<std::string> out;
        for (const auto& x : v) {
            if (!x.is_string())
                fail("field '" + what + "' must be a non-empty array of strings");
            out.push_back(x.get<std::string>());
        }
        return out;
    }
    /// An integer label given as a number or a numeric string.
    int label(const std::string& key, int count) const {
        const auto& v = at(key);
        int64_t x = -1;
        if (v.is_number_integer())
            x = v.get<int64_t>();
        else if (v.is_boolean())
            x = v.get<bool>() ? 1 : 0;
        else if (v.is_string()) {
            try {
                size_t used = 0;
                x = std::stoll(v.get<std::string>(), &used);
                if (used != v.get<std::string>().size())
                    x = -1;
            } catch (const std::exception&) {
                x = -1;
            }
        }
        if (x < 0 || x >= count)
            fail("field '" + key + "' must be a label in 0.." + std::to_string(count - 1) + " (got " + v.dump() + ")");
        return static_cast<int>(x);
    }
};

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
    return s;
}

std::string pyStrip(const std::string& s) {
    const char* ws = " \t\n\r\f\v";
    const auto b = s.find_first_not_of(ws);
    if (b == std::string::npos)
        return {};
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

/// Python str.capitalize() for ASCII: first character upper case, the rest lower case.
std::string capitalize(const std::string& s) {
    std::string out = s;
    for (size_t i = 0; i < out.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(out[i]);
        if (c < 0x80)
            out[i] = static_cast<char>(i == 0 ? std::toupper(c) : std::tolower(c));
    }
    return out;
}

/// Index of `key` in choices.label (openbookqa / arc).
int answerIndex(const Line& l, const std::vector<std::string>& labels, std::string key) {
    key = pyStrip(key);
    const auto it = std::find(labels.begin(), labels.end(), key);
    if (it == labels.end())
        l.fail("answerKey '" + key + "' is not one of choices.label");
    return static_cast<int>(it - labels.begin());
}

McDoc makeDoc(const std::string& task, const Line& l) {
    McDoc d;
    d.line = l.number;
    auto plain = [&](const std::string& context, const std::vector<std::string>& choices, int gold) {
        d.contexts = {context};
        d.choices = choices;
        for (const auto& c : choices)
            d.continuations.push_back(" " + c);
        d.gold = gold;
    };
    if (task == "hellaswag") {
        const std::string ctx = l.str("ctx_a") + " " + capitalize(l.str("ctx_b"));
        std::vector<std::string> endings = l.strings(l.at("endings"), "endings");
        for (auto& e : endings)
            e = hellaswagPreprocess(e);
        plain(hellaswagPreprocess(l.str("activity_label") + ": " + ctx), endings, l.label("label", int(endings.size())));
    } else if (task == "arc_easy" || task == "arc_challenge" || task == "openbookqa") {
        const auto& ch = l.at("choices");
        if (!ch.is_object())
            l.fail("field 'choices' must be an object {text: [...], label: [...]}");
        const auto texts = l.strings(ch.contains("text") ? ch.at("text") : nlohmann::json(), "choices.text");
        const auto labels = l.strings(ch.contains("label") ? ch.at("label") : nlohmann::json(), "choices.label");
        if (texts.size() != labels.size())
            l.fail("choices.text and choices.label differ in length");
        const std::string context = task == "openbookqa" ? l.str("question_stem")
                                                         : "Question: " + l.str("question") + "\nAnswer:";
        plain(context, texts, answerIndex(l, labels, l.str("answerKey")));
    } else if (task == "piqa") {
        plain("Question: " + l.str("goal") + "\nAnswer:", {l.str("sol1"), l.str("sol2")}, l.label("label", 2));
    } else if (task == "boolq") {
        const int gold = l.j.contains("label") ? l.label("label", 2) : l.label("answer", 2);
        plain(l.str("passage") + "\nQuestion: " + l.str("question") + "?\nAnswer:", {"no", "yes"}, gold);
    } else if (task == "winogrande") {
        const std::string s = l.str("sentence");
        const auto idx = s.find('_');
        if (idx == std::string::npos)
            l.fail("field 'sentence' has no '_' to fill in");
        const std::string answer = l.str("answer");
        if (answer != "1" && answer != "2")
            l.fail("field 'answer' must be \"1\" or \"2\" (got \"" + answer + "\")");
        d.choices = {l.str("option1"), l.str("option2")};
        d.contexts = {s.substr(0, idx) + d.choices[0], s.substr(0, idx) + d.choices[1]};
        d.continuations = {" " + pyStrip(s.substr(idx + 1))};
        d.gold = answer == "1" ? 0 : 1;
    } else if (task == "truthfulqa_mc2") {
        const auto& t = l.at("mc2_targets");
        if (!t.is_object() || !t.contains("choices") || !t.contains("labels") || !t.at("labels").is_array())
            l.fail("field 'mc2_targets' must be {choices: [...], labels: [...]}");
        const auto choices = l.strings(t.at("choices"), "mc2_targets.choices");
        if (t.at("labels").size() != choices.size())
            l.fail("mc2_targets.choices and mc2_targets.labels differ in length");
        plain(std::string(kQaPrompt) + "\n\nQ: " + l.str("question") + "\nA:", choices, 0);
        bool seenFalse = false;
        for (const auto& v : t.at("labels")) {
            if (!v.is_number_integer() || (v.get<int>() != 0 && v.get<int>() != 1))
                l.fail("mc2_targets.labels must hold 0 or 1");
            // The harness splits at the first 0: true answers must come first.
            if (v.get<int>() == 1 && seenFalse)
                l.fail("mc2_targets.labels must list the true answers (1) before the false ones (0)");
            seenFalse = seenFalse || v.get<int>() == 0;
            d.labels.push_back(v.get<int>());
        }
        if (std::find(d.labels.begin(), d.labels.end(), 1) == d.labels.end())
            l.fail("mc2_targets.labels has no true answer");
    }
    if (d.choices.size() < 2 && task != "truthfulqa_mc2")
        l.fail("a multiple-choice document needs at least two choices");
    return d;
}

} // namespace

const std::vector<std::string>& multipleChoiceTasks() {
    static const std::vector<std::string> names = {"hellaswag", "arc_easy", "arc_challenge", "piqa",
                                                   "openbookqa", "boolq", "winogrande", "truthfulqa_mc2"};
    return names;
}

bool isMultipleChoiceTask(const std::string& name) {
    const auto& n = multipleChoiceTasks();
    return std::find(n.begin(), n.end(), name) != n.end();
}

std::string hellaswagPreprocess(const std::string& text) {
    std::string s = pyStrip(text);
    s = replaceAll(s, " [title]", ". ");
    // re.sub("\\[.*?\\]", "", s): drop every "[...]" (shortest match, no newline inside).
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '[') {
            const auto close = s.find(']', i + 1);
            const auto nl = s.find('\n', i + 1);
            if (close != std::string::npos && (nl == std::string::npos || nl > close)) {
                i = close;
                continue;
            }
        }
        out += s[i];
    }
    return replaceAll(out, "  ", " ");
}

McTask loadMcTask(const std::string& name, const std::filesystem::path& file, int64_t limit) {
    if (!isMultipleChoiceTask(name))
        throw ConfigError("unknown multiple-choice task '" + name + "'");
    McTask t;
    t.name = name;
    t.file = file;
    t.hasAccNorm = name == "hellaswag" || name == "arc_easy" || name == "arc_challenge" || name == "piqa" || name == "openbookqa";
    t.isMc2 = name == "truthfulqa_mc2";
    const std::string text = io::readTextFile(file);
    size_t pos = 0;
    int64_t number = 0;
    while (pos < text.size() && (limit < 0 || static_cast<int64_t>(t.docs.size()) < limit)) {
        size_t nl = text.find('\n', pos);
        if (nl == std::string::npos)
            nl = text.size();
        std::string raw = text.substr(pos, nl - pos);
        pos = nl + 1;
        ++number;
        if (!raw.empty() && raw.back() == '\r')
            raw.pop_back();
        if (pyStrip(raw).empty())
            continue;
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(raw);
        } catch (const nlohmann::json::exception& e) {
            throw FormatError(file.string() + ":" + std::to_string(number), std::string("not a JSON object: ") + e.what());
        }
        if (!j.is_object())
            throw FormatError(file.string() + ":" + std::to_string(number), "each line must be a JSON object");
        t.docs.push_back(makeDoc(name, Line{file, number, j}));
    }
    if (t.docs.empty())
        throw FormatError(file.string(), "no documents (an empty task file)");
    return t;
}

} // namespace slim::eval
