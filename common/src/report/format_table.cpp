// The table of report formats, and rendering a report in one of them. Adding a format: its renderer
// in a file of its own (declared in report_formats.h), one row here; the command line reads the rest.
#include "report/format_table.h"

#include <cassert>
#include <limits>

#include "report/report_formats.h"

namespace chataudit {

namespace {

constexpr Format kFormats[] = {
    {.name = "text",
     .extension = "txt",
     .group = formats::text_group,
     .finish = formats::text_finish,
     .quiet_when_clean = true,
     .color = true},
    {.name = "json", .extension = "json", .group = formats::json_group, .finish = formats::json_finish},
    {.name = "jsonl", .extension = "jsonl", .group = formats::jsonl_group, .finish = formats::jsonl_finish},
    {.name = "csv", .extension = "csv", .group = formats::csv_group, .finish = formats::csv_finish},
    {.name = "markdown",
     .extension = "md",
     .group = formats::markdown_group,
     .finish = formats::markdown_finish,
     .channels = 3},  // a channel per severity: finish() puts its heading and count before its groups
    {.name = "html",
     .extension = "html",
     .group = formats::html_group,
     .finish = formats::html_finish,
     .channels = formats::kHtmlChannels},  // a channel per severity, as Markdown's
    {.name = "email",
     .extension = "eml",
     .group = formats::email_group,
     .finish = formats::email_finish,
     .channels = formats::kEmailChannels,
     .quiet_when_clean = true,
     .mail = true},
    // JUnit's test cases follow rules_run, not the report's order: each rule's findings (a test case
    // each) go to the channel of the rule's index in the policy, as many channels as the policy has rules.
    {.name = "junit", .extension = "xml", .group = formats::junit_group, .finish = formats::junit_finish},
    // A workbook: never written to a terminal or standard output (the command line refuses it).
    {.name = "xlsx", .extension = "xlsx", .group = formats::xlsx_group, .finish = formats::xlsx_finish, .binary = true},
};

}  // namespace

std::span<const Format> all_formats() { return kFormats; }

const Format& default_format() { return kFormats[0]; }

const Format* parse_format(std::string_view name) {
  for (const Format& format : kFormats)
    if (format.name == name) return &format;
  return nullptr;
}

std::string render(const Report& report, const Format& format) {
  Report tallied = report;
  tallied.tally = tally_of(*report.policy, report.result->findings);
  assert(format.group && format.finish && "every row of kFormats renders in groups");
  Spool spool(std::numeric_limits<std::size_t>::max());
  bool first = true;
  for (const RuleGroup& group : group_by_rule(tallied)) {
    GroupSink sink(spool, 0);
    format.group(tallied, group, first, sink);
    sink.spill(true);
    first = false;
  }
  std::string out;
  StringSink sink(out);
  format.finish(tallied, Spooled{spool, 0, 0}, sink);
  return out;
}

}  // namespace chataudit
