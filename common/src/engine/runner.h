#pragma once
// The engine's insides, shared by its files and seen by no other stage: the Runner (one SQLite
// connection that compiles and runs views and rules), the helper runners, and the small helpers.
#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "engine/engine.h"
#include "engine/view_storage.h"
#include "findings/finding_store.h"
#include "store/colstore.h"
#include "store/deadline.h"
#include "store/sql_sandbox.h"
#include "store/store_gates.h"

namespace chataudit::engine_internal {

// engine.cpp: the words of SQL texts.

/// `text` as a whole integer, or nothing.
std::optional<std::int64_t> parse_integer(std::string_view text);
/// Where `word` first occurs in `text` as a whole identifier; -1 when it does not.
int word_offset(std::string_view text, std::string_view word);
/// The views `sql` reads, directly or through other views (a view's name as a word in the SQL).
std::vector<const View*> views_read_by(const Policy& policy, const std::string& sql);

// statements.cpp: errors at their place in the policy file.

/// Where byte `offset` of a SQL text that starts at `start` lies in the policy file.
SourceRef position_in(const SourceRef& start, std::string_view sql, int offset);
/// Throws Error with `message` at `ref`.
[[noreturn]] void policy_error(const SourceRef& ref, const std::string& message);

// sql_functions.cpp

/// Registers the SQL functions the rules may call beyond SQLite's own (nfkc, remove_white_space).
void register_functions(sqlite3* db);

/// What a rule's result rows become, worked out once when the rule is compiled: at national scale
/// a rule returns hundreds of thousands of rows, and a name looked up per column per row costs
/// more than the row.
struct RowPlan {
  /// What a result column fills; `message` columns are read only for the message, `unused` ones not
  /// at all (a message-only column the report's language does not name, a repeated id column).
  enum class Role : std::uint8_t {
    unused,
    subject_kind,
    subject_id,
    subject_name,
    due_on,
    days_overdue,
    id,
    detail,
    message
  };
  /// A piece of the message in the report's language: literal text (parameters already filled in)
  /// when `column` < 0, else a column's value, masked under --redact as `mask` says.
  struct Piece {
    enum class Mask : std::uint8_t { none, handle, name };
    std::string text;
    int column = -1;
    Mask mask = Mask::none;
  };
  std::vector<Role> roles;     ///< one per result column
  std::vector<int> ids;        ///< the id columns present, in the order of kIdColumns
  std::vector<Piece> message;  ///< in order
  std::vector<Piece> context;  ///< the rule's context, in order (empty: none)
};

/// Makes a rule's findings: reads each result row into a record (the values the plan uses, each
/// once, the subject id first) while the rule runs, and a record into a Finding while the report
/// is written (FindingStore).
class RowMaker final : public FindingMaker {
 public:
  RowMaker(const Rule& rule, std::vector<std::string> columns, RowPlan plan, Lang lang, bool redact);
  const std::vector<std::string>& columns() const { return columns_; }
  /// What the records of one run of the rule last held, in its store: a long value equal to the
  /// one the record before held in the same column (a group's name, for each of its members) is
  /// written as a reference to it, not again; so is a value equal to one before it in the same
  /// record (a display name that is the subject's name).
  struct Recent {
    std::vector<std::string_view> last;  ///< per value of a record: its last written copy, in the store
    std::vector<std::pair<std::size_t, std::size_t>> written;  ///< per value: offset, size in the record just read
    std::vector<std::string_view> values;                      ///< the row just read (SQLite's buffers)
    /// The record just read went to `at` in the store.
    void landed(const char* at);
  };
  /// Reads `statement`'s current row into `record`; a bad due_on or days_overdue, or an empty
  /// subject, is an error at the rule's SQL.
  void read(sqlite3_stmt* statement, std::string& record, Recent& recent) const;
  Finding make(std::string_view record) const override;
  std::string_view subject_id(std::string_view record) const override;
  std::string message(std::string_view record) const override;

 private:
  /// The record's values, by result column (columns the record leaves out are empty).
  void unpack(std::string_view record, std::vector<std::string_view>& row) const;
  static std::string fill(const std::vector<RowPlan::Piece>& pieces, const std::vector<std::string_view>& row,
                          bool redact);
  /// Whether detail column `column` copies a field of the finding (left out of `details`).
  bool copies_field(const std::vector<std::string_view>& row, std::size_t column) const;

  const Rule& rule_;
  std::vector<std::string> columns_;
  RowPlan plan_;
  std::vector<std::size_t> kept_;  ///< the columns a record holds, in record order (the subject id first)
  Lang lang_;
  bool redact_;
};

/// One connection's share of the work: compiles views and rules against it (read-only, under the
/// authorizer, parameters bound by name), fills views into the column store and runs rules.
class Runner {
 public:
  Runner(sqlite3* db, ColumnStore& store, const Policy& policy, const RunOptions& options, std::vector<Param> params);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// The limit of the view or rule this runner works on (see --rule-timeout).
  Deadline deadline_;
  /// What the authorizer refused while this runner's last statement was prepared.
  SandboxLog sandbox_;
  void start_clock() { deadline_ = Deadline(options_.rule_timeout); }

  // statements.cpp: preparing, binding, the connection's catalog, the declared tables.
  sqlite3_stmt* prepare(const std::string& sql, const SourceRef& where, std::string_view what);
  std::vector<std::vector<std::string>> catalog(const std::string& sql,
                                                std::initializer_list<std::string_view> text = {}, int columns = 1);
  void check_declared(const std::vector<std::string>& declared, const std::string& sql, const SourceRef& where,
                      std::string_view what);
  std::vector<std::string> declared_tables(const View& view) const;
  std::vector<std::string> declared_tables(const Rule& rule) const;
  void explain(std::string_view what, const std::string& query, const SourceRef& where);
  void exec(const std::string& sql, const View& view);

  // views.cpp: materializing, merging and filling views.
  void materialize_views(const std::set<const View*>& needed, ViewStorage& storage);
  void materialize_in_store(const View& view, bool filled);
  bool merged(const View& view, int parameters);
  void create_plain_view(const View& view);
  void drop_earlier(const View& view);
  /// The runners (on connections of their own) that views are shared out to.
  void set_partners(std::vector<Runner*> partners) { partners_ = std::move(partners); }
  ColumnTable* fill(const View& view, const std::vector<std::string>& names, const std::vector<std::string>& types,
                    bool references);
  enum class Filled { part, not_a_part, references_broken };
  Filled fill_part(const View& view, ColumnTable& table, std::size_t index, std::size_t count, bool references);
  ColumnTable* fill_sharded(const View& view, const std::vector<std::string>& names,
                            const std::vector<std::string>& types, bool references, bool& broken);
  Statement narrowed_statement(const View& view, ColumnTable& table, bool note);
  std::optional<CompiledStatement> explain_view(const View& view, const std::string& sql);
  void bind_held(Statement& statement, const std::string& sql, const View& view);
  static void note_gate(const View& view, std::string_view shortcut, const Gate& gate);
  bool narrowed_ = false;  // whether this runner's last fill_part() read a narrowed statement

  // plain_views.cpp: views as ordinary tables on the plain-SQLite twin, and the indexes it needs.
  void materialize_plain(const View& view, bool filled);
  void index_lookups(const std::string& sql, std::string_view what);
  std::vector<std::string> plan_of(const std::string& sql);
  std::string table_named(const std::string& sql, const std::string& name);
  std::string merged_views_sql();
  std::string view_sql(const std::string& name);
  std::string schema_of(const std::string& table);
  bool has_columns(const std::string& table, const std::string& schema, const std::vector<std::string>& columns);

  // rules.cpp: compiling and running rules.
  struct Compiled {
    const Rule* rule;
    sqlite3_stmt* statement;
    std::shared_ptr<const RowMaker> maker;
  };
  Compiled compile(const Rule& rule);
  void run(const Compiled& compiled, sqlite3_stmt* statement, FindingStore& findings);

 private:
  // The scratch table that gives a view its columns' names and types.
  static constexpr std::string_view kShape = "chataudit_view_shape";

  void step_once(const std::string& sql, const View& view);
  void bind(sqlite3_stmt* statement, const std::string& sql, const SourceRef& where, std::string_view what);
  static void bind_text(sqlite3_stmt* statement, int index, const std::string& text);
  static void bind_value(sqlite3_stmt* statement, int index, const ParamValue& value);
  static std::string join(const std::vector<std::string>& names);
  static std::vector<std::string> placeholders(std::string_view text);

  // findings_from_rows.cpp: the plan of a rule's result rows.
  std::string param_text(const std::string& name) const;
  RowPlan::Role role_of(const std::vector<std::string>& columns, std::size_t column) const;
  RowPlan plan_rows(const Rule& rule, const std::vector<std::string>& columns) const;
  std::vector<RowPlan::Piece> plan_text(std::string_view text, const std::vector<std::string>& columns,
                                        RowPlan& plan) const;

  sqlite3* db_;
  ColumnStore& store_;
  std::vector<Runner*> partners_;
  const Policy& policy_;
  const RunOptions& options_;
  std::vector<Param> params_;
};

// rules.cpp: the helper runners, and the rules shared out among the runners.

/// The runners of the threads beyond the calling one, each on a connection of its own over the
/// inventory's column store, with the inventory's tables declared (the views are declared as the
/// engine makes them).
class Helpers {
 public:
  Helpers(Inventory& inventory, unsigned count, const Policy& policy, const RunOptions& options,
          const std::vector<Param>& params);
  ~Helpers();
  Helpers(const Helpers&) = delete;
  Helpers& operator=(const Helpers&) = delete;

  std::vector<Runner*> runners() const;

 private:
  std::vector<sqlite3*> connections_;
  std::vector<std::unique_ptr<Runner>> runners_;
};

/// Runs `rules` on the calling thread with `runner` and on the helpers' threads, taking them in the
/// order of `rules`. Each rule's findings go through `finish` (filtered and sorted, on the thread
/// that ran the rule), then to `sink` in the order of `rules`, as soon as every rule before it is
/// done: never two sink calls at a time. The first error by rule order (a rule's or the sink's)
/// is rethrown once every thread has stopped; after an error the sink is not called again.
void run_in_parallel(Runner& runner, const std::vector<Runner*>& helpers,
                     const std::vector<const Runner::Compiled*>& rules,
                     const std::function<void(FindingStore&)>& finish, const RuleSink& sink);

}  // namespace chataudit::engine_internal
