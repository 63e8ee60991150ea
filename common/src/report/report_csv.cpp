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

// One finding's row (CRLF at its end).
void append_row(const Report& report, const Rule& rule, const Finding& finding, std::string& out) {
  const std::string values[] = {finding.rule,
                                std::string(to_string(finding.severity)),
                                std::string(severity_label(finding.severity, report.lang)),
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
                                shown_field(report, finding, "responsible_name"),
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

}  // namespace

void csv_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  std::string& out = sink.channel(0);
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    append_row(report, *group.rule, group.findings[i], out);
    if (i % 256 == 255) sink.spill();
  }
}

void csv_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  // responsible_name (who must act, by name) was added beside responsible_id after the others: a
  // script that reads columns by name still finds each.
  static constexpr std::string_view kHeader[] = {
      "rule",           "severity",         "severity_label", "subject_kind", "subject_id", "subject_name",
      "org_id",         "dept_id",          "account_id",     "group_id",     "person_id",  "handle",
      "responsible_id", "responsible_name", "due_on",         "days_overdue", "article",    "title",
      "message",        "remedy",           "change",         "fingerprint"};
  std::string head = report.options.bom ? "\xEF\xBB\xBF" : "";
  for (std::size_t i = 0; i < std::size(kHeader); ++i) head += (i ? "," : "") + std::string(kHeader[i]);
  out.write(head + "\r\n");
  groups.copy_to(out);
}

}  // namespace chataudit::formats
