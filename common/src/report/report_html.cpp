// The HTML report: one self-contained page (inline CSS, no scripts, nothing fetched) that reads
// well in a mail client, on a phone and on paper. It is also well-formed XML apart from the
// doctype, so it can be checked with any XML parser.
#include <fmt/format.h>

#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

std::string esc(std::string_view text) { return escape_markup(text, Markup::html); }

// A rule of many findings goes to the spool in pieces rather than as one large string.
constexpr std::size_t kRowsBetweenSpills = 256;

// The stylesheet, with literal colours (no CSS variables: the e-mail carries this page, and many mail
// clients drop both; html_inline.cpp sets the same look in style attributes). Under 600px wide every
// table row becomes a block whose cells carry their column name (data-label), so nothing scrolls
// sideways on a phone. Dates, due dates and changes (.nw, <time>) never break inside, column
// headings only between words; who must act (.who: a name and an id) is one line but on a phone. Printed: A4, no fills,
// badges as black outlines whatever their severity (!important: the print rules must also win over the e-mail's inline
// styles).
constexpr std::string_view kStyle = R"(
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1f2328; background: #fff; line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
  "Noto Sans CJK SC", sans-serif; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 0 0 .25rem; }
p { margin: .25rem 0; overflow-wrap: anywhere; }
.meta, .article { color: #57606a; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9em; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .3rem .5rem; text-align: left; vertical-align: top;
  overflow-wrap: anywhere; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.nw, time, .who { white-space: nowrap; overflow-wrap: normal; }
table.stack th { overflow-wrap: normal; word-break: keep-all; }
table.counts { width: auto; min-width: 16rem; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .25rem; color: #fff; font-size: .85em;
  font-weight: 600; }
.badge.error { background: #b3261e; }
.badge.warning { background: #8a5300; }
.badge.notice { background: #1a5fb4; }
.group { margin: 1rem 0 1.5rem; padding-left: .75rem; border-left: 4px solid #d0d7de; }
.group.error { border-left-color: #b3261e; }
.group.warning { border-left-color: #8a5300; }
.group.notice { border-left-color: #1a5fb4; }
.remedy { background: #f6f8fa; padding: .4rem .6rem; border-radius: .25rem; }
.clean { font-size: 1.1rem; }
footer { margin-top: 2rem; color: #57606a; border-top: 1px solid #d0d7de; padding-top: .5rem; }
@media (max-width: 600px) {
  body { padding: .5rem; }
  table.stack, table.stack thead, table.stack tbody, table.stack tr, table.stack th, table.stack td {
    display: block; width: 100%; }
  table.stack thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
  table.stack tr { border: 1px solid #d0d7de; margin: 0 0 .5rem; }
  table.stack td { border: none; border-bottom: 1px solid #eaeef2; }
  table.stack td:last-child { border-bottom: none; }
  table.stack td::before { content: attr(data-label); display: block; font-size: .8em; font-weight: 600;
    color: #57606a; }
  .who { white-space: normal; overflow-wrap: anywhere; }
}
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { max-width: none; margin: 0 !important; padding: 0 !important; font-size: 10.5pt; color: #000 !important;
    background: none !important; }
  .badge, .badge.error, .badge.warning, .badge.notice { color: #000 !important; background: none !important;
    border: 1px solid #000 !important; }
  .group { border-left-width: 2px !important; }
  th, td, .remedy { background: none !important; }
  table { width: 100% !important; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
}
)";

// A table whose rows stack on a phone: every cell is labelled with its column.
class Table {
 public:
  Table(std::string& out, std::vector<std::string_view> labels) : out_(out), labels_(std::move(labels)) {
    out_ += "<table class=\"stack\"><thead><tr>";
    for (std::string_view label : labels_) out_ += "<th>" + esc(label) + "</th>";
    out_ += "</tr></thead><tbody>\n";
  }
  ~Table() { out_ += "</tbody></table>\n"; }
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  /// One row; the cells are markup (already escaped).
  void row(const std::vector<std::string>& cells) {
    out_ += "<tr>";
    for (std::size_t i = 0; i < cells.size(); ++i)
      out_ += fmt::format("<td data-label=\"{}\">{}</td>", esc(i < labels_.size() ? labels_[i] : ""), cells[i]);
    out_ += "</tr>\n";
  }

 private:
  std::string& out_;
  std::vector<std::string_view> labels_;
};

std::string code(std::string_view text) { return fmt::format("<code>{}</code>", esc(text)); }

// A value that must not break inside (a date, a due date with its days overdue, a change).
std::string nowrap(std::string_view text) {
  return text.empty() ? std::string() : fmt::format("<span class=\"nw\">{}</span>", esc(text));
}

// Who must act: a name and an id, on one line where the table has room (not on a phone).
std::string who(std::string_view text) {
  return text.empty() ? std::string() : fmt::format("<span class=\"who\">{}</span>", esc(text));
}

std::string subject_cell(const Report& report, const Finding& finding) {
  const std::string name = shown_subject_name(report, finding);
  return name.empty() ? code(shown_subject_id(report, finding))
                      : fmt::format("{} {}", code(shown_subject_id(report, finding)), esc(name));
}

std::string section_heading(Lang lang, std::string_view title, std::size_t count) {
  return fmt::format("<h2>{}{}</h2>\n", esc(title), esc(paren(lang, std::to_string(count))));
}

void render_waivers(const Report& report, std::string_view heading, std::string_view css_class,
                    const std::vector<Waiver>& waivers, std::string_view date_label, std::string& out) {
  if (waivers.empty()) return;
  const Lang lang = report.lang;
  out += fmt::format("<section class=\"{}\">\n", css_class) + section_heading(lang, heading, waivers.size());
  {
    Table table(out, {tr(lang, "规则", "Rule"), tr(lang, "对象", "Subject"), tr(lang, "理由", "Reason"),
                      tr(lang, "批准人", "Approved by"), date_label});
    for (const Waiver& waiver : waivers)
      table.row({code(waiver.rule), code(shown_waiver_subject(report, waiver)), esc(waiver.reason),
                 esc(waiver.approved_by), nowrap(format_date(waiver.expires))});
  }
  out += "</section>\n";
}

// The document's head (title, stylesheet) and the opening of its body.
void render_head(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  out += "<!DOCTYPE html>\n";
  out += fmt::format("<html lang=\"{}\">\n<head>\n", lang == Lang::zh ? "zh-CN" : "en");
  out += "<meta charset=\"utf-8\"/>\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
  out += "<meta name=\"generator\" content=\"" + esc(report.tool + " " + report.version) + "\"/>\n";
  out += fmt::format("<title>{}{} — {} {}</title>\n", esc(report.tool), esc(report.title_suffix),
                     esc(tr(lang, "截至", "as of")), esc(format_date(report.as_of)));
  out += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
}

// The page's header: the tool, the date, the policy, the inventory and the scope.
void render_header(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const std::string as_of = format_date(report.as_of);
  out += fmt::format("<header>\n<h1>{}{}</h1>\n", esc(report.tool), esc(report.title_suffix));
  out += fmt::format("<p class=\"meta\">{} <time datetime=\"{}\">{}</time> · {} <code>{}</code> {}",
                     esc(tr(lang, "截至", "As of")), esc(as_of), esc(as_of), esc(tr(lang, "政策", "Policy")),
                     esc(report.policy->id), esc(report.policy->title.in(lang)));
  if (report.inventory && !report.inventory->source.empty())
    out += fmt::format(" · {} <code>{}</code>", esc(tr(lang, "台账", "Inventory")), esc(report.inventory->source));
  out += "</p>\n";
  if (std::string scope = scope_line(report); !scope.empty()) {
    scope.pop_back();
    out += fmt::format("<p class=\"meta scope\">{}</p>\n", esc(scope));
  }
  out += "</header>\n";
}

// The summary: a table of counts, the baseline compared with, and "No findings." when clean.
void render_summary(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  const Tally& tally = report.tally;
  out += fmt::format("<section class=\"summary\">\n<h2>{}</h2>\n<table class=\"counts\"><tbody>\n",
                     esc(tr(lang, "概况", "Summary")));
  auto count_row = [&](std::string_view label, std::size_t count, std::string_view badge = {}) {
    const std::string shown =
        badge.empty() ? esc(label) : fmt::format("<span class=\"badge {}\">{}</span>", badge, esc(label));
    out += fmt::format("<tr><th scope=\"row\">{}</th><td class=\"n\">{}</td></tr>\n", shown, count);
  };
  for (Severity severity : {Severity::error, Severity::warning, Severity::notice})
    count_row(severity_label(severity, lang), tally.by_severity[static_cast<std::size_t>(severity)],
              to_string(severity));
  count_row(tr(lang, "已豁免", "Waived"), review.waived.size());
  if (review.compared) {
    count_row(tr(lang, "新增", "New"), tally.fresh);
    count_row(tr(lang, "已解决", "Resolved"), review.resolved.size());
  }
  count_row(tr(lang, "运行规则", "Rules run"), result.rules_run.size());
  count_row(tr(lang, "通过的规则", "Rules passed"), report.coverage.rules_passed);
  count_row(tr(lang, "问题均已豁免的规则", "Rules with every finding waived"), report.coverage.rules_waived);
  count_row(tr(lang, "未运行规则", "Rules skipped"), result.rules_skipped.size());
  out += "</tbody></table>\n";
  if (review.compared && !review.baseline_source.empty())
    out += fmt::format("<p class=\"meta\">{}<code>{}</code></p>\n", esc(tr(lang, "对比基线：", "Compared with ")),
                       esc(review.baseline_source));
  if (tally.findings == 0)
    out += fmt::format("<p class=\"clean\">{}</p>\n", esc(tr(lang, "没有发现问题。", "No findings.")));
  out += "</section>\n";
}

// The coverage: each table's rows read and loaded (SPEC §5: what was checked).
void render_coverage(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const auto tables = tables_in_order(report);
  if (tables.empty()) return;
  out += fmt::format("<section class=\"coverage\">\n<h2>{}</h2>\n", esc(tr(lang, "检查范围", "Coverage")));
  const bool filtered = is_filtered(report);
  {
    std::vector<std::string_view> labels{tr(lang, "表", "Table"), tr(lang, "读取行数", "Rows read"),
                                         tr(lang, "载入行数", "Rows loaded")};
    if (filtered) labels.push_back(tr(lang, "范围内行数", "Rows in scope"));
    Table table(out, labels);
    for (const auto& [name, loaded] : tables) {
      std::vector<std::string> cells{esc(table_label(lang, name)), esc(grouped(loaded->rows_read)),
                                     esc(grouped(loaded->rows_loaded))};
      if (filtered) cells.push_back(esc(grouped(loaded->in_scope())));
      table.row(cells);
    }
  }
  out += "</section>\n";
}

// The trend (SPEC §5) as an inline SVG chart: a stacked bar per run (errors at the bottom), its
// total above it and its as-of date below; fixed colours (no CSS variable, no script), so that it
// reads the same in print and in a mail client; it scales down to the page's width.
void render_trend(const Report& report, std::string& out) {
  if (report.trend.size() < 2) return;
  const Lang lang = report.lang;
  constexpr std::string_view kColours[] = {"#b42318", "#b54708", "#175cd3"};
  constexpr int kStep = 64, kBar = 40, kLeft = 16, kBase = 150, kTall = 110;
  const int width = kLeft * 2 + kStep * static_cast<int>(report.trend.size());
  std::size_t most = 1;
  for (const TrendPoint& point : report.trend)
    most = std::max(most, point.by_severity[0] + point.by_severity[1] + point.by_severity[2]);
  const std::string_view title =
      tr(lang, "趋势：各次检查发现的问题（按严重程度）", "Trend: findings by severity, run by run");
  out += fmt::format("<section class=\"trend\">\n<h2>{}</h2>\n", esc(tr(lang, "趋势", "Trend")));
  out += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {0} 190\" width=\"{0}\" height=\"190\" "
      "style=\"max-width:100%;height:auto\" role=\"img\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<title>{1}</title>\n",
      width, esc(title));
  for (int s = 0; s < 3; ++s)  // the legend
    out += fmt::format(
        "<rect x=\"{}\" y=\"4\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"13\">{}</text>\n",
        kLeft + s * 90, kColours[s], kLeft + s * 90 + 14, esc(severity_label(static_cast<Severity>(s), lang)));
  for (std::size_t i = 0; i < report.trend.size(); ++i) {
    const TrendPoint& point = report.trend[i];
    const int x = kLeft + static_cast<int>(i) * kStep;
    std::size_t total = 0;
    int top = kBase;
    for (int s = 0; s < 3; ++s) {
      total += point.by_severity[s];
      const int height = static_cast<int>(point.by_severity[s] * kTall / most);
      if (height == 0) continue;
      top -= height;
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n", x, top, kBar, height,
                         kColours[s]);
    }
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + kBar / 2, top - 4,
                       esc(grouped(total)));
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\"><title>{}</title>{}</text>\n", x + kBar / 2,
                       kBase + 16, esc(point.as_of), esc(point.as_of.substr(point.as_of.size() >= 5 ? 5 : 0)));
  }
  out +=
      fmt::format("<text x=\"{}\" y=\"184\">{}</text>\n</svg>\n</section>\n", kLeft,
                  esc(report.trend.front().as_of + std::string(tr(lang, " 至 ", " to ")) + report.trend.back().as_of));
}

void render_waived(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  if (review.waived.empty()) return;
  out += "<section class=\"waived\">\n" + section_heading(lang, tr(lang, "已豁免", "Waived"), review.waived.size());
  {
    Table table(out, {tr(lang, "规则", "Rule"), tr(lang, "对象", "Subject"), tr(lang, "理由", "Reason"),
                      tr(lang, "批准人", "Approved by"), tr(lang, "失效日期", "Expires on")});
    for (const WaivedFinding& waived : review.waived)
      table.row({code(waived.finding.rule), subject_cell(report, waived.finding), esc(waived.waiver.reason),
                 esc(waived.waiver.approved_by), nowrap(format_date(waived.waiver.expires))});
  }
  out += "</section>\n";
}

void render_resolved(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  if (review.resolved.empty()) return;
  out +=
      "<section class=\"resolved\">\n" + section_heading(lang, tr(lang, "已解决", "Resolved"), review.resolved.size());
  {
    Table table(out, {tr(lang, "规则", "Rule"), tr(lang, "级别", "Severity"), tr(lang, "对象", "Subject"),
                      tr(lang, "说明", "Message")});
    for (const PastFinding& past : review.resolved) {
      const Finding finding = resolved_finding(report, past);
      table.row({code(past.rule), esc(severity_label(finding.severity, lang)), subject_cell(report, finding),
                 esc(shown_message(report, finding))});
    }
  }
  out += "</section>\n";
}

void render_skipped(const Report& report, std::string& out) {
  const Lang lang = report.lang;
  const RunResult& result = *report.result;
  if (result.rules_skipped.empty()) return;
  out += "<section class=\"skipped\">\n" +
         section_heading(lang, tr(lang, "未运行的规则", "Rules skipped"), result.rules_skipped.size());
  {
    Table table(out, {tr(lang, "规则", "Rule"), tr(lang, "原因", "Reason")});
    for (const SkippedRule& skipped : result.rules_skipped)
      table.row({code(skipped.rule), esc(shown_skip_reason(report, skipped))});
  }
  out += "</section>\n";
}

}  // namespace

// The findings of one rule, in the channel of their severity: finish() opens each severity's section
// with its count (known only once every rule has run) and copies the channel into it.
void html_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  const Lang lang = report.lang;
  const bool compared = report.review->compared;
  const Rule* rule = group.rule;
  const std::string_view severity_name = to_string(group.severity);
  std::string& out = sink.channel(static_cast<int>(group.severity));
  out += fmt::format("<div class=\"group {}\">\n<h3><span class=\"badge {}\">{}</span> <code>{}</code>", severity_name,
                     severity_name, esc(severity_label(group.severity, lang)), esc(group.findings.front().rule));
  if (rule) out += " — " + esc(rule->title.in(lang));
  out += "</h3>\n";
  if (rule)
    out += fmt::format("<p class=\"article\">{}{}</p>\n", esc(tr(lang, "依据：", "Article: ")),
                       esc(rule->article.in(lang)));
  {
    const FindingColumns columns = finding_columns(report, group.findings, compared);
    Table table(out, columns.labels);
    std::size_t rows = 0;
    for (const Finding& finding : group.findings) {
      std::vector<std::string> cells{subject_cell(report, finding), esc(shown_message(report, finding))};
      if (columns.responsible) cells.push_back(who(shown_responsible(report, finding)));
      if (columns.due) cells.push_back(nowrap(shown_due(report, finding)));
      if (compared) cells.push_back(nowrap(change_label(lang, finding.change)));
      table.row(cells);
      if (++rows % kRowsBetweenSpills == 0) sink.spill();
    }
  }
  if (rule)
    out += fmt::format("<p class=\"remedy\"><strong>{}</strong>{}</p>\n", esc(tr(lang, "整改：", "Remedy: ")),
                       esc(rule->remedy.in(lang)));
  out += "</div>\n";
}

void html_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  const Lang lang = report.lang;
  const Review& review = *report.review;
  std::string text;
  render_head(report, text);
  render_header(report, text);
  render_summary(report, text);
  render_coverage(report, text);
  render_trend(report, text);
  out.write(text);
  for (Severity severity : {Severity::error, Severity::warning, Severity::notice}) {
    const std::size_t count = report.tally.by_severity[static_cast<std::size_t>(severity)];
    if (count == 0) continue;
    out.write(fmt::format("<section class=\"severity {}\">\n", to_string(severity)) +
              section_heading(lang, severity_label(severity, lang), count));
    Spooled{groups.spool, groups.key, groups.channel + static_cast<int>(severity)}.copy_to(out);
    out.write("</section>\n");
  }
  text.clear();
  render_waived(report, text);
  render_waivers(report, tr(lang, "已过期的豁免", "Expired waivers"), "waivers-expired", review.waivers_expired,
                 tr(lang, "过期日", "Expired on"), text);
  render_waivers(report, tr(lang, "未使用的豁免", "Unused waivers"), "waivers-unused", review.waivers_unused,
                 tr(lang, "失效日期", "Expires on"), text);
  render_resolved(report, text);
  render_skipped(report, text);
  std::string summary = summary_line(report);
  while (!summary.empty() && summary.back() == '\n') summary.pop_back();
  text += "<footer><p>" + esc(summary) + "</p></footer>\n</body>\n</html>\n";
  out.write(text);
}

}  // namespace chataudit::formats
