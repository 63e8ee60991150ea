#pragma once
// Reports written rule by rule (issue 22, SPEC §5): each rule's findings are rendered as soon as the
// rule is done and kept in a spool (memory, then a temporary file), so that memory holds the findings
// of the rules in flight, not the whole report; the report is put together once every rule has run.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// Where a finished report goes: a string, a file descriptor (buffered), a hash, a base64 encoder …
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(std::string_view bytes) = 0;
};

/// A ByteSink appending to a string.
class StringSink : public ByteSink {
 public:
  explicit StringSink(std::string& out) : out_(out) {}
  void write(std::string_view bytes) override { out_ += bytes; }

 private:
  std::string& out_;
};

/// A ByteSink writing to a file descriptor through a buffer. A failed write is remembered (with its
/// errno) and later writes are dropped: the caller checks ok() after flush().
class FdSink : public ByteSink {
 public:
  explicit FdSink(int fd, std::size_t buffer = std::size_t{1} << 20);
  ~FdSink() override;
  void write(std::string_view bytes) override;
  /// Writes what is buffered; false (errno set to the first failure's) when any write failed.
  bool flush();

 private:
  int fd_;
  std::size_t capacity_;
  std::string buffer_;
  int error_ = 0;
};

/// The rendered groups of one or more reports (one per --split-by key), each report in one or more
/// channels (the e-mail report renders its text and its HTML part side by side). Appended in report
/// order; read back per report and channel in the same order. Bytes stay in memory up to
/// `memory_limit`, then everything moves to an unnamed temporary file in $TMPDIR (or /tmp).
class Spool {
 public:
  explicit Spool(std::size_t memory_limit = std::size_t{8} << 20);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  /// Appends `bytes` to report `key`'s `channel`. Throws chataudit::Error when the temporary file
  /// cannot be written (a full disk).
  void append(std::size_t key, int channel, std::string_view bytes);
  /// Calls `each` with report `key`'s `channel`, in pieces, in the order appended.
  void read(std::size_t key, int channel, const std::function<void(std::string_view)>& each) const;
  /// Writes report `key`'s `channel` to `out`.
  void copy(std::size_t key, int channel, ByteSink& out) const;
  /// Bytes appended, in all reports and channels.
  std::uint64_t size() const { return size_; }
  /// Whether the bytes went to a temporary file (past the memory limit).
  bool on_disk() const { return fd_ >= 0; }

 private:
  struct Piece {
    std::uint64_t offset;
    std::uint32_t length;
    std::uint32_t channel;
  };
  void spill();
  std::size_t memory_limit_;
  std::string memory_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  std::vector<std::vector<Piece>> pieces_;  ///< per key, in order
};

/// One report's spooled groups in one channel: what a format's finish() writes between its
/// beginning and its end.
struct Spooled {
  const Spool& spool;
  std::size_t key = 0;
  int channel = 0;
  void copy_to(ByteSink& out) const { spool.copy(key, channel, out); }
  /// The same report's next channel (the e-mail report's HTML part after its text).
  Spooled next() const { return Spooled{spool, key, channel + 1}; }
};

/// What one rule's findings of one report render into: a buffer per channel. A renderer writes into
/// channel(c) and may call spill() between findings so that a rule of many findings does not
/// build one large string; whoever made the sink calls spill(true) after the group.
class GroupSink {
 public:
  GroupSink(Spool& spool, std::size_t key, int first_channel = 0)
      : spool_(spool), key_(key), first_channel_(first_channel) {}
  std::string& channel(int c);
  /// Moves the buffers into the spool when they hold a megabyte or more (or always, with `all`).
  void spill(bool all = false);
  /// A sink for the same report whose channel 0 is this one's channel `by` (the e-mail report
  /// renders the text report's groups into its channel 0 and the HTML report's into 1). Spill it too.
  GroupSink shifted(int by) const { return GroupSink(spool_, key_, first_channel_ + by); }

 private:
  Spool& spool_;
  std::size_t key_;
  int first_channel_ = 0;
  std::vector<std::string> buffers_;
};

}  // namespace chataudit
