// Views on the plain-SQLite twin (CHATAUDIT_STORE=sqlite): ordinary tables that SQLite fills from the
// view's SQL, and the ordinary indexes derived from the query plans of the views and rules.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "base/catalog.h"
#include "base/error.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

void TwinViews::materialize(Runner& runner, const View& view, bool filled) { runner.materialize_plain(view, filled); }

void TwinViews::prepare_for(Runner& runner, const Rule& rule) {
  runner.index_lookups(rule.sql, tr("rule {}", rule.id));
}

// CHATAUDIT_STORE=sqlite: the view as an ordinary temp table that SQLite itself fills from the
// view's SQL (CREATE TABLE AS, parameters bound), after the ordinary indexes its own SQL would
// otherwise build for itself (see index_lookups). None of the store's shortcuts: this is the oracle
// the differential tests hold the store against. A view no running rule reads gets its columns only.
void Runner::materialize_plain(const View& view, bool filled) {
  drop_earlier(view);
  const std::string name = quote_identifier(view.name);
  if (filled) index_lookups(view.sql, tr("view {}", view.name));
  if (filled) explain(tr("view {}", view.name), view.sql, view.sql_where);
  start_clock();
  clock_was_read();
  const std::string create =
      filled ? fmt::format("CREATE TEMP TABLE {} AS\n{}", name, view.sql)
             : fmt::format("CREATE TEMP TABLE {} AS SELECT * FROM (\n{}\n) LIMIT 0", name, view.sql);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, create.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    policy_error(view.sql_where, tr("view {}: {}", view.name, message));
  }
  bind(statement, create, view.sql_where, tr("view {}", view.name));
  const int rc = sqlite3_step(statement);
  const std::string message = sqlite3_errmsg(db_);
  sqlite3_finalize(statement);
  if (rc == SQLITE_INTERRUPT && deadline_.passed())
    policy_error(view.sql_where, deadline_.message(tr("view {}", view.name)));
  if (clock_was_read()) policy_error(view.sql_where, tr("view {}: {}", view.name, clock_message()));
  if (rc == SQLITE_NOMEM) policy_error(view.sql_where, out_of_memory_message(tr("view {}", view.name)));
  if (rc != SQLITE_DONE) policy_error(view.sql_where, tr("view {}: {}", view.name, message));
}

// CHATAUDIT_STORE=sqlite: the indexes `sql` needs on the twin's tables, decided from its query
// plan: each lookup SQLite would make an automatic (per-statement) index for becomes an ordinary
// index of the table the lookup reads, built once and kept for the rules and views after it. The
// table is the one the plan's name stands for in `sql` (FROM/JOIN table [AS] name), and must have
// every column the lookup compares; a lookup into a subquery or a CTE gets none. Indexes change
// no result, only how fast the twin finds it.
void Runner::index_lookups(const std::string& sql, std::string_view what) {
  static const std::regex lookup(
      R"(^SEARCH (\S+) USING AUTOMATIC (?:PARTIAL )?COVERING INDEX \(([^)]*)\)(?: LEFT-JOIN)?$)");
  // SQLite merges the views of the temp schema into the statement: their aliases show in its plan.
  const std::string text = sql + "\n" + merged_views_sql();
  for (const std::string& line : plan_of(sql)) {
    std::smatch match;
    if (!std::regex_match(line, match, lookup)) continue;
    std::vector<std::string> columns;
    static const std::regex equality(R"(([A-Za-z_][A-Za-z0-9_]*)=\?)");
    const std::string terms = match[2].str();
    for (std::sregex_iterator it(terms.begin(), terms.end(), equality), end; it != end; ++it)
      columns.push_back((*it)[1].str());
    const std::string table = table_named(text, match[1].str());
    const std::string schema = table.empty() ? "" : schema_of(table);
    if (columns.empty() || schema.empty() || !has_columns(table, schema, columns)) continue;
    std::string list, label = table;
    for (const std::string& column : columns) {
      list += (list.empty() ? "" : ", ") + quote_identifier(column);
      label += " " + column;
    }
    const std::string create = fmt::format("CREATE INDEX IF NOT EXISTS {}.{} ON {} ({})", schema,
                                           quote_identifier(label), quote_identifier(table), list);
    if (sqlite3_exec(db_, create.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      throw Error(tr("{}: indexing {} of the plain-SQLite store: {}", what, table, sqlite3_errmsg(db_)));
  }
}

// The lines of `sql`'s EXPLAIN QUERY PLAN (parameters unbound: the plan does not depend on them);
// none when it does not compile (compiling the statement itself then says why).
std::vector<std::string> Runner::plan_of(const std::string& sql) {
  return query_plan(db_, sql).value_or(std::vector<std::string>{});
}

// The table that `name` (a name in a query plan) stands for in `sql` (the statement and the SQL of
// the views merged into it): `name` itself when it is a table of this connection, else the table
// after FROM or JOIN that `sql` gives that alias; empty when neither (a subquery, a CTE) or when
// the alias is given to two different tables.
std::string Runner::table_named(const std::string& sql, const std::string& name) {
  if (!schema_of(name).empty()) return name;
  if (name.empty() || !std::all_of(name.begin(), name.end(),
                                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
    return "";
  const std::regex alias("\\b(?:FROM|JOIN)\\s+\"?([A-Za-z_][A-Za-z0-9_]*)\"?\\s+(?:AS\\s+)?" + name + "\\b",
                         std::regex::icase);
  std::string found;
  for (std::sregex_iterator it(sql.begin(), sql.end(), alias), end; it != end; ++it) {
    std::string table = (*it)[1].str();
    // A merged view (see merged) reads one table: its lookups are that table's.
    if (const std::string body = view_sql(table); !body.empty()) {
      static const std::regex from(R"re(\bFROM\s+"?([A-Za-z_][A-Za-z0-9_]*)"?)re", std::regex::icase);
      std::smatch match;
      table = std::regex_search(body, match, from) ? match[1].str() : "";
    }
    if (schema_of(table).empty()) continue;
    if (!found.empty() && found != table) return "";
    found = table;
  }
  return found;
}

// The SQL of every view merged into the rules (the views of the temp schema), one after the other.
std::string Runner::merged_views_sql() {
  std::string sql;
  for (const auto& row : catalog("SELECT sql FROM temp.sqlite_schema WHERE type = 'view'")) sql += row[0] + "\n";
  return sql;
}

// The SQL of a view merged into the rules (a view of the temp schema), or empty.
std::string Runner::view_sql(const std::string& name) {
  const auto rows = catalog("SELECT sql FROM temp.sqlite_schema WHERE type = 'view' AND name = ?1", {name});
  return rows.empty() ? "" : rows.front()[0];
}

// "temp" or "main" for an ordinary table of this connection, empty for anything else.
std::string Runner::schema_of(const std::string& table) {
  for (const char* schema : {"temp", "main"})
    if (!catalog(fmt::format("SELECT 1 FROM {}.sqlite_schema WHERE type = 'table' AND name = ?1", schema), {table})
             .empty())
      return schema;
  return "";
}

bool Runner::has_columns(const std::string& table, const std::string& schema, const std::vector<std::string>& columns) {
  std::set<std::string> have;
  for (const auto& row : catalog("SELECT name FROM pragma_table_info(?1, ?2)", {table, schema})) have.insert(row[0]);
  return std::all_of(columns.begin(), columns.end(), [&](const std::string& c) { return have.count(c) > 0; });
}

}  // namespace chataudit::engine_internal
