// A rule's findings as compact records in pages of their own (finding_store.h).
#include "findings/finding_store.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <numeric>
#include <utility>

namespace chataudit {

namespace {

// A store's pages come straight from the system and go back to it when the store goes: a rule's
// records are tens of megabytes at national scale, and memory the allocator kept after one rule
// would be held, unused, through the rest of the run.
constexpr std::size_t kPageBytes = std::size_t{4} << 20;

constexpr std::string_view kChanges[] = {"", "new", "persisting", "reminder", "reassigned"};

std::uint32_t length_at(const char* at) {
  std::uint32_t length;
  std::memcpy(&length, at, sizeof length);
  return length;
}

}  // namespace

FindingStore::~FindingStore() { release(); }

FindingStore::FindingStore(FindingStore&& other) noexcept
    : maker_(other.maker_),
      pages_(std::exchange(other.pages_, {})),
      records_(std::exchange(other.records_, {})),
      changes_(std::exchange(other.changes_, {})) {}

FindingStore& FindingStore::operator=(FindingStore&& other) noexcept {
  if (this != &other) {
    release();
    maker_ = other.maker_;
    pages_ = std::exchange(other.pages_, {});
    records_ = std::exchange(other.records_, {});
    changes_ = std::exchange(other.changes_, {});
  }
  return *this;
}

void FindingStore::release() {
  for (const Page& page : pages_) munmap(page.data, page.size);
  pages_.clear();
  std::vector<const char*>().swap(records_);
  std::vector<std::uint8_t>().swap(changes_);
}

const char* FindingStore::append(std::string_view record) {
  const std::size_t bytes = sizeof(std::uint32_t) + record.size();
  if (record.size() > UINT32_MAX) throw std::bad_alloc();
  if (pages_.empty() || pages_.back().size - pages_.back().used < bytes) {
    const std::size_t size = std::max(kPageBytes, (bytes + 4095) / 4096 * 4096);
    void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (data == MAP_FAILED) throw std::bad_alloc();
    pages_.push_back(Page{static_cast<char*>(data), size, 0});
  }
  Page& page = pages_.back();
  char* at = page.data + page.used;
  const auto length = static_cast<std::uint32_t>(record.size());
  std::memcpy(at, &length, sizeof length);
  std::memcpy(at + sizeof length, record.data(), record.size());
  page.used += bytes;
  records_.push_back(at);
  changes_.push_back(0);
  return at + sizeof length;
}

std::string_view FindingStore::record(std::size_t i) const {
  return {records_[i] + sizeof(std::uint32_t), length_at(records_[i])};
}

Finding FindingStore::at(std::size_t i) const {
  Finding finding = maker_->make(record(i));
  finding.change = kChanges[changes_[i]];
  return finding;
}

std::vector<Finding> FindingStore::all() const {
  std::vector<Finding> findings;
  findings.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) findings.push_back(at(i));
  return findings;
}

std::string_view FindingStore::change(std::size_t i) const { return kChanges[changes_[i]]; }

void FindingStore::set_change(std::size_t i, std::string_view change) {
  const auto found = std::find(std::begin(kChanges), std::end(kChanges), change);
  changes_[i] = static_cast<std::uint8_t>(found == std::end(kChanges) ? 0 : found - std::begin(kChanges));
}

void FindingStore::sort() {
  std::stable_sort(records_.begin(), records_.end(), [&](const char* a, const char* b) {
    const std::string_view a_record(a + sizeof(std::uint32_t), length_at(a));
    const std::string_view b_record(b + sizeof(std::uint32_t), length_at(b));
    const std::string_view a_id = maker_->subject_id(a_record), b_id = maker_->subject_id(b_record);
    if (a_id != b_id) return a_id < b_id;
    return maker_->message(a_record) < maker_->message(b_record);
  });
}

FindingList FindingList::subspan(std::size_t offset, std::size_t count) const {
  if (store_) return FindingList(*store_, chosen_.subspan(offset, count));
  return FindingList(span_.subspan(offset, count));
}

const Finding& FindingList::iterator::operator*() const {
  if (!list_->store_) return list_->span_[i_];
  if (!made_) made_ = list_->store_->at(list_->chosen_[i_]);
  return *made_;
}

}  // namespace chataudit
