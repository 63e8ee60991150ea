#pragma once
// The column store's own shared state, for its files only (column.cpp, column_table.cpp, vtab.cpp,
// colstore.cpp): each thread's memory of the values handed to SQLite, and the virtual table's cursor.
#include <sqlite3.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace chataudit {

class Column;
class ColumnTable;

namespace colstore_internal {

// The values the virtual tables handed to SQLite last, by address: when a view's column is a
// table's column passed through, the value's address finds its code without hashing its bytes.
//
// Each entry names a column by address, which is only safe to follow while that column lives.
// Every ColumnStore::release() (and a store's end) starts a new generation; an entry is followed
// only when it was noted in the current one (see handed_to), so that no thread — not only the one
// that released — ever follows an entry to a freed column, or to another column since made at the
// same address. (A generation number repeats after 2^32 releases; a run makes a few per view.)
// Tables are released only while no statement reads them (ColumnStore::release), so a generation
// cannot end between the check and the use.
struct Handed {
  const char* text = nullptr;
  const Column* column = nullptr;
  std::uint32_t code = 0;
  std::uint32_t generation = 0;  // 0: never current
};
constexpr std::size_t kHandedSlots = 1024;
// Defined in column.cpp. constinit: no other file's read of them waits on a thread-local
// initializer.
extern constinit thread_local Handed handed[kHandedSlots];
extern constinit std::atomic<std::uint32_t> handed_generation;

inline std::uint32_t current_generation() { return handed_generation.load(std::memory_order_relaxed); }

inline std::size_t handed_slot(const char* text) {
  return (reinterpret_cast<std::uintptr_t>(text) >> 3) % kHandedSlots;
}

// The entry noting that `text` was handed out in this generation, or nullptr.
inline const Handed* handed_to(const char* text) {
  const Handed& from = handed[handed_slot(text)];
  if (!text || from.text != text || !from.column || from.generation != current_generation()) return nullptr;
  return &from;
}

// A cursor of the virtual table (vtab.cpp); ColumnTable::append_row reads where the cursor on its
// source table is (see CursorTracking).
struct Cursor {
  sqlite3_vtab_cursor base{};
  const ColumnTable* table = nullptr;
  const std::uint32_t* list = nullptr;  // the rows to visit; nullptr: every row in order
  std::size_t at = 0, end = 0;
  std::uint32_t row() const { return list ? list[at] : static_cast<std::uint32_t>(at); }
  const char* parsed_from = nullptr;  // the index string `columns` was read from
  std::vector<int> columns;
  // In an ordered scan, the codes of the columns the query reads, at each position of the order
  // (ColumnTable::ordered_codes); nullptr for a column read from its rows.
  std::vector<const std::uint32_t*> ordered_codes;
  bool ordered = false;  // the last filter was an ordered scan
  // A column every row the last filter visits holds the text its equality named, and that text
  // was one the store handed out (its bytes stay where they are): column() hands those bytes out
  // again instead of reading the row's dictionary entry, a trip to memory per row of a join's
  // inner side. -1: none.
  int known_column = -1;
  const char* known_text = nullptr;
  int known_size = 0;
  Handed known_handed;  // where the text came from (see Handed), noted again as it is handed out
};

// The cursor `table` is read with by the statements stepped on this thread while a CursorTracking
// lives; nullptr when there is none, it was closed, or the table is read by more than one.
const Cursor* tracked_cursor(const ColumnTable* table);

// The module "chataudit_columns" (vtab.cpp), which ColumnStore::register_with registers.
const sqlite3_module& columns_module();

}  // namespace colstore_internal
}  // namespace chataudit
