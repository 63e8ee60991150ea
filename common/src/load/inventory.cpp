// Inventory loading: every source is read as text cells with positions, then normalized by the
// schema's column types into the in-memory database. Between the two sits the mapping: which file
// or SQLite table holds a table, which header means which column (mapping file, canonical name,
// built-in Chinese header, in that order), extra value spellings and date formats; and, for CSV,
// the conversion of the bytes to UTF-8 and the choice of delimiter.
//
// This file holds the whole load's order (settings, sources, tables in schema order, on one or two
// threads); sources.h resolves the sources, loader.h loads one table, table_read.h reads its rows.
#include "load/inventory.h"

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <exception>
#include <new>

#include "base/catalog.h"
#include "base/csv.h"
#include "base/error.h"
#include "base/parallel.h"
#include "base/text.h"
#include "base/timing.h"
#include "load/header_plan.h"
#include "load/loader.h"
#include "load/mapping.h"
#include "load/sources.h"
#include "policy/schema.h"
#include "store/sql_sandbox.h"

namespace chataudit {
namespace {

using loading::Loader;
using loading::TableSource;

// Command-line settings are checked before any file is read: a typo costs nothing.
void check_settings(const InventorySources& sources) {
  if (!sources.encoding.empty() && !known_encoding(sources.encoding))
    throw Error(
        tr("--encoding {}: unknown encoding; expected auto, utf-8, utf-16, utf-16le, utf-16be, "
           "gb18030, gbk, or another name that iconv -l lists",
           sources.encoding));
  if (std::string error; !sources.delimiter.empty() && !parse_delimiter(sources.delimiter, &error))
    throw Error(fmt::format("--delimiter \"{}\": {}", sources.delimiter, error));
}

// The sources as the command line gave them, for reports: `samples/jiusan-branch, groups=g.csv`.
std::string describe(const InventorySources& sources) {
  std::vector<std::string> described;
  for (const std::string& path : sources.inventories) described.push_back(path);
  for (const auto& [table, path] : sources.tables) described.push_back(table + "=" + path);
  std::string source;
  for (const std::string& part : described) source += (source.empty() ? "" : ", ") + part;
  return source;
}

void configure(SQLite::Database& db) {
  // Nothing is ever written back. Under CHATAUDIT_STORE=sqlite the views the engine materializes
  // are temporary tables in SQLite's temporary file (its default), behind a 128 MiB page cache:
  // measured on the benchmark, that builds their indexes about twice as fast as temp_store = MEMORY
  // and keeps the process at half the memory (the file's pages live in the kernel's cache, not in
  // the process). (The column store keeps them in the store.)
  db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp.cache_size = -131072;");
  // A double-quoted name that names no column is an error, never quietly a string literal: a typo
  // in a rule's SQL or a view's index must not compare against a constant.
  sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
}

// A table that neither references another nor is referenced (people, say).
bool independent(std::string_view table) {
  for (const ParentReference& reference : parent_references())
    if (reference.table == table || reference.parent_table == table) return false;
  return true;
}

// Loads the schema's tables that a source gives (the others are created empty). Schema order loads
// parents before the tables that must reference them. An independent table is loaded on a second
// thread meanwhile, where there are two; the error reported is still the first table's in schema
// order (hence the errors by table, not run_parallel's by thread).
void load_schema_tables(Inventory& inventory, Loader& loader, const std::map<std::string, TableSource>& chosen) {
  const std::vector<TableSpec>& schema{inventory_schema().begin(), inventory_schema().end()};
  std::vector<std::size_t> here, aside;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    const std::string name{schema[i].name};
    if (!chosen.count(name))
      loading::create_table(inventory, name, loading::canonical_layout(schema[i]));
    else
      (worker_threads() > 1 && independent(name) ? aside : here).push_back(i);
  }
  std::vector<std::exception_ptr> errors(schema.size());
  // Loads `tables` in order, up to the first that fails.
  auto load_each = [&](const std::vector<std::size_t>& tables) {
    for (const std::size_t i : tables) {
      const std::string name{schema[i].name};
      PhaseTimer timer;
      try {
        loader.load(name, chosen.at(name));
      } catch (const std::bad_alloc&) {
        errors[i] = std::make_exception_ptr(Error(out_of_memory_message(tr("table {}", name))));
        return;
      } catch (...) {
        errors[i] = std::current_exception();
        return;
      }
      timer.lap("load " + name);
    }
  };
  // `here` on the calling thread (job 0), `aside` on a thread of its own.
  const std::vector<std::size_t>* parts[] = {&here, &aside};
  run_parallel(aside.empty() ? 1 : 2, [&](std::size_t part) { load_each(*parts[part]); });
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
}

}  // namespace

std::string Inventory::digest() const {
  std::string all;
  for (const auto& [table, loaded] : loaded_) all += table + '\0' + loaded.digest + '\n';
  return sha256_hex(all);
}

// One thread uses the connection at a time: no mutex around every SQLite call.
Inventory::Inventory()
    : store_(std::make_unique<ColumnStore>()),
      db_(std::make_unique<SQLite::Database>(
          ":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, 0, clockless_vfs())) {
  store_->register_with(db_->getHandle());
}

Inventory load_inventory(const InventorySources& sources, const std::set<std::string>& wanted, const TimeZone& zone) {
  check_settings(sources);
  Inventory inventory;
  loading::Mappings mappings(sources);
  const std::map<std::string, TableSource> chosen = loading::resolve_sources(sources, wanted, mappings);
  inventory.source = describe(sources);

  SQLite::Database& db = inventory.db();
  configure(db);
  SQLite::Transaction transaction(db);
  Loader loader(inventory, zone, sources);
  load_schema_tables(inventory, loader, chosen);
  // Then the tables the schema does not know, one after another.
  for (const auto& [table, source] : chosen)
    if (!find_table(table)) loader.load(table, source);
  transaction.commit();
  return inventory;
}

}  // namespace chataudit
