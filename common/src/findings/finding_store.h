#pragma once
// One rule's findings held compactly while the rule runs and its report is written (issue 22): a
// first audit finds hundreds of thousands per rule, and a Finding of a dozen strings costs three
// times the bytes it says. A store keeps each finding as the record its maker wrote (the values of
// the rule's result row, each once) in pages of its own, returned to the system when the store
// goes; a Finding is made from a record only while it is read, a few at a time. FindingList is
// what a report's group of findings is: a span of findings, or chosen records of a store.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "findings/findings.h"

namespace chataudit {

/// Makes findings from the records a store holds (the engine's plan of a rule's rows).
class FindingMaker {
 public:
  virtual ~FindingMaker() = default;
  /// The finding `record` holds; its `change` is empty.
  virtual Finding make(std::string_view record) const = 0;
  /// The subject id of the finding `record` holds, a view into the record.
  virtual std::string_view subject_id(std::string_view record) const = 0;
  /// The message of the finding `record` holds, in the report's language.
  virtual std::string message(std::string_view record) const = 0;
};

class FindingStore {
 public:
  /// `maker` makes the findings of the records appended (it must outlive the store); null: none.
  explicit FindingStore(const FindingMaker* maker = nullptr) : maker_(maker) {}
  ~FindingStore();
  FindingStore(FindingStore&& other) noexcept;
  FindingStore& operator=(FindingStore&& other) noexcept;
  FindingStore(const FindingStore&) = delete;
  FindingStore& operator=(const FindingStore&) = delete;

  /// Appends a record (copied into the store's pages); returns where its bytes are, which stays
  /// so while the store lives (a later record may refer to them).
  const char* append(std::string_view record);
  std::size_t size() const { return records_.size(); }
  bool empty() const { return records_.empty(); }
  /// Record `i` (in the store's current order).
  std::string_view record(std::size_t i) const;
  /// Finding `i`, made from its record, with the change set_change() gave it.
  Finding at(std::size_t i) const;
  /// Every finding, in order (for callers that hold a whole report in memory).
  std::vector<Finding> all() const;
  /// The change set_change() gave finding `i`.
  std::string_view change(std::size_t i) const;
  /// Sets `change` of finding `i` to "new", "persisting", "reminder", "reassigned" or "".
  void set_change(std::size_t i, std::string_view change);
  /// Keeps the findings `keep` accepts, in order (before set_change).
  template <typename Keep>
  void keep_if(Keep keep) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < records_.size(); ++i)
      if (keep(at(i))) records_[kept++] = records_[i];
    records_.resize(kept);
    changes_.assign(kept, 0);
  }
  /// Gives back the room its lists kept for more records (once every record is appended).
  void shrink_to_fit() {
    records_.shrink_to_fit();
    changes_.shrink_to_fit();
  }
  /// Sorts into report order within one rule: subject id bytes, then message bytes; ties keep
  /// their order (before set_change).
  void sort();

 private:
  struct Page {
    char* data = nullptr;
    std::size_t size = 0, used = 0;
  };
  void release();

  const FindingMaker* maker_;
  std::vector<Page> pages_;
  std::vector<const char*> records_;  ///< each a 32-bit length, then the record's bytes
  std::vector<std::uint8_t> changes_;
};

/// The findings of a report's group: a span of findings, or chosen findings of a store (made as
/// they are read). Iterating yields `const Finding&` valid until the iterator moves.
class FindingList {
 public:
  FindingList() = default;
  FindingList(std::span<const Finding> findings) : span_(findings), size_(findings.size()) {}             // NOLINT
  FindingList(const std::vector<Finding>& findings) : FindingList(std::span<const Finding>(findings)) {}  // NOLINT
  /// Findings `chosen` of `store`, in that order.
  FindingList(const FindingStore& store, std::span<const std::uint32_t> chosen)
      : store_(&store), chosen_(chosen), size_(chosen.size()) {}

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  /// Finding `i` (a copy, or made from its record).
  Finding operator[](std::size_t i) const { return store_ ? store_->at(chosen_[i]) : span_[i]; }
  Finding front() const { return (*this)[0]; }
  /// The `change` of finding `i`, without making it.
  std::string_view change(std::size_t i) const { return store_ ? store_->change(chosen_[i]) : span_[i].change; }
  /// Findings [offset, offset + count).
  FindingList subspan(std::size_t offset, std::size_t count) const;

  class iterator {
   public:
    using value_type = Finding;
    using reference = const Finding&;
    using pointer = const Finding*;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::input_iterator_tag;
    iterator() = default;
    iterator(const FindingList* list, std::size_t i) : list_(list), i_(i) {}
    const Finding& operator*() const;
    const Finding* operator->() const { return &**this; }
    iterator& operator++() {
      ++i_;
      made_.reset();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const iterator& other) const { return i_ == other.i_; }

   private:
    const FindingList* list_ = nullptr;
    std::size_t i_ = 0;
    mutable std::optional<Finding> made_;
  };
  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, size_); }

 private:
  std::span<const Finding> span_;
  const FindingStore* store_ = nullptr;
  std::span<const std::uint32_t> chosen_;
  std::size_t size_ = 0;
};

}  // namespace chataudit
