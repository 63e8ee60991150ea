#pragma once
// --record DB: every run appended to a SQLite database, so "since the last run" needs no files.
// One database serves many jobs: runs are matched by their scope (scope.h).
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policy/scope.h"
#include "report/report.h"
#include "review/review.h"

namespace SQLite {
class Database;
}

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

/// The trend before this run (SPEC §5): up to `earlier` latest recorded runs of the same scope
/// (the runs `--baseline last` chooses among) whose as-of is on or before `as_of`, oldest first,
/// with their findings by severity after waivers and before --only-new. Empty without a database.
/// Throws chataudit::Error naming the database.
std::vector<TrendPoint> recorded_trend(const std::string& path, const Scope& scope, const Date& as_of,
                                       std::size_t earlier = 11);

/// With a baseline from the history: a persisting finding whose responsible person differs from
/// the one it was last delivered to becomes `reassigned` (never for a delivery migrated from the
/// first layout); otherwise, with `remind_after_days` > 0, one last delivered that many days or
/// more before `as_of` becomes `reminder`.
void mark_redeliveries(std::vector<Finding>& findings, const Baseline& baseline, const Date& as_of,
                       int remind_after_days);

/// mark_redeliveries() with the baseline's index (for findings that come rule by rule).
void mark_redeliveries(std::vector<Finding>& findings, const BaselineMatcher& baseline, const Date& as_of,
                       int remind_after_days);
/// mark_redeliveries() for one finding.
void mark_redelivery(Finding& finding, const BaselineMatcher& baseline, const Date& as_of, int remind_after_days);

/// A run's findings for the history, added rule by rule while the rules run and kept in a private
/// temporary SQLite database (on disk, deleted when closed), so that recording a run of a million
/// findings holds none of them in memory. Each keeps its last delivery: this run when delivered,
/// else the one `baseline` (may be null) carried.
class HistoryRows {
 public:
  HistoryRows(const Date& as_of, Lang lang, const BaselineMatcher* baseline);
  ~HistoryRows();
  HistoryRows(const HistoryRows&) = delete;
  HistoryRows& operator=(const HistoryRows&) = delete;
  /// A finding this run delivers, leaves out (--only-new, --min-severity) or waives.
  enum class Kind { delivered = 0, undelivered = 1, waived = 2 };
  void add(const Finding& finding, Kind kind);
  /// Not waived: delivered and undelivered findings, by severity, and the new ones among them.
  std::int64_t findings() const { return findings_; }
  const std::array<std::int64_t, 3>& by_severity() const { return by_severity_; }
  std::int64_t fresh() const { return fresh_; }
  std::int64_t waived() const { return waived_; }
  /// Inserts every row into `history`'s findings table as run `run_id` (record_run's transaction):
  /// delivered, then undelivered, then waived, each in the order added.
  void copy_into(SQLite::Database& history, std::int64_t run_id);

 private:
  struct Store;
  std::unique_ptr<Store> store_;
  std::string as_of_;
  Lang lang_;
  const BaselineMatcher* baseline_;
  std::int64_t findings_ = 0, fresh_ = 0, waived_ = 0;
  std::array<std::int64_t, 3> by_severity_{};
};

/// Appends the run (its counts from `rows`, the resolved findings from `report.review`) and the
/// findings of `rows` — delivered, then undelivered, then waived, each in the order added — to the
/// history database at `path` (created, in WAL mode, when missing) in one transaction.
/// Throws chataudit::Error naming the database.
void record_run(const std::string& path, const Report& report, const Scope& scope, HistoryRows& rows);

/// Appends the run and its findings to the history database at `path` (created, in WAL mode,
/// when missing) in one transaction: `report.result->findings` as delivered by this run,
/// `undelivered` (left out by --only-new or --min-severity) and the waived ones as not delivered;
/// each keeps its last delivery, taken from `baseline` when not delivered now.
/// Throws chataudit::Error naming the database.
void record_run(const std::string& path, const Report& report, const Scope& scope,
                const std::vector<Finding>& undelivered, const Baseline* baseline);

}  // namespace chataudit
