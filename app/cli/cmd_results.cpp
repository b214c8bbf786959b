// slimbench-cli results: the result records in the SQLite store.
//
//   results list   [--db PATH] [--task T] [--kind K] [--model NAME] [--fingerprint F] [--limit N] [--json]
//   results show   ID [--db PATH] [--json]
//   results export FILE.json|FILE.csv [--db PATH] [--task T] [--kind K] [--model NAME] [--fingerprint F]
//   results delete ID [--db PATH]
//   results import FILE.json [--db PATH]   (an export of another database, e.g. the GPU machine's: new ids)
#include "app/cli/commands.h"
#include "app/cli/records.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/strict_json.h"

#include <cstdio>
#include <sstream>

namespace slim::cli {

namespace {

results::Filter filterFrom(const Args& a) {
    results::Filter f;
    if (auto v = a.get("task"))
        f.task = *v;
    if (auto v = a.get("kind"))
        f.kind = *v;
    if (auto v = a.get("model"))
        f.modelNameContains = *v;
    if (auto v = a.get("fingerprint"))
        f.fingerprint = *v;
    f.limit = a.getInt("limit", -1);
    return f;
}

int64_t parseId(const std::string& s) {
    try {
        size_t used = 0;
        const long long v = std::stoll(s, &used);
        if (used == s.size() && v > 0)
            return v;
    } catch (const std::exception&) {
    }
    throw ConfigError("results: '" + s + "' is not a record id (a positive integer)");
}

std::string metricText(const results::Metric& m) {
    char buf[128];
    if (m.stderr_)
        std::snprintf(buf, sizeof buf, "%s %.6g ± %.3g%s%s", m.name.c_str(), m.value, *m.stderr_, m.unit.empty() ? "" : " ",
                      m.unit.c_str());
    else
        std::snprintf(buf, sizeof buf, "%s %.6g%s%s", m.name.c_str(), m.value, m.unit.empty() ? "" : " ", m.unit.c_str());
    return buf;
}

} // namespace

int cmdResults(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly({"json", "db", "task", "kind", "model", "fingerprint", "limit"});
    const std::string action = a.positionalAt(0, "list|show|export|delete");
    const auto path = databasePath(a);
    if (action == "import") {
        // Records exported elsewhere (results export FILE.json) join this database with new ids; the
        // whole file is read and checked before anything is written.
        const std::string file = a.positionalAt(1, "FILE.json");
        const nlohmann::json arr = io::parseJsonStrict(io::readTextFile(file), file);
        if (!arr.is_array())
            throw FormatError(file, "expected a JSON array of records (slimbench-cli results export FILE.json)");
        std::vector<results::ResultRecord> recs;
        for (size_t i = 0; i < arr.size(); ++i) {
            auto r = results::ResultRecord::fromJson(arr[i], file + " record " + std::to_string(i));
            r.id = 0;
            recs.push_back(std::move(r));
        }
        results::ResultStore store(path);
        std::vector<int64_t> ids;
        for (const auto& r : recs)
            ids.push_back(store.insert(r));
        out.text("imported " + std::to_string(ids.size()) + " record(s) into " + path.string() + "\n");
        out.result({{"database", path.string()}, {"ids", ids}});
        return 0;
    }
    if (!std::filesystem::exists(path))
        throw IoError(path.string() + ": no result database here yet (records are written by eval/kl/bench --db)");
    results::ResultStore store(path);
    if (action == "list") {
        const auto recs = store.list(filterFrom(a));
        nlohmann::json arr = nlohmann::json::array();
        std::ostringstream os;
        for (const auto& r : recs) {
            arr.push_back(r.toJson());
            os << "#" << r.id << "  " << r.createdAt << "  " << r.kind << "/" << r.task;
            if (!r.convention.empty())
                os << " (" << r.convention << ")";
            os << "  " << r.modelName << " [" << r.modelFingerprint.substr(0, 12) << "]";
            for (size_t i = 0; i < r.metrics.size() && i < 3; ++i)
                os << (i ? ", " : "  ") << metricText(r.metrics[i]);
            os << "\n";
        }
        if (recs.empty())
            os << "no records in " << path.string() << "\n";
        out.text(os.str());
        if (out.json())
            out.result({{"database", path.string()}, {"records", arr}});
    } else if (action == "show") {
        const int64_t id = parseId(a.positionalAt(1, "ID"));
        const auto r = store.get(id);
        if (!r)
            throw ConfigError("results show: no record #" + std::to_string(id) + " in " + path.string());
        if (out.json())
            out.result(r->toJson());
        else
            out.text(r->toJson().dump(2) + "\n");
    } else if (action == "export") {
        const std::string file = a.positionalAt(1, "FILE.json|FILE.csv");
        const auto f = filterFrom(a);
        store.exportToFile(file, f);
        const auto n = store.list(f).size();
        out.text("exported " + std::to_string(n) + " record(s) to " + file + "\n");
        if (out.json())
            out.result({{"file", file}, {"records", n}});
    } else if (action == "delete") {
        const int64_t id = parseId(a.positionalAt(1, "ID"));
        if (!store.remove(id))
            throw ConfigError("results delete: no record #" + std::to_string(id) + " in " + path.string());
        out.text("deleted record #" + std::to_string(id) + "\n");
        if (out.json())
            out.result({{"deleted", id}});
    } else {
        throw ConfigError("results: unknown action '" + action + "' (list, show, export, import, delete)");
    }
    return 0;
}

} // namespace slim::cli
