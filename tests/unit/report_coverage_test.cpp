// What a run checked (SPEC §5 summary, issue 24 point 1): the rules passed and waived, counted by
// the report stream as each rule's findings arrive, and the "checked" line and coverage tables.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "cli/stream.h"
#include "report/format_table.h"
#include "report/report.h"

using namespace chataudit;

namespace {

// Records "RULE|SEVERITY|SUBJECT": severity 0 error, 1 warning, 2 notice.
class RecordMaker final : public FindingMaker {
 public:
  Finding make(std::string_view record) const override {
    Finding finding;
    finding.rule = std::string(part(record, 0));
    finding.severity = static_cast<Severity>(part(record, 1)[0] - '0');
    finding.subject_kind = "group";
    finding.subject_id = std::string(subject_id(record));
    finding.message.en = finding.message.zh = message(record);
    finding.fingerprint = fingerprint(finding.rule, finding.subject_kind, finding.subject_id);
    return finding;
  }
  std::string_view subject_id(std::string_view record) const override { return part(record, 2); }
  std::string message(std::string_view record) const override { return "finding " + std::string(part(record, 2)); }

 private:
  static std::string_view part(std::string_view record, int n) {
    for (; n > 0; --n) record.remove_prefix(record.find('|') + 1);
    return record.substr(0, record.find('|'));
  }
};

Rule rule_of(std::string id, Severity severity) {
  Rule rule;
  rule.id = std::move(id);
  rule.severity = severity;
  return rule;
}

// Hands `stream` rule `rule`'s findings on `subjects` (none: a rule that found nothing).
void take(cli::ReportStream& stream, const RecordMaker& maker, const Rule& rule,
          const std::vector<std::string>& subjects) {
  FindingStore store(&maker);
  for (const std::string& subject : subjects)
    store.append(rule.id + "|" + std::to_string(static_cast<int>(rule.severity)) + "|" + subject);
  stream.take(rule, std::move(store));
}

// Runs four rules through a stream with --min-severity warning: one that found nothing, one whose
// every finding is waived, one whose findings are all notices (below --min-severity), one with a
// finding waived and one not. Returns the coverage the run's reports say.
Coverage coverage_of_run(bool with_waivers) {
  Policy policy;
  cli::Options o;
  o.quiet = true;  // no output: the counts are what is checked
  cli::Plan plan;
  plan.min_severity = Severity::warning;
  Report base;
  base.policy = &policy;
  base.as_of = Date(2026, 11, 27);
  std::vector<Waiver> waivers;
  if (with_waivers) {
    waivers.push_back({"all-waived", "G1", "reason", "P1", Date(2027, 1, 1), {}});
    waivers.push_back({"all-waived", "G2", "reason", "P1", Date(2027, 1, 1), {}});
    waivers.push_back({"half-waived", "G3", "reason", "P1", Date(2027, 1, 1), {}});
  }
  const std::map<std::string, std::string> emails;
  cli::ReportStream stream(cli::StreamSetup{o, plan, base, waivers, nullptr, emails});
  const RecordMaker maker;
  const Rule clean = rule_of("clean", Severity::error), all_waived = rule_of("all-waived", Severity::error),
             half_waived = rule_of("half-waived", Severity::warning), quiet = rule_of("notices", Severity::notice);
  take(stream, maker, all_waived, {"G1", "G2"});
  take(stream, maker, clean, {});
  take(stream, maker, half_waived, {"G3", "G4"});
  take(stream, maker, quiet, {"G5"});
  RunResult result;
  result.rules_run = {"all-waived", "clean", "half-waived", "notices"};
  stream.finish(result);
  return stream.recorded().coverage;
}

}  // namespace

TEST_CASE("coverage: a rule passes only when it found nothing, before waivers and --min-severity") {
  const Coverage with = coverage_of_run(true);
  CHECK(with.rules_passed == 1);  // clean; not the notices below --min-severity, not the waived ones
  CHECK(with.rules_waived == 1);  // all-waived; half-waived has a finding left
  const Coverage without = coverage_of_run(false);
  CHECK(without.rules_passed == 1);
  CHECK(without.rules_waived == 0);
}

TEST_CASE("coverage: Coverage::add counts a rule with no finding and one with every finding waived") {
  Coverage coverage;
  coverage.add(0, 0);
  coverage.add(3, 3);
  coverage.add(3, 2);
  coverage.add(1, 0);
  CHECK(coverage.rules_passed == 1);
  CHECK(coverage.rules_waived == 1);
}

TEST_CASE("coverage: digits grouped, rows counted in each language") {
  CHECK(grouped(0) == "0");
  CHECK(grouped(999) == "999");
  CHECK(grouped(1000) == "1,000");
  CHECK(grouped(2994109) == "2,994,109");
  CHECK(table_rows(Lang::en, "members", 2994109) == "2,994,109 members");
  CHECK(table_rows(Lang::en, "people", 1) == "1 person");
  CHECK(table_rows(Lang::zh, "people", 300000) == "人员 300,000 人");
  CHECK(table_rows(Lang::zh, "groups", 30000) == "工作群 30,000 个");
  CHECK(table_label(Lang::zh, "members") == "成员");
}

TEST_CASE("coverage: the checked line names the rules run, passed and waived, and the rows of each table") {
  RunResult result;
  result.rules_run = {"a", "b", "c", "d", "e", "f", "g", "h"};
  InventorySummary inventory;
  inventory.tables["people"] = LoadedTable{"people.csv", "", 300000, 300000};
  inventory.tables["members"] = LoadedTable{"members.csv", "", 2994109, 2994109};
  inventory.tables["groups"] = LoadedTable{"groups.csv", "", 30000, 30000};
  Review review;
  Report report;
  report.result = &result;
  report.review = &review;
  report.inventory = &inventory;
  report.coverage.rules_passed = 5;
  CHECK(checked_line(report) == "Checked: 8 rules (5 passed) on 300,000 people, 30,000 groups, 2,994,109 members\n");
  report.lang = Lang::zh;
  CHECK(checked_line(report) == "已检查：8 条规则（5 条通过），人员 300,000 人、工作群 30,000 个、成员 2,994,109 条\n");
  report.coverage.rules_waived = 2;
  CHECK(checked_line(report) ==
        "已检查：8 条规则（5 条通过，2 条的问题均已豁免），人员 300,000 人、工作群 30,000 个、成员 2,994,109 条\n");
  report.lang = Lang::en;
  report.inventory = nullptr;
  result.rules_run = {"a"};
  CHECK(checked_line(report) == "Checked: 1 rule (5 passed, 2 with every finding waived)\n");
}

TEST_CASE("coverage: every format says the rules passed and waived and the rows of each table") {
  Policy policy;
  policy.id = "test-policy";
  RunResult result;
  result.rules_run = {"a", "b", "c"};
  InventorySummary inventory;
  inventory.source = "samples/test";
  inventory.tables["groups"] = LoadedTable{"groups.csv", "", 1234, 1234};
  inventory.tables["people"] = LoadedTable{"people.csv", "", 1, 1};
  Review review;
  Report report;
  report.tool = "stale-group-finder";
  report.as_of = Date(2026, 11, 27);
  report.policy = &policy;
  report.result = &result;
  report.review = &review;
  report.inventory = &inventory;
  report.coverage.rules_passed = 2;
  report.coverage.rules_waived = 1;
  auto in = [&](std::string_view format) { return render(report, *parse_format(format)); };
  const std::string json = in("json");
  CHECK(json.find("\"rules_run\": 3,\n    \"rules_passed\": 2,\n    \"rules_waived\": 1,") != std::string::npos);
  CHECK(in("text").find("Checked: 3 rules (2 passed, 1 with every finding waived) on 1 person, 1,234 groups\n"
                        "stale-group-finder, as of") != std::string::npos);
  const std::string md = in("markdown");
  CHECK(md.find("| rules passed | 2 |\n| rules with every finding waived | 1 |\n") != std::string::npos);
  CHECK(md.find("## Coverage\n\n| Table | Rows read | Rows loaded |\n|---|--:|--:|\n| people | 1 | 1 |\n"
                "| groups | 1,234 | 1,234 |\n") != std::string::npos);
  const std::string html = in("html");
  CHECK(html.find("<tr><th scope=\"row\">Rules passed</th><td class=\"n\">2</td></tr>") != std::string::npos);
  CHECK(html.find("<section class=\"coverage\">\n<h2>Coverage</h2>") != std::string::npos);
  CHECK(html.find("<td data-label=\"Rows read\">1,234</td>") != std::string::npos);
  report.lang = Lang::zh;
  CHECK(in("markdown").find("## 检查范围\n\n| 表 | 读取行数 | 载入行数 |") != std::string::npos);
  CHECK(in("text").find("已检查：3 条规则（2 条通过，1 条的问题均已豁免），人员 1 人、工作群 1,234 个\n") !=
        std::string::npos);
}
