// The column store: the tables it owns, their registration with SQLite, and the generations of
// what it handed to SQLite (see colstore.h; the virtual table module is in vtab.cpp).
#include "store/colstore.h"

#include <fmt/format.h>

#include <stdexcept>

#include "store/colstore_internal.h"

namespace chataudit {

using namespace colstore_internal;

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

bool handed_out_now(const void* text) { return handed_to(static_cast<const char*>(text)) != nullptr; }

void ColumnStore::register_with(sqlite3* db) {
  if (sqlite3_create_module_v2(db, "chataudit_columns", &columns_module(), this, nullptr) != SQLITE_OK)
    throw std::runtime_error(fmt::format("cannot register the column store with SQLite: {}", sqlite3_errmsg(db)));
}

ColumnTable& ColumnStore::create(std::string name, std::vector<std::string> names, std::vector<std::string> types) {
  tables_.push_back(std::make_unique<ColumnTable>(std::move(name), std::move(names), std::move(types)));
  return *tables_.back();
}

const ColumnTable* ColumnStore::find(std::string_view name) const {
  for (auto it = tables_.rbegin(); it != tables_.rend(); ++it)
    if (*it && (*it)->name() == name) return it->get();
  return nullptr;
}

// Every thread's handed[] may name the store's columns: a new generation makes all of it stale.
ColumnStore::~ColumnStore() { handed_generation.fetch_add(1, std::memory_order_relaxed); }

void ColumnStore::release(const ColumnTable& table) {
  // What any thread remembers handing out may be the table's: a new generation (see Handed).
  handed_generation.fetch_add(1, std::memory_order_relaxed);
  for (auto it = registered_.begin(); it != registered_.end();)
    it = it->second == &table ? registered_.erase(it) : std::next(it);
  for (auto& owned : tables_)
    if (owned.get() == &table) owned.reset();
}

void ColumnStore::refer(ColumnTable& table, sqlite3_stmt* statement) const {
  for (int i = 0; i < sqlite3_column_count(statement) && static_cast<std::size_t>(i) < table.width(); ++i) {
    const char* schema = sqlite3_column_database_name(statement, i);
    const char* name = sqlite3_column_table_name(statement, i);
    const char* origin = sqlite3_column_origin_name(statement, i);
    if (!schema || !name || !origin) continue;
    const ColumnTable* source = registered(schema, name);
    const int column = source ? source->column_index(origin) : -1;
    if (source && source != &table && column >= 0)
      table.reference(static_cast<std::size_t>(i), *source, static_cast<std::size_t>(column));
  }
}

const ColumnTable* ColumnStore::registered(std::string_view schema, std::string_view name) const {
  const auto it = registered_.find(std::pair<std::string, std::string>(schema, name));
  return it == registered_.end() ? nullptr : it->second;
}

std::string ColumnStore::create_statement(const ColumnTable& table, std::string_view schema) {
  std::size_t index = 0;
  while (index < tables_.size() && tables_[index].get() != &table) ++index;
  registered_[{std::string(schema), table.name()}] = &table;
  return fmt::format("CREATE VIRTUAL TABLE {}.{} USING chataudit_columns({})", schema, quote_identifier(table.name()),
                     index);
}

}  // namespace chataudit
