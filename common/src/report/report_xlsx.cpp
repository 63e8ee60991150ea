// The workbook report (SPEC §5 `xlsx`): a summary sheet, the findings (one row per finding, on as
// many sheets as Excel's row limit needs), the waived and the resolved findings. Each rule's
// findings become rows as soon as the rule is done (spooled as records); finish() reads the rows
// twice, once for the columns' widths and once to write them, into a workbook written in
// constant memory. The same inputs give the same bytes (the creation time is SOURCE_DATE_EPOCH or
// the as-of date). The summary, waived and resolved sheets: report_xlsx_sheets.cpp.
#include <fmt/format.h>

#include "report/report_formats.h"
#include "report/report_util.h"
#include "report/report_xlsx.h"
#include "report/xlsx_book.h"

namespace chataudit::formats {

CellStyle severity_style(Severity severity) {
  switch (severity) {
    case Severity::error:
      return CellStyle::error;
    case Severity::warning:
      return CellStyle::warning;
    case Severity::notice:
      return CellStyle::notice;
  }
  return CellStyle::plain;
}

Row header_row(Lang lang, std::initializer_list<std::pair<std::string_view, std::string_view>> labels) {
  Row row;
  for (const auto& [zh, en] : labels) row.push_back(Cell::text(std::string(tr(lang, zh, en)), CellStyle::header));
  return row;
}

namespace {
// The labels of finding_cells()' columns, in its order.
constexpr std::pair<std::string_view, std::string_view> kFindingLabels[] = {{"级别", "Severity"},
                                                                            {"规则", "Rule"},
                                                                            {"标题", "Title"},
                                                                            {"对象", "Subject"},
                                                                            {"对象名称", "Subject name"},
                                                                            {"说明", "Message"},
                                                                            {"责任人", "Who must act"},
                                                                            {"责任人编号", "Who must act (id)"},
                                                                            {"到期日", "Due"},
                                                                            {"逾期天数", "Days overdue"}};
static_assert(std::size(kFindingLabels) == kFindingCells);
}  // namespace

Row finding_header(Lang lang, std::size_t columns,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> more) {
  Row row;
  for (std::size_t i = 0; i < columns && i < kFindingCells; ++i)
    row.push_back(
        Cell::text(std::string(tr(lang, kFindingLabels[i].first, kFindingLabels[i].second)), CellStyle::header));
  for (Cell& cell : header_row(lang, more)) row.push_back(std::move(cell));
  return row;
}

Row finding_cells(const Report& report, const Finding& finding, std::string_view title) {
  Row row;
  row.push_back(
      Cell::text(std::string(severity_label(finding.severity, report.lang)), severity_style(finding.severity)));
  row.push_back(Cell::text(cell_text(finding.rule)));
  row.push_back(Cell::text(cell_text(title)));
  row.push_back(Cell::text(cell_text(shown_subject_id(report, finding))));
  row.push_back(Cell::text(cell_text(shown_subject_name(report, finding))));
  row.push_back(Cell::text(cell_text(shown_message(report, finding))));
  row.push_back(Cell::text(cell_text(shown_field(report, finding, "responsible_name"))));
  row.push_back(Cell::text(cell_text(shown_field(report, finding, "responsible_id"))));
  row.push_back(Cell::date(finding.due_on));
  row.push_back(finding.days_overdue ? Cell::number(*finding.days_overdue) : Cell::text(""));
  return row;
}

std::string sheet_name(Lang lang, std::string_view sheet) {
  if (lang == Lang::en) return std::string(sheet);
  if (sheet == "summary") return "摘要";
  if (sheet == "findings") return "问题";
  if (sheet == "waived") return "已豁免";
  if (sheet == "resolved") return "已解决";
  return std::string(sheet);
}

namespace {

// The findings sheet's header: what finding_row() writes below it.
Row findings_header(Lang lang) {
  return finding_header(lang, kFindingCells, {{"变化", "Change"}, {"指纹", "Fingerprint"}});
}

Row finding_row(const Report& report, const Rule& rule, const Finding& finding) {
  Row row = finding_cells(report, finding, rule.title.in(report.lang));
  row.push_back(Cell::text(change_label(report.lang, finding.change)));
  row.push_back(Cell::text(cell_text(finding.fingerprint)));
  return row;
}

// The workbook's creation time: SOURCE_DATE_EPOCH when the run was given one, else the as-of date
// (midnight UTC), never the clock: the same inputs give the same bytes.
std::int64_t creation_time(const Report& report) {
  if (report.options.source_date_epoch) return *report.options.source_date_epoch;
  return static_cast<std::int64_t>((report.as_of - Date(1970, 1, 1)).days()) * 86400;
}

// Reads the spooled rows of `groups`, each to `each`.
void read_rows(const Spooled& groups, const std::function<void(const Row&)>& each) {
  RowRecordReader reader(each);
  groups.spool.read(groups.key, groups.channel, [&](std::string_view bytes) { reader.feed(bytes); });
}

}  // namespace

void xlsx_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  std::string& out = sink.channel(0);
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    append_row_record(out, finding_row(report, *group.rule, group.findings[i]));
    if (i % 256 == 255) sink.spill();
  }
}

Workbook::Workbook(const Report& report, const Spooled& groups) {
  const Lang lang = report.lang;
  // Past four gigabytes a zip needs ZIP64: tens of millions of findings.
  const bool huge = report.tally.findings + report.review->waived.size() > 10'000'000;
  const std::string title =
      fmt::format("{}{} {} {}", report.tool, report.title_suffix, tr(lang, "截至", "as of"), format_date(report.as_of));
  book_ = std::make_unique<XlsxBook>(creation_time(report), title, huge);
  write_summary_sheet(*book_, report);
  const Row header = findings_header(lang);
  ColumnWidths widths;
  widths.add(header);
  read_rows(groups, [&](const Row& row) { widths.add(row); });
  SheetTable findings(*book_, sheet_name(lang, "findings"), header, widths, report.options.xlsx_sheet_rows);
  read_rows(groups, [&](const Row& row) { findings.add(row); });
  findings.finish();
  write_waived_sheet(*book_, report);
  write_resolved_sheet(*book_, report);
  book_->close();
}

Workbook::~Workbook() = default;

void Workbook::copy_to(ByteSink& out) const { book_->copy_to(out); }

void xlsx_finish(const Report& report, const Spooled& groups, ByteSink& out) { Workbook(report, groups).copy_to(out); }

}  // namespace chataudit::formats
