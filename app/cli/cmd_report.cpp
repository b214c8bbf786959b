// slimbench-cli report: the comparison of result records as a report.
//
//   report [--db PATH] [--run ID|NAME ...] [--model NAME] [--task TASK] [--base LABEL] --out FILE [--format md|csv|json|pdf]
//
// The format follows --format, else the extension of FILE.  Markdown, CSV and JSON are written here
// (core/results/report.h); a PDF is laid out by the desktop application (`slimbench --report-pdf`, Qt's
// PDF writer and the same charts as the comparison view), found next to this executable or through
// $SLIMBENCH_GUI, and run without a display.
#include "app/cli/commands.h"
#include "app/cli/records.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"
#include "core/io/resources.h"
#include "core/model/demo_model.h"
#include "core/results/report.h"

#include <unistd.h>
#include <sys/wait.h>

#include <climits>
#include <cstdlib>

namespace slim::cli {

namespace fs = std::filesystem;

namespace {

fs::path selfDir() {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    buf[n] = '\0';
    return fs::path(buf).parent_path();
}

/// The desktop application that lays out PDF reports: $SLIMBENCH_GUI, beside slimbench-cli (installed:
/// both in bin/), or one folder up (the build tree: app/slimbench beside app/cli/).
fs::path findGui(std::string* searched) {
    std::vector<fs::path> candidates;
    if (const char* e = std::getenv("SLIMBENCH_GUI"); e && *e)
        candidates.emplace_back(e);
    const fs::path self = selfDir();
    candidates.push_back(self / "slimbench");
    candidates.push_back(self.parent_path() / "slimbench");
    for (const auto& c : candidates) {
        *searched += (searched->empty() ? "" : ", ") + c.string();
        if (::access(c.c_str(), X_OK) == 0 && fs::is_regular_file(c))
            return c;
    }
    return {};
}

} // namespace

int cmdReport(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly({"json", "db", "run", "model", "task", "base", "out", "format", "paper"});
    const auto outFile = a.get("out");
    if (!outFile)
        throw ConfigError("report needs --out FILE (.md, .csv, .json or .pdf)");
    std::string format = a.get("format", "");
    if (format.empty()) {
        const std::string ext = fs::path(*outFile).extension().string();
        format = ext == ".md" ? "md" : ext == ".csv" ? "csv" : ext == ".json" ? "json" : ext == ".pdf" ? "pdf" : "";
        if (format.empty())
            throw ConfigError("report: cannot tell the format from '" + *outFile + "'; use --format md|csv|json|pdf");
    }
    results::ComparisonOptions o;
    o.runs = a.getAll("run");
    o.model = a.get("model", "");
    o.task = a.get("task", "");
    o.base = a.get("base", "");
    const fs::path db = databasePath(a);
    if (format == "pdf") {
        std::string searched;
        const fs::path gui = findGui(&searched);
        if (gui.empty())
            throw UnsupportedError("report --format pdf: the PDF is laid out by the desktop application 'slimbench', "
                                   "which was not found (looked at " + searched + "); this build may have no GUI. "
                                   "Use --format md, csv or json, or set SLIMBENCH_GUI");
        std::vector<std::string> args = {gui.string(), "--report-pdf", *outFile, "--db", db.string()};
        for (const auto& r : o.runs)
            args.insert(args.end(), {"--run", r});
        if (!o.model.empty())
            args.insert(args.end(), {"--model", o.model});
        if (!o.task.empty())
            args.insert(args.end(), {"--task", o.task});
        if (!o.base.empty())
            args.insert(args.end(), {"--base", o.base});
        if (auto p = a.get("paper"))
            args.insert(args.end(), {"--paper", *p});
        out.status("laying out the PDF with " + gui.string());
        std::vector<char*> cargv;
        for (auto& s : args)
            cargv.push_back(s.data());
        cargv.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0)
            throw IoError("report: cannot start " + gui.string());
        if (pid == 0) {
            ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
            ::execv(cargv[0], cargv.data());
            ::_exit(127);
        }
        int status = 0;
        ::waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            throw IoError("report: " + gui.string() + " could not write " + *outFile + " (exit status " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) + ")");
        out.result({{"out", fs::absolute(*outFile).string()}, {"format", "pdf"}});
        return 0;
    }
    const results::ReportInput in = results::loadReport(db, o);
    std::string text;
    if (format == "md")
        text = results::reportMarkdown(in);
    else if (format == "csv")
        text = in.comparison.toCsv();
    else if (format == "json")
        text = results::reportJson(in).dump(2) + "\n";
    else
        throw ConfigError("report: unknown --format '" + format + "' (md, csv, json, pdf)");
    io::writeFileAtomic(*outFile, text);
    out.text("wrote " + *outFile + ": " + std::to_string(in.comparison.variants.size()) + " variants, " +
             std::to_string(in.comparison.recordIds.size()) + " records, " + std::to_string(in.comparison.leftOut.size()) +
             " left out\n");
    out.result({{"out", fs::absolute(*outFile).string()}, {"format", format}, {"variants", in.comparison.variants.size()},
                {"records", in.comparison.recordIds}, {"left_out", in.comparison.leftOut}});
    return 0;
}

int cmdPaths(const std::vector<std::string>& argv, Output& out) {
    Args a(argv, {"json"});
    a.allowOnly({"json"});
    auto found = [](auto f) {
        try {
            return nlohmann::json(f().string());
        } catch (const std::exception& e) {
            return nlohmann::json{{"error", e.what()}};
        }
    };
    std::string searched;
    const fs::path gui = findGui(&searched);
    const char* ws = std::getenv("SLIMBENCH_WORKSPACE");
    const nlohmann::json workspace = ws && *ws ? nlohmann::json(std::string(ws)) : found([] { return model::demoModelDir().parent_path() / "workspace"; });
    const nlohmann::json r = {{"executable", (selfDir() / "slimbench-cli").string()},
                              {"resources", found([] { return io::resourceDataDir(); })},
                              {"pipelines", found([] { return io::pipelinesDir(); })},
                              {"demo_model", found([] { return model::demoModelDir(); })},
                              {"workspace", workspace},
                              {"results", found([] { return model::demoModelDir().parent_path() / "results.sqlite"; })},
                              {"gui", gui.empty() ? nlohmann::json(nullptr) : nlohmann::json(gui.string())}};
    std::string text;
    for (const auto& [k, v] : r.items())
        text += k + ": " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
    out.text(text);
    out.result(r);
    return 0;
}

} // namespace slim::cli
