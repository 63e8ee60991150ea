// What every renderer shows (report.h): the shown_* values with --redact applied, the findings in
// rule groups, the summary line and the e-mail subject.
#include "report/report.h"

#include <fmt/format.h>

#include "base/text.h"
#include "report/report_util.h"

namespace chataudit {

std::string_view severity_label(Severity severity, Lang lang) {
  if (lang == Lang::en) return to_string(severity);
  switch (severity) {
    case Severity::error:
      return "错误";
    case Severity::warning:
      return "警告";
    case Severity::notice:
      return "提示";
  }
  return "";
}

const std::string& finding_message(const Report& report, const Finding& finding) {
  return (report.options.redact ? finding.message_redacted : finding.message).in(report.lang);
}

std::string shown_message(const Report& report, const Finding& finding) {
  return finding.context.in(report.lang) + finding_message(report, finding);
}

std::string shown_subject_id(const Report& report, const Finding& finding) {
  if (!report.options.redact) return finding.subject_id;
  if (finding.subject_kind == "handle") return mask_handle(finding.subject_id);
  if (finding.subject_kind == "membership") {
    const std::size_t slash = finding.subject_id.find('/');
    if (slash != std::string::npos && finding.subject_id.compare(slash + 1, 1, "#") != 0)
      return finding.subject_id.substr(0, slash + 1) + mask_handle(finding.subject_id.substr(slash + 1));
  }
  return finding.subject_id;
}

std::string shown_subject_name(const Report& report, const Finding& finding) {
  if (!report.options.redact) return finding.subject_name;
  if (finding.subject_kind == "handle") return mask_handle(finding.subject_name);
  if (finding.subject_kind == "person" || finding.subject_kind == "membership") return mask_name(finding.subject_name);
  return finding.subject_name;
}

Finding resolved_finding(const Report& report, const PastFinding& past) {
  Finding finding;
  finding.rule = past.rule;
  finding.severity = parse_severity(past.severity).value_or(Severity::error);
  finding.subject_kind = past.subject_kind;
  finding.subject_id = past.subject_id;
  finding.subject_name = past.subject_name;
  finding.message = {past.message, past.message};
  if (const Rule* rule = report.policy->find_rule(past.rule)) finding.message_redacted = rule->title;
  finding.fingerprint = past.fingerprint;
  return finding;
}

std::vector<RuleGroup> groups_of(const Policy& policy, const std::vector<Finding>& findings) {
  std::vector<RuleGroup> groups;
  for (std::size_t begin = 0, end = 0; begin < findings.size(); begin = end) {
    while (end < findings.size() && findings[end].rule == findings[begin].rule &&
           findings[end].severity == findings[begin].severity)
      ++end;
    groups.push_back({policy.find_rule(findings[begin].rule), findings[begin].severity,
                      std::span<const Finding>(findings).subspan(begin, end - begin)});
  }
  return groups;
}

std::vector<RuleGroup> group_by_rule(const Report& report) {
  return groups_of(*report.policy, report.result->findings);
}

void Tally::add(const RuleGroup& group) {
  if (group.findings.empty()) return;
  // A group's findings share its severity; only their changes are read (none is made).
  const std::size_t count = group.findings.size();
  findings += count;
  by_severity[static_cast<std::size_t>(group.severity)] += count;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view change = group.findings.change(i);
    if (change == "new")
      ++fresh;
    else if (change == "reminder")
      ++reminders;
    else if (change == "reassigned")
      ++reassigned;
  }
  rules.emplace_back(group.rule, count);
}

std::size_t Tally::at_or_above(Severity severity) const {
  std::size_t count = 0;
  for (std::size_t s = 0; s <= static_cast<std::size_t>(severity) && s < by_severity.size(); ++s)
    count += by_severity[s];
  return count;
}

Tally tally_of(const Policy& policy, const std::vector<Finding>& findings) {
  Tally tally;
  for (const RuleGroup& group : groups_of(policy, findings)) tally.add(group);
  return tally;
}

std::string shown_skip_reason(const Report& report, const SkippedRule& skipped) {
  constexpr std::string_view kMissing = "missing table: ";
  if (report.lang == Lang::zh && skipped.reason.starts_with(kMissing))
    return "缺少表：" + skipped.reason.substr(kMissing.size());
  return skipped.reason;
}

std::string shown_waiver_subject(const Report& report, const Waiver& waiver) {
  // Only a membership subject (GROUP/HANDLE: one slash, not GROUP/#PERSON) carries a handle.
  const std::size_t slash = waiver.subject.find('/');
  const bool membership = slash != std::string::npos && waiver.subject.find('/', slash + 1) == std::string::npos &&
                          waiver.subject.compare(slash + 1, 1, "#") != 0;
  if (!report.options.redact || !membership) return waiver.subject;
  return waiver.subject.substr(0, slash + 1) + mask_handle(waiver.subject.substr(slash + 1));
}

std::string shown_field(const Report& report, const Finding& finding, std::string_view field) {
  const std::string value = finding.field(field);
  if (!report.options.redact) return value;
  if (field == "handle") return mask_handle(value);
  if (field == "responsible_name") return mask_name(value);
  return value;
}

std::string shown_responsible(const Report& report, const Finding& finding) {
  const std::string id = finding.field("responsible_id");
  std::string name = finding.field("responsible_name");
  if (report.options.redact) name = mask_name(name);
  if (name.empty() || id.empty()) return name + id;
  return name + formats::paren(report.lang, id);
}

std::string shown_due(const Report& report, const Finding& finding) {
  if (finding.due_on.empty()) return {};
  // days_overdue is 0 or less while the date is still ahead (a rule may report it as it likes).
  if (!finding.days_overdue || *finding.days_overdue <= 0) return finding.due_on;
  const std::int64_t days = *finding.days_overdue;
  if (report.lang == Lang::zh) return fmt::format("{}（已逾期 {} 天）", finding.due_on, days);
  return fmt::format("{} ({} day{} overdue)", finding.due_on, days, days == 1 ? "" : "s");
}

namespace {

// ", 2 reminders, 1 reassigned" / "，提醒 2 项，转交 1 项": what is delivered again, when any is.
std::string redelivered(const Tally& tally, Lang lang) {
  const std::size_t reminders = tally.reminders, reassigned = tally.reassigned;
  std::string out;
  if (reminders > 0)
    out += lang == Lang::zh ? fmt::format("，提醒 {} 项", reminders)
                            : fmt::format(", {} reminder{}", reminders, reminders == 1 ? "" : "s");
  if (reassigned > 0)
    out += lang == Lang::zh ? fmt::format("，转交 {} 项", reassigned) : fmt::format(", {} reassigned", reassigned);
  return out;
}

}  // namespace

void Coverage::add(std::size_t findings, std::size_t waived) {
  if (findings == 0)
    ++rules_passed;
  else if (waived == findings)
    ++rules_waived;
}

namespace {

// Each inventory table as a reader counts its rows: the Chinese noun and measure word, the English
// noun in the singular and the plural.
struct TableWords {
  std::string_view table, zh, measure, one, many;
};
constexpr TableWords kTableWords[] = {
    {"orgs", "组织", "个", "organization", "organizations"},
    {"depts", "部门", "个", "department", "departments"},
    {"people", "人员", "人", "person", "people"},
    {"accounts", "账号", "个", "account", "accounts"},
    {"groups", "工作群", "个", "group", "groups"},
    {"members", "成员", "条", "member", "members"},
    {"permissions", "权限", "条", "permission", "permissions"},
    {"successions", "交接记录", "条", "succession", "successions"},
};

const TableWords* table_words(std::string_view table) {
  for (const TableWords& words : kTableWords)
    if (words.table == table) return &words;
  return nullptr;
}

}  // namespace

std::string grouped(std::size_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string_view table_label(Lang lang, std::string_view table) {
  const TableWords* words = table_words(table);
  if (!words) return table;
  return lang == Lang::zh ? words->zh : words->many;
}

std::string table_rows(Lang lang, std::string_view table, std::size_t rows) {
  const TableWords* words = table_words(table);
  if (lang == Lang::zh)
    return words ? fmt::format("{} {} {}", words->zh, grouped(rows), words->measure)
                 : fmt::format("{} {} 行", table, grouped(rows));
  if (!words) return fmt::format("{} {} row{}", table, grouped(rows), rows == 1 ? "" : "s");
  return fmt::format("{} {}", grouped(rows), rows == 1 ? words->one : words->many);
}

std::vector<std::pair<std::string_view, const LoadedTable*>> tables_in_order(const Report& report) {
  std::vector<std::pair<std::string_view, const LoadedTable*>> tables;
  if (!report.inventory) return tables;
  for (const TableWords& words : kTableWords)
    if (auto it = report.inventory->tables.find(std::string(words.table)); it != report.inventory->tables.end())
      tables.emplace_back(it->first, &it->second);
  for (const auto& [name, table] : report.inventory->tables)
    if (!table_words(name)) tables.emplace_back(name, &table);
  return tables;
}

std::string checked_line(const Report& report) {
  const Lang lang = report.lang;
  const bool zh = lang == Lang::zh;
  const std::size_t run = report.result->rules_run.size();
  const Coverage& coverage = report.coverage;
  std::string line = zh ? fmt::format("已检查：{} 条规则（{} 条通过", grouped(run), grouped(coverage.rules_passed))
                        : fmt::format("Checked: {} rule{} ({} passed", grouped(run), run == 1 ? "" : "s",
                                      grouped(coverage.rules_passed));
  if (coverage.rules_waived > 0)
    line += zh ? fmt::format("，{} 条的问题均已豁免", grouped(coverage.rules_waived))
               : fmt::format(", {} with every finding waived", grouped(coverage.rules_waived));
  line += zh ? "）" : ")";
  // Filtered, the rows within the filters (SPEC §2: a filtered clean run says what it checked).
  const bool filtered = is_filtered(report);
  std::vector<std::string> tables;
  for (const auto& [name, table] : tables_in_order(report))
    tables.push_back(table_rows(lang, name, filtered ? table->in_scope() : table->rows_loaded));
  for (std::size_t i = 0; i < tables.size(); ++i)
    line += (i == 0 ? (zh ? "，" : " on ") : (zh ? "、" : ", ")) + tables[i];
  if (filtered && !tables.empty()) line += zh ? "（筛选范围内）" : " within the filters";
  return line + "\n";
}

bool is_filtered(const Report& report) {
  return report.scope && (!report.scope->org.empty() || !report.scope->person.empty() || !report.scope->group.empty());
}

std::string trend_line(const Report& report) {
  if (report.trend.size() < 2) return "";
  const bool zh = report.lang == Lang::zh;
  std::string line = zh ? "趋势（错误/警告/提示）：" : "Trend (errors/warnings/notices): ";
  for (std::size_t i = 0; i < report.trend.size(); ++i) {
    const TrendPoint& point = report.trend[i];
    line += fmt::format("{}{} {}/{}/{}", i == 0 ? "" : " → ", point.as_of, grouped(point.by_severity[0]),
                        grouped(point.by_severity[1]), grouped(point.by_severity[2]));
  }
  return line + "\n";
}

std::string scope_line(const Report& report) {
  return report.scope ? report.scope->line(report.lang) + "\n" : std::string();
}

std::string summary_line(const Report& report) {
  const Tally& tally = report.tally;
  const auto& counts = tally.by_severity;
  const Review& review = *report.review;
  const std::string as_of = format_date(report.as_of);
  std::string line;
  if (report.lang == Lang::zh) {
    line = fmt::format("{}{}，截至 {}：共 {} 项 — 错误 {}，警告 {}，提示 {}；运行规则 {} 条", report.tool,
                       report.title_suffix, as_of, tally.findings, counts[0], counts[1], counts[2],
                       report.result->rules_run.size());
    if (!review.waived.empty()) line += fmt::format("；豁免 {} 项", review.waived.size());
    if (review.compared)
      line += fmt::format("；新增 {} 项{}，已解决 {} 项", tally.fresh, redelivered(tally, Lang::zh),
                          review.resolved.size());
    return line + "\n";
  }
  auto plural = [](std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  line = fmt::format("{}{}, as of {}: {} — {}, {}, {}; {} run", report.tool, report.title_suffix, as_of,
                     plural(tally.findings, "finding"), plural(counts[0], "error"), plural(counts[1], "warning"),
                     plural(counts[2], "notice"), plural(report.result->rules_run.size(), "rule"));
  if (!review.waived.empty()) line += fmt::format("; {} waived", review.waived.size());
  if (review.compared)
    line += fmt::format("; {} new{}, {} resolved", tally.fresh, redelivered(tally, Lang::en), review.resolved.size());
  return line + "\n";
}

std::string mail_subject(const Report& report) {
  const Tally& tally = report.tally;
  const std::string as_of = format_date(report.as_of);
  if (report.lang == Lang::zh) {
    std::string counts = fmt::format("{} 项问题", tally.findings);
    if (report.review->compared) counts += fmt::format("，新增 {} 项{}", tally.fresh, redelivered(tally, Lang::zh));
    return fmt::format("{}{}：{} — 截至 {}", report.tool, report.title_suffix, counts, as_of);
  }
  std::string counts = fmt::format("{} finding{}", tally.findings, tally.findings == 1 ? "" : "s");
  if (report.review->compared) counts += fmt::format(", {} new{}", tally.fresh, redelivered(tally, Lang::en));
  return fmt::format("{}{}: {} — as of {}", report.tool, report.title_suffix, counts, as_of);
}

}  // namespace chataudit
