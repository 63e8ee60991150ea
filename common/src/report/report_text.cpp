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

// The lines of one finding: its subject id (padded to `width`), the change (with a baseline), the
// message, and who must act on a line of its own under the message.
void finding_lines(const Report& report, const Finding& finding, const std::string& id, int width, int label_width,
                   std::string& out) {
  const bool compared = report.review->compared;
  std::string change;
  if (compared)
    change =
        pad_right(finding.change == "persisting" ? "" : change_label(report.lang, finding.change), label_width) + "  ";
  out += "  " + pad_right(id, width) + "  " + change + visible_controls(shown_message(report, finding)) + "\n";
  const std::string action = action_line(report, finding);
  if (action.empty()) return;
  const std::size_t indent = static_cast<std::size_t>(2 + width + 2 + (compared ? label_width + 2 : 0));
  out += std::string(indent, ' ') + visible_controls(action) + "\n";
}

// A titled section of lines after the findings (waived, resolved …); nothing when there are none.
void section(const Report& report, std::string_view title_zh, std::string_view title_en,
             const std::vector<std::string>& lines, ByteSink& out) {
  if (lines.empty()) return;
  std::string text = std::string(report.lang == Lang::zh ? title_zh : title_en) + "\n";
  for (const std::string& line : lines) text += "  " + visible_controls(line) + "\n";
  out.write(text + "\n");
}

// The waived findings and the waivers that expired or matched nothing.
void waiver_sections(const Report& report, ByteSink& out) {
  const Review& review = *report.review;
  const bool zh = report.lang == Lang::zh;
  std::vector<std::string> lines;
  for (const WaivedFinding& item : review.waived)
    lines.push_back(fmt::format("{}  {}  {}{}{}{}{}", item.finding.rule, shown_subject_id(report, item.finding),
                                item.waiver.reason, zh ? "（批准：" : " (approved by ", item.waiver.approved_by,
                                zh ? "，于 " : ", expires on ",
                                format_date(item.waiver.expires) + (zh ? " 失效）" : ")")));
  section(report, "已豁免：", "Waived:", lines, out);
  lines.clear();
  for (const Waiver& waiver : review.waivers_expired)
    lines.push_back(fmt::format("{}  {}  {}{}", waiver.rule, shown_waiver_subject(report, waiver),
                                zh ? "已于 " : "expired on ", format_date(waiver.expires) + (zh ? " 失效" : "")));
  section(report, "已过期的豁免：", "Waivers expired:", lines, out);
  lines.clear();
  for (const Waiver& waiver : review.waivers_unused)
    lines.push_back(fmt::format("{}  {}  {}", waiver.rule, shown_waiver_subject(report, waiver),
                                zh ? "未匹配任何问题" : "matched no finding"));
  section(report, "未使用的豁免：", "Waivers unused:", lines, out);
}

}  // namespace

// Every string the text report prints goes through visible_controls() (SPEC §2): a value can
// neither forge a line nor hide or reorder what is around it.
void text_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  const Lang lang = report.lang;
  const bool zh = lang == Lang::zh;
  const Style style{report.options.color};
  const Rule& rule = *group.rule;
  std::string& out = sink.channel(0);
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
  for (std::size_t i = 0; i < group.findings.size(); ++i)
    if (const std::string_view change = group.findings.change(i); change != "persisting")
      label_width = std::max(label_width, display_width(change_label(lang, change)));
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    finding_lines(report, group.findings[i], ids[i], width, label_width, out);
    if (i % 256 == 255) sink.spill();
  }
  out += fmt::format("  {}{}\n\n", zh ? "整改：" : "Remedy: ", visible_controls(rule.remedy.in(lang)));
}

void text_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  groups.copy_to(out);
  waiver_sections(report, out);
  std::vector<std::string> lines;
  for (const PastFinding& past : report.review->resolved) {
    const Finding finding = resolved_finding(report, past);
    lines.push_back(
        fmt::format("{}  {}  {}", past.rule, shown_subject_id(report, finding), shown_message(report, finding)));
  }
  section(report, "已解决：", "Resolved:", lines, out);
  lines.clear();
  for (const SkippedRule& skipped : report.result->rules_skipped)
    lines.push_back(fmt::format(fmt::runtime(report.lang == Lang::zh ? "{}（{}）" : "{} ({})"), skipped.rule,
                                shown_skip_reason(report, skipped)));
  section(report, "未运行的规则：", "Rules skipped:", lines, out);
  if (std::string scope = scope_line(report); !scope.empty()) {
    scope.pop_back();
    out.write(visible_controls(scope) + "\n");
  }
  std::string checked = checked_line(report);
  checked.pop_back();
  out.write(visible_controls(checked) + "\n");
  out.write(trend_line(report));
  out.write(summary_text(report));
}

}  // namespace chataudit::formats
