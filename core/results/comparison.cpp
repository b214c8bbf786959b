#include "core/results/comparison.h"

#include "core/analysis/file_hash.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <sstream>

namespace slim::results {

using nlohmann::json;

namespace {

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

std::string num(double v, int digits = 4) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    return buf;
}

std::string str(const json& j, const char* key) {
    return j.is_object() && j.contains(key) && j.at(key).is_string() ? j.at(key).get<std::string>() : std::string();
}

std::optional<double> number(const json& j, const char* key) {
    if (j.is_object() && j.contains(key) && j.at(key).is_number())
        return j.at(key).get<double>();
    return std::nullopt;
}

/// The evaluation settings that make two numbers comparable: everything but where the file lies
/// (its hash stays) and how the model was loaded (dtype and device: the device is its own key).
json comparableSettings(const json& settings) {
    json s = settings.is_object() ? settings : json::object();
    for (const char* k : {"file", "dtype", "device", "statistic"})
        s.erase(k);
    return s;
}

/// A short description of one provenance step.
std::string stepText(const json& step) {
    const std::string cmd = str(step, "command");
    const json& s = step.contains("settings") ? step.at("settings") : json::object();
    std::ostringstream os;
    if (cmd == "prune depth") {
        os << "prune-depth";
        if (s.contains("removed_layers") && s.at("removed_layers").is_array()) {
            os << " (layers";
            for (const auto& l : s.at("removed_layers"))
                os << " " << l.dump();
            os << ")";
        }
    } else if (cmd == "prune sparse") {
        os << "prune " << str(s, "method");
        if (!str(s, "target").empty())
            os << " " << str(s, "target");
    } else if (cmd == "prune width") {
        os << "prune width " << str(step, "method");
    } else if (cmd == "quantize") {
        os << "quantize " << str(step, "method");
        if (auto b = number(s, "bits"))
            os << " " << num(*b) << "-bit";
        if (auto g = number(s, "group"); g && *g > 0)
            os << " g" << num(*g);
    } else if (cmd == "lora merge") {
        os << "lora";
        if (s.contains("lora"))
            if (auto r = number(s.at("lora"), "r"))
                os << " r" << num(*r);
        if (s.contains("base_quantization") && !s.at("base_quantization").is_null())
            os << " (QLoRA)";
    } else if (cmd == "distill") {
        os << "distill";
    } else if (!cmd.empty()) {
        os << cmd;
    } else {
        os << str(step, "method");
    }
    return os.str();
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string q = "\"";
    for (char c : s)
        q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

std::string mdEscape(const std::string& s) {
    std::string o;
    for (char c : s)
        o += c == '|' ? std::string("\\|") : std::string(1, c);
    return o;
}

} // namespace

Direction metricDirection(const std::string& m) {
    if (contains(m, "tokens_per_s") || contains(m, "acc") || contains(m, "agreement") || contains(m, "top1"))
        return Direction::HigherIsBetter;
    if (m == "ppl" || contains(m, "nll") || contains(m, "kl") || contains(m, "loss") || contains(m, "bytes") ||
        contains(m, "_s") || contains(m, "joules") || contains(m, "bpb") || contains(m, "bits_per"))
        return Direction::LowerIsBetter;
    return Direction::Unknown;
}

std::string Column::title() const {
    std::string t = metric + " · " + task;
    if (!convention.empty())
        t += " · " + convention;
    if (!device.empty())
        t += " · " + device;
    if (!setting.empty())
        t += " · " + setting;
    return t;
}

const Cell* Comparison::cell(size_t v, size_t c) const {
    const auto it = cells.find({v, c});
    return it == cells.end() ? nullptr : &it->second;
}

std::optional<double> Comparison::relativeChange(size_t v, size_t c) const {
    if (base < 0)
        return std::nullopt;
    const Cell* x = cell(v, c);
    const Cell* b = cell(static_cast<size_t>(base), c);
    if (!x || !b || b->value == 0.0)
        return std::nullopt;
    return (x->value - b->value) / b->value;
}

std::vector<size_t> Comparison::columnsOf(const std::string& metric) const {
    std::vector<size_t> out;
    for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i].metric == metric)
            out.push_back(i);
    return out;
}

std::vector<std::vector<size_t>> Comparison::tables() const {
    std::vector<std::vector<size_t>> out;
    std::map<std::string, size_t> index;
    for (size_t ci = 0; ci < columns.size(); ++ci) {
        const auto [it, added] = index.try_emplace(columns[ci].table(), out.size());
        if (added)
            out.emplace_back();
        out[it->second].push_back(ci);
    }
    return out;
}

size_t Comparison::mainColumn(const std::vector<size_t>& table) const {
    for (const char* m : {"ppl", "acc_norm", "acc", "kl_mean", "decode_tokens_per_s"})
        for (size_t ci : table)
            if (columns[ci].metric == m)
                return ci;
    return table.front();
}

int Comparison::qualityColumn() const {
    for (const char* m : {"ppl", "acc_norm", "acc", "kl_mean", "kl"})
        if (auto c = columnsOf(m); !c.empty())
            return static_cast<int>(c.front());
    return -1;
}

Comparison buildComparison(const std::vector<ResultRecord>& records, const ComparisonOptions& o) {
    Comparison c;
    // Oldest first, so that a newer record of the same cell replaces an older one.
    std::vector<const ResultRecord*> recs;
    for (const auto& r : records)
        recs.push_back(&r);
    std::sort(recs.begin(), recs.end(), [](const ResultRecord* a, const ResultRecord* b) {
        return a->createdAt != b->createdAt ? a->createdAt < b->createdAt : a->id < b->id;
    });
    std::map<std::string, size_t> variantByPath, columnByKey;
    std::map<std::pair<size_t, size_t>, int64_t> superseded;
    for (const ResultRecord* r : recs) {
        const std::string tag = "record #" + std::to_string(r->id) + " (" + r->modelName + ", " + r->task + ")";
        const json pipe = r->provenance.is_object() && r->provenance.contains("pipeline") ? r->provenance.at("pipeline") : json();
        if (!o.runs.empty()) {
            const std::string run = str(pipe, "run"), name = str(pipe, "name");
            const bool wanted = std::any_of(o.runs.begin(), o.runs.end(),
                                            [&](const std::string& x) { return !x.empty() && (x == run || x == name); });
            if (!wanted) {
                c.leftOut.push_back(tag + ": not from the selected pipeline run(s)" + (run.empty() ? "" : " (run " + run + ")"));
                continue;
            }
        }
        if (!o.model.empty() && r->modelName.find(o.model) == std::string::npos) {
            c.leftOut.push_back(tag + ": model name does not contain \"" + o.model + "\"");
            continue;
        }
        if (!o.task.empty() && r->task != o.task && r->kind != "bench") {
            c.leftOut.push_back(tag + ": task " + r->task + " is not the selected task " + o.task);
            continue;
        }
        if (r->metrics.empty()) {
            c.leftOut.push_back(tag + ": no metrics");
            continue;
        }
        // The variant: one model folder.
        auto [vit, newVariant] = variantByPath.try_emplace(r->modelPath, c.variants.size());
        if (newVariant) {
            Variant v;
            v.modelName = r->modelName;
            v.modelPath = r->modelPath;
            v.fingerprint = r->modelFingerprint;
            v.isOriginal = !r->provenance.is_object() || !r->provenance.contains("parent") || r->provenance.at("parent").is_null();
            c.variants.push_back(std::move(v));
        }
        Variant& v = c.variants[vit->second];
        if (r->provenance.is_object() && r->provenance.contains("steps") && r->provenance.at("steps").is_array()) {
            v.steps = r->provenance.at("steps");
            std::string text;
            for (const auto& s : v.steps) {
                const std::string t = stepText(s);
                if (!t.empty())
                    text += (text.empty() ? "" : " → ") + t;
            }
            v.stepsText = text.empty() ? "original" : text;
        }
        if (!pipe.is_null()) {
            v.pipeline = str(pipe, "name");
            v.run = str(pipe, "run");
            if (!str(pipe, "variant").empty())
                v.label = str(pipe, "variant");
        }
        // Memory: the stored weights (what the folder holds), the peak of a generation run when one
        // was measured, else of the evaluation.
        if (r->memory.is_object() && r->memory.contains("weights_stored_by_dtype") && r->memory.at("weights_stored_by_dtype").is_object()) {
            double sum = 0;
            for (const auto& [k, b] : r->memory.at("weights_stored_by_dtype").items())
                if (b.is_number())
                    sum += b.get<double>();
            if (sum > 0)
                v.storedBytes = sum;
        }
        const std::string device = str(r->settings, "device").empty() ? str(r->machine, "device") : str(r->settings, "device");
        if (auto peak = number(r->memory, "peak_bytes"); peak && *peak > 0) {
            const bool fromBench = r->kind == "bench";
            if (fromBench || !v.peakBytes || v.peakKind.rfind("generation", 0) != 0) {
                v.peakBytes = *peak;
                v.peakKind = (fromBench ? "generation" : "evaluation") + std::string(" on ") + device +
                             (str(r->memory, "peak_kind").empty() ? "" : " (" + str(r->memory, "peak_kind") + ")");
            }
        }
        if (r->kind == "bench" && number(r->settings, "batch").value_or(0) == 1) {
            if (const Metric* m = r->metric("decode_tokens_per_s")) {
                v.decodeTokensPerS = m->value;
                v.speedDevice = device;
            }
            if (const Metric* m = r->metric("joules_per_token")) {
                v.joulesPerToken = m->value;
                v.energyNote.clear();
            } else if (!v.joulesPerToken) {
                v.energyNote = str(r->energy, "reason").empty() ? "not measured" : str(r->energy, "reason");
            }
        }
        // Columns: one per comparable setting and metric.
        const json comparable = comparableSettings(r->settings);
        const std::string settingsHash = analysis::sha256Hex(comparable.dump()).substr(0, 12);
        for (const Metric& m : r->metrics) {
            const std::string key = r->task + "|" + r->convention + "|" + device + "|" + settingsHash + "|" + m.name;
            auto [cit, newColumn] = columnByKey.try_emplace(key, c.columns.size());
            if (newColumn) {
                Column col;
                col.task = r->task;
                col.convention = r->convention;
                col.device = device;
                col.metric = m.name;
                col.unit = m.unit;
                col.settings = comparable;
                col.key = key;
                col.direction = metricDirection(m.name);
                c.columns.push_back(std::move(col));
            }
            const std::pair<size_t, size_t> at{vit->second, cit->second};
            if (auto old = c.cells.find(at); old != c.cells.end())
                superseded[at] = old->second.recordId;
            c.cells[at] = Cell{m.value, m.stderr_, r->id};
        }
        c.recordIds.push_back(r->id);
    }
    // A record whose every cell was replaced by a newer one is left out, with the reason.
    std::set<int64_t> stillUsed;
    for (const auto& [at, cell] : c.cells)
        stillUsed.insert(cell.recordId);
    std::set<int64_t> reported;
    for (const auto& [at, oldId] : superseded)
        if (!stillUsed.count(oldId) && reported.insert(oldId).second)
            c.leftOut.push_back("record #" + std::to_string(oldId) + ": superseded by the newer record #" +
                                std::to_string(c.cells.at(at).recordId) + " of the same model and task");
    c.recordIds.erase(std::remove_if(c.recordIds.begin(), c.recordIds.end(), [&](int64_t id) { return !stillUsed.count(id); }),
                      c.recordIds.end());
    // Labels: the pipeline node, else the folder name; made unique.
    std::map<std::string, int> seen;
    for (auto& v : c.variants) {
        if (v.label.empty())
            v.label = v.modelName;
        if (int n = seen[v.label]++; n > 0)
            v.label += " (" + std::to_string(n + 1) + ")";
        if (v.stepsText.empty())
            v.stepsText = v.isOriginal ? "original" : "";
    }
    // Columns that share a title but differ in settings name the settings that differ.
    std::vector<std::string> plainTitles;
    for (const auto& col : c.columns)
        plainTitles.push_back(col.title());
    for (size_t i = 0; i < c.columns.size(); ++i)
        for (size_t j = 0; j < c.columns.size(); ++j) {
            if (i == j || plainTitles[i] != plainTitles[j])
                continue;
            const json& a = c.columns[i].settings;
            const json& b = c.columns[j].settings;
            std::string diff;
            for (const auto& [k, val] : a.items())
                if (!b.contains(k) || b.at(k) != val)
                    diff += (diff.empty() ? "" : ", ") + k + "=" + (val.is_string() ? val.get<std::string>() : val.dump());
            c.columns[i].setting = diff.empty() ? "settings " + analysis::sha256Hex(a.dump()).substr(0, 6) : diff;
        }
    // The base: the chosen label, else the first original checkpoint.
    for (size_t i = 0; i < c.variants.size() && c.base < 0; ++i)
        if (o.base.empty() ? c.variants[i].isOriginal : c.variants[i].label == o.base)
            c.base = static_cast<int>(i);
    return c;
}

std::vector<size_t> paretoFront(const std::vector<double>& x, Direction dx, const std::vector<double>& y, Direction dy) {
    const size_t n = std::min(x.size(), y.size());
    auto better = [](double a, double b, Direction d) { return d == Direction::HigherIsBetter ? a > b : a < b; };
    auto notWorse = [](double a, double b, Direction d) { return d == Direction::HigherIsBetter ? a >= b : a <= b; };
    std::vector<size_t> front;
    for (size_t i = 0; i < n; ++i) {
        if (std::isnan(x[i]) || std::isnan(y[i]))
            continue;
        bool dominated = false;
        for (size_t j = 0; j < n && !dominated; ++j) {
            if (j == i || std::isnan(x[j]) || std::isnan(y[j]))
                continue;
            dominated = notWorse(x[j], x[i], dx) && notWorse(y[j], y[i], dy) && (better(x[j], x[i], dx) || better(y[j], y[i], dy));
        }
        if (!dominated)
            front.push_back(i);
    }
    std::sort(front.begin(), front.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    return front;
}

std::optional<double> sweptSetting(const Variant& v, const std::string& name) {
    std::optional<double> out;
    for (const auto& step : v.steps) {
        const std::string cmd = str(step, "command");
        const json& s = step.contains("settings") ? step.at("settings") : json::object();
        if (name == "bits" && cmd == "quantize")
            out = number(s, "bits");
        else if (name == "group" && cmd == "quantize")
            out = number(s, "group");
        else if (name == "sparsity" && cmd == "prune sparse")
            out = number(s, "sparsity");
        else if (name == "layers_removed" && cmd == "prune depth" && s.contains("removed_layers") && s.at("removed_layers").is_array())
            out = static_cast<double>(s.at("removed_layers").size()) + out.value_or(0.0);
        else if (name == "lora_rank" && cmd == "lora merge" && s.contains("lora"))
            out = number(s.at("lora"), "r");
    }
    return out;
}

std::vector<std::string> sweptSettings(const Comparison& c) {
    std::vector<std::string> out;
    for (const char* name : {"bits", "sparsity", "layers_removed", "group", "lora_rank"}) {
        std::set<double> values;
        for (const auto& v : c.variants)
            if (auto x = sweptSetting(v, name))
                values.insert(*x);
        if (values.size() >= 2)
            out.emplace_back(name);
    }
    return out;
}

std::string formatBytes(double b) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (b >= 1000.0 && u < 4) {
        b /= 1000.0;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.3g %s", b, units[u]);
    return buf;
}

json Comparison::toJson() const {
    json vs = json::array();
    for (const auto& v : variants) {
        auto opt = [](const std::optional<double>& x) { return x ? json(*x) : json(nullptr); };
        vs.push_back({{"label", v.label}, {"model", v.modelName}, {"path", v.modelPath}, {"fingerprint", v.fingerprint},
                      {"steps", v.stepsText}, {"original", v.isOriginal}, {"pipeline", v.pipeline}, {"run", v.run},
                      {"stored_bytes", opt(v.storedBytes)}, {"peak_bytes", opt(v.peakBytes)}, {"peak_kind", v.peakKind},
                      {"decode_tokens_per_s", opt(v.decodeTokensPerS)}, {"speed_device", v.speedDevice},
                      {"joules_per_token", v.joulesPerToken ? json(*v.joulesPerToken) : json{{"available", false}, {"reason", v.energyNote.empty() ? "not measured" : v.energyNote}}}});
    }
    json cs = json::array();
    for (size_t ci = 0; ci < columns.size(); ++ci) {
        const Column& col = columns[ci];
        json values = json::object();
        for (size_t vi = 0; vi < variants.size(); ++vi)
            if (const Cell* x = cell(vi, ci)) {
                json e = {{"value", x->value}, {"record", x->recordId}};
                if (x->stderr_)
                    e["stderr"] = *x->stderr_;
                if (auto rel = relativeChange(vi, ci))
                    e["change_vs_base"] = *rel;
                values[variants[vi].label] = e;
            }
        cs.push_back({{"title", col.title()}, {"task", col.task}, {"convention", col.convention}, {"device", col.device},
                      {"metric", col.metric}, {"unit", col.unit}, {"settings", col.settings},
                      {"better", col.direction == Direction::LowerIsBetter ? "lower" : col.direction == Direction::HigherIsBetter ? "higher" : "unknown"},
                      {"values", values}});
    }
    return {{"format", "slimbench-comparison"}, {"version", 1}, {"variants", vs}, {"columns", cs},
            {"base", base >= 0 ? json(variants[base].label) : json(nullptr)}, {"records", recordIds}, {"left_out", leftOut}};
}

std::string Comparison::toCsv() const {
    std::ostringstream os;
    os << "variant,steps,task,convention,device,metric,value,stderr,unit,change_vs_base,record_id\r\n";
    for (size_t ci = 0; ci < columns.size(); ++ci)
        for (size_t vi = 0; vi < variants.size(); ++vi) {
            const Cell* x = cell(vi, ci);
            if (!x)
                continue;
            const Column& col = columns[ci];
            const auto rel = relativeChange(vi, ci);
            os << csvField(variants[vi].label) << ',' << csvField(variants[vi].stepsText) << ',' << csvField(col.task) << ','
               << csvField(col.convention) << ',' << csvField(col.device) << ',' << csvField(col.metric) << ',' << num(x->value, 10)
               << ',' << (x->stderr_ ? num(*x->stderr_, 6) : "") << ',' << csvField(col.unit) << ',' << (rel ? num(*rel, 6) : "")
               << ',' << x->recordId << "\r\n";
        }
    return os.str();
}

std::string Comparison::toMarkdown() const {
    std::ostringstream os;
    os << "## Variants\n\n| variant | what was done | stored weights | peak memory | decode tok/s (batch 1) | energy (J/token) |\n"
       << "| --- | --- | --- | --- | --- | --- |\n";
    for (size_t i = 0; i < variants.size(); ++i) {
        const Variant& v = variants[i];
        os << "| " << mdEscape(v.label) << (static_cast<int>(i) == base ? " (base)" : "") << " | " << mdEscape(v.stepsText) << " | "
           << (v.storedBytes ? formatBytes(*v.storedBytes) : "not available") << " | "
           << (v.peakBytes ? formatBytes(*v.peakBytes) + " (" + mdEscape(v.peakKind) + ")" : "not available") << " | "
           << (v.decodeTokensPerS ? num(*v.decodeTokensPerS) + " (" + mdEscape(v.speedDevice) + ")" : "not available") << " | "
           << (v.joulesPerToken ? num(*v.joulesPerToken) : "not available: " + mdEscape(v.energyNote.empty() ? "not measured" : v.energyNote))
           << " |\n";
    }
    // One table per task / convention / device / settings: its metrics as columns.
    for (const auto& cols : tables()) {
        const Column& first = columns[cols.front()];
        os << "\n## " << mdEscape(first.task) << " — convention " << mdEscape(first.convention.empty() ? "none" : first.convention)
           << ", device " << mdEscape(first.device) << (first.setting.empty() ? "" : ", " + mdEscape(first.setting)) << "\n\n";
        os << "Settings: `" << first.settings.dump() << "`\n\n| variant |";
        for (size_t ci : cols)
            os << " " << mdEscape(columns[ci].metric) << (columns[ci].unit.empty() ? "" : " (" + mdEscape(columns[ci].unit) + ")")
               << (columns[ci].direction == Direction::LowerIsBetter ? " ↓" : columns[ci].direction == Direction::HigherIsBetter ? " ↑" : "")
               << " |";
        // The change vs the base is shown for the table's main metric: perplexity or accuracy where present.
        const size_t mainCol = mainColumn(cols);
        if (base >= 0)
            os << " change of " << mdEscape(columns[mainCol].metric) << " vs base |";
        os << "\n| ---";
        for (size_t k = 0; k < cols.size() + (base >= 0 ? 1 : 0); ++k)
            os << " | ---";
        os << " |\n";
        for (size_t vi = 0; vi < variants.size(); ++vi) {
            bool any = false;
            for (size_t ci : cols)
                any = any || cell(vi, ci);
            if (!any)
                continue;
            os << "| " << mdEscape(variants[vi].label) << " |";
            for (size_t ci : cols) {
                const Cell* x = cell(vi, ci);
                os << " " << (x ? num(x->value, 6) + (x->stderr_ ? " ± " + num(*x->stderr_, 2) : "") : "—") << " |";
            }
            if (base >= 0) {
                const auto rel = relativeChange(vi, mainCol);
                os << " " << (rel ? (*rel >= 0 ? "+" : "") + num(100.0 * *rel, 3) + " %" : "—") << " |";
            }
            os << "\n";
        }
    }
    if (!leftOut.empty()) {
        os << "\n## Records left out\n\n";
        for (const auto& l : leftOut)
            os << "- " << l << "\n";
    }
    return os.str();
}

} // namespace slim::results
