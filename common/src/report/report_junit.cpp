// The JUnit XML report, for CI dashboards: each rule run is a test case, each finding a failure,
// each skipped rule a skipped test case; waived findings are told in the test case's output.
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

// The channel of a rule's failures: the rule's index in the policy (found by id: a group's rule
// need not point into report.policy). The test cases follow rules_run, not the report's order, so
// finish() takes each rule's failures from a channel of its own. A rule the policy does not hold
// (the engine runs none) gets the channel past the last, which no test case reads.
std::size_t channel_of(const Report& report, std::string_view rule_id) {
  const std::vector<Rule>& rules = report.policy->rules;
  const Rule* rule = report.policy->find_rule(rule_id);
  return rule ? static_cast<std::size_t>(rule - rules.data()) : rules.size();
}

// The opening of the test suites: counts and the run's properties.
std::string head(const Report& report) {
  const RunResult& result = *report.result;
  const std::size_t tests = result.rules_run.size() + result.rules_skipped.size();
  const std::size_t failures = report.tally.findings;
  const std::size_t skipped = result.rules_skipped.size();
  const std::string tool = esc(report.tool, true);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n", tool, tests,
                     failures, skipped);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n", tool,
                     tests, failures, skipped);
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

// The waived findings of `rule_id`, as the test case's output; empty when there are none.
std::string waived_output(const Report& report, std::string_view rule_id) {
  const Lang lang = report.lang;
  std::string waived;
  for (const WaivedFinding& entry : report.review->waived) {
    if (entry.finding.rule != rule_id) continue;
    waived +=
        fmt::format("{}{}: {}\n  {}{}; {}{}; {}{}\n", tr(lang, "已豁免 ", "waived "),
                    subject_text(report, entry.finding), shown_message(report, entry.finding),
                    tr(lang, "理由：", "reason: "), entry.waiver.reason, tr(lang, "批准人：", "approved by: "),
                    entry.waiver.approved_by, tr(lang, "有效期至 ", "expires "), format_date(entry.waiver.expires));
  }
  return waived.empty() ? "" : "      <system-out>" + esc(waived) + "</system-out>\n";
}

// Each rule run as a test case, its failures from the rule's channel.
void test_cases(const Report& report, const Spooled& groups, ByteSink& out) {
  const std::string tool = esc(report.tool, true);
  std::vector<bool> failed(report.policy->rules.size() + 1);
  for (const auto& [rule, count] : report.tally.rules)
    if (count > 0) failed[channel_of(report, rule->id)] = true;
  for (const std::string& rule_id : report.result->rules_run) {
    out.write(fmt::format("    <testcase classname=\"{}\" name=\"{}\"", tool, esc(rule_id, true)));
    const std::size_t channel = channel_of(report, rule_id);
    const bool failures = channel < report.policy->rules.size() && failed[channel];
    const std::string waived = waived_output(report, rule_id);
    if (!failures && waived.empty()) {
      out.write("/>\n");
      continue;
    }
    out.write(">\n");
    if (failures) Spooled{groups.spool, groups.key, groups.channel + static_cast<int>(channel)}.copy_to(out);
    out.write(waived + "    </testcase>\n");
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
  const std::string footer = std::string(tr(lang, "依据：", "Article: ")) + rule.article.in(lang) + "\n" +
                             std::string(tr(lang, "整改：", "Remedy: ")) + rule.remedy.in(lang) + "\n";
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    const Finding& finding = group.findings[i];
    const std::string subject = subject_text(report, finding);
    const std::string message = shown_message(report, finding);
    out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", esc(subject + ": " + message, true),
                       to_string(finding.severity), esc(subject + "\n" + message + "\n" + footer));
    if (i % 256 == 255) sink.spill();
  }
}

void junit_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  out.write(head(report));
  test_cases(report, groups, out);
  const std::string tool = esc(report.tool, true);
  for (const SkippedRule& rule : report.result->rules_skipped)
    out.write(
        fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    tool, esc(rule.rule, true), esc(shown_skip_reason(report, rule), true)));
  out.write("    <system-out>" + esc(notes(report)) + "</system-out>\n");
  out.write("  </testsuite>\n</testsuites>\n");
}

}  // namespace chataudit::formats
