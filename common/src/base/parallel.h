#pragma once
// Threads, in one place: how many to use, and running jobs on them with their exceptions kept.
#include <cstddef>
#include <functional>

namespace chataudit {

/// How many threads load tables, fill views and run rules: CHATAUDIT_THREADS if set (1 to 16; 1
/// runs everything on the calling thread), else two when the machine has two cores or more.
unsigned worker_threads();

/// Runs job(0) … job(count - 1) at once, job(0) on the calling thread and each other on a thread
/// of its own; waits for all of them, then rethrows the exception of the lowest job that threw.
void run_parallel(std::size_t count, const std::function<void(std::size_t)>& job);

}  // namespace chataudit
