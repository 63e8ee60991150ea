// CHATAUDIT_STORE=sqlite: the inventory as ordinary SQLite tables. Only the copy lives here; the
// engine fills the views on this connection with plain SQL (Runner::materialize_plain).
#include "store/sqlite_twin.h"

#include <fmt/format.h>

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/catalog.h"
#include "base/error.h"
#include "store/colstore.h"
#include "store/sql_sandbox.h"

namespace chataudit {

StoreKind store_from_environment() {
  const char* text = std::getenv("CHATAUDIT_STORE");
  const std::string_view value = text ? text : "";
  if (value.empty() || value == "columnar") return StoreKind::columnar;
  if (value == "sqlite") return StoreKind::sqlite;
  throw Error(tr("CHATAUDIT_STORE={}: unknown store; expected columnar (the default) or sqlite", value));
}

namespace {

// A statement finalized however the scope is left.
struct Statement {
  sqlite3_stmt* handle = nullptr;
  ~Statement() { sqlite3_finalize(handle); }
};

[[noreturn]] void fail(sqlite3* db, std::string_view doing) {
  throw Error(tr("CHATAUDIT_STORE=sqlite: {}: {}", doing, sqlite3_errmsg(db)));
}

void prepare(sqlite3* db, const std::string& sql, Statement& statement, std::string_view doing) {
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement.handle, nullptr) != SQLITE_OK) fail(db, doing);
}

void exec(sqlite3* db, const std::string& sql, std::string_view doing) {
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, doing);
}

// Copies `table` of `from` into a new ordinary table of `to` by prepared inserts, row by row in
// the order a scan of `from` gives: the values as stored, bound as they are (their declared types
// are the same on both sides, so SQLite's affinity changes none of them).
void copy_table(sqlite3* from, sqlite3* to, const std::string& table) {
  const std::string doing = tr("copying table {}", table);
  std::vector<std::pair<std::string, std::string>> columns;  // name, declared type
  {
    Statement info;
    prepare(from, fmt::format("PRAGMA main.table_info({})", quote_identifier(table)), info, doing);
    int rc;
    while ((rc = sqlite3_step(info.handle)) == SQLITE_ROW) {
      const auto* name = reinterpret_cast<const char*>(sqlite3_column_text(info.handle, 1));
      const auto* type = reinterpret_cast<const char*>(sqlite3_column_text(info.handle, 2));
      columns.emplace_back(name ? name : "", type ? type : "");
    }
    if (rc != SQLITE_DONE) fail(from, doing);
  }
  if (columns.empty()) throw Error(tr("CHATAUDIT_STORE=sqlite: {}: it has no columns", doing));
  std::string declared, placeholders;
  for (const auto& [name, type] : columns) {
    declared += (declared.empty() ? "" : ", ") + quote_identifier(name) + (type.empty() ? "" : " " + type);
    placeholders += placeholders.empty() ? "?" : ", ?";
  }
  exec(to, fmt::format("CREATE TABLE main.{} ({})", quote_identifier(table), declared), doing);
  Statement insert, scan;
  prepare(to, fmt::format("INSERT INTO main.{} VALUES ({})", quote_identifier(table), placeholders), insert, doing);
  prepare(from, fmt::format("SELECT * FROM main.{}", quote_identifier(table)), scan, doing);
  const int width = static_cast<int>(columns.size());
  if (sqlite3_column_count(scan.handle) != width)
    throw Error(tr("CHATAUDIT_STORE=sqlite: {}: table_info and SELECT * disagree on its columns", doing));
  int rc;
  while ((rc = sqlite3_step(scan.handle)) == SQLITE_ROW) {
    for (int c = 0; c < width; ++c)
      if (sqlite3_bind_value(insert.handle, c + 1, sqlite3_column_value(scan.handle, c)) != SQLITE_OK) fail(to, doing);
    if (sqlite3_step(insert.handle) != SQLITE_DONE) fail(to, doing);
    if (sqlite3_reset(insert.handle) != SQLITE_OK) fail(to, doing);
  }
  if (rc != SQLITE_DONE) fail(from, doing);
}

}  // namespace

SqliteTwin::SqliteTwin(sqlite3* inventory) {
  // As the inventory's connection is set up (inventory.cpp): no clock, no double-quoted strings.
  const int rc = sqlite3_open_v2(":memory:", &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 clockless_vfs());
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(tr("CHATAUDIT_STORE=sqlite: cannot open an SQLite connection: {}", message));
  }
  try {
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
    sqlite3_db_config(db_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
    exec(db_, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp.cache_size = -131072",
         tr("setting up"));
    std::vector<std::string> tables;
    {
      Statement list;
      prepare(inventory,
              "SELECT name FROM main.sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
              list, tr("listing the inventory's tables"));
      int step;
      while ((step = sqlite3_step(list.handle)) == SQLITE_ROW)
        tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(list.handle, 0)));
      if (step != SQLITE_DONE) fail(inventory, tr("listing the inventory's tables"));
    }
    exec(db_, "BEGIN", tr("copying the inventory"));
    for (const std::string& table : tables) copy_table(inventory, db_, table);
    exec(db_, "COMMIT", tr("copying the inventory"));
  } catch (...) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

SqliteTwin::~SqliteTwin() { sqlite3_close_v2(db_); }

}  // namespace chataudit
