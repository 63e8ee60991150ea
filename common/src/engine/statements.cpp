// The runner's statements: compiling policy SQL read-only with errors at their place in the policy
// file, binding parameters by name, reading the connection's own catalog, and the declared tables.
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "base/catalog.h"
#include "base/error.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

// Where byte `offset` of a SQL text lies in the policy file.
SourceRef position_in(const SourceRef& start, std::string_view sql, int offset) {
  SourceRef ref = start;
  if (offset < 0 || static_cast<std::size_t>(offset) > sql.size()) return ref;
  for (int i = 0; i < offset; ++i) {
    const unsigned char c = sql[i];
    if (c == '\n') {
      ++ref.line;
      ref.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++ref.column;
    }
  }
  return ref;
}

[[noreturn]] void policy_error(const SourceRef& ref, const std::string& message) {
  throw Error(Diagnostic{.file = ref.file, .line = ref.line, .column = ref.column, .message = message});
}

Runner::Runner(sqlite3* db, ColumnStore& store, const Policy& policy, const RunOptions& options,
               std::vector<Param> params)
    : db_(db), store_(store), policy_(policy), options_(options), params_(std::move(params)) {
  register_functions(db_);
  Deadline::watch(db_, &deadline_);
}

Runner::~Runner() { Deadline::watch(db_, nullptr); }

// Prepares `sql` read-only; policy errors point at the SQL in the policy file. The inventory
// tables it reads are left in sandbox_.tables.
sqlite3_stmt* Runner::prepare(const std::string& sql, const SourceRef& where, std::string_view what) {
  sandbox_.clear();
  sqlite3_set_authorizer(db_, sandbox_authorizer, &sandbox_);
  sqlite3_stmt* statement = nullptr;
  const char* tail = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &statement, &tail);
  sqlite3_set_authorizer(db_, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db_);
    const int offset = sqlite3_error_offset(db_);
    sqlite3_finalize(statement);
    const bool denied = rc == SQLITE_AUTH;
    if (!sandbox_.refused_function.empty()) {
      const std::size_t at = function_call_at(sql, sandbox_.refused_function);
      policy_error(position_in(where, sql, offset >= 0 || at == std::string::npos ? offset : static_cast<int>(at)),
                   fmt::format("{}: {}", what, refused_function_message(sandbox_.refused_function)));
    }
    policy_error(position_in(where, sql, offset), denied ? tr("{}: only SELECT is allowed; {}", what, message)
                                                         : tr("{}: SQL does not compile: {}", what, message));
  }
  if (const std::size_t at = clock_literal(sql); at != std::string::npos) {
    sqlite3_finalize(statement);
    policy_error(position_in(where, sql, static_cast<int>(at)), fmt::format("{}: {}", what, clock_message()));
  }
  if (!statement) policy_error(where, tr("{}: the SQL is empty; expected one SELECT", what));
  const std::size_t rest =
      tail ? std::string_view(sql).find_first_not_of(" \t\r\n;", tail - sql.c_str()) : std::string::npos;
  if (rest != std::string::npos) {
    sqlite3_finalize(statement);
    policy_error(position_in(where, sql, static_cast<int>(rest)),
                 tr("{}: more than one SQL statement; expected one SELECT", what));
  }
  if (!sqlite3_stmt_readonly(statement)) {
    sqlite3_finalize(statement);
    policy_error(where, tr("{}: only SELECT is allowed", what));
  }
  bind(statement, sql, where, what);
  return statement;
}

// The rows of a query of the connection's own catalog (sqlite_schema, PRAGMA table_info), `text`
// bound to ?1, ?2 …; each row its first `columns` columns as text (NULL as empty). A catalog query
// that fails is a fault of the engine, not of the policy: Error naming the query.
std::vector<std::vector<std::string>> Runner::catalog(const std::string& sql,
                                                      std::initializer_list<std::string_view> text, int columns) {
  sqlite3_stmt* raw = nullptr;
  const int prepared = sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr);
  Statement statement(raw);
  if (prepared != SQLITE_OK) throw Error(tr("SQLite: {}: {}", sql, sqlite3_errmsg(db_)));
  int index = 0;
  for (std::string_view value : text) bind_text(statement.get(), ++index, std::string(value));
  std::vector<std::vector<std::string>> rows;
  int rc;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    std::vector<std::string>& row = rows.emplace_back();
    for (int c = 0; c < columns; ++c) {
      const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), c));
      row.emplace_back(value ? value : "");
    }
  }
  if (rc != SQLITE_DONE) throw Error(tr("SQLite: {}: {}", sql, sqlite3_errmsg(db_)));
  return rows;
}

// SPEC §4: a rule or view reads only the inventory tables that its requires or optional names, or
// those of the views it reads (`declared`); the tables the statement just prepared read (sandbox_.tables)
// are held against them. Any other table could be missing in one run and present in another.
void Runner::check_declared(const std::vector<std::string>& declared, const std::string& sql, const SourceRef& where,
                            std::string_view what) {
  for (const std::string& table : sandbox_.tables) {
    if (std::find(declared.begin(), declared.end(), table) != declared.end()) continue;
    // A table of the inventory, not a table-valued function.
    if (catalog("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1", {table}).empty()) continue;
    policy_error(position_in(where, sql, word_offset(sql, table)),
                 tr("{}: reads table {}, which neither its requires nor its optional names (nor those "
                    "of the views it reads); add it to requires (a rule is skipped when such a table is "
                    "absent) or to optional (an absent one reads as empty)",
                    what, table));
  }
}

// The tables a view may read: its own requires and optional, and those of the views it reads.
std::vector<std::string> Runner::declared_tables(const View& view) const {
  std::vector<std::string> tables;
  auto add = [&](const View& from) {
    for (const auto* list : {&from.requires_tables, &from.optional_tables})
      for (const std::string& table : *list)
        if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
  };
  add(view);
  for (const View* read : views_read_by(policy_, view.sql)) add(*read);
  return tables;
}

// The tables a rule may read (see check_declared).
std::vector<std::string> Runner::declared_tables(const Rule& rule) const {
  std::vector<std::string> tables = tables_required(policy_, rule);
  for (const std::string& table : tables_optional(policy_, rule)) tables.push_back(table);
  return tables;
}

// With CHATAUDIT_EXPLAIN set: a rule's or view's query plan on standard error (for profiling).
void Runner::explain(std::string_view what, const std::string& query, const SourceRef& where) {
  if (!std::getenv("CHATAUDIT_EXPLAIN")) return;
  const std::string sql = "EXPLAIN QUERY PLAN " + query;
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) return;
  bind(statement, sql, where, what);
  std::fprintf(stderr, "plan: %.*s\n", static_cast<int>(what.size()), what.data());
  std::map<int, int> depth;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const int id = sqlite3_column_int(statement, 0), parent = sqlite3_column_int(statement, 1);
    depth[id] = depth.count(parent) ? depth[parent] + 1 : 1;
    std::fprintf(stderr, "%*s%s\n", 2 * depth[id], "",
                 reinterpret_cast<const char*>(sqlite3_column_text(statement, 3)));
  }
  sqlite3_finalize(statement);
}

// Runs the engine's own statement; a failure is the view's.
void Runner::exec(const std::string& sql, const View& view) {
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
    policy_error(view.sql_where, tr("view {}: {}", view.name, sqlite3_errmsg(db_)));
}

// Prepares `sql` (the view's SQL inside the engine's statement), binds, steps once.
void Runner::step_once(const std::string& sql, const View& view) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    policy_error(view.sql_where, tr("view {}: {}", view.name, message));
  }
  bind(statement, sql, view.sql_where, tr("view {}", view.name));
  const int rc = sqlite3_step(statement);
  const std::string message = sqlite3_errmsg(db_);
  sqlite3_finalize(statement);
  if (rc != SQLITE_DONE) policy_error(view.sql_where, tr("view {}: {}", view.name, message));
}

void Runner::bind(sqlite3_stmt* statement, const std::string& sql, const SourceRef& where, std::string_view what) {
  for (int i = 1; i <= sqlite3_bind_parameter_count(statement); ++i) {
    const char* raw = sqlite3_bind_parameter_name(statement, i);
    const std::string name = raw ? raw + 1 : "";
    if (!raw || raw[0] != ':') {
      sqlite3_finalize(statement);
      policy_error(where, tr("{}: parameters must be named, as :name", what));
    }
    const BoundParam bound = bound_param(name);
    if (bound == BoundParam::as_of) {
      bind_text(statement, i, format_date(options_.as_of));
    } else if (bound == BoundParam::effective) {
      bind_text(statement, i, format_date(policy_.effective));
    } else if (bound == BoundParam::filter) {
      auto it = options_.filters.find(name);
      if (it == options_.filters.end())
        sqlite3_bind_null(statement, i);
      else
        bind_text(statement, i, it->second);
    } else if (auto param =
                   std::find_if(params_.begin(), params_.end(), [&](const Param& p) { return p.name == name; });
               param != params_.end()) {
      bind_value(statement, i, param->value);
    } else {
      const std::size_t offset = sql.find(raw);
      sqlite3_finalize(statement);
      policy_error(position_in(where, sql, offset == std::string::npos ? -1 : static_cast<int>(offset)),
                   tr("{}: unknown parameter :{}; define it under [params]", what, name));
    }
  }
}

void Runner::bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void Runner::bind_value(sqlite3_stmt* statement, int index, const ParamValue& value) {
  switch (value.index()) {
    case 0:
      sqlite3_bind_int64(statement, index, std::get<std::int64_t>(value));
      break;
    case 1:
      sqlite3_bind_double(statement, index, std::get<double>(value));
      break;
    case 2:
      sqlite3_bind_int(statement, index, std::get<bool>(value) ? 1 : 0);
      break;
    case 3:
      bind_text(statement, index, std::get<std::string>(value));
      break;
    default: {
      // A list is bound as a JSON array, for json_each().
      std::string json = "[";
      for (const std::string& item : std::get<std::vector<std::string>>(value)) {
        json += json.size() > 1 ? ",\"" : "\"";
        for (char c : item) {
          if (c == '"' || c == '\\') json += '\\';
          if (static_cast<unsigned char>(c) < 0x20)
            json += fmt::format("\\u{:04x}", c);
          else
            json += c;
        }
        json += '"';
      }
      bind_text(statement, index, json + "]");
    }
  }
}

}  // namespace chataudit::engine_internal
