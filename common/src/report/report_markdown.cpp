// The Markdown report: for a wiki page, an issue or a chat message that renders Markdown.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

// A value as Markdown text that stays text: controls shown as <U+XXXX> (a line break would end the
// table row or forge one), then a backslash before everything Markdown would read as markup —
// links and images ([ ] ( )), emphasis, code, HTML, table cells, entities, strikethrough. GitHub's
// extended autolinks (http://…, www.…, a@b.c) start a link with no markup at all, so the ':' of
// "://", the '.' after "www" and every '@' are escaped too: an escaped character ends them.
std::string md(std::string_view value) {
  const std::string text = visible_controls(value);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool markup = std::string_view("\\`*_|<>[]()&~@").find(c) != std::string_view::npos;
    const bool url = c == ':' && text.compare(i + 1, 2, "//") == 0;
    const bool www = c == '.' && i >= 3 && ascii_lower(text.substr(i - 3, 3)) == "www";
    if (markup || url || www) out += '\\';
    out += c;
  }
  return out;
}

// A table row from already escaped cells.
std::string row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& cell : cells) out += fmt::format(" {} |", cell.empty() ? " " : cell);
  return out + "\n";
}

std::string header(const std::vector<std::string_view>& labels, std::string_view last_align = "---") {
  std::string head = "|", rule = "|";
  std::size_t i = 0;
  for (std::string_view label : labels) {
    head += fmt::format(" {} |", label);
    rule += fmt::format("{}|", ++i == labels.size() ? last_align : "---");
  }
  return head + "\n" + rule + "\n";
}

std::string subject_cell(const Report& report, const Finding& finding) {
  const std::string name = shown_subject_name(report, finding);
  return md(shown_subject_id(report, finding)) + (name.empty() ? "" : paren(report.lang, md(name)));
}

void render_waivers(const Report& report, std::string_view heading, const std::vector<Waiver>& waivers,
                    std::string_view date_label, std::string& out) {
  if (waivers.empty()) return;
  const Lang lang = report.lang;
  out += fmt::format("## {}{}\n\n", heading, paren(lang, std::to_string(waivers.size())));
  out += header({tr(lang, "规则", "Rule"), tr(lang, "对象", "Subject"), tr(lang, "理由", "Reason"),
                 tr(lang, "批准人", "Approved by"), date_label});
  for (const Waiver& waiver : waivers)
    out += row({md(waiver.rule), md(shown_waiver_subject(report, waiver)), md(waiver.reason), md(waiver.approved_by),
                format_date(waiver.expires)});
  out += "\n";
}

// The title line, then the policy, the version and the inventory.
void render_title(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  out += fmt::format("# {}{} — {} {} — {} {}\n\n", md(report.tool), md(report.title_suffix), tr(lang, "截至", "as of"),
                     format_date(report.as_of), tr(lang, "政策", "policy"), md(report.policy->id));
  out += fmt::format("{}{}{}", md(report.policy->title.in(lang)), tr(lang, "；", "; "), tr(lang, "版本 ", "version "));
  out += md(report.version);
  if (report.inventory && !report.inventory->source.empty())
    out += fmt::format("{}{}", tr(lang, "；台账 ", "; inventory "), md(report.inventory->source));
  out += "\n\n";
}

// The summary: a table of counts, then the baseline compared with.
void render_summary(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  const std::array<std::size_t, 3>& counts = report.tally.by_severity;
  out += fmt::format("## {}\n\n", tr(lang, "概况", "Summary"));
  out += header({tr(lang, "项目", "Item"), tr(lang, "数量", "Count")}, "--:");
  for (Severity severity : {Severity::error, Severity::warning, Severity::notice})
    out +=
        row({std::string(severity_label(severity, lang)), std::to_string(counts[static_cast<std::size_t>(severity)])});
  out += row({std::string(tr(lang, "已豁免", "waived")), std::to_string(review.waived.size())});
  if (review.compared) {
    out += row({std::string(tr(lang, "新增", "new")), std::to_string(report.tally.fresh)});
    out += row({std::string(tr(lang, "已解决", "resolved")), std::to_string(review.resolved.size())});
  }
  out += row({std::string(tr(lang, "运行规则", "rules run")), std::to_string(result.rules_run.size())});
  out += row({std::string(tr(lang, "通过的规则", "rules passed")), std::to_string(report.coverage.rules_passed)});
  out += row({std::string(tr(lang, "问题均已豁免的规则", "rules with every finding waived")),
              std::to_string(report.coverage.rules_waived)});
  out += row({std::string(tr(lang, "未运行规则", "rules skipped")), std::to_string(result.rules_skipped.size())});
  out += "\n";
  if (review.compared && !review.baseline_source.empty())
    out += fmt::format("{}{}\n\n", tr(lang, "对比基线：", "Compared with "), md(review.baseline_source));
}

// The coverage: each table's rows read and loaded (SPEC §5: what was checked).
void render_coverage(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const auto tables = tables_in_order(report);
  if (tables.empty()) return;
  out += fmt::format("## {}\n\n", tr(lang, "检查范围", "Coverage"));
  const bool filtered = is_filtered(report);
  out += fmt::format("| {} | {} | {} |{}\n|---|--:|--:|{}\n", tr(lang, "表", "Table"),
                     tr(lang, "读取行数", "Rows read"), tr(lang, "载入行数", "Rows loaded"),
                     filtered ? fmt::format(" {} |", tr(lang, "范围内行数", "Rows in scope")) : "",
                     filtered ? "--:|" : "");
  for (const auto& [name, table] : tables) {
    std::vector<std::string> cells{md(table_label(lang, name)), grouped(table->rows_read), grouped(table->rows_loaded)};
    if (filtered) cells.push_back(grouped(table->in_scope()));
    out += row(cells);
  }
  out += "\n";
}

// The trend (SPEC §5): this run and the earlier ones of its scope, a row each.
void render_trend(const Report& report, std::string& out) {
  if (report.trend.size() < 2) return;
  const Lang lang = report.lang;
  out += fmt::format("## {}\n\n| {} | {} | {} | {} |\n|---|--:|--:|--:|\n", tr(lang, "趋势", "Trend"),
                     tr(lang, "检查日期", "As of"), severity_label(Severity::error, lang),
                     severity_label(Severity::warning, lang), severity_label(Severity::notice, lang));
  for (const TrendPoint& point : report.trend)
    out +=
        row({point.as_of, grouped(point.by_severity[0]), grouped(point.by_severity[1]), grouped(point.by_severity[2])});
  out += "\n";
}

void render_waived(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  if (review.waived.empty()) return;
  out += fmt::format("## {}{}\n\n", tr(lang, "已豁免", "Waived"), paren(lang, std::to_string(review.waived.size())));
  out += header({tr(lang, "规则", "Rule"), tr(lang, "对象", "Subject"), tr(lang, "理由", "Reason"),
                 tr(lang, "批准人", "Approved by"), tr(lang, "失效日期", "Expires on")});
  for (const WaivedFinding& waived : review.waived)
    out += row({md(waived.finding.rule), subject_cell(report, waived.finding), md(waived.waiver.reason),
                md(waived.waiver.approved_by), format_date(waived.waiver.expires)});
  out += "\n";
}

void render_resolved(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  if (review.resolved.empty()) return;
  out +=
      fmt::format("## {}{}\n\n", tr(lang, "已解决", "Resolved"), paren(lang, std::to_string(review.resolved.size())));
  out += header({tr(lang, "规则", "Rule"), tr(lang, "级别", "Severity"), tr(lang, "对象", "Subject"),
                 tr(lang, "说明", "Message")});
  for (const PastFinding& past : review.resolved) {
    const Finding finding = resolved_finding(report, past);
    out += row({md(past.rule), std::string(severity_label(finding.severity, lang)), subject_cell(report, finding),
                md(shown_message(report, finding))});
  }
  out += "\n";
}

void render_skipped(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const RunResult& result = *report.result;
  if (result.rules_skipped.empty()) return;
  out += fmt::format("## {}{}\n\n", tr(lang, "未运行的规则", "Rules skipped"),
                     paren(lang, std::to_string(result.rules_skipped.size())));
  out += header({tr(lang, "规则", "Rule"), tr(lang, "原因", "Reason")});
  for (const SkippedRule& skipped : result.rules_skipped)
    out += row({md(skipped.rule), md(shown_skip_reason(report, skipped))});
  out += "\n";
}

// A rule, then the scope and the summary line.
void render_footer(const Report& report, std::string& out) {
  std::string summary = summary_line(report);
  while (!summary.empty() && summary.back() == '\n') summary.pop_back();
  std::string scope = scope_line(report);
  while (!scope.empty() && scope.back() == '\n') scope.pop_back();
  out += "---\n\n" + (scope.empty() ? "" : md(scope) + "\n\n") + md(summary) + "\n";
}

}  // namespace

// A rule's findings: a heading, a table, the remedy. The groups of each severity go to a channel of
// their own (the severity's index), so that finish() can put the severity's heading and count first.
void markdown_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  const Lang lang = report.lang;
  const bool compared = report.review->compared;
  const Rule& rule = *group.rule;
  std::string& out = sink.channel(static_cast<int>(group.severity));
  out += fmt::format("### [{}] {}", severity_label(group.severity, lang), md(group.findings.front().rule));
  out += fmt::format(" — {}{}\n\n", md(rule.title.in(lang)), paren(lang, md(rule.article.in(lang))));
  const FindingColumns columns = finding_columns(report, group.findings, compared);
  out += header(columns.labels);
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    const Finding& finding = group.findings[i];
    std::vector<std::string> cells{subject_cell(report, finding), md(shown_message(report, finding))};
    if (columns.responsible) cells.push_back(md(shown_responsible(report, finding)));
    if (columns.due) cells.push_back(md(shown_due(report, finding)));
    if (compared) cells.push_back(md(change_label(lang, finding.change)));
    out += row(cells);
    if (i % 256 == 255) sink.spill();
  }
  out += fmt::format("\n**{}** {}\n\n", tr(lang, "整改：", "Remedy:"), md(rule.remedy.in(lang)));
}

void markdown_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  std::string text;
  render_title(report, text);
  render_summary(report, text);
  render_coverage(report, text);
  render_trend(report, text);
  if (report.tally.findings == 0) text += fmt::format("{}\n\n", tr(lang, "没有发现问题。", "No findings."));
  out.write(text);
  for (Severity severity : {Severity::error, Severity::warning, Severity::notice}) {
    const std::size_t count = report.tally.by_severity[static_cast<std::size_t>(severity)];
    if (count == 0) continue;
    out.write(fmt::format("## {}{}\n\n", severity_label(severity, lang), paren(lang, std::to_string(count))));
    Spooled{groups.spool, groups.key, groups.channel + static_cast<int>(severity)}.copy_to(out);
  }
  text.clear();
  render_waived(report, text);
  render_waivers(report, tr(lang, "已过期的豁免", "Expired waivers"), review.waivers_expired,
                 tr(lang, "过期日", "Expired on"), text);
  render_waivers(report, tr(lang, "未使用的豁免", "Unused waivers"), review.waivers_unused,
                 tr(lang, "失效日期", "Expires on"), text);
  render_resolved(report, text);
  render_skipped(report, text);
  render_footer(report, text);
  out.write(text);
}

}  // namespace chataudit::formats
