#pragma once
/// @file result_store.h
/// Result records in a real database (SQLite, one file): one record per evaluation, stating how
/// every number was measured, so that variants are only ever compared like for like.
///
/// A record holds: the model (path, name, fingerprint — fingerprint.h), where it came from
/// (provenance: the parent's fingerprint and path and the compression steps with their settings),
/// the task and its convention with every evaluation setting, metrics with standard errors and
/// units, memory, speed and energy (as measured, or {"available": false, "reason": ...}), the
/// machine and library versions, a UTC timestamp, the duration and free-text notes.
///
/// Schema (versioned with PRAGMA user_version, migrations applied in order inside one transaction):
///   v1  records(id, created_at, kind, task, convention, model_path, model_name, model_fingerprint,
///               provenance, settings, memory, speed, energy, machine, versions, duration_s) — the
///               JSON columns hold JSON text; metrics(record_id → records.id ON DELETE CASCADE,
///               name, value, stderr, unit), PRIMARY KEY (record_id, name)
///   v2  records.notes TEXT; indexes on model_fingerprint and on task
/// A database written by a newer Slimbench (user_version > kSchemaVersion) is refused, not touched.
/// Concurrency: WAL journal, a 30 s busy timeout and BEGIN IMMEDIATE for writes, so several
/// processes (pipeline runs, the GUI, the CLI) may write one file at the same time.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

struct sqlite3;

namespace slim::results {

struct Metric {
    std::string name;
    double value = 0.0;
    std::optional<double> stderr_;   ///< standard error when the metric has one
    std::string unit;                ///< "", "nats", "bits", "tok/s", "J/token"...
};

struct ResultRecord {
    int64_t id = 0;                  ///< assigned by insert()
    std::string createdAt;           ///< ISO-8601 UTC ("2026-11-23T23:20:00Z"); insert() fills it when empty
    std::string kind;                ///< "eval", "kl", "bench"
    std::string task;                ///< "ppl", "wikitext", "ppl-llamacpp", "hellaswag", "kl", "bench"...
    std::string convention;          ///< "token-gptq", "lm-eval", "llama.cpp", "lm-eval-mc"...
    std::string modelPath, modelName, modelFingerprint;
    nlohmann::json provenance = nlohmann::json::object();
    nlohmann::json settings = nlohmann::json::object();
    std::vector<Metric> metrics;
    nlohmann::json memory = nlohmann::json::object();
    nlohmann::json speed = nlohmann::json::object();
    nlohmann::json energy = nlohmann::json::object();
    nlohmann::json machine = nlohmann::json::object();
    nlohmann::json versions = nlohmann::json::object();
    double durationS = 0.0;
    std::string notes;

    const Metric* metric(const std::string& name) const;
    nlohmann::json toJson() const;
    /// Inverse of toJson (FormatError naming `source` for a missing or mistyped field).
    static ResultRecord fromJson(const nlohmann::json& j, const std::string& source = "record");
};

struct Filter {
    std::optional<std::string> kind, task, fingerprint;
    std::optional<std::string> modelNameContains;
    std::optional<int64_t> id;
    int64_t limit = -1;              ///< newest first; -1 = all
};

class ResultStore {
public:
    static constexpr int kSchemaVersion = 2;

    /// Open or create the database and bring its schema up to date.  IoError / FormatError
    /// naming the file (not a database, newer schema, read-only...).
    explicit ResultStore(const std::filesystem::path& path);
    ~ResultStore();
    ResultStore(const ResultStore&) = delete;
    ResultStore& operator=(const ResultStore&) = delete;

    const std::filesystem::path& path() const { return m_path; }
    int schemaVersion() const;

    /// Insert a record with its metrics in one transaction; returns its id.
    int64_t insert(const ResultRecord& record);
    std::optional<ResultRecord> get(int64_t id) const;
    /// Newest first.
    std::vector<ResultRecord> list(const Filter& filter = {}) const;
    bool remove(int64_t id);

    /// All matching records as a JSON array (toJson of each).
    std::string exportJson(const Filter& filter = {}) const;
    /// One CSV row per metric (RFC 4180: CRLF line ends, fields with , " CR LF quoted, " doubled):
    /// id,created_at,kind,task,convention,model_name,model_fingerprint,metric,value,stderr,unit,settings
    std::string exportCsv(const Filter& filter = {}) const;
    /// Write an export atomically; the format from the extension (.json / .csv).
    void exportToFile(const std::filesystem::path& file, const Filter& filter = {}) const;

private:
    void migrate();
    void exec(const char* sql) const;
    [[noreturn]] void fail(const std::string& what) const;

    std::filesystem::path m_path;
    sqlite3* m_db = nullptr;
};

/// The current time as ISO-8601 UTC with seconds ("2026-11-23T23:20:00Z").
std::string utcNow();

} // namespace slim::results
