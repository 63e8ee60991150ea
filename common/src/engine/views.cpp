// Views: each compiled and given its table; those a running rule reads filled into the column store
// (shared out among the runners, or narrowed to a view's own values, where the store's gates allow),
// and those that compute columns row for row merged into the rules as SQLite views.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>

#include "base/catalog.h"
#include "base/parallel.h"
#include "base/timing.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

// Every view is compiled and gets its table (so that every rule compiles); only those in `needed`
// (read by a rule that runs) are filled, the others stay empty. A view that only computes columns
// of one table row for row (see merged) stays an SQLite view; every other view's table is kept
// where `storage` keeps it (the column store, or the plain-SQLite twin's tables).
void Runner::materialize_views(const std::set<const View*>& needed, ViewStorage& storage) {
  PhaseTimer timer;
  for (const View& view : policy_.views) {
    // Compiled to check it and count its parameters, and finalized at once.
    const int parameters =
        sqlite3_bind_parameter_count(Statement(prepare(view.sql, view.sql_where, tr("view {}", view.name))).get());
    check_declared(declared_tables(view), view.sql, view.sql_where, tr("view {}", view.name));
    if (merged(view, parameters)) {
      create_plain_view(view);
      continue;
    }
    storage.materialize(*this, view, needed.count(&view) > 0);
    timer.lap("view " + view.name);
  }
}

void ColumnarViews::materialize(Runner& runner, const View& view, bool filled) {
  runner.materialize_in_store(view, filled);
}

// The view's table in the column store (a virtual table in the temp schema), filled when `filled`,
// with the columns and declared types SQLite itself would give `CREATE TABLE AS`: they are read
// from an empty table made that way.
void Runner::materialize_in_store(const View& view, bool filled) {
  drop_earlier(view);
  exec(fmt::format("DROP TABLE IF EXISTS temp.{}", quote_identifier(kShape)), view);
  const std::string shape = fmt::format("CREATE TEMP TABLE {} AS SELECT * FROM (", quote_identifier(kShape));
  step_once(shape + view.sql + "\n) LIMIT 0", view);
  std::vector<std::string> names, types;
  for (const auto& column : catalog("SELECT name, type FROM pragma_table_info(?1, 'temp')", {kShape}, 2)) {
    names.push_back(column[0]);
    types.push_back(column[1]);
  }
  exec(fmt::format("DROP TABLE temp.{}", quote_identifier(kShape)), view);
  ColumnTable* table = &store_.create(view.name, names, types);
  if (filled) {
    explain(tr("view {}", view.name), view.sql, view.sql_where);
    store_.release(*table);
    start_clock();
    for (Runner* partner : partners_) partner->deadline_ = deadline_;
    bool referenced = false;
    try {
      table = fill(view, names, types, true);
      referenced = table != nullptr;
      if (!table) table = fill(view, names, types, false);
      table->settle();
    } catch (const std::bad_alloc&) {
      policy_error(view.sql_where, out_of_memory_message(tr("view {}", view.name)));
    }
    if (std::getenv("CHATAUDIT_EXPLAIN")) {
      std::fprintf(stderr, "store: view %s, %zu rows%s\n", view.name.c_str(), table->rows(),
                   !referenced ? " (references to stored columns did not hold: values of its own)"
                   : narrowed_ ? " (filled through a narrowed statement)"
                               : "");
      const std::string layout = table->layout();
      std::fprintf(stderr, "%s", layout.c_str());
    }
  }
  const std::string create = store_.create_statement(*table, "temp");
  exec(create, view);
  for (Runner* partner : partners_) partner->exec(create, view);
}

// Whether `view` (whose SQL takes `parameters`) only computes columns of one table or view row for
// row (its plan one scan, no parameters): then it stays an SQLite view that each rule reading it merges into its own
// SELECT, so that what it adds is computed only for the rows the rule returns. Filling it would copy every row of what
// it reads and save nothing.
bool Runner::merged(const View& view, int parameters) {
  if (parameters > 0) return false;
  const std::vector<std::string> plan = plan_of(view.sql);
  return plan.size() == 1 && plan.front().starts_with("SCAN ");
}

// A view merged into the rules that read it (see merged): an ordinary view in the temp schema of
// every connection.
void Runner::create_plain_view(const View& view) {
  drop_earlier(view);
  const std::string create = fmt::format("CREATE TEMP VIEW {} AS\n{}", quote_identifier(view.name), view.sql);
  exec(create, view);
  for (Runner* partner : partners_) partner->exec(create, view);
}

// What an earlier run on this connection made of a view of the same name: a table or a view.
void Runner::drop_earlier(const View& view) {
  const auto rows =
      catalog("SELECT type FROM temp.sqlite_schema WHERE name = ?1 AND type IN ('table', 'view')", {view.name});
  const std::string type = rows.empty() ? "" : rows.front()[0];
  if (!type.empty())
    exec(fmt::format("DROP {} temp.{}", type == "view" ? "VIEW" : "TABLE", quote_identifier(view.name)), view);
}

// The view's rows in a new table of the store: shared out among the runners where it can be,
// else whole. With `references`, a column that passes a stored table's column through keeps the
// row it came from rather than the value (see ColumnTable::reference); nullptr when that turned
// out not to hold, and the view is to be filled without references.
ColumnTable* Runner::fill(const View& view, const std::vector<std::string>& names,
                          const std::vector<std::string>& types, bool references) {
  bool broken = false;
  if (ColumnTable* whole = partners_.empty() ? nullptr : fill_sharded(view, names, types, references, broken))
    return whole;
  if (broken) return nullptr;
  ColumnTable& table = store_.create(view.name, names, types);
  if (fill_part(view, table, 0, 1, references) == Filled::references_broken) {
    store_.release(table);
    return nullptr;
  }
  return &table;
}

// Fills `table` with part `index` of `count` of the view's rows (all of them when count is 1):
// not_a_part when the view cannot be shared out that way (see ShardScope).
Runner::Filled Runner::fill_part(const View& view, ColumnTable& table, std::size_t index, std::size_t count,
                                 bool references) {
  assert(count >= 1 && index < count);
  Statement statement(prepare(view.sql, view.sql_where, tr("view {}", view.name)));
  if (references) store_.refer(table, statement.get());
  bool narrowed = false;
  if (table.has_references())
    if (Statement narrow = narrowed_statement(view, table, index == 0)) {
      statement = std::move(narrow);
      narrowed = true;
    }
  narrowed_ = narrowed;
  // Destroyed in the reverse order: the scope and the tracking end before the statement is
  // finalized (its cursors then close with no tracking to note them), on every way out.
  std::optional<CursorTracking> tracking;
  if (table.has_references()) tracking.emplace();
  std::optional<ShardScope> scope;
  if (count > 1) scope.emplace(index, count);
  clock_was_read();
  int rc;
  bool kept = true;
  bool late = false;
  std::size_t rows = 0;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    if (!(kept = narrowed ? table.append_witnessed_row(statement.get()) : table.append_row(statement.get()))) break;
    if (++rows % 4096 == 0 && (late = deadline_.passed())) break;
  }
  late = late || (rc == SQLITE_INTERRUPT && deadline_.passed());
  const bool held = !scope || scope->held();
  scope.reset();
  tracking.reset();
  const std::string message = sqlite3_errmsg(db_);
  statement.reset();  // sqlite3_finalize returns the step's error again: rc has it
  if (late) policy_error(view.sql_where, deadline_.message(tr("view {}", view.name)));
  if (clock_was_read()) policy_error(view.sql_where, tr("view {}: {}", view.name, clock_message()));
  if (rc == SQLITE_NOMEM) policy_error(view.sql_where, out_of_memory_message(tr("view {}", view.name)));
  if (!kept) return Filled::references_broken;
  if (rc != SQLITE_DONE) policy_error(view.sql_where, tr("view {}: {}", view.name, message));
  return held ? Filled::part : Filled::not_a_part;
}

// A view that is a plain loop join whose outer loop is a full scan of a stored table (the
// store's gate: sharded_fill in store_gates.cpp) is filled by every runner at once, each from
// its part of that scan; the parts, put together in order, are the rows and the order a single
// runner gives. nullptr when the gate refuses, or a runner found its statement not to be one
// after all (ShardScope: then nothing is kept); `broken` tells when a part's references did not
// hold.
ColumnTable* Runner::fill_sharded(const View& view, const std::vector<std::string>& names,
                                  const std::vector<std::string>& types, bool references, bool& broken) {
  const std::optional<CompiledStatement> compiled = explain_view(view, view.sql);
  const Gate gate = compiled ? sharded_fill(*compiled) : Gate{false, "the view's statement does not compile"};
  if (references) note_gate(view, "sharded fill", gate);
  if (!gate) return nullptr;
  const std::size_t count = partners_.size() + 1;
  std::vector<ColumnTable*> parts;
  for (std::size_t i = 0; i < count; ++i) parts.push_back(&store_.create(view.name, names, types));
  std::vector<Filled> held(count, Filled::not_a_part);
  try {
    // Part 0 on the calling thread with this runner, part i on a thread of its own with partner i - 1.
    run_parallel(count, [&](std::size_t i) {
      Runner& runner = i == 0 ? *this : *partners_[i - 1];
      held[i] = runner.fill_part(view, *parts[i], i, count, references);
    });
  } catch (...) {
    // A part that threw is no part: nothing is put together; the first error by part is rethrown.
    for (std::size_t i = 1; i < count; ++i) store_.release(*parts[i]);
    throw;
  }
  broken = std::any_of(held.begin(), held.end(), [](Filled h) { return h == Filled::references_broken; });
  const bool whole = std::all_of(held.begin(), held.end(), [](Filled h) { return h == Filled::part; });
  // Part i holds rows [rows × i / count, rows × (i + 1) / count) of the outer scan (shard_range):
  // appended in index order, they are the whole scan in its order.
  [[maybe_unused]] std::size_t rows = 0;
  for (const ColumnTable* part : parts) rows += part->rows();
  for (std::size_t i = 1; i < count; ++i) {
    if (whole) parts[0]->append(*parts[i]);
    store_.release(*parts[i]);
  }
  assert(!whole || parts[0]->rows() == rows);
  if (whole) return parts[0];
  store_.release(*parts[0]);
  return nullptr;
}

// A view's SQL as a statement that returns only the `columns` of `table` that
// ColumnTable::witnessed_columns() names (store_gates' narrowed_sql), or an empty holder where
// the store's gate (narrowed_fill) refuses it: the narrowed statement must run the very plan of
// the view's own, a plain loop join, so that each row comes from where the tables' cursors are.
// `note`: the gate's answer goes to CHATAUDIT_EXPLAIN (one part's runner says it for all).
Statement Runner::narrowed_statement(const View& view, ColumnTable& table, bool note) {
  const std::vector<int> columns = table.witnessed_columns();
  if (columns.empty()) {
    if (note) note_gate(view, "narrowed fill", Gate{false, "a source table offers no witness"});
    return {};
  }
  const std::string sql = narrowed_sql(view.sql, table.width(), columns);
  const std::optional<CompiledStatement> own = explain_view(view, view.sql);
  const std::optional<CompiledStatement> narrowed = own ? explain_view(view, sql) : std::nullopt;
  const Gate gate = narrowed ? narrowed_fill(*own, *narrowed) : Gate{false, "a statement does not compile"};
  if (note) note_gate(view, "narrowed fill", gate);
  if (!gate) return {};
  sandbox_.clear();
  sqlite3_set_authorizer(db_, sandbox_authorizer, &sandbox_);
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  Statement statement(raw);
  if (rc != SQLITE_OK || !statement || !sqlite3_stmt_readonly(statement.get())) return {};
  bind_held(statement, sql, view);
  return statement;
}

// The view's SQL (or `sql`, the view's SQL inside an engine statement) as SQLite compiles it on
// this runner's connection, parameters bound as the view's: what the store's gates judge.
std::optional<CompiledStatement> Runner::explain_view(const View& view, const std::string& sql) {
  return explain_statement(db_, sql, [&](Statement& statement) { bind_held(statement, sql, view); });
}

// bind() for a held statement: bind() finalizes the statement before it throws, so the holder
// lets go of it while it binds and takes it back once bound.
void Runner::bind_held(Statement& statement, const std::string& sql, const View& view) {
  sqlite3_stmt* raw = statement.release();
  bind(raw, sql, view.sql_where, tr("view {}", view.name));
  statement.reset(raw);
}

// With CHATAUDIT_EXPLAIN set: what a gate of the store said of a view.
void Runner::note_gate(const View& view, std::string_view shortcut, const Gate& gate) {
  if (!std::getenv("CHATAUDIT_EXPLAIN")) return;
  std::fprintf(stderr, "store: view %s: %.*s %s%s\n", view.name.c_str(), static_cast<int>(shortcut.size()),
               shortcut.data(), gate ? "allowed" : "refused: ", gate.reason.c_str());
}

}  // namespace chataudit::engine_internal
