#pragma once
// The inventory tables and columns of SPEC §3, declared as data (like osquery's table specs).
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace chataudit {

/// How a cell is read and stored.
enum class ColumnType {
  text,         ///< kept as written (trimmed); empty → NULL
  id,           ///< a key or a reference; empty → NULL
  date,         ///< any accepted spelling → TEXT `YYYY-MM-DD`; empty → NULL
  boolean,      ///< true/false, yes/no, y/n, 1/0, 是/否 → INTEGER 1/0; empty → 0
  integer,      ///< decimal integer → INTEGER; empty → NULL
  enumeration,  ///< one of `words` or a synonym → canonical word; empty → `default_word` or NULL
};

/// One accepted spelling of an enumeration value.
struct EnumSynonym {
  std::string_view spelling;   ///< compared case-insensitively for ASCII
  std::string_view canonical;  ///< one of the column's words
};

struct ColumnSpec {
  std::string_view name;
  ColumnType type = ColumnType::text;
  bool required = false;
  std::span<const std::string_view> words = {};  ///< enumeration: the canonical words
  std::string_view default_word = {};            ///< enumeration: value of an empty cell
  std::span<const EnumSynonym> synonyms = {};    ///< enumeration: other spellings
};

struct TableSpec {
  std::string_view name;
  std::string_view key;  ///< primary key column; empty for tables without one
  std::span<const ColumnSpec> columns;
  const ColumnSpec* find(std::string_view column) const;
};

/// Every inventory table, in SPEC order.
std::span<const TableSpec> inventory_schema();
/// The table named `name`, or nullptr.
const TableSpec* find_table(std::string_view name);
/// Every inventory table's name in SPEC order, "orgs, depts, …", for the messages that list them.
std::string inventory_table_names();

/// A child table's reference that must name a row of its parent (an input error otherwise):
/// members.group_id → groups, permissions.account_id → accounts, successions.object_id → groups or
/// accounts by `kind`.
struct ParentReference {
  std::string_view table, column, parent_table, parent_key;
  std::string_view when_column = {}, when_value = {};  ///< only rows where when_column = when_value
};
std::span<const ParentReference> parent_references();

}  // namespace chataudit
