// The JSON report (one document) and JSON Lines (one finding a line), rendered rule by rule
// (format_table.h). A rule's article, title and remedy are said once, under `rules`; each finding is
// one compact line, printed member by member, byte for byte as nlohmann::json would.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "base/csv.h"
#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {
namespace {

using Json = nlohmann::ordered_json;

Json localized(const Localized& text) { return Json{{"zh", text.zh}, {"en", text.en}}; }

// The finding as the JSON report has it (its rule's texts are under `rules`).
Json finding_json(const Report& report, const Finding& finding) {
  Json json;
  json["rule"] = finding.rule;
  json["severity"] = to_string(finding.severity);
  Json subject{{"kind", finding.subject_kind}, {"id", shown_subject_id(report, finding)}};
  if (!finding.subject_name.empty()) subject["name"] = shown_subject_name(report, finding);
  json["subject"] = subject;
  for (const auto& [name, value] : finding.ids) json[std::string(name)] = shown_field(report, finding, name);
  if (!finding.due_on.empty()) json["due_on"] = finding.due_on;
  if (finding.days_overdue) json["days_overdue"] = *finding.days_overdue;
  json["message"] = finding_message(report, finding);
  if (!finding.details.empty() && !report.options.redact) {
    Json details = Json::object();
    for (const auto& [name, value] : finding.details) details[std::string(name)] = value;
    json["details"] = details;
  }
  if (!finding.change.empty()) json["change"] = finding.change;
  json["fingerprint"] = finding.fingerprint;
  return json;
}

// The finding as a JSON Lines record has it (after tool, as_of, scope): rule and severity, its
// rule's title, article and remedy in the report's language, then the rest as in finding_json.
Json standalone_json(const Report& report, const Finding& finding) {
  const Rule& rule = rule_of(report, finding.rule);
  Json lean = finding_json(report, finding);
  Json json;
  json["rule"] = finding.rule;
  json["severity"] = to_string(finding.severity);
  json["title"] = rule.title.in(report.lang);
  json["article"] = rule.article.in(report.lang);
  json["remedy"] = rule.remedy.in(report.lang);
  for (auto& [key, value] : lean.items())
    if (key != "rule" && key != "severity") json[key] = std::move(value);
  return json;
}

std::string dump(const Json& json, int indent) { return json.dump(indent, ' ', false, Json::error_handler_t::replace); }

// Appends `text` as a JSON string exactly as nlohmann prints it (UTF-8 kept, invalid UTF-8
// replaced by U+FFFD): quoted as it is when nothing needs escaping, else by nlohmann.
void append_string(std::string& out, std::string_view text) {
  const bool plain = std::none_of(text.begin(), text.end(),
                                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\'; });
  if (plain && valid_utf8(text)) {
    out += '"';
    out += text;
    out += '"';
  } else {
    out += dump(Json(std::string(text)), -1);
  }
}

// An object printed member by member on one line, as nlohmann's dump(-1) prints one.
class ObjectPrinter {
 public:
  explicit ObjectPrinter(std::string& out) : out_(out) {}
  // Starts the member `key`; its value comes next.
  std::string& key(std::string_view key) {
    out_ += first_ ? '{' : ',';
    first_ = false;
    append_string(out_, key);
    out_ += ':';
    return out_;
  }
  void string(std::string_view key, std::string_view value) { append_string(this->key(key), value); }
  void close() { out_ += first_ ? "{}" : "}"; }

 private:
  std::string& out_;
  bool first_ = true;
};

// Whether two pairs of `fields` share a name (nlohmann would then print the name once).
bool repeats_a_name(const Fields& fields) {
  for (auto a = fields.begin(); a != fields.end(); ++a)
    for (auto b = std::next(a); b != fields.end(); ++b)
      if ((*a).first == (*b).first) return true;
  return false;
}

// Appends `finding` on one line: as the JSON report has it, or `standalone` as JSON Lines does.
void print_finding(std::string& out, const Report& report, const Finding& finding, bool standalone) {
  // A repeated id or detail name keeps nlohmann's rule (the first place, one value): printed by
  // nlohmann, like the reference.
  if (repeats_a_name(finding.ids) || repeats_a_name(finding.details)) {
    out += dump(standalone ? standalone_json(report, finding) : finding_json(report, finding), -1);
    return;
  }
  const bool redact = report.options.redact;
  ObjectPrinter json(out);
  json.string("rule", finding.rule);
  json.string("severity", to_string(finding.severity));
  if (standalone) {
    // JSON Lines: each line stands alone, in the report's language.
    const Rule& rule = rule_of(report, finding.rule);
    json.string("title", rule.title.in(report.lang));
    json.string("article", rule.article.in(report.lang));
    json.string("remedy", rule.remedy.in(report.lang));
  }
  json.key("subject");
  ObjectPrinter subject(out);
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
  json.string("message", finding_message(report, finding));
  if (!finding.details.empty() && !redact) {
    json.key("details");
    ObjectPrinter details(out);
    for (const auto& [name, value] : finding.details) details.string(name, value);
    details.close();
  }
  if (!finding.change.empty()) json.string("change", finding.change);
  json.string("fingerprint", finding.fingerprint);
  json.close();
}

}  // namespace

void append_finding_json(std::string& out, const Report& report, const Finding& finding) {
  print_finding(out, report, finding, false);
}

std::string finding_json_reference(const Report& report, const Finding& finding) {
  return dump(finding_json(report, finding), -1);
}

void append_finding_jsonl(std::string& out, const Report& report, const Finding& finding) {
  print_finding(out, report, finding, true);
}

std::string finding_jsonl_reference(const Report& report, const Finding& finding) {
  return dump(standalone_json(report, finding), -1);
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

// inventory.tables keeps its {name: rows loaded} shape; summary.tables adds the rows read, so a
// reader sees nothing was lost (a report is only written when the two are equal).
Json inventory_json(const Report& report) {
  Json tables = Json::object();
  for (const auto& [name, table] : report.inventory->tables) tables[name] = table.rows_loaded;
  return Json{{"source", report.inventory->source}, {"digest", report.inventory->digest}, {"tables", tables}};
}

Json summary_json(const Report& report) {
  const RunResult& result = *report.result;
  const Review& review = *report.review;
  const Tally& tally = report.tally;
  Json table_counts = Json::object();
  for (const auto& [name, table] : report.inventory->tables)
    table_counts[name] = Json{{"read", table.rows_read}, {"loaded", table.rows_loaded}, {"in_scope", table.in_scope()}};
  Json skipped = Json::array();
  for (const SkippedRule& rule : result.rules_skipped)
    skipped.push_back(Json{{"rule", rule.rule}, {"reason", shown_skip_reason(report, rule)}});
  Json expired = Json::array(), unused = Json::array();
  for (const Waiver& waiver : review.waivers_expired) expired.push_back(waiver_json(waiver));
  for (const Waiver& waiver : review.waivers_unused) unused.push_back(waiver_json(waiver));
  const auto& counts = tally.by_severity;
  Json summary{{"findings", tally.findings},
               {"by_severity", Json{{"error", counts[0]}, {"warning", counts[1]}, {"notice", counts[2]}}},
               {"waived", review.waived.size()},
               {"resolved", review.resolved.size()}};
  if (review.compared) summary["new"] = tally.fresh;
  summary["tables"] = table_counts;
  summary["rules_run"] = result.rules_run.size();
  summary["rules_passed"] = report.coverage.rules_passed;
  summary["rules_waived"] = report.coverage.rules_waived;
  summary["rules_skipped"] = skipped;
  summary["waivers_expired"] = expired;
  summary["waivers_unused"] = unused;
  return summary;
}

// Each waived finding on a line of its own: the finding, with the waiver that excused it.
std::vector<std::string> waived_lines(const Report& report) {
  std::vector<std::string> lines;
  for (const WaivedFinding& item : report.review->waived) {
    Json json = finding_json(report, item.finding);
    json["waiver"] = Json{{"reason", item.waiver.reason},
                          {"approved_by", item.waiver.approved_by},
                          {"expires", format_date(item.waiver.expires)}};
    lines.push_back(dump(json, -1));
  }
  return lines;
}

// Each resolved finding on a line of its own, as the earlier report had it.
std::vector<std::string> resolved_lines(const Report& report) {
  std::vector<std::string> lines;
  for (const PastFinding& past : report.review->resolved) {
    const Finding finding = resolved_finding(report, past);
    lines.push_back(dump(Json{{"rule", past.rule},
                              {"severity", past.severity},
                              {"subject", Json{{"kind", past.subject_kind}, {"id", shown_subject_id(report, finding)}}},
                              {"message", shown_message(report, finding)},
                              {"fingerprint", past.fingerprint}},
                         -1));
  }
  return lines;
}

// `rules`: what is the same for every finding of a rule, once for each rule named by a finding (the
// tally's rules), a waived one or a resolved one, in report order (a resolved finding by its
// recorded severity). A rule the policy no longer has (named by a resolved finding only) has its
// severity alone.
Json rules_json(const Report& report) {
  std::vector<std::pair<Severity, std::string_view>> named;
  for (const auto& [rule, count] : report.tally.rules)
    if (rule) named.emplace_back(rule->severity, rule->id);
  for (const WaivedFinding& item : report.review->waived) named.emplace_back(item.finding.severity, item.finding.rule);
  for (const PastFinding& past : report.review->resolved)
    named.emplace_back(parse_severity(past.severity).value_or(Severity::error), past.rule);
  std::stable_sort(named.begin(), named.end());
  Json rules = Json::object();
  for (const auto& [severity, id] : named) {
    const std::string key(id);
    if (rules.contains(key)) continue;
    const Rule* rule = report.policy->find_rule(id);
    if (!rule) {
      rules[key] = Json{{"severity", to_string(severity)}};
      continue;
    }
    rules[key] = Json{{"severity", to_string(rule->severity)},
                      {"article", localized(rule->article)},
                      {"title", localized(rule->title)},
                      {"remedy", localized(rule->remedy)}};
  }
  return rules;
}

// Appends the member `key` of the report's object, its value printed by dump(value, 2).
void append_member(std::string& out, std::string_view key, const Json& value, bool last = false) {
  out += "  ";
  out += dump(Json(key), -1);
  out += ": ";
  indented(out, dump(value, 2), 2);
  out += last ? "\n" : ",\n";
}

// Appends the member `key` of the report's object: an array of `lines`, each element on a line of
// its own indented by 4 (`[]` when there are none).
void append_array_member(std::string& out, std::string_view key, const std::vector<std::string>& lines,
                         bool last = false) {
  out += "  ";
  out += dump(Json(key), -1);
  out += ": ";
  if (lines.empty()) {
    out += "[]";
  } else {
    out += "[\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
      out += "    ";
      out += lines[i];
      out += i + 1 < lines.size() ? ",\n" : "\n";
    }
    out += "  ]";
  }
  out += last ? "\n" : ",\n";
}

// What comes before the findings array's elements: the document's members up to `rules`, then
// `"findings": ` opening the array (`[]` when there are none).
std::string json_head(const Report& report) {
  std::string out = "{\n";
  append_member(out, "tool", Json(report.tool));
  append_member(out, "version", Json(report.version));
  append_member(out, "as_of", Json(format_date(report.as_of)));
  append_member(out, "policy", Json{{"id", report.policy->id}, {"digest", report.policy->digest}});
  append_member(out, "inventory", inventory_json(report));
  if (report.scope) append_member(out, "scope", Json::parse(report.scope->json()));
  append_member(out, "summary", summary_json(report));
  append_member(out, "rules", rules_json(report));
  out += "  \"findings\": ";
  out += report.tally.findings == 0 ? "[]" : "[\n";
  return out;
}

// What comes after the findings array's elements: its end, then the members after it.
std::string json_tail(const Report& report) {
  const Review& review = *report.review;
  std::string out = report.tally.findings == 0 ? ",\n" : "\n  ],\n";
  append_array_member(out, "waived", waived_lines(report));
  append_array_member(out, "resolved", resolved_lines(report), !review.compared);
  if (review.compared) append_member(out, "baseline", Json(review.baseline_source), true);
  out += "}\n";
  return out;
}

// The start of each JSON Lines record: where it came from (the same on every line), up to the
// finding's first member.
std::string jsonl_lead(const Report& report) {
  std::string lead = "{" + dump(Json("tool"), -1) + ":" + dump(Json(report.tool), -1) + "," + dump(Json("as_of"), -1) +
                     ":" + dump(Json(format_date(report.as_of)), -1) + ",";
  if (report.scope) lead += dump(Json("scope"), -1) + ":" + report.scope->json() + ",";
  return lead;
}

// A group's buffer moves to the spool (when large) after this many findings.
constexpr std::size_t kSpillEvery = 256;

}  // namespace

void json_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink) {
  // The findings array's elements, one a line: a separator before each but the report's first.
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    std::string& out = sink.channel(0);
    out += first && i == 0 ? "    " : ",\n    ";
    append_finding_json(out, report, group.findings[i]);
    if ((i + 1) % kSpillEvery == 0) sink.spill();
  }
}

void json_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  // The object is written member by member and the findings one by one, exactly as nlohmann would
  // print the whole document: a report of a million findings is never one JSON tree.
  out.write(json_head(report));
  if (report.tally.findings > 0) groups.copy_to(out);
  out.write(json_tail(report));
}

void jsonl_group(const Report& report, const RuleGroup& group, bool /*first*/, GroupSink& sink) {
  // Each line stands alone: what run it came from, then the finding with its rule's texts.
  const std::string lead = jsonl_lead(report);
  std::string line;
  for (std::size_t i = 0; i < group.findings.size(); ++i) {
    line.clear();
    append_finding_jsonl(line, report, group.findings[i]);
    std::string& out = sink.channel(0);
    out += lead;
    out.append(line, 1);  // the finding's members, after its opening brace
    out += '\n';
    if ((i + 1) % kSpillEvery == 0) sink.spill();
  }
}

void jsonl_finish(const Report& /*report*/, const Spooled& groups, ByteSink& out) { groups.copy_to(out); }

}  // namespace chataudit::formats
