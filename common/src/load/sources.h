#pragma once
// Source resolution: which file, stream or SQLite table supplies each table, from --table and
// --inventory, and the mapping that applies to each.
#include <SQLiteCpp/Database.h>

#include <deque>
#include <map>
#include <set>
#include <string>

#include "load/inventory.h"
#include "load/mapping.h"

namespace chataudit::loading {

enum class SourceKind { csv_file, csv_stdin, sqlite, workbook };

struct TableSource {
  SourceKind kind;
  std::string path;                           // as the user named it
  std::string source_table;                   // SQLite: the table or view to read
  const InventoryMapping* mapping = nullptr;  // never null once resolved; maybe an empty mapping
  std::string sheet;                          // workbook: the sheet to read; empty: the mapping's, or the first
};

// Every table's mapping, owned for the whole load: --mapping for all sources, else each
// directory's inventory.toml (or an empty mapping naming where one would go).
class Mappings {
 public:
  explicit Mappings(const InventorySources& sources);
  /// The mapping for files of directory `dir`.
  const InventoryMapping& for_directory(const std::string& dir);
  /// The mapping for a SQLite database or a --table source: --mapping, or none.
  const InventoryMapping& for_other() const { return global_ ? *global_ : none_; }

 private:
  std::deque<InventoryMapping> stored_;  // a deque: references stay valid as it grows
  const InventoryMapping* global_ = nullptr;
  const InventoryMapping none_;
};

// What the file at `path` is by its name and first bytes: a workbook (.xlsx, or a zip), SQLite, or
// CSV text. Throws for an .xls or .et file, or an encrypted workbook ("save as .xlsx").
SourceKind file_kind(const std::string& path);

// Whether the database has a table or view called `name` (in any case).
bool has_table_or_view(SQLite::Database& db, const std::string& name);

// Which source supplies each table: --table first, then the --inventory paths. Throws for a path
// that is not there or cannot be a source, a table two inventories hold, and a file or SQLite
// table that a mapping names but no inventory holds.
std::map<std::string, TableSource> resolve_sources(const InventorySources& sources, const std::set<std::string>& wanted,
                                                   Mappings& mappings);

}  // namespace chataudit::loading
