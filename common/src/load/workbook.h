#pragma once
// An .xlsx workbook as the loader reads it: its sheets (name, part, hidden), its shared strings
// and its cell formats (which numbers are dates, which are padded with zeros), the date system;
// and a cell's stored value turned into the text a CSV export would hold (SPEC §3 "Workbooks").
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "load/xlsx_parts.h"

namespace chataudit::loading {

struct SheetInfo {
  std::string name;
  std::string part;  // e.g. xl/worksheets/sheet1.xml
  bool hidden = false;
};

/// How a cell format shows a number.
struct NumberFormat {
  enum class Kind { general, date, zeros } kind = Kind::general;
  int width = 0;  // zeros: the digits the format pads to (`00000`: 5)
};

/// Whether a number format code shows dates: y, m, d, h or s outside quotes, brackets and escapes
/// (of its first section).
bool is_date_format(std::string_view code);
/// The format of built-in id `id` or of custom code `code`.
NumberFormat number_format(int id, std::string_view code);

/// The shortest decimal that reads back as `value`, without exponent or grouping; nullopt (with
/// `why`) for a number Excel cannot hold exactly: more than 15 significant digits, or more than 15
/// digits before the point.
std::optional<std::string> plain_number(double value, std::string* why);
/// Serial `value` of the 1900 (or 1904) date system as `YYYY-MM-DD`, with ` HH:MM:SS` when it has
/// a time of day; nullopt (with `why`) for a serial no calendar day has.
std::optional<std::string> serial_date(double value, bool date1904, std::string* why);
/// `B` for column index 1, `AA` for 27.
std::string column_letters(int column);
/// Undoes OOXML's `_xHHHH_` escapes (`_x000D_` is a carriage return).
std::string unescape_ooxml(std::string_view text);

class Workbook {
 public:
  /// Reads the container and the workbook part of `bytes` (kept alive by the caller); `file` is
  /// the path as the user named it. Throws Error for a damaged or refused workbook.
  Workbook(std::string_view bytes, std::string file);
  const std::string& file() const { return parts_.file(); }
  const std::vector<SheetInfo>& sheets() const { return sheets_; }
  bool date1904() const { return date1904_; }
  /// Reads the shared strings and the cell formats (what reading a sheet's cells needs).
  void read_cell_context();
  std::size_t shared_string_count() const { return shared_ends_.size(); }
  /// Shared string `index` (< shared_string_count()).
  std::string_view shared_string(std::size_t index) const {
    const std::uint32_t begin = index == 0 ? 0 : shared_ends_[index - 1];
    return std::string_view(shared_text_).substr(begin, shared_ends_[index] - begin);
  }
  /// The format of cell style `index` (general for an unknown one).
  NumberFormat style(std::size_t index) const { return index < styles_.size() ? styles_[index] : NumberFormat{}; }
  ZipParts& parts() { return parts_; }
  /// The sheet called `name` (compared as sheet names are, ignoring ASCII case), or nullptr.
  const SheetInfo* find_sheet(std::string_view name) const;

 private:
  void read_relations(const std::string& workbook_part);
  ZipParts parts_;
  std::vector<SheetInfo> sheets_;
  bool date1904_ = false;
  std::string shared_strings_part_, styles_part_;
  // The shared strings end to end, and where each ends: 4 bytes a string beside its text, so that a
  // part of millions of empty strings (<si/>, 5 bytes each) cannot take more memory than its size
  // twice over. A part holds at most 2 GiB of text, so 32 bits reach every end.
  std::string shared_text_;
  std::vector<std::uint32_t> shared_ends_;
  std::vector<NumberFormat> styles_;
};

}  // namespace chataudit::loading
