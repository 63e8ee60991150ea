// The loader's row batches: values copied aside with their dictionary slots prefetched, then
// pushed into the column store a batch at a time.
#include "load/row_batch.h"

#include <cassert>
#include <string_view>

namespace chataudit::loading {

RowBatch::RowBatch(ColumnTable& into, std::size_t& loaded) : into_(into), loaded_(loaded), width_(into.names().size()) {
  pending_.reserve(kBatchRows * width_);
}

void RowBatch::add(const std::vector<Value>& values) {
  assert(values.size() == width_);
  for (std::size_t c = 0; c < width_; ++c) {
    const Value& value = values[c];
    Pending& added = pending_.emplace_back(Pending{value.kind, 0, 0, value.integer, 0});
    if (value.kind != Value::Kind::text) continue;
    added.offset = pending_bytes_.size();
    added.size = value.text.size();
    pending_bytes_.append(value.text);
    added.hash = into_.column(c).prefetch_text(value.text);
  }
  // (A batch of long texts goes in early: the copies it waits in stay small.)
  if (pending_.size() == kBatchRows * width_ || pending_bytes_.size() >= kBatchBytes) flush();
}

void RowBatch::flush() {
  // Whole rows only: the last value pushed ends a row.
  assert(width_ == 0 || pending_.size() % width_ == 0);
  for (std::size_t i = 0; i < pending_.size(); ++i) into_.column(i % width_).prefetch_entry(pending_[i].hash);
  for (std::size_t i = 0; i < pending_.size(); ++i) into_.column(i % width_).prefetch_entry(pending_[i].hash, true);
  for (std::size_t i = 0; i < pending_.size(); ++i) {
    const Pending& value = pending_[i];
    Column& column = into_.column(i % width_);
    switch (value.kind) {
      case Value::Kind::null:
        column.push_null();
        break;
      case Value::Kind::text:
        column.push_text(std::string_view(pending_bytes_).substr(value.offset, value.size), value.hash);
        break;
      case Value::Kind::integer:
        column.push_integer(value.integer);
        break;
    }
    if (i % width_ == width_ - 1) {
      into_.end_row();
      ++loaded_;
    }
  }
  pending_.clear();
  pending_bytes_.clear();
  if (pending_bytes_.capacity() > 4 * kBatchBytes) std::string().swap(pending_bytes_);  // after a huge text
}

}  // namespace chataudit::loading
