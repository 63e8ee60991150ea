#pragma once
// Batching: rows accepted by the loader wait in a batch before they are pushed into the column
// store, so that the trips to memory of a whole batch are under way at once.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "load/normalize.h"
#include "store/colstore.h"

namespace chataudit::loading {

// Rows the loader reads before it pushes them into the store.
inline constexpr std::size_t kBatchRows = 32, kBatchBytes = std::size_t{1} << 20;

// Rows accepted wait in a batch of kBatchRows before they go in: each value's dictionary slot is
// fetched as its row is read, the entries those slots name once the batch is full, and only then
// are the values pushed, in row order. The trips to memory of a whole batch are under way at
// once, where a row at a time waits for each in turn.
class RowBatch {
 public:
  /// Rows go into `into`, whose width is `into.names().size()`; `loaded` counts those pushed.
  RowBatch(ColumnTable& into, std::size_t& loaded);
  /// Adds a row of values, one per column; pushes the batch once it is full.
  void add(const std::vector<Value>& values);
  /// Pushes the rows waiting, in row order.
  void flush();

 private:
  struct Pending {
    Value::Kind kind;
    std::size_t offset, size;  // a text's bytes in `pending_bytes_`
    std::int64_t integer;
    std::uint64_t hash;  // prefetch_text()'s
  };
  ColumnTable& into_;
  std::size_t& loaded_;
  const std::size_t width_;
  std::vector<Pending> pending_;
  std::string pending_bytes_;
};

}  // namespace chataudit::loading
