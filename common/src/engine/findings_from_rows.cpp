// A rule's result row as a Finding: its subject, due date and fields, and its message filled in the
// report's language (and masked for --redact).
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <iterator>

#include "base/text.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

namespace {

// A personal value masked for --redact: a handle, a membership id (GROUP/HANDLE), or a name.
std::string mask_personal(std::string_view column, const std::string& value) {
  if (column.find("handle") != std::string_view::npos) return mask_handle(value);
  if (const std::size_t slash = value.find('/'); slash != std::string::npos)
    return value.substr(0, slash + 1) + mask_handle(value.substr(slash + 1));
  return mask_name(value);
}

}  // namespace

// SPEC §5: `details` holds what a rule returns beyond the finding's own fields, and no column the
// policy lists as only building messages.
bool Runner::is_detail(std::string_view column) const {
  for (std::string_view field : {"subject_kind", "subject_id", "subject_name", "due_on", "days_overdue"})
    if (column == field) return false;
  return std::find(policy_.message_columns.begin(), policy_.message_columns.end(), column) ==
         policy_.message_columns.end();
}

std::string Runner::param_text(const std::string& name) const {
  if (name == "as_of") return format_date(options_.as_of);
  for (const Param& param : params_) {
    if (param.name != name) continue;
    if (auto text = std::get_if<std::string>(&param.value)) return *text;
    return to_toml(param.value);
  }
  return {};
}

std::string Runner::fill_message(std::string_view text, const std::vector<std::string>& columns,
                                 const std::vector<std::string>& values, const std::vector<bool>& nulls,
                                 bool redact) const {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      out += '}';
      ++i;
      continue;
    }
    const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out += text[i];
      continue;
    }
    const std::string name(text.substr(i + 1, close - i - 1));
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it != columns.end()) {
      const std::size_t c = it - columns.begin();
      const bool personal = redact && std::find(policy_.personal_columns.begin(), policy_.personal_columns.end(),
                                                name) != policy_.personal_columns.end();
      if (nulls[c]) {
      } else if (!personal) {
        out += values[c];
      } else {
        out += mask_personal(name, values[c]);
      }
    } else {
      out += param_text(name);
    }
    i = close;
  }
  return out;
}

Finding Runner::to_finding(const Compiled& compiled, sqlite3_stmt* statement) {
  const Rule& rule = *compiled.rule;
  const std::size_t count = compiled.columns.size();
  std::vector<std::string> values(count);
  std::vector<bool> nulls(count);
  for (std::size_t c = 0; c < count; ++c) {
    nulls[c] = sqlite3_column_type(statement, static_cast<int>(c)) == SQLITE_NULL;
    if (!nulls[c]) {
      const unsigned char* text = sqlite3_column_text(statement, static_cast<int>(c));
      values[c].assign(reinterpret_cast<const char*>(text), sqlite3_column_bytes(statement, static_cast<int>(c)));
    }
  }
  Finding finding;
  finding.rule = rule.id;
  finding.severity = rule.severity;
  // At national scale findings number in the hundreds of thousands: the fields get their exact size.
  std::size_t details = 0, ids = 0;
  for (std::size_t c = 0; c < count; ++c) {
    if (nulls[c] || values[c].empty()) continue;
    const bool id =
        std::find(std::begin(kIdColumns), std::end(kIdColumns), compiled.columns[c]) != std::end(kIdColumns);
    if (id)
      ids += Fields::bytes(compiled.columns[c], values[c]);
    else if (is_detail(compiled.columns[c]))
      details += Fields::bytes(compiled.columns[c], values[c]);
  }
  finding.details.reserve(details);
  finding.ids.reserve(ids);
  for (std::size_t c = 0; c < count; ++c) {
    const std::string& name = compiled.columns[c];
    if (nulls[c] || values[c].empty()) continue;
    if (name == "subject_kind")
      finding.subject_kind = values[c];
    else if (name == "subject_id")
      finding.subject_id = values[c];
    else if (name == "subject_name")
      finding.subject_name = values[c];
    else if (name == "due_on")
      finding.due_on = values[c];
    else if (name == "days_overdue")
      finding.days_overdue = parse_integer(values[c]);
    if (name == "days_overdue" && !finding.days_overdue)
      policy_error(rule.sql_where, fmt::format("rule {}: days_overdue \"{}\" is not an integer", rule.id, values[c]));
    if (name == "due_on" && !parse_date(values[c], TimeZone::utc()))
      policy_error(rule.sql_where, fmt::format("rule {}: due_on \"{}\" is not a YYYY-MM-DD date", rule.id, values[c]));
    else if (std::find(std::begin(kIdColumns), std::end(kIdColumns), name) == std::end(kIdColumns) && is_detail(name))
      finding.details.add(name, values[c]);
  }
  for (std::string_view id : kIdColumns) {
    auto it = std::find(compiled.columns.begin(), compiled.columns.end(), id);
    if (it == compiled.columns.end()) continue;
    const std::size_t c = it - compiled.columns.begin();
    if (!nulls[c] && !values[c].empty()) finding.ids.add(id, values[c]);
  }
  if (finding.subject_kind.empty() || finding.subject_id.empty())
    policy_error(rule.sql_where, fmt::format("rule {}: a row has an empty subject_kind or subject_id", rule.id));
  // In the report's language only (the other is never shown: half the text at national scale).
  const std::string& text = rule.message.in(options_.lang);
  std::string& message = options_.lang == Lang::zh ? finding.message.zh : finding.message.en;
  message = fill_message(text, compiled.columns, values, nulls, false);
  if (options_.redact)
    (options_.lang == Lang::zh ? finding.message_redacted.zh : finding.message_redacted.en) =
        fill_message(text, compiled.columns, values, nulls, true);
  finding.fingerprint = fingerprint(rule.id, finding.subject_kind, finding.subject_id);
  return finding;
}

}  // namespace chataudit::engine_internal
