#pragma once
// The rule engine: binds parameters, materializes views, runs each rule's SQL, builds findings.
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "chataudit/deadline.h"
#include "chataudit/inventory.h"
#include "chataudit/policy.h"
#include "chataudit/sqlite_twin.h"

namespace chataudit {

/// Name/value pairs kept in one buffer, each name and value after its length: a report at
/// national scale holds hundreds of thousands of findings, and a vector of string pairs costs 64
/// bytes a pair before the texts. Iterating yields pairs of views into the buffer.
class Fields {
 public:
  using value_type = std::pair<std::string_view, std::string_view>;
  class iterator {
   public:
    using value_type = Fields::value_type;
    using reference = value_type;
    using pointer = void;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;
    iterator() = default;
    explicit iterator(const char* at) : at_(at) {}
    value_type operator*() const;
    iterator& operator++();
    iterator operator++(int) {
      iterator before = *this;
      ++*this;
      return before;
    }
    bool operator==(const iterator&) const = default;

   private:
    const char* at_ = nullptr;
  };

  Fields() = default;
  Fields(std::initializer_list<value_type> pairs);
  /// Bytes a pair takes in the buffer (for reserve).
  static std::size_t bytes(std::string_view name, std::string_view value);
  void reserve(std::size_t bytes) { text_.reserve(bytes); }
  void add(std::string_view name, std::string_view value);
  iterator begin() const { return iterator(text_.data()); }
  iterator end() const { return iterator(text_.data() + text_.size()); }
  bool empty() const { return text_.empty(); }
  std::size_t size() const { return static_cast<std::size_t>(std::distance(begin(), end())); }
  /// The value of the first pair named `name`.
  std::optional<std::string_view> find(std::string_view name) const;
  bool operator==(const Fields&) const = default;

 private:
  std::string text_;
};

/// One violation.
struct Finding {
  std::string rule;
  Severity severity = Severity::error;
  std::string subject_kind, subject_id, subject_name;
  /// Ids the finding concerns, in SPEC order: org_id, dept_id, account_id, group_id, person_id,
  /// handle; plus responsible_id. Only non-empty ones are present.
  Fields ids;
  std::string due_on;                       ///< `YYYY-MM-DD` or empty
  std::optional<std::int64_t> days_overdue;
  Localized message;
  /// The message with the policy's personal columns masked; filled only with RunOptions::redact.
  Localized message_redacted;
  /// Every other non-NULL column the rule returned, in column order.
  Fields details;
  std::string fingerprint;
  /// With a baseline: "new" or "persisting"; empty otherwise.
  std::string change;

  /// The value of an id or detail column, or empty.
  std::string field(std::string_view name) const;
};

/// The fixed result columns a rule's SELECT may return to fill a finding.
inline constexpr std::string_view kIdColumns[] = {"org_id", "dept_id", "account_id", "group_id",
                                                  "person_id", "handle", "responsible_id",
                                                  "responsible_name"};

struct RunOptions {
  std::string tool;
  Date as_of;
  std::vector<std::string> only_rules;  ///< --rule; empty: all of the tool's rules
  std::vector<std::string> skip_rules;  ///< --skip-rule
  std::vector<std::pair<std::string, std::string>> overrides;  ///< --set NAME=VALUE, as typed
  std::map<std::string, std::string> filters;  ///< org, person, group → id
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

struct SkippedRule {
  std::string rule, reason;
};

struct RunResult {
  std::vector<Finding> findings;  ///< sorted: severity, rule, subject id bytes, message bytes
  std::vector<std::string> rules_run;
  std::vector<SkippedRule> rules_skipped;
  std::vector<Param> params;  ///< the parameters as bound (overrides applied)
};

/// The rules of `options.tool` after --rule/--skip-rule; throws Error for an unknown id.
std::vector<const Rule*> select_rules(const Policy& policy, const RunOptions& options);

/// The policy's parameters with --set overrides applied; throws Error for an unknown name or a
/// value of the wrong type.
std::vector<Param> apply_overrides(const Policy& policy,
                                   const std::vector<std::pair<std::string, std::string>>& overrides);

/// The views a rule reads, directly or through other views (a view's name as a word in the SQL).
std::vector<const View*> views_read(const Policy& policy, const Rule& rule);

/// The tables a rule needs supplied: its `requires` and those of the views it reads.
std::vector<std::string> tables_required(const Policy& policy, const Rule& rule);

/// The tables a rule reads when supplied (its `optional` and that of the views it reads), less
/// those it requires: an absent one reads as empty and never makes the rule skip.
std::vector<std::string> tables_optional(const Policy& policy, const Rule& rule);

/// The tables the selected rules (and the views they read) need or read when supplied.
std::set<std::string> tables_needed(const Policy& policy, const std::vector<const Rule*>& rules);

/// Compiles every view and selected rule against the inventory (reporting policy errors with their
/// position), then runs them. Throws Error.
RunResult run_rules(Inventory& inventory, const Policy& policy, const RunOptions& options);

/// Stable fingerprint of a finding: first 16 hex digits of SHA-256("rule\x1fkind\x1fid").
std::string fingerprint(std::string_view rule, std::string_view kind, std::string_view id);

/// Sorts findings into report order (SPEC): severity, rule id, subject id bytes, then the bytes of
/// the message in `lang`; ties keep their order.
void sort_findings(std::vector<Finding>& findings, Lang lang = Lang::en);

}  // namespace chataudit
