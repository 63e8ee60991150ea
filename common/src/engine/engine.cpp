// The engine: the only place SQL from the policy meets the inventory. Parameters are bound by
// name, rules run read-only under an authorizer, and rows become findings.
#include "engine/engine.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <charconv>
#include <cstring>
#include <exception>
#include <numeric>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "base/error.h"
#include "store/sqlite_twin.h"
#include "store/store_gates.h"
#include "store/sql_sandbox.h"
#include "base/timing.h"
#include "base/text.h"

namespace chataudit {

std::vector<const Rule*> select_rules(const Policy& policy, const RunOptions& options) {
  auto check_known = [&](const std::string& id, std::string_view flag) {
    const Rule* rule = policy.find_rule(id);
    if (!rule) throw Error(fmt::format("{} {}: no such rule in policy {} (see --list-rules)", flag, id, policy.id));
    if (rule->tool != options.tool)
      throw Error(fmt::format("{} {}: the rule belongs to {}, not {}", flag, id, rule->tool, options.tool));
    if (!rule->enabled) throw Error(fmt::format("{} {}: the rule is disabled in policy {}", flag, id, policy.id));
  };
  for (const std::string& id : options.only_rules) check_known(id, "--rule");
  for (const std::string& id : options.skip_rules) check_known(id, "--skip-rule");
  std::vector<const Rule*> selected;
  for (const Rule& rule : policy.rules) {
    if (rule.tool != options.tool || !rule.enabled) continue;
    const bool named = std::find(options.only_rules.begin(), options.only_rules.end(), rule.id) != options.only_rules.end();
    if (!options.only_rules.empty() && !named) continue;
    if (std::find(options.skip_rules.begin(), options.skip_rules.end(), rule.id) != options.skip_rules.end()) continue;
    if (!rule.only_with.empty() && !options.filters.count(rule.only_with)) {
      if (named) throw Error(fmt::format("--rule {}: the rule runs only with --{} ID", rule.id, rule.only_with));
      continue;
    }
    selected.push_back(&rule);
  }
  return selected;
}

namespace {

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::vector<Param> apply_overrides(const Policy& policy,
                                   const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<Param> params = policy.params;
  for (const auto& [name, text] : overrides) {
    // An init-capture: clang 14 (the fuzz build) cannot capture a structured binding directly.
    auto it = std::find_if(params.begin(), params.end(), [&name = name](const Param& p) { return p.name == name; });
    if (it == params.end()) {
      std::string names;
      for (const Param& param : params) names += (names.empty() ? "" : ", ") + param.name;
      throw Error(fmt::format("--set {}: no such parameter; the policy's parameters are {}", name, names));
    }
    ParamValue value;
    bool ok = true;
    switch (it->value.index()) {
      case 0:
        if (auto number = parse_integer(text)) value = *number; else ok = false;
        break;
      case 1: {
        double number = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        ok = error == std::errc() && end == text.data() + text.size();
        value = number;
        break;
      }
      case 2:
        if (text == "true" || text == "false") value = text == "true"; else ok = false;
        break;
      case 3: value = text; break;
      default: {
        std::vector<std::string> items;
        std::size_t start = 0;
        while (start <= text.size()) {
          std::size_t comma = text.find(',', start);
          if (comma == std::string::npos) comma = text.size();
          items.emplace_back(trim(std::string_view(text).substr(start, comma - start)));
          start = comma + 1;
        }
        value = items;
      }
    }
    if (!ok) throw Error(fmt::format("--set {}={}: expected {}", name, text, it->value.index() == 4 ? "a comma-separated list" : type_name(it->value)));
    if (const std::string problem = param_value_problem(*it, value); !problem.empty())
      throw Error(fmt::format("--set {}={}: {}, as policy {} declares for {}", name, text, problem, policy.id, name));
    it->value = std::move(value);
  }
  return params;
}

namespace {

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// True when `word` occurs in `text` as a whole identifier.
bool mentions(std::string_view text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !identifier_char(text[at - 1]);
    const bool ends = at + word.size() == text.size() || !identifier_char(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

// Where `word` first occurs in `text` as a whole identifier; -1 when it does not.
int word_offset(std::string_view text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !identifier_char(text[at - 1]);
    const bool ends = at + word.size() == text.size() || !identifier_char(text[at + word.size()]);
    if (starts && ends) return static_cast<int>(at);
  }
  return -1;
}

}  // namespace

namespace {

// The views `sql` reads, directly or through other views (a view's name as a word in the SQL).
std::vector<const View*> views_read_by(const Policy& policy, const std::string& sql) {
  std::vector<const View*> read;
  std::vector<const std::string*> texts{&sql};
  for (std::size_t i = 0; i < texts.size(); ++i)
    for (const View& view : policy.views)
      if (std::find(read.begin(), read.end(), &view) == read.end() && mentions(*texts[i], view.name)) {
        read.push_back(&view);
        texts.push_back(&view.sql);
      }
  return read;
}

}  // namespace

std::vector<const View*> views_read(const Policy& policy, const Rule& rule) { return views_read_by(policy, rule.sql); }

std::vector<std::string> tables_required(const Policy& policy, const Rule& rule) {
  std::vector<std::string> tables = rule.requires_tables;
  for (const View* view : views_read(policy, rule))
    for (const std::string& table : view->requires_tables)
      if (std::find(tables.begin(), tables.end(), table) == tables.end()) tables.push_back(table);
  return tables;
}

std::vector<std::string> tables_optional(const Policy& policy, const Rule& rule) {
  const std::vector<std::string> required = tables_required(policy, rule);
  std::vector<std::string> tables;
  auto add = [&](const std::vector<std::string>& names) {
    for (const std::string& table : names)
      if (std::find(required.begin(), required.end(), table) == required.end() &&
          std::find(tables.begin(), tables.end(), table) == tables.end())
        tables.push_back(table);
  };
  add(rule.optional_tables);
  for (const View* view : views_read(policy, rule)) add(view->optional_tables);
  return tables;
}

std::set<std::string> tables_needed(const Policy& policy, const std::vector<const Rule*>& rules) {
  std::set<std::string> tables;
  for (const Rule* rule : rules) {
    for (const std::string& table : tables_required(policy, *rule)) tables.insert(table);
    // Loaded when the inventory has them; the loader makes the others empty.
    for (const std::string& table : tables_optional(policy, *rule)) tables.insert(table);
  }
  return tables;
}

namespace {

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

// A personal value masked for --redact: a handle, a membership id (GROUP/HANDLE), or a name.
std::string mask_personal(std::string_view column, const std::string& value) {
  if (column.find("handle") != std::string_view::npos) return mask_handle(value);
  if (const std::size_t slash = value.find('/'); slash != std::string::npos)
    return value.substr(0, slash + 1) + mask_handle(value.substr(slash + 1));
  return mask_name(value);
}

// SQL functions the rules may call beyond SQLite's own: text folding SQLite lacks. `Unchanged`
// tells the texts the fold leaves as they are, handed back without folding.
template <std::string (*Fold)(std::string_view), bool (*Unchanged)(std::string_view)>
void text_function(sqlite3_context* context, int, sqlite3_value** argv) {
  const int type = sqlite3_value_type(argv[0]);
  if (type == SQLITE_NULL) return sqlite3_result_null(context);
  // A text as a blob: its bytes as they are, where sqlite3_value_text would copy a text without
  // a NUL after it (as the store hands its values out) to add one.
  const auto* bytes = static_cast<const char*>(type == SQLITE_TEXT ? sqlite3_value_blob(argv[0])
                                                                    : sqlite3_value_text(argv[0]));
  const std::string_view text(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  if (Unchanged(text)) return sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  const std::string folded = Fold(text);
  sqlite3_result_text(context, folded.data(), static_cast<int>(folded.size()), SQLITE_TRANSIENT);
}

bool nfkc_unchanged(std::string_view text) { return ascii_or_cjk(text); }
bool white_space_unchanged(std::string_view text) {
  return ascii_or_cjk(text) && std::none_of(text.begin(), text.end(), [](char c) {
           return ascii_white_space(static_cast<unsigned char>(c));
         });
}

void register_functions(sqlite3* db) {
  constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  sqlite3_create_function_v2(db, "nfkc", 1, flags, nullptr, text_function<nfkc, nfkc_unchanged>, nullptr, nullptr, nullptr);
  sqlite3_create_function_v2(db, "remove_white_space", 1, flags, nullptr, text_function<remove_white_space, white_space_unchanged>, nullptr,
                             nullptr, nullptr);
}

[[noreturn]] void policy_error(const SourceRef& ref, const std::string& message) {
  throw Error(Diagnostic{.file = ref.file, .line = ref.line, .column = ref.column, .message = message});
}

class Runner {
 public:
  Runner(sqlite3* db, ColumnStore& store, const Policy& policy, const RunOptions& options, std::vector<Param> params)
      : db_(db), store_(store), policy_(policy), options_(options), params_(std::move(params)) {
    register_functions(db_);
    Deadline::watch(db_, &deadline_);
  }
  ~Runner() { Deadline::watch(db_, nullptr); }
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// The limit of the view or rule this runner works on (see --rule-timeout).
  Deadline deadline_;
  /// What the authorizer refused while this runner's last statement was prepared.
  SandboxLog sandbox_;
  void start_clock() { deadline_ = Deadline(options_.rule_timeout); }

  // Prepares `sql` read-only; policy errors point at the SQL in the policy file. The inventory
  // tables it reads are left in sandbox_.tables.
  sqlite3_stmt* prepare(const std::string& sql, const SourceRef& where, std::string_view what) {
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
      policy_error(position_in(where, sql, offset),
                   fmt::format("{}: {}{}", what, denied ? "only SELECT is allowed; " : "SQL does not compile: ", message));
    }
    if (const std::size_t at = clock_literal(sql); at != std::string::npos) {
      sqlite3_finalize(statement);
      policy_error(position_in(where, sql, static_cast<int>(at)), fmt::format("{}: {}", what, clock_message()));
    }
    if (!statement) policy_error(where, fmt::format("{}: the SQL is empty; expected one SELECT", what));
    const std::size_t rest = tail ? std::string_view(sql).find_first_not_of(" \t\r\n;", tail - sql.c_str()) : std::string::npos;
    if (rest != std::string::npos) {
      sqlite3_finalize(statement);
      policy_error(position_in(where, sql, static_cast<int>(rest)),
                   fmt::format("{}: more than one SQL statement; expected one SELECT", what));
    }
    if (!sqlite3_stmt_readonly(statement)) {
      sqlite3_finalize(statement);
      policy_error(where, fmt::format("{}: only SELECT is allowed", what));
    }
    bind(statement, sql, where, what);
    return statement;
  }

  // The rows of a query of the connection's own catalog (sqlite_schema, PRAGMA table_info), `text`
  // bound to ?1, ?2 …; each row its first `columns` columns as text (NULL as empty). A catalog query
  // that fails is a fault of the engine, not of the policy: Error naming the query.
  std::vector<std::vector<std::string>> catalog(const std::string& sql, std::initializer_list<std::string_view> text = {},
                                                int columns = 1) {
    sqlite3_stmt* raw = nullptr;
    const int prepared = sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr);
    Statement statement(raw);
    if (prepared != SQLITE_OK) throw Error(fmt::format("SQLite: {}: {}", sql, sqlite3_errmsg(db_)));
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
    if (rc != SQLITE_DONE) throw Error(fmt::format("SQLite: {}: {}", sql, sqlite3_errmsg(db_)));
    return rows;
  }

  // SPEC §4: a rule or view reads only the inventory tables that its requires or optional names, or
  // those of the views it reads (`declared`); the tables the statement just prepared read (sandbox_.tables)
  // are held against them. Any other table could be missing in one run and present in another.
  void check_declared(const std::vector<std::string>& declared, const std::string& sql, const SourceRef& where,
                      std::string_view what) {
    for (const std::string& table : sandbox_.tables) {
      if (std::find(declared.begin(), declared.end(), table) != declared.end()) continue;
      // A table of the inventory, not a table-valued function.
      if (catalog("SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?1", {table}).empty()) continue;
      policy_error(position_in(where, sql, word_offset(sql, table)),
                   fmt::format("{}: reads table {}, which neither its requires nor its optional names (nor those "
                               "of the views it reads); add it to requires (a rule is skipped when such a table is "
                               "absent) or to optional (an absent one reads as empty)",
                               what, table));
    }
  }

  // The tables a view may read: its own requires and optional, and those of the views it reads.
  std::vector<std::string> declared_tables(const View& view) const {
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
  std::vector<std::string> declared_tables(const Rule& rule) const {
    std::vector<std::string> tables = tables_required(policy_, rule);
    for (const std::string& table : tables_optional(policy_, rule)) tables.push_back(table);
    return tables;
  }

  // Every view is compiled and gets its table (so that every rule compiles); only those in `needed`
  // (read by a rule that runs) are filled, the others stay empty. A view's table lives in the
  // column store (a virtual table in the temp schema) with the columns and declared types SQLite
  // itself would give `CREATE TABLE AS`: they are read from an empty table made that way. A view
  // that only computes columns of one table row for row (see merged) stays an SQLite view.
  void materialize_views(const std::set<const View*>& needed) {
    PhaseTimer timer;
    for (const View& view : policy_.views) {
      // Compiled to check it and count its parameters, and finalized at once.
      const int parameters =
          sqlite3_bind_parameter_count(Statement(prepare(view.sql, view.sql_where, "view " + view.name)).get());
      check_declared(declared_tables(view), view.sql, view.sql_where, "view " + view.name);
      if (merged(view, parameters)) {
        create_plain_view(view);
        continue;
      }
      if (plain_) {
        materialize_plain(view, needed.count(&view) > 0);
        timer.lap("view " + view.name);
        continue;
      }
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
      if (needed.count(&view)) {
        explain("view " + view.name, view.sql, view.sql_where);
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
          policy_error(view.sql_where, out_of_memory_message("view " + view.name));
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
      timer.lap("view " + view.name);
    }
  }

  /// Views as ordinary tables filled by plain SQL (CHATAUDIT_STORE=sqlite, on the twin's connection).
  void use_plain_tables() { plain_ = true; }

  // CHATAUDIT_STORE=sqlite: the view as an ordinary temp table that SQLite itself fills from the
  // view's SQL (CREATE TABLE AS, parameters bound), after the ordinary indexes its own SQL would
  // otherwise build for itself (see index_lookups). None of the store's shortcuts: this is the oracle
  // the differential tests hold the store against. A view no running rule reads gets its columns only.
  void materialize_plain(const View& view, bool filled) {
    drop_earlier(view);
    const std::string name = quote_identifier(view.name);
    if (filled) index_lookups(view.sql, "view " + view.name);
    if (filled) explain("view " + view.name, view.sql, view.sql_where);
    start_clock();
    clock_was_read();
    const std::string create = filled ? fmt::format("CREATE TEMP TABLE {} AS\n{}", name, view.sql)
                                      : fmt::format("CREATE TEMP TABLE {} AS SELECT * FROM (\n{}\n) LIMIT 0", name, view.sql);
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, create.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db_);
      sqlite3_finalize(statement);
      policy_error(view.sql_where, fmt::format("view {}: {}", view.name, message));
    }
    bind(statement, create, view.sql_where, "view " + view.name);
    const int rc = sqlite3_step(statement);
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    if (rc == SQLITE_INTERRUPT && deadline_.passed()) policy_error(view.sql_where, deadline_.message("view " + view.name));
    if (clock_was_read()) policy_error(view.sql_where, fmt::format("view {}: {}", view.name, clock_message()));
    if (rc == SQLITE_NOMEM) policy_error(view.sql_where, out_of_memory_message("view " + view.name));
    if (rc != SQLITE_DONE) policy_error(view.sql_where, fmt::format("view {}: {}", view.name, message));
  }

  // CHATAUDIT_STORE=sqlite: the indexes `sql` needs on the twin's tables, decided from its query
  // plan: each lookup SQLite would make an automatic (per-statement) index for becomes an ordinary
  // index of the table the lookup reads, built once and kept for the rules and views after it. The
  // table is the one the plan's name stands for in `sql` (FROM/JOIN table [AS] name), and must have
  // every column the lookup compares; a lookup into a subquery or a CTE gets none. Indexes change
  // no result, only how fast the twin finds it.
  void index_lookups(const std::string& sql, std::string_view what) {
    static const std::regex lookup(R"(^SEARCH (\S+) USING AUTOMATIC (?:PARTIAL )?COVERING INDEX \(([^)]*)\)(?: LEFT-JOIN)?$)");
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
        throw Error(fmt::format("{}: indexing {} of the plain-SQLite store: {}", what, table, sqlite3_errmsg(db_)));
    }
  }

  // The lines of `sql`'s EXPLAIN QUERY PLAN (parameters unbound: the plan does not depend on them);
  // none when it does not compile (compiling the statement itself then says why).
  std::vector<std::string> plan_of(const std::string& sql) {
    return query_plan(db_, sql).value_or(std::vector<std::string>{});
  }

  // The table that `name` (a name in a query plan) stands for in `sql` (the statement and the SQL of
  // the views merged into it): `name` itself when it is a table of this connection, else the table
  // after FROM or JOIN that `sql` gives that alias; empty when neither (a subquery, a CTE) or when
  // the alias is given to two different tables.
  std::string table_named(const std::string& sql, const std::string& name) {
    if (!schema_of(name).empty()) return name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }))
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
  std::string merged_views_sql() {
    std::string sql;
    for (const auto& row : catalog("SELECT sql FROM temp.sqlite_schema WHERE type = 'view'")) sql += row[0] + "\n";
    return sql;
  }

  // The SQL of a view merged into the rules (a view of the temp schema), or empty.
  std::string view_sql(const std::string& name) {
    const auto rows = catalog("SELECT sql FROM temp.sqlite_schema WHERE type = 'view' AND name = ?1", {name});
    return rows.empty() ? "" : rows.front()[0];
  }

  // "temp" or "main" for an ordinary table of this connection, empty for anything else.
  std::string schema_of(const std::string& table) {
    for (const char* schema : {"temp", "main"})
      if (!catalog(fmt::format("SELECT 1 FROM {}.sqlite_schema WHERE type = 'table' AND name = ?1", schema), {table})
               .empty())
        return schema;
    return "";
  }

  bool has_columns(const std::string& table, const std::string& schema, const std::vector<std::string>& columns) {
    std::set<std::string> have;
    for (const auto& row : catalog("SELECT name FROM pragma_table_info(?1, ?2)", {table, schema}))
      have.insert(row[0]);
    return std::all_of(columns.begin(), columns.end(), [&](const std::string& c) { return have.count(c) > 0; });
  }

  // Whether `view` (whose SQL takes `parameters`) only computes columns of one table or view row for
  // row (its plan one scan, no parameters): then it stays an SQLite view that each rule reading it merges into its own SELECT,
  // so that what it adds is computed only for the rows the rule returns. Filling it would copy every
  // row of what it reads and save nothing.
  bool merged(const View& view, int parameters) {
    if (parameters > 0) return false;
    const std::vector<std::string> plan = plan_of(view.sql);
    return plan.size() == 1 && plan.front().starts_with("SCAN ");
  }

  // A view merged into the rules that read it (see merged): an ordinary view in the temp schema of
  // every connection.
  void create_plain_view(const View& view) {
    drop_earlier(view);
    const std::string create = fmt::format("CREATE TEMP VIEW {} AS\n{}", quote_identifier(view.name), view.sql);
    exec(create, view);
    for (Runner* partner : partners_) partner->exec(create, view);
  }

  // What an earlier run on this connection made of a view of the same name: a table or a view.
  void drop_earlier(const View& view) {
    const auto rows =
        catalog("SELECT type FROM temp.sqlite_schema WHERE name = ?1 AND type IN ('table', 'view')", {view.name});
    const std::string type = rows.empty() ? "" : rows.front()[0];
    if (!type.empty())
      exec(fmt::format("DROP {} temp.{}", type == "view" ? "VIEW" : "TABLE", quote_identifier(view.name)), view);
  }

  bool narrowed_ = false;  // whether this runner's last fill_part() read a narrowed statement

  /// The runners (on connections of their own) that views are shared out to.
  void set_partners(std::vector<Runner*> partners) { partners_ = std::move(partners); }

  // The view's rows in a new table of the store: shared out among the runners where it can be,
  // else whole. With `references`, a column that passes a stored table's column through keeps the
  // row it came from rather than the value (see ColumnTable::reference); nullptr when that turned
  // out not to hold, and the view is to be filled without references.
  ColumnTable* fill(const View& view, const std::vector<std::string>& names, const std::vector<std::string>& types,
                    bool references) {
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

  enum class Filled { part, not_a_part, references_broken };

  // Fills `table` with part `index` of `count` of the view's rows (all of them when count is 1):
  // not_a_part when the view cannot be shared out that way (see ShardScope).
  Filled fill_part(const View& view, ColumnTable& table, std::size_t index, std::size_t count, bool references) {
    assert(count >= 1 && index < count);
    Statement statement(prepare(view.sql, view.sql_where, "view " + view.name));
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
    if (late) policy_error(view.sql_where, deadline_.message("view " + view.name));
    if (clock_was_read()) policy_error(view.sql_where, fmt::format("view {}: {}", view.name, clock_message()));
    if (rc == SQLITE_NOMEM) policy_error(view.sql_where, out_of_memory_message("view " + view.name));
    if (!kept) return Filled::references_broken;
    if (rc != SQLITE_DONE) policy_error(view.sql_where, fmt::format("view {}: {}", view.name, message));
    return held ? Filled::part : Filled::not_a_part;
  }

  // A view that is a plain loop join whose outer loop is a full scan of a stored table (the
  // store's gate: sharded_fill in store_gates.cpp) is filled by every runner at once, each from
  // its part of that scan; the parts, put together in order, are the rows and the order a single
  // runner gives. nullptr when the gate refuses, or a runner found its statement not to be one
  // after all (ShardScope: then nothing is kept); `broken` tells when a part's references did not
  // hold.
  ColumnTable* fill_sharded(const View& view, const std::vector<std::string>& names,
                            const std::vector<std::string>& types, bool references, bool& broken) {
    const std::optional<CompiledStatement> compiled = explain_view(view, view.sql);
    const Gate gate = compiled ? sharded_fill(*compiled) : Gate{false, "the view's statement does not compile"};
    if (references) note_gate(view, "sharded fill", gate);
    if (!gate) return nullptr;
    const std::size_t count = partners_.size() + 1;
    std::vector<ColumnTable*> parts;
    for (std::size_t i = 0; i < count; ++i) parts.push_back(&store_.create(view.name, names, types));
    std::vector<Filled> held(count, Filled::not_a_part);
    std::vector<std::exception_ptr> errors(count);
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < count; ++i)
      threads.emplace_back([&, i] {
        try {
          held[i] = partners_[i - 1]->fill_part(view, *parts[i], i, count, references);
        } catch (...) {
          errors[i] = std::current_exception();
        }
      });
    try {
      held[0] = fill_part(view, *parts[0], 0, count, references);
    } catch (...) {
      errors[0] = std::current_exception();
    }
    for (std::thread& thread : threads) thread.join();
    broken = std::any_of(held.begin(), held.end(), [](Filled h) { return h == Filled::references_broken; });
    const bool whole = std::all_of(held.begin(), held.end(), [](Filled h) { return h == Filled::part; });
    // Part i holds rows [rows × i / count, rows × (i + 1) / count) of the outer scan (shard_range):
    // appended in index order, they are the whole scan in its order.
    [[maybe_unused]] std::size_t rows = 0;
    for (const ColumnTable* part : parts) rows += part->rows();
    for (std::size_t i = 1; i < count; ++i) {
      if (whole && !errors[i]) parts[0]->append(*parts[i]);
      store_.release(*parts[i]);
    }
    assert(!whole || std::any_of(errors.begin(), errors.end(), [](const auto& e) { return e != nullptr; }) ||
           parts[0]->rows() == rows);
    for (const std::exception_ptr& error : errors)
      if (error) std::rethrow_exception(error);
    if (whole) return parts[0];
    store_.release(*parts[0]);
    return nullptr;
  }

  // A view's SQL as a statement that returns only the `columns` of `table` that
  // ColumnTable::witnessed_columns() names (store_gates' narrowed_sql), or an empty holder where
  // the store's gate (narrowed_fill) refuses it: the narrowed statement must run the very plan of
  // the view's own, a plain loop join, so that each row comes from where the tables' cursors are.
  // `note`: the gate's answer goes to CHATAUDIT_EXPLAIN (one part's runner says it for all).
  Statement narrowed_statement(const View& view, ColumnTable& table, bool note) {
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
  std::optional<CompiledStatement> explain_view(const View& view, const std::string& sql) {
    return explain_statement(db_, sql, [&](Statement& statement) { bind_held(statement, sql, view); });
  }

  // bind() for a held statement: bind() finalizes the statement before it throws, so the holder
  // lets go of it while it binds and takes it back once bound.
  void bind_held(Statement& statement, const std::string& sql, const View& view) {
    sqlite3_stmt* raw = statement.release();
    bind(raw, sql, view.sql_where, "view " + view.name);
    statement.reset(raw);
  }

  // With CHATAUDIT_EXPLAIN set: what a gate of the store said of a view.
  static void note_gate(const View& view, std::string_view shortcut, const Gate& gate) {
    if (!std::getenv("CHATAUDIT_EXPLAIN")) return;
    std::fprintf(stderr, "store: view %s: %.*s %s%s\n", view.name.c_str(), static_cast<int>(shortcut.size()),
                 shortcut.data(), gate ? "allowed" : "refused: ", gate.reason.c_str());
  }

  struct Compiled {
    const Rule* rule;
    sqlite3_stmt* statement;
    std::vector<std::string> columns;
  };

  Compiled compile(const Rule& rule) {
    sqlite3_stmt* statement = prepare(rule.sql, rule.sql_where, "rule " + rule.id);
    try {
      check_declared(declared_tables(rule), rule.sql, rule.sql_where, "rule " + rule.id);
    } catch (...) {
      sqlite3_finalize(statement);
      throw;
    }
    Compiled compiled{&rule, statement, {}};
    for (int i = 0; i < sqlite3_column_count(statement); ++i) compiled.columns.emplace_back(sqlite3_column_name(statement, i));
    auto has = [&](std::string_view name) {
      return std::find(compiled.columns.begin(), compiled.columns.end(), name) != compiled.columns.end();
    };
    for (std::string_view required : {"subject_kind", "subject_id"})
      if (!has(required)) {
        sqlite3_finalize(statement);
        policy_error(rule.sql_where, fmt::format("rule {}: the SELECT must return a column named {}", rule.id, required));
      }
    for (const std::string* text : {&rule.message.zh, &rule.message.en}) {
      for (const std::string& name : placeholders(*text)) {
        if (has(name) || name == "as_of" || std::any_of(params_.begin(), params_.end(), [&](const Param& p) { return p.name == name; }))
          continue;
        sqlite3_finalize(statement);
        policy_error(rule.message_where, fmt::format("rule {}: the message names {{{}}}, which the SQL does not return; "
                                                     "it returns {}", rule.id, name, join(compiled.columns)));
      }
    }
    return compiled;
  }

  // With CHATAUDIT_EXPLAIN set: a rule's or view's query plan on standard error (for profiling).
  void explain(std::string_view what, const std::string& query, const SourceRef& where) {
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
      std::fprintf(stderr, "%*s%s\n", 2 * depth[id], "", reinterpret_cast<const char*>(sqlite3_column_text(statement, 3)));
    }
    sqlite3_finalize(statement);
  }

  // Runs `compiled`'s rule with `statement` (the compiled statement, or the same rule prepared on
  // this runner's connection).
  void run(const Compiled& compiled, sqlite3_stmt* statement, std::vector<Finding>& findings) {
    explain("rule " + compiled.rule->id, compiled.rule->sql, compiled.rule->sql_where);
    start_clock();
    clock_was_read();
    const std::string what = "rule " + compiled.rule->id;
    int rc;
    bool late = false;
    try {
      while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
        findings.push_back(to_finding(compiled, statement));
        if (findings.size() % 1024 == 0 && (late = deadline_.passed())) break;
      }
    } catch (const std::bad_alloc&) {
      policy_error(compiled.rule->sql_where, out_of_memory_message(what));
    }
    if (late || (rc == SQLITE_INTERRUPT && deadline_.passed()))
      policy_error(compiled.rule->sql_where, deadline_.message(what));
    if (rc == SQLITE_NOMEM) policy_error(compiled.rule->sql_where, out_of_memory_message(what));
    if (clock_was_read()) policy_error(compiled.rule->sql_where, fmt::format("{}: {}", what, clock_message()));
    if (rc != SQLITE_DONE)
      policy_error(compiled.rule->sql_where, fmt::format("rule {}: {}", compiled.rule->id, sqlite3_errmsg(db_)));
    findings.shrink_to_fit();  // the room left by growing, while the other rules still run
  }

 private:
  // The scratch table that gives a view its columns' names and types.
  static constexpr std::string_view kShape = "chataudit_view_shape";

  // Runs the engine's own statement; a failure is the view's.
 public:
  void exec(const std::string& sql, const View& view) {
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      policy_error(view.sql_where, fmt::format("view {}: {}", view.name, sqlite3_errmsg(db_)));
  }

 private:
  // Prepares `sql` (the view's SQL inside the engine's statement), binds, steps once.
  void step_once(const std::string& sql, const View& view) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db_);
      sqlite3_finalize(statement);
      policy_error(view.sql_where, fmt::format("view {}: {}", view.name, message));
    }
    bind(statement, sql, view.sql_where, "view " + view.name);
    const int rc = sqlite3_step(statement);
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) policy_error(view.sql_where, fmt::format("view {}: {}", view.name, message));
  }

  static std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  }

  static std::vector<std::string> placeholders(std::string_view text) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') { ++i; continue; }
      if (text[i] != '{') continue;
      const std::size_t close = text.find('}', i);
      if (close == std::string_view::npos) break;
      names.emplace_back(text.substr(i + 1, close - i - 1));
      i = close;
    }
    return names;
  }

  void bind(sqlite3_stmt* statement, const std::string& sql, const SourceRef& where, std::string_view what) {
    for (int i = 1; i <= sqlite3_bind_parameter_count(statement); ++i) {
      const char* raw = sqlite3_bind_parameter_name(statement, i);
      const std::string name = raw ? raw + 1 : "";
      if (!raw || raw[0] != ':') {
        sqlite3_finalize(statement);
        policy_error(where, fmt::format("{}: parameters must be named, as :name", what));
      }
      const BoundParam bound = bound_param(name);
      if (bound == BoundParam::as_of) {
        bind_text(statement, i, format_date(options_.as_of));
      } else if (bound == BoundParam::effective) {
        bind_text(statement, i, format_date(policy_.effective));
      } else if (bound == BoundParam::filter) {
        auto it = options_.filters.find(name);
        if (it == options_.filters.end()) sqlite3_bind_null(statement, i);
        else bind_text(statement, i, it->second);
      } else if (auto param = std::find_if(params_.begin(), params_.end(), [&](const Param& p) { return p.name == name; });
                 param != params_.end()) {
        bind_value(statement, i, param->value);
      } else {
        const std::size_t offset = sql.find(raw);
        sqlite3_finalize(statement);
        policy_error(position_in(where, sql, offset == std::string::npos ? -1 : static_cast<int>(offset)),
                     fmt::format("{}: unknown parameter :{}; define it under [params]", what, name));
      }
    }
  }

  static void bind_text(sqlite3_stmt* statement, int index, const std::string& text) {
    sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }

  static void bind_value(sqlite3_stmt* statement, int index, const ParamValue& value) {
    switch (value.index()) {
      case 0: sqlite3_bind_int64(statement, index, std::get<std::int64_t>(value)); break;
      case 1: sqlite3_bind_double(statement, index, std::get<double>(value)); break;
      case 2: sqlite3_bind_int(statement, index, std::get<bool>(value) ? 1 : 0); break;
      case 3: bind_text(statement, index, std::get<std::string>(value)); break;
      default: {
        // A list is bound as a JSON array, for json_each().
        std::string json = "[";
        for (const std::string& item : std::get<std::vector<std::string>>(value)) {
          json += json.size() > 1 ? ",\"" : "\"";
          for (char c : item) {
            if (c == '"' || c == '\\') json += '\\';
            if (static_cast<unsigned char>(c) < 0x20) json += fmt::format("\\u{:04x}", c);
            else json += c;
          }
          json += '"';
        }
        bind_text(statement, index, json + "]");
      }
    }
  }

  std::string param_text(const std::string& name) const {
    if (name == "as_of") return format_date(options_.as_of);
    for (const Param& param : params_) {
      if (param.name != name) continue;
      if (auto text = std::get_if<std::string>(&param.value)) return *text;
      return to_toml(param.value);
    }
    return {};
  }

  std::string fill(std::string_view text, const std::vector<std::string>& columns, const std::vector<std::string>& values,
                   const std::vector<bool>& nulls, bool redact) const {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') { out += '{'; ++i; continue; }
      if (text[i] == '}' && i + 1 < text.size() && text[i + 1] == '}') { out += '}'; ++i; continue; }
      const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string_view::npos;
      if (close == std::string_view::npos) { out += text[i]; continue; }
      const std::string name(text.substr(i + 1, close - i - 1));
      auto it = std::find(columns.begin(), columns.end(), name);
      if (it != columns.end()) {
        const std::size_t c = it - columns.begin();
        const bool personal = redact && std::find(policy_.personal_columns.begin(), policy_.personal_columns.end(),
                                                  name) != policy_.personal_columns.end();
        if (nulls[c]) {
        } else if (!personal) {
          out += values[c];
        } else {
          out += mask_personal(name, values[c]);
        }
      } else {
        out += param_text(name);
      }
      i = close;
    }
    return out;
  }

  Finding to_finding(const Compiled& compiled, sqlite3_stmt* statement) {
    const Rule& rule = *compiled.rule;
    const std::size_t count = compiled.columns.size();
    std::vector<std::string> values(count);
    std::vector<bool> nulls(count);
    for (std::size_t c = 0; c < count; ++c) {
      nulls[c] = sqlite3_column_type(statement, static_cast<int>(c)) == SQLITE_NULL;
      if (!nulls[c]) {
        const unsigned char* text = sqlite3_column_text(statement, static_cast<int>(c));
        values[c].assign(reinterpret_cast<const char*>(text), sqlite3_column_bytes(statement, static_cast<int>(c)));
      }
    }
    Finding finding;
    finding.rule = rule.id;
    finding.severity = rule.severity;
    // At national scale findings number in the hundreds of thousands: the fields get their exact size.
    std::size_t details = 0, ids = 0;
    for (std::size_t c = 0; c < count; ++c) {
      if (nulls[c] || values[c].empty()) continue;
      const bool id = std::find(std::begin(kIdColumns), std::end(kIdColumns), compiled.columns[c]) != std::end(kIdColumns);
      (id ? ids : details) += Fields::bytes(compiled.columns[c], values[c]);
    }
    finding.details.reserve(details);
    finding.ids.reserve(ids);
    for (std::size_t c = 0; c < count; ++c) {
      const std::string& name = compiled.columns[c];
      if (nulls[c] || values[c].empty()) continue;
      if (name == "subject_kind") finding.subject_kind = values[c];
      else if (name == "subject_id") finding.subject_id = values[c];
      else if (name == "subject_name") finding.subject_name = values[c];
      else if (name == "due_on") finding.due_on = values[c];
      else if (name == "days_overdue") finding.days_overdue = parse_integer(values[c]);
      if (name == "days_overdue" && !finding.days_overdue)
        policy_error(rule.sql_where, fmt::format("rule {}: days_overdue \"{}\" is not an integer", rule.id, values[c]));
      if (name == "due_on" && !parse_date(values[c], TimeZone::utc()))
        policy_error(rule.sql_where, fmt::format("rule {}: due_on \"{}\" is not a YYYY-MM-DD date", rule.id, values[c]));
      else if (std::find(std::begin(kIdColumns), std::end(kIdColumns), name) == std::end(kIdColumns))
        finding.details.add(name, values[c]);
    }
    for (std::string_view id : kIdColumns) {
      auto it = std::find(compiled.columns.begin(), compiled.columns.end(), id);
      if (it == compiled.columns.end()) continue;
      const std::size_t c = it - compiled.columns.begin();
      if (!nulls[c] && !values[c].empty()) finding.ids.add(id, values[c]);
    }
    if (finding.subject_kind.empty() || finding.subject_id.empty())
      policy_error(rule.sql_where, fmt::format("rule {}: a row has an empty subject_kind or subject_id", rule.id));
    // In the report's language only (the other is never shown: half the text at national scale).
    const std::string& text = rule.message.in(options_.lang);
    std::string& message = options_.lang == Lang::zh ? finding.message.zh : finding.message.en;
    message = fill(text, compiled.columns, values, nulls, false);
    if (options_.redact)
      (options_.lang == Lang::zh ? finding.message_redacted.zh : finding.message_redacted.en) =
          fill(text, compiled.columns, values, nulls, true);
    finding.fingerprint = fingerprint(rule.id, finding.subject_kind, finding.subject_id);
    return finding;
  }

  sqlite3* db_;
  bool plain_ = false;  // CHATAUDIT_STORE=sqlite: see materialize_plain
  ColumnStore& store_;
  std::vector<Runner*> partners_;
  const Policy& policy_;
  const RunOptions& options_;
  std::vector<Param> params_;
};

// The org and every org below it.
std::set<std::string> org_subtree(SQLite::Database& db, const std::string& org) {
  SQLite::Statement query(db,
                          "WITH RECURSIVE subtree(id) AS (SELECT ? UNION SELECT o.org_id FROM orgs o JOIN subtree s "
                          "ON o.parent_id = s.id) SELECT id FROM subtree");
  query.bind(1, org);
  std::set<std::string> ids;
  while (query.executeStep()) ids.insert(query.getColumn(0).getString());
  return ids;
}

bool row_exists(SQLite::Database& db, const std::string& table, const std::string& key, const std::string& id) {
  SQLite::Statement query(db, fmt::format("SELECT 1 FROM \"{}\" WHERE \"{}\" = ?", table, key));
  query.bind(1, id);
  return query.executeStep();
}

// The runners of the threads beyond the calling one, each on a connection of its own over the
// inventory's column store, with the inventory's tables declared (the views are declared as the
// engine makes them).
class Helpers {
 public:
  Helpers(Inventory& inventory, unsigned count, const Policy& policy, const RunOptions& options,
          const std::vector<Param>& params) {
    if (count == 0) return;
    std::vector<std::string> tables;
    SQLite::Statement query(inventory.db(), "SELECT sql FROM sqlite_schema WHERE type = 'table'");
    while (query.executeStep()) tables.push_back(query.getColumn(0).getString());
    for (unsigned i = 0; i < count; ++i) {
      sqlite3* db = nullptr;
      const int rc = sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                     clockless_vfs());
      connections_.push_back(db);
      if (rc != SQLITE_OK) throw Error(fmt::format("cannot open an SQLite connection: {}", sqlite3_errmsg(db)));
      if (sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr) != SQLITE_OK ||
          sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr) != SQLITE_OK ||
          sqlite3_exec(db, "PRAGMA temp.cache_size = -131072", nullptr, nullptr, nullptr) != SQLITE_OK)
        throw Error(fmt::format("cannot configure an SQLite connection: {}", sqlite3_errmsg(db)));
      inventory.store().register_with(db);
      for (const std::string& sql : tables)
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
          throw Error(fmt::format("cannot declare a table on an SQLite connection: {}", sqlite3_errmsg(db)));
      runners_.push_back(std::make_unique<Runner>(db, inventory.store(), policy, options, params));
    }
  }
  ~Helpers() {
    runners_.clear();
    for (sqlite3* db : connections_) sqlite3_close_v2(db);
  }
  Helpers(const Helpers&) = delete;
  Helpers& operator=(const Helpers&) = delete;

  std::vector<Runner*> runners() const {
    std::vector<Runner*> out;
    for (const auto& runner : runners_) out.push_back(runner.get());
    return out;
  }

 private:
  std::vector<sqlite3*> connections_;
  std::vector<std::unique_ptr<Runner>> runners_;
};


// Runs the rules, each on one thread: the calling thread with `runner`, the others with the
// helpers (each prepares the rule again on its own connection). The findings of each rule are
// kept in the rule's order and put together in the order of `rules`, so that the result does not
// depend on which thread ran what; the first error by rule order is the one reported.
void run_in_parallel(Runner& runner, const std::vector<Runner*>& helpers,
                     const std::vector<const Runner::Compiled*>& rules, RunResult& result) {
  std::vector<std::vector<Finding>> findings(rules.size());
  std::vector<std::exception_ptr> errors(rules.size());
  std::atomic<std::size_t> next{0};
  auto work = [&](Runner& on, bool own) {
    for (std::size_t i; (i = next.fetch_add(1)) < rules.size();) {
      sqlite3_stmt* prepared = nullptr;
      try {
        PhaseTimer timer;
        if (!own) prepared = on.compile(*rules[i]->rule).statement;
        on.run(*rules[i], own ? rules[i]->statement : prepared, findings[i]);
        // Its sorters and buffers go now. The return code repeats the last step's, which run() judged.
        sqlite3_reset(own ? rules[i]->statement : prepared);
        timer.lap("rule " + rules[i]->rule->id);
      } catch (const std::bad_alloc&) {
        errors[i] = std::make_exception_ptr(Error(Diagnostic{
            .file = rules[i]->rule->sql_where.file, .line = rules[i]->rule->sql_where.line,
            .column = rules[i]->rule->sql_where.column, .message = out_of_memory_message("rule " + rules[i]->rule->id)}));
      } catch (...) {
        errors[i] = std::current_exception();
      }
      sqlite3_finalize(prepared);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < helpers.size() && t + 1 < rules.size(); ++t)
    threads.emplace_back([&, t] { work(*helpers[t], false); });
  work(runner, true);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
  // One list of the exact size, each rule's list freed (and its pages handed back) as soon as it is
  // moved: at national scale a list of findings is tens of megabytes before the strings they own,
  // and the list being filled is only paged in as it fills.
  std::size_t total = result.findings.size();
  for (const std::vector<Finding>& part : findings) total += part.size();
  result.findings.reserve(total);
  for (std::vector<Finding>& part : findings) {
    result.findings.insert(result.findings.end(), std::make_move_iterator(part.begin()),
                           std::make_move_iterator(part.end()));
    std::vector<Finding>().swap(part);
  }
}

}  // namespace

RunResult run_rules(Inventory& inventory, const Policy& policy, const RunOptions& options) {
  RunResult result;
  result.params = apply_overrides(policy, options.overrides);
  const std::vector<const Rule*> selected = select_rules(policy, options);

  // Filters name ids that must exist.
  struct FilterTable { std::string_view filter, table, key; };
  for (const FilterTable& f : {FilterTable{"org", "orgs", "org_id"}, FilterTable{"person", "people", "person_id"},
                               FilterTable{"group", "groups", "group_id"}}) {
    auto it = options.filters.find(std::string(f.filter));
    if (it == options.filters.end()) continue;
    if (!inventory.has(std::string(f.table)))
      throw Error(fmt::format("--{} needs the {} table; give it with --inventory or --table {}=PATH", f.filter, f.table, f.table));
    if (!row_exists(inventory.db(), std::string(f.table), std::string(f.key), it->second))
      throw Error(fmt::format("--{} {}: no such id in the {} table", f.filter, it->second, f.table));
  }

  // CHATAUDIT_STORE=sqlite: views and rules on a plain copy of the inventory, on this thread only.
  std::optional<SqliteTwin> twin;
  if (options.store == StoreKind::sqlite) twin.emplace(inventory.db().getHandle());
  Helpers helpers(inventory, twin ? 0 : worker_threads() - 1, policy, options, result.params);
  Runner runner(twin ? twin->db() : inventory.db().getHandle(), inventory.store(), policy, options, result.params);
  if (twin) runner.use_plain_tables();
  runner.set_partners(helpers.runners());
  std::set<const View*> needed;
  for (const Rule* rule : selected)
    for (const View* view : views_read(policy, *rule)) needed.insert(view);
  runner.materialize_views(needed);
  if (twin)
    for (const Rule* rule : selected) runner.index_lookups(rule->sql, "rule " + rule->id);
  // Every enabled rule must compile, not only this tool's: a broken policy is broken for all.
  std::vector<Runner::Compiled> compiled;
  struct Finalizer {
    std::vector<Runner::Compiled>& all;
    ~Finalizer() { for (auto& c : all) sqlite3_finalize(c.statement); }
  } finalizer{compiled};
  for (const Rule& rule : policy.rules)
    if (rule.enabled) compiled.push_back(runner.compile(rule));

  std::vector<const Runner::Compiled*> runnable;
  for (const Rule* rule : selected) {
    std::vector<std::string> missing;
    for (const std::string& table : tables_required(policy, *rule))
      if (!inventory.has(table)) missing.push_back(table);
    if (!missing.empty()) {
      std::string list;
      for (const std::string& table : missing) list += (list.empty() ? "" : ", ") + table;
      result.rules_skipped.push_back({rule->id, "missing table: " + list});
      continue;
    }
    runnable.push_back(&*std::find_if(compiled.begin(), compiled.end(),
                                      [&](const Runner::Compiled& c) { return c.rule == rule; }));
    result.rules_run.push_back(rule->id);
  }
  run_in_parallel(runner, helpers.runners(), runnable, result);
  // Filters: the org subtree, a person, a group.
  if (auto org = options.filters.find("org"); org != options.filters.end()) {
    const std::set<std::string> subtree = org_subtree(inventory.db(), org->second);
    std::erase_if(result.findings, [&](const Finding& f) { return !subtree.count(f.field("org_id")); });
  }
  if (auto person = options.filters.find("person"); person != options.filters.end()) {
    std::erase_if(result.findings, [&](const Finding& f) {
      return f.field("person_id") != person->second && f.field("from_person_id") != person->second &&
             f.field("to_person_id") != person->second;
    });
  }
  if (auto group = options.filters.find("group"); group != options.filters.end())
    std::erase_if(result.findings, [&](const Finding& f) { return f.field("group_id") != group->second; });

  sort_findings(result.findings, options.lang);
  return result;
}

}  // namespace chataudit
