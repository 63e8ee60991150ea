// The table of report formats, and rendering a report in one of them. Adding a format: its renderer
// in a file of its own (declared in report_formats.h), one row here; the command line reads the rest.
#include "report/format_table.h"

#include <cassert>

#include "report/report_formats.h"

namespace chataudit {

namespace {

constexpr Format kFormats[] = {
    {.name = "text", .extension = "txt", .render = formats::text, .quiet_when_clean = true, .color = true},
    {.name = "json", .extension = "json", .render = formats::json, .render_parts = formats::json_parts},
    {.name = "jsonl", .extension = "jsonl", .render = formats::jsonl},
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
  assert(format.render && "every row of kFormats has a renderer");
  return format.render(report);
}

std::vector<std::string> render_parts(const Report& report, const Format& format) {
  if (format.render_parts) return format.render_parts(report);
  std::vector<std::string> parts;
  parts.push_back(render(report, format));
  return parts;
}

}  // namespace chataudit
