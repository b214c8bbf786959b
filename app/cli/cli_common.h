#pragma once
// Shared plumbing of slimbench-cli commands: argument parsing, JSON-lines output, devices.
//
// Output contract (the GUI runs the CLI as a child process):
//   --json: stdout carries one JSON object per line: {"event":"progress","progress":0.42,"status":"..."},
//           {"event":"metric","name":"loss","value":2.3,"step":10}, {"event":"warning","message":"..."},
//           {"event":"artifact","kind":"model","path":"..."}, {"event":"result", ...the command's result...}
//           (core's JobEvent, one line per event).
//   Errors go to stderr as text (and, with --json, as {"event":"error","kind":...,"message":...}).
//   Exit codes: 0 ok, 1 error, 2 cancelled.

#include "core/common/job_context.h"

#include <ATen/core/Tensor.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace slim::cli {

/// Parsed command line: positionals and --key value / --flag options.
class Args {
public:
    /// `flags` lists the options that take no value.
    Args(const std::vector<std::string>& argv, const std::vector<std::string>& flags);
    const std::vector<std::string>& positional() const { return m_positional; }
    std::string positionalAt(size_t i, const std::string& what) const;
    bool has(const std::string& key) const { return m_options.count(key) != 0; }
    bool flag(const std::string& key) const { return has(key); }
    std::string get(const std::string& key, const std::string& def) const;
    std::optional<std::string> get(const std::string& key) const;
    int64_t getInt(const std::string& key, int64_t def) const;
    double getDouble(const std::string& key, double def) const;
    /// All values of a repeatable option (--task a --task b).
    std::vector<std::string> getAll(const std::string& key) const;
    /// Throws ConfigError naming the first option not in `known`.
    void allowOnly(const std::vector<std::string>& known) const;

private:
    std::vector<std::string> m_positional;
    std::multimap<std::string, std::string> m_options;
};

/// What to change when `command` ran out of device memory (for the error message).
std::string outOfMemoryAdvice(const std::string& command);
/// The message for a CUDA out-of-memory in `command` during `step`: the step, what the allocator wanted
/// (LibTorch's first line: "Tried to allocate 2.00 GiB ..."), and what to change.
std::string outOfMemoryMessage(const std::string& command, const std::string& step, const std::string& torchMessage);

class Output {
public:
    explicit Output(bool json) : m_json(json) {}
    /// A command run inside another job (a pipeline node): its events go to `parent` (tagged and
    /// scaled there), its result is kept (capturedResult()) instead of printed, and text is dropped.
    explicit Output(const JobContext& parent) : m_json(true), m_parent(std::make_unique<JobContext>(parent)) {}
    bool json() const { return m_json; }
    void progress(double p, const std::string& status);
    void status(const std::string& s);
    /// A metric, warning or artifact event (and progress / status) — one JSON line each with --json:
    /// {"event":"metric","name","value","step","unit"}, {"event":"warning","message"},
    /// {"event":"artifact","kind","path"}.
    void event(const JobEvent& e);
    /// The command's result: JSON line with "event":"result" in --json mode, else pretty text.
    void result(const nlohmann::json& r);
    /// Plain text (only in text mode).
    void text(const std::string& s);
    /// A JobContext whose progress and status go to this output, cancelled on SIGINT/SIGTERM
    /// (nested: the parent context).
    JobContext jobContext();
    const nlohmann::json& capturedResult() const { return m_result; }
    /// The last status line reported: the step a failure happened in.
    const std::string& lastStatus() const { return m_lastStatus; }

private:
    std::string m_lastStatus;
    bool m_json;
    double m_lastProgress = -1.0;
    std::unique_ptr<JobContext> m_parent;
    nlohmann::json m_result;
};

/// --device cpu|cuda[:N] (default cpu) and --dtype auto|fp32|bf16|fp16.
at::Device parseDevice(const Args& a);
std::optional<at::ScalarType> parseDtype(const Args& a);
/// "cpu", "cuda:0 (NVIDIA H100 80GB HBM3)"...
std::string deviceName(const at::Device& d);
/// Set LibTorch's intra-op threads from --threads or the number of cores.
void setupThreads(const Args& a);
/// Block until queued device work is done (for timing).
void synchronize(const at::Device& d);

using CommandFn = int (*)(const std::vector<std::string>& args, Output& out);
struct Command {
    const char* name;
    const char* usage;
    const char* help;
    CommandFn fn;
};

} // namespace slim::cli
