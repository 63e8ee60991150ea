#pragma once
// Phase timings for profiling: with CHATAUDIT_TIMINGS set in the environment, each phase of a run
// (loading a table, a view, a rule, rendering) prints its wall time to standard error, and a
// second line with the process's resident memory then and its peak so far. The CPU time the whole
// process spent meanwhile (all threads) follows the wall time: twice the wall time is both cores busy.
// Then the part of it spent in the kernel, and the page faults taken (on a virtual machine each
// fault of a 4 KiB page can cost microseconds). Off by default; never part of a report.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <sys/resource.h>

namespace chataudit {

class PhaseTimer {
 public:
  PhaseTimer() : start_(std::chrono::steady_clock::now()), cpu_start_(cpu()) {}
  /// Prints "timing: WHAT SECONDS" when CHATAUDIT_TIMINGS is set, and restarts the clock.
  void lap(std::string_view what) {
    const auto now = std::chrono::steady_clock::now();
    if (enabled()) {
      const double seconds = std::chrono::duration<double>(now - start_).count();
      const Cpu spent = cpu();
      std::fprintf(stderr, "timing: %-40.*s %8.3f s, cpu %.3f s, sys %.3f s, %ld faults\n",
                   static_cast<int>(what.size()), what.data(), seconds, spent.total - cpu_start_.total,
                   spent.system - cpu_start_.system, spent.faults - cpu_start_.faults);
      cpu_start_ = spent;
      std::fprintf(stderr, "memory: %-40.*s %8ld MiB now, %ld MiB peak\n", static_cast<int>(what.size()), what.data(),
                   status_kib("VmRSS:") / 1024, status_kib("VmHWM:") / 1024);
    }
    start_ = now;
  }
  static bool enabled() {
    static const bool on = std::getenv("CHATAUDIT_TIMINGS") != nullptr;
    return on;
  }

 private:
  struct Cpu {
    double total = 0, system = 0;  // seconds
    long faults = 0;               // minor and major page faults
  };
  // User and system time of the process so far, all threads, and its page faults.
  static Cpu cpu() {
    if (!enabled()) return {};
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    const auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return Cpu{seconds(usage.ru_utime) + seconds(usage.ru_stime), seconds(usage.ru_stime),
               usage.ru_minflt + usage.ru_majflt};
  }

  // A "NAME: N kB" line of /proc/self/status, or 0.
  static long status_kib(const char* name) {
    std::FILE* status = std::fopen("/proc/self/status", "r");
    if (!status) return 0;
    char line[256];
    long kib = 0;
    const std::size_t length = std::strlen(name);
    while (std::fgets(line, sizeof line, status))
      if (std::strncmp(line, name, length) == 0) kib = std::strtol(line + length, nullptr, 10);
    std::fclose(status);
    return kib;
  }

  std::chrono::steady_clock::time_point start_;
  Cpu cpu_start_;
};

}  // namespace chataudit
