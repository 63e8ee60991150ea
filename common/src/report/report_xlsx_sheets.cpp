// The workbook report's summary, waived and resolved sheets (report_xlsx.h). Their rows are few
// (or, for the waived findings, already in memory): each sheet is put together as rows first, so
// that its columns' widths come from every row before the first is written.
#include <fmt/format.h>

#include "report/report_util.h"
#include "report/report_xlsx.h"

namespace chataudit::formats {

namespace {

// The summary sheet's rows, built section by section: a label in the first column, values after it.
class Summary {
 public:
  explicit Summary(Lang lang) : lang_(lang) {}
  Lang lang() const { return lang_; }
  void line(std::string_view zh, std::string_view en, Row values) {
    Row row{Cell::text(std::string(tr(lang_, zh, en)), CellStyle::label)};
    for (Cell& value : values) row.push_back(std::move(value));
    rows_.push_back(std::move(row));
  }
  void count(std::string_view zh, std::string_view en, std::size_t n) {
    line(zh, en, {Cell::number(static_cast<std::int64_t>(n))});
  }
  /// A blank row, then a section's header row.
  void header(std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
    rows_.emplace_back();
    rows_.push_back(header_row(lang_, labels));
  }
  void row(Row row) { rows_.push_back(std::move(row)); }
  const std::vector<Row>& rows() const { return rows_; }

 private:
  Lang lang_;
  std::vector<Row> rows_;
};

// What the report is: tool, version, as-of date, scope, inventory, policy, baseline.
void identity_section(const Report& report, Summary& out) {
  out.line("工具", "Tool", {Cell::text(cell_text(report.tool + report.title_suffix))});
  out.line("版本", "Version", {Cell::text(report.version)});
  out.line("截至", "As of", {Cell::date(format_date(report.as_of))});
  if (report.scope) {
    // The scope line without its "Scope: " (the label says it).
    std::string scope = report.scope->line(report.lang);
    for (std::string_view prefix : {"范围：", "Scope: "})
      if (scope.starts_with(prefix)) scope.erase(0, prefix.size());
    out.line("范围", "Scope", {Cell::text(cell_text(scope))});
  }
  if (report.inventory) {
    out.line("台账", "Inventory", {Cell::text(cell_text(report.inventory->source))});
    out.line("台账摘要值", "Inventory digest", {Cell::text(report.inventory->digest)});
  }
  out.line("政策", "Policy", {Cell::text(cell_text(report.policy->id))});
  out.line("政策摘要值", "Policy digest", {Cell::text(report.policy->digest)});
  if (report.review->compared)
    out.line("对比基线", "Compared with", {Cell::text(cell_text(report.review->baseline_source))});
}

// The findings by severity, then what the review set aside or compared.
void counts_section(const Report& report, Summary& out) {
  const Tally& tally = report.tally;
  const Review& review = *report.review;
  out.header({{"级别", "Severity"}, {"问题数", "Findings"}});
  for (Severity severity : {Severity::error, Severity::warning, Severity::notice})
    out.row({Cell::text(std::string(severity_label(severity, out.lang())), severity_style(severity)),
             Cell::number(static_cast<std::int64_t>(tally.by_severity[static_cast<std::size_t>(severity)]))});
  out.count("合计", "Total", tally.findings);
  out.count("已豁免", "Waived", review.waived.size());
  if (!review.compared) return;
  out.count("新增", "New", tally.fresh);
  if (tally.reminders > 0) out.count("提醒", "Reminders", tally.reminders);
  if (tally.reassigned > 0) out.count("转交", "Reassigned", tally.reassigned);
  out.count("已解决", "Resolved", review.resolved.size());
}

// The findings by rule, in report order.
void rules_section(const Report& report, Summary& out) {
  if (report.tally.rules.empty()) return;
  out.header({{"规则", "Rule"}, {"问题数", "Findings"}, {"级别", "Severity"}, {"标题", "Title"}});
  for (const auto& [rule, count] : report.tally.rules) {
    if (!rule) continue;
    out.row({Cell::text(rule->id), Cell::number(static_cast<std::int64_t>(count)),
             Cell::text(std::string(severity_label(rule->severity, out.lang())), severity_style(rule->severity)),
             Cell::text(cell_text(rule->title.in(out.lang())))});
  }
}

// What was checked (the JSON summary's coverage): the rules, then each table's rows read and loaded.
void checked_section(const Report& report, Summary& out) {
  const RunResult& result = *report.result;
  out.header({{"检查范围", "What was checked"}, {"数量", "Count"}});
  out.count("运行规则", "Rules run", result.rules_run.size());
  out.count("通过的规则", "Rules passed", report.coverage.rules_passed);
  out.count("问题均已豁免的规则", "Rules with every finding waived", report.coverage.rules_waived);
  out.count("未运行规则", "Rules skipped", result.rules_skipped.size());
  const auto tables = tables_in_order(report);
  if (!tables.empty()) {
    out.header({{"表", "Table"}, {"读取行数", "Rows read"}, {"载入行数", "Rows loaded"}});
    for (const auto& [name, loaded] : tables)
      out.row({Cell::text(std::string(table_label(out.lang(), name))),
               Cell::number(static_cast<std::int64_t>(loaded->rows_read)),
               Cell::number(static_cast<std::int64_t>(loaded->rows_loaded))});
  }
  if (result.rules_skipped.empty()) return;
  out.header({{"未运行的规则", "Rule skipped"}, {"原因", "Reason"}});
  for (const SkippedRule& skipped : result.rules_skipped)
    out.row({Cell::text(skipped.rule), Cell::text(cell_text(shown_skip_reason(report, skipped)))});
}

// The trend (SPEC §5: with --record, the findings by severity in the last runs of the same scope,
// this one last): under its heading, a row per run with its as-of date (a date cell) and its counts
// (numbers); nothing without an earlier run, as in text, Markdown and HTML.
void trend_section(const Report& report, Summary& out) {
  if (report.trend.size() < 2) return;
  const Lang lang = out.lang();
  out.row({});
  out.row({Cell::text(std::string(tr(lang, "趋势", "Trend")), CellStyle::label)});
  Row header = header_row(lang, {{"检查日期", "As of"}});
  for (Severity severity : {Severity::error, Severity::warning, Severity::notice})
    header.push_back(Cell::text(std::string(severity_label(severity, lang)), CellStyle::header));
  header.push_back(Cell::text(std::string(tr(lang, "合计", "Total")), CellStyle::header));
  out.row(std::move(header));
  for (const TrendPoint& point : report.trend) {
    Row row{Cell::date(point.as_of)};
    std::size_t total = 0;
    for (std::size_t count : point.by_severity) {
      row.push_back(Cell::number(static_cast<std::int64_t>(count)));
      total += count;
    }
    row.push_back(Cell::number(static_cast<std::int64_t>(total)));
    out.row(std::move(row));
  }
}

// Waivers that waived nothing: expired, or matching no finding.
void waivers_section(const Report& report, Summary& out) {
  const Review& review = *report.review;
  auto list = [&](const std::vector<Waiver>& waivers, std::pair<std::string_view, std::string_view> title,
                  std::pair<std::string_view, std::string_view> date) {
    if (waivers.empty()) return;
    out.header({title, {"对象", "Subject"}, date, {"理由", "Reason"}});
    for (const Waiver& waiver : waivers)
      out.row({Cell::text(cell_text(waiver.rule)), Cell::text(cell_text(shown_waiver_subject(report, waiver))),
               Cell::date(format_date(waiver.expires)), Cell::text(cell_text(waiver.reason))});
  };
  list(review.waivers_expired, {"已过期的豁免", "Expired waivers"}, {"过期日", "Expired on"});
  list(review.waivers_unused, {"未使用的豁免", "Unused waivers"}, {"失效日期", "Expires on"});
}

// Writes `rows` under `header` on sheet `name` (and its continuations), widths from every row.
void write_table(XlsxBook& book, const Report& report, std::string_view name, const Row& header,
                 const std::vector<Row>& rows) {
  ColumnWidths widths;
  widths.add(header);
  for (const Row& row : rows) widths.add(row);
  SheetTable table(book, sheet_name(report.lang, name), header, widths, report.options.xlsx_sheet_rows);
  for (const Row& row : rows) table.add(row);
  table.finish();
}

std::string_view title_of(const Report& report, std::string_view rule_id) {
  const Rule* rule = report.policy->find_rule(rule_id);
  return rule ? std::string_view(rule->title.in(report.lang)) : std::string_view();
}

}  // namespace

void write_summary_sheet(XlsxBook& book, const Report& report) {
  Summary summary(report.lang);
  identity_section(report, summary);
  counts_section(report, summary);
  rules_section(report, summary);
  checked_section(report, summary);
  trend_section(report, summary);
  waivers_section(report, summary);
  ColumnWidths widths;
  for (const Row& row : summary.rows()) widths.add(row);
  const std::size_t sheet = book.add_sheet(sheet_name(report.lang, "summary"));
  book.set_widths(sheet, widths);
  std::uint32_t index = 0;
  for (const Row& row : summary.rows()) book.write_row(sheet, index++, row);
}

void write_waived_sheet(XlsxBook& book, const Report& report) {
  const Lang lang = report.lang;
  const Row header = finding_header(
      lang, kFindingCells,
      {{"理由", "Reason"}, {"批准人", "Approved by"}, {"失效日期", "Expires on"}, {"指纹", "Fingerprint"}});
  std::vector<Row> rows;
  for (const WaivedFinding& item : report.review->waived) {
    Row row = finding_cells(report, item.finding, title_of(report, item.finding.rule));
    row.push_back(Cell::text(cell_text(item.waiver.reason)));
    row.push_back(Cell::text(cell_text(item.waiver.approved_by)));
    row.push_back(Cell::date(format_date(item.waiver.expires)));
    row.push_back(Cell::text(cell_text(item.finding.fingerprint)));
    rows.push_back(std::move(row));
  }
  write_table(book, report, "waived", header, rows);
}

void write_resolved_sheet(XlsxBook& book, const Report& report) {
  const Lang lang = report.lang;
  const Row header =
      finding_header(lang, kFindingCellsToMessage, {{"上次送达", "Last delivered"}, {"指纹", "Fingerprint"}});
  std::vector<Row> rows;
  for (const PastFinding& past : report.review->resolved) {
    const Finding finding = resolved_finding(report, past);
    Row row = finding_cells(report, finding, title_of(report, past.rule));
    row.resize(kFindingCellsToMessage);  // a resolved finding has no one to act and no due date any more
    row.push_back(Cell::date(past.delivered_on));
    row.push_back(Cell::text(cell_text(past.fingerprint)));
    rows.push_back(std::move(row));
  }
  write_table(book, report, "resolved", header, rows);
}

}  // namespace chataudit::formats
