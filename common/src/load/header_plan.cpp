// Header planning: each header cell checked, matched to a column (mapping file, canonical name,
// built-in Chinese header, in that order) or kept as an extra column; then the required columns.
#include "load/header_plan.h"

#include "base/catalog.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cassert>
#include <unordered_map>

#include "base/text.h"

namespace chataudit::loading {
namespace {

class HeaderPlanner {
 public:
  HeaderPlanner(const std::string& table, const TableSpec* spec, const InventoryMapping& mapping, const RowSource& rows,
                DiagnosticList& problems)
      : table_(table),
        spec_(spec),
        mapping_(mapping),
        table_mapping_(mapping.find(table)),
        rows_(rows),
        header_(rows.header()),
        problems_(problems) {
    if (spec) plan_.layout = canonical_layout(*spec);
    sources_of_.resize(plan_.layout.names.size());
  }

  HeaderPlan plan() && {
    for (std::size_t i = 0; i < header_.size(); ++i) place(i);
    if (spec_) check_required();
    return std::move(plan_);
  }

 private:
  // Finds what header cell `i` names, and records it in the plan (or a problem).
  void place(std::size_t i) {
    if (!readable(i)) return;
    const std::string name{trim(header_[i])};
    const std::string key = header_key(name);
    if (key.empty()) {
      plan_.unnamed.push_back(i);
      return;
    }
    if (auto [it, fresh] = seen_.emplace(key, i); !fresh) {
      problems_.add(
          rows_.at_header_cell(i, tr("column \"{}\" appears twice (columns {} and {})", name, it->second + 1, i + 1)));
      return;
    }
    // The mapping file first, then the schema's own name, then the built-in headers.
    std::string column;
    const ColumnMapping* mapped = table_mapping_ ? table_mapping_->find_column(name) : nullptr;
    if (mapped)
      column = mapped->column;
    else if (spec_ && spec_->find(key))
      column = key;
    else if (spec_)
      column = std::string(builtin_column(table_, name));
    const ColumnSpec* canonical = spec_ && !column.empty() ? spec_->find(column) : nullptr;
    if (!canonical) {
      TableLayout& layout = plan_.layout;
      layout.names.push_back(mapped ? mapped->column : name);
      layout.specs.push_back(nullptr);
      layout.source_index.push_back(static_cast<int>(i));
      return;
    }
    fill(i, name, column, canonical);
  }

  // Whether header cell `i` can name a column: a header that is not text throws; a byte-order
  // mark in it is a problem.
  bool readable(std::size_t i) {
    const std::string& cell = header_[i];
    if (std::size_t bad = 0; !valid_utf8(cell, &bad)) {
      Diagnostic problem = rows_.at_header_cell(
          i, tr("invalid UTF-8 byte 0x{:02X}: the file is not UTF-8 text{}; name its real encoding, or "
                "convert it to UTF-8 with iconv(1)",
                static_cast<unsigned char>(cell[bad]), rows_.utf8_note));
      if (problem.column > 0) problem.column = column_at(Cell{cell, problem.line, problem.column}, bad);
      // A header that is not text names no column: nothing after it can be judged.
      throw Error(std::move(problem));
    }
    // Only the file's first bytes may be a byte-order mark (the reader skips it); one here would
    // become part of a column's name.
    if (cell.find(kByteOrderMark) != std::string::npos) {
      problems_.add(rows_.at_header_cell(
          i, tr("a byte-order mark (U+FEFF) in the header cell \"{}\"; remove it (only the file may start "
                "with one)",
                mark_byte_order_marks(trim(cell)))));
      return false;
    }
    return true;
  }

  // Source column `i` (header `name`) fills canonical column `column`, unless another did already.
  void fill(std::size_t i, const std::string& name, const std::string& column, const ColumnSpec* canonical) {
    TableLayout& layout = plan_.layout;
    for (std::size_t c = 0; c < sources_of_.size(); ++c) {
      if (layout.specs[c] != canonical) continue;
      if (layout.source_index[c] < 0) {
        layout.source_index[c] = static_cast<int>(i);
        sources_of_[c] = name;
        return;
      }
      // Two headers for one column: taking either would silently drop the other's data.
      problems_.add(rows_.at_header_cell(
          i, tr("columns \"{}\" ({}) and \"{}\" ({}) both mean {}; keep one of them, or keep the other as an "
                "extra column {}: [tables.{}.columns] \"{}\" = \"{}\"",
                sources_of_[c], layout.source_index[c] + 1, name, i + 1, column, mapping_place(mapping_), table_, name,
                name)));
      return;
    }
  }

  // Every required column the header left unfilled is a problem, with advice on mapping one.
  void check_required() {
    const TableLayout& layout = plan_.layout;
    // The first header that became an extra column is the likeliest to be meant for a missing one.
    std::string unmapped;
    for (std::size_t c = spec_->columns.size(); c < layout.names.size() && unmapped.empty(); ++c)
      unmapped = trim(header_[static_cast<std::size_t>(layout.source_index[c])]);
    for (std::size_t c = 0; c < spec_->columns.size(); ++c) {
      if (!layout.specs[c]->required || layout.source_index[c] >= 0) continue;
      const std::string advice =
          unmapped.empty() ? tr("add the column, or map a header to it {}: [tables.{}.columns] \"HEADER\" = \"{}\"",
                                mapping_place(mapping_), table_, layout.names[c])
                           : tr("map one of them {}: [tables.{}.columns] \"{}\" = \"{}\"", mapping_place(mapping_),
                                table_, unmapped, layout.names[c]);
      std::vector<std::string> names;
      for (const std::string& cell : header_)
        if (!trim(cell).empty()) names.emplace_back(trim(cell));
      problems_.add(rows_.at_header(tr("missing required column \"{}\" in table {}; the header has: {}; {}",
                                       layout.names[c], table_, fmt::join(names, ", "), advice)));
    }
  }

  const std::string& table_;
  const TableSpec* spec_;
  const InventoryMapping& mapping_;
  const TableMapping* table_mapping_;
  const RowSource& rows_;
  const std::vector<std::string>& header_;
  DiagnosticList& problems_;
  HeaderPlan plan_;
  std::unordered_map<std::string, std::size_t> seen_;  // header_key → source column
  std::vector<std::string> sources_of_;                // the header filling each canonical column, for messages
};

}  // namespace

TableLayout canonical_layout(const TableSpec& spec) {
  TableLayout layout;
  for (const ColumnSpec& column : spec.columns) {
    layout.names.emplace_back(column.name);
    layout.specs.push_back(&column);
    layout.source_index.push_back(-1);
  }
  return layout;
}

std::string mapping_place(const InventoryMapping& mapping) {
  return mapping.path.empty() ? std::string(tr("in a mapping file given with --mapping FILE"))
                              : tr("in {}", mapping.path);
}

HeaderPlan plan_header(const std::string& table, const TableSpec* spec, const InventoryMapping& mapping,
                       const RowSource& rows, DiagnosticList& problems) {
  HeaderPlan plan = HeaderPlanner(table, spec, mapping, rows, problems).plan();
  // One entry per column in each of the layout's lists.
  assert(plan.layout.names.size() == plan.layout.specs.size() &&
         plan.layout.names.size() == plan.layout.source_index.size());
  return plan;
}

}  // namespace chataudit::loading
