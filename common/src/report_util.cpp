#include "report_util.h"

#include <fmt/format.h>
#include <utf8proc.h>

namespace chataudit::formats {

std::string paren(Lang lang, std::string_view text) {
  return lang == Lang::zh ? fmt::format("（{}）", text) : fmt::format(" ({})", text);
}

std::string change_label(Lang lang, std::string_view change) {
  if (change == "new") return std::string(tr(lang, "新增", "new"));
  if (change == "persisting") return std::string(tr(lang, "持续", "persisting"));
  return std::string(change);
}

std::string escape_markup(std::string_view text, Markup markup) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length =
        utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &code_point);
    if (length <= 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    i += static_cast<std::size_t>(length);
    switch (code_point) {
      case '&': out += "&amp;"; continue;
      case '<': out += "&lt;"; continue;
      case '>': out += "&gt;"; continue;
      case '"': out += "&quot;"; continue;
      case '\'': out += "&#39;"; continue;
      case 0xFFFE:
      case 0xFFFF: continue;
      default: break;
    }
    const bool c0 = code_point < 0x20 || code_point == 0x7F;
    const bool line_or_tab = code_point == '\t' || code_point == '\n' || code_point == '\r';
    if (markup == Markup::html && (c0 || (code_point >= 0x80 && code_point <= 0x9F))) {
      out += ' ';
    } else if (c0 && !line_or_tab) {
      // XML 1.0 has no way to write these at all.
    } else if (c0 && markup == Markup::xml_attribute) {
      out += fmt::format("&#{};", code_point);
    } else {
      out.append(text.data() + i - static_cast<std::size_t>(length), static_cast<std::size_t>(length));
    }
  }
  return out;
}

}  // namespace chataudit::formats
