#include "core/results/result_store.h"

#include "core/common/errors.h"
#include "core/io/atomic_file.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <sstream>

namespace slim::results {

namespace {

/// The migrations, in order: migration i brings user_version from i to i + 1.
const char* const kMigrations[] = {
    // v1
    "CREATE TABLE records ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  created_at TEXT NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  task TEXT NOT NULL,"
    "  convention TEXT NOT NULL DEFAULT '',"
    "  model_path TEXT NOT NULL DEFAULT '',"
    "  model_name TEXT NOT NULL DEFAULT '',"
    "  model_fingerprint TEXT NOT NULL DEFAULT '',"
    "  provenance TEXT NOT NULL DEFAULT '{}',"
    "  settings TEXT NOT NULL DEFAULT '{}',"
    "  memory TEXT NOT NULL DEFAULT '{}',"
    "  speed TEXT NOT NULL DEFAULT '{}',"
    "  energy TEXT NOT NULL DEFAULT '{}',"
    "  machine TEXT NOT NULL DEFAULT '{}',"
    "  versions TEXT NOT NULL DEFAULT '{}',"
    "  duration_s REAL NOT NULL DEFAULT 0);"
    "CREATE TABLE metrics ("
    "  record_id INTEGER NOT NULL REFERENCES records(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  value REAL,"
    "  stderr REAL,"
    "  unit TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (record_id, name));",
    // v2
    "ALTER TABLE records ADD COLUMN notes TEXT NOT NULL DEFAULT '';"
    "CREATE INDEX records_fingerprint ON records(model_fingerprint);"
    "CREATE INDEX records_task ON records(task);",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == ResultStore::kSchemaVersion);

/// A prepared statement that finalizes itself.
class Stmt {
public:
    Stmt(sqlite3* db, const std::string& sql, const ResultStore& store) : m_db(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &m_stmt, nullptr) != SQLITE_OK)
            throw IoError(store.path().string() + ": " + sqlite3_errmsg(db));
    }
    ~Stmt() { sqlite3_finalize(m_stmt); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    void bind(int i, const std::string& s) { sqlite3_bind_text(m_stmt, i, s.data(), int(s.size()), SQLITE_TRANSIENT); }
    void bind(int i, double v) { sqlite3_bind_double(m_stmt, i, v); }
    void bind(int i, int64_t v) { sqlite3_bind_int64(m_stmt, i, v); }
    void bindNull(int i) { sqlite3_bind_null(m_stmt, i); }
    /// true = a row is ready; false = done.
    bool step() {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_ROW)
            return true;
        if (rc == SQLITE_DONE)
            return false;
        throw IoError(std::string(sqlite3_errmsg(m_db)));
    }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(m_stmt, col);
        return p ? std::string(reinterpret_cast<const char*>(p), size_t(sqlite3_column_bytes(m_stmt, col))) : std::string();
    }
    double real(int col) const { return sqlite3_column_double(m_stmt, col); }
    int64_t integer(int col) const { return sqlite3_column_int64(m_stmt, col); }
    bool isNull(int col) const { return sqlite3_column_type(m_stmt, col) == SQLITE_NULL; }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
};

nlohmann::json parseColumn(const std::string& text, const std::string& column, const std::string& file) {
    try {
        return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(file, "column " + column + " does not hold JSON: " + e.what());
    }
}

std::string csvField(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string number(double v) {
    if (!std::isfinite(v))
        return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

} // namespace

std::string utcNow() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

const Metric* ResultRecord::metric(const std::string& name) const {
    for (const auto& m : metrics)
        if (m.name == name)
            return &m;
    return nullptr;
}

nlohmann::json ResultRecord::toJson() const {
    nlohmann::json ms = nlohmann::json::object();
    for (const auto& m : metrics) {
        nlohmann::json e = {{"value", m.value}};
        if (m.stderr_)
            e["stderr"] = *m.stderr_;
        if (!m.unit.empty())
            e["unit"] = m.unit;
        ms[m.name] = e;
    }
    return {{"id", id},
            {"created_at", createdAt},
            {"kind", kind},
            {"task", task},
            {"convention", convention},
            {"model", {{"path", modelPath}, {"name", modelName}, {"fingerprint", modelFingerprint}}},
            {"provenance", provenance},
            {"settings", settings},
            {"metrics", ms},
            {"memory", memory},
            {"speed", speed},
            {"energy", energy},
            {"machine", machine},
            {"versions", versions},
            {"duration_s", durationS},
            {"notes", notes}};
}

ResultRecord ResultRecord::fromJson(const nlohmann::json& j, const std::string& source) {
    try {
        ResultRecord r;
        r.id = j.value("id", int64_t(0));
        r.createdAt = j.value("created_at", std::string());
        r.kind = j.at("kind").get<std::string>();
        r.task = j.at("task").get<std::string>();
        r.convention = j.value("convention", std::string());
        if (j.contains("model")) {
            const auto& m = j.at("model");
            r.modelPath = m.value("path", std::string());
            r.modelName = m.value("name", std::string());
            r.modelFingerprint = m.value("fingerprint", std::string());
        }
        for (const char* k : {"provenance", "settings", "memory", "speed", "energy", "machine", "versions"})
            if (j.contains(k) && !j.at(k).is_object())
                throw FormatError(source, std::string("field '") + k + "' must be an object");
        r.provenance = j.value("provenance", nlohmann::json::object());
        r.settings = j.value("settings", nlohmann::json::object());
        r.memory = j.value("memory", nlohmann::json::object());
        r.speed = j.value("speed", nlohmann::json::object());
        r.energy = j.value("energy", nlohmann::json::object());
        r.machine = j.value("machine", nlohmann::json::object());
        r.versions = j.value("versions", nlohmann::json::object());
        r.durationS = j.value("duration_s", 0.0);
        r.notes = j.value("notes", std::string());
        if (j.contains("metrics"))
            for (const auto& [name, m] : j.at("metrics").items()) {
                Metric x;
                x.name = name;
                x.value = m.at("value").get<double>();
                if (m.contains("stderr") && !m.at("stderr").is_null())
                    x.stderr_ = m.at("stderr").get<double>();
                x.unit = m.value("unit", std::string());
                r.metrics.push_back(std::move(x));
            }
        return r;
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(source, std::string("not a result record: ") + e.what());
    }
}

ResultStore::ResultStore(const std::filesystem::path& path) : m_path(path) {
    if (path.has_parent_path() && !std::filesystem::is_directory(path.parent_path()))
        throw IoError(path.string() + ": the folder " + path.parent_path().string() + " does not exist");
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
    if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
        const std::string msg = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw IoError(path.string() + ": cannot open the result database: " + msg);
    }
    sqlite3_busy_timeout(m_db, 30000);
    try {
        // The first statement reads the header: a file that is not a database fails here.  Check the
        // schema before anything writes (even switching to WAL rewrites the header).
        if (const int v = schemaVersion(); v > kSchemaVersion)
            throw FormatError(path.string(), "the result database has schema version " + std::to_string(v) +
                                                 ", newer than this Slimbench understands (" +
                                                 std::to_string(kSchemaVersion) + "); open it with a newer version");
        exec("PRAGMA journal_mode=WAL;");
        exec("PRAGMA foreign_keys=ON;");
        migrate();
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

ResultStore::~ResultStore() {
    if (m_db)
        sqlite3_close(m_db);
}

void ResultStore::fail(const std::string& what) const {
    const int code = sqlite3_errcode(m_db);
    const std::string msg = sqlite3_errmsg(m_db);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        throw FormatError(m_path.string(), "not a Slimbench result database (SQLite: " + msg + ")");
    throw IoError(m_path.string() + ": " + what + ": " + msg);
}

void ResultStore::exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        sqlite3_free(err);
        fail("SQL failed");
    }
}

int ResultStore::schemaVersion() const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(m_db, "PRAGMA user_version;", -1, &st, nullptr) != SQLITE_OK)
        fail("cannot read the schema version");
    const int rc = sqlite3_step(st);
    const int v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (v < 0)
        fail("cannot read the schema version");
    return v;
}

void ResultStore::migrate() {
    // BEGIN IMMEDIATE: two processes creating the same new file migrate one after the other.
    exec("BEGIN IMMEDIATE;");
    try {
        int v = 0;
        {
            Stmt s(m_db, "PRAGMA user_version;", *this);
            s.step();
            v = static_cast<int>(s.integer(0));
        }
        if (v > kSchemaVersion)
            throw FormatError(m_path.string(), "the result database has schema version " + std::to_string(v) +
                                                   ", newer than this Slimbench understands (" +
                                                   std::to_string(kSchemaVersion) + "); open it with a newer version");
        if (v == 0) {
            // A version-0 file must be empty (ours before its first migration), not someone else's database.
            Stmt s(m_db, "SELECT count(*) FROM sqlite_master;", *this);
            s.step();
            if (s.integer(0) != 0)
                throw FormatError(m_path.string(), "an SQLite database, but not a Slimbench result database");
        }
        for (; v < kSchemaVersion; ++v) {
            exec(kMigrations[v]);
            exec(("PRAGMA user_version=" + std::to_string(v + 1) + ";").c_str());
        }
        exec("COMMIT;");
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK;", nullptr, nullptr, nullptr);
        throw;
    }
}

int64_t ResultStore::insert(const ResultRecord& r) {
    exec("BEGIN IMMEDIATE;");
    try {
        Stmt s(m_db,
               "INSERT INTO records (created_at, kind, task, convention, model_path, model_name, model_fingerprint,"
               " provenance, settings, memory, speed, energy, machine, versions, duration_s, notes)"
               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?);",
               *this);
        s.bind(1, r.createdAt.empty() ? utcNow() : r.createdAt);
        s.bind(2, r.kind);
        s.bind(3, r.task);
        s.bind(4, r.convention);
        s.bind(5, r.modelPath);
        s.bind(6, r.modelName);
        s.bind(7, r.modelFingerprint);
        s.bind(8, r.provenance.dump());
        s.bind(9, r.settings.dump());
        s.bind(10, r.memory.dump());
        s.bind(11, r.speed.dump());
        s.bind(12, r.energy.dump());
        s.bind(13, r.machine.dump());
        s.bind(14, r.versions.dump());
        s.bind(15, r.durationS);
        s.bind(16, r.notes);
        s.step();
        const int64_t id = sqlite3_last_insert_rowid(m_db);
        for (const auto& m : r.metrics) {
            Stmt ms(m_db, "INSERT INTO metrics (record_id, name, value, stderr, unit) VALUES (?,?,?,?,?);", *this);
            ms.bind(1, id);
            ms.bind(2, m.name);
            ms.bind(3, m.value);
            if (m.stderr_)
                ms.bind(4, *m.stderr_);
            else
                ms.bindNull(4);
            ms.bind(5, m.unit);
            ms.step();
        }
        exec("COMMIT;");
        return id;
    } catch (const IoError& e) {
        sqlite3_exec(m_db, "ROLLBACK;", nullptr, nullptr, nullptr);
        throw IoError(m_path.string() + ": cannot insert the record: " + e.what());
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK;", nullptr, nullptr, nullptr);
        throw;
    }
}

std::vector<ResultRecord> ResultStore::list(const Filter& f) const {
    std::string sql =
        "SELECT id, created_at, kind, task, convention, model_path, model_name, model_fingerprint, provenance,"
        " settings, memory, speed, energy, machine, versions, duration_s, notes FROM records WHERE 1=1";
    if (f.kind)
        sql += " AND kind = ?";
    if (f.task)
        sql += " AND task = ?";
    if (f.fingerprint)
        sql += " AND model_fingerprint = ?";
    if (f.modelNameContains)
        sql += " AND instr(model_name, ?) > 0";
    if (f.id)
        sql += " AND id = ?";
    sql += " ORDER BY id DESC";
    if (f.limit >= 0)
        sql += " LIMIT " + std::to_string(f.limit);
    std::vector<ResultRecord> out;
    try {
        Stmt s(m_db, sql, *this);
        int i = 1;
        for (const auto* v : {&f.kind, &f.task, &f.fingerprint, &f.modelNameContains})
            if (*v)
                s.bind(i++, **v);
        if (f.id)
            s.bind(i++, *f.id);
        const std::string file = m_path.string();
        while (s.step()) {
            ResultRecord r;
            r.id = s.integer(0);
            r.createdAt = s.text(1);
            r.kind = s.text(2);
            r.task = s.text(3);
            r.convention = s.text(4);
            r.modelPath = s.text(5);
            r.modelName = s.text(6);
            r.modelFingerprint = s.text(7);
            r.provenance = parseColumn(s.text(8), "provenance", file);
            r.settings = parseColumn(s.text(9), "settings", file);
            r.memory = parseColumn(s.text(10), "memory", file);
            r.speed = parseColumn(s.text(11), "speed", file);
            r.energy = parseColumn(s.text(12), "energy", file);
            r.machine = parseColumn(s.text(13), "machine", file);
            r.versions = parseColumn(s.text(14), "versions", file);
            r.durationS = s.real(15);
            r.notes = s.text(16);
            out.push_back(std::move(r));
        }
        for (auto& r : out) {
            Stmt m(m_db, "SELECT name, value, stderr, unit FROM metrics WHERE record_id = ? ORDER BY rowid;", *this);
            m.bind(1, r.id);
            while (m.step()) {
                Metric x;
                x.name = m.text(0);
                x.value = m.isNull(1) ? std::nan("") : m.real(1);
                if (!m.isNull(2))
                    x.stderr_ = m.real(2);
                x.unit = m.text(3);
                r.metrics.push_back(std::move(x));
            }
        }
    } catch (const IoError& e) {
        throw IoError(m_path.string() + ": cannot read records: " + e.what());
    }
    return out;
}

std::optional<ResultRecord> ResultStore::get(int64_t id) const {
    Filter f;
    f.id = id;
    auto v = list(f);
    if (v.empty())
        return std::nullopt;
    return std::move(v.front());
}

bool ResultStore::remove(int64_t id) {
    Stmt s(m_db, "DELETE FROM records WHERE id = ?;", *this);
    s.bind(1, id);
    s.step();
    return sqlite3_changes(m_db) > 0;
}

std::string ResultStore::exportJson(const Filter& f) const {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& r : list(f))
        a.push_back(r.toJson());
    return a.dump(2) + "\n";
}

std::string ResultStore::exportCsv(const Filter& f) const {
    std::string out = "id,created_at,kind,task,convention,model_name,model_fingerprint,metric,value,stderr,unit,settings\r\n";
    for (const auto& r : list(f))
        for (const auto& m : r.metrics) {
            const std::string fields[] = {std::to_string(r.id), r.createdAt, r.kind, r.task, r.convention, r.modelName,
                                          r.modelFingerprint, m.name, number(m.value),
                                          m.stderr_ ? number(*m.stderr_) : std::string(), m.unit, r.settings.dump()};
            for (size_t i = 0; i < std::size(fields); ++i)
                out += (i ? "," : "") + csvField(fields[i]);
            out += "\r\n";
        }
    return out;
}

void ResultStore::exportToFile(const std::filesystem::path& file, const Filter& f) const {
    const std::string ext = file.extension().string();
    if (ext == ".json")
        io::writeFileAtomic(file, exportJson(f));
    else if (ext == ".csv")
        io::writeFileAtomic(file, exportCsv(f));
    else
        throw ConfigError(file.string() + ": export format from the extension must be .json or .csv");
}

} // namespace slim::results
