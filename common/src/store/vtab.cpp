// The SQLite virtual table module "chataudit_columns" over the column store's tables: plans
// (best_index), scans, lookups and ordered scans (filter), cursors; and the scopes a statement's
// scans run in on a thread (ShardScope, CursorTracking).
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cstring>
#include <limits>
#include <new>
#include <tuple>

#include "store/colstore.h"
#include "store/colstore_internal.h"

namespace chataudit {

using namespace colstore_internal;

namespace {

// The scan a statement on this thread shares out (see ShardScope).
struct Shard {
  bool active = false;
  std::size_t index = 0, count = 1;
  const ColumnTable* table = nullptr;  // the table whose scan is shared out
  bool broken = false;
};
thread_local Shard shard;

// The cursor each table is read with, on this thread (see CursorTracking).
struct Tracked {
  const ColumnTable* table;
  const Cursor* cursor;  // nullptr: read by more than one, or closed
};
struct Tracking {
  bool active = false;
  std::vector<Tracked> tables;
  void note(const ColumnTable* table, const Cursor* cursor) {
    for (Tracked& tracked : tables)
      if (tracked.table == table) {
        if (tracked.cursor != cursor) tracked.cursor = nullptr;
        return;
      }
    tables.push_back(Tracked{table, cursor});
  }
  void closed(const Cursor* cursor) {
    for (Tracked& tracked : tables)
      if (tracked.cursor == cursor) tracked.cursor = nullptr;
  }
  const Cursor* cursor_on(const ColumnTable* table) const {
    for (const Tracked& tracked : tables)
      if (tracked.table == table) return tracked.cursor;
    return nullptr;
  }
};
thread_local Tracking tracking;

}  // namespace

CursorTracking::CursorTracking() { tracking = Tracking{true, {}}; }

CursorTracking::~CursorTracking() { tracking = Tracking{}; }

std::pair<std::size_t, std::size_t> shard_range(std::size_t rows, std::size_t index, std::size_t count) {
  assert(count >= 1 && index < count);
  assert(rows <= std::numeric_limits<std::size_t>::max() / count);  // rows × count does not overflow
  const std::size_t first = rows * index / count, second = rows * (index + 1) / count;
  // Part 0 starts at row 0, the last part ends at `rows`, and part i ends where part i + 1 starts
  // (the same expression): disjoint, adjacent, covering.
  assert(first <= second && second <= rows);
  assert(index != 0 || first == 0);
  assert(index + 1 != count || second == rows);
  return {first, second};
}

ShardScope::ShardScope(std::size_t index, std::size_t count) {
  assert(count >= 1 && index < count);
  shard = Shard{true, index, count, nullptr, false};
}

ShardScope::~ShardScope() { shard = Shard{}; }

bool ShardScope::held() const { return shard.table != nullptr && !shard.broken; }

const Cursor* colstore_internal::tracked_cursor(const ColumnTable* table) { return tracking.cursor_on(table); }

namespace {

struct Vtab {
  sqlite3_vtab base{};
  const ColumnTable* table = nullptr;
};

int connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** error) {
  auto* store = static_cast<ColumnStore*>(aux);
  std::size_t index = 0;
  const std::string_view arg = argc > 3 ? argv[3] : "";
  const auto [end, failed] = std::from_chars(arg.data(), arg.data() + arg.size(), index);
  ColumnTable* table = failed == std::errc() && end == arg.data() + arg.size() ? store->table(index) : nullptr;
  if (!table) {
    *error = sqlite3_mprintf("chataudit_columns: no stored table %s", std::string(arg).c_str());
    return SQLITE_ERROR;
  }
  const int rc = sqlite3_declare_vtab(db, table->declaration().c_str());
  if (rc != SQLITE_OK) return rc;
  auto* vtab = new Vtab;
  vtab->table = table;
  *out = &vtab->base;
  return SQLITE_OK;
}

int disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<Vtab*>(vtab);
  return SQLITE_OK;
}

// Whether each of the column's values is held by exactly one row, and no row holds NULL: what
// SQLITE_INDEX_SCAN_UNIQUE promises. For assert() only: it reads every row.
[[maybe_unused]] bool each_value_in_one_row(const Column& column) {
  std::vector<bool> seen(column.distinct(), false);
  for (std::size_t row = 0; row < column.size(); ++row) {
    const std::uint32_t code = column.code(row);
    if (code == 0 || code >= seen.size() || seen[code]) return false;
    seen[code] = true;
  }
  return true;
}

std::vector<int> column_list(const char* text);

int best_index(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const ColumnTable& table = *reinterpret_cast<Vtab*>(vtab)->table;
  const double rows = std::max<double>(static_cast<double>(table.rows()), 1);
  // Every usable equality (BINARY) is handed to xFilter, which follows the shortest of their
  // posting lists; the estimate assumes the columns independent.
  std::string columns;
  double expected = rows;
  bool unique = false;
  int used = 0;
  for (int i = 0; i < info->nConstraint && used < 8; ++i) {
    const auto& constraint = info->aConstraint[i];
    if (!constraint.usable || constraint.op != SQLITE_INDEX_CONSTRAINT_EQ || constraint.iColumn < 0) continue;
    assert(static_cast<std::size_t>(constraint.iColumn) < table.width());
    const char* collation = sqlite3_vtab_collation(info, i);
    if (collation && sqlite3_stricmp(collation, "BINARY") != 0) continue;
    const Column& column = table.column(static_cast<std::size_t>(constraint.iColumn));
    const double values = std::max<double>(static_cast<double>(column.distinct()) - 1, 1);
    expected /= values;
    // One row per value: a dictionary of its own (not a reference's or another column's, whose
    // values may repeat here), one code per value (see deduplicated()), as many values as rows.
    // Every entry of a dictionary of its own was added by a row that holds it, so n values in n
    // rows are one per row, and none of them NULL (asserted: each_value_in_one_row).
    if (&column.dictionary() == &column && column.deduplicated() && column.distinct() - 1 == table.rows()) {
      assert(each_value_in_one_row(column));
      unique = true;
    }
    info->aConstraintUsage[i].argvIndex = ++used;
    columns += fmt::format("{}{}", columns.empty() ? "" : ",", constraint.iColumn);
  }
  if (used > 0) {
    expected = std::max(expected, 1.0);
    info->idxNum = 1;
    info->idxStr = sqlite3_mprintf("%s", columns.c_str());
    info->needToFreeIdxStr = 1;
    // Rows reached through a posting list cost more than rows scanned in order.
    info->estimatedCost = 2 * expected + 2;
    info->estimatedRows = static_cast<sqlite3_int64>(expected + 0.5);
    if (unique) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    return SQLITE_OK;
  }
  info->idxNum = 0;
  info->estimatedCost = rows;
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  // An ORDER BY or GROUP BY of plain ascending columns: rows in that order (not for DISTINCT,
  // which SQLite does as well on the rows a query keeps, usually far fewer).
  bool ordered = info->nOrderBy > 0 && sqlite3_vtab_distinct(info) <= 1;
  for (int i = 0; i < info->nOrderBy; ++i)
    if (info->aOrderBy[i].iColumn < 0 || info->aOrderBy[i].desc) ordered = false;
  if (ordered) {
    // The columns in the order, then after a `;` the columns the query reads (colUsed: bit 63
    // stands for every column from the 64th on), for ordered_codes(). orderByConsumed holds
    // because filter() then visits the rows in ColumnTable::ordered_by(every ORDER BY column, in
    // its order): ascending, by the BINARY order of the values — the columns' own collation,
    // which is the only one SQLite hands a virtual table an ORDER BY in (the store declares no
    // COLLATE, see ColumnTable's constructor) — ties by row.
    assert(info->nOrderBy >= 1 && used == 0);
    std::string columns;
    for (int i = 0; i < info->nOrderBy; ++i) columns += fmt::format("{}{}", i ? "," : "", info->aOrderBy[i].iColumn);
    std::string used;
    for (std::size_t c = 0; c < table.width(); ++c)
      if (info->colUsed & (sqlite3_uint64{1} << std::min<std::size_t>(c, 63)))
        used += fmt::format("{}{}", used.empty() ? "" : ",", c);
    assert(column_list(columns.c_str()).size() == static_cast<std::size_t>(info->nOrderBy));
    columns += ";" + used;
    info->idxNum = -1;
    info->idxStr = sqlite3_mprintf("%s", columns.c_str());
    info->needToFreeIdxStr = 1;
    info->orderByConsumed = 1;
    info->estimatedCost = rows * 1.1;
  }
  return SQLITE_OK;
}

int open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* cursor = new Cursor;
  cursor->table = reinterpret_cast<Vtab*>(vtab)->table;
  *out = &cursor->base;
  return SQLITE_OK;
}

int close(sqlite3_vtab_cursor* cursor) {
  if (tracking.active) tracking.closed(reinterpret_cast<Cursor*>(cursor));
  delete reinterpret_cast<Cursor*>(cursor);
  return SQLITE_OK;
}

std::vector<int> column_list(const char* text) {
  std::vector<int> columns;
  for (const char* at = text; at && *at;) {
    int column = 0;
    const auto [end, failed] = std::from_chars(at, at + std::strlen(at), column);
    if (failed != std::errc()) break;
    columns.push_back(column);
    at = *end == ',' ? end + 1 : end;
  }
  return columns;
}

// Where every filter starts: a scan of every row of the cursor's table, in row order.
void start_full_scan(Cursor& cursor) {
  cursor.list = nullptr;
  cursor.at = 0;
  cursor.end = cursor.table->rows();
  cursor.ordered = false;
  cursor.known_column = -1;
}

// Under a ShardScope: whether this filter is the scan the statement shares out, the cursor then
// set to this part's rows. The statement's first filter must be a full scan (`index` 0), its outer
// loop, and the only read of that table: that scan is the one shared out. Anything else breaks the
// scope (the caller then runs the statement whole).
bool take_shard(Cursor& cursor, int index) {
  if (!shard.active) return false;
  const ColumnTable& table = *cursor.table;
  if (!shard.table) {
    shard.table = &table;
    if (index != 0)
      shard.broken = true;
    else {
      std::tie(cursor.at, cursor.end) = shard_range(table.rows(), shard.index, shard.count);
      return true;
    }
  } else if (shard.table == &table) {
    shard.broken = true;  // read again: by an inner loop, a subquery or a self-join
  }
  return false;
}

// The columns best_index() listed in `index_text`, read once per plan.
void read_plan(Cursor& cursor, const char* index_text) {
  if (cursor.parsed_from != index_text || !index_text) {  // the plan's string lives as long as the cursor
    cursor.columns = column_list(index_text);
    cursor.parsed_from = index_text;
    cursor.ordered_codes.clear();
  }
}

void visit_no_row(Cursor& cursor) {
  cursor.list = nullptr;
  cursor.end = 0;
}

// The rows an equality on `column` with `value` (of `type`) leads to hold the value itself (same
// type, same bytes): while they are the ones visited, the column's value is known (see
// Cursor::known_column) when it is a text the store handed out.
void know_value(Cursor& cursor, int column, int type, sqlite3_value* value) {
  cursor.known_column = -1;
  if (type != SQLITE_TEXT) return;
  const auto* text = static_cast<const char*>(sqlite3_value_blob(value));  // a text's bytes, as they are
  const int size = sqlite3_value_bytes(value);
  const Handed* from = handed_to(text);
  if (!from || !from->column->holds_text_at(from->code, text, size)) return;
  cursor.known_column = column;
  cursor.known_text = text;
  cursor.known_size = size;
  cursor.known_handed = *from;  // noted again as it is handed out; still of this generation
}

// A lookup (index 1): the shortest posting list among the equalities `argv` on the plan's columns;
// SQLite checks the others on its rows.
void follow_equalities(Cursor& cursor, int argc, sqlite3_value** argv) {
  const ColumnTable& table = *cursor.table;
  assert(static_cast<int>(cursor.columns.size()) == argc);
  std::size_t shortest = cursor.end;  // rows to visit so far: all of them
  for (int i = 0; i < argc; ++i) {
    const int at = cursor.columns[static_cast<std::size_t>(i)];
    const Column& column = table.column(static_cast<std::size_t>(at));
    const int type = sqlite3_value_type(argv[i]);
    // `= NULL` is never true; a column of NULLs equals nothing
    if (type == SQLITE_NULL || column.types() == 0) return visit_no_row(cursor);
    // A value of another type than the column holds: SQLite's affinity rules decide, on every row.
    if (column.types() != (1u << type)) continue;
    const std::int64_t code = column.find(argv[i]);
    if (code < 0) return visit_no_row(cursor);
    if (column.one_row_per_code()) {
      // Value `code` is at row code - 1 and nowhere else: that row, no list read.
      assert(code >= 1 && static_cast<std::size_t>(code) <= table.rows());
      cursor.list = nullptr;
      cursor.at = static_cast<std::size_t>(code) - 1;
      cursor.end = static_cast<std::size_t>(code);
      shortest = 1;
      know_value(cursor, at, type, argv[i]);
      continue;
    }
    const auto [first, last] = column.rows_with(static_cast<std::uint32_t>(code));
    if (static_cast<std::size_t>(last - first) < shortest) {
      cursor.list = first;
      cursor.at = 0;
      cursor.end = shortest = static_cast<std::size_t>(last - first);
      know_value(cursor, at, type, argv[i]);
    }
  }
}

// An ordered scan (index -1): the rows in ColumnTable::ordered_by(the plan's columns), and the
// codes, in that order, of the columns the query reads (after the `;` of `index_text`).
void scan_in_order(Cursor& cursor, const char* index_text) {
  const ColumnTable& table = *cursor.table;
  const std::vector<int>& columns = cursor.columns;
  // best_index() listed every ORDER BY column (orderByConsumed): the order covers them all.
  assert(!columns.empty() && std::all_of(columns.begin(), columns.end(),
                                         [&](int c) { return c >= 0 && static_cast<std::size_t>(c) < table.width(); }));
  const BigVector<std::uint32_t>& order = table.ordered_by(columns);
  assert(order.size() == table.rows());
  cursor.list = order.data();
  cursor.end = order.size();
  cursor.ordered = true;
  if (cursor.ordered_codes.empty()) {
    cursor.ordered_codes.assign(table.width(), nullptr);
    const char* semicolon = std::strchr(index_text, ';');
    for (const int column : column_list(semicolon ? semicolon + 1 : nullptr))
      if (column >= 0 && static_cast<std::size_t>(column) < table.width())
        cursor.ordered_codes[static_cast<std::size_t>(column)] = table.ordered_codes(columns, column);
  }
}

// xFilter: the plan best_index() chose (`index` 1: lookups, -1: an ordered scan, 0: a full scan).
int filter(sqlite3_vtab_cursor* base, int index, const char* index_text, int argc, sqlite3_value** argv) {
  auto& cursor = *reinterpret_cast<Cursor*>(base);
  start_full_scan(cursor);
  if (tracking.active) tracking.note(cursor.table, &cursor);
  if (take_shard(cursor, index)) return SQLITE_OK;
  read_plan(cursor, index_text);
  if (index == 1 && static_cast<int>(cursor.columns.size()) == argc)
    follow_equalities(cursor, argc, argv);
  else if (index < 0)
    scan_in_order(cursor, index_text);
  return SQLITE_OK;
}

// An exception must not cross SQLite's C frames: a lookup or an order built here that does not
// fit in memory is SQLITE_NOMEM, which the engine reports naming the rule or view.
int filter_or_nomem(sqlite3_vtab_cursor* base, int index, const char* index_text, int argc, sqlite3_value** argv) {
  try {
    return filter(base, index, index_text, argc, argv);
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
}

int next(sqlite3_vtab_cursor* cursor) {
  ++reinterpret_cast<Cursor*>(cursor)->at;
  return SQLITE_OK;
}

int eof(sqlite3_vtab_cursor* base) {
  const auto& cursor = *reinterpret_cast<Cursor*>(base);
  return cursor.at >= cursor.end;
}

int column(sqlite3_vtab_cursor* base, sqlite3_context* context, int index) {
  const auto& cursor = *reinterpret_cast<Cursor*>(base);
  if (index == cursor.known_column) {
    sqlite3_result_text(context, cursor.known_text, cursor.known_size, SQLITE_STATIC);
    handed[handed_slot(cursor.known_text)] = cursor.known_handed;
    return SQLITE_OK;
  }
  const Column& column = cursor.table->column(static_cast<std::size_t>(index));
  assert(!cursor.ordered || static_cast<std::size_t>(index) < cursor.ordered_codes.size());
  const std::uint32_t* ordered = cursor.ordered ? cursor.ordered_codes[static_cast<std::size_t>(index)] : nullptr;
  column.dictionary().result(context, ordered ? ordered[cursor.at] : column.code(cursor.row()));
  return SQLITE_OK;
}

// Writes are refused here as well as by the engine's authorizer (which, with an xUpdate present,
// is asked first and names the problem: only SELECT is allowed).
int update(sqlite3_vtab* vtab, int, sqlite3_value**, sqlite3_int64*) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("the inventory is read-only");
  return SQLITE_READONLY;
}

int rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
  *out = reinterpret_cast<Cursor*>(base)->row();
  return SQLITE_OK;
}

sqlite3_module make_module() {
  sqlite3_module module{};
  module.xCreate = connect;
  module.xConnect = connect;
  module.xBestIndex = best_index;
  module.xDisconnect = disconnect;
  module.xDestroy = disconnect;
  module.xOpen = open;
  module.xClose = close;
  module.xFilter = filter_or_nomem;
  module.xNext = next;
  module.xEof = eof;
  module.xColumn = column;
  module.xRowid = rowid;
  module.xUpdate = update;
  return module;
}

}  // namespace

const sqlite3_module& colstore_internal::columns_module() {
  static const sqlite3_module module = make_module();
  return module;
}

}  // namespace chataudit
