// The CSV and SQLite row sources, and the helpers their messages share.
#include "load/row_sources.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/catalog.h"
#include "base/text.h"
#include "store/colstore.h"

namespace chataudit::loading {

std::string column_label(std::string_view source, std::string_view canonical) {
  if (canonical.empty() || ascii_lower(source) == canonical) return std::string(source);
  return fmt::format("{} ({})", source, canonical);
}

std::string mark_byte_order_marks(std::string_view text) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    if (text.substr(at).starts_with(kByteOrderMark)) {
      out += "<U+FEFF>";
      at += kByteOrderMark.size();
    } else {
      out += text[at++];
    }
  }
  return out;
}

int column_at(const Cell& cell, std::size_t offset) {
  int column = cell.column;
  for (std::size_t i = 0; i < offset && i < cell.text.size(); ++i)
    if ((static_cast<unsigned char>(cell.text[i]) & 0xC0) != 0x80) ++column;
  return column;
}

CsvRowSource::CsvRowSource(std::string owned, std::string_view text, MappedFile* mapped, std::string file,
                           char delimiter, bool invalid_utf8)
    : owned_(std::move(owned)),
      mapped_(mapped),
      reader_(owned_.empty() ? text : std::string_view(owned_), file, delimiter),
      file_(std::move(file)),
      delimiter_(delimiter) {
  if (invalid_utf8) {
    reader_.accept_invalid_utf8();
    check_utf8 = true;
  }
  CsvRecord record;
  // Blank lines above the header are spreadsheet noise too.
  bool found = false;
  while ((found = reader_.next(record)) && is_blank(record)) {}
  if (!found)
    throw Error(Diagnostic{
        .file = file_, .line = 1, .column = 1, .message = tr("empty file; expected a header row naming the columns")});
  header_line_ = record.line;
  header_columns_ = record.columns;
  header_ = std::move(record.fields);
  // Columns without a header may be missing from short rows (they are ignored when empty).
  named_columns_ = header_.size();
  while (named_columns_ > 0 && trim(header_[named_columns_ - 1]).empty()) --named_columns_;
}

std::unique_ptr<RowSource> CsvRowSource::split_off(std::size_t least_bytes) {
  // A record starts after a line feed outside quotes: where the quotes before it pair up. A
  // file whose quotes do not pair up before that point fails in the first part, at the place
  // the error is, before the second part is looked at.
  const std::string_view text = reader_.text();
  const std::size_t from = reader_.offset();
  if (text.size() - from < least_bytes) return nullptr;
  std::size_t at = from + (text.size() - from) / 2;
  bool quoted = std::count(text.begin() + static_cast<std::ptrdiff_t>(from),
                           text.begin() + static_cast<std::ptrdiff_t>(at), '"') %
                    2 !=
                0;
  for (; at < text.size(); ++at) {
    if (text[at] == '"')
      quoted = !quoted;
    else if (text[at] == '\n' && !quoted)
      break;
  }
  if (at + 1 >= text.size()) return nullptr;
  const std::size_t start = at + 1;
  // Lines as the reader counts them: LF, CRLF or a lone CR each end one.
  const std::string_view before = text.substr(0, start);
  std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  for (std::size_t cr = before.find('\r'); cr != std::string_view::npos; cr = before.find('\r', cr + 1))
    if (cr + 1 == text.size() || text[cr + 1] != '\n') ++line;
  if (line > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
  auto rest = std::unique_ptr<CsvRowSource>(new CsvRowSource(*this, start, static_cast<int>(line)));
  reader_.stop_at(start);
  return rest;
}

bool CsvRowSource::next(std::vector<Cell>& cells) {
  while (reader_.next(record_)) {
    // The record's fields are copies: the bytes before the reader's offset are not needed again.
    if (mapped_ && reader_.offset() - released_ >= (std::size_t{64} << 20)) {
      mapped_->release(released_, reader_.offset());
      released_ = reader_.offset();
    }
    if (is_blank(record_)) continue;
    std::size_t fields = record_.fields.size();
    // Cells beyond the header are trailing empty columns of a spreadsheet when they are empty;
    // a row may also stop after its last named column. Anything else is a misaligned row.
    while (fields > header_.size() && trim(record_.fields[fields - 1]).empty()) --fields;
    if (fields > header_.size() || fields < named_columns_)
      throw Error(
          Diagnostic{.file = file_,
                     .line = record_.line,
                     .column = 1,
                     .message = tr("row has {} fields; the header has {}", record_.fields.size(), header_.size())});
    cells.assign(header_.size(), Cell{{}, record_.line, 0});
    for (std::size_t i = 0; i < fields; ++i) cells[i] = Cell{record_.fields[i], record_.lines[i], record_.columns[i]};
    return true;
  }
  return false;
}

Diagnostic CsvRowSource::at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                            std::string message) const {
  return Diagnostic{.file = file_,
                    .line = cell.line,
                    .column = cell.column,
                    .message = fmt::format("{}: {}", column_label(source_column, canonical), message)};
}

Diagnostic CsvRowSource::at_header(std::string message) const {
  return Diagnostic{.file = file_, .line = header_line_, .column = 1, .message = std::move(message)};
}

Diagnostic CsvRowSource::at_header_cell(std::size_t index, std::string message) const {
  return Diagnostic{
      .file = file_, .line = header_line_, .column = header_columns_.at(index), .message = std::move(message)};
}

bool CsvRowSource::is_blank(const CsvRecord& record) {
  return std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& f) { return trim(f).empty(); });
}

CsvRowSource::CsvRowSource(const CsvRowSource& head, std::size_t start, int line)
    : mapped_(head.mapped_),
      released_(start),
      reader_(head.reader_.text(), head.file_, head.delimiter_, start, line),
      file_(head.file_),
      delimiter_(head.delimiter_),
      header_(head.header_),
      header_columns_(head.header_columns_),
      named_columns_(head.named_columns_),
      header_line_(head.header_line_) {
  if (head.check_utf8) {
    reader_.accept_invalid_utf8();
    check_utf8 = true;
    utf8_note = head.utf8_note;
  }
}

SqliteRowSource::SqliteRowSource(SQLite::Database& db, std::string file, std::string table)
    : statement_(db, "SELECT * FROM " + quote_identifier(table)), file_(std::move(file)), table_(std::move(table)) {
  for (int i = 0; i < statement_.getColumnCount(); ++i) header_.emplace_back(statement_.getColumnName(i));
}

bool SqliteRowSource::next(std::vector<Cell>& cells) {
  while (statement_.executeStep()) {
    ++row_;
    values_.resize(header_.size());
    bool blank = true;
    for (std::size_t i = 0; i < header_.size(); ++i) {
      const SQLite::Column column = statement_.getColumn(static_cast<int>(i));
      values_[i] = column.isNull() ? std::string() : column.getString();
      if (!trim(values_[i]).empty()) blank = false;
    }
    if (blank) continue;
    cells.resize(header_.size());
    for (std::size_t i = 0; i < header_.size(); ++i) cells[i] = Cell{values_[i], row_, static_cast<int>(i) + 1};
    return true;
  }
  return false;
}

// `table.column row N` in the database's own names; the schema's column name leads the message
// when the database calls it something else.
Diagnostic SqliteRowSource::at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                               std::string message) const {
  if (!canonical.empty() && ascii_lower(source_column) != canonical)
    message = fmt::format("{}: {}", canonical, message);
  return Diagnostic{.file = file_,
                    .locator = fmt::format("{}.{} row {}", table_, source_column, cell.line),  // not a message
                    .message = std::move(message)};
}

Diagnostic SqliteRowSource::at_header(std::string message) const {
  return Diagnostic{.file = file_, .locator = table_, .message = std::move(message)};
}

}  // namespace chataudit::loading
