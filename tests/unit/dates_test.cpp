#include "base/dates.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>

using chataudit::Date;
using chataudit::format_date;
using chataudit::TimeZone;

namespace {

TimeZone zone(std::string_view spec) {
  std::string error;
  const std::optional<TimeZone> parsed = TimeZone::parse(spec, &error);
  REQUIRE_MESSAGE(parsed, error);
  return *parsed;
}

// The date as text, or "rejected", so a failing check shows both sides readably.
std::string parsed(std::string_view text, const TimeZone& in = TimeZone::utc()) {
  const std::optional<Date> date = chataudit::parse_date(text, in);
  return date ? format_date(*date) : "rejected";
}

// Sets or unsets an environment variable for one test, then puts it back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* saved = std::getenv(name);
    if (saved) saved_ = saved;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_)
      ::setenv(name_, saved_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

}  // namespace

TEST_CASE("dates: every accepted spelling") {
  CHECK(parsed("2026-11-27") == "2026-11-27");
  CHECK(parsed("2026-1-5") == "2026-01-05");
  CHECK(parsed("2026-01-5") == "2026-01-05");
  CHECK(parsed("2026/11/27") == "2026-11-27");
  CHECK(parsed("2026/1/5") == "2026-01-05");
  CHECK(parsed("2026.11.27") == "2026-11-27");
  CHECK(parsed("2026.1.5") == "2026-01-05");
  CHECK(parsed("20261127") == "2026-11-27");
  CHECK(parsed("20260105") == "2026-01-05");
  CHECK(parsed("2026年11月27日") == "2026-11-27");
  CHECK(parsed("2026年1月5日") == "2026-01-05");
  CHECK(parsed("2026年01月05日") == "2026-01-05");
}

TEST_CASE("dates: invalid calendar dates and leap days") {
  CHECK(parsed("2024-02-29") == "2024-02-29");
  CHECK(parsed("2000-02-29") == "2000-02-29");
  CHECK(parsed("2026-02-29") == "rejected");
  CHECK(parsed("1900-02-29") == "rejected");
  CHECK(parsed("2026-02-28") == "2026-02-28");
  CHECK(parsed("2026-13-01") == "rejected");
  CHECK(parsed("2026-00-10") == "rejected");
  CHECK(parsed("2026-01-00") == "rejected");
  CHECK(parsed("2026-04-31") == "rejected");
  CHECK(parsed("2026-04-30") == "2026-04-30");
  CHECK(parsed("2026-12-32") == "rejected");
  CHECK(parsed("2026/2/29") == "rejected");
  CHECK(parsed("20260229") == "rejected");
  CHECK(parsed("20240229") == "2024-02-29");
  CHECK(parsed("2026年2月29日") == "rejected");
  CHECK(parsed("2026-04-31 10:00") == "rejected");
  // Beyond the years Boost.Date_Time can represent: rejected, not thrown.
  CHECK(parsed("0001-01-01") == "rejected");
  CHECK(parsed("1399-12-31") == "rejected");
  CHECK(parsed("1400-01-01") == "1400-01-01");
  CHECK(parsed("9999-12-31") == "9999-12-31");
  CHECK(parsed("9999-12-31T23:00-05:00") == "rejected");
  CHECK(parsed("1400-01-01T00:30+01:00") == "rejected");
}

TEST_CASE("dates: anything else is rejected") {
  for (const char* text : {"",
                           "2026",
                           " 2026-11-27",
                           "2026-11-27 ",
                           "2026-11-27\t",
                           "26-11-27",
                           "2026-11/27",
                           "2026/11-27",
                           "2026-11-27-",
                           "202611270",
                           "2026112",
                           "2026-011-27",
                           "2026-11-027",
                           "2026-11-2a",
                           "abcd-ef-gh",
                           "+2026-11-27",
                           "-2026-11-27",
                           "02026-11-27",
                           "2026年11月27",
                           "2026年11-27日",
                           "2026 11 27",
                           "27/11/2026",
                           "11/27/2026",
                           "2026-11",
                           "2026-11-27Z",
                           "2026-11-27T",
                           "2026-11-27T24:00",
                           "2026-11-27T14:60",
                           "2026-11-27T14:30:60",
                           "2026-11-27T1:30",
                           "2026-11-27T14:3",
                           "2026-11-27T14",
                           "2026-11-27T14:30:5",
                           "2026-11-27T14:30:00.5",
                           "2026-11-27T14:30+8:00",
                           "2026-11-27T14:30+0800",
                           "2026-11-27T14:30+08",
                           "2026-11-27T14:30+24:00",
                           "2026-11-27T14:30+08:60",
                           "2026-11-27T14:30z",
                           "2026-11-27t14:30",
                           "2026-11-27T14:30Z ",
                           "2026-11-27  14:30",
                           "2026-11-27_14:30",
                           "2026-11-27T14:30ZZ",
                           "2026-11-27T14:30Z+08:00",
                           "2026-11-27T14:30 +08:00",
                           "20261127T1430",
                           "２０２６-11-27",
                           "2026—11—27"}) {
    CAPTURE(text);
    CHECK(parsed(text) == "rejected");
  }
}

TEST_CASE("dates: a date-time without offset keeps its written date") {
  const TimeZone shanghai = zone("Asia/Shanghai");
  CHECK(parsed("2026-11-27 14:30", shanghai) == "2026-11-27");
  CHECK(parsed("2026-11-27T23:59:59", shanghai) == "2026-11-27");
  CHECK(parsed("2026-11-27T00:00", shanghai) == "2026-11-27");
  CHECK(parsed("2026/11/27 14:30", shanghai) == "2026-11-27");
  CHECK(parsed("2026.1.5T08:00:00", shanghai) == "2026-01-05");
  CHECK(parsed("2026年11月27日 14:30", shanghai) == "2026-11-27");
  CHECK(parsed("20261127T14:30", shanghai) == "2026-11-27");
  CHECK(parsed("2026-11-27 23:30", zone("-05:30")) == "2026-11-27");
}

TEST_CASE("dates: a date-time with Z or an offset, crossing midnight in Asia/Shanghai") {
  const TimeZone shanghai = zone("Asia/Shanghai");
  CHECK(parsed("2026-11-27T20:00Z", shanghai) == "2026-11-28");
  CHECK(parsed("2026-11-27T15:59:59Z", shanghai) == "2026-11-27");
  CHECK(parsed("2026-11-27T16:00:00Z", shanghai) == "2026-11-28");
  CHECK(parsed("2026-11-28T07:59+08:00", shanghai) == "2026-11-28");
  CHECK(parsed("2026-11-28T01:00+10:00", shanghai) == "2026-11-27");
  CHECK(parsed("2026-11-28T02:00+10:00", shanghai) == "2026-11-28");
  CHECK(parsed("2026-11-27 12:00-05:00", shanghai) == "2026-11-28");
  CHECK(parsed("2026-11-27 10:59-05:00", shanghai) == "2026-11-27");
  CHECK(parsed("2026-12-31T16:00Z", shanghai) == "2027-01-01");
  CHECK(parsed("2024-02-28T16:00Z", shanghai) == "2024-02-29");
  CHECK(parsed("2026年11月27日 20:00Z", shanghai) == "2026-11-28");
}

TEST_CASE("dates: the same instants in a fixed +08:00 zone and in UTC") {
  const TimeZone plus8 = zone("+08:00");
  CHECK(parsed("2026-11-27T20:00Z", plus8) == "2026-11-28");
  CHECK(parsed("2026-11-27T15:59:59Z", plus8) == "2026-11-27");
  CHECK(parsed("2026-11-28T01:00+10:00", plus8) == "2026-11-27");
  CHECK(parsed("2026-11-27 12:00-05:00", plus8) == "2026-11-28");
  CHECK(parsed("2026-11-27T20:00Z") == "2026-11-27");
  CHECK(parsed("2026-11-27T20:00-04:00") == "2026-11-28");
  CHECK(parsed("2026-01-01T03:00Z", zone("-05:30")) == "2025-12-31");
  CHECK(parsed("2026-01-01T05:30Z", zone("-05:30")) == "2026-01-01");
}

TEST_CASE("dates: daylight saving time and switching between zones") {
  const TimeZone new_york = zone("America/New_York");
  const TimeZone shanghai = zone("Asia/Shanghai");
  CHECK(parsed("2026-07-01T03:30Z", new_york) == "2026-06-30");  // EDT, UTC-4
  CHECK(parsed("2026-07-01T04:30Z", new_york) == "2026-07-01");
  CHECK(parsed("2026-07-01T03:30Z", shanghai) == "2026-07-01");
  CHECK(parsed("2026-01-01T04:30Z", new_york) == "2025-12-31");  // EST, UTC-5
  CHECK(parsed("2026-01-01T05:00Z", new_york) == "2026-01-01");
  CHECK(parsed("2026-01-01T04:30Z", shanghai) == "2026-01-01");
}

TEST_CASE("dates: TimeZone::local_date at the epoch") {
  CHECK(format_date(TimeZone::utc().local_date(0)) == "1970-01-01");
  CHECK(format_date(TimeZone::utc().local_date(-1)) == "1969-12-31");
  CHECK(format_date(TimeZone::utc().local_date(86399)) == "1970-01-01");
  CHECK(format_date(TimeZone::utc().local_date(86400)) == "1970-01-02");
  CHECK(format_date(zone("+08:00").local_date(-1)) == "1970-01-01");
  CHECK(format_date(zone("-00:30").local_date(1799)) == "1969-12-31");
  CHECK(format_date(zone("Asia/Shanghai").local_date(-1)) == "1970-01-01");
  CHECK(format_date(zone("Asia/Shanghai").local_date(1795795199)) == "2026-11-27");
  CHECK(format_date(zone("Asia/Shanghai").local_date(1795795200)) == "2026-11-28");
}

TEST_CASE("dates: TimeZone::today") {
  const Date before = boost::gregorian::day_clock::universal_day();
  const Date today = TimeZone::utc().today();
  const Date after = boost::gregorian::day_clock::universal_day();
  CHECK((today == before || today == after));
  const Date shanghai = zone("Asia/Shanghai").today();
  CHECK((shanghai - today).days() >= 0);
  CHECK((shanghai - today).days() <= 1);
}

TEST_CASE("dates: TimeZone::parse accepts offsets, UTC and IANA names") {
  CHECK(zone("+08:00").name() == "+08:00");
  CHECK(zone("-05:30").name() == "-05:30");
  CHECK(zone("Z").name() == "Z");
  CHECK(zone("UTC").name() == "UTC");
  CHECK(zone("Asia/Shanghai").name() == "Asia/Shanghai");
  CHECK(zone("Etc/UTC").name() == "Etc/UTC");
  CHECK(TimeZone::utc().name() == "UTC");
}

TEST_CASE("dates: TimeZone::parse errors") {
  const ScopedEnv default_zoneinfo("TZDIR", nullptr);
  std::string error;
  CHECK_FALSE(TimeZone::parse("Asia/Nowhere", &error));
  CHECK(error ==
        "unknown time zone \"Asia/Nowhere\": no such zone in /usr/share/zoneinfo; expected an "
        "IANA name such as Asia/Shanghai, or an offset such as +08:00 or Z");
  const char* const not_zones[] = {"",
                                   "../etc/passwd",
                                   "Asia/../Asia/Shanghai",
                                   "/usr/share/zoneinfo/Asia/Shanghai",
                                   "Asia",
                                   "zone.tab",
                                   "asia/shanghai",
                                   "utc",
                                   "z",
                                   "+8:00",
                                   "+08",
                                   "+0800",
                                   "08:00",
                                   "+24:00",
                                   "+08:60",
                                   "+08:00 ",
                                   " UTC",
                                   "Asia/Shanghai ",
                                   "CST-8",
                                   "Asia/Shanghai,x"};
  for (const char* spec : not_zones) {
    CAPTURE(spec);
    error.clear();
    CHECK_FALSE(TimeZone::parse(spec, &error));
    CHECK(error.starts_with("unknown time zone \"" + std::string(spec) + "\""));
  }
  CHECK_FALSE(TimeZone::parse("Nowhere", nullptr));
  using namespace std::string_view_literals;
  CHECK_FALSE(TimeZone::parse("Asia/Shanghai\0"sv, &error));
}

TEST_CASE("dates: TimeZone::parse looks in $TZDIR when it is set") {
  std::string error;
  bool found = false;
  {
    const ScopedEnv elsewhere("TZDIR", "/nonexistent-zoneinfo");
    found = TimeZone::parse("Asia/Shanghai", &error).has_value();
  }
  CHECK_FALSE(found);
  CHECK(error.find("no such zone in /nonexistent-zoneinfo;") != std::string::npos);
}

TEST_CASE("dates: format_date and the accepted spellings") {
  CHECK(format_date(Date(2026, 1, 5)) == "2026-01-05");
  CHECK(format_date(Date(1400, 12, 31)) == "1400-12-31");
  CHECK(chataudit::accepted_date_spellings() ==
        "YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年MM月DD日, or a date-time such as "
        "2026-11-27 14:30 or 2026-11-27T14:30+08:00");
}

TEST_CASE("a date before 1400 is told apart from a misspelling") {
  const TimeZone utc = TimeZone::utc();
  CHECK(!parse_date("1399-12-31", utc));
  CHECK(before_calendar("1399-12-31", utc));
  CHECK(before_calendar("0001/1/1", utc));
  CHECK(before_calendar("13991231", utc));
  CHECK(before_calendar("1300-02-29", utc));  // the shape of a date: not the calendar's to judge
  CHECK(before_calendar("1399-12-31 23:59+08:00", utc));
  CHECK(!before_calendar("1400-01-01", utc));
  CHECK(!before_calendar("1399-13-01", utc));
  CHECK(!before_calendar("1399", utc));
  CHECK(!before_calendar("abcd-01-01", utc));
  CHECK(format_date(*parse_date("1400-01-01", utc)) == "1400-01-01");
  CHECK(format_date(*parse_date("9999-12-31", utc)) == "9999-12-31");
  CHECK(!parse_date("10000-01-01", utc));
}
