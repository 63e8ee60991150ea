#pragma once
// The table of report formats: each format's name, renderer and how the command line treats it.
// A new format is one renderer file (declared in report_formats.h) and one row in format_table.cpp.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"

namespace chataudit {

/// One report format: a row of the table in format_table.cpp; one object per format, passed by
/// reference or pointer.
struct Format {
  std::string_view name;       ///< --format NAME and --output NAME:FILE
  std::string_view extension;  ///< a --split-by report's file is KEY.EXTENSION
  /// The whole report: complete (ends with a newline) or empty.
  std::string (*render)(const Report& report) = nullptr;
  /// The same text in parts to write one after the other; null when render() gives it in one part.
  std::vector<std::string> (*render_parts)(const Report& report) = nullptr;
  bool quiet_when_clean = false;  ///< nothing on standard output when the run finds nothing (unless --verbose)
  bool color = false;             ///< ANSI colour when it goes to a colour terminal (--color)
  /// An e-mail message: --send pipes it to sendmail, --mail-to and --split-by address it, and a
  /// clean run removes its file instead of writing it.
  bool mail = false;
};

/// Every format, in the order the command line lists them; the default first.
std::span<const Format> all_formats();
/// The format of a report when none is named: the text report.
const Format& default_format();
/// The format named `name`, or null when there is none.
const Format* parse_format(std::string_view name);

/// Renders `report` in `format`; the text is complete (ends with a newline) or empty.
std::string render(const Report& report, const Format& format);
/// render()'s text in parts, to be written one after the other: a report of a million findings
/// need not be copied into one string first (the JSON report is printed in halves on two threads).
std::vector<std::string> render_parts(const Report& report, const Format& format);

}  // namespace chataudit
