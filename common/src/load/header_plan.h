#pragma once
// Header planning: a source's header against the schema — which source column fills which
// canonical column, which are extra, and which are a spreadsheet's empty columns to ignore.
#include <cstddef>
#include <string>
#include <vector>

#include "base/error.h"
#include "load/mapping.h"
#include "load/row_sources.h"
#include "policy/schema.h"

namespace chataudit::loading {

// The columns of a loaded table: canonical ones first, then extra columns from the source.
struct TableLayout {
  std::vector<std::string> names;
  std::vector<const ColumnSpec*> specs;  // nullptr for extra columns
  std::vector<int> source_index;         // index in the source header, -1 when absent
};

// A table's canonical columns, none of them filled from a source.
TableLayout canonical_layout(const TableSpec& spec);

// "in DIR/inventory.toml" or "in a mapping file given with --mapping FILE": where the user can
// write what a message tells them to.
std::string mapping_place(const InventoryMapping& mapping);

// The table's header against the schema: which source column fills which canonical column, which
// are extra, and which (no header, no value) are a spreadsheet's empty columns to ignore.
struct HeaderPlan {
  TableLayout layout;
  std::vector<std::size_t> unnamed;  // source columns with an empty header
};

// Plans `rows`' header for `table` (`spec` null: a table the schema does not know, all extra
// columns). Adds every problem to `problems`; throws at once for a header that is not UTF-8.
HeaderPlan plan_header(const std::string& table, const TableSpec* spec, const InventoryMapping& mapping,
                       const RowSource& rows, DiagnosticList& problems);

}  // namespace chataudit::loading
