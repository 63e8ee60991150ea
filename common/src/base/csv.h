#pragma once
// RFC 4180 reader: bytes to records with their positions, after converting the bytes to UTF-8.
// Knows nothing of the inventory.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// The reader's limits (documented in chataudit-inventory(5)): beyond them a file is refused at the
/// position where the limit is crossed, rather than read until memory runs out.
inline constexpr std::size_t kMaxCsvFieldBytes = 256u << 20;  ///< one field: 256 MiB
inline constexpr std::size_t kMaxCsvFields = 1000;            ///< fields in one record (columns)

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
  /// Reads `text` from byte `start`, the start of a record on line `line` (1-based).
  CsvReader(std::string_view text, std::string file, char delimiter, std::size_t start, int line);
  /// Stops reading at byte `end` (a record's start, at or after offset()): the rest is another
  /// reader's.
  void stop_at(std::size_t end) { text_ = text_.substr(0, end); }
  const std::string_view& text() const { return text_; }
  /// Reads the next record into `record`; false at end of input.
  bool next(CsvRecord& record);
  const std::string& file() const { return file_; }
  /// Byte offset of the next unread byte: everything before it has been consumed.
  std::size_t offset() const { return pos_; }
  /// Takes a byte that is not UTF-8 as one character of its field instead of failing: for text
  /// known to be UTF-8, whose caller checks each field and lists every bad one.
  void accept_invalid_utf8() { accept_invalid_utf8_ = true; }

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
  bool accept_invalid_utf8_ = false;
  /// Throws the Error for a problem at byte `offset` of the current line.
  [[noreturn]] void fail(std::size_t offset, std::string message) const;
  /// Length of the character at `offset`, after rejecting a NUL byte or invalid UTF-8 there.
  std::size_t checked_sequence(std::size_t offset) const;
  /// Moves past the LF, CRLF or lone CR at `offset` onto the next line.
  void end_line(std::size_t offset);
  /// Refuses a field of more than kMaxCsvFieldBytes that started at byte `start`.
  void check_field_size(std::size_t start, std::size_t end) const;
  /// Read one field from pos_; true when it ends the record.
  bool read_unquoted(std::string& field);
  bool read_quoted(std::string& field, int open_line, int open_column);
};

/// Checks that `text` is valid UTF-8; on failure returns the byte offset of the first bad byte.
bool valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

/// Which encoding to read a file in, and how to tell the user to change it.
struct EncodingChoice {
  std::string name;       ///< empty or `auto`: detect; else utf-8, utf-16[le|be], gb18030, or any iconv name
  std::string chosen_by;  ///< the setting that chose `name`, for messages (`--encoding gbk`); empty: none
  std::string advice;     ///< what the user can set when detection fails (e.g. `pass --encoding gb18030`)
};

/// A file's bytes as UTF-8 text, and the encoding they were read in.
struct DecodedText {
  std::string text;      ///< UTF-8; a UTF-8 BOM, if any, is kept (CsvReader skips it)
  std::string encoding;  ///< `UTF-8`, `UTF-16LE`, `UTF-16BE`, `GB18030` or the forced name
};

/// Converts `bytes` to UTF-8 (iconv for everything but UTF-8). Detection: a BOM (UTF-8, UTF-16 LE
/// or BE); else valid UTF-8; else GB18030 if the whole file decodes as GB18030; else an Error that
/// gives `choice.advice`. A forced encoding is never second-guessed: a byte sequence invalid in it
/// is an Error at its FILE:LINE:COLUMN (counted in characters, as CsvReader counts them), never
/// replaced or skipped.
DecodedText decode_to_utf8(std::string bytes, const std::string& file, const EncodingChoice& choice);

/// An encoding name compared loosely: lower case without '-' and '_' (UTF-8, utf8 and utf_8 agree).
std::string encoding_key(std::string_view name);

/// True for `auto`, the names decode_to_utf8 handles itself, and any encoding iconv knows.
bool known_encoding(std::string_view name);

/// The delimiter a header line suggests: a tab when the first line has tabs and no comma (Excel's
/// "Unicode text" and other TSV), else a comma.
char guess_delimiter(std::string_view text);

}  // namespace chataudit
