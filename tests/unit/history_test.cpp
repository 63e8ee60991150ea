#include "history/history.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <filesystem>

#include "base/error.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::first_error;
using chataudit::testing::TempDir;

namespace {

Finding make_finding(std::string rule, Severity severity, std::string subject_id) {
  Finding finding;
  finding.rule = std::move(rule);
  finding.severity = severity;
  finding.subject_kind = "group";
  finding.subject_id = std::move(subject_id);
  finding.subject_name = "群 " + finding.subject_id;
  finding.message = Localized{"中文 " + finding.subject_id, "English " + finding.subject_id};
  finding.fingerprint = fingerprint(finding.rule, finding.subject_kind, finding.subject_id);
  return finding;
}

// Everything a Report points to, kept alive together.
struct Run {
  Policy policy;
  InventorySummary inventory;
  RunResult result;
  Review review;
  Report report;

  Run(std::string tool, Date as_of) {
    policy.id = "jiusan-2020";
    policy.digest = "d1g3st";
    inventory.source = "samples/jiusan-branch";
    report.tool = std::move(tool);
    report.version = "0.1.0";
    report.as_of = as_of;
    report.policy = &policy;
    report.inventory = &inventory;
    report.result = &result;
    report.review = &review;
  }
};

Scope scope_of(const std::string& tool, const std::string& org = "") {
  Scope scope;
  scope.tool = tool;
  scope.policy_id = "jiusan-2020";
  scope.inventory = {"groups=/srv/registry/groups.csv"};
  scope.org = org;
  return scope;
}

void record(const std::string& path, const Report& report, const std::vector<Finding>& undelivered = {},
            const Baseline* baseline = nullptr) {
  record_run(path, report, scope_of(report.tool), undelivered, baseline);
}

std::string record_error(const std::string& path, const Report& report) {
  return first_error([&] { record(path, report); });
}

std::string last_run_error(const std::string& path) {
  return first_error([&] { last_recorded_run(path, scope_of("stale-group-finder"), Date(2026, 12, 31)); });
}

}  // namespace

TEST_CASE("history: two recorded runs, their rows, and the last run as a baseline") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";

  Run first("stale-group-finder", Date(2026, 11, 20));
  first.result.findings = {make_finding("r1", Severity::error, "G1"), make_finding("r2", Severity::warning, "G2")};
  first.report.options.mail_date = 1795000000;  // 2026-11-18T11:06:40Z
  record(path, first.report);

  Run second("stale-group-finder", Date(2026, 11, 27));
  second.report.lang = Lang::zh;
  second.report.options.mail_date = 1795600000;
  second.result.findings = {make_finding("r1", Severity::error, "G1"), make_finding("r3", Severity::notice, "G3")};
  second.result.findings[0].change = "persisting";
  second.result.findings[0].ids = {{"group_id", "G1"}, {"org_id", "O3"}, {"responsible_id", "P7"}};
  second.result.findings[0].due_on = "2026-11-20";
  second.result.findings[0].days_overdue = 7;
  second.result.findings[1].change = "new";
  Finding waived = make_finding("r4", Severity::error, "G4");
  second.review.waived.push_back(WaivedFinding{waived, Waiver{}});
  second.review.resolved.push_back(PastFinding{"r2", "warning", "group", "G2", "", "English G2", "f"});
  record(path, second.report);

  // Another tool's run, recorded later, is not "the last run" of stale-group-finder.
  Run other("registry-check", Date(2026, 11, 28));
  other.result.findings = {make_finding("a1", Severity::error, "A1")};
  record(path, other.report);

  SQLite::Database db(path);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 2);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(db.execAndGet("SELECT count(*) FROM runs").getInt() == 3);

  SQLite::Statement runs(
      db,
      "SELECT run_id, tool, as_of, recorded_at, version, policy_id, policy_digest, inventory_source, "
      "inventory_digest, findings, errors, warnings, notices, waived, new, resolved FROM runs "
      "ORDER BY run_id");
  REQUIRE(runs.executeStep());
  CHECK(runs.getColumn(1).getString() == "stale-group-finder");
  CHECK(runs.getColumn(2).getString() == "2026-11-20");
  CHECK(runs.getColumn(3).getString() == "2026-11-18T11:06:40Z");
  CHECK(runs.getColumn(4).getString() == "0.1.0");
  CHECK(runs.getColumn(5).getString() == "jiusan-2020");
  CHECK(runs.getColumn(6).getString() == "d1g3st");
  CHECK(runs.getColumn(7).getString() == "samples/jiusan-branch");
  CHECK(runs.getColumn(9).getInt() == 2);
  CHECK(runs.getColumn(10).getInt() == 1);
  CHECK(runs.getColumn(11).getInt() == 1);
  CHECK(runs.getColumn(12).getInt() == 0);
  REQUIRE(runs.executeStep());
  const std::int64_t second_id = runs.getColumn(0).getInt64();
  CHECK(runs.getColumn(2).getString() == "2026-11-27");
  CHECK(runs.getColumn(3).getString() == "2026-11-25T09:46:40Z");
  CHECK(runs.getColumn(9).getInt() == 2);   // findings (waived ones not counted)
  CHECK(runs.getColumn(10).getInt() == 1);  // errors
  CHECK(runs.getColumn(11).getInt() == 0);  // warnings
  CHECK(runs.getColumn(12).getInt() == 1);  // notices
  CHECK(runs.getColumn(13).getInt() == 1);  // waived
  CHECK(runs.getColumn(14).getInt() == 1);  // new
  CHECK(runs.getColumn(15).getInt() == 1);  // resolved
  REQUIRE(runs.executeStep());
  CHECK(runs.getColumn(1).getString() == "registry-check");
  CHECK(!runs.getColumn(3).getString().empty());  // no mail date: the current time

  SQLite::Statement findings(db,
                             "SELECT rule, severity, subject_kind, subject_id, subject_name, fingerprint, message, "
                             "change, waived, org_id, responsible_id, due_on, days_overdue FROM findings "
                             "WHERE run_id = ? ORDER BY rowid");
  findings.bind(1, second_id);
  REQUIRE(findings.executeStep());
  CHECK(findings.getColumn(0).getString() == "r1");
  CHECK(findings.getColumn(1).getString() == "error");
  CHECK(findings.getColumn(2).getString() == "group");
  CHECK(findings.getColumn(3).getString() == "G1");
  CHECK(findings.getColumn(4).getString() == "群 G1");
  CHECK(findings.getColumn(5).getString() == second.result.findings[0].fingerprint);
  CHECK(findings.getColumn(6).getString() == "中文 G1");  // in the report's language
  CHECK(findings.getColumn(7).getString() == "persisting");
  CHECK(findings.getColumn(8).getInt() == 0);
  CHECK(findings.getColumn(9).getString() == "O3");
  CHECK(findings.getColumn(10).getString() == "P7");
  CHECK(findings.getColumn(11).getString() == "2026-11-20");
  CHECK(findings.getColumn(12).getInt64() == 7);
  REQUIRE(findings.executeStep());
  CHECK(findings.getColumn(3).getString() == "G3");
  CHECK(findings.getColumn(7).getString() == "new");
  CHECK(findings.getColumn(9).isNull());  // ids that do not apply are NULL
  CHECK(findings.getColumn(12).isNull());
  REQUIRE(findings.executeStep());
  CHECK(findings.getColumn(3).getString() == "G4");
  CHECK(findings.getColumn(8).getInt() == 1);
  CHECK_FALSE(findings.executeStep());

  const Baseline baseline = last_recorded_run(path, scope_of("stale-group-finder"), Date(2026, 12, 31));
  CHECK(baseline.source == path);
  REQUIRE(baseline.findings.size() == 2);  // the waived finding is not part of the baseline
  CHECK(baseline.findings[0].rule == "r1");
  CHECK(baseline.findings[0].severity == "error");
  CHECK(baseline.findings[0].subject_kind == "group");
  CHECK(baseline.findings[0].subject_id == "G1");
  CHECK(baseline.findings[0].subject_name == "群 G1");
  CHECK(baseline.findings[0].message == "中文 G1");
  CHECK(baseline.findings[0].fingerprint == second.result.findings[0].fingerprint);
  CHECK(baseline.findings[1].subject_id == "G3");

  CHECK(last_recorded_run(path, scope_of("handover-check"), Date(2026, 12, 31)).findings.empty());
}

TEST_CASE("history: no database yet is an empty baseline, and reading creates no file") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";
  const Baseline baseline = last_recorded_run(path, scope_of("stale-group-finder"), Date(2026, 12, 31));
  CHECK(baseline.findings.empty());
  CHECK(baseline.source == path);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("history: an empty file is an empty history") {
  TempDir dir;
  const std::string path = dir.write("history.db", "");
  CHECK(last_recorded_run(path, scope_of("stale-group-finder"), Date(2026, 12, 31)).findings.empty());
  Run run("stale-group-finder", Date(2026, 11, 27));
  run.result.findings = {make_finding("r1", Severity::error, "G1")};
  record(path, run.report);
  CHECK(last_recorded_run(path, scope_of("stale-group-finder"), Date(2026, 12, 31)).findings.size() == 1);
}

TEST_CASE("history: a file that is not a history database is refused") {
  TempDir dir;
  Run run("stale-group-finder", Date(2026, 11, 27));

  SUBCASE("not SQLite") {
    const std::string path = dir.write("notes.db", "tool,as_of\nstale-group-finder,2026-11-27\n");
    const std::string expected = path + ": not a SQLite database (expected a chataudit history database)";
    CHECK(last_run_error(path) == expected);
    CHECK(record_error(path, run.report) == expected);
  }
  SUBCASE("another SQLite database") {
    const std::string path = dir.path() + "/inventory.db";
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("CREATE TABLE groups(group_id TEXT)");
    }
    const std::string expected =
        path + ": a SQLite database, but not a chataudit history database (no schema version); use another file";
    CHECK(last_run_error(path) == expected);
    CHECK(record_error(path, run.report) == expected);
    SQLite::Database db(path);
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "delete");  // left as it was
  }
  SUBCASE("a newer schema version") {
    const std::string path = dir.path() + "/history.db";
    {
      SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      db.exec("PRAGMA user_version = 3");
    }
    const std::string expected = path + ": history database schema version 3; this chataudit reads versions 1 and 2";
    CHECK(last_run_error(path) == expected);
    CHECK(record_error(path, run.report) == expected);
  }
  SUBCASE("a directory") {
    CHECK(last_run_error(dir.path()) == dir.path() + ": is a directory, not a history database");
  }
}

namespace {

// The baseline --baseline last gives `tool` in `scope` on `as_of`, as subject ids.
std::vector<std::string> baseline_subjects(const std::string& path, const Scope& scope, Date as_of) {
  std::vector<std::string> subjects;
  for (const PastFinding& past : last_recorded_run(path, scope, as_of).findings) subjects.push_back(past.subject_id);
  return subjects;
}

}  // namespace

TEST_CASE("history: --baseline last is the latest run of the same scope on or before the as-of date") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";
  auto record_in = [&](const std::string& org, Date as_of, std::vector<std::string> subjects) {
    Run run("stale-group-finder", as_of);
    for (const std::string& subject : subjects)
      run.result.findings.push_back(make_finding("r1", Severity::error, subject));
    record_run(path, run.report, scope_of("stale-group-finder", org), {}, nullptr);
  };
  record_in("O02", Date(2026, 11, 20), {"G1", "G2"});
  record_in("O03", Date(2026, 11, 21), {"G7"});
  // O02 again: its own last run, not O03's, later though it is.
  CHECK(baseline_subjects(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 22)) ==
        std::vector<std::string>{"G1", "G2"});
  CHECK(baseline_subjects(path, scope_of("stale-group-finder", "O03"), Date(2026, 11, 22)) ==
        std::vector<std::string>{"G7"});
  // A scope never recorded, or an as-of before every run: no baseline.
  CHECK(baseline_subjects(path, scope_of("stale-group-finder", "O04"), Date(2026, 11, 22)).empty());
  CHECK(baseline_subjects(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 19)).empty());
  // A re-run for an earlier date compares with the run of that date or before, not a later one.
  record_in("O02", Date(2026, 11, 25), {"G2"});
  CHECK(baseline_subjects(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 24)) ==
        std::vector<std::string>{"G1", "G2"});
  CHECK(baseline_subjects(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 25)) ==
        std::vector<std::string>{"G2"});
  // Another inventory is another scope.
  Scope elsewhere = scope_of("stale-group-finder", "O02");
  elsewhere.inventory = {"groups=/srv/other/groups.csv"};
  CHECK(baseline_subjects(path, elsewhere, Date(2026, 11, 30)).empty());
}

TEST_CASE("history: the trend is the latest 11 runs of the same scope on or before the as-of date, oldest first") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";
  CHECK(recorded_trend(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 30)).empty());  // no database
  auto record_in = [&](const std::string& org, Date as_of, int errors) {
    Run run("stale-group-finder", as_of);
    for (int i = 0; i < errors; ++i)
      run.result.findings.push_back(make_finding("r1", Severity::error, "G" + std::to_string(i)));
    // Left out by --only-new or --min-severity: still in the trend (after waivers, before --only-new).
    const std::vector<Finding> undelivered{make_finding("r2", Severity::notice, "G99")};
    record_run(path, run.report, scope_of("stale-group-finder", org), undelivered, nullptr);
  };
  for (int day = 1; day <= 13; ++day) record_in("O02", Date(2026, 11, day), day);
  record_in("O03", Date(2026, 11, 12), 40);
  const std::vector<TrendPoint> trend = recorded_trend(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 12));
  REQUIRE(trend.size() == 11);
  CHECK(trend.front().as_of == "2026-11-02");
  CHECK(trend.back().as_of == "2026-11-12");  // the run of the 13th is later than the as-of date
  CHECK(trend.back().by_severity == std::array<std::size_t, 3>{12, 0, 1});
  CHECK(trend.front().by_severity == std::array<std::size_t, 3>{2, 0, 1});
  CHECK(recorded_trend(path, scope_of("stale-group-finder", "O02"), Date(2026, 11, 3), 5).size() == 3);
  CHECK(recorded_trend(path, scope_of("stale-group-finder", "O04"), Date(2026, 11, 30)).empty());
  const std::vector<TrendPoint> other = recorded_trend(path, scope_of("stale-group-finder", "O03"), Date(2026, 11, 30));
  REQUIRE(other.size() == 1);
  CHECK(other[0].by_severity[0] == 40);
}

TEST_CASE("history: reminders come back once per period, and a changed responsible person reassigns") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";
  const Scope scope = scope_of("stale-group-finder");
  // Runs day by day with --baseline last --only-new --remind-after 3; returns each day's delivered changes.
  auto day = [&](Date as_of, const std::string& responsible) {
    Run run("stale-group-finder", as_of);
    Finding finding = make_finding("r1", Severity::error, "G1");
    finding.ids = {{"group_id", "G1"}, {"responsible_id", responsible}};
    run.result.findings = {finding};
    const Baseline baseline = last_recorded_run(path, scope, as_of);
    run.review.compared = true;
    apply_baseline(run.result.findings, {}, baseline);
    mark_redeliveries(run.result.findings, baseline, as_of, 3);
    const std::string change = run.result.findings[0].change;
    std::vector<Finding> undelivered;
    if (change == "persisting") undelivered.swap(run.result.findings);
    record_run(path, run.report, scope, undelivered, &baseline);
    return change;
  };
  CHECK(day(Date(2026, 11, 1), "P1") == "new");
  CHECK(day(Date(2026, 11, 2), "P1") == "persisting");
  CHECK(day(Date(2026, 11, 3), "P1") == "persisting");
  CHECK(day(Date(2026, 11, 4), "P1") == "reminder");  // 3 days after its delivery on the 1st
  CHECK(day(Date(2026, 11, 5), "P1") == "persisting");
  CHECK(day(Date(2026, 11, 6), "P1") == "persisting");
  CHECK(day(Date(2026, 11, 7), "P1") == "reminder");
  CHECK(day(Date(2026, 11, 8), "P2") == "reassigned");  // the owner left: his leader must hear of it
  CHECK(day(Date(2026, 11, 9), "P2") == "persisting");
  CHECK(day(Date(2026, 11, 10), "") == "reassigned");  // no one serving: to the unassigned report
}

TEST_CASE("history: a database of the first layout is migrated in place; its runs count as delivered") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(R"sql(
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, tool TEXT NOT NULL, as_of TEXT NOT NULL, recorded_at TEXT NOT NULL,
  version TEXT, policy_id TEXT, policy_digest TEXT, inventory_source TEXT, inventory_digest TEXT, findings INTEGER,
  errors INTEGER, warnings INTEGER, notices INTEGER, waived INTEGER, new INTEGER, resolved INTEGER);
CREATE TABLE findings (run_id INTEGER NOT NULL REFERENCES runs(run_id), rule TEXT NOT NULL, severity TEXT NOT NULL,
  subject_kind TEXT NOT NULL, subject_id TEXT NOT NULL, subject_name TEXT, fingerprint TEXT NOT NULL, message TEXT,
  change TEXT, waived INTEGER NOT NULL, org_id TEXT, responsible_id TEXT, due_on TEXT, days_overdue INTEGER);
CREATE INDEX findings_by_run ON findings(run_id);
CREATE INDEX runs_by_tool ON runs(tool, run_id);
PRAGMA user_version = 1;
INSERT INTO runs(run_id, tool, as_of, recorded_at, policy_id) VALUES (1, 'stale-group-finder', '2026-11-20', 'x', 'jiusan-2020');
)sql");
    SQLite::Statement insert(
        db, "INSERT INTO findings VALUES (1, 'r1', 'error', 'group', ?, '', ?, 'm', NULL, ?, NULL, 'P1', NULL, NULL)");
    for (const auto& [subject, waived] : {std::pair<std::string, int>{"G1", 0}, {"G2", 1}}) {
      insert.reset();
      insert.bind(1, subject);
      insert.bind(2, fingerprint("r1", "group", subject));
      insert.bind(3, waived);
      insert.exec();
    }
  }
  prepare_history(path);
  SQLite::Database db(path);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 2);
  CHECK(db.execAndGet("SELECT migrated FROM runs").getInt() == 1);
  CHECK(
      db.execAndGet("SELECT group_concat(subject_id || ':' || delivered || ':' || ifnull(delivered_on, '-') || ':' || "
                    "delivered_to_known, ' ') FROM findings")
          .getString() == "G1:1:2026-11-20:0 G2:0:-:0");
  // The first run of any scope of that tool and policy compares with the migrated run; a migrated
  // responsible person never reassigns.
  const Scope scope = scope_of("stale-group-finder", "O02");
  const Baseline baseline = last_recorded_run(path, scope, Date(2026, 11, 27));
  REQUIRE(baseline.findings.size() == 1);
  std::vector<Finding> findings{make_finding("r1", Severity::error, "G1")};
  findings[0].ids = {{"responsible_id", "P9"}};
  apply_baseline(findings, {}, baseline);
  mark_redeliveries(findings, baseline, Date(2026, 11, 27), 0);
  CHECK(findings[0].change == "persisting");
  CHECK(baseline_subjects(path, scope_of("registry-check"), Date(2026, 11, 27)).empty());
  // Migrating again does nothing.
  prepare_history(path);
  CHECK(db.execAndGet("SELECT count(*) FROM findings WHERE delivered = 1").getInt() == 1);
}
