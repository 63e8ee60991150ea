#pragma once
// The loader: one table's source opened (a mapped or streamed CSV text in its encoding and
// delimiter, a workbook's sheet, or a SQLite table under the sandbox), its rows read into the inventory's store.
#include <SQLiteCpp/Database.h>

#include <mutex>
#include <string>
#include <utility>

#include "base/csv.h"
#include "load/header_plan.h"
#include "load/inventory.h"
#include "load/key_checks.h"
#include "load/row_sources.h"
#include "load/sources.h"
#include "load/table_read.h"
#include "store/deadline.h"
#include "store/sql_sandbox.h"

namespace chataudit::loading {

// The table's column store, visible to SQLite as a virtual table of the same name.
ColumnTable& create_table(Inventory& inventory, const std::string& name, const TableLayout& layout);

struct OpenSource;  // a source opened for reading (loader.cpp)

class Loader {
  // What loads on two threads share (see load_inventory): the store's list of tables and the
  // connection it declares them on, the inventory's records, keys_.
  template <class F>
  decltype(auto) locked(F&& f) {
    std::lock_guard lock(shared_);
    return f();
  }

 public:
  Loader(Inventory& inventory, const TimeZone& zone, const InventorySources& sources)
      : inventory_(inventory), zone_(zone), sources_(sources) {}

  /// Loads `table` from `source` into the inventory, with its digest and row counts; throws
  /// chataudit::Error. Two tables may load at once on two threads.
  void load(const std::string& table, const TableSource& source);

 private:
  void open_sqlite(const std::string& table, const TableSource& source, const Deadline& deadline, OpenSource& open);
  void open_csv(const std::string& table, const TableSource& source, OpenSource& open) const;
  // A workbook's sheet: the one --table names, else the mapping's, else the first.
  void open_workbook(const std::string& table, const TableSource& source, OpenSource& open) const;
  // Reads the opened rows, turning the errors of SQLite, the clock and memory into the table's.
  void read_rows(const std::string& table, const TableSource& source, RowSource& rows, const Deadline& deadline);
  // --encoding, else the mapping's table, else the mapping's default, else detection.
  EncodingChoice encoding_choice(const std::string& table, const InventoryMapping& mapping) const;
  // --delimiter, else the mapping's, else a tab for .tsv files, else what the header line suggests.
  char delimiter_for(const std::string& table, const TableSource& source, std::string_view text) const;
  // The views a read of a SQLite inventory's table went through must not read the clock.
  static void check_views(SQLite::Database& db, const TableSource& source, const SandboxLog& sandbox);
  void load_rows(const std::string& table, const TableSource& source, RowSource& rows, const Deadline& deadline);
  // Reads all of `rows` into `stored`: in one part, or in two on two threads.
  void read_parts(TableRead& read, RowSource& rows, ColumnTable& stored, DiagnosticList& problems, LoadedTable& stats);

  Inventory& inventory_;
  const TimeZone& zone_;
  const InventorySources& sources_;
  LoadedKeys keys_;    // each keyed table's key column
  std::mutex shared_;  // see locked()
};

}  // namespace chataudit::loading
