#pragma once
// Loading: CSV directories, single files, standard input and SQLite databases, all normalized
// into one column store (colstore.h) that an in-memory SQLite connection reads as virtual tables.
#include <SQLiteCpp/Database.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/dates.h"
#include "base/error.h"
#include "findings/findings.h"
#include "store/colstore.h"
#include "store/deadline.h"

namespace chataudit {

/// Where the tables come from, as given on the command line.
struct InventorySources {
  std::vector<std::string> inventories;                     ///< --inventory PATH (dir or SQLite file)
  std::vector<std::pair<std::string, std::string>> tables;  ///< --table NAME=PATH
  /// --mapping FILE: applies to every source; empty: each directory's own `inventory.toml`, if any.
  std::string mapping;
  std::string encoding;   ///< --encoding NAME for every CSV source; empty: the mapping's, else detected
  std::string delimiter;  ///< --delimiter CHAR for every CSV source; empty: the mapping's, else guessed
  /// A CSV file of a table without a key column with more bytes than this after its header is
  /// read by two threads, one per half, when worker_threads() allows (the result is the same).
  std::size_t split_bytes = std::size_t{32} << 20;
  /// --rule-timeout: the seconds the load of one table may take (0: no limit).
  double read_timeout = kDefaultRuleTimeout;
};

/// The mapping file a directory inventory reads when no --mapping is given.
inline constexpr const char* kMappingFileName = "inventory.toml";

/// The loader's limits (documented in chataudit-inventory(5)); the CSV reader's own are in csv.h.
inline constexpr std::size_t kMaxStreamBytes = std::size_t{2} << 30;  ///< from stdin, a pipe or a device
inline constexpr std::size_t kMaxRowsPerTable = 100'000'000;          ///< data rows in one table

/// The loaded inventory: every schema table (empty when not supplied, every canonical column
/// present) and the tables that were actually supplied, held in a column store and visible to the
/// in-memory SQLite connection `db()` as virtual tables of the same names.
class Inventory {
 public:
  Inventory();
  SQLite::Database& db() { return *db_; }
  /// The tables' storage; the engine adds the policy's views to it.
  ColumnStore& store() { return *store_; }
  /// Frees the tables and the connection once the rules have run (what is left — the sources,
  /// their digests and row counts — is what a report says about the inventory); db() and store()
  /// must not be used afterwards.
  void release_data() {
    db_.reset();
    store_.reset();
  }
  const std::map<std::string, LoadedTable>& loaded() const { return loaded_; }
  bool has(const std::string& table) const { return loaded_.count(table) != 0; }
  /// The load record of `table`, created on first use (by the loader).
  LoadedTable& record(const std::string& table) { return loaded_[table]; }
  /// Human-readable description of the sources (e.g. `samples/jiusan-branch`).
  std::string source;
  /// What --verbose prints about the sources (a workbook's hidden sheets and rows, read as data).
  std::vector<Diagnostic> notes;
  /// SHA-256 over every loaded table's name and digest, in table order: what the audit saw.
  std::string digest() const;
  /// What a report says about the inventory (kept after release_data()).
  InventorySummary summary() const { return {source, digest(), loaded_}; }

 private:
  friend Inventory load_inventory(const InventorySources&, const std::set<std::string>&, const TimeZone&);
  std::unique_ptr<ColumnStore> store_;  // declared first: outlives the connection reading it
  std::unique_ptr<SQLite::Database> db_;
  std::map<std::string, LoadedTable> loaded_;
};

/// Loads the `wanted` tables that the sources provide (a table not provided is simply absent),
/// normalizes and validates every cell, checks keys and parent references.
/// Throws chataudit::Error listing every bad cell (up to kMaxDiagnostics).
Inventory load_inventory(const InventorySources& sources, const std::set<std::string>& wanted, const TimeZone& zone);

}  // namespace chataudit
