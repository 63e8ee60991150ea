#include "base/parallel.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>
#include <vector>

namespace chataudit {

unsigned worker_threads() {
  unsigned threads = std::min(2u, std::max(1u, std::thread::hardware_concurrency()));
  if (const char* text = std::getenv("CHATAUDIT_THREADS")) {
    unsigned wanted = 0;
    const auto [end, error] = std::from_chars(text, text + std::strlen(text), wanted);
    if (error == std::errc() && *end == '\0' && wanted >= 1) threads = std::min(wanted, 16u);
  }
  return threads;
}

void run_parallel(std::size_t count, const std::function<void(std::size_t)>& job) {
  std::vector<std::exception_ptr> errors(count);
  auto guarded = [&](std::size_t i) {
    try {
      job(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(count > 0 ? count - 1 : 0);
  try {
    for (std::size_t i = 1; i < count; ++i) threads.emplace_back(guarded, i);
  } catch (...) {
    // A thread that could not be started: run its job here rather than lose it.
    for (std::size_t i = threads.size() + 1; i < count; ++i) guarded(i);
  }
  if (count > 0) guarded(0);
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace chataudit
