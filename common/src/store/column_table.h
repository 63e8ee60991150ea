#pragma once
// A table of the column store: its columns, the references of a view's columns to stored tables'
// rows, and the row orders built on first read. See colstore.h for the whole store.
#include <sqlite3.h>

#include <cassert>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/column.h"
#include "store/column_memory.h"

namespace chataudit {

/// A table of columns with SQL names and declared types.
class ColumnTable {
 public:
  ColumnTable(std::string name, std::vector<std::string> names, std::vector<std::string> types);
  const std::string& name() const { return name_; }
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<std::string>& types() const { return types_; }
  std::size_t width() const { return columns_.size(); }
  std::size_t rows() const { return rows_; }
  Column& column(std::size_t index) {
    assert(index < columns_.size());
    return *columns_[index];
  }
  /// The index of the column named `name`, or -1.
  int column_index(std::string_view name) const;
  const Column& column(std::size_t index) const {
    assert(index < columns_.size());
    return *columns_[index];
  }
  /// Call after pushing one value into every column. A table is complete before it is read: the
  /// orders and posting lists built on first read would not see a later row (asserted).
  void end_row() {
    assert(unread());
    ++rows_;
  }
  /// Appends the rows of `other` (a table with the same columns), taking its bytes; `other` is left
  /// empty.
  void append(ColumnTable& other);
  /// Makes column `index` (of an empty table) a reference to column `source_column` of `source`:
  /// each row then keeps the row of `source` it came from, one per source table, not the value.
  void reference(std::size_t index, const ColumnTable& source, std::size_t source_column);
  /// Seals each column (Column::seal()) once the table is complete.
  void seal();
  /// Whether any column is a reference.
  bool has_references() const { return !groups_.empty(); }
  /// Once filled: a reference to a column of few distinct values (`few_values` or fewer, whose codes
  /// take one or two bytes) becomes a column of codes of its own into the source's dictionary:
  /// smaller than the row it keeps, or hardly larger, and read without going through the source's
  /// rows. So does the last reference left to a source table: its codes take no more room than
  /// the rows they replace (which are then freed). References to columns of many values (4-byte
  /// codes) from a table more than one column reads stay: one row per source table stands for all
  /// of them.
  void settle(std::size_t few_values = 0x10000);
  /// Appends the current row of `statement` (one value per column). A reference column takes the
  /// row the statement's cursor on its source table is at (see CursorTracking), once the value
  /// there is checked to be the statement's, or no row where the statement's values from that
  /// table are all NULL (the unmatched side of an outer join). False when neither holds: then the
  /// references cannot stand for the values, and the table must be filled again without them.
  bool append_row(sqlite3_stmt* statement);
  /// Filling through a narrowed statement: one that returns, of the view's columns, only these —
  /// the columns holding values of their own, then one witness per source table (a column passed
  /// through from it that holds no NULL there, the one of most distinct values; the source
  /// table's groups share it, as they share its cursor) — so that SQLite
  /// need not read the columns the references stand for. Empty when some source table offers no
  /// witness: then append_row() it is.
  std::vector<int> witnessed_columns();
  /// append_row() for a narrowed statement (see witnessed_columns()): each source table's row is
  /// the one its cursor is at, checked by the witness alone — the value there, or NULL for no row
  /// (the unmatched side of an outer join: NULL is no value the witness holds). False when neither
  /// holds, as append_row().
  bool append_witnessed_row(sqlite3_stmt* statement);
  /// How each column holds its values, one line per column (for CHATAUDIT_EXPLAIN):
  /// `name: values`, `name: codes into another column's values`, `name: rows of SOURCE`.
  std::string layout() const;
  /// `CREATE TABLE x(...)` for sqlite3_declare_vtab.
  std::string declaration() const;
  /// The rows in the order of `columns` (ascending, BINARY), built on first use (thread-safe).
  const BigVector<std::uint32_t>& ordered_by(const std::vector<int>& columns) const;
  /// The codes of column `column` at the rows of ordered_by(`columns`), in that order: a scan in
  /// that order reads them one after the other, where the rows themselves lie all over the table
  /// (and a reference's source rows further still). nullptr when the order visits the rows nearly
  /// in row order already (a copy would gain nothing). Built on first use (thread-safe); kept
  /// with the order.
  const std::uint32_t* ordered_codes(const std::vector<int>& columns, int column) const;

 private:
  std::string name_;
  ByteArena arena_;  // declared before the columns that point into it
  std::vector<std::string> names_, types_;
  std::vector<std::unique_ptr<Column>> columns_;
  // The reference columns, by source table: the source rows, and (column here, column there).
  // Where the column there is itself a reference, the rows kept are those it refers to (`via`
  // maps the source's rows to them), so that a reference never leads to another.
  struct Group {
    const ColumnTable* source;
    const BigVector<std::uint32_t>* via;
    BigVector<std::uint32_t> rows;
    std::vector<std::pair<int, int>> columns;
    // witnessed_columns(): the first group with the same source (whose witness checks the cursor
    // row for all of them), the witness (a column there; the leader's only), and the row checked.
    int leader = -1, witness = -1;
    std::uint32_t cursor_row = 0;
  };
  std::vector<std::unique_ptr<Group>> groups_;
  std::vector<int> plain_;  // the columns holding values of their own
  std::size_t rows_ = 0;
  // Whether no order has been built for a read yet (rows may still be added; see end_row()).
  bool unread() const;
  mutable std::mutex lazy_;
  mutable std::map<std::vector<int>, BigVector<std::uint32_t>> orders_;
  mutable std::map<std::vector<int>, bool> scattered_;  // whether the order jumps about (ordered_codes)
  mutable std::map<std::pair<std::vector<int>, int>, BigVector<std::uint32_t>> ordered_codes_;
};

}  // namespace chataudit
