#pragma once
// What the engine hands on: findings, the rules run and skipped, and what the inventory was. Review,
// the reports and the history read only this (and the policy), never SQLite or the column store.
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

namespace chataudit {

/// Appends `number` to `out` as unsigned LEB128 (one byte below 128): the lengths in Fields and in
/// the records of a FindingStore.
void put_leb128(std::string& out, std::size_t number);
/// The unsigned LEB128 number at `at`; moves `at` past it.
std::size_t take_leb128(const char*& at);

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
  std::string due_on;  ///< `YYYY-MM-DD` or empty
  std::optional<std::int64_t> days_overdue;
  Localized message;
  /// The message with the policy's personal columns masked; filled only with RunOptions::redact.
  Localized message_redacted;
  /// The rule's context (Rule::context), shown before the message where people read it; masked
  /// under RunOptions::redact. Empty when the rule has none.
  Localized context;
  /// Every other non-NULL column the rule returned, in column order.
  Fields details;
  std::string fingerprint;
  /// With a baseline: "new" or "persisting"; empty otherwise.
  std::string change;

  /// The value of an id or detail column, or empty.
  std::string field(std::string_view name) const;
};

/// The fixed result columns a rule's SELECT may return to fill a finding.
inline constexpr std::string_view kIdColumns[] = {"org_id",    "dept_id", "account_id",     "group_id",
                                                  "person_id", "handle",  "responsible_id", "responsible_name"};

struct SkippedRule {
  std::string rule, reason;
};

struct RunResult {
  std::vector<Finding> findings;  ///< sorted: severity, rule, subject id bytes, message bytes
  std::vector<std::string> rules_run;
  std::vector<SkippedRule> rules_skipped;
  std::vector<Param> params;  ///< the parameters as bound (overrides applied)
};

/// What was loaded for one table.
struct LoadedTable {
  std::string source;           ///< the file the rows came from (`-` for standard input)
  std::string digest;           ///< SHA-256 of the source's bytes (the whole file for SQLite sources)
  std::size_t rows_read = 0;    ///< data rows read (blank rows not counted)
  std::size_t rows_loaded = 0;  ///< rows inserted; equal to rows_read or the load failed
  /// Rows within --org/--person/--group (count_in_scope); rows_loaded when no filter narrows the table.
  std::optional<std::size_t> rows_in_scope;
  std::size_t in_scope() const { return rows_in_scope.value_or(rows_loaded); }
};

/// What a report says about the inventory: its sources, their digests and row counts.
struct InventorySummary {
  /// Human-readable description of the sources (e.g. `samples/jiusan-branch`).
  std::string source;
  /// SHA-256 over every loaded table's name and digest, in table order: what the audit saw.
  std::string digest;
  std::map<std::string, LoadedTable> tables;  ///< the tables supplied
};

/// Stable fingerprint of a finding: first 16 hex digits of SHA-256("rule\x1fkind\x1fid").
std::string fingerprint(std::string_view rule, std::string_view kind, std::string_view id);

/// Sorts findings into report order (SPEC): severity, rule id, subject id bytes, then the bytes of
/// the message in `lang`; ties keep their order.
void sort_findings(std::vector<Finding>& findings, Lang lang = Lang::en);

}  // namespace chataudit
