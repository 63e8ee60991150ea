// A rule's result row as a Finding: its subject, due date and fields, and its message filled in the
// report's language (and masked for --redact). What each column is for, and the message's pieces,
// are worked out once per rule (RowPlan); a row is then read straight from SQLite into the finding.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <utility>

#include "base/catalog.h"
#include "base/text.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

namespace {

using Role = RowPlan::Role;
using Piece = RowPlan::Piece;

// The finding's own fields: never in `details` (SPEC §5).
constexpr std::pair<std::string_view, Role> kFieldColumns[] = {{"subject_kind", Role::subject_kind},
                                                               {"subject_id", Role::subject_id},
                                                               {"subject_name", Role::subject_name},
                                                               {"due_on", Role::due_on},
                                                               {"days_overdue", Role::days_overdue}};

bool contains(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A personal value masked for --redact: a handle, a membership id (GROUP/HANDLE), or a name.
std::string mask_personal(Piece::Mask mask, std::string_view value) {
  if (mask == Piece::Mask::handle) return mask_handle(value);
  if (const std::size_t slash = value.find('/'); slash != std::string_view::npos)
    return std::string(value.substr(0, slash + 1)) + mask_handle(value.substr(slash + 1));
  return mask_name(value);
}

// Appends literal text to the message, joining it to a literal piece before it.
void add_text(std::vector<Piece>& pieces, std::string_view text) {
  if (text.empty()) return;
  if (pieces.empty() || pieces.back().column >= 0) pieces.emplace_back();
  pieces.back().text += text;
}

}  // namespace

std::string Runner::param_text(const std::string& name) const {
  if (name == "as_of") return format_date(options_.as_of);
  return param_placeholder(name, params_, options_.lang).value_or(std::string());
}

// What column `column` fills. Of columns sharing an id's name only the first is the id; a field's
// column sets the field each time it repeats.
RowPlan::Role Runner::role_of(const std::vector<std::string>& columns, std::size_t column) const {
  const std::string& name = columns[column];
  for (const auto& [field, role] : kFieldColumns)
    if (name == field) return role;
  if (std::find(std::begin(kIdColumns), std::end(kIdColumns), name) != std::end(kIdColumns))
    return std::find(columns.begin(), columns.end(), name) - columns.begin() == static_cast<std::ptrdiff_t>(column)
               ? Role::id
               : Role::unused;
  // SPEC §5: a column that exists only to build a message is no detail.
  return contains(policy_.message_columns, name) ? Role::unused : Role::detail;
}

// `text`'s pieces for `plan`, whose result columns are `columns`. A template is parsed as it was
// filled per row before: `{{` and `}}` are braces, `{name}` a column (its first of that name) or
// else a parameter, a `{` without a `}` after it literal. A column a template names is read.
std::vector<RowPlan::Piece> Runner::plan_text(std::string_view text, const std::vector<std::string>& columns,
                                              RowPlan& plan) const {
  std::vector<Piece> pieces;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
      add_text(pieces, text.substr(i, 1));
      ++i;
      continue;
    }
    const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      add_text(pieces, text.substr(i, 1));
      continue;
    }
    const std::string name(text.substr(i + 1, close - i - 1));
    i = close;
    auto it = std::find(columns.begin(), columns.end(), name);
    if (it == columns.end()) {
      add_text(pieces, param_text(name));
      continue;
    }
    Piece piece;
    piece.column = static_cast<int>(it - columns.begin());
    if (contains(policy_.personal_columns, name))
      piece.mask = name.find("handle") != std::string::npos ? Piece::Mask::handle : Piece::Mask::name;
    if (plan.roles[piece.column] == Role::unused) plan.roles[piece.column] = Role::message;
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

// The plan of `rule`'s rows, whose result columns are `columns`: each column's role, and the
// message and context in the report's language.
RowPlan Runner::plan_rows(const Rule& rule, const std::vector<std::string>& columns) const {
  RowPlan plan;
  for (std::size_t c = 0; c < columns.size(); ++c) plan.roles.push_back(role_of(columns, c));
  for (std::string_view id : kIdColumns)
    if (auto it = std::find(columns.begin(), columns.end(), id); it != columns.end())
      plan.ids.push_back(static_cast<int>(it - columns.begin()));
  plan.message = plan_text(rule.message.in(options_.lang), columns, plan);
  plan.context = plan_text(rule.context.in(options_.lang), columns, plan);
  return plan;
}

namespace {

// A record's values, each a LEB128 tag then: for tag % 4 = 0, the value's tag / 4 bytes; for
// tag % 4 = 1, the address of its tag / 4 bytes, which the store already holds (a store's pages
// never move); for tag % 4 = 2, nothing: the value is value tag / 4 of the same record; for
// tag % 4 = 3, an offset and a size (LEB128 each): the value is those bytes of value tag / 4 (a
// handle inside a membership's subject id).
constexpr std::size_t kShortest = 16;  // shorter values are written again: an address takes 8 bytes
constexpr std::size_t kRepeated = 6;   // shorter values are not looked for among the record's earlier ones

std::size_t take_number(std::string_view& record) {
  const char* at = record.data();
  const std::size_t number = take_leb128(at);
  record.remove_prefix(static_cast<std::size_t>(at - record.data()));
  return number;
}

// The next value of `record`; `earlier` are the record's values before it.
std::string_view take_value(std::string_view& record, const std::string_view* earlier) {
  const std::size_t tag = take_number(record);
  if ((tag & 3) == 2) return earlier[tag >> 2];
  if ((tag & 3) == 3) {
    const std::size_t offset = take_number(record);
    return earlier[tag >> 2].substr(offset, take_number(record));
  }
  if ((tag & 3) == 1) {
    const char* at;
    std::memcpy(&at, record.data(), sizeof at);
    record.remove_prefix(sizeof at);
    return {at, tag >> 2};
  }
  const std::string_view value = record.substr(0, tag >> 2);
  record.remove_prefix(tag >> 2);
  return value;
}

}  // namespace

RowMaker::RowMaker(const Rule& rule, std::vector<std::string> columns, RowPlan plan, Lang lang, bool redact)
    : rule_(rule), columns_(std::move(columns)), plan_(std::move(plan)), lang_(lang), redact_(redact) {
  for (std::size_t c = 0; c < plan_.roles.size(); ++c)
    if (plan_.roles[c] == Role::subject_id)
      kept_.insert(kept_.begin(), c);
    else if (plan_.roles[c] != Role::unused)
      kept_.push_back(c);
}

void RowMaker::Recent::landed(const char* at) {
  for (std::size_t k = 0; k < written.size(); ++k)
    if (written[k].second) last[k] = std::string_view(at + written[k].first, written[k].second);
}

void RowMaker::read(sqlite3_stmt* statement, std::string& record, Recent& recent) const {
  record.clear();
  recent.last.resize(kept_.size());
  recent.written.assign(kept_.size(), {0, 0});
  recent.values.resize(kept_.size());
  for (std::size_t k = 0; k < kept_.size(); ++k) {
    const std::size_t c = kept_[k];
    const int column = static_cast<int>(c);
    const unsigned char* text = sqlite3_column_text(statement, column);
    // NULL and empty alike: left out of the finding, nothing in a message.
    const std::string_view value =
        text ? std::string_view(reinterpret_cast<const char*>(text), sqlite3_column_bytes(statement, column))
             : std::string_view();
    switch (plan_.roles[c]) {
      case Role::subject_kind:
      case Role::subject_id:
        if (value.empty())
          policy_error(rule_.sql_where, tr("rule {}: a row has an empty subject_kind or subject_id", rule_.id));
        break;
      case Role::due_on:
        if (!value.empty() && !parse_date(value, TimeZone::utc()))
          policy_error(rule_.sql_where, tr("rule {}: due_on \"{}\" is not a YYYY-MM-DD date", rule_.id, value));
        break;
      case Role::days_overdue:
        if (!value.empty() && !parse_integer(value))
          policy_error(rule_.sql_where, tr("rule {}: days_overdue \"{}\" is not an integer", rule_.id, value));
        break;
      default:
        break;
    }
    recent.values[k] = value;
    std::size_t within = k, at = std::string_view::npos;
    if (value.size() >= kRepeated)
      for (within = 0; within < k && (at = recent.values[within].find(value)) == std::string_view::npos;) ++within;
    if (within < k && recent.values[within].size() == value.size()) {
      put_leb128(record, within * 4 + 2);
    } else if (within < k) {
      put_leb128(record, within * 4 + 3);
      put_leb128(record, at);
      put_leb128(record, value.size());
    } else if (value.size() >= kShortest && value == recent.last[k]) {
      put_leb128(record, value.size() * 4 + 1);
      const char* at = recent.last[k].data();
      record.append(reinterpret_cast<const char*>(&at), sizeof at);
    } else {
      put_leb128(record, value.size() * 4);
      if (value.size() >= kShortest) recent.written[k] = {record.size(), value.size()};
      record += value;
    }
  }
}

void RowMaker::unpack(std::string_view record, std::vector<std::string_view>& row) const {
  thread_local std::vector<std::string_view> values;
  values.resize(kept_.size());
  row.assign(plan_.roles.size(), std::string_view());
  for (std::size_t k = 0; k < kept_.size(); ++k) row[kept_[k]] = values[k] = take_value(record, values.data());
}

std::string_view RowMaker::subject_id(std::string_view record) const { return take_value(record, nullptr); }

std::string RowMaker::message(std::string_view record) const {
  std::vector<std::string_view> row;
  unpack(record, row);
  return fill(plan_.message, row, false);
}

// The text of `pieces` from `row`, its personal columns masked when `redact`.
std::string RowMaker::fill(const std::vector<Piece>& pieces, const std::vector<std::string_view>& row, bool redact) {
  std::size_t size = 0;
  for (const Piece& piece : pieces) size += piece.column < 0 ? piece.text.size() : row[piece.column].size();
  std::string out;
  out.reserve(size);
  for (const Piece& piece : pieces) {
    if (piece.column < 0)
      out += piece.text;
    else if (!redact || piece.mask == Piece::Mask::none)
      out += row[piece.column];
    else
      out += mask_personal(piece.mask, row[piece.column]);
  }
  return out;
}

bool RowMaker::copies_field(const std::vector<std::string_view>& row, std::size_t column) const {
  // A detail whose value is the subject's id or name or one of the ids is a copy of a field of
  // the finding under another name (a group's name that is the subject's name, a display name
  // that is the membership's): left out of `details` (SPEC §5).
  for (std::size_t f = 0; f < row.size(); ++f) {
    const Role role = plan_.roles[f];
    if ((role == Role::subject_id || role == Role::subject_name || role == Role::id) && row[f] == row[column])
      return true;
  }
  return false;
}

Finding RowMaker::make(std::string_view record) const {
  thread_local std::vector<std::string_view> row;
  unpack(record, row);
  const std::size_t count = row.size();
  std::size_t details = 0, ids = 0;
  for (std::size_t c = 0; c < count; ++c) {
    if (row[c].empty()) continue;
    // At national scale findings number in the hundreds of thousands: the fields get their exact size.
    if (plan_.roles[c] == Role::detail && !copies_field(row, c)) details += Fields::bytes(columns_[c], row[c]);
    if (plan_.roles[c] == Role::id) ids += Fields::bytes(columns_[c], row[c]);
  }
  Finding finding;
  finding.rule = rule_.id;
  finding.severity = rule_.severity;
  finding.details.reserve(details);
  finding.ids.reserve(ids);
  for (std::size_t c = 0; c < count; ++c) {
    const std::string_view value = row[c];
    if (value.empty()) continue;
    switch (plan_.roles[c]) {
      case Role::subject_kind:
        finding.subject_kind.assign(value);
        break;
      case Role::subject_id:
        finding.subject_id.assign(value);
        break;
      case Role::subject_name:
        finding.subject_name.assign(value);
        break;
      case Role::due_on:
        finding.due_on.assign(value);
        break;
      case Role::days_overdue:
        finding.days_overdue = parse_integer(value);
        break;
      case Role::detail:
        if (!copies_field(row, c)) finding.details.add(columns_[c], value);
        break;
      case Role::unused:
      case Role::id:
      case Role::message:
        break;
    }
  }
  for (int c : plan_.ids)
    if (!row[c].empty()) finding.ids.add(columns_[c], row[c]);
  // In the report's language only (the other is never shown: half the text at national scale).
  (lang_ == Lang::zh ? finding.message.zh : finding.message.en) = fill(plan_.message, row, false);
  if (redact_)
    (lang_ == Lang::zh ? finding.message_redacted.zh : finding.message_redacted.en) = fill(plan_.message, row, true);
  // Shown only where people read it, and masked as they read it.
  if (!plan_.context.empty())
    (lang_ == Lang::zh ? finding.context.zh : finding.context.en) = fill(plan_.context, row, redact_);
  finding.fingerprint = fingerprint(rule_.id, finding.subject_kind, finding.subject_id);
  return finding;
}

}  // namespace chataudit::engine_internal
