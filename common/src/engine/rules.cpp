// Rules: each compiled against the inventory (its columns and its message checked), then run on the
// calling thread and the helper runners' threads, their findings put together in the rules' order.
#include <fmt/format.h>
#include <sqlite3.h>

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <exception>
#include <iterator>
#include <mutex>

#include "base/catalog.h"
#include "base/error.h"
#include "base/parallel.h"
#include "base/timing.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

Runner::Compiled Runner::compile(const Rule& rule) {
  sqlite3_stmt* statement = prepare(rule.sql, rule.sql_where, tr("rule {}", rule.id));
  try {
    check_declared(declared_tables(rule), rule.sql, rule.sql_where, tr("rule {}", rule.id));
  } catch (...) {
    sqlite3_finalize(statement);
    throw;
  }
  std::vector<std::string> columns;
  for (int i = 0; i < sqlite3_column_count(statement); ++i) columns.emplace_back(sqlite3_column_name(statement, i));
  auto has = [&](std::string_view name) { return std::find(columns.begin(), columns.end(), name) != columns.end(); };
  for (std::string_view required : {"subject_kind", "subject_id"})
    if (!has(required)) {
      sqlite3_finalize(statement);
      policy_error(rule.sql_where, tr("rule {}: the SELECT must return a column named {}", rule.id, required));
    }
  const std::pair<const Localized*, const SourceRef*> texts[] = {{&rule.message, &rule.message_where},
                                                                 {&rule.context, &rule.context_where}};
  for (const auto& [localized, where] : texts)
    for (const std::string* text : {&localized->zh, &localized->en})
      for (const std::string& name : placeholders(*text)) {
        if (has(name) || name == "as_of" || param_placeholder(name, params_, Lang::en)) continue;
        sqlite3_finalize(statement);
        policy_error(*where, tr("rule {}: the {} names {{{}}}, which the SQL does not return; it returns {}", rule.id,
                                localized == &rule.message ? "message" : "context", name, join(columns)));
      }
  RowPlan plan = plan_rows(rule, columns);
  return Compiled{
      &rule, statement,
      std::make_shared<const RowMaker>(rule, std::move(columns), std::move(plan), options_.lang, options_.redact)};
}

// Runs `compiled`'s rule with `statement` (the compiled statement, or the same rule prepared on
// this runner's connection).
void Runner::run(const Compiled& compiled, sqlite3_stmt* statement, FindingStore& findings) {
  explain(tr("rule {}", compiled.rule->id), compiled.rule->sql, compiled.rule->sql_where);
  start_clock();
  clock_was_read();
  const std::string what = tr("rule {}", compiled.rule->id);
  int rc;
  bool late = false;
  std::string record;
  RowMaker::Recent recent;
  try {
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) {
      compiled.maker->read(statement, record, recent);
      recent.landed(findings.append(record));
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
    policy_error(compiled.rule->sql_where, tr("rule {}: {}", compiled.rule->id, sqlite3_errmsg(db_)));
}

std::string Runner::join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::vector<std::string> Runner::placeholders(std::string_view text) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    if (text[i] != '{') continue;
    const std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) break;
    names.emplace_back(text.substr(i + 1, close - i - 1));
    i = close;
  }
  return names;
}

Helpers::Helpers(Inventory& inventory, unsigned count, const Policy& policy, const RunOptions& options,
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
    if (rc != SQLITE_OK) throw Error(tr("cannot open an SQLite connection: {}", sqlite3_errmsg(db)));
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, nullptr) != SQLITE_OK ||
        sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr) != SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA temp.cache_size = -131072", nullptr, nullptr, nullptr) != SQLITE_OK)
      throw Error(tr("cannot configure an SQLite connection: {}", sqlite3_errmsg(db)));
    inventory.store().register_with(db);
    for (const std::string& sql : tables)
      if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
        throw Error(tr("cannot declare a table on an SQLite connection: {}", sqlite3_errmsg(db)));
    runners_.push_back(std::make_unique<Runner>(db, inventory.store(), policy, options, params));
  }
}

Helpers::~Helpers() {
  runners_.clear();
  for (sqlite3* db : connections_) sqlite3_close_v2(db);
}

std::vector<Runner*> Helpers::runners() const {
  std::vector<Runner*> out;
  for (const auto& runner : runners_) out.push_back(runner.get());
  return out;
}

namespace {

// Hands each rule's findings to the sink in the order of the rules, whichever thread finished
// which rule: a rule done early waits (its findings kept) for those before it. One thread at a
// time delivers, outside the lock, so that the other keeps running rules meanwhile.
class InOrder {
 public:
  InOrder(std::size_t rules, const RuleSink& sink, const std::vector<const Runner::Compiled*>& compiled)
      : findings_(rules), done_(rules, false), errors_(rules), sink_(sink), compiled_(compiled) {}

  // Rule `i` is done, with its findings or its error; delivers what is ready, unless another
  // thread is delivering (it then delivers these too).
  void done(std::size_t i, FindingStore&& findings, std::exception_ptr error) {
    std::unique_lock lock(mutex_);
    findings_[i] = std::move(findings);
    errors_[i] = error;
    done_[i] = true;
    if (error) stop_ = true;
    if (delivering_) return;
    delivering_ = true;
    while (next_ < done_.size() && done_[next_]) {
      const std::size_t turn = next_++;
      if (errors_[turn] || failed_) {
        failed_ = true;
        findings_[turn] = FindingStore();
        continue;
      }
      FindingStore ready = std::move(findings_[turn]);
      lock.unlock();
      std::exception_ptr sink_error;
      try {
        sink_(*compiled_[turn]->rule, std::move(ready));
      } catch (...) {
        sink_error = std::current_exception();
      }
      lock.lock();
      if (sink_error) {
        errors_[turn] = sink_error;
        failed_ = stop_ = true;
      }
    }
    delivering_ = false;
  }

  // Whether a rule or the sink failed: no rule is started after that (the run has failed).
  bool stopped() {
    std::lock_guard lock(mutex_);
    return stop_;
  }

  // The first error by rule order, once every rule is done.
  void rethrow_first() const {
    for (const std::exception_ptr& error : errors_)
      if (error) std::rethrow_exception(error);
  }

 private:
  std::mutex mutex_;
  std::vector<FindingStore> findings_;
  std::vector<bool> done_;
  std::vector<std::exception_ptr> errors_;
  std::size_t next_ = 0;
  bool delivering_ = false, failed_ = false, stop_ = false;
  const RuleSink& sink_;
  const std::vector<const Runner::Compiled*>& compiled_;
};

std::exception_ptr out_of_memory_error(const Rule& rule) {
  return std::make_exception_ptr(Error(Diagnostic{.file = rule.sql_where.file,
                                                  .line = rule.sql_where.line,
                                                  .column = rule.sql_where.column,
                                                  .message = out_of_memory_message(tr("rule {}", rule.id))}));
}

}  // namespace

// Runs the rules, each on one thread: the calling thread with `runner`, the others with the
// helpers (each prepares the rule again on its own connection). What the sink receives does not
// depend on which thread ran what; the first error by rule order is the one reported.
void run_in_parallel(Runner& runner, const std::vector<Runner*>& helpers,
                     const std::vector<const Runner::Compiled*>& rules,
                     const std::function<void(FindingStore&)>& finish, const RuleSink& sink) {
  InOrder in_order(rules.size(), sink, rules);
  std::atomic<std::size_t> next{0};
  auto work = [&](Runner& on, bool own) {
    for (std::size_t i; !in_order.stopped() && (i = next.fetch_add(1)) < rules.size();) {
      sqlite3_stmt* prepared = nullptr;
      FindingStore findings(rules[i]->maker.get());
      std::exception_ptr error;
      try {
        PhaseTimer timer;
        if (!own) prepared = on.compile(*rules[i]->rule).statement;
        on.run(*rules[i], own ? rules[i]->statement : prepared, findings);
        // Its sorters and buffers go now. The return code repeats the last step's, which run() judged.
        sqlite3_reset(own ? rules[i]->statement : prepared);
        finish(findings);
        timer.lap("rule " + rules[i]->rule->id);
      } catch (const std::bad_alloc&) {
        error = out_of_memory_error(*rules[i]->rule);
      } catch (...) {
        error = std::current_exception();
      }
      sqlite3_finalize(prepared);
      if (error) findings = FindingStore();
      in_order.done(i, std::move(findings), error);
    }
  };
  // Job 0, on the calling thread, runs the compiled statements with `runner`; job t > 0 works with
  // helper t - 1, and no more helpers work than there are rules beyond the first.
  const std::size_t jobs = 1 + std::min(helpers.size(), rules.empty() ? 0 : rules.size() - 1);
  run_parallel(jobs, [&](std::size_t t) {
    if (t == 0)
      work(runner, true);
    else
      work(*helpers[t - 1], false);
  });
  assert(next.load() >= rules.size() || in_order.stopped());  // every rule was taken, or the run failed
  in_order.rethrow_first();
}

}  // namespace chataudit::engine_internal
