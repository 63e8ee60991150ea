#pragma once
// One column of the store: a dictionary of distinct values, one code per row, and what is built
// on first read (the lookup hash, posting lists, ranks). See colstore.h for the whole store.
#include <sqlite3.h>

#include <atomic>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

#include "store/column_memory.h"

namespace chataudit {

/// One column: a dictionary of distinct values and one code per row (code 0 is NULL).
class Column {
 public:
  explicit Column(ByteArena& arena);
  /// A column that holds no values of its own: row r reads `source` at row `rows[r]` (NULL where
  /// that is kNoRow). Its codes are the source's (see dictionary()).
  Column(ByteArena& arena, const Column& source, const BigVector<std::uint32_t>& rows);
  Column(const Column&) = delete;
  Column& operator=(const Column&) = delete;

  void push_null() { push_code(0); }
  void push_integer(std::int64_t value);
  void push_real(double value);
  void push_text(std::string_view text) { push_bytes(SQLITE_TEXT, text); }
  /// Starts fetching the memory push_text(`text`) will look at, so that the lookups of a row's
  /// columns overlap; returns what push_text(text, hash) then takes (0: nothing to look up).
  std::uint64_t prefetch_text(std::string_view text) const;
  /// Once prefetch_text()'s slot has arrived: starts fetching the dictionary entry the slot names;
  /// with `bytes_too`, once that entry has arrived, the bytes of a long text it holds apart. A
  /// loader that prefetches a batch of rows' slots, then their entries, then those bytes, then
  /// pushes the rows keeps many of these trips to memory under way at once.
  void prefetch_entry(std::uint64_t hash, bool bytes_too = false) const;
  /// push_text(), with the hash prefetch_text() returned for `text`.
  void push_text(std::string_view text, std::uint64_t hash) { push_bytes(SQLITE_TEXT, text, hash); }
  void push_blob(std::string_view bytes) { push_bytes(SQLITE_BLOB, bytes); }
  /// Appends the rows of `other` (a column of the same store).
  void append(const Column& other);
  /// A column with codes of its own into the dictionary of `values` (which must outlive it): see
  /// ColumnTable::settle().
  static std::unique_ptr<Column> codes_of(ByteArena& arena, const Column& values);
  /// Appends the codes `other` (a column with the same dictionary) has.
  void append_codes(const Column& other);
  /// Copies column `index` of the current row of `statement`.
  void push_from(sqlite3_stmt* statement, int index);

  static constexpr std::uint32_t kNoRow = 0xFFFFFFFFu;
  std::size_t size() const { return rows_ ? rows_->size() : size_; }
  /// Whether the column reads another's values (see the second constructor).
  bool references() const { return rows_ != nullptr; }
  /// Whether a reference's rows are its source's, one for one and in order (row r reads row r:
  /// the rows list need not be read). Checked by ColumnTable::settle().
  bool same_rows() const { return same_rows_; }
  /// The column whose dictionary the codes index: this one, or the one a reference leads to.
  const Column& dictionary() const { return *dictionary_; }
  std::uint32_t code(std::size_t row) const {
    assert(row < size());
    if (rows_) {
      if (same_rows_) return source_->code(row);
      const std::uint32_t at = (*rows_)[row];
      return at == kNoRow ? 0 : source_->code(at);
    }
    switch (width_) {
      case 0:
        return static_cast<std::uint32_t>(row) + 1;  // sealed in row order (see seal())
      case 1:
        return narrow_[row];
      case 2:
        return middle_[row];
      default:
        return wide_[row];
    }
  }
  /// Once the column is complete: codes that are 1, 2, 3 … in row order (every row a value first
  /// seen there: a key column as loaded) are no longer stored; code(row) is row + 1. Reading a
  /// row's code then costs no trip to memory, and the array is freed. A value pushed later stores
  /// them again.
  void seal();
  /// Whether seal() found the codes in row order and stopped storing them.
  bool sealed() const { return width_ == 0; }
  /// Distinct values, NULL included.
  std::size_t distinct() const { return dictionary_->entries_.size(); }
  /// Bit (1 << SQLITE_x) for every type the column holds (NULL excepted).
  unsigned types() const { return dictionary_->types_; }
  /// Sets the result of `context` to the value with `code` (text and blobs not copied).
  void result(sqlite3_context* context, std::uint32_t code) const;
  /// Whether the value with `code` (in this column's own dictionary) is the text of `size` bytes
  /// held at `text` itself, not a copy: what result() handed out for it.
  bool holds_text_at(std::uint32_t code, const char* text, int size) const {
    if (code >= entries_.size()) return false;
    const Entry& entry = entries_[code];
    return entry.type() == SQLITE_TEXT && entry.data() == text && static_cast<int>(entry.size()) == size;
  }
  /// False once the column has turned out to hold (nearly) only distinct values: it then keeps no
  /// hash while filling and a value may have several codes; find() and rows_with() build the hash
  /// when first used and work with each value's first code.
  bool deduplicated() const { return dictionary_->deduplicated_; }
  /// Whether row `row` holds the value of column `index` of the current row of `statement`, whose
  /// type is `type`: same type, same value, same bytes.
  bool holds(std::size_t row, sqlite3_stmt* statement, int index, int type) const;
  /// The code of `value` (its first, see deduplicated()), or -1 when the column does not hold it.
  /// A text another column of the store handed to SQLite is found by its code there, once
  /// looked up (a join's inner side looks the same keys up again and again).
  std::int64_t find(sqlite3_value* value) const;
  /// Whether the column holds the text `text`.
  bool contains_text(std::string_view text) const;
  /// Whether some row holds NULL (a scan of the codes).
  bool holds_null() const;
  /// The rows holding `code`, in row order; built on first use (thread-safe).
  std::pair<const std::uint32_t*, const std::uint32_t*> rows_with(std::uint32_t code) const;
  /// Whether the posting lists rows_with() reads have been built.
  bool has_postings() const;
  /// Whether code k (k ≥ 1) is held by row k - 1 alone: every row a value of its own, in the
  /// order they were first seen (a key column as loaded, and a view's reference to one). Builds
  /// the posting lists.
  bool one_row_per_code() const;
  /// Each code's position in SQLite's BINARY order of the values; built on first use.
  const BigVector<std::uint32_t>& ranks() const;

 private:
  // One distinct value in 16 bytes. A text or blob of up to kInline bytes is held in the entry
  // itself (reading it costs no second trip to memory); a longer one is the address of its bytes
  // in the arena and their count. Integers and reals are their 64 bits.
  class Entry {
   public:
    static constexpr std::uint32_t kInline = 12;
    static Entry null() { return Entry(SQLITE_NULL); }
    static Entry number(std::uint32_t type, std::uint64_t bits) {
      Entry entry(type);
      std::memcpy(entry.data_, &bits, sizeof bits);
      return entry;
    }
    // `stored`: where the bytes stay when they are longer than kInline (ignored otherwise).
    static Entry bytes(std::uint32_t type, std::string_view bytes, const char* stored) {
      Entry entry(type);
      if (!needs_storage(bytes.size())) {
        entry.meta_ |= kInlineBit | static_cast<std::uint32_t>(bytes.size()) << 4;
        if (!bytes.empty()) std::memcpy(entry.data_, bytes.data(), bytes.size());
      } else {
        const auto size = static_cast<std::uint32_t>(bytes.size());
        std::memcpy(entry.data_, &stored, sizeof stored);
        std::memcpy(entry.data_ + sizeof stored, &size, sizeof size);
      }
      return entry;
    }
    /// Whether a text or blob of `size` bytes is kept outside the entry (in the arena).
    static bool needs_storage(std::size_t size) { return size > kInline; }
    std::uint32_t type() const { return meta_ & 7u; }
    /// The integer, or the real's bits.
    std::uint64_t bits() const {
      std::uint64_t bits;
      std::memcpy(&bits, data_, sizeof bits);
      return bits;
    }
    /// A text's or blob's bytes (they stay where they are as long as the entry does not move).
    const char* data() const {
      if (meta_ & kInlineBit) return data_;
      const char* stored;
      std::memcpy(&stored, data_, sizeof stored);
      return stored;
    }
    std::uint32_t size() const {
      if (meta_ & kInlineBit) return meta_ >> 4;
      std::uint32_t size;
      std::memcpy(&size, data_ + sizeof(const char*), sizeof size);
      return size;
    }
    std::string_view view() const { return {data(), size()}; }

   private:
    explicit Entry(std::uint32_t type) : meta_(type) {}
    static constexpr std::uint32_t kInlineBit = 8;
    alignas(8) char data_[12] = {};  // the bytes themselves; else their address and size; or the number
    std::uint32_t meta_;             // SQLITE_x type (SQLITE_NULL for code 0) | kInlineBit | inline size << 4
  };
  static_assert(sizeof(Entry) == 16);
  static std::uint64_t hash_of(std::uint32_t type, std::uint64_t payload, std::string_view bytes);
  void push_bytes(std::uint32_t type, std::string_view bytes, std::uint64_t hash = 0);
  void push_number(std::uint32_t type, std::uint64_t payload);
  std::int64_t lookup(std::uint32_t type, std::uint64_t payload, std::string_view bytes, std::uint64_t hash) const;
  std::uint32_t add(Entry entry, std::uint64_t hash);
  void push_code(std::uint32_t code);
  /// Stores the codes in `width` bytes each (1, 2 or 4) from now on, if they are narrower.
  void widen(int width);
  void grow_slots();

  ByteArena& arena_;
  // This column's number, never another's in the process (a freed column's address may be reused;
  // its serial is not): what translations_ and other columns' found_from_ remember it by.
  const std::uint64_t serial_;
  const Column* dictionary_ = this;
  const Column* source_ = nullptr;                  // a reference: the column read,
  const BigVector<std::uint32_t>* rows_ = nullptr;  // at these rows
  bool same_rows_ = false;                          // rows_ is 0, 1, 2 … to the source's size
  friend class ColumnTable;
  BigVector<Entry> entries_;
  // Open addressing: (the hash's low 32 bits << 32) | (code + 1), 0 empty; rebuilt on first lookup
  // when not deduplicated.
  mutable BigVector<std::uint64_t> slots_;
  mutable BigVector<std::uint32_t> canon_;         // each code's first code with the same value (idem)
  mutable std::atomic<bool> lookup_built_{false};  // open addressing: (hash high bits << 32) | code + 1; 0 empty
  std::uint32_t last_ = 0;                         // the previous row's code: repeated values skip the hash
  static constexpr std::size_t kSampleRows = std::size_t{1} << 20;  // rows seen before judging deduplication
  bool deduplicated_ = true;
  // Codes here of the values of other columns (by their code there) this column has taken in,
  // by the other column's serial_.
  std::vector<std::pair<std::uint64_t, BigVector<std::uint32_t>>> translations_;
  // find()'s memory of other columns' codes (threads share it): their code → code here + 1, 0 not
  // yet looked up, kAbsent not held. Set once per other column (by its serial_; 0 a free slot),
  // under lazy_; found_size_ and found_codes_ of a slot are written before its serial is published.
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
  static constexpr int kFound = 4;
  mutable std::atomic<std::uint64_t> found_from_[kFound] = {};
  mutable std::unique_ptr<std::atomic<std::uint32_t>[]> found_codes_[kFound];
  mutable std::size_t found_size_[kFound] = {};
  std::int64_t find_text(std::string_view text) const;
  void ensure_lookup() const;
  unsigned types_ = 0;
  int width_ = 1;  // bytes per code; 0: sealed, code(row) is row + 1
  std::size_t size_ = 0;
  BigVector<std::uint8_t> narrow_;
  BigVector<std::uint16_t> middle_;
  BigVector<std::uint32_t> wide_;
  // Built on first use.
  mutable std::mutex lazy_;
  mutable std::atomic<bool> postings_built_{false};
  mutable BigVector<std::uint32_t> posting_start_, posting_rows_;
  mutable bool one_row_per_code_ = false;  // set with the posting lists
  mutable BigVector<std::uint32_t> ranks_;
};

}  // namespace chataudit
