#pragma once
// What a run covered (SPEC §2 "Scope"): every report states it, and the history matches runs by
// it, so that `--baseline last` of a per-org job compares with that org's last run, not another's.
#include <map>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace chataudit {

struct Scope {
  std::string tool, job, policy_id;
  /// `TABLE=PATH` for every table read, sorted: a regular file or directory as its real path,
  /// anything else (`-`, a pipe, a FIFO) as given.
  std::vector<std::string> inventory;
  std::string inventory_shown;  ///< the sources as given on the command line (for human readers)
  std::string org, person, group;
  std::vector<std::string> rules, skip_rules;  ///< sorted, duplicates removed
  std::map<std::string, std::string> set;      ///< --set overrides (and --due-within) as given
  std::string min_severity;                    ///< empty: not given

  /// The canonical text runs are matched by in the history: every field above but
  /// inventory_shown, as compact JSON with sorted keys.
  std::string key() const;
  /// SPEC §2's `scope` object as compact JSON: `inventory` always, the rest only when given.
  std::string json() const;
  /// One line for human readers ("Scope: …" / "范围：…"), without a line break.
  std::string line(Lang lang) const;
};

/// The path a scope names a table source by: a regular file or directory as its real path,
/// anything else as given.
std::string scope_path(const std::string& path);

}  // namespace chataudit
