// libFuzzer target: the CSV reader over arbitrary bytes, as given and after encoding detection.
// A chataudit::Error is the expected way to reject input; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/csv.h"
#include "base/error.h"

namespace {

void read_all(std::string_view text, char delimiter) {
  try {
    chataudit::CsvReader reader(text, "fuzz.csv", delimiter);
    chataudit::CsvRecord record;
    while (reader.next(record)) {
      // Every field must come with its position.
      if (record.columns.size() != record.fields.size() || record.lines.size() != record.fields.size())
        __builtin_trap();
    }
  } catch (const chataudit::Error&) {}
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  read_all(bytes, ',');
  read_all(bytes, chataudit::guess_delimiter(bytes));
  try {
    chataudit::DecodedText decoded = chataudit::decode_to_utf8(bytes, "fuzz.csv", chataudit::EncodingChoice{});
    if (!chataudit::valid_utf8(decoded.text)) __builtin_trap();
    read_all(decoded.text, ',');
  } catch (const chataudit::Error&) {}
  return 0;
}
