#pragma once
// The C library's time zone state (TZ, tzset, localtime_r, mktime) is one per process.
#include <mutex>

namespace chataudit {

/// The lock around that state: TimeZone sets TZ and reads local dates under it, and a library that
/// converts times through the C library while tables load in parallel (libzip reads a zip entry's
/// DOS time with mktime when it opens an archive or an entry) is called under it too.
std::mutex& c_time_zone_lock();

}  // namespace chataudit
