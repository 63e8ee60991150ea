#pragma once
// Key checks: duplicate keys within a table (KeyLines), and references from a child table's rows
// to the keys of a parent table loaded before it.
#include <algorithm>
#include <cassert>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "load/header_plan.h"
#include "load/normalize.h"
#include "load/row_sources.h"
#include "store/colstore.h"

namespace chataudit::loading {

// The keys a table has shown so far, each with the line it was first on: one open-addressing
// table of 16-byte slots (the key's hash, and where its bytes are in one buffer of all the keys),
// where a map of strings costs an allocation or two per key (a million people, a million rows).
class KeyLines {
 public:
  /// The line `key` was first on, if it was seen before; else nothing, and `line` is recorded
  /// for it.
  std::optional<int> first(std::string_view key, int line) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t hash = std::hash<std::string_view>{}(key);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
      Slot& slot = slots_[at];
      if (slot.key == 0) {
        keys_.push_back(Key{bytes_.size(), key.size()});
        bytes_.append(key);
        slot = Slot{hash, static_cast<std::uint32_t>(keys_.size()), line};
        ++used_;
        return std::nullopt;
      }
      if (slot.hash == hash && bytes_of(slot.key) == key) return slot.line;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t key = 0;  // keys_ index + 1; 0: empty
    int line = 0;
  };
  struct Key {
    std::size_t offset, size;
  };
  std::string_view bytes_of(std::uint32_t key) const {
    const Key& at = keys_[key - 1];
    return std::string_view(bytes_).substr(at.offset, at.size);
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(slots_.size() * 2, 1024));
    old.swap(slots_);
    // A power of two: `hash & mask` is a slot, and probing wraps with the mask.
    assert((slots_.size() & (slots_.size() - 1)) == 0);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.key == 0) continue;
      std::size_t at = slot.hash & mask;
      while (slots_[at].key != 0) at = (at + 1) & mask;
      slots_[at] = slot;
    }
  }
  std::vector<Slot> slots_;
  std::vector<Key> keys_;
  std::string bytes_;
  std::size_t used_ = 0;
};

// One reference to check on every row, resolved once per table: which column, against which
// loaded parent's keys, and only where another column holds a value (`kind` = group).
struct ParentCheck {
  int column = -1, when_column = -1;
  std::string_view when_value, parent_table;
  const Column* keys = nullptr;
};

/// Each keyed table loaded so far, with its key column.
using LoadedKeys = std::unordered_map<std::string, const Column*>;

// The references of `table` (laid out as `layout`) whose parent table is loaded.
std::vector<ParentCheck> parent_checks(const std::string& table, const TableLayout& layout, const LoadedKeys& keys);

// Whether the row's references are all in their parents' keys; else adds the first missing one to
// `problems`. `last_found`: for each check, the value last found in its parent table (a child
// table sorted by its parent, as members by group, names the same parent row after row: one
// comparison).
bool check_parents(const std::string& table, const std::vector<ParentCheck>& checks, const TableLayout& layout,
                   const std::vector<std::string>& source_names, const std::vector<Cell>& cells,
                   const std::vector<Value>& values, const RowSource& rows, DiagnosticList& problems,
                   std::vector<std::string>& last_found);

}  // namespace chataudit::loading
