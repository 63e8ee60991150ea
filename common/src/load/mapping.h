#pragma once
// Inventories as people keep them: the mapping file (`inventory.toml`) that names a table's file
// or SQLite table, its headers, extra enumeration words, encoding, delimiter and date spellings;
// and the built-in Chinese spreadsheet headers that work with no mapping file at all.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/dates.h"
#include "base/error.h"
#include "policy/schema.h"

namespace chataudit {

/// Date spellings accepted beyond the built-in ones (SPEC §3), where a table's data needs them.
struct DateFormat {
  /// Day or month first in `27/11/2026`-style dates; `none` keeps such dates an error, since
  /// `03/04/2026` means different days to different people.
  enum class Order { none, day_first, month_first } order = Order::none;
  /// Whole (or fractional) numbers are Excel serial dates of the 1900 date system: 46353 is
  /// 2026-11-27, and 46353.75 is that day at 18:00.
  bool excel_serial = false;
  bool operator==(const DateFormat&) const = default;
};

/// Parses a date cell: the built-in spellings first, then those `format` adds.
std::optional<Date> parse_date_as(std::string_view text, const DateFormat& format, const TimeZone& zone);
/// The spellings `format` accepts, for error messages.
std::string accepted_date_spellings(const DateFormat& format);

/// Where a mapping entry is written, so that a problem found later points at it.
struct MappingPosition {
  int line = 0, column = 0;
};

/// One header of a source mapped onto a column.
struct ColumnMapping {
  std::string header;  ///< as written in the mapping file
  std::string column;  ///< a canonical column of the table, or the header itself (kept as an extra column)
  MappingPosition where;
};

/// One extra spelling of an enumeration or boolean column's value.
struct ValueMapping {
  std::string column;    ///< canonical column
  std::string spelling;  ///< as written in the data
  std::string value;     ///< canonical word; `1` or `0` for a boolean column
};

/// `[tables.NAME]` of a mapping file.
struct TableMapping {
  std::string file;  ///< file name in a directory inventory; empty: NAME.csv, NAME.tsv or NAME.txt
  MappingPosition file_where;
  std::string source_table;  ///< table or view in a SQLite inventory; empty: NAME
  MappingPosition source_table_where;
  std::string sheet;  ///< the sheet of a workbook (file or inventory); empty: NAME, a built-in name, or the first
  MappingPosition sheet_where;
  std::string encoding;                   ///< empty: the file-wide setting
  std::optional<char> delimiter;          ///< unset: the file-wide setting
  std::optional<DateFormat> date_format;  ///< unset: the file-wide setting
  std::vector<ColumnMapping> columns;
  std::vector<ValueMapping> values;
  /// The column `header` is mapped to here, or nullptr (headers compare as header_key does).
  const ColumnMapping* find_column(std::string_view header) const;
};

/// A whole mapping file; an empty one (no file) when `loaded` is false.
struct InventoryMapping {
  /// The mapping file, or where one would be read (`DIR/inventory.toml`); empty when none applies.
  std::string path;
  bool loaded = false;
  std::string encoding;           ///< file-wide; empty: detect
  std::optional<char> delimiter;  ///< file-wide; unset: by file name and header
  DateFormat date_format;         ///< file-wide
  std::map<std::string, TableMapping> tables;
  const TableMapping* find(std::string_view table) const;
  /// A problem with the mapping entry at `where`.
  Diagnostic at(const MappingPosition& where, std::string message) const;
};

/// Reads and validates a mapping file: unknown keys, tables, columns, enumeration words and date
/// formats are errors at FILE:LINE:COLUMN.
InventoryMapping load_mapping(const std::string& path);

/// The name every header is compared by: NFKC (full-width → half-width), without any white space
/// (spreadsheet headers wrap onto two lines), ASCII lower case.
std::string header_key(std::string_view header);

/// The header spellings that the loader maps to one column without any mapping file.
struct BuiltinHeaders {
  std::string_view table, column;
  std::string_view spellings;  ///< separated by single spaces; simplified and traditional Chinese
};
/// Every column's built-in headers, table by table in schema order.
std::span<const BuiltinHeaders> builtin_headers();
/// The column `header` means in `table` by the built-in list, or empty.
std::string_view builtin_column(std::string_view table, std::string_view header);

/// The table a workbook's sheet called `sheet` holds by its built-in name (`工作群` → groups, or
/// the table's own name), or empty.
std::string_view builtin_table_for_sheet(std::string_view sheet);

/// A `--delimiter` or `delimiter =` value: one ASCII character other than a quote, CR or LF;
/// `\t` (two characters) and `tab` mean a tab. nullopt (with `error` set) otherwise.
std::optional<char> parse_delimiter(std::string_view text, std::string* error);

}  // namespace chataudit
