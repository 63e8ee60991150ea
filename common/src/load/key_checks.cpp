// References from a child table to its parents' keys: resolved once per table, checked per row.
#include "load/key_checks.h"

#include <fmt/format.h>

#include "base/catalog.h"
#include "policy/schema.h"

namespace chataudit::loading {

std::vector<ParentCheck> parent_checks(const std::string& table, const TableLayout& layout, const LoadedKeys& keys) {
  auto column_of = [&](std::string_view name) {
    for (std::size_t c = 0; c < layout.names.size(); ++c)
      if (layout.names[c] == name) return static_cast<int>(c);
    return -1;
  };
  std::vector<ParentCheck> checks;
  for (const ParentReference& reference : parent_references()) {
    if (reference.table != table) continue;
    auto parent = keys.find(std::string(reference.parent_table));
    if (parent == keys.end()) continue;  // parent table not loaded: nothing to check against
    ParentCheck check{column_of(reference.column), -1, reference.when_value, reference.parent_table, parent->second};
    if (!reference.when_column.empty() && (check.when_column = column_of(reference.when_column)) < 0) continue;
    if (check.column >= 0) checks.push_back(check);
  }
  return checks;
}

bool check_parents(const std::string& table, const std::vector<ParentCheck>& checks, const TableLayout& layout,
                   const std::vector<std::string>& source_names, const std::vector<Cell>& cells,
                   const std::vector<Value>& values, const RowSource& rows, DiagnosticList& problems,
                   std::vector<std::string>& last_found) {
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const ParentCheck& check = checks[i];
    if (check.when_column >= 0 && values[check.when_column].text != check.when_value) continue;
    const Value& value = values[check.column];
    if (value.kind != Value::Kind::text || (!last_found[i].empty() && value.text == last_found[i])) continue;
    if (check.keys->contains_text(value.text)) {
      last_found[i].assign(value.text);
      continue;
    }
    const int c = check.column;
    problems.add(rows.at(cells[layout.source_index[c]], source_names[c], layout.names[c],
                         tr("\"{}\" is not in table {}; the {} and {} files do not belong together", value.text,
                            check.parent_table, table, check.parent_table)));
    return false;
  }
  return true;
}

}  // namespace chataudit::loading
