#pragma once
// Phase timings for profiling: with CHATAUDIT_TIMINGS set in the environment, each phase of a run
// (loading a table, a view, a rule, rendering) prints its wall time to standard error. Off by
// default; never part of a report.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace chataudit {

class PhaseTimer {
 public:
  PhaseTimer() : start_(std::chrono::steady_clock::now()) {}
  /// Prints "timing: WHAT SECONDS" when CHATAUDIT_TIMINGS is set, and restarts the clock.
  void lap(std::string_view what) {
    const auto now = std::chrono::steady_clock::now();
    if (enabled()) {
      const double seconds = std::chrono::duration<double>(now - start_).count();
      std::fprintf(stderr, "timing: %-40.*s %8.3f s\n", static_cast<int>(what.size()), what.data(), seconds);
    }
    start_ = now;
  }
  static bool enabled() {
    static const bool on = std::getenv("CHATAUDIT_TIMINGS") != nullptr;
    return on;
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace chataudit
