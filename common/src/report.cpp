// Renderers. Every format is built from the same Report; adding a format is one function here.
#include "chataudit/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "chataudit/text.h"

namespace chataudit {

namespace {
constexpr std::array<std::pair<Format, std::string_view>, 4> kFormats{{
    {Format::text, "text"}, {Format::json, "json"}, {Format::jsonl, "jsonl"}, {Format::csv, "csv"}}};
}

std::optional<Format> parse_format(std::string_view name) {
  for (const auto& [format, spelling] : kFormats)
    if (spelling == name) return format;
  return std::nullopt;
}

std::string_view to_string(Format format) {
  for (const auto& [value, spelling] : kFormats)
    if (value == format) return spelling;
  return "text";
}

namespace {

using Json = nlohmann::ordered_json;

std::string_view severity_label(Severity severity, Lang lang) {
  if (lang == Lang::en) return to_string(severity);
  switch (severity) {
    case Severity::error: return "错误";
    case Severity::warning: return "警告";
    case Severity::notice: return "提示";
  }
  return "";
}

std::array<std::size_t, 3> count_by_severity(const std::vector<Finding>& findings) {
  std::array<std::size_t, 3> counts{};
  for (const Finding& finding : findings) ++counts[static_cast<int>(finding.severity)];
  return counts;
}

const Rule& rule_of(const Report& report, const Finding& finding) { return *report.policy->find_rule(finding.rule); }

Json localized(const Localized& text) { return Json{{"zh", text.zh}, {"en", text.en}}; }

Json finding_json(const Report& report, const Finding& finding) {
  const Rule& rule = rule_of(report, finding);
  Json json;
  json["rule"] = finding.rule;
  json["severity"] = to_string(finding.severity);
  json["article"] = localized(rule.article);
  json["title"] = localized(rule.title);
  Json subject{{"kind", finding.subject_kind}, {"id", finding.subject_id}};
  if (!finding.subject_name.empty()) subject["name"] = finding.subject_name;
  json["subject"] = subject;
  for (const auto& [name, value] : finding.ids) json[name] = value;
  if (!finding.due_on.empty()) json["due_on"] = finding.due_on;
  if (finding.days_overdue) json["days_overdue"] = *finding.days_overdue;
  json["message"] = finding.message.in(report.lang);
  json["remedy"] = localized(rule.remedy);
  if (!finding.details.empty()) {
    Json details = Json::object();
    for (const auto& [name, value] : finding.details) details[name] = value;
    json["details"] = details;
  }
  json["fingerprint"] = finding.fingerprint;
  return json;
}

std::string skip_reason(const SkippedRule& skipped, Lang lang) {
  if (lang == Lang::en) return skipped.reason;
  std::string reason = skipped.reason;
  if (reason.starts_with("missing table: ")) return "缺少表：" + reason.substr(15);
  return reason;
}

std::string render_json(const Report& report) {
  const RunResult& result = *report.result;
  Json tables = Json::object();
  for (const auto& [name, table] : report.inventory->loaded()) tables[name] = table.rows_loaded;
  const auto counts = count_by_severity(result.findings);
  Json skipped = Json::array();
  for (const SkippedRule& rule : result.rules_skipped)
    skipped.push_back(Json{{"rule", rule.rule}, {"reason", skip_reason(rule, report.lang)}});
  Json findings = Json::array();
  for (const Finding& finding : result.findings) findings.push_back(finding_json(report, finding));
  Json json{
      {"tool", report.tool},
      {"version", report.version},
      {"as_of", format_date(report.as_of)},
      {"policy", Json{{"id", report.policy->id}, {"digest", report.policy->digest}}},
      {"inventory", Json{{"source", report.inventory->source}, {"tables", tables}}},
      {"summary", Json{{"findings", result.findings.size()},
                       {"by_severity", Json{{"error", counts[0]}, {"warning", counts[1]}, {"notice", counts[2]}}},
                       {"waived", 0},
                       {"resolved", 0},
                       {"rules_run", result.rules_run.size()},
                       {"rules_skipped", skipped}}},
      {"findings", findings},
      {"waived", Json::array()},
      {"resolved", Json::array()},
  };
  return json.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string render_jsonl(const Report& report) {
  std::string out;
  for (const Finding& finding : report.result->findings)
    out += finding_json(report, finding).dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  return out;
}

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

std::string render_csv(const Report& report) {
  static constexpr std::string_view kHeader[] = {
      "rule",    "severity",  "subject_kind", "subject_id", "subject_name",   "org_id", "dept_id",
      "account_id", "group_id", "person_id", "handle",     "responsible_id", "due_on", "days_overdue",
      "article", "title",     "message",      "remedy",     "fingerprint"};
  std::string out;
  for (std::size_t i = 0; i < std::size(kHeader); ++i) out += (i ? "," : "") + std::string(kHeader[i]);
  out += "\r\n";
  for (const Finding& finding : report.result->findings) {
    const Rule& rule = rule_of(report, finding);
    const std::string values[] = {finding.rule,
                                  std::string(to_string(finding.severity)),
                                  finding.subject_kind,
                                  finding.subject_id,
                                  finding.subject_name,
                                  finding.field("org_id"),
                                  finding.field("dept_id"),
                                  finding.field("account_id"),
                                  finding.field("group_id"),
                                  finding.field("person_id"),
                                  finding.field("handle"),
                                  finding.field("responsible_id"),
                                  finding.due_on,
                                  finding.days_overdue ? std::to_string(*finding.days_overdue) : "",
                                  rule.article.in(report.lang),
                                  rule.title.in(report.lang),
                                  finding.message.in(report.lang),
                                  rule.remedy.in(report.lang),
                                  finding.fingerprint};
    for (std::size_t i = 0; i < std::size(values); ++i) out += (i ? "," : "") + csv_cell(values[i]);
    out += "\r\n";
  }
  return out;
}

std::string summary_line(const Report& report) {
  const auto counts = count_by_severity(report.result->findings);
  const std::size_t total = report.result->findings.size();
  const std::string as_of = format_date(report.as_of);
  if (report.lang == Lang::zh)
    return fmt::format("{}，截至 {}：共 {} 项 — 错误 {}，警告 {}，提示 {}；运行规则 {} 条\n", report.tool, as_of, total,
                       counts[0], counts[1], counts[2], report.result->rules_run.size());
  auto plural = [](std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  return fmt::format("{}, as of {}: {} — {}, {}, {}; {} run\n", report.tool, as_of, plural(total, "finding"),
                     plural(counts[0], "error"), plural(counts[1], "warning"), plural(counts[2], "notice"),
                     plural(report.result->rules_run.size(), "rule"));
}

std::string render_text(const Report& report) {
  const RunResult& result = *report.result;
  const Lang lang = report.lang;
  std::string out;
  for (std::size_t begin = 0; begin < result.findings.size();) {
    std::size_t end = begin;
    while (end < result.findings.size() && result.findings[end].rule == result.findings[begin].rule) ++end;
    const Rule& rule = rule_of(report, result.findings[begin]);
    out += fmt::format("[{}] {} — {}{}{}{}\n", severity_label(rule.severity, lang), rule.id, rule.title.in(lang),
                       lang == Lang::zh ? "（" : " (", rule.article.in(lang), lang == Lang::zh ? "）" : ")");
    int width = 0;
    for (std::size_t i = begin; i < end; ++i) width = std::max(width, display_width(result.findings[i].subject_id));
    for (std::size_t i = begin; i < end; ++i)
      out += "  " + pad_right(result.findings[i].subject_id, width) + "  " + result.findings[i].message.in(lang) + "\n";
    out += fmt::format("  {}{}\n\n", lang == Lang::zh ? "整改：" : "Remedy: ", rule.remedy.in(lang));
    begin = end;
  }
  if (!result.rules_skipped.empty()) {
    out += lang == Lang::zh ? "未运行的规则：\n" : "Rules skipped:\n";
    for (const SkippedRule& skipped : result.rules_skipped)
      out += fmt::format("  {} ({})\n", skipped.rule, skip_reason(skipped, lang));
    out += "\n";
  }
  return out + summary_line(report);
}

}  // namespace

std::string render(const Report& report, Format format) {
  switch (format) {
    case Format::text: return render_text(report);
    case Format::json: return render_json(report);
    case Format::jsonl: return render_jsonl(report);
    case Format::csv: return render_csv(report);
  }
  return {};
}

}  // namespace chataudit
