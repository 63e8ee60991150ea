#pragma once
// Where reports go (SPEC §2 "Output paths"): every output checked before any work, then all of
// them written or none, atomically, keeping a replaced file's permission bits; what an earlier
// run wrote and this one does not write again removed.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// A file the run reads, and why (for the message that refuses to overwrite it).
struct InputFile {
  std::string path;
  std::string role;  ///< "the inventory", "the policy", "the waivers", "the --record database" …
};

/// True for `-` and `/dev/stdout`: standard output itself.
bool is_stdout(const std::string& path);

/// Checks the outputs before any work: no symbolic link, no directory, an existing parent
/// directory, no two naming one file, none that is one of `inputs` (same device and inode); an
/// `output_dir` (may be empty) must not hold any of `inputs`. Throws chataudit::Error.
void check_outputs(const std::vector<std::string>& paths, const std::string& output_dir,
                   const std::vector<InputFile>& inputs);

/// One report to write (its parts, one after the other, then what `produce` writes), or a stale
/// file to remove.
struct Write {
  std::string path;
  std::vector<std::string> parts;
  bool remove = false;  ///< remove `path` if it is a regular file (a clean run's e-mail file)
  /// Writes the rest of the content to a descriptor (a report put together from its spool); false
  /// with errno set when a write failed. May be called for a temporary file or standard output.
  std::function<bool(int fd)> produce;
};

/// Writes every item or replaces none: each file's content goes to a temporary file in its
/// directory first (complete and flushed), then standard output, FIFOs and devices are written,
/// and only then are the files moved into place and stale files removed. A failed write is
/// chataudit::Error naming the output ("standard output" for `-`).
void write_all_or_none(const std::vector<Write>& writes);

/// Writes `text` to standard output, checked: a full disk, a closed pipe (SIGPIPE ignored) or a
/// closed descriptor is chataudit::Error naming standard output.
void write_stdout(std::string_view text);

/// Writes every byte of `bytes` to `fd`, again after EINTR and short writes; false with errno set
/// (EIO when the descriptor takes nothing) when a write fails.
bool write_fully(int fd, std::string_view bytes);

/// `--split-by`'s bookkeeping in its directory: the names of the reports the last run of `key`
/// (a scope and a format) wrote there, so that this run can remove those it does not write again,
/// and nothing else.
class SplitManifest {
 public:
  SplitManifest(std::string dir, std::string_view key);
  /// The writes that remove the reports listed by the last run and not in `written` (file names),
  /// then record `written` as this run's (that write is itself among those returned).
  std::vector<Write> update(const std::vector<std::string>& written) const;

 private:
  std::string dir_, path_;
};

}  // namespace chataudit
