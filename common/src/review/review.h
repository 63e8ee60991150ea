#pragma once
// After the rules, before rendering: waivers and the comparison with an earlier report.
#include <string>
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

/// Sets `change` on each finding ("new" or "persisting", matched by fingerprint) and returns the
/// baseline's findings that are gone now (neither found nor waived), in baseline order.
std::vector<PastFinding> apply_baseline(std::vector<Finding>& findings, const std::vector<WaivedFinding>& waived,
                                        const Baseline& baseline);

}  // namespace chataudit
