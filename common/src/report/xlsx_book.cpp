// The workbook report's cells, widths and file (xlsx_book.h), on libxlsxwriter.
#include "report/xlsx_book.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/catalog.h"
#include "base/error.h"
#include "base/text.h"
#include "findings/findings.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

// Excel's limit on a cell's text, in UTF-16 code units.
constexpr std::size_t kMaxCellUnits = 32767;

// The length of the UTF-8 sequence `lead` starts (valid UTF-8: visible_controls() made it so).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

[[noreturn]] void failed(std::string_view what, lxw_error error) {
  throw Error(chataudit::tr("cannot write the workbook: {}: {}", what, lxw_strerror(error)));
}

void check(std::string_view what, lxw_error error) {
  if (error != LXW_NO_ERROR) failed(what, error);
}

std::string temporary_dir() {
  const char* env = std::getenv("TMPDIR");
  return env && *env ? env : "/tmp";
}

}  // namespace

std::string cell_text(std::string_view text) {
  const std::string visible = visible_controls(text);
  std::string out;
  out.reserve(visible.size());
  std::size_t units = 0;
  for (std::size_t i = 0; i < visible.size();) {
    const std::size_t length = std::min(sequence_length(static_cast<unsigned char>(visible[i])), visible.size() - i);
    const std::string_view character(visible.data() + i, length);
    i += length;
    if (character == "\xEF\xBF\xBE" || character == "\xEF\xBF\xBF") continue;  // U+FFFE, U+FFFF
    const std::size_t width = length == 4 ? 2 : 1;                             // a surrogate pair in UTF-16
    // Room for "…" (one unit) unless this is the last character.
    if (units + width > (i == visible.size() ? kMaxCellUnits : kMaxCellUnits - 1)) {
      out += "…";
      break;
    }
    units += width;
    out += character;
  }
  return out;
}

void append_row_record(std::string& out, const Row& row) {
  std::string record;
  for (const Cell& cell : row) {
    record += static_cast<char>(cell.kind);
    record += static_cast<char>(cell.style);
    put_leb128(record, cell.value.size());
    record += cell.value;
  }
  put_leb128(out, record.size());
  out += record;
}

void RowRecordReader::feed(std::string_view bytes) {
  pending_ += bytes;
  std::size_t at = 0;
  while (at < pending_.size()) {
    // The record's length (LEB128) ends at its first byte below 0x80: wait for more until it is here.
    std::size_t end = at;
    while (end < pending_.size() && static_cast<unsigned char>(pending_[end]) >= 0x80) ++end;
    if (end == pending_.size()) break;
    const char* cursor = pending_.data() + at;
    const std::size_t length = take_leb128(cursor);
    const std::size_t begin = static_cast<std::size_t>(cursor - pending_.data());
    if (pending_.size() - begin < length) break;
    row_.clear();
    for (const char* p = pending_.data() + begin; p < pending_.data() + begin + length;) {
      Cell cell;
      cell.kind = static_cast<Cell::Kind>(*p++);
      cell.style = static_cast<CellStyle>(*p++);
      const std::size_t size = take_leb128(p);
      cell.value.assign(p, size);
      p += size;
      row_.push_back(std::move(cell));
    }
    each_(row_);
    at = begin + length;
  }
  pending_.erase(0, at);
}

void ColumnWidths::add(const Row& row) {
  if (widths_.size() < row.size()) widths_.resize(row.size(), 0);
  for (std::size_t i = 0; i < row.size(); ++i) {
    const Cell& cell = row[i];
    const int width = cell.kind == Cell::Kind::date     ? 10
                      : cell.kind == Cell::Kind::number ? static_cast<int>(cell.value.size())
                                                        : display_width(cell.value);
    widths_[i] = std::max(widths_[i], width);
  }
}

double ColumnWidths::width(std::size_t column) const {
  // Room for the filter's button beside a header, and no column too wide to read beside the others:
  // a long message is cut off on screen, whole in the cell.
  constexpr int kMin = 6, kMax = 60;
  const int widest = column < widths_.size() ? widths_[column] : 0;
  return std::clamp(widest + 3, kMin, kMax);
}

XlsxBook::XlsxBook(std::int64_t created, const std::string& title, bool zip64) {
  const std::string dir = temporary_dir();
  std::string path = dir + "/chataudit-xlsx-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0)
    throw Error(Diagnostic{
        .file = dir,
        .message = chataudit::tr("cannot create a temporary file for the workbook: {}", std::strerror(errno))});
  ::close(fd);
  path_ = path;
  lxw_workbook_options options{};
  options.constant_memory = LXW_TRUE;
  options.tmpdir = const_cast<char*>(dir.c_str());
  options.use_zip64 = zip64 ? LXW_TRUE : LXW_FALSE;
  book_ = workbook_new_opt(path_.c_str(), &options);
  if (!book_) {
    ::unlink(path_.c_str());
    throw Error(chataudit::tr("cannot write the workbook: libxlsxwriter could not start it (out of memory?)"));
  }
  lxw_doc_properties properties{};
  properties.title = const_cast<char*>(title.c_str());
  properties.author = const_cast<char*>("chataudit");
  // libxlsxwriter takes a creation time of 0 for "none" and puts the clock's time there instead: the
  // epoch itself (SOURCE_DATE_EPOCH=0) is written one second later, never the clock.
  properties.created = static_cast<time_t>(created == 0 ? 1 : created);
  check("its properties", workbook_set_properties(book_, &properties));
  const CellStyle styles[] = {CellStyle::plain, CellStyle::header,  CellStyle::label, CellStyle::date,
                              CellStyle::error, CellStyle::warning, CellStyle::notice};
  for (CellStyle style : styles) {
    lxw_format* format = style == CellStyle::plain ? nullptr : workbook_add_format(book_);
    switch (style) {
      case CellStyle::plain:
        break;
      case CellStyle::header:
        format_set_bold(format);
        format_set_bg_color(format, 0xD9E1F2);
        format_set_bottom(format, LXW_BORDER_THIN);
        break;
      case CellStyle::label:
        format_set_bold(format);
        break;
      case CellStyle::date:
        format_set_num_format(format, "yyyy-mm-dd");
        break;
      // Excel's own "bad", "neutral" and blue styles: the colours a reader of spreadsheets knows.
      case CellStyle::error:
        format_set_font_color(format, 0x9C0006);
        format_set_bg_color(format, 0xFFC7CE);
        break;
      case CellStyle::warning:
        format_set_font_color(format, 0x9C5700);
        format_set_bg_color(format, 0xFFEB9C);
        break;
      case CellStyle::notice:
        format_set_font_color(format, 0x1F4E78);
        format_set_bg_color(format, 0xDDEBF7);
        break;
    }
    formats_.push_back(format);
  }
}

XlsxBook::~XlsxBook() {
  if (book_) lxw_workbook_free(book_);
  if (!path_.empty()) ::unlink(path_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

lxw_format* XlsxBook::format_of(CellStyle style) const { return formats_[static_cast<std::size_t>(style)]; }

std::size_t XlsxBook::add_sheet(const std::string& name) {
  lxw_worksheet* sheet = workbook_add_worksheet(book_, name.c_str());
  if (!sheet) throw Error(chataudit::tr("cannot write the workbook: cannot add the sheet {}", name));
  sheets_.push_back(sheet);
  return sheets_.size() - 1;
}

void XlsxBook::set_widths(std::size_t sheet, const ColumnWidths& widths) {
  for (std::size_t column = 0; column < widths.count(); ++column)
    check("a column's width", worksheet_set_column(sheets_[sheet], static_cast<lxw_col_t>(column),
                                                   static_cast<lxw_col_t>(column), widths.width(column), nullptr));
}

void XlsxBook::write_row(std::size_t sheet, std::uint32_t index, const Row& row) {
  lxw_worksheet* worksheet = sheets_[sheet];
  for (std::size_t i = 0; i < row.size(); ++i) {
    const Cell& cell = row[i];
    if (cell.value.empty()) continue;
    const auto column = static_cast<lxw_col_t>(i);
    lxw_format* format = format_of(cell.style);
    if (cell.kind == Cell::Kind::number) {
      std::int64_t number = 0;
      std::from_chars(cell.value.data(), cell.value.data() + cell.value.size(), number);
      check("a number", worksheet_write_number(worksheet, index, column, static_cast<double>(number), format));
      continue;
    }
    int year = 0, month = 0, day = 0;
    if (cell.kind == Cell::Kind::date && std::sscanf(cell.value.c_str(), "%4d-%2d-%2d", &year, &month, &day) == 3) {
      lxw_datetime date{year, month, day, 0, 0, 0.0};
      check("a date", worksheet_write_datetime(worksheet, index, column, &date, format));
      continue;
    }
    check("a text", worksheet_write_string(worksheet, index, column, cell.value.c_str(), format));
  }
}

void XlsxBook::freeze_and_filter(std::size_t sheet, std::uint32_t rows, std::uint32_t last, std::size_t columns) {
  worksheet_freeze_panes(sheets_[sheet], rows, 0);
  if (columns > 0)
    check("a filter", worksheet_autofilter(sheets_[sheet], 0, 0, last, static_cast<lxw_col_t>(columns - 1)));
}

void XlsxBook::close() {
  const lxw_error error = workbook_close(book_);  // frees the workbook, written or not
  book_ = nullptr;
  if (error != LXW_NO_ERROR) failed("closing it", error);
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(chataudit::tr("cannot read the workbook back: {}", std::strerror(errno)));
  ::unlink(path_.c_str());
  path_.clear();
}

void XlsxBook::copy_to(ByteSink& out) const {
  std::string buffer(std::size_t{1} << 20, '\0');
  for (off_t offset = 0;;) {
    const ssize_t got = ::pread(fd_, buffer.data(), buffer.size(), offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(chataudit::tr("cannot read the workbook back: {}", std::strerror(errno)));
    if (got == 0) return;
    out.write(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    offset += got;
  }
}

SheetTable::SheetTable(XlsxBook& book, std::string name, Row header, const ColumnWidths& widths,
                       std::size_t rows_per_sheet)
    : book_(book),
      name_(std::move(name)),
      header_(std::move(header)),
      widths_(widths),
      rows_per_sheet_(std::max<std::size_t>(rows_per_sheet, 1)) {
  start_sheet();
}

void SheetTable::start_sheet() {
  ++sheets_;
  sheet_ = book_.add_sheet(sheets_ == 1 ? name_ : fmt::format("{} {}", name_, sheets_));
  book_.set_widths(sheet_, widths_);
  book_.write_row(sheet_, 0, header_);
  row_ = 1;
}

void SheetTable::end_sheet() { book_.freeze_and_filter(sheet_, 1, row_ - 1, header_.size()); }

void SheetTable::add(const Row& row) {
  if (row_ - 1 >= rows_per_sheet_) {
    end_sheet();
    start_sheet();
  }
  book_.write_row(sheet_, row_++, row);
}

void SheetTable::finish() { end_sheet(); }

}  // namespace chataudit::formats
