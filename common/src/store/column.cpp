// One column of the store: filling its dictionary and codes, lookups, posting lists and ranks
// (see column.h).
#include "store/column.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <functional>
#include <numeric>
#include <stdexcept>

#include "store/colstore_internal.h"

namespace chataudit {

namespace colstore_internal {

constinit thread_local Handed handed[kHandedSlots];
constinit std::atomic<std::uint32_t> handed_generation{1};

}  // namespace colstore_internal

using namespace colstore_internal;

namespace {

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Every Column gets a serial number no other Column of the process ever has: the caches that
// remember other columns (translations_, found_from_) key on it, so that an entry about a freed
// column can never be taken for a column made later at the same address.
std::atomic<std::uint64_t> next_serial{1};

}  // namespace

Column::Column(ByteArena& arena) : arena_(arena), serial_(next_serial.fetch_add(1, std::memory_order_relaxed)) {
  entries_.push_back(Entry::null());
  slots_.assign(16, 0);
}

Column::Column(ByteArena& arena, const Column& source, const BigVector<std::uint32_t>& rows)
    : arena_(arena),
      serial_(next_serial.fetch_add(1, std::memory_order_relaxed)),
      dictionary_(source.dictionary_),
      source_(&source),
      rows_(&rows) {
  entries_.push_back(Entry::null());
}

bool Column::holds(std::size_t row, sqlite3_stmt* statement, int index, int type) const {
  assert(row < size());
  const std::uint32_t at = code(row);
  assert(at < dictionary_->entries_.size());
  const Entry& entry = dictionary_->entries_[at];
  if (static_cast<int>(entry.type()) != type) return false;
  switch (type) {
    case SQLITE_INTEGER:
      return entry.bits() == static_cast<std::uint64_t>(sqlite3_column_int64(statement, index));
    case SQLITE_FLOAT:
      return entry.bits() == std::bit_cast<std::uint64_t>(sqlite3_column_double(statement, index));
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, index));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, index));
      const char* held = entry.data();
      return size == entry.size() && (size == 0 || bytes == held || std::memcmp(bytes, held, size) == 0);
    }
    default:
      return true;  // NULL
  }
}

std::uint64_t Column::hash_of(std::uint32_t type, std::uint64_t payload, std::string_view bytes) {
  if (type == SQLITE_TEXT || type == SQLITE_BLOB) return mix(std::hash<std::string_view>{}(bytes) + type);
  return mix(payload * 31 + type);
}

std::int64_t Column::lookup(std::uint32_t type, std::uint64_t payload, std::string_view bytes,
                            std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uint64_t tag = hash & 0xFFFFFFFFu;
  for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
    const std::uint64_t slot = slots_[at];
    if (slot == 0) return -1;
    if ((slot >> 32) != tag) continue;
    const std::uint32_t code = static_cast<std::uint32_t>(slot) - 1;
    const Entry& entry = entries_[code];
    if (entry.type() != type) continue;
    if (type == SQLITE_TEXT || type == SQLITE_BLOB) {
      if (entry.size() == bytes.size() && std::memcmp(entry.data(), bytes.data(), bytes.size()) == 0) return code;
    } else if (entry.bits() == payload) {
      return code;
    }
  }
}

void Column::grow_slots() {
  BigVector<std::uint64_t> old(slots_.size() * 2, 0);
  old.swap(slots_);
  const std::size_t mask = slots_.size() - 1;
  for (std::uint64_t slot : old) {
    if (slot == 0) continue;
    std::size_t at = (slot >> 32) & mask;  // the hash's low bits are kept in the slot
    while (slots_[at] != 0) at = (at + 1) & mask;
    slots_[at] = slot;
  }
}

std::uint32_t Column::add(Entry entry, std::uint64_t hash) {
  const auto code = static_cast<std::uint32_t>(entries_.size());
  entries_.push_back(entry);
  types_ |= 1u << entry.type();
  if (!deduplicated_) return code;
  if (entries_.size() * 2 > slots_.size()) grow_slots();
  const std::size_t mask = slots_.size() - 1;
  std::size_t at = hash & mask;
  while (slots_[at] != 0) at = (at + 1) & mask;
  slots_[at] = (hash << 32) | (std::uint64_t{code} + 1);
  return code;
}

void Column::widen(int width) {
  if (width_ == 0) {  // sealed: the codes are stored again
    wide_.resize(size_);
    std::iota(wide_.begin(), wide_.end(), 1u);
    width_ = 4;
  }
  if (width_ == 1 && width > 1) {
    middle_.assign(narrow_.begin(), narrow_.end());
    BigVector<std::uint8_t>().swap(narrow_);
    width_ = 2;
  }
  if (width_ == 2 && width > 2) {
    wide_.assign(middle_.begin(), middle_.end());
    BigVector<std::uint16_t>().swap(middle_);
    width_ = 4;
  }
}

void Column::push_code(std::uint32_t code) {
  // A column is complete before it is read: posting lists built for a lookup would miss the row.
  assert(!postings_built_.load(std::memory_order_relaxed));
  // A column of (nearly) all distinct values, such as a per-row id: the dictionary would only
  // repeat the rows, so values are no longer looked up, each new one is added (see find()).
  if (size_ == kSampleRows && deduplicated_ && entries_.size() > kSampleRows * 9 / 10) {
    deduplicated_ = false;
    BigVector<std::uint64_t>().swap(slots_);
  }
  if (width_ == 0) widen(4);
  if (code > (width_ == 1 ? 0xFFu : width_ == 2 ? 0xFFFFu : 0xFFFFFFFFu)) widen(code > 0xFFFF ? 4 : 2);
  switch (width_) {
    case 1:
      narrow_.push_back(static_cast<std::uint8_t>(code));
      break;
    case 2:
      middle_.push_back(static_cast<std::uint16_t>(code));
      break;
    default:
      wide_.push_back(code);
  }
  ++size_;
}

std::uint64_t Column::prefetch_text(std::string_view text) const {
  if (!deduplicated_) return 0;
  const Entry& last = entries_[last_];
  if (last.type() == SQLITE_TEXT && last.view() == text) return 0;
  const std::uint64_t hash = hash_of(SQLITE_TEXT, 0, text);
  __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]);
  return hash;
}

void Column::prefetch_entry(std::uint64_t hash, bool bytes_too) const {
  if (hash == 0 || !deduplicated_) return;
  const std::uint64_t slot = slots_[hash & (slots_.size() - 1)];
  if (slot == 0 || (slot >> 32) != (hash & 0xFFFFFFFFu)) return;
  const std::uint32_t code = static_cast<std::uint32_t>(slot) - 1;
  if (code >= entries_.size()) return;
  const Entry& entry = entries_[code];
  if (!bytes_too) {
    __builtin_prefetch(&entry);
  } else if ((entry.type() == SQLITE_TEXT || entry.type() == SQLITE_BLOB) && Entry::needs_storage(entry.size())) {
    __builtin_prefetch(entry.data());
  }
}

void Column::push_bytes(std::uint32_t type, std::string_view bytes, std::uint64_t hash) {
  const Entry& last = entries_[last_];
  if (last.type() == type && last.view() == bytes) {
    push_code(last_);
    return;
  }
  // Text another column of the store handed out: its code there translates to a code here.
  std::uint32_t* translated = nullptr;
  const char* stored = nullptr;
  if (type == SQLITE_TEXT) {
    const Handed* from = handed_to(bytes.data());
    if (from && from->column != this && from->code < from->column->entries_.size()) {
      const Entry& source = from->column->entries_[from->code];
      if (source.data() == bytes.data() && source.size() == bytes.size() && source.type() == SQLITE_TEXT) {
        BigVector<std::uint32_t>* table = nullptr;
        const std::uint64_t serial = from->column->serial_;
        for (auto& [column, codes] : translations_)
          if (column == serial) table = &codes;
        if (!table && translations_.size() < 4)
          table = &translations_.emplace_back(serial, BigVector<std::uint32_t>()).second;
        if (table) {
          if (table->size() < from->column->entries_.size()) table->resize(from->column->entries_.size(), 0);
          assert(from->code < table->size());
          translated = &(*table)[from->code];
          if (*translated != 0) {
            last_ = *translated;
            push_code(last_);
            return;
          }
        }
        // An arena's bytes never move: shared, not copied (a short text is copied into the entry).
        if (Entry::needs_storage(bytes.size())) stored = bytes.data();
      }
    }
  }
  if (deduplicated_ && hash == 0) hash = hash_of(type, 0, bytes);
  std::int64_t code = deduplicated_ ? lookup(type, 0, bytes, hash) : -1;
  if (code < 0) {
    if (!stored && Entry::needs_storage(bytes.size())) stored = arena_.store(bytes);
    code = add(Entry::bytes(type, bytes, stored), hash);
  }
  last_ = static_cast<std::uint32_t>(code);
  if (translated) *translated = last_;
  push_code(last_);
}

void Column::push_number(std::uint32_t type, std::uint64_t payload) {
  const Entry& last = entries_[last_];
  if (last.type() == type && last.bits() == payload) {
    push_code(last_);
    return;
  }
  const std::uint64_t hash = deduplicated_ ? hash_of(type, payload, {}) : 0;
  std::int64_t code = deduplicated_ ? lookup(type, payload, {}, hash) : -1;
  if (code < 0) code = add(Entry::number(type, payload), hash);
  last_ = static_cast<std::uint32_t>(code);
  push_code(last_);
}

void Column::push_integer(std::int64_t value) { push_number(SQLITE_INTEGER, static_cast<std::uint64_t>(value)); }

void Column::push_real(double value) { push_number(SQLITE_FLOAT, std::bit_cast<std::uint64_t>(value)); }

void Column::push_from(sqlite3_stmt* statement, int index) {
  switch (sqlite3_column_type(statement, index)) {
    case SQLITE_INTEGER:
      push_integer(sqlite3_column_int64(statement, index));
      break;
    case SQLITE_FLOAT:
      push_real(sqlite3_column_double(statement, index));
      break;
    case SQLITE_TEXT: {
      // Read as a blob: SQLite hands over its bytes as they are, where sqlite3_column_text would
      // copy text that has no NUL terminator after it (as the store's values are handed out).
      const auto* text = static_cast<const char*>(sqlite3_column_blob(statement, index));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, index));
      push_text(std::string_view(text ? text : "", size));
      break;
    }
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, index));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, index));
      push_blob(std::string_view(bytes ? bytes : "", size));
      break;
    }
    default:
      push_null();
  }
}

void Column::result(sqlite3_context* context, std::uint32_t code) const {
  if (dictionary_ != this) return dictionary_->result(context, code);
  assert(code < entries_.size());
  const Entry& entry = entries_[code];
  switch (entry.type()) {
    case SQLITE_INTEGER:
      sqlite3_result_int64(context, static_cast<std::int64_t>(entry.bits()));
      break;
    case SQLITE_FLOAT:
      sqlite3_result_double(context, std::bit_cast<double>(entry.bits()));
      break;
    case SQLITE_TEXT: {
      const char* text = entry.data();
      sqlite3_result_text(context, text, static_cast<int>(entry.size()), SQLITE_STATIC);
      handed[handed_slot(text)] = Handed{text, this, code, current_generation()};
      break;
    }
    case SQLITE_BLOB:
      sqlite3_result_blob(context, entry.data(), static_cast<int>(entry.size()), SQLITE_STATIC);
      break;
    default:
      sqlite3_result_null(context);
  }
}

void Column::ensure_lookup() const {
  if (deduplicated_ || lookup_built_.load(std::memory_order_acquire)) return;
  std::lock_guard lock(lazy_);
  if (lookup_built_.load(std::memory_order_relaxed)) return;
  // The hash the column stopped keeping, built now that a value is looked up: every entry maps to
  // the first entry with its value (its canonical code).
  std::size_t size = 16;
  while (size < entries_.size() * 2) size *= 2;
  slots_.assign(size, 0);
  canon_.resize(entries_.size());
  const std::size_t mask = size - 1;
  for (std::uint32_t code = 1; code < entries_.size(); ++code) {
    const Entry& entry = entries_[code];
    const bool bytes = entry.type() == SQLITE_TEXT || entry.type() == SQLITE_BLOB;
    const std::string_view text = bytes ? entry.view() : std::string_view();
    const std::uint64_t payload = bytes ? 0 : entry.bits();
    const std::uint64_t hash = hash_of(entry.type(), payload, text);
    const std::int64_t found = lookup(entry.type(), payload, text, hash);
    if (found >= 0) {
      canon_[code] = static_cast<std::uint32_t>(found);
      continue;
    }
    canon_[code] = code;
    std::size_t at = hash & mask;
    while (slots_[at] != 0) at = (at + 1) & mask;
    slots_[at] = (hash << 32) | (std::uint64_t{code} + 1);
  }
  lookup_built_.store(true, std::memory_order_release);
}

bool Column::holds_null() const {
  const std::size_t rows = size();
  for (std::size_t row = 0; row < rows; ++row)
    if (code(row) == 0) return true;
  return false;
}

bool Column::contains_text(std::string_view text) const {
  if (dictionary_ != this) return dictionary_->contains_text(text);
  ensure_lookup();
  return lookup(SQLITE_TEXT, 0, text, hash_of(SQLITE_TEXT, 0, text)) >= 0;
}

std::int64_t Column::find_text(std::string_view bytes) const {
  auto hashed = [&] { return lookup(SQLITE_TEXT, 0, bytes, hash_of(SQLITE_TEXT, 0, bytes)); };
  const Handed* from = handed_to(bytes.data());
  if (!from || from->column == this || from->code >= from->column->entries_.size()) return hashed();
  const Entry& source = from->column->entries_[from->code];
  if (source.data() != bytes.data() || source.size() != bytes.size() || source.type() != SQLITE_TEXT) return hashed();
  const std::uint64_t serial = from->column->serial_;
  int slot = 0;
  while (slot < kFound && found_from_[slot].load(std::memory_order_acquire) != serial) ++slot;
  if (slot == kFound) {
    std::lock_guard lock(lazy_);
    slot = 0;
    while (slot < kFound && found_from_[slot].load(std::memory_order_relaxed) != serial &&
           found_from_[slot].load(std::memory_order_relaxed) != 0)
      ++slot;
    if (slot == kFound) return hashed();
    if (found_from_[slot].load(std::memory_order_relaxed) == 0) {
      found_size_[slot] = from->column->entries_.size();
      found_codes_[slot] = std::make_unique<std::atomic<std::uint32_t>[]>(found_size_[slot]);
      found_from_[slot].store(serial, std::memory_order_release);
    }
  }
  if (from->code >= found_size_[slot]) return hashed();
  std::atomic<std::uint32_t>& known = found_codes_[slot][from->code];
  const std::uint32_t code = known.load(std::memory_order_relaxed);
  if (code == kAbsent) return -1;
  if (code != 0) return code - 1;
  const std::int64_t found = hashed();
  known.store(found < 0 ? kAbsent : static_cast<std::uint32_t>(found) + 1, std::memory_order_relaxed);
  return found;
}

std::int64_t Column::find(sqlite3_value* value) const {
  if (dictionary_ != this) return dictionary_->find(value);
  ensure_lookup();
  switch (sqlite3_value_type(value)) {
    case SQLITE_INTEGER: {
      const auto payload = static_cast<std::uint64_t>(sqlite3_value_int64(value));
      return lookup(SQLITE_INTEGER, payload, {}, hash_of(SQLITE_INTEGER, payload, {}));
    }
    case SQLITE_FLOAT: {
      const auto payload = std::bit_cast<std::uint64_t>(sqlite3_value_double(value));
      return lookup(SQLITE_FLOAT, payload, {}, hash_of(SQLITE_FLOAT, payload, {}));
    }
    case SQLITE_TEXT: {
      // As a blob: the bytes as they are, where sqlite3_value_text would copy a text without a
      // NUL after it (as the store hands its values out) to add one.
      const auto* text = static_cast<const char*>(sqlite3_value_blob(value));
      return find_text(std::string_view(text ? text : "", static_cast<std::size_t>(sqlite3_value_bytes(value))));
    }
    case SQLITE_BLOB: {
      const auto* blob = static_cast<const char*>(sqlite3_value_blob(value));
      const std::string_view bytes(blob ? blob : "", static_cast<std::size_t>(sqlite3_value_bytes(value)));
      return lookup(SQLITE_BLOB, 0, bytes, hash_of(SQLITE_BLOB, 0, bytes));
    }
    default:
      return -1;
  }
}

std::pair<const std::uint32_t*, const std::uint32_t*> Column::rows_with(std::uint32_t value) const {
  // Built once under the lock; read without it afterwards (threads share the store).
  const Column& values = *dictionary_;
  values.ensure_lookup();
  if (!postings_built_.load(std::memory_order_acquire)) {
    std::lock_guard lock(lazy_);
    if (!postings_built_.load(std::memory_order_relaxed)) {
      // A counting sort of the rows by (canonical) code.
      const std::size_t rows = size();
      auto key = [&](std::size_t row) { return values.deduplicated_ ? code(row) : values.canon_[code(row)]; };
      posting_start_.assign(values.entries_.size() + 1, 0);
      for (std::size_t row = 0; row < rows; ++row) ++posting_start_[key(row) + 1];
      std::partial_sum(posting_start_.begin(), posting_start_.end(), posting_start_.begin());
      posting_rows_.resize(rows);
      BigVector<std::uint32_t> next(posting_start_.begin(), posting_start_.end() - 1);
      for (std::size_t row = 0; row < rows; ++row) posting_rows_[next[key(row)]++] = static_cast<std::uint32_t>(row);
      // Every value once, in row order (a key column as loaded): value k at row k - 1.
      bool in_order = values.entries_.size() == rows + 1;
      for (std::size_t row = 0; in_order && row < rows; ++row) in_order = key(row) == row + 1;
      one_row_per_code_ = in_order;
      postings_built_.store(true, std::memory_order_release);
    }
  }
  assert(value + std::size_t{1} < posting_start_.size());
  const std::uint32_t* base = posting_rows_.data();
  return {base + posting_start_[value], base + posting_start_[value + 1]};
}

bool Column::has_postings() const { return postings_built_.load(std::memory_order_acquire); }

void Column::seal() {
  if (rows_ || width_ == 0 || size_ == 0 || size_ >= 0xFFFFFFFFu) return;
  for (std::size_t row = 0; row < size_; ++row)
    if (code(row) != row + 1) return;  // most columns stop at their second row
  BigVector<std::uint8_t>().swap(narrow_);
  BigVector<std::uint16_t>().swap(middle_);
  BigVector<std::uint32_t>().swap(wide_);
  width_ = 0;
}

bool Column::one_row_per_code() const {
  // Sealed codes into a dictionary of distinct values: code k is row k - 1's, and no other row's.
  if (width_ == 0 && dictionary_->deduplicated_) return true;
  if (!postings_built_.load(std::memory_order_acquire)) rows_with(0);  // sets it
  return one_row_per_code_;
}

void Column::append(const Column& other) {
  // Each of the other column's values once into this dictionary (the bytes of a long one shared,
  // not copied: the table adopts the other's arena), then its rows as codes here.
  BigVector<std::uint32_t> codes(other.entries_.size(), 0);
  for (std::size_t k = 1; k < other.entries_.size(); ++k) {
    const Entry& entry = other.entries_[k];
    const bool has_bytes = entry.type() == SQLITE_TEXT || entry.type() == SQLITE_BLOB;
    const std::string_view bytes = has_bytes ? entry.view() : std::string_view();
    const std::uint64_t payload = has_bytes ? 0 : entry.bits();
    const std::uint64_t hash = deduplicated_ ? hash_of(entry.type(), payload, bytes) : 0;
    const std::int64_t code = deduplicated_ ? lookup(entry.type(), payload, bytes, hash) : -1;
    codes[k] = code >= 0 ? static_cast<std::uint32_t>(code) : add(entry, hash);
  }
  for (std::size_t row = 0; row < other.size_; ++row) push_code(codes[other.code(row)]);
}

std::unique_ptr<Column> Column::codes_of(ByteArena& arena, const Column& values) {
  auto column = std::make_unique<Column>(arena);
  column->dictionary_ = values.dictionary_;
  return column;
}

void Column::append_codes(const Column& other) {
  if (other.dictionary_ != dictionary_ || dictionary_ == this)
    throw std::logic_error("Column::append_codes: another dictionary");
  // The codes' width is known from the dictionary: sized once, filled in one loop.
  const std::size_t distinct = dictionary_->entries_.size();
  const int width = distinct <= 0x100 ? 1 : distinct <= 0x10000 ? 2 : 4;
  widen(width);
  const std::size_t rows = other.size();
  auto fill = [&](auto& codes) {
    const std::size_t at = codes.size();
    codes.resize(at + rows);
    for (std::size_t row = 0; row < rows; ++row)
      codes[at + row] = static_cast<std::remove_reference_t<decltype(codes[0])>>(other.code(row));
  };
  switch (width_) {
    case 1:
      fill(narrow_);
      break;
    case 2:
      fill(middle_);
      break;
    default:
      fill(wide_);
  }
  size_ += rows;
}

const BigVector<std::uint32_t>& Column::ranks() const {
  if (dictionary_ != this) return dictionary_->ranks();
  std::lock_guard lock(lazy_);
  if (ranks_.size() == entries_.size()) return ranks_;
  // SQLite's BINARY order: NULL, numbers (integers and reals by value), text, blobs (bytes, then length).
  auto klass = [](std::uint32_t type) {
    return type == SQLITE_NULL ? 0 : type == SQLITE_INTEGER || type == SQLITE_FLOAT ? 1 : type == SQLITE_TEXT ? 2 : 3;
  };
  auto number = [](const Entry& e) {
    return e.type() == SQLITE_INTEGER ? static_cast<long double>(static_cast<std::int64_t>(e.bits()))
                                      : static_cast<long double>(std::bit_cast<double>(e.bits()));
  };
  // Sorted by class and the first eight bytes held in the key itself (most comparisons never
  // reach the bytes), then by the whole value.
  struct Key {
    std::uint64_t prefix;
    std::uint32_t klass, code;
  };
  BigVector<Key> keys(entries_.size());
  for (std::uint32_t code = 0; code < entries_.size(); ++code) {
    const Entry& e = entries_[code];
    std::uint64_t prefix = 0;
    if (e.type() == SQLITE_TEXT || e.type() == SQLITE_BLOB) {
      const auto* bytes = reinterpret_cast<const unsigned char*>(e.data());
      const std::uint32_t size = e.size();
      for (std::uint32_t i = 0; i < 8; ++i) prefix = prefix << 8 | (i < size ? bytes[i] : 0);
    }
    keys[code] = Key{prefix, static_cast<std::uint32_t>(klass(e.type())), code};
  }
  std::sort(keys.begin(), keys.end(), [&](const Key& a, const Key& b) {
    if (a.klass != b.klass) return a.klass < b.klass;
    if (a.klass >= 2 && a.prefix != b.prefix) return a.prefix < b.prefix;
    const Entry& x = entries_[a.code];
    const Entry& y = entries_[b.code];
    const int kx = static_cast<int>(a.klass);
    if (kx == 0) return false;
    if (kx == 1) {
      if (x.type() == SQLITE_INTEGER && y.type() == SQLITE_INTEGER)
        return static_cast<std::int64_t>(x.bits()) < static_cast<std::int64_t>(y.bits());
      return number(x) < number(y);
    }
    const int c = std::memcmp(x.data(), y.data(), std::min(x.size(), y.size()));
    return c != 0 ? c < 0 : x.size() < y.size();
  });
  BigVector<std::uint32_t> order(entries_.size());
  for (std::size_t i = 0; i < keys.size(); ++i) order[i] = keys[i].code;
  BigVector<Key>().swap(keys);
  // Values that compare equal (an integer and a real of the same value) share a rank: their rows
  // keep their order among themselves.
  ranks_.assign(entries_.size(), 0);
  std::uint32_t rank = 0;
  for (std::size_t i = 1; i < order.size(); ++i) {
    const Entry& x = entries_[order[i - 1]];
    const Entry& y = entries_[order[i]];
    const bool equal = klass(x.type()) == 1 && klass(y.type()) == 1 && number(x) == number(y);
    if (!equal) ++rank;
    ranks_[order[i]] = rank;
  }
  return ranks_;
}

}  // namespace chataudit
