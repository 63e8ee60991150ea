// The JUnit XML report, for CI dashboards: each finding is a test case (a failure at or above
// --fail-on), each waived finding and each skipped rule a skipped test case, each rule that ran
// and found nothing a passed test case.
#include <fmt/format.h>

#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

std::string esc(std::string_view text, bool attribute = false) {
  return escape_markup(text, attribute ? Markup::xml_attribute : Markup::xml_text);
}

std::string subject_text(const Report& report, const Finding& finding) {
  const std::string name = shown_subject_name(report, finding);
  const std::string id = shown_subject_id(report, finding);
  if (name.empty()) return id;
  return report.lang == Lang::zh ? fmt::format("{}（{}）", id, name) : fmt::format("{} ({})", id, name);
}

// The channel of a rule's test cases: the rule's index in the policy (found by id: a group's rule
// need not point into report.policy). The test cases follow rules_run, not the report's order, so
// finish() takes each rule's test cases from a channel of its own. A rule the policy does not hold
// (the engine runs none) gets the channel past the last, which no test case reads.
std::size_t channel_of(const Report& report, std::string_view rule_id) {
  const std::vector<Rule>& rules = report.policy->rules;
  const Rule* rule = report.policy->find_rule(rule_id);
  return rule ? static_cast<std::size_t>(rule - rules.data()) : rules.size();
}

// A finding's test case name: its rule and its subject id ("member-departed G001/wx_x").
std::string case_name(const Report& report, const Finding& finding) {
  return finding.rule + " " + shown_subject_id(report, finding);
}

// What the test suites count (SPEC §5): a test case per delivered finding (a failure at or above
// --fail-on, passed below it), per waived finding (skipped), per rule that ran with neither
// (passed), per skipped rule (skipped). Findings --min-severity or --only-new leave out reach no
// renderer (report.result and report.tally hold the delivered ones only): a rule all of whose
// findings were left out cannot be told from one that found nothing, and is listed as passed
// (man/chataudit.7, junit).
struct Counts {
  std::size_t tests = 0, failures = 0, skipped = 0;
};

// The rules that ran and have neither a delivered nor a waived finding, in rules_run order.
std::vector<std::string_view> passed_rules(const Report& report) {
  std::vector<bool> found(report.policy->rules.size() + 1);
  for (const auto& [rule, count] : report.tally.rules)
    if (count > 0) found[channel_of(report, rule->id)] = true;
  for (const WaivedFinding& entry : report.review->waived) found[channel_of(report, entry.finding.rule)] = true;
  std::vector<std::string_view> passed;
  for (const std::string& rule_id : report.result->rules_run) {
    const std::size_t channel = channel_of(report, rule_id);
    if (channel == report.policy->rules.size() || !found[channel]) passed.push_back(rule_id);
  }
  return passed;
}

Counts counts_of(const Report& report, std::size_t passed) {
  Counts counts;
  counts.failures = report.tally.at_or_above(report.fail_on);
  counts.skipped = report.review->waived.size() + report.result->rules_skipped.size();
  counts.tests = report.tally.findings + passed + counts.skipped;
  return counts;
}

// The opening of the test suites: counts and the run's properties.
std::string head(const Report& report, const Counts& counts) {
  const std::string tool = esc(report.tool, true);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  const std::string attributes = fmt::format(" name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n",
                                             tool, counts.tests, counts.failures, counts.skipped);
  out += "<testsuites" + attributes + "  <testsuite" + attributes;
  out += "    <properties>\n";
  auto property = [&](std::string_view name, std::string_view value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, esc(value, true));
  };
  property("as_of", format_date(report.as_of));
  property("policy", report.policy->id);
  property("policy_digest", report.policy->digest);
  property("version", report.version);
  if (report.inventory) property("inventory", report.inventory->source);
  if (report.scope) property("scope", report.scope->json());
  return out + "    </properties>\n";
}

// The waived findings of `rule_id`, each a skipped test case: why, who approved, when it expires.
std::string waived_cases(const Report& report, std::string_view rule_id) {
  const Lang lang = report.lang;
  const std::string tool = esc(report.tool, true);
  std::string out;
  for (const WaivedFinding& entry : report.review->waived) {
    if (entry.finding.rule != rule_id) continue;
    const Waiver& waiver = entry.waiver;
    const std::string why = lang == Lang::zh ? fmt::format("已豁免：{}（批准人：{}，于 {} 失效）", waiver.reason,
                                                           waiver.approved_by, format_date(waiver.expires))
                                             : fmt::format("waived: {} (approved by {}, expires on {})", waiver.reason,
                                                           waiver.approved_by, format_date(waiver.expires));
    out += fmt::format(
        "    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n"
        "      <system-out>{}</system-out>\n    </testcase>\n",
        tool, esc(case_name(report, entry.finding), true), esc(why, true),
        esc(subject_text(report, entry.finding) + "\n" + shown_message(report, entry.finding) + "\n"));
  }
  return out;
}

// The test cases in rules_run order: each rule's findings from its channel, then its waived
// findings; a rule with neither is one passed test case.
void test_cases(const Report& report, const Spooled& groups, const std::vector<std::string_view>& passed,
                ByteSink& out) {
  const std::string tool = esc(report.tool, true);
  std::size_t next_passed = 0;
  for (const std::string& rule_id : report.result->rules_run) {
    if (next_passed < passed.size() && passed[next_passed] == rule_id) {
      ++next_passed;
      out.write(fmt::format("    <testcase classname=\"{}\" name=\"{}\"/>\n", tool, esc(rule_id, true)));
      continue;
    }
    const std::size_t channel = channel_of(report, rule_id);
    Spooled{groups.spool, groups.key, groups.channel + static_cast<int>(channel)}.copy_to(out);
    out.write(waived_cases(report, rule_id));
  }
}

// What concerns the run as a whole: waivers that no longer or never applied, resolved findings.
std::string notes(const Report& report) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  std::string notes;
  for (const Waiver& waiver : review.waivers_expired)
    notes += fmt::format("{}{} {} ({}{})\n", tr(lang, "豁免已过期：", "waiver expired: "), waiver.rule,
                         shown_waiver_subject(report, waiver), tr(lang, "过期日 ", "expired on "),
                         format_date(waiver.expires));
  for (const Waiver& waiver : review.waivers_unused)
    notes += fmt::format("{}{} {}\n", tr(lang, "豁免未使用：", "waiver unused: "), waiver.rule,
                         shown_waiver_subject(report, waiver));
  for (const PastFinding& past : review.resolved) {
    const Finding finding = resolved_finding(report, past);
    notes += fmt::format("{}{} {}\n", tr(lang, "已解决：", "resolved: "), past.rule, subject_text(report, finding));
  }
  return notes + summary_line(report);
}

}  // namespace

void junit_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  const Lang lang = report.lang;
  const Rule& rule = *group.rule;
  std::string& out = sink.channel(static_cast<int>(channel_of(report, rule.id)));
  const std::string tool = esc(report.tool, true);
  const std::string footer = std::string(tr(lang, "依据：", "Article: ")) + rule.article.in(lang) + "\n" +
                             std::string(tr(lang, "整改：", "Remedy: ")) + rule.remedy.in(lang) + "\n";
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    const Finding& finding = group.findings[i];
    const std::string subject = subject_text(report, finding);
    const std::string message = shown_message(report, finding);
    const std::string body = esc(subject + "\n" + message + "\n" + footer);
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n", tool, esc(case_name(report, finding), true));
    // Below --fail-on a finding does not fail the run: a passed test case, its finding told.
    if (finding.severity <= report.fail_on)
      out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                         esc(subject + std::string(tr(lang, "：", ": ")) + message, true), to_string(finding.severity),
                         body);
    else
      out += "      <system-out>" + body + "</system-out>\n";
    out += "    </testcase>\n";
    if (i % 256 == 255) sink.spill();
  }
}

void junit_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  const std::vector<std::string_view> passed = passed_rules(report);
  out.write(head(report, counts_of(report, passed.size())));
  test_cases(report, groups, passed, out);
  const std::string tool = esc(report.tool, true);
  for (const SkippedRule& rule : report.result->rules_skipped)
    out.write(
        fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    tool, esc(rule.rule, true), esc(shown_skip_reason(report, rule), true)));
  out.write("    <system-out>" + esc(notes(report)) + "</system-out>\n");
  out.write("  </testsuite>\n</testsuites>\n");
}

}  // namespace chataudit::formats
