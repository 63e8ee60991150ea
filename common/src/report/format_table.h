#pragma once
// The table of report formats: each format's name, renderer and how the command line treats it.
// A new format is one renderer file (declared in report_formats.h) and one row in format_table.cpp.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.h"
#include "report/spool.h"

namespace chataudit {

/// One report format: a row of the table in format_table.cpp; one object per format, passed by
/// reference or pointer.
///
/// A format renders a report in two steps (spool.h): `group` once for each rule with findings, in
/// report order, as soon as the rule is done, into the report's spool; then `finish`, once every
/// rule has run, writes the whole report: what comes before the findings (it may need every
/// count: report.tally), the spooled groups, what comes after. render() runs both on a report whose
/// findings are all in memory; the command line runs them as the rules finish.
struct Format {
  std::string_view name;       ///< --format NAME and --output NAME:FILE
  std::string_view extension;  ///< a --split-by report's file is KEY.EXTENSION
  /// Renders one rule's findings into `out` (channels 0 … channels - 1). `first`: no group of
  /// this report came before it. Reads of `report` no counts (report.tally is not complete yet).
  void (*group)(const Report& report, const RuleGroup& group, bool first, GroupSink& out) = nullptr;
  /// Writes the whole report to `out`, its groups copied from `groups` (channel 0 of the report).
  void (*finish)(const Report& report, const Spooled& groups, ByteSink& out) = nullptr;
  int channels = 1;               ///< how many channels `group` writes
  bool quiet_when_clean = false;  ///< nothing on standard output when the run finds nothing (unless --verbose)
  bool color = false;             ///< ANSI colour when it goes to a colour terminal (--color)
  /// An e-mail message: --send pipes it to sendmail, --mail-to and --split-by address it, and a
  /// clean run removes its file instead of writing it.
  bool mail = false;
  /// Bytes no terminal or pipe reader wants (a workbook): written only to a file (--output FMT:FILE).
  bool binary = false;
};

/// Every format, in the order the command line lists them; the default first.
std::span<const Format> all_formats();
/// The format of a report when none is named: the text report.
const Format& default_format();
/// The format named `name`, or null when there is none.
const Format* parse_format(std::string_view name);

/// Renders `report` (every finding in report.result) in `format`: its groups into a spool in memory,
/// then finish(); the text is complete (ends with a newline) or empty. report.tally is computed.
std::string render(const Report& report, const Format& format);

}  // namespace chataudit
