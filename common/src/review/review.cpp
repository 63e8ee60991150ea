// Waivers and baselines: what a reviewer has excused, and what changed since the last report.
// toml++ and nlohmann::json stay inside this file; their errors leave it as chataudit::Error.
#include "review/review.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "base/error.h"
#include "base/text.h"
#include "base/toml_reader.h"

namespace chataudit {

namespace {

constexpr std::string_view kWaiverKeys[] = {"rule", "subject", "reason", "approved_by", "expires"};

// A waiver file's reader: every key required, the texts not empty, `expires` a date.
class WaiverReader : public TomlReader {
 public:
  WaiverReader(std::string path, const TimeZone& zone) : TomlReader(std::move(path)), zone_(zone) {}

  const toml::node& required(const toml::table& table, std::string_view key) const {
    return TomlReader::required(table, key, "[[waiver]]", tr(" (every waiver has {})", comma_list(kWaiverKeys)));
  }

  // A non-empty string: a waiver without a reason or an approver is not an approval.
  std::string text_at(const toml::table& table, std::string_view key) const {
    return std::string(trim(non_empty_string_at(required(table, key), tr("\"{}\" in [[waiver]]", key))));
  }

  Date expires_at(const toml::table& table) const {
    const toml::node& node = required(table, "expires");
    if (node.is_date()) return date_at(node, "\"expires\"");
    // A date-time is taken as its date in the policy's time zone, as in the inventory: waivers
    // carry no time zone of their own.
    std::string text;
    if (const auto* string = node.as_string()) {
      text = std::string(trim(string->get()));
    } else if (const auto* date_time = node.as_date_time()) {
      const toml::date_time value = date_time->get();
      text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", value.date.year, value.date.month, value.date.day,
                         value.time.hour, value.time.minute, value.time.second);
      if (value.offset) {
        const int minutes = value.offset->minutes;
        text += fmt::format("{}{:02}:{:02}", minutes < 0 ? '-' : '+', std::abs(minutes) / 60, std::abs(minutes) % 60);
      }
    }
    if (node.is_string() || node.is_date_time()) {
      if (auto date = parse_date(text, zone_)) return *date;
      if (before_calendar(text, zone_))
        fail(node, tr("\"expires\" = \"{}\" is before 1400-01-01, the first day chataudit's calendar holds", text));
      fail(node, tr("\"expires\" = \"{}\" is not a date; use {}", text, accepted_date_spellings()));
    }
    fail(node, tr("\"expires\" in [[waiver]] must be a date such as 2026-12-31"));
  }

 private:
  const TimeZone& zone_;
};

Waiver read_waiver(const WaiverReader& reader, const toml::table& table) {
  reader.only_keys(table, kWaiverKeys, "[[waiver]]");
  Waiver waiver;
  waiver.rule = reader.text_at(table, "rule");
  waiver.subject = reader.text_at(table, "subject");
  waiver.reason = reader.text_at(table, "reason");
  waiver.approved_by = reader.text_at(table, "approved_by");
  waiver.expires = reader.expires_at(table);
  waiver.where = reader.where(table);
  return waiver;
}

// nlohmann reports a syntax error's byte offset; users want line and column (in characters).
std::pair<int, int> line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    const unsigned char byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++line;
      column = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

// "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error …; last read: '…'"
// → "syntax error …": the position is given separately, and "last read" quotes a stretch of raw text.
std::string json_error_text(std::string_view what) {
  if (auto pos = what.find("column "); pos != std::string_view::npos) {
    if (auto colon = what.find(": ", pos); colon != std::string_view::npos) what.remove_prefix(colon + 2);
  } else if (auto bracket = what.find("] "); bracket != std::string_view::npos) {
    what.remove_prefix(bracket + 2);
  }
  if (auto last_read = what.rfind("; last read:"); last_read != std::string_view::npos)
    what = what.substr(0, last_read);
  return std::string(what);
}

class BaselineReader {
 public:
  explicit BaselineReader(const std::string& path) : path_(path) {}

  [[noreturn]] void fail(const std::string& locator, const std::string& message) const {
    throw Error(Diagnostic{.file = path_, .locator = locator, .message = message});
  }

  std::string string_at(const nlohmann::json& object, std::string_view key, const std::string& locator,
                        bool required) const {
    auto found = object.find(key);
    if (found == object.end() || found->is_null()) {
      if (required) fail(locator, tr("missing \"{}\"", key));
      return {};
    }
    if (!found->is_string()) fail(locator, tr("\"{}\" must be a string", key));
    return found->get<std::string>();
  }

  PastFinding finding_at(const nlohmann::json& item, std::size_t index) const {
    const std::string locator = fmt::format("findings[{}]", index);
    if (!item.is_object()) fail(locator, tr("each finding must be an object"));
    PastFinding finding;
    finding.rule = string_at(item, "rule", locator, true);
    finding.severity = string_at(item, "severity", locator, true);
    if (!parse_severity(finding.severity))
      fail(locator, tr("unknown severity \"{}\"; expected error, warning or notice", finding.severity));
    auto subject = item.find("subject");
    if (subject == item.end()) fail(locator, tr("missing \"subject\""));
    if (!subject->is_object()) fail(locator, tr("\"subject\" must be an object { kind, id, name }"));
    finding.subject_kind = string_at(*subject, "kind", locator + ".subject", true);
    finding.subject_id = string_at(*subject, "id", locator + ".subject", true);
    finding.subject_name = string_at(*subject, "name", locator + ".subject", false);
    finding.message = string_at(item, "message", locator, true);
    finding.fingerprint = string_at(item, "fingerprint", locator, true);
    if (finding.fingerprint.empty()) fail(locator, tr("\"fingerprint\" is empty"));
    return finding;
  }

 private:
  const std::string& path_;
};

}  // namespace

std::vector<Waiver> load_waivers(const std::string& path, const TimeZone& zone) {
  const WaiverReader reader(path, zone);
  const toml::table root = reader.parse(read_file_at_most(path, tr("waiver file"), 16));
  reader.only_keys(root, {"waiver"}, tr("the waiver file"));

  std::vector<Waiver> waivers;
  std::map<std::pair<std::string, std::string>, SourceRef> seen;
  reader.each_table(root, "waiver", "waivers", [&](const toml::table& table) {
    Waiver waiver = read_waiver(reader, table);
    auto [first, inserted] = seen.emplace(std::pair{waiver.rule, waiver.subject}, waiver.where);
    if (!inserted)
      reader.fail(waiver.where, tr("a second waiver for rule {} on subject {} (the first is at line {})", waiver.rule,
                                   waiver.subject, first->second.line));
    waivers.push_back(std::move(waiver));
  });
  return waivers;
}

WaiverMatcher::WaiverMatcher(const std::vector<Waiver>& waivers, const Date& as_of)
    : waivers_(waivers), as_of_(as_of), used_(waivers.size(), false) {
  for (std::size_t i = 0; i < waivers.size(); ++i)
    // Expires at the start of its day: on that day it no longer waives. (load_waivers refuses a
    // second waiver of one rule and subject; the first would win.)
    if (as_of < waivers[i].expires)
      active_.emplace(std::pair<std::string_view, std::string_view>(waivers[i].rule, waivers[i].subject), i);
}

std::vector<WaivedFinding> WaiverMatcher::take(std::vector<Finding>& findings) {
  std::vector<WaivedFinding> waived;
  if (active_.empty()) return waived;
  // Compacted in place (no second list: at national scale it would be tens of megabytes).
  std::size_t kept = 0;
  for (Finding& finding : findings) {
    if (const Waiver* waiver = match(finding)) {
      waived.push_back(WaivedFinding{std::move(finding), *waiver});
    } else {
      Finding& slot = findings[kept++];
      if (&slot != &finding) slot = std::move(finding);
    }
  }
  findings.erase(findings.begin() + static_cast<std::ptrdiff_t>(kept), findings.end());
  return waived;
}

const Waiver* WaiverMatcher::match(const Finding& finding) {
  if (active_.empty()) return nullptr;
  const auto found = active_.find(std::pair<std::string_view, std::string_view>{finding.rule, finding.subject_id});
  if (found == active_.end()) return nullptr;
  used_[found->second] = true;
  return &waivers_[found->second];
}

std::vector<Waiver> WaiverMatcher::expired() const {
  std::vector<Waiver> out;
  for (const Waiver& waiver : waivers_)
    if (as_of_ >= waiver.expires) out.push_back(waiver);
  return out;
}

std::vector<Waiver> WaiverMatcher::unused() const {
  std::vector<Waiver> out;
  for (std::size_t i = 0; i < waivers_.size(); ++i)
    if (as_of_ < waivers_[i].expires && !used_[i]) out.push_back(waivers_[i]);
  return out;
}

WaiverOutcome apply_waivers(std::vector<Finding>& findings, const std::vector<Waiver>& waivers, const Date& as_of) {
  WaiverMatcher matcher(waivers, as_of);
  WaiverOutcome outcome;
  outcome.waived = matcher.take(findings);
  outcome.expired = matcher.expired();
  outcome.unused = matcher.unused();
  return outcome;
}

Baseline load_baseline(const std::string& path, const std::string& tool) {
  const std::string text = read_file_at_most(path, tr("baseline report"), 1024);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // `byte` counts the character that failed, 1-based.
    const auto [line, column] = line_and_column(text, e.byte > 0 ? e.byte - 1 : 0);
    throw Error(Diagnostic{.file = path,
                           .line = line,
                           .column = column,
                           .message = tr("not a JSON report: {}", json_error_text(e.what()))});
  }
  const BaselineReader reader(path);
  if (!json.is_object())
    reader.fail({}, tr("not a JSON report of chataudit (expected an object with \"tool\" and \"findings\")"));
  auto report_tool = json.find("tool");
  if (report_tool == json.end() || !report_tool->is_string())
    reader.fail({}, tr("not a JSON report of chataudit (no \"tool\"); write one with --format json"));
  if (report_tool->get<std::string>() != tool)
    reader.fail({}, tr("is a report of {}, not {}", report_tool->get<std::string>(), tool));
  auto findings = json.find("findings");
  if (findings == json.end()) reader.fail({}, tr("not a JSON report of chataudit (no \"findings\")"));
  if (!findings->is_array()) reader.fail({}, tr("\"findings\" must be an array"));

  Baseline baseline;
  baseline.source = path;
  baseline.findings.reserve(findings->size());
  for (std::size_t i = 0; i < findings->size(); ++i) baseline.findings.push_back(reader.finding_at((*findings)[i], i));
  return baseline;
}

BaselineMatcher::BaselineMatcher(const Baseline& baseline)
    : baseline_(baseline), now_(baseline.findings.size(), false) {
  index_.reserve(baseline.findings.size());
  for (std::size_t i = 0; i < baseline.findings.size(); ++i) index_.emplace(baseline.findings[i].fingerprint, i);
}

void BaselineMatcher::mark(std::vector<Finding>& findings) {
  for (Finding& finding : findings) mark(finding);
}

void BaselineMatcher::mark(Finding& finding) {
  const auto past = index_.find(finding.fingerprint);
  finding.change = past != index_.end() ? "persisting" : "new";
  if (past != index_.end()) now_[past->second] = true;
}

void BaselineMatcher::seen(const std::vector<WaivedFinding>& waived) {
  for (const WaivedFinding& entry : waived) seen(entry.finding);
}

void BaselineMatcher::seen(const Finding& waived) {
  if (const auto past = index_.find(waived.fingerprint); past != index_.end()) now_[past->second] = true;
}

const PastFinding* BaselineMatcher::past(std::string_view fingerprint) const {
  const auto found = index_.find(fingerprint);
  return found == index_.end() ? nullptr : &baseline_.findings[found->second];
}

std::vector<PastFinding> BaselineMatcher::resolved() const {
  // Every baseline finding with a fingerprint found now is not resolved (a baseline may repeat one).
  std::vector<PastFinding> resolved;
  for (const PastFinding& past : baseline_.findings)
    if (!now_[index_.at(past.fingerprint)]) resolved.push_back(past);
  return resolved;
}

std::vector<PastFinding> apply_baseline(std::vector<Finding>& findings, const std::vector<WaivedFinding>& waived,
                                        const Baseline& baseline) {
  BaselineMatcher matcher(baseline);
  matcher.mark(findings);
  matcher.seen(waived);
  return matcher.resolved();
}

}  // namespace chataudit
