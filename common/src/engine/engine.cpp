// The engine: the only place SQL from the policy meets the inventory. Parameters are bound by
// name, rules run read-only under an authorizer, and rows become findings. This file selects the
// rules, applies --set, tells the tables and views a rule reads, and runs the rules (run_rules).
#include "engine/engine.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <set>

#include "base/catalog.h"
#include "base/error.h"
#include "base/parallel.h"
#include "base/text.h"
#include "engine/runner.h"
#include "store/sqlite_twin.h"

namespace chataudit {

std::vector<const Rule*> select_rules(const Policy& policy, const RunOptions& options) {
  auto check_known = [&](const std::string& id, std::string_view flag) {
    const Rule* rule = policy.find_rule(id);
    if (!rule) throw Error(tr("{} {}: no such rule in policy {} (see --list-rules)", flag, id, policy.id));
    if (rule->tool != options.tool)
      throw Error(tr("{} {}: the rule belongs to {}, not {}", flag, id, rule->tool, options.tool));
    if (!rule->enabled) throw Error(tr("{} {}: the rule is disabled in policy {}", flag, id, policy.id));
  };
  for (const std::string& id : options.only_rules) check_known(id, "--rule");
  for (const std::string& id : options.skip_rules) check_known(id, "--skip-rule");
  std::vector<const Rule*> selected;
  for (const Rule& rule : policy.rules) {
    if (rule.tool != options.tool || !rule.enabled) continue;
    const bool named =
        std::find(options.only_rules.begin(), options.only_rules.end(), rule.id) != options.only_rules.end();
    if (!options.only_rules.empty() && !named) continue;
    if (std::find(options.skip_rules.begin(), options.skip_rules.end(), rule.id) != options.skip_rules.end()) continue;
    if (!rule.only_with.empty() && !options.filters.count(rule.only_with)) {
      if (named) throw Error(tr("--rule {}: the rule runs only with --{} ID", rule.id, rule.only_with));
      continue;
    }
    selected.push_back(&rule);
  }
  return selected;
}

namespace engine_internal {

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace engine_internal

using namespace engine_internal;

void fill_params_in_texts(Policy& policy, const std::vector<Param>& params) {
  for (Rule& rule : policy.rules)
    for (Localized* text : {&rule.title, &rule.remedy}) {
      text->zh = fill_params(text->zh, params, Lang::zh);
      text->en = fill_params(text->en, params, Lang::en);
    }
}

std::vector<Param> apply_overrides(const Policy& policy,
                                   const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::vector<Param> params = policy.params;
  for (const auto& [name, text] : overrides) {
    // An init-capture: clang 14 (the fuzz build) cannot capture a structured binding directly.
    auto it = std::find_if(params.begin(), params.end(), [&name = name](const Param& p) { return p.name == name; });
    if (it == params.end()) {
      std::string names;
      for (const Param& param : params) names += (names.empty() ? "" : ", ") + param.name;
      throw Error(tr("--set {}: no such parameter; the policy's parameters are {}", name, names));
    }
    ParamValue value;
    bool ok = true;
    switch (it->value.index()) {
      case 0:
        if (auto number = parse_integer(text))
          value = *number;
        else
          ok = false;
        break;
      case 1: {
        double number = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        ok = error == std::errc() && end == text.data() + text.size();
        value = number;
        break;
      }
      case 2:
        if (text == "true" || text == "false")
          value = text == "true";
        else
          ok = false;
        break;
      case 3:
        value = text;
        break;
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
    if (!ok)
      throw Error(tr("--set {}={}: expected {}", name, text,
                     it->value.index() == 4 ? std::string(tr("a comma-separated list")) : type_name(it->value)));
    if (const std::string problem = param_value_problem(*it, value); !problem.empty())
      throw Error(tr("--set {}={}: {}, as policy {} declares for {}", name, text, problem, policy.id, name));
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

}  // namespace

namespace engine_internal {

// Where `word` first occurs in `text` as a whole identifier; -1 when it does not.
int word_offset(std::string_view text, std::string_view word) {
  for (std::size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    const bool starts = at == 0 || !identifier_char(text[at - 1]);
    const bool ends = at + word.size() == text.size() || !identifier_char(text[at + word.size()]);
    if (starts && ends) return static_cast<int>(at);
  }
  return -1;
}

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

}  // namespace engine_internal

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

// --org (the org and every org below it), --person, --group: which findings a run keeps.
class FindingFilter {
 public:
  FindingFilter(Inventory& inventory, const RunOptions& options) {
    if (auto org = options.filters.find("org"); org != options.filters.end())
      subtree_ = org_subtree(inventory.db(), org->second);
    if (auto person = options.filters.find("person"); person != options.filters.end()) person_ = person->second;
    if (auto group = options.filters.find("group"); group != options.filters.end()) group_ = group->second;
  }
  void apply(FindingStore& findings) const {
    if (!subtree_ && !person_ && !group_) return;
    findings.keep_if([&](const Finding& f) {
      if (subtree_ && !subtree_->count(f.field("org_id"))) return false;
      if (person_ && f.field("person_id") != *person_ && f.field("from_person_id") != *person_ &&
          f.field("to_person_id") != *person_)
        return false;
      return !group_ || f.field("group_id") == *group_;
    });
  }

 private:
  std::optional<std::set<std::string>> subtree_;
  std::optional<std::string> person_, group_;
};

// The condition on `table`'s rows for one filter, or empty when the filter does not narrow it.
// `:org`, `:person`, `:group` are bound; `in_subtree(x)` is spelled out with the recursive CTE.
std::string scope_condition(const std::string& filter, const std::string& table) {
  static const std::map<std::string, std::map<std::string, std::string>> conditions = {
      {"org",
       {{"orgs", "org_id IN subtree"},
        {"depts", "org_id IN subtree"},
        {"people", "org_id IN subtree"},
        {"accounts", "org_id IN subtree"},
        {"groups", "org_id IN subtree"},
        {"members", "group_id IN (SELECT group_id FROM groups WHERE org_id IN subtree)"},
        {"permissions", "account_id IN (SELECT account_id FROM accounts WHERE org_id IN subtree)"},
        {"successions",
         "(kind = 'group' AND object_id IN (SELECT group_id FROM groups WHERE org_id IN subtree)) OR "
         "(kind = 'account' AND object_id IN (SELECT account_id FROM accounts WHERE org_id IN subtree))"}}},
      {"person",
       {{"people", "person_id = :person"},
        {"members", "person_id = :person"},
        {"permissions", "person_id = :person"},
        {"successions", "from_person_id = :person OR to_person_id = :person"},
        {"groups", "owner_id = :person"},
        {"accounts", "owner_id = :person"}}},
      {"group",
       {{"groups", "group_id = :group"},
        {"members", "group_id = :group"},
        {"successions", "kind = 'group' AND object_id = :group"}}}};
  auto of_filter = conditions.find(filter);
  if (of_filter == conditions.end()) return "";
  auto of_table = of_filter->second.find(table);
  return of_table == of_filter->second.end() ? "" : "(" + of_table->second + ")";
}

// The tables a condition reads besides its own.
bool reads_only_loaded(const Inventory& inventory, const std::string& condition) {
  for (const char* other : {"groups", "accounts"})
    if (condition.find(std::string("FROM ") + other) != std::string::npos && !inventory.has(other)) return false;
  return true;
}

}  // namespace

void count_in_scope(Inventory& inventory, const RunOptions& options) {
  std::vector<std::string> tables;
  for (const auto& [table, loaded] : inventory.loaded()) tables.push_back(table);
  for (const std::string& table : tables) {
    LoadedTable& loaded = inventory.record(table);
    loaded.rows_in_scope = loaded.rows_loaded;
    std::string where;
    for (const auto& [filter, id] : options.filters) {
      const std::string condition = scope_condition(filter, table);
      if (condition.empty()) continue;
      // A filter on a table it relates to only through one not loaded: every row counts.
      if (!reads_only_loaded(inventory, condition) || (filter == "org" && !inventory.has("orgs"))) continue;
      where += (where.empty() ? "" : " AND ") + condition;
    }
    if (where.empty()) continue;
    std::string sql = fmt::format("SELECT count(*) FROM \"{}\" WHERE {}", table, where);
    if (sql.find("subtree") != std::string::npos)
      sql =
          "WITH RECURSIVE subtree(id) AS (SELECT :org UNION SELECT o.org_id FROM orgs o JOIN subtree s "
          "ON o.parent_id = s.id) " +
          sql;
    SQLite::Statement count(inventory.db(), sql);
    for (const auto& [filter, id] : options.filters)
      if (sql.find(":" + filter) != std::string::npos) count.bind(":" + filter, id);
    if (count.executeStep()) loaded.rows_in_scope = static_cast<std::size_t>(count.getColumn(0).getInt64());
  }
}

RunResult run_rules(Inventory& inventory, const Policy& policy, const RunOptions& options, const RuleSink& sink) {
  RunResult result;
  result.params = apply_overrides(policy, options.overrides);
  const std::vector<const Rule*> selected = select_rules(policy, options);

  // Filters name ids that must exist.
  struct FilterTable {
    std::string_view filter, table, key;
  };
  for (const FilterTable& f : {FilterTable{"org", "orgs", "org_id"}, FilterTable{"person", "people", "person_id"},
                               FilterTable{"group", "groups", "group_id"}}) {
    auto it = options.filters.find(std::string(f.filter));
    if (it == options.filters.end()) continue;
    if (!inventory.has(std::string(f.table)))
      throw Error(
          tr("--{} needs the {} table; give it with --inventory or --table {}=PATH", f.filter, f.table, f.table));
    if (!row_exists(inventory.db(), std::string(f.table), std::string(f.key), it->second))
      throw Error(tr("--{} {}: no such id in the {} table", f.filter, it->second, f.table));
  }

  // CHATAUDIT_STORE=sqlite: views and rules on a plain copy of the inventory, on this thread only.
  std::optional<SqliteTwin> twin;
  if (options.store == StoreKind::sqlite) twin.emplace(inventory.db().getHandle());
  Helpers helpers(inventory, twin ? 0 : worker_threads() - 1, policy, options, result.params);
  Runner runner(twin ? twin->db() : inventory.db().getHandle(), inventory.store(), policy, options, result.params);
  ColumnarViews columnar;
  TwinViews plain;
  ViewStorage& storage = twin ? static_cast<ViewStorage&>(plain) : columnar;
  runner.set_partners(helpers.runners());
  std::set<const View*> needed;
  for (const Rule* rule : selected)
    for (const View* view : views_read(policy, *rule)) needed.insert(view);
  runner.materialize_views(needed, storage);
  for (const Rule* rule : selected) storage.prepare_for(runner, *rule);
  // Every enabled rule must compile, not only this tool's: a broken policy is broken for all.
  std::vector<Runner::Compiled> compiled;
  struct Finalizer {
    std::vector<Runner::Compiled>& all;
    ~Finalizer() {
      for (auto& c : all) sqlite3_finalize(c.statement);
    }
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
    runnable.push_back(
        &*std::find_if(compiled.begin(), compiled.end(), [&](const Runner::Compiled& c) { return c.rule == rule; }));
    result.rules_run.push_back(rule->id);
  }
  // Report order: the sink gets the rules' findings in it, and they are taken to run in it, so
  // that few finished rules wait for an earlier one.
  std::stable_sort(runnable.begin(), runnable.end(), [](const Runner::Compiled* a, const Runner::Compiled* b) {
    return std::pair(a->rule->severity, std::string_view(a->rule->id)) <
           std::pair(b->rule->severity, std::string_view(b->rule->id));
  });
  const FindingFilter filter(inventory, options);
  run_in_parallel(
      runner, helpers.runners(), runnable,
      [&](FindingStore& findings) {
        filter.apply(findings);
        findings.sort();
        findings.shrink_to_fit();  // while it waits for the rules before it, and is written
      },
      sink);
  return result;
}

RunResult run_rules(Inventory& inventory, const Policy& policy, const RunOptions& options) {
  std::vector<Finding> all;
  RunResult result = run_rules(inventory, policy, options, [&](const Rule&, FindingStore&& findings) {
    for (std::size_t i = 0; i < findings.size(); ++i) all.push_back(findings.at(i));
  });
  result.findings = std::move(all);
  return result;
}

}  // namespace chataudit
