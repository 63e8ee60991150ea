#include "sqlite_file.h"

#include <fmt/format.h>

#include <fstream>
#include <string_view>

namespace chataudit {

bool has_sqlite_header(const std::string& path) {
  static constexpr std::string_view kMagic{"SQLite format 3\0", 16};
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  return in.gcount() == sizeof header && std::string_view(header, sizeof header) == kMagic;
}

std::string sqlite_read_only_uri(const std::string& path) {
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20)
      uri += fmt::format("%{:02X}", c);
    else
      uri += static_cast<char>(c);
  }
  return uri + "?mode=ro";
}

}  // namespace chataudit
