#pragma once
// Calendar dates as the inventory spells them (SPEC §3), on Boost.Date_Time.
#include <boost/date_time/gregorian/gregorian_types.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chataudit {

using Date = boost::gregorian::date;

/// The policy's time zone: an IANA name resolved through the system zoneinfo, or a fixed
/// offset such as `+08:00`.
class TimeZone {
 public:
  /// Parses `spec`; returns nullopt and sets `error` when it names no zone.
  static std::optional<TimeZone> parse(std::string_view spec, std::string* error);
  /// UTC (offset zero).
  static TimeZone utc();
  /// The local calendar date at a UTC instant given in seconds since 1970-01-01T00:00Z.
  Date local_date(std::int64_t utc_seconds) const;
  /// Today's date in this zone.
  Date today() const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  bool fixed_ = true;
  int offset_minutes_ = 0;
};

/// Parses one of the accepted spellings (`2026-11-27`, `2026/11/27`, `2026.11.27`, `20261127`,
/// `2026年11月27日`, one-digit months and days in the separated forms, and a date-time
/// `DATE[ T]HH:MM[:SS][Z|±HH:MM]` taken as its date in `zone`). Surrounding white space is not
/// accepted here (the loader trims). Returns nullopt for anything else, including impossible dates.
std::optional<Date> parse_date(std::string_view text, const TimeZone& zone);

/// Whether `text` is spelled as parse_date() reads a date but its year is before 1400, where the
/// calendar starts: an input error of its own ("before 1400-01-01"), not a misspelling.
bool before_calendar(std::string_view text, const TimeZone& zone);

/// `YYYY-MM-DD`.
std::string format_date(const Date& date);

/// One line naming the accepted spellings, for error messages.
std::string_view accepted_date_spellings();

}  // namespace chataudit
