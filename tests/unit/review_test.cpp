#include "review/review.h"

#include <doctest/doctest.h>

#include "base/error.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::first_error;
using chataudit::testing::TempDir;

namespace {

constexpr std::string_view kWaiver = R"([[waiver]]
rule = "temporary-group-overdue"
subject = "G017"
reason = "Awaiting the branch committee"
approved_by = "P001"
expires = 2026-12-31
)";

std::string waiver_error(const std::string& path) {
  return first_error([&] { load_waivers(path); });
}

std::string baseline_error(const std::string& path, const std::string& tool = "stale-group-finder") {
  return first_error([&] { load_baseline(path, tool); });
}

Finding make_finding(std::string rule, std::string subject_id) {
  Finding finding;
  finding.rule = std::move(rule);
  finding.subject_kind = "group";
  finding.subject_id = std::move(subject_id);
  finding.fingerprint = fingerprint(finding.rule, finding.subject_kind, finding.subject_id);
  return finding;
}

Waiver make_waiver(std::string rule, std::string subject, Date expires) {
  Waiver waiver;
  waiver.rule = std::move(rule);
  waiver.subject = std::move(subject);
  waiver.reason = "approved";
  waiver.approved_by = "P001";
  waiver.expires = expires;
  return waiver;
}

PastFinding past(const Finding& finding) {
  return PastFinding{finding.rule, "error", finding.subject_kind, finding.subject_id, "", "old", finding.fingerprint};
}

const Date kAsOf(2026, 11, 27);

}  // namespace

// --- load_waivers ----------------------------------------------------------------------------

TEST_CASE("waiver file: every key read, expires as a TOML date or a date string") {
  TempDir dir;
  const std::string path = dir.write("w.toml", std::string(kWaiver) + R"(
[[waiver]]
rule = "group-without-owner"
subject = "G020"
reason = "  Owner being appointed  "
approved_by = "P002"
expires = "2027/1/5"

[[waiver]]
rule = "group-without-owner"
subject = "G021"
reason = "r"
approved_by = "P002"
expires = "2027-01-06T01:00+08:00"
)");
  const std::vector<Waiver> waivers = load_waivers(path);
  REQUIRE(waivers.size() == 3);
  CHECK(waivers[0].rule == "temporary-group-overdue");
  CHECK(waivers[0].subject == "G017");
  CHECK(waivers[0].reason == "Awaiting the branch committee");
  CHECK(waivers[0].approved_by == "P001");
  CHECK(format_date(waivers[0].expires) == "2026-12-31");
  CHECK(waivers[0].where.file == path);
  CHECK(waivers[0].where.line == 1);
  CHECK(waivers[1].reason == "Owner being appointed");
  CHECK(format_date(waivers[1].expires) == "2027-01-05");
  CHECK(waivers[1].where.line == 8);
  // A date-time string is taken as its date in UTC when no zone is given...
  CHECK(format_date(waivers[2].expires) == "2027-01-05");
  // ...and in the policy's zone when one is (2027-01-05T17:00Z is the 6th in Shanghai, the 5th in
  // New York); a TOML date-time too.
  const std::string zoned = dir.write("z.toml", R"(
[[waiver]]
rule = "r"
subject = "A"
reason = "r"
approved_by = "P"
expires = "2027-01-05T17:00Z"

[[waiver]]
rule = "r"
subject = "B"
reason = "r"
approved_by = "P"
expires = 2027-01-06T01:00:00+08:00
)");
  const TimeZone shanghai = *TimeZone::parse("+08:00", nullptr);
  const TimeZone new_york = *TimeZone::parse("-05:00", nullptr);
  CHECK(format_date(load_waivers(zoned, shanghai)[0].expires) == "2027-01-06");
  CHECK(format_date(load_waivers(zoned, new_york)[0].expires) == "2027-01-05");
  CHECK(format_date(load_waivers(zoned, shanghai)[1].expires) == "2027-01-06");
  CHECK(format_date(load_waivers(zoned, new_york)[1].expires) == "2027-01-05");
}

TEST_CASE("waiver file: empty or only comments means no waivers") {
  TempDir dir;
  CHECK(load_waivers(dir.write("empty.toml", "")).empty());
  CHECK(load_waivers(dir.write("comments.toml", "# nothing waived this quarter\n\n")).empty());
}

TEST_CASE("waiver file: errors name FILE:LINE:COLUMN") {
  TempDir dir;
  auto error_of = [&](std::string_view text) { return waiver_error(dir.write("w.toml", text)); };
  const std::string path = dir.path() + "/w.toml";

  SUBCASE("unknown key") {
    CHECK(error_of(std::string(kWaiver) + "approvedby = \"P002\"\n") ==
          path +
              ":7:1: unknown key \"approvedby\" in [[waiver]]; expected one of: rule, subject, reason, "
              "approved_by, expires");
  }
  SUBCASE("unknown top-level key") {
    CHECK(error_of("title = \"x\"\n" + std::string(kWaiver)) ==
          path + ":1:1: unknown key \"title\" in the waiver file; expected one of: waiver");
  }
  SUBCASE("missing key") {
    CHECK(error_of("\n[[waiver]]\nrule = \"r\"\nsubject = \"s\"\nreason = \"x\"\napproved_by = \"P001\"\n") ==
          path + ":2:1: [[waiver]] needs \"expires\" (every waiver has rule, subject, reason, approved_by, expires)");
  }
  SUBCASE("empty value") {
    CHECK(error_of("[[waiver]]\nrule = \"r\"\nsubject = \"s\"\nreason = \" \"\napproved_by = \"P001\"\n"
                   "expires = 2026-12-31\n") == path + ":4:10: \"reason\" in [[waiver]] must not be empty");
  }
  SUBCASE("bad date string") {
    CHECK(error_of("[[waiver]]\nrule = \"r\"\nsubject = \"s\"\nreason = \"x\"\napproved_by = \"P001\"\n"
                   "expires = \"2026-13-01\"\n") ==
          path + ":6:11: \"expires\" = \"2026-13-01\" is not a date; use " + std::string(accepted_date_spellings()));
  }
  SUBCASE("expires of the wrong type") {
    CHECK(error_of("[[waiver]]\nrule = \"r\"\nsubject = \"s\"\nreason = \"x\"\napproved_by = \"P001\"\n"
                   "expires = 20261231\n") ==
          path + ":6:11: \"expires\" in [[waiver]] must be a date such as 2026-12-31");
    CHECK(error_of("[[waiver]]\nrule = \"r\"\nsubject = \"s\"\nreason = \"x\"\napproved_by = \"P001\"\n"
                   "expires = 12:00:00\n") ==
          path + ":6:11: \"expires\" in [[waiver]] must be a date such as 2026-12-31");
  }
  SUBCASE("expires before the calendar") {
    CHECK(error_of("[[waiver]]\nrule = \"r\"\nsubject = \"s\"\nreason = \"x\"\napproved_by = \"P001\"\n"
                   "expires = \"1399-12-31\"\n") ==
          path + ":6:11: \"expires\" = \"1399-12-31\" is before 1400-01-01, the first day chataudit's calendar holds");
  }
  SUBCASE("a string key of the wrong type") {
    CHECK(error_of("[[waiver]]\nrule = \"r\"\nsubject = 17\nreason = \"x\"\napproved_by = \"P001\"\n"
                   "expires = 2026-12-31\n") == path + ":3:11: \"subject\" in [[waiver]] must be a string");
  }
  SUBCASE("duplicate rule and subject, at the second waiver") {
    CHECK(error_of(std::string(kWaiver) + "\n" + std::string(kWaiver)) ==
          path + ":8:1: a second waiver for rule temporary-group-overdue on subject G017 (the first is at line 1)");
  }
  SUBCASE("waiver not an array of tables") {
    CHECK(error_of("[waiver]\nrule = \"r\"\n") == path + ":1:1: waivers must be written as [[waiver]] tables");
  }
  SUBCASE("TOML syntax") {
    CHECK(error_of("[[waiver]]\nrule = \"r\nsubject = \"s\"\n") ==
          path +
              ":2:10: Error while parsing string: unescaped control characters other than TAB (U+0009) are explicitly "
              "prohibited");
  }
}

TEST_CASE("waiver file: a missing file is an error naming it") {
  TempDir dir;
  const std::string path = dir.path() + "/none.toml";
  CHECK(waiver_error(path) == path + ": cannot open waiver file");
}

// --- apply_waivers ---------------------------------------------------------------------------

TEST_CASE("apply_waivers: a matching unexpired waiver moves the finding, in order") {
  std::vector<Finding> findings{make_finding("r1", "G1"), make_finding("r1", "G2"), make_finding("r2", "G1"),
                                make_finding("r1", "G1")};
  const std::vector<Waiver> waivers{make_waiver("r1", "G1", Date(2026, 12, 31))};
  const WaiverOutcome outcome = apply_waivers(findings, waivers, kAsOf);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0].subject_id == "G2");
  CHECK(findings[1].rule == "r2");
  REQUIRE(outcome.waived.size() == 2);
  CHECK(outcome.waived[0].finding.subject_id == "G1");
  CHECK(outcome.waived[0].waiver.rule == "r1");
  CHECK(outcome.expired.empty());
  CHECK(outcome.unused.empty());
}

TEST_CASE("apply_waivers: a waiver expires at the start of its day") {
  SUBCASE("expires on the as-of date: expired, the finding stays") {
    std::vector<Finding> findings{make_finding("r1", "G1")};
    const WaiverOutcome outcome = apply_waivers(findings, {make_waiver("r1", "G1", kAsOf)}, kAsOf);
    CHECK(findings.size() == 1);
    CHECK(outcome.waived.empty());
    REQUIRE(outcome.expired.size() == 1);
    CHECK(outcome.expired[0].subject == "G1");
    CHECK(outcome.unused.empty());
  }
  SUBCASE("expires the day after the as-of date: still waives") {
    std::vector<Finding> findings{make_finding("r1", "G1")};
    const WaiverOutcome outcome =
        apply_waivers(findings, {make_waiver("r1", "G1", kAsOf + boost::gregorian::days(1))}, kAsOf);
    CHECK(findings.empty());
    CHECK(outcome.waived.size() == 1);
    CHECK(outcome.expired.empty());
  }
  SUBCASE("expired long ago and matching nothing: expired, not unused") {
    std::vector<Finding> findings;
    const WaiverOutcome outcome = apply_waivers(findings, {make_waiver("r1", "G9", Date(2025, 1, 1))}, kAsOf);
    CHECK(outcome.expired.size() == 1);
    CHECK(outcome.unused.empty());
  }
}

TEST_CASE("apply_waivers: an unexpired waiver that matches nothing is unused") {
  std::vector<Finding> findings{make_finding("r1", "G1")};
  const std::vector<Waiver> waivers{make_waiver("r1", "G2", Date(2027, 1, 1)),  // another subject
                                    make_waiver("r2", "G1", Date(2027, 1, 1)),  // another rule
                                    make_waiver("r1", "G1", Date(2027, 1, 1))};
  const WaiverOutcome outcome = apply_waivers(findings, waivers, kAsOf);
  CHECK(findings.empty());
  CHECK(outcome.waived.size() == 1);
  REQUIRE(outcome.unused.size() == 2);
  CHECK(outcome.unused[0].subject == "G2");
  CHECK(outcome.unused[1].rule == "r2");
}

// --- baseline --------------------------------------------------------------------------------

TEST_CASE("baseline: a JSON report's findings are read") {
  TempDir dir;
  const std::string path = dir.write("old.json", R"({ "tool": "stale-group-finder", "version": "0.1",
  "findings": [
    { "rule": "r1", "severity": "error", "subject": { "kind": "group", "id": "G1", "name": "工作群" },
      "group_id": "G1", "message": "old message", "fingerprint": "aaaa" },
    { "rule": "r2", "severity": "notice", "subject": { "kind": "org", "id": "O1" },
      "message": "m", "fingerprint": "bbbb" } ],
  "waived": [], "resolved": [] })");
  const Baseline baseline = load_baseline(path, "stale-group-finder");
  CHECK(baseline.source == path);
  REQUIRE(baseline.findings.size() == 2);
  CHECK(baseline.findings[0].rule == "r1");
  CHECK(baseline.findings[0].severity == "error");
  CHECK(baseline.findings[0].subject_kind == "group");
  CHECK(baseline.findings[0].subject_id == "G1");
  CHECK(baseline.findings[0].subject_name == "工作群");
  CHECK(baseline.findings[0].message == "old message");
  CHECK(baseline.findings[0].fingerprint == "aaaa");
  CHECK(baseline.findings[1].subject_name.empty());
}

TEST_CASE("baseline: new, persisting and resolved by fingerprint; a waived finding is not resolved") {
  const Finding persisting = make_finding("r1", "G1");
  const Finding gone = make_finding("r1", "G2");
  const Finding now_waived = make_finding("r2", "G3");
  const Finding fresh = make_finding("r3", "G4");
  Baseline baseline{"old.json", {past(persisting), past(gone), past(now_waived)}};
  std::vector<Finding> findings{persisting, fresh};
  const std::vector<WaivedFinding> waived{{now_waived, make_waiver("r2", "G3", Date(2027, 1, 1))}};
  const std::vector<PastFinding> resolved = apply_baseline(findings, waived, baseline);
  CHECK(findings[0].change == "persisting");
  CHECK(findings[1].change == "new");
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].subject_id == "G2");
  CHECK(resolved[0].message == "old");
}

TEST_CASE("baseline: an empty baseline makes every finding new") {
  std::vector<Finding> findings{make_finding("r1", "G1")};
  CHECK(apply_baseline(findings, {}, Baseline{}).empty());
  CHECK(findings[0].change == "new");
}

TEST_CASE("baseline file errors name the file") {
  TempDir dir;
  SUBCASE("not JSON: line and column of the syntax error") {
    const std::string path = dir.write("old.json", "{ \"tool\": \"stale-group-finder\",\n  \"findings\": [ x ] }");
    CHECK(baseline_error(path) ==
          path + ":2:17: not a JSON report: syntax error while parsing value - invalid literal");
  }
  SUBCASE("empty file") {
    const std::string path = dir.write("old.json", "");
    CHECK(baseline_error(path) == path +
                                      ":1:1: not a JSON report: syntax error while parsing value - unexpected end of "
                                      "input; expected '[', '{', or a literal");
  }
  SUBCASE("another tool's report") {
    const std::string path = dir.write("old.json", R"({ "tool": "registry-check", "findings": [] })");
    CHECK(baseline_error(path) == path + ": is a report of registry-check, not stale-group-finder");
  }
  SUBCASE("no findings") {
    const std::string path = dir.write("old.json", R"({ "tool": "stale-group-finder" })");
    CHECK(baseline_error(path) == path + ": not a JSON report of chataudit (no \"findings\")");
  }
  SUBCASE("not a report at all") {
    const std::string path = dir.write("old.json", "[1, 2]");
    CHECK(baseline_error(path) ==
          path + ": not a JSON report of chataudit (expected an object with \"tool\" and \"findings\")");
  }
  SUBCASE("a finding without a subject id") {
    const std::string path = dir.write("old.json", R"({ "tool": "stale-group-finder", "findings": [
      { "rule": "r1", "severity": "error", "subject": { "kind": "group", "id": "G1" }, "message": "m", "fingerprint": "a" },
      { "rule": "r1", "severity": "error", "subject": { "kind": "group" }, "message": "m", "fingerprint": "b" } ] })");
    CHECK(baseline_error(path) == path + ": findings[1].subject: missing \"id\"");
  }
  SUBCASE("a finding with a fingerprint of the wrong type") {
    const std::string path = dir.write("old.json", R"({ "tool": "stale-group-finder", "findings": [
      { "rule": "r1", "severity": "error", "subject": { "kind": "group", "id": "G1" }, "message": "m", "fingerprint": 7 } ] })");
    CHECK(baseline_error(path) == path + ": findings[0]: \"fingerprint\" must be a string");
  }
  SUBCASE("missing file") {
    CHECK(baseline_error(dir.path() + "/none.json") == dir.path() + "/none.json: cannot open baseline report");
  }
}
