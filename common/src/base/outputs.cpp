// Output paths (SPEC §2): checked before any work, written all or none, atomically.
#include "base/outputs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "base/catalog.h"
#include "base/error.h"
#include "base/text.h"

namespace chataudit {

namespace {

// More report files than this in one run (split reports) are written through named temporary
// files, closed as they go, rather than unnamed ones held open until all are complete.
constexpr std::size_t kMaxOpenTemporaries = 200;

std::string shown_path(const std::string& path) { return is_stdout(path) ? "standard output" : path; }

[[noreturn]] void write_failed(const std::string& path, int error) {
  throw Error(Diagnostic{.file = shown_path(path), .message = tr("write failed: {}", std::strerror(error))});
}

// Writes all of the write's parts, one after the other, then what it produces, to `fd`; false
// (errno set) on a failed write.
bool write_parts(int fd, const Write& write) {
  return std::all_of(write.parts.begin(), write.parts.end(),
                     [&](const std::string& part) { return write_fully(fd, part); }) &&
         (!write.produce || write.produce(fd));
}

// `path` + ".tmp." + six random letters or digits, as mkstemp would name it.
std::string temporary_name(const std::string& path) {
  static constexpr std::string_view kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static std::random_device device;
  std::string name = path + ".tmp.";
  for (int i = 0; i < 6; ++i) name += kLetters[device() % kLetters.size()];
  return name;
}

// The file at `path` replaced by, or created as, the unnamed file `fd` (O_TMPFILE, complete and
// flushed). A new path gets its name in one step; an existing file is replaced by linking the
// file under a temporary name and renaming that over it, so only a kill between those two calls
// can leave a FILE.tmp.XXXXXX behind, and then it holds the whole report.
void link_into_place(int fd, const std::string& path) {
  const std::string self = fmt::format("/proc/self/fd/{}", fd);
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0) return;
  if (errno != EEXIST) write_failed(path, errno);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string temp = temporary_name(path);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) continue;
      write_failed(path, errno);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      write_failed(path, error);
    }
    return;
  }
  write_failed(path, EEXIST);
}

enum class Kind { missing, regular, stream, directory, symlink };

struct Found {
  Kind kind = Kind::missing;
  struct stat info {};
};

// What is at `path`: a link to a FIFO or a device (/dev/stdout → a pipe or terminal) is a stream
// to write into; a link to anything else is refused rather than followed or clobbered.
Found look(const std::string& path) {
  Found found;
  if (::lstat(path.c_str(), &found.info) != 0) return found;
  struct stat target {};
  if (S_ISLNK(found.info.st_mode)) {
    if (::stat(path.c_str(), &target) == 0 && (S_ISFIFO(target.st_mode) || S_ISCHR(target.st_mode))) {
      found.info = target;
      found.kind = Kind::stream;
    } else {
      found.kind = Kind::symlink;
    }
  } else if (S_ISDIR(found.info.st_mode)) {
    found.kind = Kind::directory;
  } else if (S_ISFIFO(found.info.st_mode) || S_ISCHR(found.info.st_mode)) {
    found.kind = Kind::stream;
  } else {
    found.kind = Kind::regular;
  }
  return found;
}

std::string parent_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

mode_t new_file_mode() {
  const mode_t mask = ::umask(0);
  ::umask(mask);
  return 0666 & ~mask;
}

// One file being written: its temporary (unnamed and open, or named and closed) until it is
// moved into place.
struct Pending {
  std::string path;
  int fd = -1;        // an O_TMPFILE still to be linked
  std::string named;  // a named temporary file still to be renamed
  ~Pending() {
    if (fd >= 0) ::close(fd);
    if (!named.empty()) ::unlink(named.c_str());
  }
};

void prepare_file(Pending& pending, const Write& write, bool may_hold_open) {
  const Found found = look(write.path);
  if (found.kind == Kind::symlink)
    throw Error(Diagnostic{.file = write.path, .message = tr("is a symbolic link; refusing to write through it")});
  if (found.kind == Kind::directory) throw Error(Diagnostic{.file = write.path, .message = tr("is a directory")});
  const mode_t mode = found.kind == Kind::regular ? (found.info.st_mode & 07777) : new_file_mode();
  pending.path = write.path;
#ifdef O_TMPFILE
  if (may_hold_open) {
    const int fd = ::open(parent_of(write.path).c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
      pending.fd = fd;
      if (!write_parts(fd, write) || ::fchmod(fd, mode) != 0 || ::fsync(fd) != 0) write_failed(write.path, errno);
      return;
    }
    // Not supported here (an old kernel, a file system without it): a named temporary file.
  }
#endif
  std::string temp = write.path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0)
    throw Error(
        Diagnostic{.file = write.path, .message = tr("cannot create a temporary file: {}", std::strerror(errno))});
  pending.named = temp;
  const bool ok = write_parts(fd, write) && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!ok) write_failed(write.path, error);
}

void write_stream(const Write& write) {
  if (is_stdout(write.path)) {
    if (!write_parts(STDOUT_FILENO, write)) write_failed(write.path, errno);
    return;
  }
  const int fd = ::open(write.path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error(Diagnostic{.file = write.path, .message = std::strerror(errno)});
  const bool ok = write_parts(fd, write);
  const int error = errno;
  ::close(fd);
  if (!ok) write_failed(write.path, error);
}

// The name two outputs are compared by: the file's device and inode when it exists, else its
// absolute, normalized path.
std::string identity_of(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) return fmt::format("inode {}:{}", info.st_dev, info.st_ino);  // not a message
  std::error_code error;
  return std::filesystem::weakly_canonical(std::filesystem::absolute(path), error).string();
}

}  // namespace

bool is_stdout(const std::string& path) { return path == "-" || path == "/dev/stdout"; }

void check_outputs(const std::vector<std::string>& paths, const std::string& output_dir,
                   const std::vector<InputFile>& inputs) {
  std::map<std::string, const InputFile*> read;  // identity → input
  for (const InputFile& input : inputs) {
    struct stat info {};
    if (input.path != "-" && ::stat(input.path.c_str(), &info) == 0 && S_ISREG(info.st_mode))
      read.emplace(fmt::format("inode {}:{}", info.st_dev, info.st_ino), &input);
  }
  std::map<std::string, std::string> seen;  // identity → the output as given
  for (const std::string& path : paths) {
    if (path.empty()) throw Error(tr("--output: an empty path; expected FILE or FMT:FILE"));
    const std::string identity = is_stdout(path) ? "standard output" : identity_of(path);  // not a message
    if (auto [previous, inserted] = seen.emplace(identity, path); !inserted)
      throw Error(tr("--output {} and --output {} name the same {}; each output needs its own", previous->second, path,
                     is_stdout(path) ? tr("standard output") : tr("file")));
    if (is_stdout(path)) continue;
    const Found found = look(path);
    if (found.kind == Kind::symlink)
      throw Error(Diagnostic{.file = path, .message = tr("is a symbolic link; refusing to write through it")});
    if (found.kind == Kind::directory) throw Error(Diagnostic{.file = path, .message = tr("is a directory")});
    if (found.kind == Kind::missing) {
      struct stat dir {};
      if (::stat(parent_of(path).c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode))
        throw Error(Diagnostic{.file = path, .message = tr("no such directory: {}", parent_of(path))});
    }
    if (auto input = read.find(identity); input != read.end())
      throw Error(Diagnostic{.file = path,
                             .message = tr("is {} of this run ({}); refusing to overwrite it: write the "
                                           "report to another file",
                                           input->second->role, input->second->path)});
  }
  if (output_dir.empty()) return;
  struct stat info {};
  if (::stat(output_dir.c_str(), &info) == 0 && !S_ISDIR(info.st_mode))
    throw Error(Diagnostic{.file = output_dir, .message = tr("is not a directory (--output-dir)")});
  std::error_code error;
  const std::filesystem::path dir = std::filesystem::weakly_canonical(std::filesystem::absolute(output_dir), error);
  for (const InputFile& input : inputs) {
    if (input.path == "-") continue;
    const std::filesystem::path real = std::filesystem::weakly_canonical(std::filesystem::absolute(input.path), error);
    for (std::filesystem::path up = real.parent_path(); !up.empty(); up = up.parent_path()) {
      if (up == dir)
        throw Error(Diagnostic{.file = output_dir,
                               .message = tr("holds {} of this run ({}); --split-by removes reports there: "
                                             "give the reports a directory of their own",
                                             input.role, input.path)});
      if (up == up.root_path()) break;
    }
  }
}

void write_all_or_none(const std::vector<Write>& writes) {
  std::size_t files = 0;
  for (const Write& write : writes)
    if (!write.remove && !is_stdout(write.path) && look(write.path).kind != Kind::stream) ++files;
  std::vector<Pending> pending(files);
  std::size_t next = 0;
  for (const Write& write : writes)
    if (!write.remove && !is_stdout(write.path) && look(write.path).kind != Kind::stream)
      prepare_file(pending[next++], write, files <= kMaxOpenTemporaries);
  for (const Write& write : writes)
    if (!write.remove && (is_stdout(write.path) || look(write.path).kind == Kind::stream)) write_stream(write);
  for (Pending& file : pending) {
    if (file.fd >= 0) {
      link_into_place(file.fd, file.path);
    } else if (::rename(file.named.c_str(), file.path.c_str()) != 0) {
      write_failed(file.path, errno);
    } else {
      file.named.clear();
    }
  }
  for (const Write& write : writes)
    if (write.remove && look(write.path).kind == Kind::regular && ::unlink(write.path.c_str()) != 0 && errno != ENOENT)
      throw Error(Diagnostic{.file = write.path, .message = tr("cannot remove: {}", std::strerror(errno))});
}

void write_stdout(std::string_view text) {
  if (!write_fully(STDOUT_FILENO, text)) write_failed("-", errno);
}

bool write_fully(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = EIO;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

SplitManifest::SplitManifest(std::string dir, std::string_view key)
    : dir_(std::move(dir)),
      path_((std::filesystem::path(dir_) / (".chataudit-" + sha256_hex(key).substr(0, 16) + ".manifest")).string()) {}

std::vector<Write> SplitManifest::update(const std::vector<std::string>& written) const {
  const std::set<std::string> now(written.begin(), written.end());
  std::vector<Write> out;
  std::ifstream in(path_);
  std::string line;
  std::string header;
  std::getline(in, header);  // "# chataudit --split-by manifest …"
  while (std::getline(in, line)) {
    // Only plain names of files in this directory, as this code writes them.
    if (line.empty() || line.find('/') != std::string::npos || line == "." || line == ".." || now.count(line)) continue;
    out.push_back(Write{.path = (std::filesystem::path(dir_) / line).string(), .parts = {}, .remove = true});
  }
  std::string content = "# chataudit --split-by manifest: the reports the last run of one scope wrote here\n";
  for (const std::string& name : written) content += name + "\n";
  out.push_back(Write{.path = path_, .parts = {content}, .remove = false});
  return out;
}

}  // namespace chataudit
