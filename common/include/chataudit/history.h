#pragma once
// --record DB: every run appended to a SQLite database, so "since the last run" needs no files.
#include <string>

#include "chataudit/report.h"
#include "chataudit/review.h"

namespace chataudit {

/// Appends the run (tool, as-of, policy id and digest, inventory digest, counts) and its findings
/// (and waived findings) to the history database at `path`, creating it (WAL mode) when missing,
/// in one transaction. Throws chataudit::Error naming the database.
void record_run(const std::string& path, const Report& report);

/// The findings of the latest recorded run of `tool` in the history database (an empty baseline
/// when there is none, or no database yet). Throws chataudit::Error when the file is not one.
Baseline last_recorded_run(const std::string& path, const std::string& tool);

}  // namespace chataudit
