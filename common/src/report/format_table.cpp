// The table of report formats, and rendering a report in one of them. Adding a format: its renderer
// in a file of its own (declared in report_formats.h), one row here; the command line reads the rest.
#include "report/format_table.h"

#include <cassert>
#include <limits>

#include "report/report_formats.h"

namespace chataudit {

namespace {

constexpr Format kFormats[] = {
    {.name = "text", .extension = "txt", .render = formats::text, .quiet_when_clean = true, .color = true},
    {.name = "json", .extension = "json", .group = formats::json_group, .finish = formats::json_finish},
    {.name = "jsonl", .extension = "jsonl", .group = formats::jsonl_group, .finish = formats::jsonl_finish},
    {.name = "csv", .extension = "csv", .render = formats::csv},
    {.name = "markdown", .extension = "md", .render = formats::markdown},
    {.name = "html", .extension = "html", .render = formats::html},
    {.name = "email", .extension = "eml", .render = formats::email, .quiet_when_clean = true, .mail = true},
    {.name = "junit", .extension = "xml", .render = formats::junit},
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
  if (!format.group) {
    assert(format.render && "a format renders in groups or whole");
    return format.render(tallied);
  }
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
