// The run history: one SQLite file that every run of every tool appends to (--record DB), and
// that `--baseline last` reads back. SQLiteCpp exceptions are turned into chataudit::Error here.
#include "history/history.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <unordered_map>

#include "base/catalog.h"
#include "base/error.h"
#include "history/history_sql.h"
#include "store/sqlite_file.h"

namespace chataudit {

using history_internal::bind_text_or_null;
using history_internal::text_of;

namespace {

// PRAGMA user_version of the layout below. Version 1 (no scope, no delivery) is migrated in place.
constexpr int kSchemaVersion = 2;

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
  resolved INTEGER,
  job TEXT,
  scope_key TEXT,
  scope TEXT,
  migrated INTEGER NOT NULL DEFAULT 0
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
  days_overdue INTEGER,
  delivered INTEGER NOT NULL DEFAULT 1,
  delivered_on TEXT,
  delivered_to TEXT,
  delivered_to_known INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS findings_by_run ON findings(run_id);
CREATE INDEX IF NOT EXISTS runs_by_tool ON runs(tool, run_id);
CREATE INDEX IF NOT EXISTS runs_by_scope ON runs(scope_key, as_of, run_id);
PRAGMA user_version = 2;
)sql";

// From version 1: the same tables without scope and delivery. Every run so far counts as
// delivered (its findings were mailed, or it would not have been recorded), by no one known, so
// that the upgrade re-mails nothing and reassigns nothing.
constexpr const char* kMigrateFrom1 = R"sql(
ALTER TABLE runs ADD COLUMN job TEXT;
ALTER TABLE runs ADD COLUMN scope_key TEXT;
ALTER TABLE runs ADD COLUMN scope TEXT;
ALTER TABLE runs ADD COLUMN migrated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN delivered INTEGER NOT NULL DEFAULT 1;
ALTER TABLE findings ADD COLUMN delivered_on TEXT;
ALTER TABLE findings ADD COLUMN delivered_to TEXT;
ALTER TABLE findings ADD COLUMN delivered_to_known INTEGER NOT NULL DEFAULT 1;
UPDATE runs SET migrated = 1;
UPDATE findings SET delivered = (waived = 0), delivered_to_known = 0,
  delivered_on = CASE WHEN waived = 0 THEN (SELECT as_of FROM runs WHERE runs.run_id = findings.run_id) END;
CREATE INDEX IF NOT EXISTS runs_by_scope ON runs(scope_key, as_of, run_id);
PRAGMA user_version = 2;
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
  if (std::filesystem::is_directory(path, error)) fail(path, tr("is a directory, not a history database"));
  if (!is_sqlite_file(path)) fail(path, tr("not a SQLite database (expected a chataudit history database)"));
}

// The layout's version: kSchemaVersion, 1 (to migrate), or 0 for an empty database (nothing
// recorded yet). Anything else is refused.
int history_version(SQLite::Database& db, const std::string& path) {
  const int version = db.execAndGet("PRAGMA user_version").getInt();
  if (version == kSchemaVersion || version == 1) return version;
  if (version != 0)
    fail(path,
         tr("history database schema version {}; this chataudit reads versions 1 and {}", version, kSchemaVersion));
  if (db.execAndGet("SELECT count(*) FROM sqlite_schema").getInt() != 0)
    fail(path, tr("a SQLite database, but not a chataudit history database (no schema version); use another file"));
  return 0;
}

// Opens the database for writing, in WAL mode, with the current layout (created or migrated).
std::unique_ptr<SQLite::Database> open_for_writing(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db->setBusyTimeout(5000);    // two cron jobs recording at once wait for each other
  history_version(*db, path);  // refuse a foreign database before changing its journal mode
  db->exec("PRAGMA journal_mode = WAL");
  SQLite::Transaction transaction(*db, SQLite::TransactionBehavior::IMMEDIATE);
  const int version = history_version(*db, path);  // again: another job may have migrated it meanwhile
  if (version == 0) db->exec(kSchema);
  if (version == 1) db->exec(kMigrateFrom1);
  transaction.commit();
  return db;
}

std::string utc_timestamp(std::int64_t seconds) {
  const std::time_t time = static_cast<std::time_t>(seconds);
  std::tm parts{};
  gmtime_r(&time, &parts);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text.data();
}

}  // namespace

static std::int64_t insert_run(SQLite::Database& db, const Report& report, const Scope& scope,
                               const HistoryRows& rows) {
  const std::array<std::int64_t, 3>& by_severity = rows.by_severity();
  const std::int64_t new_findings = rows.fresh(), findings = rows.findings(), waived = rows.waived();
  const std::int64_t resolved = report.review ? static_cast<std::int64_t>(report.review->resolved.size()) : 0;
  const std::int64_t now = report.options.mail_date != 0 ? report.options.mail_date : std::time(nullptr);

  SQLite::Statement insert(db,
                           "INSERT INTO runs(tool, as_of, recorded_at, version, policy_id, policy_digest, "
                           "inventory_source, inventory_digest, findings, errors, warnings, notices, waived, new, "
                           "resolved, job, scope_key, scope) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, report.tool);
  insert.bind(2, format_date(report.as_of));
  insert.bind(3, utc_timestamp(now));
  insert.bind(4, report.version);
  insert.bind(5, report.policy ? report.policy->id : std::string());
  insert.bind(6, report.policy ? report.policy->digest : std::string());
  insert.bind(7, report.inventory ? report.inventory->source : std::string());
  insert.bind(8, report.inventory ? report.inventory->digest : std::string());
  insert.bind(9, findings);
  insert.bind(10, by_severity[0]);
  insert.bind(11, by_severity[1]);
  insert.bind(12, by_severity[2]);
  insert.bind(13, waived);
  insert.bind(14, new_findings);
  insert.bind(15, resolved);
  bind_text_or_null(insert, 16, scope.job);
  insert.bind(17, scope.key());
  insert.bind(18, scope.json());
  insert.exec();
  return db.getLastInsertRowid();
}

void prepare_history(const std::string& path) {
  if (!std::filesystem::exists(path)) return;
  check_is_database(path);
  try {
    open_for_writing(path);
  } catch (const SQLite::Exception& e) {
    fail(path, tr("cannot open the history database: {}", e.what()));
  }
}

void record_run(const std::string& path, const Report& report, const Scope& scope, HistoryRows& rows) {
  if (std::filesystem::exists(path)) check_is_database(path);
  try {
    std::unique_ptr<SQLite::Database> db = open_for_writing(path);
    SQLite::Transaction transaction(*db, SQLite::TransactionBehavior::IMMEDIATE);
    const std::int64_t run_id = insert_run(*db, report, scope, rows);
    rows.copy_into(*db, run_id);
    transaction.commit();
  } catch (const SQLite::Exception& e) {
    fail(path, tr("cannot record the run in the history database: {}", e.what()));
  }
}

void record_run(const std::string& path, const Report& report, const Scope& scope,
                const std::vector<Finding>& undelivered, const Baseline* baseline) {
  std::optional<BaselineMatcher> matcher;
  if (baseline) matcher.emplace(*baseline);
  HistoryRows rows(report.as_of, report.lang, matcher ? &*matcher : nullptr);
  if (report.result)
    for (const Finding& finding : report.result->findings) rows.add(finding, HistoryRows::Kind::delivered);
  for (const Finding& finding : undelivered) rows.add(finding, HistoryRows::Kind::undelivered);
  if (report.review)
    for (const WaivedFinding& entry : report.review->waived) rows.add(entry.finding, HistoryRows::Kind::waived);
  record_run(path, report, scope, rows);
}

Baseline last_recorded_run(const std::string& path, const Scope& scope, const Date& as_of) {
  Baseline baseline;
  baseline.source = path;
  if (!std::filesystem::exists(path)) return baseline;
  check_is_database(path);
  try {
    SQLite::Database db(sqlite_read_only_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    db.setBusyTimeout(5000);
    const int version = history_version(db, path);
    if (version == 0) return baseline;
    if (version != kSchemaVersion)
      fail(path, tr("history database of the first layout: not migrated (needs --record)"));
    const std::string date = format_date(as_of);
    SQLite::Statement own(db,
                          "SELECT run_id FROM runs WHERE scope_key = ? AND as_of <= ? "
                          "ORDER BY as_of DESC, run_id DESC LIMIT 1");
    own.bind(1, scope.key());
    own.bind(2, date);
    std::optional<std::int64_t> run_id;
    if (own.executeStep()) run_id = own.getColumn(0).getInt64();
    if (!run_id) {
      // The first run of this scope since the upgrade compares with what the old layout recorded.
      SQLite::Statement migrated(db,
                                 "SELECT run_id FROM runs WHERE migrated = 1 AND tool = ? AND policy_id = ? "
                                 "AND as_of <= ? ORDER BY as_of DESC, run_id DESC LIMIT 1");
      migrated.bind(1, scope.tool);
      migrated.bind(2, scope.policy_id);
      migrated.bind(3, date);
      if (migrated.executeStep()) run_id = migrated.getColumn(0).getInt64();
    }
    if (!run_id) return baseline;
    SQLite::Statement rows(db,
                           "SELECT rule, severity, subject_kind, subject_id, subject_name, message, fingerprint, "
                           "delivered_on, delivered_to, delivered_to_known "
                           "FROM findings WHERE run_id = ? AND waived = 0 ORDER BY rowid");
    rows.bind(1, *run_id);
    while (rows.executeStep()) {
      PastFinding past{text_of(rows.getColumn(0)), text_of(rows.getColumn(1)), text_of(rows.getColumn(2)),
                       text_of(rows.getColumn(3)), text_of(rows.getColumn(4)), text_of(rows.getColumn(5)),
                       text_of(rows.getColumn(6))};
      past.delivered_on = text_of(rows.getColumn(7));
      past.delivered_to = text_of(rows.getColumn(8));
      past.delivered_to_known = rows.getColumn(9).getInt() != 0;
      baseline.findings.push_back(std::move(past));
    }
  } catch (const SQLite::Exception& e) {
    fail(path, tr("cannot read the history database: {}", e.what()));
  }
  return baseline;
}

std::vector<TrendPoint> recorded_trend(const std::string& path, const Scope& scope, const Date& as_of,
                                       std::size_t earlier) {
  std::vector<TrendPoint> trend;
  if (earlier == 0 || !std::filesystem::exists(path)) return trend;
  check_is_database(path);
  try {
    SQLite::Database db(sqlite_read_only_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI);
    db.setBusyTimeout(5000);
    if (history_version(db, path) != kSchemaVersion) return trend;  // nothing of this scope recorded yet
    SQLite::Statement runs(db,
                           "SELECT as_of, errors, warnings, notices FROM runs WHERE scope_key = ? AND as_of <= ? "
                           "ORDER BY as_of DESC, run_id DESC LIMIT ?");
    runs.bind(1, scope.key());
    runs.bind(2, format_date(as_of));
    runs.bind(3, static_cast<std::int64_t>(earlier));
    while (runs.executeStep()) {
      TrendPoint point{text_of(runs.getColumn(0)), {}};
      for (int s = 0; s < 3; ++s)
        point.by_severity[s] = static_cast<std::size_t>(std::max<std::int64_t>(0, runs.getColumn(s + 1).getInt64()));
      trend.push_back(std::move(point));
    }
  } catch (const SQLite::Exception& e) {
    fail(path, tr("cannot read the history database: {}", e.what()));
  }
  std::reverse(trend.begin(), trend.end());
  return trend;
}

void mark_redelivery(Finding& finding, const BaselineMatcher& baseline, const Date& as_of, int remind_after_days) {
  if (finding.change != "persisting") return;
  const PastFinding* past = baseline.past(finding.fingerprint);
  if (!past || past->delivered_on.empty()) return;
  const PastFinding& last = *past;
  if (last.delivered_to_known && last.delivered_to != finding.field("responsible_id")) {
    finding.change = "reassigned";
    return;
  }
  const std::optional<Date> delivered_on = parse_date(last.delivered_on, TimeZone::utc());
  if (remind_after_days > 0 && delivered_on && (as_of - *delivered_on).days() >= remind_after_days)
    finding.change = "reminder";
}

void mark_redeliveries(std::vector<Finding>& findings, const BaselineMatcher& baseline, const Date& as_of,
                       int remind_after_days) {
  for (Finding& finding : findings) mark_redelivery(finding, baseline, as_of, remind_after_days);
}

void mark_redeliveries(std::vector<Finding>& findings, const Baseline& baseline, const Date& as_of,
                       int remind_after_days) {
  mark_redeliveries(findings, BaselineMatcher(baseline), as_of, remind_after_days);
}

}  // namespace chataudit
