#pragma once
// The column store's memory: large arrays straight from the system (in huge pages where the kernel
// offers them), and the arena that keeps a table's text and blob bytes where they are.
#include <cstddef>
#include <string_view>
#include <vector>

namespace chataudit {

/// Memory for the store's large arrays: from the system directly, in transparent huge pages where
/// the kernel offers them (the random lookups of joins then miss the TLB far less); small arrays
/// from malloc.
void* allocate_big(std::size_t bytes);
void free_big(void* memory, std::size_t bytes);

template <class T>
struct BigAllocator {
  using value_type = T;
  BigAllocator() = default;
  template <class U>
  BigAllocator(const BigAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_big(n * sizeof(T))); }
  void deallocate(T* memory, std::size_t n) { free_big(memory, n * sizeof(T)); }
  template <class U>
  bool operator==(const BigAllocator<U>&) const {
    return true;
  }
};

template <class T>
using BigVector = std::vector<T, BigAllocator<T>>;

/// Stable storage for text and blob bytes: nothing moves or is freed before its table. One per
/// table: threads filling tables of their own never share one.
class ByteArena {
 public:
  const char* store(std::string_view bytes);
  std::size_t bytes() const { return used_; }
  /// Takes `other`'s blocks (their bytes stay where they are).
  void adopt(ByteArena&& other);

 private:
  struct Block {
    char* bytes;
    std::size_t size;
  };
  std::vector<Block> blocks_;

 public:
  ByteArena() = default;
  ByteArena(const ByteArena&) = delete;
  ByteArena& operator=(const ByteArena&) = delete;
  ~ByteArena();

 private:
  char* next_ = nullptr;
  std::size_t left_ = 0, used_ = 0;
};

}  // namespace chataudit
