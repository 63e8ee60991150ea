// The run history: one SQLite file that every run of every tool appends to (--record DB), and
// that `--baseline last` reads back. SQLiteCpp exceptions are turned into chataudit::Error here.
#include "chataudit/history.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "chataudit/error.h"
#include "sqlite_file.h"

namespace chataudit {

namespace {

// PRAGMA user_version of the layout below; a database with another one is refused, not migrated.
constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  run_id INTEGER PRIMARY KEY,
  tool TEXT NOT NULL,
  as_of TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  version TEXT,
  policy_id TEXT,
  policy_digest TEXT,
  inventory_source TEXT,
  inventory_digest TEXT,
  findings INTEGER,
  errors INTEGER,
  warnings INTEGER,
  notices INTEGER,
  waived INTEGER,
  new INTEGER,
  resolved INTEGER
);
CREATE TABLE IF NOT EXISTS findings (
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  subject_name TEXT,
  fingerprint TEXT NOT NULL,
  message TEXT,
  change TEXT,
  waived INTEGER NOT NULL,
  org_id TEXT,
  responsible_id TEXT,
  due_on TEXT,
  days_overdue INTEGER
);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings(run_id);
CREATE INDEX IF NOT EXISTS runs_by_tool ON runs(tool, run_id);
PRAGMA user_version = 1;
)sql";

[[noreturn]] void fail(const std::string& path, const std::string& message) {
  throw Error(Diagnostic{.file = path, .message = message});
}

// SQLite would say "file is not a database" only at the first query; say it plainly up front.
// An empty file is an empty database (SQLite treats it so).
bool is_sqlite_file(const std::string& path) {
  std::error_code error;
  return has_sqlite_header(path) || std::filesystem::file_size(path, error) == 0;
}

void check_is_database(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) fail(path, "is a directory, not a history database");
  if (!is_sqlite_file(path)) fail(path, "not a SQLite database (expected a chataudit history database)");
}

// True when the database holds our tables, false when it is empty (nothing recorded yet).
bool has_history_schema(SQLite::Database& db, const std::string& path) {
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version == kSchemaVersion) return true;
  if (version != 0)
    fail(path, fmt::format("history database schema version {}; this chataudit reads version {}", version,
                           kSchemaVersion));
  if (db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt() != 0)
    fail(path, "a SQLite database, but not a chataudit history database (no schema version); use another file");
  return false;
}

std::string utc_timestamp(std::int64_t seconds) {
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text.data();
}

void bind_text_or_null(SQLite::Statement& statement, int index, const std::string& value) {
  if (value.empty())
    statement.bind(index);
  else
    statement.bind(index, value);
}

std::string text_of(const SQLite::Column& column) { return column.isNull() ? std::string() : column.getString(); }

void insert_findings(SQLite::Database& db, std::int64_t run_id, const Report& report) {
  SQLite::Statement insert(db,
                           "INSERT INTO findings(run_id, rule, severity, subject_kind, subject_id, subject_name, "
                           "fingerprint, message, change, waived, org_id, responsible_id, due_on, days_overdue) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto add = [&](const Finding& finding, bool waived) {
    insert.reset();
    insert.clearBindings();
    insert.bind(1, static_cast<std::int64_t>(run_id));
    insert.bind(2, finding.rule);
    insert.bind(3, std::string(to_string(finding.severity)));
    insert.bind(4, finding.subject_kind);
    insert.bind(5, finding.subject_id);
    bind_text_or_null(insert, 6, finding.subject_name);
    insert.bind(7, finding.fingerprint);
    insert.bind(8, finding.message.in(report.lang));
    bind_text_or_null(insert, 9, finding.change);
    insert.bind(10, waived ? 1 : 0);
    bind_text_or_null(insert, 11, finding.field("org_id"));
    bind_text_or_null(insert, 12, finding.field("responsible_id"));
    bind_text_or_null(insert, 13, finding.due_on);
    if (finding.days_overdue)
      insert.bind(14, static_cast<std::int64_t>(*finding.days_overdue));
    else
      insert.bind(14);
    insert.exec();
  };
  if (report.result)
    for (const Finding& finding : report.result->findings) add(finding, false);
  if (report.review)
    for (const WaivedFinding& entry : report.review->waived) add(entry.finding, true);
}

std::int64_t insert_run(SQLite::Database& db, const Report& report) {
  std::array<std::int64_t, 3> by_severity{};
  std::int64_t new_findings = 0, findings = 0;
  if (report.result) {
    for (const Finding& finding : report.result->findings) {
      ++by_severity[static_cast<std::size_t>(finding.severity)];
      if (finding.change == "new") ++new_findings;
    }
    findings = static_cast<std::int64_t>(report.result->findings.size());
  }
  const std::int64_t waived = report.review ? static_cast<std::int64_t>(report.review->waived.size()) : 0;
  const std::int64_t resolved = report.review ? static_cast<std::int64_t>(report.review->resolved.size()) : 0;
  const std::int64_t now = report.options.mail_date != 0 ? report.options.mail_date : std::time(nullptr);

  SQLite::Statement insert(db,
                           "INSERT INTO runs(tool, as_of, recorded_at, version, policy_id, policy_digest, "
                           "inventory_source, inventory_digest, findings, errors, warnings, notices, waived, new, "
                           "resolved) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, report.tool);
  insert.bind(2, format_date(report.as_of));
  insert.bind(3, utc_timestamp(now));
  insert.bind(4, report.version);
  insert.bind(5, report.policy ? report.policy->id : std::string());
  insert.bind(6, report.policy ? report.policy->digest : std::string());
  insert.bind(7, report.inventory ? report.inventory->source : std::string());
  insert.bind(8, report.inventory ? report.inventory->digest() : std::string());
  insert.bind(9, findings);
  insert.bind(10, by_severity[0]);
  insert.bind(11, by_severity[1]);
  insert.bind(12, by_severity[2]);
  insert.bind(13, waived);
  insert.bind(14, new_findings);
  insert.bind(15, resolved);
  insert.exec();
  return db.getLastInsertRowid();
}

}  // namespace

void record_run(const std::string& path, const Report& report) {
  if (std::filesystem::exists(path)) check_is_database(path);
  try {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.setBusyTimeout(5000);  // two cron jobs recording at once wait for each other
    has_history_schema(db, path);  // refuse a foreign database before changing its journal mode
    db.exec("PRAGMA journal_mode = WAL");
    SQLite::Transaction transaction(db, SQLite::TransactionBehavior::IMMEDIATE);
    if (!has_history_schema(db, path)) db.exec(kSchema);
    const std::int64_t run_id = insert_run(db, report);
    insert_findings(db, run_id, report);
    transaction.commit();
  } catch (const SQLite::Exception& e) {
    fail(path, fmt::format("cannot record the run in the history database: {}", e.what()));
  }
}

Baseline last_recorded_run(const std::string& path, const std::string& tool) {
  Baseline baseline;
  baseline.source = path;
  if (!std::filesystem::exists(path)) return baseline;
  check_is_database(path);
  try {
    SQLite::Database db(sqlite_read_only_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    db.setBusyTimeout(5000);
    if (!has_history_schema(db, path)) return baseline;
    SQLite::Statement latest(db, "SELECT max(run_id) FROM runs WHERE tool = ?");
    latest.bind(1, tool);
    if (!latest.executeStep() || latest.getColumn(0).isNull()) return baseline;
    const std::int64_t run_id = latest.getColumn(0).getInt64();
    SQLite::Statement rows(db,
                           "SELECT rule, severity, subject_kind, subject_id, subject_name, message, fingerprint "
                           "FROM findings WHERE run_id = ? AND waived = 0 ORDER BY rowid");
    rows.bind(1, static_cast<std::int64_t>(run_id));
    while (rows.executeStep()) {
      baseline.findings.push_back(PastFinding{text_of(rows.getColumn(0)), text_of(rows.getColumn(1)),
                                              text_of(rows.getColumn(2)), text_of(rows.getColumn(3)),
                                              text_of(rows.getColumn(4)), text_of(rows.getColumn(5)),
                                              text_of(rows.getColumn(6))});
    }
  } catch (const SQLite::Exception& e) {
    fail(path, fmt::format("cannot read the history database: {}", e.what()));
  }
  return baseline;
}

}  // namespace chataudit
