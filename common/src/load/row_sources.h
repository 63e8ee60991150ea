#pragma once
// Row sources: one table's rows read as text cells with their positions, from a CSV text or from
// a SQLite table (a workbook's sheet: sheet_rows.h), and problems reported in the source's own terms.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/csv.h"
#include "base/error.h"
#include "load/files.h"

namespace chataudit::loading {

inline constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// One cell as read, with where it came from.
struct Cell {
  std::string_view text;
  int line = 0, column = 0;
};

// What a cell's column is called in messages: the source's own header, and the schema's name
// where the two differ (`工作结束日期 (work_ended_on)`), so the user finds the column either way.
std::string column_label(std::string_view source, std::string_view canonical);

// `text` with each U+FEFF shown as <U+FEFF>, for messages.
std::string mark_byte_order_marks(std::string_view text);

// Column of byte `offset` of `cell`'s text (the cell's own column counts its first character).
int column_at(const Cell& cell, std::size_t offset);

// Reads one table's rows from any source as text cells, and reports positions in the source's
// own terms (FILE:LINE:COLUMN for CSV, table.column row N for SQLite).
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const std::vector<std::string>& header() const = 0;
  /// Next non-blank row, with one cell per header column; false at end.
  virtual bool next(std::vector<Cell>& cells) = 0;
  /// A problem with `cell`, in the column the source calls `source_column` and the schema `canonical`.
  virtual Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                        std::string message) const = 0;
  /// A problem with the header as a whole.
  virtual Diagnostic at_header(std::string message) const = 0;
  /// A problem with the header's column `index` (0-based).
  virtual Diagnostic at_header_cell(std::size_t /*index*/, std::string message) const {
    return at_header(std::move(message));
  }
  /// How a row is named in "first on line N" (CSV) or "first on row N" (SQLite).
  virtual std::string_view row_word() const = 0;
  /// What --verbose says about the source once it is read (a workbook's hidden sheets and rows).
  virtual std::vector<Diagnostic> notes() const { return {}; }
  /// Where the source can be read by two threads: the rows from about half of what is left
  /// on, as a source of their own (this one then stops before them); nullptr otherwise.
  virtual std::unique_ptr<RowSource> split_off(std::size_t /*least_bytes*/) { return nullptr; }
  /// Whether cells may hold bytes that are not UTF-8 (the encoding is known to be UTF-8, or the
  /// source is SQLite): each is then checked, and every bad one listed.
  bool check_utf8 = false;
  /// Why the source is read as UTF-8 (" (chosen by --encoding utf-8)"), for those messages.
  std::string utf8_note;
};

class CsvRowSource : public RowSource {
 public:
  /// Reads `text`, which `owned` holds or `mapped` maps (then handed back as it is read).
  /// `invalid_utf8`: the text is UTF-8 but has bytes that are not (each bad cell is listed).
  CsvRowSource(std::string owned, std::string_view text, MappedFile* mapped, std::string file, char delimiter,
               bool invalid_utf8 = false);
  const std::vector<std::string>& header() const override { return header_; }
  std::unique_ptr<RowSource> split_off(std::size_t least_bytes) override;
  bool next(std::vector<Cell>& cells) override;
  Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                std::string message) const override;
  Diagnostic at_header(std::string message) const override;
  Diagnostic at_header_cell(std::size_t index, std::string message) const override;
  std::string_view row_word() const override { return "line"; }

 private:
  static bool is_blank(const CsvRecord& record);
  // The rows of `head`'s text from byte `start` (a record's start on line `line`).
  CsvRowSource(const CsvRowSource& head, std::size_t start, int line);
  std::string owned_;
  MappedFile* mapped_ = nullptr;
  std::size_t released_ = 0;
  CsvReader reader_;
  std::string file_;
  char delimiter_ = ',';
  std::vector<std::string> header_;
  std::vector<int> header_columns_;
  std::size_t named_columns_ = 0;
  int header_line_ = 1;
  CsvRecord record_;
};

class SqliteRowSource : public RowSource {
 public:
  SqliteRowSource(SQLite::Database& db, std::string file, std::string table);
  const std::vector<std::string>& header() const override { return header_; }
  bool next(std::vector<Cell>& cells) override;
  Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                std::string message) const override;
  Diagnostic at_header(std::string message) const override;
  std::string_view row_word() const override { return "row"; }

 private:
  SQLite::Statement statement_;
  std::string file_, table_;
  std::vector<std::string> header_;
  std::vector<std::string> values_;
  int row_ = 0;
};

}  // namespace chataudit::loading
