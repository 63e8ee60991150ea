// Date spellings of SPEC §3 and the policy's time zone. Nothing here throws: Boost.Date_Time
// throws on impossible dates, so every field is range-checked before a Date is built.
#include "base/dates.h"

#include <time.h>
#include "base/c_time.h"
#include "base/catalog.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>

namespace chataudit {
namespace {

namespace greg = boost::gregorian;

// Boost's calendar covers these years; outside them it throws instead of answering.
constexpr int kFirstYear = 1400;
constexpr int kLastYear = 9999;

const Date& epoch() {
  static const Date date(1970, 1, 1);
  return date;
}

std::optional<Date> make_date(int year, int month, int day) {
  if (year < kFirstYear || year > kLastYear || month < 1 || month > 12 || day < 1) return {};
  const int last =
      greg::gregorian_calendar::end_of_month_day(static_cast<unsigned short>(year), static_cast<unsigned short>(month));
  if (day > last) return {};
  return Date(static_cast<unsigned short>(year), static_cast<unsigned short>(month), static_cast<unsigned short>(day));
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A left-to-right reader over one spelling; every method consumes only on success.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  bool done() const { return at_ == text_.size(); }
  char peek() const { return done() ? '\0' : text_[at_]; }
  std::string_view rest() const { return text_.substr(at_); }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  bool eat(std::string_view literal) {
    if (text_.substr(at_, literal.size()) != literal) return false;
    at_ += literal.size();
    return true;
  }
  /// Between `fewest` and `most` decimal digits, as many as there are.
  bool number(int fewest, int most, int& value) {
    std::size_t end = at_;
    int result = 0;
    while (end < text_.size() && static_cast<int>(end - at_) < most && is_digit(text_[end]))
      result = result * 10 + (text_[end++] - '0');
    if (static_cast<int>(end - at_) < fewest) return false;
    if (end < text_.size() && is_digit(text_[end])) return false;  // too many digits
    at_ = end;
    value = result;
    return true;
  }

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

std::optional<Date> read_calendar_date(Cursor& in) {
  int year = 0, month = 0, day = 0;
  if (in.number(4, 4, year)) {
    const char separator = in.peek();
    if (separator == '-' || separator == '/' || separator == '.') {
      in.eat(separator);
      if (!in.number(1, 2, month) || !in.eat(separator) || !in.number(1, 2, day)) return {};
    } else if (in.eat("年")) {
      if (!in.number(1, 2, month) || !in.eat("月") || !in.number(1, 2, day) || !in.eat("日")) return {};
    } else {
      return {};
    }
  } else if (!in.number(8, 8, year)) {
    return {};
  } else {  // YYYYMMDD
    day = year % 100;
    month = year / 100 % 100;
    year /= 10000;
  }
  return make_date(year, month, day);
}

bool read_two_digits(Cursor& in, int limit, int& value) { return in.number(2, 2, value) && value <= limit; }

// Seconds since the epoch, floored to whole days; C++ division truncates towards zero.
std::int64_t floor_days(std::int64_t seconds) { return seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400); }

std::optional<Date> date_from_epoch_days(std::int64_t days) {
  if (days < (Date(kFirstYear, 1, 1) - epoch()).days() || days > (Date(kLastYear, 12, 31) - epoch()).days()) return {};
  return epoch() + greg::date_duration(static_cast<long>(days));
}

std::filesystem::path zoneinfo_directory() {
  const char* tzdir = std::getenv("TZDIR");
  return tzdir && *tzdir ? std::filesystem::path(tzdir) : std::filesystem::path("/usr/share/zoneinfo");
}

// zoneinfo also holds tables (zone.tab, tzdata.zi, leapseconds); only compiled zones start so.
bool is_zone_file(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return false;
  std::ifstream file(path, std::ios::binary);
  char magic[4] = {};
  return file.read(magic, 4) && std::string_view(magic, 4) == "TZif";
}

// The name becomes a path and the value of TZ: nothing may climb out of the zoneinfo directory
// or smuggle in a NUL or a POSIX rule string.
bool looks_like_zone_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  for (const char c : name) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '/' || c == '_' ||
                         c == '-' || c == '+' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

bool parse_offset(std::string_view text, int& minutes) {
  Cursor in(text);
  const char sign = in.peek();
  int hours = 0, rest = 0;
  if (!(in.eat('+') || in.eat('-')) || !read_two_digits(in, 23, hours) || !in.eat(':') ||
      !read_two_digits(in, 59, rest) || !in.done())
    return false;
  minutes = (sign == '-' ? -1 : 1) * (hours * 60 + rest);
  return true;
}

}  // namespace

std::optional<TimeZone> TimeZone::parse(std::string_view spec, std::string* error) {
  TimeZone zone;
  zone.name_ = std::string(spec);
  if (spec == "Z" || spec == "UTC") return zone;
  if (parse_offset(spec, zone.offset_minutes_)) return zone;
  const std::filesystem::path directory = zoneinfo_directory();
  if (looks_like_zone_name(spec) && is_zone_file(directory / spec)) {
    zone.fixed_ = false;
    return zone;
  }
  if (error) {
    *error =
        tr("unknown time zone \"{}\": no such zone in {}; expected an IANA name such as Asia/Shanghai, or an offset "
           "such as +08:00 or Z",
           spec, directory.string());
  }
  return std::nullopt;
}

TimeZone TimeZone::utc() {
  TimeZone zone;
  zone.name_ = "UTC";
  return zone;
}

std::mutex& c_time_zone_lock() {
  static std::mutex mutex;
  return mutex;
}

Date TimeZone::local_date(std::int64_t utc_seconds) const {
  if (fixed_) {
    const auto date = date_from_epoch_days(floor_days(utc_seconds + offset_minutes_ * 60LL));
    return date ? *date : Date(boost::date_time::not_a_date_time);
  }
  // The C library is the only tzdata reader at hand, and it reads the zone from the process's
  // TZ. Setting TZ is process-wide, hence the lock; re-running tzset() for every cell of a large
  // inventory would reread the zone file, hence the memory of the last zone set.
  static std::string zone_set;
  std::tm local{};
  {
    const std::lock_guard<std::mutex> lock(c_time_zone_lock());
    if (zone_set != name_) {
      ::setenv("TZ", (":" + name_).c_str(), 1);
      ::tzset();
      zone_set = name_;
    }
    const std::time_t time = static_cast<std::time_t>(utc_seconds);
    if (!::localtime_r(&time, &local)) return Date(boost::date_time::not_a_date_time);
  }
  const auto date = make_date(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
  return date ? *date : Date(boost::date_time::not_a_date_time);
}

Date TimeZone::today() const { return local_date(static_cast<std::int64_t>(std::time(nullptr))); }

std::optional<Date> parse_date(std::string_view text, const TimeZone& zone) {
  // The canonical spelling is nearly every cell of a real inventory: skip the general reader.
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    int value[8];
    int at = 0;
    for (const std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
      if (!is_digit(text[i])) return std::nullopt;
      value[at++] = text[i] - '0';
    }
    return make_date(value[0] * 1000 + value[1] * 100 + value[2] * 10 + value[3], value[4] * 10 + value[5],
                     value[6] * 10 + value[7]);
  }

  Cursor in(text);
  const std::optional<Date> date = read_calendar_date(in);
  if (!date || in.done()) return date;
  if (!in.eat(' ') && !in.eat('T')) return std::nullopt;
  int hours = 0, minutes = 0, seconds = 0;
  if (!read_two_digits(in, 23, hours) || !in.eat(':') || !read_two_digits(in, 59, minutes)) return std::nullopt;
  if (in.eat(':') && !read_two_digits(in, 59, seconds)) return std::nullopt;
  if (in.done()) return date;  // local time in the zone: the written date is the local date

  int offset_minutes = 0;
  if (in.eat('Z') ? !in.done() : !parse_offset(in.rest(), offset_minutes)) return std::nullopt;
  const std::int64_t utc_seconds =
      (*date - epoch()).days() * 86400LL + hours * 3600LL + minutes * 60LL + seconds - offset_minutes * 60LL;
  const Date local = zone.local_date(utc_seconds);
  if (local.is_special()) return std::nullopt;
  return local;
}

bool before_calendar(std::string_view text, const TimeZone& zone) {
  // Every accepted spelling starts with the year's four digits: the same text in a year the
  // calendar knows (2000, a leap year like any February 29 it could hold) tells whether the
  // rest is a date.
  if (text.size() < 4 || !std::all_of(text.begin(), text.begin() + 4, is_digit)) return false;
  const int year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
  if (year >= kFirstYear) return false;
  std::string moved(text);
  moved.replace(0, 4, "2000");
  return parse_date(moved, zone).has_value();
}

std::string format_date(const Date& date) {
  if (date.is_special()) return "not-a-date";
  const auto ymd = date.year_month_day();
  // Every date cell of a large inventory goes through here: no format-string machinery.
  std::string text = "0000-00-00";
  auto put = [&text](std::size_t end, unsigned value) {
    for (std::size_t at = end; value != 0; value /= 10) text[--at] = static_cast<char>('0' + value % 10);
  };
  put(4, ymd.year);
  put(7, ymd.month);
  put(10, ymd.day);
  return text;
}

std::string_view accepted_date_spellings() {
  return tr(
      "YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年MM月DD日, or a date-time such as "
      "2026-11-27 14:30 or 2026-11-27T14:30+08:00");
}

}  // namespace chataudit
