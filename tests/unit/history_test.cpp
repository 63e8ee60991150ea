#include "chataudit/history.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <filesystem>

#include "chataudit/error.h"
#include "test_support.h"

using namespace chataudit;
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
  Inventory inventory;
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

std::string record_error(const std::string& path, const Report& report) {
  try {
    record_run(path, report);
  } catch (const Error& error) {
    return error.diagnostics().front().to_string();
  }
  return "no error";
}

std::string last_run_error(const std::string& path) {
  try {
    last_recorded_run(path, "stale-group-finder");
  } catch (const Error& error) {
    return error.diagnostics().front().to_string();
  }
  return "no error";
}

}  // namespace

TEST_CASE("history: two recorded runs, their rows, and the last run as a baseline") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";

  Run first("stale-group-finder", Date(2026, 11, 20));
  first.result.findings = {make_finding("r1", Severity::error, "G1"), make_finding("r2", Severity::warning, "G2")};
  first.report.options.mail_date = 1795000000;  // 2026-11-18T11:06:40Z
  record_run(path, first.report);

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
  record_run(path, second.report);

  // Another tool's run, recorded later, is not "the last run" of stale-group-finder.
  Run other("registry-check", Date(2026, 11, 28));
  other.result.findings = {make_finding("a1", Severity::error, "A1")};
  record_run(path, other.report);

  SQLite::Database db(path);
  CHECK(db.execAndGet("PRAGMA user_version").getInt() == 1);
  CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
  CHECK(db.execAndGet("SELECT count(*) FROM runs").getInt() == 3);

  SQLite::Statement runs(db,
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

  const Baseline baseline = last_recorded_run(path, "stale-group-finder");
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

  CHECK(last_recorded_run(path, "handover-check").findings.empty());
}

TEST_CASE("history: no database yet is an empty baseline, and reading creates no file") {
  TempDir dir;
  const std::string path = dir.path() + "/history.db";
  const Baseline baseline = last_recorded_run(path, "stale-group-finder");
  CHECK(baseline.findings.empty());
  CHECK(baseline.source == path);
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("history: an empty file is an empty history") {
  TempDir dir;
  const std::string path = dir.write("history.db", "");
  CHECK(last_recorded_run(path, "stale-group-finder").findings.empty());
  Run run("stale-group-finder", Date(2026, 11, 27));
  run.result.findings = {make_finding("r1", Severity::error, "G1")};
  record_run(path, run.report);
  CHECK(last_recorded_run(path, "stale-group-finder").findings.size() == 1);
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
      db.exec("PRAGMA user_version = 2");
    }
    const std::string expected = path + ": history database schema version 2; this chataudit reads version 1";
    CHECK(last_run_error(path) == expected);
    CHECK(record_error(path, run.report) == expected);
  }
  SUBCASE("a directory") {
    CHECK(last_run_error(dir.path()) == dir.path() + ": is a directory, not a history database");
  }
}
