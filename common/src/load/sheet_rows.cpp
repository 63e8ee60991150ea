// A sheet's rows from its XML: cells by type (shared, inline and formula strings, numbers by their
// format, booleans, errors), rows in order, merged ranges checked at the end of the sheet.
#include "load/sheet_rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "base/catalog.h"
#include "base/text.h"

namespace chataudit::loading {
namespace {

constexpr int kMaxRows = 1'048'576, kMaxColumns = 16'384;  // Excel's own

// `B7` into column 2, row 7; false for anything else.
bool parse_ref(std::string_view ref, int& row, int& column) {
  std::size_t i = 0;
  column = 0;
  for (; i < ref.size() && std::isupper(static_cast<unsigned char>(ref[i])) && column <= kMaxColumns; ++i)
    column = column * 26 + (ref[i] - 'A' + 1);
  if (i == 0 || column > kMaxColumns) return false;
  const auto [end, error] = std::from_chars(ref.data() + i, ref.data() + ref.size(), row);
  return error == std::errc() && end == ref.data() + ref.size() && row >= 1 && row <= kMaxRows;
}

bool blank(const SheetRow& row) {
  return std::all_of(row.cells.begin(), row.cells.end(), [](const std::string& c) { return trim(c).empty(); });
}

}  // namespace

std::string sheet_position(const std::string& file, const std::string& sheet, int row, int column) {
  if (column <= 0) return fmt::format("{}#{}!{}:{}", file, sheet, row, row);
  return fmt::format("{}#{}!{}{}", file, sheet, column_letters(column), row);
}

void SheetHandler::fail(int row, int column, const std::string& message) {
  if (!problem)
    problem = Error(Diagnostic{.file = sheet_position(workbook_.file(), sheet_, row, column), .message = message});
}

void SheetHandler::start(std::string_view name, const char** attributes) {
  if (name == "row") {
    const char* number = xml_attribute(attributes, "r");
    const int previous = row_.number;
    row_ = SheetRow{number ? std::atoi(number) : previous + 1, false, {}};
    const char* hidden = xml_attribute(attributes, "hidden");
    row_.hidden = hidden && (std::string_view(hidden) == "1" || std::string_view(hidden) == "true");
    cell_column_ = 0;
    if (row_.number <= previous || row_.number > kMaxRows)
      problem = Error(Diagnostic{
          .file = workbook_.file(),
          .message = tr("damaged workbook: sheet {} has row {} after row {}", sheet_, row_.number, previous)});
  } else if (name == "c") {
    start_cell(attributes);
  } else if (name == "v") {
    in_value_ = has_value_ = true;
  } else if (name == "f") {
    has_formula_ = true;
  } else if (name == "t") {
    in_text_ = true;
    has_value_ = true;
  } else if (name == "rPh") {
    ++phonetic_;
  } else if (name == "mergeCell") {
    const char* ref = xml_attribute(attributes, "ref");
    if (!ref) return;
    MergedRange range{ref};
    const std::string_view text = ref;
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || !parse_ref(text.substr(0, colon), range.first_row, range.first_column) ||
        !parse_ref(text.substr(colon + 1), range.last_row, range.last_column))
      return;
    merged.push_back(std::move(range));
  }
}

void SheetHandler::start_cell(const char** attributes) {
  const char* ref = xml_attribute(attributes, "r");
  cell_row_ = row_.number;
  int row = row_.number, column = cell_column_ + 1;
  if (ref && (!parse_ref(ref, row, column) || row != row_.number)) {
    fail(row_.number, 0, tr("damaged workbook: cell reference \"{}\" in row {}", ref, row_.number));
    return;
  }
  cell_column_ = column;
  const char* type = xml_attribute(attributes, "t");
  type_ = type ? type : "n";
  const char* style = xml_attribute(attributes, "s");
  style_ = style ? static_cast<std::size_t>(std::strtoul(style, nullptr, 10)) : 0;
  value_.clear();
  has_value_ = has_formula_ = false;
}

void SheetHandler::text(std::string_view text) {
  if (in_value_ || (in_text_ && phonetic_ == 0)) value_ += text;
}

std::optional<std::string> SheetHandler::number_text(const std::string& value, std::string* why) const {
  double number = 0;
  const std::string_view text = trim(value);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    *why = tr("\"{}\" is stored as a number but is not one (a damaged workbook)", value);
    return std::nullopt;
  }
  const NumberFormat format = workbook_.style(style_);
  if (format.kind == NumberFormat::Kind::date) return serial_date(number, workbook_.date1904(), why);
  std::optional<std::string> plain = plain_number(number, why);
  if (!plain) {
    *why =
        tr("the number {} has {}; if it is an id, format the column as Text (文本) in Excel or WPS and "
           "enter the ids again (store ids as text)",
           value, *why);
    return std::nullopt;
  }
  if (format.kind == NumberFormat::Kind::zeros && plain->find_first_not_of("0123456789") == std::string::npos &&
      plain->size() < static_cast<std::size_t>(format.width))
    plain->insert(0, static_cast<std::size_t>(format.width) - plain->size(), '0');
  return plain;
}

void SheetHandler::end_cell() {
  std::string text;
  std::string why;
  if (has_formula_ && !has_value_) {
    fail(cell_row_, cell_column_,
         tr("a formula with no saved value (the workbook was saved without calculating it): open it in Excel or WPS "
            "and save it again, or paste the values"));
    return;
  }
  if (type_ == "s") {
    std::size_t index = 0;
    const std::string_view digits = trim(value_);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (error != std::errc() || end != digits.data() + digits.size() || index >= workbook_.shared_string_count())
      return fail(cell_row_, cell_column_, tr("damaged workbook: the cell names a shared string that is not there"));
    text = workbook_.shared_string(index);
  } else if (type_ == "b") {
    text = trim(value_) == "1" ? "true" : "false";
  } else if (type_ == "e") {
    return fail(cell_row_, cell_column_,
                tr("the cell holds the error {}; correct its formula or enter the value", value_));
  } else if (type_ == "str" || type_ == "inlineStr" || type_ == "d") {
    text = unescape_ooxml(value_);
  } else if (has_value_) {
    std::optional<std::string> number = number_text(value_, &why);
    if (!number) return fail(cell_row_, cell_column_, why);
    text = std::move(*number);
  }
  if (text.empty()) return;
  if (row_.cells.size() < static_cast<std::size_t>(cell_column_)) row_.cells.resize(cell_column_);
  row_.cells[cell_column_ - 1] = std::move(text);
}

void SheetHandler::end(std::string_view name) {
  if (name == "c") {
    end_cell();
  } else if (name == "v") {
    in_value_ = false;
  } else if (name == "t") {
    in_text_ = false;
  } else if (name == "rPh") {
    --phonetic_;
  } else if (name == "row") {
    rows.push_back(std::move(row_));
    row_ = SheetRow{rows.back().number, false, {}};
  }
}

WorkbookRowSource::WorkbookRowSource(std::unique_ptr<Workbook> workbook, const SheetInfo& sheet)
    : workbook_((workbook->read_cell_context(), std::move(workbook))),
      sheet_(sheet.name),
      sheet_hidden_(sheet.hidden),
      handler_(*workbook_, sheet_),
      stream_(workbook_->parts(), sheet.part, handler_) {
  SheetRow row;
  bool found = false;
  while ((found = next_row(row)) && blank(row)) {}
  if (!found)
    throw Error(Diagnostic{.file = sheet_position(workbook_->file(), sheet_, 1, 1),
                           .message = tr("empty sheet; expected a header row naming the columns")});
  header_row_ = row.number;
  header_ = std::move(row.cells);
  while (!header_.empty() && trim(header_.back()).empty()) header_.pop_back();
}

bool WorkbookRowSource::next_row(SheetRow& row) {
  while (handler_.rows.empty()) {
    if (!stream_.step()) {
      if (!handler_.rows.empty()) break;
      check_merged();
      return false;
    }
  }
  row = std::move(handler_.rows.front());
  handler_.rows.pop_front();
  return true;
}

void WorkbookRowSource::check_merged() const {
  for (const MergedRange& range : handler_.merged) {
    if (range.last_row <= header_row_) continue;  // a merged title or header: no data in it
    throw Error(Diagnostic{
        .file = fmt::format("{}#{}!{}", workbook_->file(), sheet_, range.ref),
        .message = tr("merged cells over data rows, which leave all but the first cell empty; unmerge them and fill "
                      "down (every row needs its own value)")});
  }
}

bool WorkbookRowSource::next(std::vector<Cell>& cells) {
  while (next_row(row_)) {
    if (blank(row_)) continue;
    // A value beyond the header's last column has no column to go to.
    for (std::size_t i = header_.size(); i < row_.cells.size(); ++i)
      if (!trim(row_.cells[i]).empty())
        throw Error(Diagnostic{.file = sheet_position(workbook_->file(), sheet_, row_.number, static_cast<int>(i) + 1),
                               .message = tr("\"{}\" in a column with no header; name the column in row {}",
                                             trim(row_.cells[i]), header_row_)});
    row_.cells.resize(header_.size());
    if (row_.hidden && hidden_count_++ < 10) hidden_rows_.push_back(row_.number);
    cells.resize(header_.size());
    for (std::size_t i = 0; i < header_.size(); ++i)
      cells[i] = Cell{row_.cells[i], row_.number, static_cast<int>(i) + 1};
    return true;
  }
  return false;
}

Diagnostic WorkbookRowSource::at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                                 std::string message) const {
  return Diagnostic{.file = sheet_position(workbook_->file(), sheet_, cell.line, cell.column),
                    .message = fmt::format("{}: {}", column_label(source_column, canonical), message)};
}

Diagnostic WorkbookRowSource::at_header(std::string message) const {
  return Diagnostic{.file = sheet_position(workbook_->file(), sheet_, header_row_, 0), .message = std::move(message)};
}

Diagnostic WorkbookRowSource::at_header_cell(std::size_t index, std::string message) const {
  return Diagnostic{.file = sheet_position(workbook_->file(), sheet_, header_row_, static_cast<int>(index) + 1),
                    .message = std::move(message)};
}

std::vector<Diagnostic> WorkbookRowSource::notes() const {
  std::vector<Diagnostic> notes;
  const std::string place = fmt::format("{}#{}", workbook_->file(), sheet_);
  if (sheet_hidden_) notes.push_back({.file = place, .message = tr("a hidden sheet; read like the others")});
  if (hidden_count_ > 0) {
    std::string rows;
    for (int number : hidden_rows_) rows += (rows.empty() ? "" : ", ") + std::to_string(number);
    if (hidden_count_ > hidden_rows_.size()) rows += tr(" and {} more", hidden_count_ - hidden_rows_.size());
    notes.push_back({.file = place,
                     .message = hidden_count_ == 1
                                    ? tr("1 hidden row ({}); read like the others", rows)
                                    : tr("{} hidden rows ({}); read like the others", hidden_count_, rows)});
  }
  return notes;
}

}  // namespace chataudit::loading
