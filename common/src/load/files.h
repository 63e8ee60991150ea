#pragma once
// How the loader gets at a source's bytes and asks what a path names: regular files mapped into
// memory, streams (standard input, pipes, devices) read whole.
#include <cstddef>
#include <string>
#include <string_view>

namespace chataudit::loading {

// A regular file's bytes, mapped read-only rather than copied onto the heap: a members.csv of
// hundreds of megabytes costs no memory of its own, and the pages the reader has passed are
// handed back (release), so that what a load holds is the database it builds.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return {data_, size_}; }
  /// Drops the pages wholly inside [begin, end) from memory (they are read again if touched).
  void release(std::size_t begin, std::size_t end) const;

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Standard input (`-`), a FIFO or a device, read whole up to kMaxStreamBytes. `nul_is_text`:
/// the encoding may hold NUL bytes (else a NUL in the first megabyte ends the read).
std::string read_stream(const std::string& path, bool nul_is_text);

/// What a path names (following links); false when it cannot be looked at.
bool is_regular_file(const std::string& path);
bool is_directory(const std::string& path);
bool exists(const std::string& path);

/// `-`, or a path that is this process's standard input when that is not a regular file
/// (/dev/stdin, /dev/fd/0, /proc/self/fd/0): a stream that only one table can be read from.
bool reads_standard_input(const std::string& path);

}  // namespace chataudit::loading
