#pragma once
// The plain-SQLite twin of the column store (CHATAUDIT_STORE=sqlite): the inventory's tables copied
// into ordinary SQLite tables, on which the engine fills the policy's views as ordinary tables and
// runs the rules with none of the store's shortcuts. It is the oracle the differential tests hold
// the store against, and a fallback an operator can switch to.
#include <sqlite3.h>

namespace chataudit {

/// Which storage the engine fills views into and runs rules on.
enum class StoreKind { columnar, sqlite };

/// CHATAUDIT_STORE: unset, empty or `columnar` is the column store, `sqlite` the plain twin;
/// anything else throws Error (exit 2).
StoreKind store_from_environment();

/// An in-memory SQLite connection holding a copy of every table of `inventory`'s main schema as an
/// ordinary table of the same name, column names and declared types, rows in the same order.
class SqliteTwin {
 public:
  /// Copies the tables; throws Error when SQLite refuses.
  explicit SqliteTwin(sqlite3* inventory);
  ~SqliteTwin();
  SqliteTwin(const SqliteTwin&) = delete;
  SqliteTwin& operator=(const SqliteTwin&) = delete;
  /// The twin's connection (the engine adds the views to its temp schema).
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace chataudit
