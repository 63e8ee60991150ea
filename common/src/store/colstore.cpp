// The column store and its SQLite virtual table module (see colstore.h).
#include "store/colstore.h"

#include "base/parallel.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <cstring>
#include <exception>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace chataudit {

namespace {

constexpr std::size_t kArenaBlock = std::size_t{4} << 20;
// ColumnTable::settle() and append() share their columns out among threads from this many rows on.
constexpr std::size_t kSettleRowsPerThread = std::size_t{1} << 16;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + '"';
}

namespace {
constexpr std::size_t kBigBytes = std::size_t{2} << 20;  // one huge page
}

void* allocate_big(std::size_t bytes) {
  if (bytes < kBigBytes) {
    void* memory = std::malloc(bytes ? bytes : 1);
    if (!memory) throw std::bad_alloc();
    return memory;
  }
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(memory, bytes, MADV_HUGEPAGE);
#endif
  return memory;
}

void free_big(void* memory, std::size_t bytes) {
  if (bytes < kBigBytes) std::free(memory);
  else munmap(memory, bytes);
}

ByteArena::~ByteArena() {
  for (const Block& block : blocks_) free_big(block.bytes, block.size);
}

const char* ByteArena::store(std::string_view bytes) {
  static const char empty[1] = {0};
  if (bytes.empty()) return empty;
  const std::size_t need = bytes.size() + 1;  // NUL-terminated, as a C string
  if (need > left_) {
    const std::size_t size = std::max(kArenaBlock, need);
    blocks_.push_back(Block{static_cast<char*>(allocate_big(size)), size});
    next_ = blocks_.back().bytes;
    left_ = size;
  }
  char* at = next_;
  std::memcpy(at, bytes.data(), bytes.size());
  at[bytes.size()] = '\0';
  next_ += need;
  left_ -= need;
  used_ += need;
  return at;
}

void ByteArena::adopt(ByteArena&& other) {
  blocks_.insert(blocks_.end(), other.blocks_.begin(), other.blocks_.end());
  other.blocks_.clear();
  other.next_ = nullptr;
  other.left_ = 0;
  used_ += other.used_;
  other.used_ = 0;
}

namespace {

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
thread_local Handed handed[kHandedSlots];
std::atomic<std::uint32_t> handed_generation{1};

std::uint32_t current_generation() { return handed_generation.load(std::memory_order_relaxed); }

std::size_t handed_slot(const char* text) {
  return (reinterpret_cast<std::uintptr_t>(text) >> 3) % kHandedSlots;
}

// The entry noting that `text` was handed out in this generation, or nullptr.
const Handed* handed_to(const char* text) {
  const Handed& from = handed[handed_slot(text)];
  if (!text || from.text != text || !from.column || from.generation != current_generation()) return nullptr;
  return &from;
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
    : arena_(arena), serial_(next_serial.fetch_add(1, std::memory_order_relaxed)), dictionary_(source.dictionary_),
      source_(&source), rows_(&rows) {
  entries_.push_back(Entry::null());
}

bool Column::holds(std::size_t row, sqlite3_stmt* statement, int index, int type) const {
  assert(row < size());
  const std::uint32_t at = code(row);
  assert(at < dictionary_->entries_.size());
  const Entry& entry = dictionary_->entries_[at];
  if (static_cast<int>(entry.type()) != type) return false;
  switch (type) {
    case SQLITE_INTEGER: return entry.bits() == static_cast<std::uint64_t>(sqlite3_column_int64(statement, index));
    case SQLITE_FLOAT: return entry.bits() == std::bit_cast<std::uint64_t>(sqlite3_column_double(statement, index));
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
      const auto* bytes = static_cast<const char*>(sqlite3_column_blob(statement, index));
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement, index));
      const char* held = entry.data();
      return size == entry.size() && (size == 0 || bytes == held || std::memcmp(bytes, held, size) == 0);
    }
    default: return true;  // NULL
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
    case 1: narrow_.push_back(static_cast<std::uint8_t>(code)); break;
    case 2: middle_.push_back(static_cast<std::uint16_t>(code)); break;
    default: wide_.push_back(code);
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
        if (!table && translations_.size() < 4) table = &translations_.emplace_back(serial, BigVector<std::uint32_t>()).second;
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
    case SQLITE_INTEGER: push_integer(sqlite3_column_int64(statement, index)); break;
    case SQLITE_FLOAT: push_real(sqlite3_column_double(statement, index)); break;
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
    default: push_null();
  }
}

void Column::result(sqlite3_context* context, std::uint32_t code) const {
  if (dictionary_ != this) return dictionary_->result(context, code);
  assert(code < entries_.size());
  const Entry& entry = entries_[code];
  switch (entry.type()) {
    case SQLITE_INTEGER: sqlite3_result_int64(context, static_cast<std::int64_t>(entry.bits())); break;
    case SQLITE_FLOAT: sqlite3_result_double(context, std::bit_cast<double>(entry.bits())); break;
    case SQLITE_TEXT: {
      const char* text = entry.data();
      sqlite3_result_text(context, text, static_cast<int>(entry.size()), SQLITE_STATIC);
      handed[handed_slot(text)] = Handed{text, this, code, current_generation()};
      break;
    }
    case SQLITE_BLOB:
      sqlite3_result_blob(context, entry.data(), static_cast<int>(entry.size()), SQLITE_STATIC);
      break;
    default: sqlite3_result_null(context);
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
  if (source.data() != bytes.data() || source.size() != bytes.size() || source.type() != SQLITE_TEXT)
    return hashed();
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
    default: return -1;
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
  if (other.dictionary_ != dictionary_ || dictionary_ == this) throw std::logic_error("Column::append_codes: another dictionary");
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
    case 1: fill(narrow_); break;
    case 2: fill(middle_); break;
    default: fill(wide_);
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

namespace {

// The scan a statement on this thread shares out (see ShardScope).
struct Shard {
  bool active = false;
  std::size_t index = 0, count = 1;
  const ColumnTable* table = nullptr;  // the table whose scan is shared out
  bool broken = false;
};
thread_local Shard shard;

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

// The cursor each table is read with, on this thread (see CursorTracking).
struct Tracked {
  const ColumnTable* table;
  const Cursor* cursor;  // nullptr: read by more than one, or closed
};
struct Tracking {
  bool active = false;
  std::vector<Tracked> tables;
  void note(const ColumnTable* table, const Cursor* cursor) {
    for (Tracked& tracked : tables)
      if (tracked.table == table) {
        if (tracked.cursor != cursor) tracked.cursor = nullptr;
        return;
      }
    tables.push_back(Tracked{table, cursor});
  }
  void closed(const Cursor* cursor) {
    for (Tracked& tracked : tables)
      if (tracked.cursor == cursor) tracked.cursor = nullptr;
  }
  const Cursor* cursor_on(const ColumnTable* table) const {
    for (const Tracked& tracked : tables)
      if (tracked.table == table) return tracked.cursor;
    return nullptr;
  }
};
thread_local Tracking tracking;

}  // namespace

CursorTracking::CursorTracking() { tracking = Tracking{true, {}}; }

CursorTracking::~CursorTracking() { tracking = Tracking{}; }

bool handed_out_now(const void* text) { return handed_to(static_cast<const char*>(text)) != nullptr; }

std::pair<std::size_t, std::size_t> shard_range(std::size_t rows, std::size_t index, std::size_t count) {
  assert(count >= 1 && index < count);
  assert(rows <= std::numeric_limits<std::size_t>::max() / count);  // rows × count does not overflow
  const std::size_t first = rows * index / count, second = rows * (index + 1) / count;
  // Part 0 starts at row 0, the last part ends at `rows`, and part i ends where part i + 1 starts
  // (the same expression): disjoint, adjacent, covering.
  assert(first <= second && second <= rows);
  assert(index != 0 || first == 0);
  assert(index + 1 != count || second == rows);
  return {first, second};
}

ShardScope::ShardScope(std::size_t index, std::size_t count) {
  assert(count >= 1 && index < count);
  shard = Shard{true, index, count, nullptr, false};
}

ShardScope::~ShardScope() { shard = Shard{}; }

bool ShardScope::held() const { return shard.table != nullptr && !shard.broken; }

ColumnTable::ColumnTable(std::string name, std::vector<std::string> names, std::vector<std::string> types)
    : name_(std::move(name)), names_(std::move(names)), types_(std::move(types)) {
  types_.resize(names_.size());
  // The declaration gives no column a collation, so each compares BINARY, as ranks() orders
  // (best_index: orderByConsumed; filter: equalities are taken for BINARY only).
  assert(std::none_of(types_.begin(), types_.end(), [](const std::string& type) {
    std::string upper = type;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return upper.find("COLLATE") != std::string::npos;
  }));
  for (std::size_t i = 0; i < names_.size(); ++i) {
    columns_.push_back(std::make_unique<Column>(arena_));
    plain_.push_back(static_cast<int>(i));
  }
}

void ColumnTable::reference(std::size_t index, const ColumnTable& source, std::size_t source_column) {
  if (rows_ != 0 || index >= columns_.size() || columns_[index]->references() || source_column >= source.width())
    throw std::logic_error("ColumnTable::reference: not an empty value column");
  const Column* read = &source.column(source_column);
  const BigVector<std::uint32_t>* via = nullptr;
  if (read->references())
    for (const auto& g : source.groups_)
      for (const auto& [here, there] : g->columns)
        if (here == static_cast<int>(source_column)) {
          via = &g->rows;
          read = &g->source->column(static_cast<std::size_t>(there));
        }
  // A source whose references read their own source's rows one for one: its rows are those rows.
  if (via && source.column(source_column).same_rows()) via = nullptr;
  Group* group = nullptr;
  for (auto& g : groups_)
    if (g->source == &source && g->via == via) group = g.get();
  if (!group) group = groups_.emplace_back(std::make_unique<Group>(Group{&source, via, {}, {}})).get();
  group->columns.emplace_back(static_cast<int>(index), static_cast<int>(source_column));
  columns_[index] = std::make_unique<Column>(arena_, *read, group->rows);
  plain_.erase(std::find(plain_.begin(), plain_.end(), static_cast<int>(index)));
}

bool ColumnTable::append_row(sqlite3_stmt* statement) {
  for (const int c : plain_) columns_[static_cast<std::size_t>(c)]->push_from(statement, c);
  for (auto& group : groups_) {
    const Cursor* cursor = tracking.cursor_on(group->source);
    if (!cursor) return false;
    std::uint32_t row = cursor->at < cursor->end ? cursor->row() : Column::kNoRow;
    bool same = true, nulls = true;
    for (const auto& [here, there] : group->columns) {
      const int type = sqlite3_column_type(statement, here);
      nulls = nulls && type == SQLITE_NULL;
      if (same)
        same = row == Column::kNoRow ? type == SQLITE_NULL
                                     : group->source->column(static_cast<std::size_t>(there)).holds(row, statement, here, type);
    }
    if (!same) {
      if (!nulls) return false;
      row = Column::kNoRow;
    }
    group->rows.push_back(row == Column::kNoRow || !group->via ? row : (*group->via)[row]);
  }
  assert(unread());
  ++rows_;
  return true;
}

std::vector<int> ColumnTable::witnessed_columns() {
  std::vector<int> columns = plain_;
  // One witness per source table (its groups share its cursor), from any of its groups' columns.
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    Group& group = *groups_[g];
    group.leader = static_cast<int>(g);
    group.witness = -1;
    for (std::size_t before = 0; before < g; ++before)
      if (groups_[before]->source == group.source) {
        group.leader = static_cast<int>(before);
        break;
      }
    if (group.leader != static_cast<int>(g)) continue;
    // The candidates (here, there) by distinct values, most first; the first without a NULL is it.
    std::vector<std::pair<int, int>> candidates;
    for (const auto& other : groups_)
      if (other->source == group.source) candidates.insert(candidates.end(), other->columns.begin(), other->columns.end());
    std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
      return group.source->column(static_cast<std::size_t>(a.second)).distinct() >
             group.source->column(static_cast<std::size_t>(b.second)).distinct();
    });
    for (const auto& [here, there] : candidates)  // (holds_null reads every row: the argument itself)
      if (!group.source->column(static_cast<std::size_t>(there)).holds_null()) {
        group.witness = there;
        columns.push_back(here);
        break;
      }
    if (group.witness < 0) return {};
  }
  return columns;
}

bool ColumnTable::append_witnessed_row(sqlite3_stmt* statement) {
  int at = static_cast<int>(plain_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    Group& group = *groups_[g];
    std::uint32_t row;
    if (group.leader != static_cast<int>(g)) {
      row = groups_[static_cast<std::size_t>(group.leader)]->cursor_row;
    } else {
      const Cursor* cursor = tracking.cursor_on(group.source);
      if (!cursor || group.witness < 0) return false;
      row = cursor->at < cursor->end ? cursor->row() : Column::kNoRow;
      const int index = at++;
      const int type = sqlite3_column_type(statement, index);
      if (type == SQLITE_NULL) {
        // The witness holds no NULL in its source (witnessed_columns), so a NULL here is the
        // unmatched side of an outer join, whose cursor has run to its end. Anything else would
        // make every column of the group NULL wrongly: refused (the view is filled again).
        assert(row == Column::kNoRow);
        if (row != Column::kNoRow) return false;
      } else if (row == Column::kNoRow)
        return false;
      else if (!(group.witness == cursor->known_column && type == SQLITE_TEXT &&
                 sqlite3_column_blob(statement, index) == cursor->known_text &&
                 sqlite3_column_bytes(statement, index) == cursor->known_size) &&
               !group.source->column(static_cast<std::size_t>(group.witness)).holds(row, statement, index, type))
        // (The witness is the key the cursor's lookup followed, and the statement holds those very
        // bytes: every row the lookup visits holds them, so the row's entry need not be read.)
        return false;
      group.cursor_row = row;
    }
    group.rows.push_back(row == Column::kNoRow || !group.via ? row : (*group.via)[row]);
  }
  // The values last: a row that fails above adds none (the table is then filled again anyway).
  at = 0;
  for (const int c : plain_) columns_[static_cast<std::size_t>(c)]->push_from(statement, at++);
  assert(unread());
  ++rows_;
  return true;
}

void ColumnTable::settle(std::size_t few_values) {
  // The columns to give codes of their own, made on as many threads as there are (each column
  // its own), then put in place.
  std::vector<std::size_t> settled;
  for (const auto& group : groups_) {
    std::vector<std::size_t> many;  // the group's columns of many values
    for (const auto& [here, there] : group->columns)
      (columns_[static_cast<std::size_t>(here)]->distinct() <= few_values ? settled : many)
          .push_back(static_cast<std::size_t>(here));
    if (many.size() == 1) settled.push_back(many.front());  // the group's rows go: no larger
  }
  std::vector<std::unique_ptr<Column>> own(settled.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(settled.size());  // out of memory, say: nothing changes
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < settled.size();) {
      try {
        own[i] = Column::codes_of(arena_, columns_[settled[i]]->dictionary());
        own[i]->append_codes(*columns_[settled[i]]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  const std::size_t wanted = rows_ >= kSettleRowsPerThread ? std::min<std::size_t>(worker_threads(), settled.size()) : 1;
  for (std::size_t t = 1; t < wanted; ++t) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
  for (std::size_t i = 0; i < settled.size(); ++i) columns_[settled[i]] = std::move(own[i]);
  for (auto g = groups_.begin(); g != groups_.end();) {
    Group& group = **g;
    std::erase_if(group.columns, [&](const std::pair<int, int>& column) {
      return std::find(settled.begin(), settled.end(), static_cast<std::size_t>(column.first)) != settled.end();
    });
    g = group.columns.empty() ? groups_.erase(g) : std::next(g);
  }
  // A view of every row of one table, in its order (person_state of people): its references read
  // the source's rows directly.
  for (const auto& group : groups_) {
    const Column& first = *columns_[static_cast<std::size_t>(group->columns.front().first)];
    const BigVector<std::uint32_t>& rows = group->rows;
    bool same = rows.size() == first.source_->size();
    for (std::size_t row = 0; same && row < rows.size(); ++row) same = rows[row] == row;
    for (const auto& [here, there] : group->columns) columns_[static_cast<std::size_t>(here)]->same_rows_ = same;
  }
  seal();
}

void ColumnTable::append(ColumnTable& other) {
  if (other.groups_.size() != groups_.size() || other.plain_ != plain_)
    throw std::logic_error("ColumnTable::append: the tables' references differ");
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g]->source != other.groups_[g]->source || groups_[g]->via != other.groups_[g]->via) throw std::logic_error("ColumnTable::append: the tables' references differ");
    BigVector<std::uint32_t>& rows = groups_[g]->rows;
    rows.insert(rows.end(), other.groups_[g]->rows.begin(), other.groups_[g]->rows.end());
    BigVector<std::uint32_t>().swap(other.groups_[g]->rows);
  }
  // Each of the other's columns is freed once taken: at most one column per thread is held twice.
  // Columns are independent: a large table's are shared out among threads, those of most values
  // (the longest to merge) first.
  std::vector<std::size_t> order(plain_.begin(), plain_.end());
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return other.columns_[a]->distinct() > other.columns_[b]->distinct();
  });
  std::atomic<std::size_t> next{0};
  std::vector<std::exception_ptr> errors(order.size());
  auto work = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < order.size();) {
      const std::size_t at = order[i];
      try {
        columns_[at]->append(*other.columns_[at]);
        other.columns_[at] = std::make_unique<Column>(other.arena_);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> threads;
  const std::size_t wanted =
      other.rows_ >= kSettleRowsPerThread ? std::min<std::size_t>(worker_threads(), order.size()) : 1;
  for (std::size_t t = 1; t < wanted; ++t) threads.emplace_back(work);
  work();
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
  assert(unread());
  rows_ += other.rows_;
  other.rows_ = 0;
  arena_.adopt(std::move(other.arena_));
}

bool ColumnTable::unread() const {
  std::lock_guard lock(lazy_);
  return orders_.empty();
}

void ColumnTable::seal() {
  for (const auto& column : columns_) column->seal();
}

int ColumnTable::column_index(std::string_view name) const {
  for (std::size_t c = 0; c < names_.size(); ++c)
    if (names_[c] == name) return static_cast<int>(c);
  return -1;
}

std::string ColumnTable::layout() const {
  std::string text;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    std::string how = "values";
    for (const auto& group : groups_)
      for (const auto& [here, there] : group->columns)
        if (here == static_cast<int>(c))
          how = "rows of " + group->source->name() + (columns_[c]->same_rows() ? ", one for one" : "");
    if (how == "values" && &columns_[c]->dictionary() != columns_[c].get()) how = "codes into another column's values";
    text += fmt::format("  {}: {}\n", names_[c], how);
  }
  return text;
}

std::string ColumnTable::declaration() const {
  std::string sql = "CREATE TABLE x(";
  for (std::size_t c = 0; c < names_.size(); ++c) {
    sql += (c ? ", " : "") + quote_identifier(names_[c]);
    if (!types_[c].empty()) sql += " " + types_[c];
  }
  return sql + ")";
}

const BigVector<std::uint32_t>& ColumnTable::ordered_by(const std::vector<int>& columns) const {
  std::lock_guard lock(lazy_);
  auto it = orders_.find(columns);
  if (it != orders_.end()) return it->second;
  // Least significant column first, each pass a stable counting sort by the column's ranks. Each
  // row's rank is read in row order first: the passes then read one array in their own order,
  // not the codes (and a reference's source rows) at random.
  BigVector<std::uint32_t> order(rows_), next(rows_), rank_of(rows_);
  std::iota(order.begin(), order.end(), 0u);
  for (auto c = columns.rbegin(); c != columns.rend(); ++c) {
    const Column& column = *columns_[static_cast<std::size_t>(*c)];
    const BigVector<std::uint32_t>& ranks = column.ranks();
    for (std::size_t row = 0; row < rows_; ++row) rank_of[row] = ranks[column.code(row)];
    BigVector<std::uint32_t> start(ranks.size() + 1, 0);
    for (std::size_t row = 0; row < rows_; ++row) ++start[rank_of[row] + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    for (std::uint32_t row : order) next[start[rank_of[row]]++] = row;
    order.swap(next);
  }
  // The order is by the columns' ranks, first column first, ties in row order (a stable sort).
  assert(std::is_sorted(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    for (const int c : columns) {
      const Column& column = *columns_[static_cast<std::size_t>(c)];
      const std::uint32_t x = column.ranks()[column.code(a)], y = column.ranks()[column.code(b)];
      if (x != y) return x < y;
    }
    return a < b;
  }));
  // Scattered: more than one step in eight goes further than 4,096 rows (a scan in that order then
  // misses the cache row after row; shorter steps, as within a group of rows, stay near).
  std::size_t far = 0;
  for (std::size_t i = 1; i < order.size(); ++i)
    far += (order[i] > order[i - 1] ? order[i] - order[i - 1] : order[i - 1] - order[i]) > 4096;
  scattered_[columns] = far > order.size() / 8;
  return orders_.emplace(columns, std::move(order)).first->second;
}

const std::uint32_t* ColumnTable::ordered_codes(const std::vector<int>& columns, int column) const {
  const BigVector<std::uint32_t>& order = ordered_by(columns);
  std::lock_guard lock(lazy_);
  if (!scattered_.at(columns)) return nullptr;
  auto key = std::make_pair(columns, column);
  if (auto it = ordered_codes_.find(key); it != ordered_codes_.end()) return it->second.data();
  // One tight loop: its reads do not wait on one another, unlike a scan's row by row.
  const Column& values = *columns_[static_cast<std::size_t>(column)];
  BigVector<std::uint32_t> codes(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) codes[i] = values.code(order[i]);
  return ordered_codes_.emplace(std::move(key), std::move(codes)).first->second.data();
}

namespace {

struct Vtab {
  sqlite3_vtab base{};
  const ColumnTable* table = nullptr;
};

int connect(sqlite3* db, void* aux, int argc, const char* const* argv, sqlite3_vtab** out, char** error) {
  auto* store = static_cast<ColumnStore*>(aux);
  std::size_t index = 0;
  const std::string_view arg = argc > 3 ? argv[3] : "";
  const auto [end, failed] = std::from_chars(arg.data(), arg.data() + arg.size(), index);
  ColumnTable* table = failed == std::errc() && end == arg.data() + arg.size() ? store->table(index) : nullptr;
  if (!table) {
    *error = sqlite3_mprintf("chataudit_columns: no stored table %s", std::string(arg).c_str());
    return SQLITE_ERROR;
  }
  const int rc = sqlite3_declare_vtab(db, table->declaration().c_str());
  if (rc != SQLITE_OK) return rc;
  auto* vtab = new Vtab;
  vtab->table = table;
  *out = &vtab->base;
  return SQLITE_OK;
}

int disconnect(sqlite3_vtab* vtab) {
  delete reinterpret_cast<Vtab*>(vtab);
  return SQLITE_OK;
}

// Whether each of the column's values is held by exactly one row, and no row holds NULL: what
// SQLITE_INDEX_SCAN_UNIQUE promises. For assert() only: it reads every row.
[[maybe_unused]] bool each_value_in_one_row(const Column& column) {
  std::vector<bool> seen(column.distinct(), false);
  for (std::size_t row = 0; row < column.size(); ++row) {
    const std::uint32_t code = column.code(row);
    if (code == 0 || code >= seen.size() || seen[code]) return false;
    seen[code] = true;
  }
  return true;
}

std::vector<int> column_list(const char* text);

int best_index(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  const ColumnTable& table = *reinterpret_cast<Vtab*>(vtab)->table;
  const double rows = std::max<double>(static_cast<double>(table.rows()), 1);
  // Every usable equality (BINARY) is handed to xFilter, which follows the shortest of their
  // posting lists; the estimate assumes the columns independent.
  std::string columns;
  double expected = rows;
  bool unique = false;
  int used = 0;
  for (int i = 0; i < info->nConstraint && used < 8; ++i) {
    const auto& constraint = info->aConstraint[i];
    if (!constraint.usable || constraint.op != SQLITE_INDEX_CONSTRAINT_EQ || constraint.iColumn < 0) continue;
    assert(static_cast<std::size_t>(constraint.iColumn) < table.width());
    const char* collation = sqlite3_vtab_collation(info, i);
    if (collation && sqlite3_stricmp(collation, "BINARY") != 0) continue;
    const Column& column = table.column(static_cast<std::size_t>(constraint.iColumn));
    const double values = std::max<double>(static_cast<double>(column.distinct()) - 1, 1);
    expected /= values;
    // One row per value: a dictionary of its own (not a reference's or another column's, whose
    // values may repeat here), one code per value (see deduplicated()), as many values as rows.
    // Every entry of a dictionary of its own was added by a row that holds it, so n values in n
    // rows are one per row, and none of them NULL (asserted: each_value_in_one_row).
    if (&column.dictionary() == &column && column.deduplicated() && column.distinct() - 1 == table.rows()) {
      assert(each_value_in_one_row(column));
      unique = true;
    }
    info->aConstraintUsage[i].argvIndex = ++used;
    columns += fmt::format("{}{}", columns.empty() ? "" : ",", constraint.iColumn);
  }
  if (used > 0) {
    expected = std::max(expected, 1.0);
    info->idxNum = 1;
    info->idxStr = sqlite3_mprintf("%s", columns.c_str());
    info->needToFreeIdxStr = 1;
    // Rows reached through a posting list cost more than rows scanned in order.
    info->estimatedCost = 2 * expected + 2;
    info->estimatedRows = static_cast<sqlite3_int64>(expected + 0.5);
    if (unique) info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    return SQLITE_OK;
  }
  info->idxNum = 0;
  info->estimatedCost = rows;
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  // An ORDER BY or GROUP BY of plain ascending columns: rows in that order (not for DISTINCT,
  // which SQLite does as well on the rows a query keeps, usually far fewer).
  bool ordered = info->nOrderBy > 0 && sqlite3_vtab_distinct(info) <= 1;
  for (int i = 0; i < info->nOrderBy; ++i)
    if (info->aOrderBy[i].iColumn < 0 || info->aOrderBy[i].desc) ordered = false;
  if (ordered) {
    // The columns in the order, then after a `;` the columns the query reads (colUsed: bit 63
    // stands for every column from the 64th on), for ordered_codes(). orderByConsumed holds
    // because filter() then visits the rows in ColumnTable::ordered_by(every ORDER BY column, in
    // its order): ascending, by the BINARY order of the values — the columns' own collation,
    // which is the only one SQLite hands a virtual table an ORDER BY in (the store declares no
    // COLLATE, see ColumnTable's constructor) — ties by row.
    assert(info->nOrderBy >= 1 && used == 0);
    std::string columns;
    for (int i = 0; i < info->nOrderBy; ++i) columns += fmt::format("{}{}", i ? "," : "", info->aOrderBy[i].iColumn);
    std::string used;
    for (std::size_t c = 0; c < table.width(); ++c)
      if (info->colUsed & (sqlite3_uint64{1} << std::min<std::size_t>(c, 63)))
        used += fmt::format("{}{}", used.empty() ? "" : ",", c);
    assert(column_list(columns.c_str()).size() == static_cast<std::size_t>(info->nOrderBy));
    columns += ";" + used;
    info->idxNum = -1;
    info->idxStr = sqlite3_mprintf("%s", columns.c_str());
    info->needToFreeIdxStr = 1;
    info->orderByConsumed = 1;
    info->estimatedCost = rows * 1.1;
  }
  return SQLITE_OK;
}

int open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out) {
  auto* cursor = new Cursor;
  cursor->table = reinterpret_cast<Vtab*>(vtab)->table;
  *out = &cursor->base;
  return SQLITE_OK;
}

int close(sqlite3_vtab_cursor* cursor) {
  if (tracking.active) tracking.closed(reinterpret_cast<Cursor*>(cursor));
  delete reinterpret_cast<Cursor*>(cursor);
  return SQLITE_OK;
}

std::vector<int> column_list(const char* text) {
  std::vector<int> columns;
  for (const char* at = text; at && *at;) {
    int column = 0;
    const auto [end, failed] = std::from_chars(at, at + std::strlen(at), column);
    if (failed != std::errc()) break;
    columns.push_back(column);
    at = *end == ',' ? end + 1 : end;
  }
  return columns;
}

int filter(sqlite3_vtab_cursor* base, int index, const char* index_text, int argc, sqlite3_value** argv) {
  auto& cursor = *reinterpret_cast<Cursor*>(base);
  const ColumnTable& table = *cursor.table;
  cursor.list = nullptr;
  cursor.at = 0;
  cursor.end = table.rows();
  cursor.ordered = false;
  cursor.known_column = -1;
  if (tracking.active) tracking.note(&table, &cursor);
  if (shard.active) {
    // The statement's first filter must be a full scan, its outer loop, and the only read of that
    // table: that scan is the one shared out. Anything else breaks the scope (the caller then
    // runs the statement whole).
    if (!shard.table) {
      shard.table = &table;
      if (index != 0) shard.broken = true;
      else {
        std::tie(cursor.at, cursor.end) = shard_range(table.rows(), shard.index, shard.count);
        return SQLITE_OK;
      }
    } else if (shard.table == &table) {
      shard.broken = true;  // read again: by an inner loop, a subquery or a self-join
    }
  }
  if (cursor.parsed_from != index_text || !index_text) {  // the plan's string lives as long as the cursor
    cursor.columns = column_list(index_text);
    cursor.parsed_from = index_text;
    cursor.ordered_codes.clear();
  }
  const std::vector<int>& columns = cursor.columns;
  if (index == 1 && static_cast<int>(columns.size()) == argc) {
    // The shortest posting list among the equalities; SQLite checks the others on its rows.
    std::size_t shortest = cursor.end;  // rows to visit so far: all of them
    for (int i = 0; i < argc; ++i) {
      const Column& column = table.column(static_cast<std::size_t>(columns[static_cast<std::size_t>(i)]));
      const int type = sqlite3_value_type(argv[i]);
      if (type == SQLITE_NULL || column.types() == 0) {
        cursor.list = nullptr;
        cursor.end = 0;  // `= NULL` is never true; a column of NULLs equals nothing
        return SQLITE_OK;
      }
      // A value of another type than the column holds: SQLite's affinity rules decide, on every row.
      if (column.types() != (1u << type)) continue;
      const std::int64_t code = column.find(argv[i]);
      if (code < 0) {
        cursor.list = nullptr;
        cursor.end = 0;
        return SQLITE_OK;
      }
      // The rows this constraint leads to hold the value itself (same type, same bytes): while
      // they are the ones visited, the column's value is known (see Cursor::known_column).
      auto know = [&] {
        cursor.known_column = -1;
        if (type != SQLITE_TEXT) return;
        const auto* text = static_cast<const char*>(sqlite3_value_blob(argv[i]));  // a text's bytes, as they are
        const int size = sqlite3_value_bytes(argv[i]);
        const Handed* from = handed_to(text);
        if (!from || !from->column->holds_text_at(from->code, text, size)) return;
        cursor.known_column = columns[static_cast<std::size_t>(i)];
        cursor.known_text = text;
        cursor.known_size = size;
        cursor.known_handed = *from;  // noted again as it is handed out; still of this generation
      };
      if (column.one_row_per_code()) {
        // Value `code` is at row code - 1 and nowhere else: that row, no list read.
        assert(code >= 1 && static_cast<std::size_t>(code) <= table.rows());
        cursor.list = nullptr;
        cursor.at = static_cast<std::size_t>(code) - 1;
        cursor.end = static_cast<std::size_t>(code);
        shortest = 1;
        know();
        continue;
      }
      const auto [first, last] = column.rows_with(static_cast<std::uint32_t>(code));
      if (static_cast<std::size_t>(last - first) < shortest) {
        cursor.list = first;
        cursor.at = 0;
        cursor.end = shortest = static_cast<std::size_t>(last - first);
        know();
      }
    }
  } else if (index < 0) {
    // best_index() listed every ORDER BY column (orderByConsumed): the order covers them all.
    assert(!columns.empty() && std::all_of(columns.begin(), columns.end(), [&](int c) {
      return c >= 0 && static_cast<std::size_t>(c) < table.width();
    }));
    const BigVector<std::uint32_t>& order = table.ordered_by(columns);
    assert(order.size() == table.rows());
    cursor.list = order.data();
    cursor.end = order.size();
    cursor.ordered = true;
    if (cursor.ordered_codes.empty()) {
      cursor.ordered_codes.assign(table.width(), nullptr);
      const char* semicolon = std::strchr(index_text, ';');
      for (const int column : column_list(semicolon ? semicolon + 1 : nullptr))
        if (column >= 0 && static_cast<std::size_t>(column) < table.width())
          cursor.ordered_codes[static_cast<std::size_t>(column)] = table.ordered_codes(columns, column);
    }
  }
  return SQLITE_OK;
}

// An exception must not cross SQLite's C frames: a lookup or an order built here that does not
// fit in memory is SQLITE_NOMEM, which the engine reports naming the rule or view.
int filter_or_nomem(sqlite3_vtab_cursor* base, int index, const char* index_text, int argc, sqlite3_value** argv) {
  try {
    return filter(base, index, index_text, argc, argv);
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  }
}

int next(sqlite3_vtab_cursor* cursor) {
  ++reinterpret_cast<Cursor*>(cursor)->at;
  return SQLITE_OK;
}

int eof(sqlite3_vtab_cursor* base) {
  const auto& cursor = *reinterpret_cast<Cursor*>(base);
  return cursor.at >= cursor.end;
}

int column(sqlite3_vtab_cursor* base, sqlite3_context* context, int index) {
  const auto& cursor = *reinterpret_cast<Cursor*>(base);
  if (index == cursor.known_column) {
    sqlite3_result_text(context, cursor.known_text, cursor.known_size, SQLITE_STATIC);
    handed[handed_slot(cursor.known_text)] = cursor.known_handed;
    return SQLITE_OK;
  }
  const Column& column = cursor.table->column(static_cast<std::size_t>(index));
  assert(!cursor.ordered || static_cast<std::size_t>(index) < cursor.ordered_codes.size());
  const std::uint32_t* ordered = cursor.ordered ? cursor.ordered_codes[static_cast<std::size_t>(index)] : nullptr;
  column.dictionary().result(context, ordered ? ordered[cursor.at] : column.code(cursor.row()));
  return SQLITE_OK;
}

// Writes are refused here as well as by the engine's authorizer (which, with an xUpdate present,
// is asked first and names the problem: only SELECT is allowed).
int update(sqlite3_vtab* vtab, int, sqlite3_value**, sqlite3_int64*) {
  sqlite3_free(vtab->zErrMsg);
  vtab->zErrMsg = sqlite3_mprintf("the inventory is read-only");
  return SQLITE_READONLY;
}

int rowid(sqlite3_vtab_cursor* base, sqlite3_int64* out) {
  *out = reinterpret_cast<Cursor*>(base)->row();
  return SQLITE_OK;
}

sqlite3_module make_module() {
  sqlite3_module module{};
  module.xCreate = connect;
  module.xConnect = connect;
  module.xBestIndex = best_index;
  module.xDisconnect = disconnect;
  module.xDestroy = disconnect;
  module.xOpen = open;
  module.xClose = close;
  module.xFilter = filter_or_nomem;
  module.xNext = next;
  module.xEof = eof;
  module.xColumn = column;
  module.xRowid = rowid;
  module.xUpdate = update;
  return module;
}

const sqlite3_module kModule = make_module();

}  // namespace

void ColumnStore::register_with(sqlite3* db) {
  if (sqlite3_create_module_v2(db, "chataudit_columns", &kModule, this, nullptr) != SQLITE_OK)
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
