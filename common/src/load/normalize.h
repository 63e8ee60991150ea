#pragma once
// Normalization: one trimmed text cell turned into the value stored for it, by its column's
// schema type, the mapping's extra value spellings and the table's date format.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/dates.h"
#include "load/mapping.h"
#include "policy/schema.h"

namespace chataudit::loading {

// How one column's cells are read: its schema type, the mapping's extra value spellings and the
// table's date format. `spec` is null for an extra column (kept as text).
struct ColumnRules {
  const ColumnSpec* spec = nullptr;
  const TableMapping* mapping = nullptr;
  DateFormat date_format;
  std::string_view mapping_place;  // "under [tables.T] in DIR/inventory.toml", for hints
};

// A normalized cell value as it goes into the database.
// `text` points into the cell, a static word, the mapping, or `storage` (a formatted date); it is
// valid until the next row is read.
struct Value {
  enum class Kind { null, text, integer } kind = Kind::null;
  std::string_view text;
  std::int64_t integer = 0;
  std::string storage;
};

// Turns one trimmed cell into its stored value, or returns an error message.
std::optional<std::string> normalize(const ColumnRules& rules, std::string_view cell, const TimeZone& zone, Value& out);

}  // namespace chataudit::loading
