// The column store's memory: allocate_big() and ByteArena (see column_memory.h).
#include "store/column_memory.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace chataudit {

namespace {
constexpr std::size_t kArenaBlock = std::size_t{4} << 20;
constexpr std::size_t kBigBytes = std::size_t{2} << 20;  // one huge page
}  // namespace

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
  if (bytes < kBigBytes)
    std::free(memory);
  else
    munmap(memory, bytes);
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

}  // namespace chataudit
