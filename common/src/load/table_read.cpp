// One part of a table read row by row: the checks each row goes through, in the order their
// problems are listed, and the batch the rows without a problem wait in.
#include "load/table_read.h"

#include <fmt/format.h>

#include "base/catalog.h"
#include "base/text.h"
#include "load/inventory.h"
#include "load/row_batch.h"

namespace chataudit::loading {
namespace {

class PartReader {
 public:
  PartReader(TableRead& table, RowSource& rows, ColumnTable& into, DiagnosticList& problems, std::size_t& read,
             std::size_t& loaded)
      : table_(table),
        layout_(table.layout),
        rows_(rows),
        problems_(problems),
        read_(read),
        values_(table.layout.names.size()),
        last_found_(table.checks.size()),
        batch_(into, loaded) {}

  void run(bool second) {
    while (rows_.next(cells_)) {
      if (second && table_.failed.load(std::memory_order_relaxed)) return;
      ++read_;
      if (!cells_.empty()) line_ = cells_.front().line;
      if (++uncounted_ == 1024) count();
      // Each check lists its problems even in a row that failed an earlier one.
      bool row_ok = named_cells_only();
      row_ok = utf8_cells() && row_ok;
      row_ok = normalized() && row_ok;
      row_ok = key_unique() && row_ok;
      if (row_ok && table_.spec)
        row_ok = check_parents(table_.table, table_.checks, layout_, table_.source_names, cells_, values_, rows_,
                               problems_, last_found_);
      if (!row_ok || !problems_.empty()) continue;  // keep reading to list every bad cell; insert nothing more
      batch_.add(values_);
    }
    batch_.flush();
    if (uncounted_) count();
  }

 private:
  // Rows are added to `total` (which the other part shares) 1,024 at a time, and the rest at
  // the end: the limit is never missed, and found at most a batch late.
  void count() {
    const std::string& table = table_.table;
    if (table_.deadline.passed())
      throw Error(rows_.at(Cell{{}, line_, 1}, table, {}, table_.deadline.message(tr("table {}", table))));
    if (table_.total.fetch_add(uncounted_, std::memory_order_relaxed) + uncounted_ > kMaxRowsPerTable)
      throw Error(rows_.at(Cell{{}, line_, 1}, table, {},
                           tr("more than {} data rows, the most chataudit loads into one table", kMaxRowsPerTable)));
    uncounted_ = 0;
  }

  // A column with no header is a spreadsheet's empty column only while it stays empty.
  bool named_cells_only() {
    bool ok = true;
    for (std::size_t index : table_.plan.unnamed) {
      if (trim(cells_[index].text).empty()) continue;
      problems_.add(rows_.at(
          cells_[index], fmt::format("column {}", index + 1), {},
          tr("\"{}\" in a column with no header; name the column in the header row", trim(cells_[index].text))));
      ok = false;
    }
    return ok;
  }

  // Where the source may hold bytes that are not UTF-8: every such cell is a problem (and is
  // not normalized).
  bool utf8_cells() {
    if (!rows_.check_utf8) return true;
    bool ok = true;
    bad_utf8_.assign(cells_.size(), false);
    for (std::size_t i = 0; i < cells_.size(); ++i) {
      std::size_t bad = 0;
      if (valid_utf8(cells_[i].text, &bad)) continue;
      bad_utf8_[i] = true;
      Cell at = cells_[i];
      if (!rows_.row_word().starts_with("row")) at.column = column_at(cells_[i], bad);
      const std::vector<std::string>& header = rows_.header();
      problems_.add(rows_.at(at, i < header.size() ? std::string(trim(header[i])) : "", {},
                             tr("invalid UTF-8 byte 0x{:02X}; {}", static_cast<unsigned char>(cells_[i].text[bad]),
                                rows_.utf8_note.empty() ? std::string(tr("cells must be UTF-8 text"))
                                                        : tr("the file is read as UTF-8{}", rows_.utf8_note))));
      ok = false;
    }
    return ok;
  }

  // Each column's value from its cell (an absent column's from an empty cell).
  bool normalized() {
    bool ok = true;
    for (std::size_t c = 0; c < layout_.names.size(); ++c) {
      const int index = layout_.source_index[c];
      if (index >= 0 && rows_.check_utf8 && bad_utf8_[static_cast<std::size_t>(index)]) continue;
      const Cell cell = index >= 0 ? cells_[index] : Cell{};
      if (auto message = normalize(table_.rules[c], trim(cell.text), table_.zone, values_[c])) {
        problems_.add(rows_.at(cell, table_.source_names[c], layout_.specs[c] ? layout_.names[c] : "", *message));
        ok = false;
      }
    }
    return ok;
  }

  // Keys are checked even in a row with other bad cells, so that every duplicate is listed.
  bool key_unique() {
    const int key = table_.key_index;
    if (key < 0 || values_[key].kind != Value::Kind::text) return true;
    const Cell& cell = cells_[layout_.source_index[key]];
    const std::optional<int> first = table_.first_line.first(values_[key].text, cell.line);
    if (!first) return true;
    problems_.add(rows_.at(
        cell, table_.source_names[key], layout_.names[key],
        tr("duplicate {} \"{}\" (first on {} {})", table_.spec->key, values_[key].text, rows_.row_word(), *first)));
    return false;
  }

  TableRead& table_;
  const TableLayout& layout_;
  RowSource& rows_;  // (`rows_` and `problems_` are the part's, standing for the whole file's.)
  DiagnosticList& problems_;
  std::size_t& read_;
  std::vector<Cell> cells_;
  std::vector<bool> bad_utf8_;  // per cell, when rows_.check_utf8
  std::vector<Value> values_;
  std::vector<std::string> last_found_;  // see check_parents()
  RowBatch batch_;
  std::size_t uncounted_ = 0;
  int line_ = 1;
};

}  // namespace

void TableRead::set_columns(const InventoryMapping& mapping, const std::vector<std::string>& header) {
  const TableMapping* table_mapping = mapping.find(table);
  DateFormat date_format = mapping.date_format;
  if (table_mapping && table_mapping->date_format) date_format = *table_mapping->date_format;
  place = fmt::format("under [tables.{}] {}", table, mapping_place(mapping));
  for (std::size_t c = 0; c < layout.names.size(); ++c) {
    rules.push_back(ColumnRules{layout.specs[c], table_mapping, date_format, place});
    const int index = layout.source_index[c];
    source_names.push_back(index >= 0 ? std::string(trim(header[index])) : layout.names[c]);
  }
  // The key column, for duplicates.
  if (spec && !spec->key.empty())
    for (std::size_t c = 0; c < layout.names.size(); ++c)
      if (layout.names[c] == spec->key) key_index = static_cast<int>(c);
}

void read_part(TableRead& table, RowSource& rows, ColumnTable& into, DiagnosticList& problems, std::size_t& read,
               std::size_t& loaded, bool second) {
  PartReader(table, rows, into, problems, read, loaded).run(second);
}

}  // namespace chataudit::loading
