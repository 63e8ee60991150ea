#pragma once
// One sheet of a workbook as a row source: its rows streamed from the sheet's XML (a chunk at a
// time, however large the sheet), each cell's stored value turned into text, and every position
// given as a spreadsheet user finds it: FILE#SHEET!B7.
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "load/row_sources.h"
#include "load/workbook.h"

namespace chataudit::loading {

/// One row of a sheet as stored: its number and its cells' texts by column (0-based).
struct SheetRow {
  int number = 0;
  bool hidden = false;
  std::vector<std::string> cells;
};

/// A merged range, by its first and last row and column (1-based).
struct MergedRange {
  std::string ref;  // as written, e.g. A5:A9
  int first_row = 0, last_row = 0, first_column = 0, last_column = 0;
};

/// `FILE#SHEET!B7` (column 0: the whole row, `FILE#SHEET!7:7`).
std::string sheet_position(const std::string& file, const std::string& sheet, int row, int column);

// Turns a sheet's XML into rows (the handler of its XmlStream).
class SheetHandler : public XmlHandler {
 public:
  SheetHandler(const Workbook& workbook, const std::string& sheet) : workbook_(workbook), sheet_(sheet) {}
  void start(std::string_view name, const char** attributes) override;
  void end(std::string_view name) override;
  void text(std::string_view text) override;
  std::deque<SheetRow> rows;  // read and not yet taken
  std::vector<MergedRange> merged;

 private:
  void start_cell(const char** attributes);
  void end_cell();
  std::optional<std::string> number_text(const std::string& value, std::string* why) const;
  void fail(int row, int column, const std::string& message);
  const Workbook& workbook_;
  const std::string& sheet_;
  SheetRow row_;
  int cell_row_ = 0, cell_column_ = 0;
  std::string type_, value_;
  std::size_t style_ = 0;
  bool in_value_ = false, in_text_ = false, has_value_ = false, has_formula_ = false;
  int phonetic_ = 0;
};

class WorkbookRowSource : public RowSource {
 public:
  /// Reads sheet `sheet` of `workbook` (its cell context read here); `file` is the path as the
  /// user named it.
  WorkbookRowSource(std::unique_ptr<Workbook> workbook, const SheetInfo& sheet);
  const std::vector<std::string>& header() const override { return header_; }
  bool next(std::vector<Cell>& cells) override;
  Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                std::string message) const override;
  Diagnostic at_header(std::string message) const override;
  Diagnostic at_header_cell(std::size_t index, std::string message) const override;
  std::string_view row_word() const override { return "row"; }
  /// What --verbose says: a hidden sheet, hidden rows (read like the others).
  std::vector<Diagnostic> notes() const;

 private:
  bool next_row(SheetRow& row);
  void check_merged() const;
  std::unique_ptr<Workbook> workbook_;
  std::string sheet_;
  bool sheet_hidden_ = false;
  SheetHandler handler_;
  XmlStream stream_;
  std::vector<std::string> header_;
  int header_row_ = 0;
  SheetRow row_;
  std::vector<int> hidden_rows_;
  std::size_t hidden_count_ = 0;
};

}  // namespace chataudit::loading
