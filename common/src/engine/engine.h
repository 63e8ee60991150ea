#pragma once
// The rule engine: binds parameters, materializes views, runs each rule's SQL, builds findings.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "findings/finding_store.h"
#include "findings/findings.h"
#include "load/inventory.h"
#include "policy/policy.h"
#include "store/deadline.h"
#include "store/sqlite_twin.h"

namespace chataudit {

struct RunOptions {
  std::string tool;
  Date as_of;
  std::vector<std::string> only_rules;                         ///< --rule; empty: all of the tool's rules
  std::vector<std::string> skip_rules;                         ///< --skip-rule
  std::vector<std::pair<std::string, std::string>> overrides;  ///< --set NAME=VALUE, as typed
  std::map<std::string, std::string> filters;                  ///< org, person, group → id
  bool redact = false;  ///< also fill each Finding's message_redacted (--redact); else it stays empty
  /// The report's language: each Finding's message (and message_redacted) is filled in it only,
  /// and findings that tie on severity, rule and subject id are ordered by that message.
  Lang lang = Lang::en;
  /// --rule-timeout: the seconds each view and each rule may run (0: no limit).
  double rule_timeout = kDefaultRuleTimeout;
  /// CHATAUDIT_STORE: the column store, or the plain-SQLite twin (views as ordinary tables filled
  /// by plain SQL, rules on one thread), which must give the same findings.
  StoreKind store = StoreKind::columnar;
};

/// The rules of `options.tool` after --rule/--skip-rule; throws Error for an unknown id.
std::vector<const Rule*> select_rules(const Policy& policy, const RunOptions& options);

/// The policy's parameters with --set overrides applied; throws Error for an unknown name or a
/// value of the wrong type.
std::vector<Param> apply_overrides(const Policy& policy,
                                   const std::vector<std::pair<std::string, std::string>>& overrides);

/// `policy` with its rules' titles and remedies (both languages) taking their numbers from `params`:
/// each `{name}` of a parameter filled as messages fill it (param_words), so `--set grace_days=3`
/// changes "within {grace_days} days" wherever it is said.
void fill_params_in_texts(Policy& policy, const std::vector<Param>& params);

/// The views a rule reads, directly or through other views (a view's name as a word in the SQL).
std::vector<const View*> views_read(const Policy& policy, const Rule& rule);

/// The tables a rule needs supplied: its `requires` and those of the views it reads.
std::vector<std::string> tables_required(const Policy& policy, const Rule& rule);

/// The tables a rule reads when supplied (its `optional` and that of the views it reads), less
/// those it requires: an absent one reads as empty and never makes the rule skip.
std::vector<std::string> tables_optional(const Policy& policy, const Rule& rule);

/// The tables the selected rules (and the views they read) need or read when supplied.
std::set<std::string> tables_needed(const Policy& policy, const std::vector<const Rule*>& rules);

/// Counts each loaded table's rows within the filters of `options` (SPEC §5 summary.tables
/// in_scope) into its LoadedTable: with --org, the rows of the org's subtree (a member by its group,
/// a permission by its account, a succession by its group or account); with --person, that person's
/// rows (people, members, permissions, successions from or to them, groups and accounts they are
/// responsible for); with --group, the group and its members and successions. A table no given
/// filter narrows counts every row loaded.
void count_in_scope(Inventory& inventory, const RunOptions& options);

/// Receives each rule's findings (filtered by --org/--person/--group, sorted into report order) in
/// report order — severity, then rule id — one call per rule run, even with no findings, as soon
/// as that rule and every rule before it are done. Called on the rules' threads, never two calls
/// at a time; an exception it throws ends the run (run_rules rethrows it).
using RuleSink = std::function<void(const Rule& rule, FindingStore&& findings)>;

/// Compiles every view and selected rule against the inventory (reporting policy errors with their
/// position), then runs them, handing each rule's findings to `sink`; `findings` of the result
/// stays empty. Throws Error.
RunResult run_rules(Inventory& inventory, const Policy& policy, const RunOptions& options, const RuleSink& sink);

/// run_rules() keeping every finding, in report order, in the result's `findings`.
RunResult run_rules(Inventory& inventory, const Policy& policy, const RunOptions& options);

}  // namespace chataudit
