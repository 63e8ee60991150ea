// Report plumbing shared by every format, and the text, JSON, JSON Lines and CSV renderers.
// Adding a format: one file with one function in report_formats.h, one row in kFormats.
#include "report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <exception>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/parallel.h"
#include "base/csv.h"
#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit {

namespace {

struct FormatEntry {
  Format format;
  std::string_view name;
  std::string (*render)(const Report&);
};

constexpr FormatEntry kFormats[] = {
    {Format::text, "text", formats::text},         {Format::json, "json", formats::json},
    {Format::jsonl, "jsonl", formats::jsonl},      {Format::csv, "csv", formats::csv},
    {Format::markdown, "markdown", formats::markdown}, {Format::html, "html", formats::html},
    {Format::email, "email", formats::email},      {Format::junit, "junit", formats::junit},
};

}  // namespace

std::optional<Format> parse_format(std::string_view name) {
  for (const FormatEntry& entry : kFormats)
    if (entry.name == name) return entry.format;
  return std::nullopt;
}

std::string_view to_string(Format format) {
  for (const FormatEntry& entry : kFormats)
    if (entry.format == format) return entry.name;
  return "text";
}

std::string render(const Report& report, Format format) {
  for (const FormatEntry& entry : kFormats)
    if (entry.format == format) return entry.render(report);
  return {};
}

std::vector<std::string> render_parts(const Report& report, Format format) {
  if (format == Format::json) return formats::json_parts(report);
  std::vector<std::string> parts;
  parts.push_back(render(report, format));
  return parts;
}

std::string_view severity_label(Severity severity, Lang lang) {
  if (lang == Lang::en) return to_string(severity);
  switch (severity) {
    case Severity::error: return "错误";
    case Severity::warning: return "警告";
    case Severity::notice: return "提示";
  }
  return "";
}

std::string shown_message(const Report& report, const Finding& finding) {
  return (report.options.redact ? finding.message_redacted : finding.message).in(report.lang);
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

std::vector<RuleGroup> group_by_rule(const Report& report) {
  const std::vector<Finding>& findings = report.result->findings;
  std::vector<RuleGroup> groups;
  for (std::size_t begin = 0, end = 0; begin < findings.size(); begin = end) {
    while (end < findings.size() && findings[end].rule == findings[begin].rule &&
           findings[end].severity == findings[begin].severity)
      ++end;
    groups.push_back({report.policy->find_rule(findings[begin].rule), findings[begin].severity,
                      std::span<const Finding>(findings).subspan(begin, end - begin)});
  }
  return groups;
}

std::size_t count_of(const std::vector<RuleGroup>& groups, Severity severity) {
  std::size_t count = 0;
  for (const RuleGroup& group : groups) count += group.severity == severity ? group.findings.size() : 0;
  return count;
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

std::array<std::size_t, 3> count_by_severity(const std::vector<Finding>& findings) {
  std::array<std::size_t, 3> counts{};
  for (const Finding& finding : findings) ++counts[static_cast<int>(finding.severity)];
  return counts;
}

std::size_t count_change(const std::vector<Finding>& findings, std::string_view change) {
  return static_cast<std::size_t>(
      std::count_if(findings.begin(), findings.end(), [&](const Finding& f) { return f.change == change; }));
}

std::size_t count_new(const std::vector<Finding>& findings) { return count_change(findings, "new"); }

// ", 2 reminders, 1 reassigned" / "，提醒 2 项，转交 1 项": what is delivered again, when any is.
std::string redelivered(const std::vector<Finding>& findings, Lang lang) {
  const std::size_t reminders = count_change(findings, "reminder"), reassigned = count_change(findings, "reassigned");
  std::string out;
  if (reminders > 0)
    out += lang == Lang::zh ? fmt::format("，提醒 {} 项", reminders)
                            : fmt::format(", {} reminder{}", reminders, reminders == 1 ? "" : "s");
  if (reassigned > 0)
    out += lang == Lang::zh ? fmt::format("，转交 {} 项", reassigned) : fmt::format(", {} reassigned", reassigned);
  return out;
}

}  // namespace

std::string scope_line(const Report& report) {
  return report.scope ? report.scope->line(report.lang) + "\n" : std::string();
}

std::string summary_line(const Report& report) {
  const auto& findings = report.result->findings;
  const auto counts = count_by_severity(findings);
  const Review& review = *report.review;
  const std::string as_of = format_date(report.as_of);
  std::string line;
  if (report.lang == Lang::zh) {
    line = fmt::format("{}{}，截至 {}：共 {} 项 — 错误 {}，警告 {}，提示 {}；运行规则 {} 条", report.tool,
                       report.title_suffix, as_of, findings.size(), counts[0], counts[1], counts[2],
                       report.result->rules_run.size());
    if (!review.waived.empty()) line += fmt::format("；豁免 {} 项", review.waived.size());
    if (review.compared)
      line += fmt::format("；新增 {} 项{}，已解决 {} 项", count_new(findings), redelivered(findings, Lang::zh),
                          review.resolved.size());
    return line + "\n";
  }
  auto plural = [](std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  line = fmt::format("{}{}, as of {}: {} — {}, {}, {}; {} run", report.tool, report.title_suffix, as_of,
                     plural(findings.size(), "finding"), plural(counts[0], "error"), plural(counts[1], "warning"),
                     plural(counts[2], "notice"), plural(report.result->rules_run.size(), "rule"));
  if (!review.waived.empty()) line += fmt::format("; {} waived", review.waived.size());
  if (review.compared)
    line += fmt::format("; {} new{}, {} resolved", count_new(findings), redelivered(findings, Lang::en),
                        review.resolved.size());
  return line + "\n";
}

std::string mail_subject(const Report& report) {
  const auto& findings = report.result->findings;
  const std::string as_of = format_date(report.as_of);
  if (report.lang == Lang::zh) {
    std::string counts = fmt::format("{} 项问题", findings.size());
    if (report.review->compared) counts += fmt::format("，新增 {} 项{}", count_new(findings), redelivered(findings, Lang::zh));
    return fmt::format("{}{}：{} — 截至 {}", report.tool, report.title_suffix, counts, as_of);
  }
  std::string counts = fmt::format("{} finding{}", findings.size(), findings.size() == 1 ? "" : "s");
  if (report.review->compared) counts += fmt::format(", {} new{}", count_new(findings), redelivered(findings, Lang::en));
  return fmt::format("{}{}: {} — as of {}", report.tool, report.title_suffix, counts, as_of);
}

namespace formats {
namespace {

using Json = nlohmann::ordered_json;

const Rule& rule_of(const Report& report, std::string_view rule_id) { return *report.policy->find_rule(rule_id); }

Json localized(const Localized& text) { return Json{{"zh", text.zh}, {"en", text.en}}; }

Json finding_json(const Report& report, const Finding& finding) {
  const Rule& rule = rule_of(report, finding.rule);
  Json json;
  json["rule"] = finding.rule;
  json["severity"] = to_string(finding.severity);
  json["article"] = localized(rule.article);
  json["title"] = localized(rule.title);
  Json subject{{"kind", finding.subject_kind}, {"id", shown_subject_id(report, finding)}};
  if (!finding.subject_name.empty()) subject["name"] = shown_subject_name(report, finding);
  json["subject"] = subject;
  for (const auto& [name, value] : finding.ids) json[std::string(name)] = shown_field(report, finding, name);
  if (!finding.due_on.empty()) json["due_on"] = finding.due_on;
  if (finding.days_overdue) json["days_overdue"] = *finding.days_overdue;
  json["message"] = shown_message(report, finding);
  json["remedy"] = localized(rule.remedy);
  if (!finding.details.empty() && !report.options.redact) {
    Json details = Json::object();
    for (const auto& [name, value] : finding.details) details[std::string(name)] = value;
    json["details"] = details;
  }
  if (!finding.change.empty()) json["change"] = finding.change;
  json["fingerprint"] = finding.fingerprint;
  return json;
}

std::string dump(const Json& json, int indent) {
  return json.dump(indent, ' ', false, Json::error_handler_t::replace);
}

// Appends `json` printed as dump(json, 2) would print it nested `depth` spaces deep (every line
// after the first indented by `depth`), straight into `out`; on one line when `depth` < 0.
void dump_nested(std::string& out, const Json& json, int depth) {
  const std::string text = json.dump(depth >= 0 ? 2 : -1, ' ', false, Json::error_handler_t::replace);
  if (depth <= 0) {
    out += text;
    return;
  }
  // A JSON text holds no raw line break inside a string: every '\n' starts a line to indent.
  std::size_t begin = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', begin)) {
    out.append(text, begin, end + 1 - begin);
    out.append(static_cast<std::size_t>(depth), ' ');
    begin = end + 1;
  }
  out.append(text, begin, std::string::npos);
}

// Appends `text` as a JSON string exactly as nlohmann prints it (UTF-8 kept, invalid UTF-8
// replaced by U+FFFD): quoted as it is when nothing needs escaping, else by nlohmann.
void append_string(std::string& out, std::string_view text) {
  const bool plain = std::none_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\';
  });
  if (plain && valid_utf8(text)) {
    out += '"';
    out += text;
    out += '"';
  } else {
    dump_nested(out, Json(std::string(text)), -1);
  }
}

// An object printed member by member as nlohmann prints one: pretty, nested `depth` spaces deep,
// two more per level; or on one line when `depth` < 0.
class ObjectPrinter {
 public:
  ObjectPrinter(std::string& out, int depth) : out_(out), depth_(depth) {}
  // Starts the member `key`; its value comes next.
  std::string& key(std::string_view key) {
    out_ += first_ ? '{' : ',';
    first_ = false;
    if (depth_ >= 0) {
      out_ += '\n';
      out_.append(static_cast<std::size_t>(depth_) + 2, ' ');
    }
    append_string(out_, key);
    out_ += depth_ >= 0 ? ": " : ":";
    return out_;
  }
  void string(std::string_view key, std::string_view value) { append_string(this->key(key), value); }
  void localized(std::string_view key, const Localized& text) {
    this->key(key);
    ObjectPrinter object = nested();
    object.string("zh", text.zh);
    object.string("en", text.en);
    object.close();
  }
  ObjectPrinter nested() const { return ObjectPrinter(out_, depth_ >= 0 ? depth_ + 2 : -1); }
  void close() {
    if (first_) {
      out_ += "{}";
      return;
    }
    if (depth_ >= 0) {
      out_ += '\n';
      out_.append(static_cast<std::size_t>(depth_), ' ');
    }
    out_ += '}';
  }

 private:
  std::string& out_;
  int depth_;
  bool first_ = true;
};

// Whether two pairs of `fields` share a name (nlohmann would then print the name once).
bool repeats_a_name(const Fields& fields) {
  for (auto a = fields.begin(); a != fields.end(); ++a)
    for (auto b = std::next(a); b != fields.end(); ++b)
      if ((*a).first == (*b).first) return true;
  return false;
}

}  // namespace

void append_finding_json(std::string& out, const Report& report, const Finding& finding, int depth,
                         bool one_language) {
  const Rule& rule = rule_of(report, finding.rule);
  // A repeated id or detail name keeps nlohmann's rule (the first place, one value): printed by
  // nlohmann, like the reference.
  if (repeats_a_name(finding.ids) || repeats_a_name(finding.details)) {
    Json json = finding_json(report, finding);
    if (one_language) {
      json["article"] = rule.article.in(report.lang);
      json["title"] = rule.title.in(report.lang);
      json["remedy"] = rule.remedy.in(report.lang);
    }
    dump_nested(out, json, depth);
    return;
  }
  const bool redact = report.options.redact;
  ObjectPrinter json(out, depth);
  json.string("rule", finding.rule);
  json.string("severity", to_string(finding.severity));
  // JSON Lines: each line stands alone, in the report's language.
  auto text = [&](std::string_view key, const Localized& value) {
    if (one_language) json.string(key, value.in(report.lang));
    else json.localized(key, value);
  };
  text("article", rule.article);
  text("title", rule.title);
  json.key("subject");
  ObjectPrinter subject = json.nested();
  subject.string("kind", finding.subject_kind);
  // (Redacted values only are built anew; the others are printed from where they are.)
  if (redact)
    subject.string("id", shown_subject_id(report, finding));
  else
    subject.string("id", finding.subject_id);
  if (!finding.subject_name.empty()) {
    if (redact)
      subject.string("name", shown_subject_name(report, finding));
    else
      subject.string("name", finding.subject_name);
  }
  subject.close();
  for (const auto& [name, value] : finding.ids) {
    if (redact)
      json.string(name, shown_field(report, finding, name));
    else
      json.string(name, value);
  }
  if (!finding.due_on.empty()) json.string("due_on", finding.due_on);
  if (finding.days_overdue) json.key("days_overdue") += std::to_string(*finding.days_overdue);
  json.string("message", (redact ? finding.message_redacted : finding.message).in(report.lang));
  text("remedy", rule.remedy);
  if (!finding.details.empty() && !redact) {
    json.key("details");
    ObjectPrinter details = json.nested();
    for (const auto& [name, value] : finding.details) details.string(name, value);
    details.close();
  }
  if (!finding.change.empty()) json.string("change", finding.change);
  json.string("fingerprint", finding.fingerprint);
  json.close();
}

std::string finding_json_reference(const Report& report, const Finding& finding, int depth) {
  std::string out;
  dump_nested(out, finding_json(report, finding), depth);
  return out;
}

namespace {

Json waiver_json(const Waiver& waiver) {
  return Json{{"rule", waiver.rule},
              {"subject", waiver.subject},  // the file's own text: the reader of a redacted report wrote it
              {"reason", waiver.reason},
              {"approved_by", waiver.approved_by},
              {"expires", format_date(waiver.expires)}};
}

// Appends `text` (a value printed with its own indentation) with every line after the first
// indented `by` more spaces: how the value prints nested one level deeper.
void indented(std::string& out, std::string_view text, int by) {
  for (std::size_t start = 0;;) {
    const std::size_t end = text.find('\n', start);
    out.append(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end + 1 - start));
    if (end == std::string_view::npos) break;
    out.append(static_cast<std::size_t>(by), ' ');
    start = end + 1;
  }
}

}  // namespace

std::string json(const Report& report) {
  std::vector<std::string> parts = json_parts(report);
  std::size_t size = 0;
  for (const std::string& part : parts) size += part.size();
  std::string out = std::move(parts.front());
  out.reserve(size);
  for (std::size_t i = 1; i < parts.size(); ++i) out += parts[i];
  return out;
}

std::vector<std::string> json_parts(const Report& report) {
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  // inventory.tables keeps its {name: rows loaded} shape; summary.tables adds the rows read, so a
  // reader sees nothing was lost (a report is only written when the two are equal).
  Json tables = Json::object(), table_counts = Json::object();
  for (const auto& [name, table] : report.inventory->tables) {
    tables[name] = table.rows_loaded;
    table_counts[name] = Json{{"read", table.rows_read}, {"loaded", table.rows_loaded}};
  }
  const auto counts = count_by_severity(result.findings);
  Json skipped = Json::array();
  for (const SkippedRule& rule : result.rules_skipped)
    skipped.push_back(Json{{"rule", rule.rule}, {"reason", shown_skip_reason(report, rule)}});
  Json expired = Json::array(), unused = Json::array();
  for (const Waiver& waiver : review.waivers_expired) expired.push_back(waiver_json(waiver));
  for (const Waiver& waiver : review.waivers_unused) unused.push_back(waiver_json(waiver));
  Json summary{{"findings", result.findings.size()},
               {"by_severity", Json{{"error", counts[0]}, {"warning", counts[1]}, {"notice", counts[2]}}},
               {"waived", review.waived.size()},
               {"resolved", review.resolved.size()}};
  if (review.compared) summary["new"] = count_new(result.findings);
  summary["tables"] = table_counts;
  summary["rules_run"] = result.rules_run.size();
  summary["rules_skipped"] = skipped;
  summary["waivers_expired"] = expired;
  summary["waivers_unused"] = unused;

  Json waived = Json::array();
  for (const WaivedFinding& item : review.waived) {
    Json json = finding_json(report, item.finding);
    json["waiver"] = Json{{"reason", item.waiver.reason},
                          {"approved_by", item.waiver.approved_by},
                          {"expires", format_date(item.waiver.expires)}};
    waived.push_back(json);
  }
  Json resolved = Json::array();
  for (const PastFinding& past : review.resolved) {
    const Finding finding = resolved_finding(report, past);
    resolved.push_back(Json{{"rule", past.rule},
                            {"severity", past.severity},
                            {"subject", Json{{"kind", past.subject_kind}, {"id", shown_subject_id(report, finding)}}},
                            {"message", shown_message(report, finding)},
                            {"fingerprint", past.fingerprint}});
  }
  // The object is written member by member, and the findings one by one, exactly as nlohmann
  // would print the whole document: a report of a million findings is never one JSON tree.
  std::vector<std::string> parts;
  std::string out = "{\n";
  auto member = [&out](std::string_view key, std::string_view value_text, bool last = false) {
    out += "  ";
    out += dump(Json(key), -1);
    out += ": ";
    indented(out, value_text, 2);
    out += last ? "\n" : ",\n";
  };
  member("tool", dump(Json(report.tool), 2));
  member("version", dump(Json(report.version), 2));
  member("as_of", dump(Json(format_date(report.as_of)), 2));
  member("policy", dump(Json{{"id", report.policy->id}, {"digest", report.policy->digest}}, 2));
  member("inventory",
         dump(Json{{"source", report.inventory->source}, {"digest", report.inventory->digest}, {"tables", tables}}, 2));
  if (report.scope) member("scope", dump(Json::parse(report.scope->json()), 2));
  member("summary", dump(summary, 2));
  // The findings straight into `out`, each nested two levels deep (member, array element).
  out += "  \"findings\": ";
  if (result.findings.empty()) {
    out += "[]";
  } else {
    out += "[\n";
    // At national scale the findings are most of the document: with two threads (see
    // CHATAUDIT_THREADS) each prints a half, the second into a string of its own.
    const std::size_t count = result.findings.size();
    // Once 64 are printed, room for the rest up to `end` is reserved at their average size (and an
    // eighth more): a string that grows by doubling copies itself again and again.
    auto print = [&](std::string& into, std::size_t begin, std::size_t end) {
      const std::size_t start = into.size();
      for (std::size_t i = begin; i < end; ++i) {
        into += "    ";
        append_finding_json(into, report, result.findings[i], 4);
        into += i + 1 < count ? ",\n" : "\n";
        if (i == begin + 63 && end > i + 1)
          into.reserve(into.size() + (into.size() - start) / 64 * (end - i - 1) / 8 * 9 + 4096);
      }
    };
    const std::size_t half = worker_threads() > 1 ? count / 2 : count;
    std::string second;
    std::exception_ptr failed;
    std::thread helper;
    if (half < count) helper = std::thread([&] {
      try {
        print(second, half, count);
      } catch (...) {
        failed = std::current_exception();
      }
    });
    try {
      print(out, 0, half);
    } catch (...) {
      if (helper.joinable()) helper.join();
      throw;
    }
    if (helper.joinable()) helper.join();
    if (failed) std::rethrow_exception(failed);
    // The second half stays a part of its own (the writer writes one after the other), with the
    // rest of the document after it.
    parts.push_back(std::move(out));
    out = std::move(second);
    out += "  ]";
  }
  out += ",\n";
  member("waived", dump(waived, 2));
  member("resolved", dump(resolved, 2), !review.compared);
  if (review.compared) member("baseline", dump(Json(review.baseline_source), 2), true);
  out += "}\n";
  parts.push_back(std::move(out));
  return parts;
}

std::string jsonl(const Report& report) {
  // Each line stands alone: what run it came from, then the finding.
  std::string lead = "{" + dump(Json("tool"), -1) + ":" + dump(Json(report.tool), -1) + "," + dump(Json("as_of"), -1) +
                     ":" + dump(Json(format_date(report.as_of)), -1) + ",";
  if (report.scope) lead += dump(Json("scope"), -1) + ":" + report.scope->json() + ",";
  std::string out, line;
  for (const Finding& finding : report.result->findings) {
    line.clear();
    append_finding_json(line, report, finding, -1, true);
    out += lead;
    out.append(line, 1);  // the finding's members, after its opening brace
    out += '\n';
  }
  return out;
}

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

}  // namespace

std::string csv(const Report& report) {
  static constexpr std::string_view kHeader[] = {
      "rule",       "severity", "subject_kind", "subject_id", "subject_name",   "org_id", "dept_id",
      "account_id", "group_id", "person_id",    "handle",     "responsible_id", "due_on", "days_overdue",
      "article",    "title",    "message",      "remedy",     "change",         "fingerprint"};
  std::string out = report.options.bom ? "\xEF\xBB\xBF" : "";
  for (std::size_t i = 0; i < std::size(kHeader); ++i) out += (i ? "," : "") + std::string(kHeader[i]);
  out += "\r\n";
  for (const Finding& finding : report.result->findings) {
    const Rule& rule = rule_of(report, finding.rule);
    const std::string values[] = {finding.rule,
                                  std::string(to_string(finding.severity)),
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
  return out;
}

namespace {

// ANSI styles, used only when the report is for a colour terminal.
struct Style {
  bool on;
  std::string apply(std::string_view text, std::string_view code) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
  std::string severity(Severity severity, std::string_view text) const {
    static constexpr std::string_view kCodes[] = {"1;31", "1;33", "1;36"};
    return apply(text, kCodes[static_cast<int>(severity)]);
  }
};

}  // namespace

namespace {

// The line under a finding that says who must act and by when ("Who must act: 王五 (P009); due
// 2026-11-26 (1 day overdue)"), or empty when the finding names neither.
std::string action_line(const Report& report, const Finding& finding) {
  const bool zh = report.lang == Lang::zh;
  const std::string responsible = shown_responsible(report, finding), due = shown_due(report, finding);
  std::string line;
  if (!responsible.empty()) line = (zh ? "责任人：" : "Who must act: ") + responsible;
  if (!due.empty()) line += (line.empty() ? (zh ? "到期：" : "Due ") : (zh ? "；到期：" : "; due ")) + due;
  return line;
}

// The last line of the text report: the summary, its ending kept (title_suffix may be an inventory value).
std::string summary_text(const Report& report) {
  std::string summary = summary_line(report);
  summary.pop_back();
  return visible_controls(summary) + "\n";
}

}  // namespace

// Every string the text report prints goes through visible_controls() (SPEC §2): a value can
// neither forge a line nor hide or reorder what is around it.
std::string text(const Report& report) {
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  const Lang lang = report.lang;
  const bool zh = lang == Lang::zh;
  const Style style{report.options.color};
  std::string out;
  for (const RuleGroup& group : group_by_rule(report)) {
    const Rule& rule = *group.rule;
    out += fmt::format("{} {} — {}{}{}{}\n", style.severity(rule.severity, fmt::format("[{}]", severity_label(rule.severity, lang))),
                       style.apply(visible_controls(rule.id), "1"), visible_controls(rule.title.in(lang)),
                       zh ? "（" : " (", visible_controls(rule.article.in(lang)), zh ? "）" : ")");
    std::vector<std::string> ids;
    ids.reserve(group.findings.size());
    int width = 0;
    for (const Finding& finding : group.findings) {
      ids.push_back(visible_controls(shown_subject_id(report, finding)));
      width = std::max(width, display_width(ids.back()));
    }
    // The change column names what is delivered now: new, reminder, reassigned (persisting: blank).
    int label_width = 0;
    for (const Finding& finding : group.findings)
      if (finding.change != "persisting") label_width = std::max(label_width, display_width(change_label(lang, finding.change)));
    const int change_width = review.compared ? label_width + 2 : 0;
    // Who must act goes on a line of its own, under the message.
    const std::string action_indent(static_cast<std::size_t>(2 + width + 2 + change_width), ' ');
    for (std::size_t i = 0; i < group.findings.size(); ++i) {
      const Finding& finding = group.findings[i];
      std::string change;
      if (review.compared)
        change = pad_right(finding.change == "persisting" ? "" : change_label(lang, finding.change), label_width) + "  ";
      out += "  " + pad_right(ids[i], width) + "  " + change + visible_controls(shown_message(report, finding)) + "\n";
      const std::string action = action_line(report, finding);
      if (!action.empty()) out += action_indent + visible_controls(action) + "\n";
    }
    out += fmt::format("  {}{}\n\n", zh ? "整改：" : "Remedy: ", visible_controls(rule.remedy.in(lang)));
  }
  auto section = [&](std::string_view title_zh, std::string_view title_en, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    out += std::string(zh ? title_zh : title_en) + "\n";
    for (const std::string& line : lines) out += "  " + visible_controls(line) + "\n";
    out += "\n";
  };
  std::vector<std::string> lines;
  for (const WaivedFinding& item : review.waived)
    lines.push_back(fmt::format("{}  {}  {}{}{}{}{}", item.finding.rule, shown_subject_id(report, item.finding),
                                item.waiver.reason, zh ? "（批准：" : " (approved by ", item.waiver.approved_by,
                                zh ? "，有效期至 " : ", until ", format_date(item.waiver.expires) + (zh ? "）" : ")")));
  section("已豁免：", "Waived:", lines);
  lines.clear();
  for (const Waiver& waiver : review.waivers_expired)
    lines.push_back(fmt::format("{}  {}  {}{}", waiver.rule, shown_waiver_subject(report, waiver), zh ? "已于 " : "expired ",
                                format_date(waiver.expires) + (zh ? " 到期" : "")));
  section("已过期的豁免：", "Waivers expired:", lines);
  lines.clear();
  for (const Waiver& waiver : review.waivers_unused)
    lines.push_back(fmt::format("{}  {}  {}", waiver.rule, shown_waiver_subject(report, waiver),
                                zh ? "未匹配任何问题" : "matched no finding"));
  section("未使用的豁免：", "Waivers unused:", lines);
  lines.clear();
  for (const PastFinding& past : review.resolved) {
    const Finding finding = resolved_finding(report, past);
    lines.push_back(fmt::format("{}  {}  {}", past.rule, shown_subject_id(report, finding), shown_message(report, finding)));
  }
  section("已解决：", "Resolved:", lines);
  lines.clear();
  for (const SkippedRule& skipped : result.rules_skipped)
    lines.push_back(fmt::format("{} ({})", skipped.rule, shown_skip_reason(report, skipped)));
  section("未运行的规则：", "Rules skipped:", lines);
  if (std::string scope = scope_line(report); !scope.empty()) {
    scope.pop_back();
    out += visible_controls(scope) + "\n";
  }
  return out + summary_text(report);
}

}  // namespace formats
}  // namespace chataudit
