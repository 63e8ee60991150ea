#pragma once
// The renderers, one per format; the table in format_table.cpp lists them. Internal to the library.
#include <memory>
#include <string>
#include <vector>

#include "report/report.h"
#include "report/spool.h"

namespace chataudit::formats {

// A format that renders in groups (format_table.h) has a `_group` function, called once per rule
// with findings, and a `_finish` function that writes the whole report around the spooled groups.
void text_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void text_finish(const Report& report, const Spooled& groups, ByteSink& out);
/// The JSON report, rendered in groups (format_table.h): a group is its findings' elements of the
/// `findings` array, one a line; finish writes the document around them.
void json_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void json_finish(const Report& report, const Spooled& groups, ByteSink& out);
/// JSON Lines, rendered in groups: a group is its findings' lines; finish writes them, nothing else.
void jsonl_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void jsonl_finish(const Report& report, const Spooled& groups, ByteSink& out);
void csv_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void csv_finish(const Report& report, const Spooled& groups, ByteSink& out);
void markdown_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void markdown_finish(const Report& report, const Spooled& groups, ByteSink& out);
/// The HTML report's groups: each in the channel of its severity (Severity's value), so that
/// html_finish() can put each severity's groups under a heading that counts them.
void html_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void html_finish(const Report& report, const Spooled& groups, ByteSink& out);
/// The channels html_group() writes: one per severity.
constexpr int kHtmlChannels = 3;
/// The e-mail report's groups: the text report's in channel 0, the HTML report's in the
/// kHtmlChannels after it; finish streams both parts from the spool.
void email_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void email_finish(const Report& report, const Spooled& groups, ByteSink& out);
/// The channels email_group() writes: the text report's, the HTML report's, and the workbook's rows
/// (with --attach xlsx).
constexpr int kEmailChannels = 1 + kHtmlChannels + 1;
void junit_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void junit_finish(const Report& report, const Spooled& groups, ByteSink& out);
/// The workbook (report_xlsx.cpp): a group is its findings' rows, as records; finish writes the
/// workbook (summary, findings, waived, resolved sheets) and copies it to `out`.
void xlsx_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink);
void xlsx_finish(const Report& report, const Spooled& groups, ByteSink& out);

class XlsxBook;
/// The workbook of `report` from its spooled rows (xlsx_group() in `groups`), written once and kept
/// in a temporary file for as long as the object lives: the e-mail report hashes its attachment,
/// then writes it. Throws chataudit::Error when it cannot be written.
class Workbook {
 public:
  Workbook(const Report& report, const Spooled& groups);
  ~Workbook();
  /// Copies the workbook's bytes to `out`.
  void copy_to(ByteSink& out) const;

 private:
  std::unique_ptr<XlsxBook> book_;
};

/// Appends `finding` as the JSON report prints it in `findings`: on one line, compact, without its
/// rule's texts (those are under `rules`). Printed member by member, byte for byte as nlohmann::json
/// prints the same object with dump(-1) (finding_json_reference), which is several times slower.
void append_finding_json(std::string& out, const Report& report, const Finding& finding);
/// The same finding built as an nlohmann::json object and printed by it: what tests compare with.
std::string finding_json_reference(const Report& report, const Finding& finding);
/// Appends `finding` as a JSON Lines record holds it after `tool`, `as_of` and `scope`: `rule`,
/// `severity`, its rule's `title`, `article` and `remedy` in the report's language, then the rest
/// as in the JSON report.
void append_finding_jsonl(std::string& out, const Report& report, const Finding& finding);
/// The same built as an nlohmann::json object and printed by it.
std::string finding_jsonl_reference(const Report& report, const Finding& finding);

}  // namespace chataudit::formats
