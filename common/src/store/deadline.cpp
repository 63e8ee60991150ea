#include "store/deadline.h"
#include "base/catalog.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace chataudit {

Deadline::Deadline(double seconds) : seconds_(seconds > 0 ? seconds : 0) {
  if (seconds_ > 0)
    end_ = std::chrono::steady_clock::now() +
           std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds_));
}

std::string Deadline::message(std::string_view what) const {
  return tr(
      "{}: stopped after {:g} seconds (--rule-timeout {:g}); a view, a rule or a read of a table may "
      "run that long at most: look for a recursive query that never ends, or give more time with "
      "--rule-timeout SECONDS",
      what, seconds_, seconds_);
}

namespace {

// Called by SQLite every kProgressSteps virtual machine instructions: a clock read costs tens of
// nanoseconds, the steps between two calls microseconds.
int past_deadline(void* deadline) { return static_cast<const Deadline*>(deadline)->passed() ? 1 : 0; }
constexpr int kProgressSteps = 10000;

}  // namespace

void Deadline::watch(sqlite3* db, const Deadline* deadline) {
  if (deadline)
    sqlite3_progress_handler(db, kProgressSteps, past_deadline, const_cast<Deadline*>(deadline));
  else
    sqlite3_progress_handler(db, 0, nullptr, nullptr);
}

std::string out_of_memory_message(std::string_view what) {
  return tr(
      "{}: out of memory; it needs more memory than this machine gives it (a query that makes rows "
      "without end, or an inventory too large for it)",
      what);
}

}  // namespace chataudit
