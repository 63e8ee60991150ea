// libFuzzer target: parse_date over arbitrary text, in a fixed zone (+08:00) and in UTC.
// It must never throw; an accepted date must be a real one that formats back as YYYY-MM-DD.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/dates.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const chataudit::TimeZone shanghai = *chataudit::TimeZone::parse("+08:00", nullptr);
  static const chataudit::TimeZone utc = chataudit::TimeZone::utc();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const chataudit::TimeZone* zone : {&shanghai, &utc}) {
    std::optional<chataudit::Date> date = chataudit::parse_date(text, *zone);
    if (!date) continue;
    if (date->is_special()) __builtin_trap();
    if (chataudit::format_date(*date).size() != 10) __builtin_trap();
  }
  return 0;
}
