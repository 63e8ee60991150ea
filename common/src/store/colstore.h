#pragma once
// The column store: the inventory's tables and the policy's materialized views, held column by
// column as dictionary codes, and offered to SQLite as virtual tables (module "chataudit_columns").
//
// Each column keeps a dictionary of its distinct values (SQLite's own types: NULL, INTEGER, REAL,
// TEXT, BLOB) and one code per row, 1, 2 or 4 bytes wide as the dictionary grows. SQLite plans and
// runs the policy's SQL unchanged; the virtual table answers:
//   - an equality constraint (`t.c = value`, BINARY collation) from a posting list per code, built
//     the first time a query asks, with the row estimate rows / distinct values;
//   - an ORDER BY or GROUP BY on plain columns (ascending) from a permutation sorted by the
//     dictionaries' ranks, so that SQLite need not sort;
//   - anything else from a scan. SQLite checks every constraint again (none is omitted), so a
//     lookup only has to return a superset of the matching rows.
// Values are read in place (text points into the store's arena), never copied per row.
//
// The store's parts: column_memory.h (the arena and large arrays), column.h (Column),
// column_table.h (ColumnTable), vtab.cpp (the module), colstore_internal.h (their shared state).
#include <sqlite3.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/parallel.h"
#include "store/column.h"
#include "store/column_memory.h"
#include "store/column_table.h"

namespace chataudit {

/// `name` as an SQL identifier: in double quotes, a double quote doubled.
std::string quote_identifier(std::string_view name);

/// Whether this thread's memory of the texts the store handed to SQLite holds `text` in the
/// current generation (see ColumnStore::release): for the tests of that invariant.
bool handed_out_now(const void* text);

/// The rows [first, second) of a scan of `rows` rows that part `index` of `count` covers:
/// [rows × index / count, rows × (index + 1) / count). For index 0, 1 … count - 1 the ranges are
/// disjoint and adjacent, and together cover [0, rows) in order (asserted).
std::pair<std::size_t, std::size_t> shard_range(std::size_t rows, std::size_t index, std::size_t count);

/// While it lives, a statement stepped on this thread reads only part of its outer loop: the
/// statement's first filter on the store must be a full scan (the outermost loop), which then
/// covers shard_range(rows, index, count). The parts of a plain join
/// (no aggregate, DISTINCT, ORDER BY, LIMIT, window or subquery: the caller's to check) put
/// together in index order are the whole result, in the same order. held() is false when the
/// statement did anything else — its first filter was not a full scan, or that table was read
/// again — and then the part is not one: the caller must run the statement whole.
class ShardScope {
 public:
  ShardScope(std::size_t index, std::size_t count);
  ~ShardScope();
  ShardScope(const ShardScope&) = delete;
  ShardScope& operator=(const ShardScope&) = delete;
  bool held() const;
};

/// While it lives, the store notes the cursor each table is read with by statements stepped on
/// this thread (a table read by two cursors has none), so that ColumnTable::append_row can tell
/// the row a value came from.
class CursorTracking {
 public:
  CursorTracking();
  ~CursorTracking();
  CursorTracking(const CursorTracking&) = delete;
  CursorTracking& operator=(const CursorTracking&) = delete;
};

/// Owns the tables; outlives every connection it is registered with.
class ColumnStore {
 public:
  ColumnStore() = default;
  ColumnStore(const ColumnStore&) = delete;
  ColumnStore& operator=(const ColumnStore&) = delete;
  ~ColumnStore();
  /// Registers module "chataudit_columns" with `db`.
  void register_with(sqlite3* db);
  ColumnTable& create(std::string name, std::vector<std::string> names, std::vector<std::string> types);
  /// `CREATE VIRTUAL TABLE schema."name" USING chataudit_columns(N)` for `table`.
  std::string create_statement(const ColumnTable& table, std::string_view schema);
  /// Makes each column of `table` (empty) whose value in `statement` SQLite names as a stored
  /// table's column (sqlite3_column_origin_name) a reference to that column.
  void refer(ColumnTable& table, sqlite3_stmt* statement) const;
  /// The table create_statement() last made `schema.name` for, or nullptr.
  const ColumnTable* registered(std::string_view schema, std::string_view name) const;
  ColumnTable* table(std::size_t index) { return index < tables_.size() ? tables_[index].get() : nullptr; }
  /// The table last created with `name`, or nullptr.
  const ColumnTable* find(std::string_view name) const;
  /// Frees `table` (no virtual table may read it any more, and no statement reading the store may
  /// be running on any thread: the caches that remember columns by address are invalidated, not
  /// locked). Starts a new generation of every thread's memory of the values handed to SQLite.
  void release(const ColumnTable& table);

 private:
  std::vector<std::unique_ptr<ColumnTable>> tables_;
  std::map<std::pair<std::string, std::string>, const ColumnTable*, std::less<>> registered_;
};

}  // namespace chataudit
