// Mapping regular files, reading streams whole, and the stat(2) questions the loader asks.
#include "load/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/catalog.h"
#include "base/error.h"
#include "load/inventory.h"

namespace chataudit::loading {
namespace {

// `what` in the message language, then strerror()'s text as the C library wrote it.
[[noreturn]] void fail_io(const std::string& path, const char* what) {
  throw Error(Diagnostic{.file = path, .message = fmt::format("{}: {}", what, std::strerror(errno))});
}

}  // namespace

MappedFile::MappedFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io(path, tr("cannot open"));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    fail_io(path, tr("cannot read"));
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ > 0) {
    void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (data == MAP_FAILED) {
      ::close(fd);
      fail_io(path, tr("cannot read"));
    }
    data_ = static_cast<const char*>(data);
    ::madvise(data, size_, MADV_SEQUENTIAL);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<char*>(data_), size_);
}

void MappedFile::release(std::size_t begin, std::size_t end) const {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  begin = (begin + page - 1) / page * page;
  end = end / page * page;
  if (data_ && begin < end) ::madvise(const_cast<char*>(data_) + begin, end - begin, MADV_DONTNEED);
}

// Standard input, a FIFO or a device cannot be mapped: read whole, with a limit. A stream whose
// first megabyte holds a NUL byte is not text in any encoding the file can be in without a BOM
// saying otherwise: reading stops there and the CSV reader reports the NUL at its position
// (`--table groups=/dev/zero` fails at once instead of reading forever).
std::string read_stream(const std::string& path, bool nul_is_text) {
  const bool stdin_source = path == "-";
  const int fd = stdin_source ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io(path, tr("cannot open"));
  std::string bytes;
  constexpr std::size_t kChunk = 1u << 20;
  bool checked = false;
  for (;;) {
    const std::size_t old_size = bytes.size();
    bytes.resize(old_size + kChunk);
    const ssize_t got = ::read(fd, bytes.data() + old_size, kChunk);
    if (got < 0 && errno == EINTR) {
      bytes.resize(old_size);
      continue;
    }
    if (got < 0) {
      if (!stdin_source) ::close(fd);
      fail_io(stdin_source ? "-" : path, tr("read error"));
    }
    bytes.resize(old_size + static_cast<std::size_t>(got));
    if (got == 0) break;
    if (bytes.size() > kMaxStreamBytes) {
      if (!stdin_source) ::close(fd);
      throw Error(Diagnostic{.file = path,
                             .message = tr("more than 2 GiB from a stream, the most chataudit reads from standard "
                                           "input, a pipe or a device; save it to a file and give the file")});
    }
    if (!checked && bytes.size() >= kChunk) {
      checked = true;
      const bool utf16_bom = bytes.starts_with("\xFF\xFE") || bytes.starts_with("\xFE\xFF");
      if (!nul_is_text && !utf16_bom && bytes.find('\0') != std::string::npos) break;
    }
  }
  if (!stdin_source) ::close(fd);
  return bytes;
}

bool is_regular_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

bool reads_standard_input(const std::string& path) {
  if (path == "-") return true;
  struct stat named {
  }, input{};
  if (::stat(path.c_str(), &named) != 0 || ::fstat(0, &input) != 0) return false;
  return !S_ISREG(input.st_mode) && named.st_dev == input.st_dev && named.st_ino == input.st_ino;
}

}  // namespace chataudit::loading
