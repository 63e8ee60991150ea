// The spool of rendered groups (memory, then an unnamed temporary file) and the byte sinks a
// finished report is written to.
#include "report/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "base/catalog.h"
#include "base/error.h"
#include "base/outputs.h"

namespace chataudit {

FdSink::FdSink(int fd, std::size_t buffer) : fd_(fd), capacity_(buffer) { buffer_.reserve(capacity_); }

FdSink::~FdSink() = default;

void FdSink::write(std::string_view bytes) {
  if (error_ != 0) return;
  if (buffer_.size() + bytes.size() > capacity_) {
    if (!flush()) return;
    if (bytes.size() >= capacity_) {
      if (!write_fully(fd_, bytes)) error_ = errno;
      return;
    }
  }
  buffer_ += bytes;
}

bool FdSink::flush() {
  if (error_ == 0 && !buffer_.empty() && !write_fully(fd_, buffer_)) error_ = errno;
  buffer_.clear();
  if (error_ != 0) errno = error_;
  return error_ == 0;
}

namespace {

// An unnamed temporary file for the spool: O_TMPFILE where the file system has it, else a named
// one unlinked at once. Nothing is left behind when the process ends, however it ends.
int temporary_file() {
  const char* env = std::getenv("TMPDIR");
  const std::string dir = env && *env ? env : "/tmp";
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  std::string name = dir + "/chataudit-spool-XXXXXX";
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0)
    throw Error(Diagnostic{.file = dir,
                           .message = tr("cannot create a temporary file for the report: {}", std::strerror(errno))});
  ::unlink(name.c_str());
  return fd;
}

[[noreturn]] void spool_failed(int error) {
  throw Error(tr("cannot write the report's temporary file (in $TMPDIR or /tmp): {}", std::strerror(error)));
}

}  // namespace

Spool::Spool(std::size_t memory_limit) : memory_limit_(memory_limit) {}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
}

void Spool::spill() {
  fd_ = temporary_file();
  if (!write_fully(fd_, memory_)) spool_failed(errno);
  std::string().swap(memory_);
}

void Spool::append(std::size_t key, int channel, std::string_view bytes) {
  if (bytes.empty()) return;
  if (pieces_.size() <= key) pieces_.resize(key + 1);
  // A piece's length is 32 bits: a larger append is cut.
  constexpr std::size_t kMaxPiece = std::numeric_limits<std::uint32_t>::max();
  while (bytes.size() > kMaxPiece) {
    append(key, channel, bytes.substr(0, kMaxPiece));
    bytes.remove_prefix(kMaxPiece);
  }
  if (fd_ < 0 && memory_.size() + bytes.size() > memory_limit_) spill();
  if (fd_ >= 0) {
    if (!write_fully(fd_, bytes)) spool_failed(errno);
  } else {
    memory_ += bytes;
  }
  pieces_[key].push_back(Piece{size_, static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint32_t>(channel)});
  size_ += bytes.size();
}

void Spool::read(std::size_t key, int channel, const std::function<void(std::string_view)>& each) const {
  if (key >= pieces_.size()) return;
  std::string buffer;
  for (const Piece& piece : pieces_[key]) {
    if (piece.channel != static_cast<std::uint32_t>(channel)) continue;
    if (fd_ < 0) {
      each(std::string_view(memory_).substr(piece.offset, piece.length));
      continue;
    }
    // From the file, a megabyte at a time.
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    buffer.resize(std::min<std::size_t>(kChunk, piece.length));
    for (std::uint64_t done = 0; done < piece.length;) {
      const std::size_t want = std::min<std::uint64_t>(buffer.size(), piece.length - done);
      const ssize_t got = ::pread(fd_, buffer.data(), want, static_cast<off_t>(piece.offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) spool_failed(got < 0 ? errno : EIO);
      each(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
      done += static_cast<std::uint64_t>(got);
    }
  }
}

void Spool::copy(std::size_t key, int channel, ByteSink& out) const {
  read(key, channel, [&](std::string_view bytes) { out.write(bytes); });
}

std::string& GroupSink::channel(int c) {
  assert(c >= 0);
  if (buffers_.size() <= static_cast<std::size_t>(c)) buffers_.resize(static_cast<std::size_t>(c) + 1);
  return buffers_[static_cast<std::size_t>(c)];
}

void GroupSink::spill(bool all) {
  constexpr std::size_t kSpillAt = std::size_t{1} << 20;
  for (std::size_t c = 0; c < buffers_.size(); ++c) {
    if (buffers_[c].empty() || (!all && buffers_[c].size() < kSpillAt)) continue;
    spool_.append(key_, first_channel_ + static_cast<int>(c), buffers_[c]);
    buffers_[c].clear();
  }
}

}  // namespace chataudit
