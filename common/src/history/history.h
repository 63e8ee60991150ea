#pragma once
// --record DB: every run appended to a SQLite database, so "since the last run" needs no files.
// One database serves many jobs: runs are matched by their scope (scope.h).
#include <string>
#include <vector>

#include "policy/scope.h"
#include "report/report.h"
#include "review/review.h"

namespace chataudit {

/// Checks the history database at `path` before any work: a directory, a file that is not a
/// SQLite database, or a SQLite database that is not ours is refused; a database of the first
/// layout (chataudit up to 0.x, PRAGMA user_version 1) is migrated in place, in one transaction:
/// its runs count as delivered. A missing file is fine (record_run creates it).
/// Throws chataudit::Error naming the database.
void prepare_history(const std::string& path);

/// The baseline for `--baseline last`: the findings of the latest recorded run of the same scope
/// whose as-of is on or before `as_of`; with none, the latest migrated run of the same tool and
/// policy id; with none either, an empty baseline (every finding new). Each finding carries its
/// last delivery.
Baseline last_recorded_run(const std::string& path, const Scope& scope, const Date& as_of);

/// With a baseline from the history: a persisting finding whose responsible person differs from
/// the one it was last delivered to becomes `reassigned` (never for a delivery migrated from the
/// first layout); otherwise, with `remind_after_days` > 0, one last delivered that many days or
/// more before `as_of` becomes `reminder`.
void mark_redeliveries(std::vector<Finding>& findings, const Baseline& baseline, const Date& as_of,
                       int remind_after_days);

/// Appends the run and its findings to the history database at `path` (created, in WAL mode,
/// when missing) in one transaction: `report.result->findings` as delivered by this run,
/// `undelivered` (left out by --only-new or --min-severity) and the waived ones as not delivered;
/// each keeps its last delivery, taken from `baseline` when not delivered now.
/// Throws chataudit::Error naming the database.
void record_run(const std::string& path, const Report& report, const Scope& scope,
                const std::vector<Finding>& undelivered, const Baseline* baseline);

}  // namespace chataudit
