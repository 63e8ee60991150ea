#pragma once
// Reading a table's rows: every cell checked and normalized, keys and references checked, and
// the rows without a problem pushed into the column store — by one reader, or by two each from
// its part of the file.
#include <atomic>
#include <cstddef>
#include <string>
#include <vector>

#include "base/dates.h"
#include "base/error.h"
#include "load/header_plan.h"
#include "load/key_checks.h"
#include "load/normalize.h"
#include "load/row_sources.h"
#include "policy/schema.h"
#include "store/colstore.h"
#include "store/deadline.h"

namespace chataudit::loading {

// What the parts of one table's read share, set up once before its rows are read.
struct TableRead {
  TableRead(const std::string& table, const TableSpec* spec, const HeaderPlan& plan, const Deadline& deadline,
            const TimeZone& zone)
      : table(table), spec(spec), plan(plan), layout(plan.layout), deadline(deadline), zone(zone) {}
  /// Sets each column's rules from `mapping` and its name in `header`, for messages.
  void set_columns(const InventoryMapping& mapping, const std::vector<std::string>& header);

  const std::string& table;
  const TableSpec* spec;  // null for a table the schema does not know
  const HeaderPlan& plan;
  const TableLayout& layout;
  const Deadline& deadline;
  const TimeZone& zone;
  std::string place;  // "under [tables.T] in …", which the rules' hints point into
  std::vector<ColumnRules> rules;
  std::vector<std::string> source_names;  // each column's header in the source, for messages
  int key_index = -1;                     // the key column's, for duplicates; -1: none
  KeyLines first_line;                    // keys seen (a table with a key column is read in one part)
  std::vector<ParentCheck> checks;        // references to check on every row
  std::atomic<std::size_t> total{0};      // the rows of every part, for the limit
  std::atomic<bool> failed{false};        // the first part failed: the second need not go on
};

// Reads `rows` (one part of the table, or all of it) into `into`, counting the rows read and
// those loaded, and adding every bad cell to `problems` (the part's own list). `second`: the part
// after the first, which stops once the first has failed.
void read_part(TableRead& table, RowSource& rows, ColumnTable& into, DiagnosticList& problems, std::size_t& read,
               std::size_t& loaded, bool second);

}  // namespace chataudit::loading
