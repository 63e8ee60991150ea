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

}  // namespace

std::string junit(const Report& report) {
  const Lang lang = report.lang;
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  const std::size_t tests = result.rules_run.size() + result.rules_skipped.size();
  const std::size_t failures = result.findings.size();
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
  out += "    </properties>\n";

  for (const std::string& rule_id : result.rules_run) {
    const Rule* rule = report.policy->find_rule(rule_id);
    out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"", tool, esc(rule_id, true));
    std::string body;
    for (const Finding& finding : result.findings) {
      if (finding.rule != rule_id) continue;
      const std::string subject = subject_text(report, finding);
      const std::string message = shown_message(report, finding);
      std::string detail = subject + "\n" + message + "\n";
      if (rule) {
        detail += std::string(tr(lang, "依据：", "Article: ")) + rule->article.in(lang) + "\n";
        detail += std::string(tr(lang, "整改：", "Remedy: ")) + rule->remedy.in(lang) + "\n";
      }
      body += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                          esc(subject + ": " + message, true), to_string(finding.severity), esc(detail));
    }
    std::string waived;
    for (const WaivedFinding& entry : review.waived) {
      if (entry.finding.rule != rule_id) continue;
      waived +=
          fmt::format("{}{}: {}\n  {}{}; {}{}; {}{}\n", tr(lang, "已豁免 ", "waived "),
                      subject_text(report, entry.finding), shown_message(report, entry.finding),
                      tr(lang, "理由：", "reason: "), entry.waiver.reason, tr(lang, "批准人：", "approved by: "),
                      entry.waiver.approved_by, tr(lang, "有效期至 ", "expires "), format_date(entry.waiver.expires));
    }
    if (!waived.empty()) body += "      <system-out>" + esc(waived) + "</system-out>\n";
    out += body.empty() ? "/>\n" : ">\n" + body + "    </testcase>\n";
  }
  for (const SkippedRule& rule : result.rules_skipped)
    out +=
        fmt::format("    <testcase classname=\"{}\" name=\"{}\">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                    tool, esc(rule.rule, true), esc(shown_skip_reason(report, rule), true));

  // What concerns the run as a whole: waivers that no longer or never applied, resolved findings.
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
  notes += summary_line(report);
  out += "    <system-out>" + esc(notes) + "</system-out>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace chataudit::formats
