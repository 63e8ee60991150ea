#pragma once
// The workbook report's building blocks (report_xlsx.cpp): cells as the report decides them, their
// columns' widths, and a workbook written with Debian's libxlsxwriter in constant-memory mode (each
// row goes to disk as the next one starts) into a temporary file. Internal to the library.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "report/spool.h"

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace chataudit::formats {

/// How a cell looks: its number format, font and fill.
enum class CellStyle : std::uint8_t { plain, header, label, date, error, warning, notice };

/// One cell: text (always a text cell, so that an id such as 0012 or 1e5 stays as it is), a number,
/// or a date (`YYYY-MM-DD`, written as a date cell shown as such). An empty text is no cell.
struct Cell {
  enum class Kind : std::uint8_t { text, number, date };
  Kind kind = Kind::text;
  CellStyle style = CellStyle::plain;
  std::string value;  ///< the text, the number in decimal, or the date

  static Cell text(std::string value, CellStyle style = CellStyle::plain) {
    return Cell{Kind::text, style, std::move(value)};
  }
  static Cell number(std::int64_t value, CellStyle style = CellStyle::plain) {
    return Cell{Kind::number, style, std::to_string(value)};
  }
  static Cell date(std::string value) { return Cell{Kind::date, CellStyle::date, std::move(value)}; }
};
using Row = std::vector<Cell>;

/// `text` as a cell may hold it: each hidden control shown as `<U+XXXX>` (as in every report a
/// person reads), invalid UTF-8 as U+FFFD, U+FFFE and U+FFFF (which XML cannot hold) dropped, and
/// cut to Excel's 32,767 characters (UTF-16 units) with "…" at the end.
std::string cell_text(std::string_view text);

/// Appends `row` to `out` as one record of a spool (the workbook's rows between group() and finish()).
void append_row_record(std::string& out, const Row& row);
/// Reads the records append_row_record() wrote, however the bytes come in pieces: each complete row
/// goes to the callback given to the constructor.
class RowRecordReader {
 public:
  explicit RowRecordReader(std::function<void(const Row&)> each) : each_(std::move(each)) {}
  void feed(std::string_view bytes);
  /// Whether every byte fed belonged to a complete record.
  bool done() const { return pending_.empty(); }

 private:
  std::function<void(const Row&)> each_;
  std::string pending_;
  Row row_;
};

/// The widths of a table's columns, from a first pass over its rows: the widest cell's display width
/// (a CJK character counts 2, as Excel shows it in a default font), padded, within bounds.
class ColumnWidths {
 public:
  void add(const Row& row);
  std::size_t count() const { return widths_.size(); }
  /// Column `column`'s width in Excel's units (characters of the default font).
  double width(std::size_t column) const;

 private:
  std::vector<int> widths_;
};

/// A workbook under construction, in a temporary file ($TMPDIR or /tmp), removed with the object. A
/// failure of libxlsxwriter is chataudit::Error naming what failed.
class XlsxBook {
 public:
  /// `created`: the workbook's creation time (seconds since 1970, UTC); `zip64` for huge workbooks.
  XlsxBook(std::int64_t created, const std::string& title, bool zip64);
  ~XlsxBook();
  XlsxBook(const XlsxBook&) = delete;
  XlsxBook& operator=(const XlsxBook&) = delete;

  /// Adds a sheet (in the order they are shown) and returns its index.
  std::size_t add_sheet(const std::string& name);
  /// Sets the widths of sheet `sheet`'s columns.
  void set_widths(std::size_t sheet, const ColumnWidths& widths);
  /// Writes `row` as row `index` (0-based) of `sheet`: rows in increasing order only.
  void write_row(std::size_t sheet, std::uint32_t index, const Row& row);
  /// Freezes the rows above `rows` (the header) and filters columns [0, columns) of rows [0, last].
  void freeze_and_filter(std::size_t sheet, std::uint32_t rows, std::uint32_t last, std::size_t columns);
  /// Writes the workbook; then copy_to() may be called, as often as needed.
  void close();
  /// Copies the closed workbook's bytes to `out`.
  void copy_to(ByteSink& out) const;

 private:
  lxw_format* format_of(CellStyle style) const;
  std::string path_;
  lxw_workbook* book_ = nullptr;
  std::vector<lxw_worksheet*> sheets_;
  std::vector<lxw_format*> formats_;  ///< by CellStyle
  int fd_ = -1;                       ///< the closed workbook, opened for reading
};

/// A table that continues on a new sheet ("findings 2", "findings 3" …) once a sheet holds
/// `rows_per_sheet` rows below its header: each sheet has the header, the widths, the frozen header
/// row and the filter.
class SheetTable {
 public:
  SheetTable(XlsxBook& book, std::string name, Row header, const ColumnWidths& widths, std::size_t rows_per_sheet);
  void add(const Row& row);
  /// Sets the last sheet's filter; call once, after the last row.
  void finish();

 private:
  void start_sheet();
  void end_sheet();
  XlsxBook& book_;
  std::string name_;
  Row header_;
  const ColumnWidths& widths_;
  std::size_t rows_per_sheet_;
  std::size_t sheets_ = 0, sheet_ = 0;
  std::uint32_t row_ = 0;  ///< the next row of the current sheet
};

}  // namespace chataudit::formats
