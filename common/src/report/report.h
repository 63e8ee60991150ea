#pragma once
// The Report every renderer reads, and what every renderer shows of it. The list of formats and
// render(): format_table.h.
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "findings/finding_store.h"
#include "findings/findings.h"
#include "policy/scope.h"
#include "review/review.h"

namespace chataudit {

/// What happened after the rules: waivers and the baseline comparison.
struct Review {
  std::vector<WaivedFinding> waived;
  std::vector<Waiver> waivers_expired, waivers_unused;
  bool compared = false;  ///< a baseline was given
  std::string baseline_source;
  std::vector<PastFinding> resolved;  ///< in the baseline, gone now
};

/// How the report is written, beyond its format.
struct RenderOptions {
  bool color = false;   ///< ANSI colour in text output
  bool bom = false;     ///< UTF-8 BOM before CSV output (for Excel)
  bool redact = false;  ///< personal names and handles masked
  bool verbose = false;
  std::vector<std::string> mail_to;
  std::string mail_from;
  std::int64_t mail_date = 0;  ///< seconds since the epoch for the e-mail Date: header
  /// SOURCE_DATE_EPOCH when set: the workbook's creation time (else its as-of date, never the clock).
  std::optional<std::int64_t> source_date_epoch;
  /// The findings one sheet of the workbook holds below its header before "findings 2" continues:
  /// Excel's limit (1,048,576 rows) less the header; tests set fewer.
  std::size_t xlsx_sheet_rows = 1'048'575;
  bool attach_xlsx = false;  ///< the e-mail report carries the workbook (--attach xlsx)
};

/// The findings of one rule: a run of the report's findings (sorted by severity, then rule).
struct RuleGroup {
  const Rule* rule;  ///< never null for findings the engine made
  Severity severity;
  FindingList findings;
};

/// What a report's beginning and end say of its findings: counted while they go by, so that a
/// report written rule by rule (spool.h) can say them after the last rule.
struct Tally {
  std::size_t findings = 0;
  std::array<std::size_t, 3> by_severity{};  ///< indexed by Severity
  std::size_t fresh = 0;                     ///< change "new"
  std::size_t reminders = 0, reassigned = 0;
  /// The rules with findings, in report order, with how many each has.
  std::vector<std::pair<const Rule*, std::size_t>> rules;
  /// Counts every finding of `group` and adds its rule.
  void add(const RuleGroup& group);
  /// The findings at `severity` or above (error the highest): those that fail the run at --fail-on `severity`.
  std::size_t at_or_above(Severity severity) const;
};

/// What the run checked beyond the tables' rows (SPEC §5 summary): counted rule by rule as the
/// rules run (cli/stream.h), over the whole run (one report of --split-by says the run's counts).
struct Coverage {
  /// Rules that ran and made no finding: before waivers, the baseline and --min-severity.
  std::size_t rules_passed = 0;
  /// Rules that made findings and every one of them was waived.
  std::size_t rules_waived = 0;
  /// Counts one rule run that made `findings` findings, `waived` of them waived.
  void add(std::size_t findings, std::size_t waived);
};

/// One run in the trend (SPEC §5): its as-of date and its findings by severity after waivers and
/// before --only-new (what the history records as the run's errors, warnings and notices).
struct TrendPoint {
  std::string as_of;
  std::array<std::size_t, 3> by_severity{};  ///< indexed by Severity
};

struct Report {
  std::string tool, version;
  Date as_of;
  const Policy* policy = nullptr;
  const InventorySummary* inventory = nullptr;  ///< null only in unit tests
  const RunResult* result = nullptr;            ///< findings after waivers and --only-new
  const Review* review = nullptr;               ///< never null when rendering
  Lang lang = Lang::en;
  Severity fail_on = Severity::error;
  RenderOptions options;
  std::string title_suffix;      ///< e.g. " — P031" for one report of --split-by
  const Scope* scope = nullptr;  ///< what the run covered; null only in unit tests
  /// The counts of the findings the report delivers (result->findings when it holds them all).
  Tally tally;
  Coverage coverage;  ///< the rules passed and waived (the rules run: result->rules_run)
  /// With --record: up to 11 earlier runs of the same scope and this one, oldest first; shown by
  /// text, Markdown, HTML and xlsx when it holds an earlier run.
  std::vector<TrendPoint> trend;
};

/// The tally of `findings` (sorted in report order), with their rules from `policy`.
Tally tally_of(const Policy& policy, const std::vector<Finding>& findings);

// What every renderer shows, with --redact applied. Renderers use these, never the raw fields.
/// The finding's message in the report's language, as JSON and JSON Lines carry it.
const std::string& finding_message(const Report& report, const Finding& finding);
/// The message as people read it (text, Markdown, HTML, e-mail, CSV, JUnit): the rule's context
/// (a membership's group by name) and the finding's message.
std::string shown_message(const Report& report, const Finding& finding);
/// subject.id (handles masked in membership and handle subjects).
std::string shown_subject_id(const Report& report, const Finding& finding);
/// subject.name (masked when it is a person's name or a handle).
std::string shown_subject_name(const Report& report, const Finding& finding);
/// One id field (`handle` masked; others as they are).
std::string shown_field(const Report& report, const Finding& finding, std::string_view field);
/// Who must act (SPEC §5): "NAME (ID)" from responsible_name and responsible_id (full-width
/// parentheses in Chinese), the name or the id alone when only one is known, the name masked under
/// --redact; empty when the finding names no one.
std::string shown_responsible(const Report& report, const Finding& finding);
/// The due date, with the days overdue when there are any: "2026-11-26 (1 day overdue)",
/// "2026-11-26（已逾期 1 天）"; empty when the finding has no due date.
std::string shown_due(const Report& report, const Finding& finding);
/// A resolved finding (from the baseline) as a Finding the shown_* helpers accept; under --redact
/// its message is the rule's title, since the recorded message may name people.
Finding resolved_finding(const Report& report, const PastFinding& past);
/// A waiver's subject, with the handle of a membership subject (GROUP/HANDLE) masked under --redact.
std::string shown_waiver_subject(const Report& report, const Waiver& waiver);
/// `findings` (sorted in report order) as rule groups, their rules from `policy`.
std::vector<RuleGroup> groups_of(const Policy& policy, const std::vector<Finding>& findings);
/// The report's findings as rule groups, in report order.
std::vector<RuleGroup> group_by_rule(const Report& report);

/// Why a rule was skipped, in the report's language.
std::string shown_skip_reason(const Report& report, const SkippedRule& skipped);
/// "error" / "错误" …
std::string_view severity_label(Severity severity, Lang lang);
/// What the run covered, one line in the report's language ("Scope: …"; with trailing newline),
/// or empty when the report has no scope (unit tests).
std::string scope_line(const Report& report);
/// `table`'s rows, counted, in the report's language: "2,994,109 members" / "成员 2,994,109 条"
/// (digits grouped by thousands; English nouns singular for one).
std::string table_rows(Lang lang, std::string_view table, std::size_t rows);
/// `table` as a word in the report's language: "members" / "成员".
std::string_view table_label(Lang lang, std::string_view table);
/// The inventory's tables, in SPEC order, then any other by name; empty without an inventory.
std::vector<std::pair<std::string_view, const LoadedTable*>> tables_in_order(const Report& report);
/// `n` with its digits grouped by thousands: "2,994,109".
std::string grouped(std::size_t n);
/// What the run checked, one line in the report's language (with trailing newline): "Checked: 8
/// rules (5 passed) on 2,994,109 members, 30,000 groups" / "已检查：8 条规则（5 条通过），成员
/// 2,994,109 条、工作群 30,000 个"; the rows are those loaded, per table in SPEC order.
std::string checked_line(const Report& report);
/// Whether --org, --person or --group narrowed the run (the coverage then shows rows in scope).
bool is_filtered(const Report& report);
/// The trend, one line in the report's language (with trailing newline): "Trend (errors/warnings/
/// notices): 2026-11-13 4/2/1 → 2026-11-20 3/2/1"; empty when there is no earlier run to show.
std::string trend_line(const Report& report);
/// The one-line summary that ends the text report (with trailing newline).
std::string summary_line(const Report& report);
/// The e-mail subject: "TOOL: N findings, M new — as of DATE" (in the report's language).
std::string mail_subject(const Report& report);

}  // namespace chataudit
