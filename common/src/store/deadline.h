#pragma once
// --rule-timeout: how long one view, rule or read of a SQLite inventory's table may run. SQLite's
// progress handler stops a statement past it; the engine's and the loader's own loops ask
// passed() every so many rows.
#include <chrono>
#include <string>
#include <string_view>

struct sqlite3;

namespace chataudit {

/// The default of --rule-timeout, in seconds.
inline constexpr double kDefaultRuleTimeout = 600;

/// A time limit that starts when it is made; a default-made one never passes.
class Deadline {
 public:
  Deadline() = default;
  /// `seconds` from now; 0 or less: never.
  explicit Deadline(double seconds);
  /// True once the limit has passed (always false for one that never passes).
  bool passed() const { return seconds_ > 0 && std::chrono::steady_clock::now() >= end_; }
  double seconds() const { return seconds_; }
  /// "WHAT: stopped after --rule-timeout N seconds …": the message for work that ran past it.
  std::string message(std::string_view what) const;

  /// Makes SQLite interrupt every statement on `db` once `*deadline` has passed (the pointer is
  /// read each time: assign the Deadline anew for each piece of work). nullptr: no more.
  static void watch(sqlite3* db, const Deadline* deadline);

 private:
  double seconds_ = 0;
  std::chrono::steady_clock::time_point end_{};
};

/// The message for running out of memory in WHAT (a rule, a view, a table's load).
std::string out_of_memory_message(std::string_view what);

}  // namespace chataudit
