#pragma once
// The gates of the column store's shortcuts: which of them may fill a view, decided in this one
// place from the statement as SQLite compiled it — its EXPLAIN QUERY PLAN lines and its EXPLAIN
// opcodes — and never from anything else (docs/engine.md, "Shortcuts and their gates").
//
// Every gate is an allow-list. A plan line of a form not in the grammar below, or an opcode not on
// plain_loop_opcodes(), refuses the shortcut; the view is then filled the plain way (every value
// read, one thread), which is slower and never different. A new SQLite release that adds or renames
// an opcode or a plan line therefore costs speed, not correctness, until someone reads the new
// bytecode and extends the lists with the reason.
#include <sqlite3.h>

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// Finalizes a prepared statement (sqlite3_finalize accepts nullptr).
struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
/// A prepared statement finalized when its holder goes, on every path out of a scope.
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

/// One statement as SQLite compiled it.
struct CompiledStatement {
  std::vector<std::string> plan;     ///< EXPLAIN QUERY PLAN's `detail` column, row by row
  std::vector<std::string> opcodes;  ///< EXPLAIN's `opcode` column, in program order
};

/// EXPLAIN QUERY PLAN and EXPLAIN of `sql` on `db`, each prepared and then bound by `bind` (which
/// binds the parameters as the statement itself would be bound, and may throw). nullopt when either
/// does not compile or a step fails: every gate refuses what it cannot see.
std::optional<CompiledStatement> explain_statement(sqlite3* db, const std::string& sql,
                                                   const std::function<void(Statement&)>& bind);

/// EXPLAIN QUERY PLAN's `detail` lines of `sql` on `db`, parameters unbound (a plan does not depend
/// on their values); nullopt when it does not compile or a step fails.
std::optional<std::vector<std::string>> query_plan(sqlite3* db, const std::string& sql);

/// One line of a query plan in a form the grammar knows (SQLite 3.40's wording, where.c):
///
///   SCAN name VIRTUAL TABLE INDEX n:text [LEFT-JOIN]       a loop over a virtual table
///   SCAN name [LEFT-JOIN]                                   a full scan of an ordinary table
///   SCAN name USING [COVERING ]INDEX index [LEFT-JOIN]      … in the order of one of its indexes
///   SEARCH name USING [COVERING ]INDEX index (…) [LEFT-JOIN]       a lookup in an ordinary table
///   SEARCH name USING INTEGER PRIMARY KEY (…) [LEFT-JOIN]
///   SEARCH name USING PRIMARY KEY (…) [LEFT-JOIN]
///
/// `n` is an integer and `text` digits, commas and semicolons: the column store's index numbers
/// and strings (0 a full scan in row order, 1 a lookup, -1 a scan in an ORDER BY's order). Anything
/// else — SEARCH … USING AUTOMATIC … INDEX (a temporary index), USE TEMP B-TREE, CO-ROUTINE,
/// MATERIALIZE, SCALAR SUBQUERY, COMPOUND QUERY, MULTI-INDEX OR, BLOOM FILTER, RIGHT-JOIN … — is
/// no PlanLine.
struct PlanLine {
  enum class Kind {
    virtual_scan,  ///< SCAN … VIRTUAL TABLE INDEX n:text
    table_scan,    ///< SCAN name, or SCAN name USING [COVERING ]INDEX index
    table_search,  ///< SEARCH name USING …
  };
  Kind kind = Kind::virtual_scan;
  std::string table;       ///< the table's name, or its alias in the statement
  int index_number = 0;    ///< virtual_scan: idxNum
  std::string index_text;  ///< virtual_scan: idxStr; otherwise what follows USING (may be empty)
  bool left_join = false;  ///< the inner side of a LEFT JOIN
};

/// `line` in the grammar above, or nullopt.
std::optional<PlanLine> parse_plan_line(std::string_view line);

/// The opcodes a plain loop join may contain, sorted (each with its reason in store_gates.cpp).
std::span<const std::string_view> plain_loop_opcodes();

/// A gate's answer: allowed, or refused with the reason (for CHATAUDIT_EXPLAIN and the tests).
struct Gate {
  bool allowed = false;
  std::string reason;  ///< why not; empty when allowed
  explicit operator bool() const { return allowed; }
};

/// Whether `statement` is a plain loop join: every plan line a loop over one of the store's
/// virtual tables (virtual_scan; the store's cursors are the ones CursorTracking and ShardScope
/// see), and every opcode on plain_loop_opcodes() — nothing buffered (no aggregate, sorter,
/// temporary table or index, co-routine, subroutine), nothing counted across rows (no LIMIT or
/// OFFSET): each row is returned while the loops' cursors are on the rows it was made from, and
/// depends on those rows and the bound parameters alone.
Gate plain_loop_join(const CompiledStatement& statement);

/// Whether a view may be filled by several runners at once, each from its part of the outer loop
/// (ColumnStore's ShardScope, engine's fill_sharded): a plain loop join whose first (outermost)
/// loop is a full scan of a virtual table in row order (INDEX 0), and with no full scan on the
/// inner side of a LEFT JOIN (were that the scan shared out, every part would add its own
/// NULL-extended row). What the plan cannot show — that the outer loop is a store table read by
/// that one scan — ShardScope checks as the statement runs.
Gate sharded_fill(const CompiledStatement& view);

/// Whether `narrowed` (the view's SQL returning only some of its columns, see narrowed_sql) may be
/// run instead of the view's own statement to fill the view with references checked by witnesses:
/// it must run the very plan of the view's statement, line for line, and be a plain loop join, so
/// that each of its rows comes from the rows the view's statement would have made it from, with
/// the cursors still on them.
Gate narrowed_fill(const CompiledStatement& view, const CompiledStatement& narrowed);

/// The view's SQL as a statement that returns only the columns at `columns` (0-based, of `width`):
/// SQLite merges the view into it and leaves the other columns unread.
std::string narrowed_sql(std::string_view view_sql, std::size_t width, const std::vector<int>& columns);

}  // namespace chataudit
