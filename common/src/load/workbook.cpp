// The workbook's structure (relationships, sheets, date system, shared strings, cell formats)
// and the conversions of stored numbers into the text a CSV export would hold.
#include "load/workbook.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <map>

#include "base/catalog.h"
#include "base/text.h"

namespace chataudit::loading {
namespace {

struct Relation {
  std::string id, type, target;
};

// A relationships part (`_rels/*.rels`).
class RelationsHandler : public XmlHandler {
 public:
  void start(std::string_view name, const char** attributes) override {
    if (name != "Relationship") return;
    const char* id = xml_attribute(attributes, "Id");
    const char* type = xml_attribute(attributes, "Type");
    const char* target = xml_attribute(attributes, "Target");
    if (id && type && target) relations.push_back({id, type, target});
  }
  void end(std::string_view) override {}
  const Relation* of_type(std::string_view suffix) const {
    for (const Relation& relation : relations)
      if (std::string_view(relation.type).ends_with(suffix)) return &relation;
    return nullptr;
  }
  std::vector<Relation> relations;
};

// `target` of a relationship of part `source`, as a part name.
std::string resolve_target(const std::string& source, const std::string& target) {
  std::vector<std::string> segments;
  std::string path = target;
  if (!target.starts_with('/')) {
    const std::size_t slash = source.rfind('/');
    path = (slash == std::string::npos ? std::string() : source.substr(0, slash + 1)) + target;
  }
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const std::string& segment : segments) out += (out.empty() ? "" : "/") + segment;
  return out;
}

std::string relations_part(const std::string& part) {
  const std::size_t slash = part.rfind('/');
  if (slash == std::string::npos) return "_rels/" + part + ".rels";
  return part.substr(0, slash + 1) + "_rels/" + part.substr(slash + 1) + ".rels";
}

bool truthy(const char* value) {
  return value && (std::string_view(value) == "1" || std::string_view(value) == "true");
}

// xl/workbook.xml: the sheets in order and the date system.
class WorkbookHandler : public XmlHandler {
 public:
  void start(std::string_view name, const char** attributes) override {
    if (name == "workbookPr") {
      date1904 = truthy(xml_attribute(attributes, "date1904"));
    } else if (name == "sheet") {
      const char* sheet_name = xml_attribute(attributes, "name");
      const char* id = xml_attribute(attributes, "id");
      const char* state = xml_attribute(attributes, "state");
      if (!sheet_name || !id) return;
      sheets.push_back({SheetInfo{sheet_name, "", state && std::string_view(state) != "visible"}, id});
    }
  }
  void end(std::string_view) override {}
  bool date1904 = false;
  std::vector<std::pair<SheetInfo, std::string>> sheets;  // with the relationship id
};

// The shared strings: each <si>'s text, rich-text runs joined, phonetic guides (<rPh>) left out.
class SharedStringsHandler : public XmlHandler {
 public:
  SharedStringsHandler(std::string& text, std::vector<std::uint32_t>& ends) : text_(text), ends_(ends) {}
  void start(std::string_view name, const char**) override {
    if (name == "si") current_.clear();
    if (name == "rPh") ++phonetic_;
    if (name == "t") in_text_ = true;
  }
  void end(std::string_view name) override {
    if (name == "si") {
      text_ += unescape_ooxml(current_);
      ends_.push_back(static_cast<std::uint32_t>(text_.size()));
    }
    if (name == "rPh") --phonetic_;
    if (name == "t") in_text_ = false;
  }
  void text(std::string_view text) override {
    if (in_text_ && phonetic_ == 0) current_ += text;
  }

 private:
  std::string& text_;
  std::vector<std::uint32_t>& ends_;
  std::string current_;
  int phonetic_ = 0;
  bool in_text_ = false;
};

// xl/styles.xml: the custom number formats and each cell format's (<cellXfs>'s <xf>) number format.
class StylesHandler : public XmlHandler {
 public:
  void start(std::string_view name, const char** attributes) override {
    if (name == "numFmt") {
      const char* id = xml_attribute(attributes, "numFmtId");
      const char* code = xml_attribute(attributes, "formatCode");
      if (id && code) codes[std::atoi(id)] = code;
    } else if (name == "cellXfs") {
      in_cell_formats_ = true;
    } else if (name == "xf" && in_cell_formats_) {
      const char* id = xml_attribute(attributes, "numFmtId");
      format_ids.push_back(id ? std::atoi(id) : 0);
    }
  }
  void end(std::string_view name) override {
    if (name == "cellXfs") in_cell_formats_ = false;
  }
  std::map<int, std::string> codes;
  std::vector<int> format_ids;

 private:
  bool in_cell_formats_ = false;
};

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

void append_utf8(std::string& out, unsigned code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

}  // namespace

bool is_date_format(std::string_view code) {
  bool quoted = false, bracket = false;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (quoted) {
      quoted = c != '"';
    } else if (bracket) {
      bracket = c != ']';
    } else if (c == '"') {
      quoted = true;
    } else if (c == '[') {
      bracket = true;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is shown as it is (or is padding)
    } else if (c == ';') {
      return false;  // only the first section (positive numbers) counts
    } else if (std::string_view("yYmMdDhHsS").find(c) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

NumberFormat number_format(int id, std::string_view code) {
  // Built-in date formats: 14–22 and 45–47 everywhere, 27–36 and 50–58 in Chinese, Japanese and
  // Korean Excel (e.g. 31 is `yyyy"年"m"月"d"日"` in Chinese).
  if ((id >= 14 && id <= 22) || (id >= 45 && id <= 47) || (id >= 27 && id <= 36) || (id >= 50 && id <= 58))
    return {NumberFormat::Kind::date, 0};
  if (code.empty()) return {};
  if (code.find_first_not_of('0') == std::string_view::npos)
    return {NumberFormat::Kind::zeros, static_cast<int>(code.size())};
  if (is_date_format(code)) return {NumberFormat::Kind::date, 0};
  return {};
}

std::optional<std::string> plain_number(double value, std::string* why) {
  if (!std::isfinite(value)) {
    *why = tr("not a finite number");
    return std::nullopt;
  }
  if (value == 0) return "0";
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const std::size_t e = text.find('e');
  std::string digits;
  for (char c : text.substr(0, e))
    if (c >= '0' && c <= '9') digits += c;
  const int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  const int point = exponent + 1;  // digits before the decimal point
  if (digits.size() > 15 || point > 15) {
    *why = tr("more than 15 digits, which Excel does not keep exactly");
    return std::nullopt;
  }
  std::string out = value < 0 ? "-" : "";
  if (point <= 0)
    out += "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  else if (static_cast<std::size_t>(point) >= digits.size())
    out += digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  else
    out += digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
  return out;
}

std::optional<std::string> serial_date(double value, bool date1904, std::string* why) {
  constexpr double kLastSerial = 2958465;  // 9999-12-31 in the 1900 system
  if (!std::isfinite(value) || value < 0 || value >= kLastSerial + 1) {
    *why = tr("a date serial number outside 1900-01-01 to 9999-12-31");
    return std::nullopt;
  }
  std::int64_t days = static_cast<std::int64_t>(std::floor(value));
  std::int64_t seconds = std::llround((value - static_cast<double>(days)) * 86400.0);
  if (seconds == 86400) ++days, seconds = 0;
  std::int64_t epoch = 0;
  if (date1904) {
    epoch = days_from_civil(1904, 1, 1) + days;
  } else if (days == 60) {
    // Excel's 1900 system counts 1900 as a leap year (as Lotus 1-2-3 did): day 60 is no day.
    *why = tr("1900-02-29, a day that does not exist (Excel's 1900 leap-year bug)");
    return std::nullopt;
  } else {
    // Day 1 is 1900-01-01; from day 61 (1900-03-01) on, the phantom 29 February is counted.
    epoch = days_from_civil(1899, 12, 31) + days - (days > 60 ? 1 : 0);
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(epoch, year, month, day);
  if (year > 9999) {
    *why = tr("a date after 9999-12-31");
    return std::nullopt;
  }
  std::string out = fmt::format("{:04}-{:02}-{:02}", year, month, day);
  if (seconds) out += fmt::format(" {:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
  return out;
}

std::string column_letters(int column) {
  std::string out;
  for (int n = column; n > 0; n = (n - 1) / 26) out.insert(out.begin(), static_cast<char>('A' + (n - 1) % 26));
  return out;
}

std::string unescape_ooxml(std::string_view text) {
  if (text.find("_x") == std::string_view::npos) return std::string(text);
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    unsigned code = 0;
    if (text.substr(i, 2) == "_x" && i + 7 <= text.size() && text[i + 6] == '_' &&
        std::from_chars(text.data() + i + 2, text.data() + i + 6, code, 16).ptr == text.data() + i + 6 &&
        (code < 0xD800 || code > 0xDFFF)) {
      append_utf8(out, code);
      i += 7;
    } else {
      out += text[i++];
    }
  }
  return out;
}

Workbook::Workbook(std::string_view bytes, std::string file) : parts_(bytes, std::move(file)) {
  std::string workbook_part = "xl/workbook.xml";
  if (parts_.has("_rels/.rels")) {
    RelationsHandler root;
    XmlStream(parts_, "_rels/.rels", root).run();
    if (const Relation* office = root.of_type("/officeDocument")) workbook_part = resolve_target("", office->target);
  }
  if (!parts_.has(workbook_part))
    throw parts_.damaged(tr("it has no workbook part ({}); is it an .xlsx workbook?", workbook_part));
  WorkbookHandler handler;
  XmlStream(parts_, workbook_part, handler).run();
  date1904_ = handler.date1904;
  RelationsHandler relations;
  if (parts_.has(relations_part(workbook_part))) XmlStream(parts_, relations_part(workbook_part), relations).run();
  for (auto& [sheet, id] : handler.sheets) {
    for (const Relation& relation : relations.relations)
      if (relation.id == id) sheet.part = resolve_target(workbook_part, relation.target);
    if (sheet.part.empty() || !parts_.has(sheet.part))
      throw parts_.damaged(tr("sheet {} has no worksheet part", sheet.name));
    sheets_.push_back(std::move(sheet));
  }
  if (sheets_.empty()) throw parts_.damaged(tr("it has no sheet"));
  if (const Relation* strings = relations.of_type("/sharedStrings"))
    shared_strings_part_ = resolve_target(workbook_part, strings->target);
  if (const Relation* styles = relations.of_type("/styles"))
    styles_part_ = resolve_target(workbook_part, styles->target);
}

void Workbook::read_cell_context() {
  if (!shared_strings_part_.empty() && parts_.has(shared_strings_part_)) {
    SharedStringsHandler handler(shared_text_, shared_ends_);
    XmlStream(parts_, shared_strings_part_, handler).run();
  }
  if (!styles_part_.empty() && parts_.has(styles_part_)) {
    StylesHandler handler;
    XmlStream(parts_, styles_part_, handler).run();
    for (int id : handler.format_ids) {
      const auto code = handler.codes.find(id);
      styles_.push_back(number_format(id, code == handler.codes.end() ? std::string_view() : code->second));
    }
  }
}

const SheetInfo* Workbook::find_sheet(std::string_view name) const {
  for (const SheetInfo& sheet : sheets_)
    if (ascii_lower(sheet.name) == ascii_lower(name)) return &sheet;
  return nullptr;
}

}  // namespace chataudit::loading
