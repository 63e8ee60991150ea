// The CSV report: one row per finding, CRLF line ends, a cell a spreadsheet would run as a formula
// defused; a UTF-8 BOM first with --bom (for Excel).
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

// A cell a spreadsheet would run as a formula gets a leading apostrophe; numbers stay numbers.
std::string csv_cell(std::string_view value) {
  std::string cell(value);
  const bool number = !value.empty() && value.find_first_not_of("0123456789-+.") == std::string_view::npos &&
                      value.find_first_of("0123456789") != std::string_view::npos &&
                      value.find_first_of("-+", 1) == std::string_view::npos;
  if (!value.empty() && std::string_view("=+-@\t\r").find(value[0]) != std::string_view::npos && !number)
    cell.insert(cell.begin(), '\'');
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

}  // namespace

std::string csv(const Report& report) {
  static constexpr std::string_view kHeader[] = {
      "rule",       "severity", "subject_kind", "subject_id", "subject_name",   "org_id",     "dept_id",
      "account_id", "group_id", "person_id",    "handle",     "responsible_id", "due_on",     "days_overdue",
      "article",    "title",    "message",      "remedy",     "change",         "fingerprint"};
  std::string out = report.options.bom ? "\xEF\xBB\xBF" : "";
  for (std::size_t i = 0; i < std::size(kHeader); ++i) out += (i ? "," : "") + std::string(kHeader[i]);
  out += "\r\n";
  for (const Finding& finding : report.result->findings) {
    const Rule& rule = rule_of(report, finding.rule);
    const std::string values[] = {finding.rule,
                                  std::string(to_string(finding.severity)),
                                  finding.subject_kind,
                                  shown_subject_id(report, finding),
                                  shown_subject_name(report, finding),
                                  shown_field(report, finding, "org_id"),
                                  shown_field(report, finding, "dept_id"),
                                  shown_field(report, finding, "account_id"),
                                  shown_field(report, finding, "group_id"),
                                  shown_field(report, finding, "person_id"),
                                  shown_field(report, finding, "handle"),
                                  shown_field(report, finding, "responsible_id"),
                                  finding.due_on,
                                  finding.days_overdue ? std::to_string(*finding.days_overdue) : "",
                                  rule.article.in(report.lang),
                                  rule.title.in(report.lang),
                                  shown_message(report, finding),
                                  rule.remedy.in(report.lang),
                                  finding.change,
                                  finding.fingerprint};
    for (std::size_t i = 0; i < std::size(values); ++i) out += (i ? "," : "") + csv_cell(values[i]);
    out += "\r\n";
  }
  return out;
}

}  // namespace chataudit::formats
