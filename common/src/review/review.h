#pragma once
// After the rules, before rendering: waivers and the comparison with an earlier report.
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "findings/findings.h"

namespace chataudit {

/// An approved exception: this rule's finding on this subject does not count until `expires`.
struct Waiver {
  std::string rule;
  std::string subject;  ///< the finding's subject.id
  std::string reason, approved_by;
  Date expires;     ///< the waiver stops waiving at the start of this day
  SourceRef where;  ///< the [[waiver]] table in the waiver file
};

struct WaivedFinding {
  Finding finding;
  Waiver waiver;
};

/// Loads a waiver file: `[[waiver]]` tables with rule, subject, reason, approved_by and expires (a
/// TOML date or a date string in any accepted spelling), all required, no other key.
/// Throws chataudit::Error with FILE:LINE:COLUMN.
/// A date-time `expires` ("2027-01-06T01:00+08:00", or a TOML date-time) is taken as its date in
/// `zone`, the policy's time zone, as dates in the inventory are.
std::vector<Waiver> load_waivers(const std::string& path, const TimeZone& zone = TimeZone::utc());

struct WaiverOutcome {
  std::vector<WaivedFinding> waived;  ///< in the order of the findings they waive
  std::vector<Waiver> expired;        ///< expires on or before the as-of date: waives nothing
  std::vector<Waiver> unused;         ///< not expired, matched no finding
};

/// Moves every finding matched (rule and subject id) by an unexpired waiver out of `findings`.
WaiverOutcome apply_waivers(std::vector<Finding>& findings, const std::vector<Waiver>& waivers, const Date& as_of);

/// apply_waivers() for findings that come rule by rule: take() for each batch, then the waivers
/// that expired or matched nothing.
class WaiverMatcher {
 public:
  /// `waivers` must outlive the matcher.
  WaiverMatcher(const std::vector<Waiver>& waivers, const Date& as_of);
  /// Moves the findings an unexpired waiver matches out of `findings` (the others keep their order).
  std::vector<WaivedFinding> take(std::vector<Finding>& findings);
  /// Whether an unexpired waiver may match a finding.
  bool any() const { return !active_.empty(); }
  /// The unexpired waiver that matches `finding` (noted as used), or null.
  const Waiver* match(const Finding& finding);
  /// Expired on or before the as-of date: waive nothing.
  std::vector<Waiver> expired() const;
  /// Not expired, and matched no finding taken so far.
  std::vector<Waiver> unused() const;

 private:
  const std::vector<Waiver>& waivers_;
  Date as_of_;
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> active_;  ///< (rule, subject) → index
  std::vector<bool> used_;
};

/// A finding as an earlier run reported it.
struct PastFinding {
  std::string rule, severity, subject_kind, subject_id, subject_name, message, fingerprint;
  // From the history only (a baseline file has none): the finding's last delivery in this scope.
  std::string delivered_on;         ///< its as-of date (`YYYY-MM-DD`); empty: never delivered
  std::string delivered_to;         ///< who had to act then (empty: no one)
  bool delivered_to_known = false;  ///< false for runs migrated from the first layout
};

struct Baseline {
  std::string source;  ///< the file (or history database) it came from
  std::vector<PastFinding> findings;
};

/// Reads the `findings` of a JSON report written by `--format json` of the same tool.
/// Throws chataudit::Error (unreadable, not a report, another tool's report).
Baseline load_baseline(const std::string& path, const std::string& tool);

/// The comparison with a baseline for findings that come rule by rule: mark() each batch (and
/// seen() the waived ones), then resolved().
class BaselineMatcher {
 public:
  /// `baseline` must outlive the matcher.
  explicit BaselineMatcher(const Baseline& baseline);
  /// Sets `change` on each finding: "persisting" when the baseline has its fingerprint, else "new".
  void mark(std::vector<Finding>& findings);
  void mark(Finding& finding);
  /// A waived finding is still there, only excused: it is not resolved.
  void seen(const std::vector<WaivedFinding>& waived);
  void seen(const Finding& waived);
  /// The baseline's finding with `fingerprint`, or null.
  const PastFinding* past(std::string_view fingerprint) const;
  /// The baseline's findings neither marked nor seen, in baseline order.
  std::vector<PastFinding> resolved() const;
  const Baseline& baseline() const { return baseline_; }

 private:
  const Baseline& baseline_;
  std::unordered_map<std::string_view, std::size_t> index_;  ///< fingerprint → first such finding
  std::vector<bool> now_;                                    ///< per baseline finding: found now
};

/// Sets `change` on each finding ("new" or "persisting", matched by fingerprint) and returns the
/// baseline's findings that are gone now (neither found nor waived), in baseline order.
std::vector<PastFinding> apply_baseline(std::vector<Finding>& findings, const std::vector<WaivedFinding>& waived,
                                        const Baseline& baseline);

}  // namespace chataudit
