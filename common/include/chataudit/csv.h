#pragma once
// RFC 4180 reader: bytes to records with their positions. Knows nothing of the inventory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// One CSV record: its fields, where the record starts and where each field starts.
struct CsvRecord {
  std::vector<std::string> fields;
  std::vector<int> columns;  ///< 1-based column (in characters) of each field's first character
  std::vector<int> lines;    ///< 1-based line of each field's first character
  int line = 0;              ///< 1-based line on which the record starts
  /// True when every field is empty (a spreadsheet's trailing blank row).
  bool blank() const;
};

/// Pull reader over a whole file held in memory.
///
/// Accepts: a UTF-8 BOM at the start (skipped), LF, CRLF or CR-less last line, quoted fields
/// with `,`, `""` and line breaks inside. Rejects with chataudit::Error carrying FILE:LINE:COLUMN:
/// an unterminated quoted field, a character after a closing quote other than a delimiter or
/// line break, a quote inside an unquoted field, a NUL byte, invalid UTF-8.
/// A line break inside a quoted field is kept as it is written (CRLF stays CRLF). A lone CR
/// counts as a line break too, as old Mac spreadsheets write it.
class CsvReader {
 public:
  /// `text` must outlive the reader; `file` names it in diagnostics.
  CsvReader(std::string_view text, std::string file, char delimiter = ',');
  /// Reads the next record into `record`; false at end of input.
  bool next(CsvRecord& record);
  const std::string& file() const { return file_; }

 private:
  std::string_view text_;
  std::string file_;
  char delimiter_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;  ///< byte offset where the current line starts
  int column_at(std::size_t offset) const;
  mutable std::size_t column_offset_ = 0;  ///< where column_at last stopped counting
  mutable int column_ = 1;                 ///< the column at column_offset_
  /// Throws the Error for a problem at byte `offset` of the current line.
  [[noreturn]] void fail(std::size_t offset, std::string message) const;
  /// Length of the character at `offset`, after rejecting a NUL byte or invalid UTF-8 there.
  std::size_t checked_sequence(std::size_t offset) const;
  /// Moves past the LF, CRLF or lone CR at `offset` onto the next line.
  void end_line(std::size_t offset);
  /// Read one field from pos_; true when it ends the record.
  bool read_unquoted(std::string& field);
  bool read_quoted(std::string& field, int open_line, int open_column);
};

/// Checks that `text` is valid UTF-8; on failure returns the byte offset of the first bad byte.
bool valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

}  // namespace chataudit
