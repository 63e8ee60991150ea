// Normalization by column type (id, text, date, boolean, integer, enumeration), and the hints a
// cell that is not a value of its type gets.
#include "load/normalize.h"

#include <fmt/format.h>

#include <algorithm>

#include "base/catalog.h"
#include "base/text.h"
#include "load/row_sources.h"

namespace chataudit::loading {
namespace {

constexpr std::string_view kTrueWords[] = {"true", "yes", "y", "1", "是"};
constexpr std::string_view kFalseWords[] = {"false", "no", "n", "0", "否"};

// A date that another date_format would read: say which, since only the user knows whether
// 1/11/2026 is in January or November.
std::string date_format_hint(std::string_view cell, const ColumnRules& rules, const TimeZone& zone) {
  const DateFormat& format = rules.date_format;
  const bool other_order = format.order == DateFormat::Order::none &&
                           (parse_date_as(cell, DateFormat{DateFormat::Order::day_first}, zone) ||
                            parse_date_as(cell, DateFormat{DateFormat::Order::month_first}, zone));
  if (other_order)
    return tr("; if it is day first or month first, set date_format = \"DMY\" or \"MDY\" {}", rules.mapping_place);
  if (!format.excel_serial && parse_date_as(cell, DateFormat{DateFormat::Order::none, true}, zone))
    return tr("; if it is an Excel serial number, set date_format = \"excel-serial\" {}", rules.mapping_place);
  return {};
}

std::string accepted_words(const ColumnRules& rules) {
  const ColumnSpec& spec = *rules.spec;
  std::string words;
  for (std::string_view word : spec.words) words += (words.empty() ? "" : ", ") + std::string(word);
  std::string synonyms;
  for (const EnumSynonym& synonym : spec.synonyms)
    synonyms += (synonyms.empty() ? "" : "/") + std::string(synonym.spelling);
  if (rules.mapping)
    for (const ValueMapping& value : rules.mapping->values)
      if (value.column == spec.name) synonyms += (synonyms.empty() ? "" : "/") + value.spelling;
  return synonyms.empty() ? words : tr("{} (or {})", words, synonyms);
}

// Sets `out`'s value, keeping its storage (whose bytes the next reformatted date reuses).
Value& assign(Value& out, Value::Kind kind, std::string_view text = {}, std::int64_t integer = 0) {
  out.kind = kind;
  out.text = text;
  out.integer = integer;
  return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
         });
}

// The mapping's own spelling of an enumeration or boolean value, or nullptr.
const ValueMapping* mapped_value(const ColumnRules& rules, std::string_view cell) {
  if (!rules.mapping) return nullptr;
  for (const ValueMapping& value : rules.mapping->values)
    if (value.column == rules.spec->name && ascii_iequals(value.spelling, cell)) return &value;
  return nullptr;
}

// An empty cell: an error where a value is required, else the column's default (or null).
std::optional<std::string> normalize_empty(const ColumnSpec& spec, Value& out) {
  if (spec.required) return std::string(tr("empty; a value is required"));
  if (spec.type == ColumnType::boolean) assign(out, Value::Kind::integer, {}, 0);
  if (spec.type == ColumnType::enumeration && !spec.default_word.empty())
    assign(out, Value::Kind::text, spec.default_word);
  return std::nullopt;
}

std::optional<std::string> normalize_id(std::string_view cell, Value& out) {
  // Pasted from a file that had one: "\uFEFFG006" would be another id than "G006", which
  // no waiver, baseline or reference then matches. (Inside other text it is data.)
  if (cell.starts_with(kByteOrderMark))
    return tr("a byte-order mark (U+FEFF) starts the id \"<U+FEFF>{}\"; remove it", cell.substr(kByteOrderMark.size()));
  assign(out, Value::Kind::text, cell);
  return std::nullopt;
}

std::optional<std::string> normalize_date(const ColumnRules& rules, std::string_view cell, const TimeZone& zone,
                                          Value& out) {
  if (auto date = parse_date_as(cell, rules.date_format, zone)) {
    out.kind = Value::Kind::text;
    // Nearly every cell is written YYYY-MM-DD already: kept as it is once it reads as a date.
    if (cell.size() == 10 && cell[4] == '-' && cell[7] == '-') {
      out.text = cell;
    } else {
      out.storage = format_date(*date);
      out.text = out.storage;
    }
    return std::nullopt;
  }
  if (before_calendar(cell, zone))
    return tr(
        "date \"{}\" is before 1400-01-01, the first day chataudit's calendar holds; dates "
        "from 1400-01-01 to 9999-12-31 are accepted",
        cell);
  return tr("invalid date \"{}\"; expected {}{}", cell, accepted_date_spellings(rules.date_format),
            date_format_hint(cell, rules, zone));
}

std::optional<std::string> normalize_boolean(const ColumnRules& rules, std::string_view cell, Value& out) {
  const std::string lower = ascii_lower(cell);
  if (const ValueMapping* mapped = mapped_value(rules, lower))
    return assign(out, Value::Kind::integer, {}, mapped->value == "1" ? 1 : 0), std::nullopt;
  for (std::string_view word : kTrueWords)
    if (lower == word) return assign(out, Value::Kind::integer, {}, 1), std::nullopt;
  for (std::string_view word : kFalseWords)
    if (lower == word) return assign(out, Value::Kind::integer, {}, 0), std::nullopt;
  return tr("invalid boolean \"{}\"; expected true/false, yes/no, y/n, 1/0 or 是/否", cell);
}

std::optional<std::string> normalize_integer(std::string_view cell, Value& out) {
  std::int64_t number = 0;
  std::string_view digits = cell;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  bool ok = !digits.empty() && digits.size() <= 18;
  for (char c : digits) {
    if (c < '0' || c > '9')
      ok = false;
    else
      number = number * 10 + (c - '0');
  }
  if (!ok) return tr("invalid integer \"{}\"; expected a whole number such as 2", cell);
  assign(out, Value::Kind::integer, {}, negative ? -number : number);
  return std::nullopt;
}

std::optional<std::string> normalize_enumeration(const ColumnRules& rules, std::string_view cell, Value& out) {
  const ColumnSpec& spec = *rules.spec;
  const std::string lower = ascii_lower(cell);
  // The mapping first: an office's own word wins over a built-in synonym it happens to reuse.
  if (const ValueMapping* mapped = mapped_value(rules, lower))
    return assign(out, Value::Kind::text, mapped->value), std::nullopt;
  for (std::string_view word : spec.words)
    if (lower == word) return assign(out, Value::Kind::text, word), std::nullopt;
  for (const EnumSynonym& synonym : spec.synonyms)
    if (lower == synonym.spelling) return assign(out, Value::Kind::text, synonym.canonical), std::nullopt;
  return tr("unknown {} \"{}\"; expected one of {}", spec.name, cell, accepted_words(rules));
}

}  // namespace

std::optional<std::string> normalize(const ColumnRules& rules, std::string_view cell, const TimeZone& zone,
                                     Value& out) {
  const ColumnSpec* spec = rules.spec;
  assign(out, Value::Kind::null);
  if (spec == nullptr) {
    if (!cell.empty()) assign(out, Value::Kind::text, cell);
    return std::nullopt;
  }
  if (cell.empty()) return normalize_empty(*spec, out);
  switch (spec->type) {
    case ColumnType::id:
      return normalize_id(cell, out);
    case ColumnType::text:
      assign(out, Value::Kind::text, cell);
      return std::nullopt;
    case ColumnType::date:
      return normalize_date(rules, cell, zone, out);
    case ColumnType::boolean:
      return normalize_boolean(rules, cell, out);
    case ColumnType::integer:
      return normalize_integer(cell, out);
    case ColumnType::enumeration:
      return normalize_enumeration(rules, cell, out);
  }
  return std::nullopt;
}

}  // namespace chataudit::loading
