// The text report: for a terminal or a log, grouped by rule, with the summary line last; ANSI colour
// only when it goes to a colour terminal.
#include <fmt/format.h>

#include <algorithm>

#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

// ANSI styles, used only when the report is for a colour terminal.
struct Style {
  bool on;
  std::string apply(std::string_view text, std::string_view code) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
  std::string severity(Severity severity, std::string_view text) const {
    static constexpr std::string_view kCodes[] = {"1;31", "1;33", "1;36"};
    return apply(text, kCodes[static_cast<int>(severity)]);
  }
};

// The line under a finding that says who must act and by when ("Who must act: 王五 (P009); due
// 2026-11-26 (1 day overdue)"), or empty when the finding names neither.
std::string action_line(const Report& report, const Finding& finding) {
  const bool zh = report.lang == Lang::zh;
  const std::string responsible = shown_responsible(report, finding), due = shown_due(report, finding);
  std::string line;
  if (!responsible.empty()) line = (zh ? "责任人：" : "Who must act: ") + responsible;
  if (!due.empty()) line += (line.empty() ? (zh ? "到期：" : "Due ") : (zh ? "；到期：" : "; due ")) + due;
  return line;
}

// The last line of the text report: the summary, its ending kept (title_suffix may be an inventory value).
std::string summary_text(const Report& report) {
  std::string summary = summary_line(report);
  summary.pop_back();
  return visible_controls(summary) + "\n";
}

}  // namespace

// Every string the text report prints goes through visible_controls() (SPEC §2): a value can
// neither forge a line nor hide or reorder what is around it.
std::string text(const Report& report) {
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  const Lang lang = report.lang;
  const bool zh = lang == Lang::zh;
  const Style style{report.options.color};
  std::string out;
  for (const RuleGroup& group : group_by_rule(report)) {
    const Rule& rule = *group.rule;
    out += fmt::format("{} {} — {}{}{}{}\n",
                       style.severity(rule.severity, fmt::format("[{}]", severity_label(rule.severity, lang))),
                       style.apply(visible_controls(rule.id), "1"), visible_controls(rule.title.in(lang)),
                       zh ? "（" : " (", visible_controls(rule.article.in(lang)), zh ? "）" : ")");
    std::vector<std::string> ids;
    ids.reserve(group.findings.size());
    int width = 0;
    for (const Finding& finding : group.findings) {
      ids.push_back(visible_controls(shown_subject_id(report, finding)));
      width = std::max(width, display_width(ids.back()));
    }
    // The change column names what is delivered now: new, reminder, reassigned (persisting: blank).
    int label_width = 0;
    for (const Finding& finding : group.findings)
      if (finding.change != "persisting")
        label_width = std::max(label_width, display_width(change_label(lang, finding.change)));
    const int change_width = review.compared ? label_width + 2 : 0;
    // Who must act goes on a line of its own, under the message.
    const std::string action_indent(static_cast<std::size_t>(2 + width + 2 + change_width), ' ');
    for (std::size_t i = 0; i < group.findings.size(); ++i) {
      const Finding& finding = group.findings[i];
      std::string change;
      if (review.compared)
        change =
            pad_right(finding.change == "persisting" ? "" : change_label(lang, finding.change), label_width) + "  ";
      out += "  " + pad_right(ids[i], width) + "  " + change + visible_controls(shown_message(report, finding)) + "\n";
      const std::string action = action_line(report, finding);
      if (!action.empty()) out += action_indent + visible_controls(action) + "\n";
    }
    out += fmt::format("  {}{}\n\n", zh ? "整改：" : "Remedy: ", visible_controls(rule.remedy.in(lang)));
  }
  auto section = [&](std::string_view title_zh, std::string_view title_en, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    out += std::string(zh ? title_zh : title_en) + "\n";
    for (const std::string& line : lines) out += "  " + visible_controls(line) + "\n";
    out += "\n";
  };
  std::vector<std::string> lines;
  for (const WaivedFinding& item : review.waived)
    lines.push_back(fmt::format("{}  {}  {}{}{}{}{}", item.finding.rule, shown_subject_id(report, item.finding),
                                item.waiver.reason, zh ? "（批准：" : " (approved by ", item.waiver.approved_by,
                                zh ? "，有效期至 " : ", until ", format_date(item.waiver.expires) + (zh ? "）" : ")")));
  section("已豁免：", "Waived:", lines);
  lines.clear();
  for (const Waiver& waiver : review.waivers_expired)
    lines.push_back(fmt::format("{}  {}  {}{}", waiver.rule, shown_waiver_subject(report, waiver),
                                zh ? "已于 " : "expired ", format_date(waiver.expires) + (zh ? " 到期" : "")));
  section("已过期的豁免：", "Waivers expired:", lines);
  lines.clear();
  for (const Waiver& waiver : review.waivers_unused)
    lines.push_back(fmt::format("{}  {}  {}", waiver.rule, shown_waiver_subject(report, waiver),
                                zh ? "未匹配任何问题" : "matched no finding"));
  section("未使用的豁免：", "Waivers unused:", lines);
  lines.clear();
  for (const PastFinding& past : review.resolved) {
    const Finding finding = resolved_finding(report, past);
    lines.push_back(
        fmt::format("{}  {}  {}", past.rule, shown_subject_id(report, finding), shown_message(report, finding)));
  }
  section("已解决：", "Resolved:", lines);
  lines.clear();
  for (const SkippedRule& skipped : result.rules_skipped)
    lines.push_back(fmt::format("{} ({})", skipped.rule, shown_skip_reason(report, skipped)));
  section("未运行的规则：", "Rules skipped:", lines);
  if (std::string scope = scope_line(report); !scope.empty()) {
    scope.pop_back();
    out += visible_controls(scope) + "\n";
  }
  return out + summary_text(report);
}

}  // namespace chataudit::formats
