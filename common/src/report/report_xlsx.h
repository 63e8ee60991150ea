#pragma once
// What the workbook report's files share (report_xlsx.cpp: the findings; report_xlsx_sheets.cpp:
// the summary, waived and resolved sheets). Internal to the library.
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "report/report.h"
#include "report/xlsx_book.h"

namespace chataudit::formats {

/// The colour of a severity's cell.
CellStyle severity_style(Severity severity);
/// A header row: each label in the report's language (Chinese first).
Row header_row(Lang lang, std::initializer_list<std::pair<std::string_view, std::string_view>> labels);
/// What the findings, waived and resolved sheets show of a finding first: severity (its word in the
/// report's language, coloured), rule, `title`, subject id and name, message, who must act (name,
/// id), due date (a date cell) and days overdue (a number); --redact applied.
Row finding_cells(const Report& report, const Finding& finding, std::string_view title);
/// The columns of finding_cells(), and those up to the message (what a resolved finding still has).
inline constexpr std::size_t kFindingCells = 10, kFindingCellsToMessage = 6;
/// The header over finding_cells()' first `columns` columns, then `more` (labels as header_row's).
Row finding_header(Lang lang, std::size_t columns,
                   std::initializer_list<std::pair<std::string_view, std::string_view>> more);
/// A sheet's name in the report's language: "summary", "findings", "waived", "resolved" in English
/// (as SPEC §5 names them; "findings 2" continues "findings"), 摘要, 问题, 已豁免, 已解决 in Chinese.
std::string sheet_name(Lang lang, std::string_view sheet);

/// The summary sheet: the report, its scope, as-of date, policy and inventory; the findings by
/// severity and by rule; what was checked (rules run, passed, waived, skipped; each table's rows).
void write_summary_sheet(XlsxBook& book, const Report& report);
/// The waived findings, each with its waiver's reason, approver and expiry.
void write_waived_sheet(XlsxBook& book, const Report& report);
/// The findings of the baseline that are gone now (only a header without a baseline).
void write_resolved_sheet(XlsxBook& book, const Report& report);

}  // namespace chataudit::formats
