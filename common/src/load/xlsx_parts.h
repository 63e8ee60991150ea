#pragma once
// The parts of an .xlsx workbook: its zip container opened with libzip, each part inflated under
// the limits (never past its declared size, 2 GiB a part, 4 GiB in all) and streamed through
// expat, which refuses any DOCTYPE (no entity can expand).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/error.h"

struct zip;
struct zip_file;
struct XML_ParserStruct;

namespace chataudit::loading {

/// The limits on what a workbook may inflate to (SPEC §3, chataudit-inventory(5)).
inline constexpr std::uint64_t kMaxWorkbookPartBytes = std::uint64_t{2} << 30;
inline constexpr std::uint64_t kMaxWorkbookBytes = std::uint64_t{4} << 30;

/// What the first bytes of a file say it is: an .xlsx (zip), an encrypted workbook or an old
/// .xls/.et (OLE compound file), or something else.
enum class FileMagic { zip, ole, other };
FileMagic file_magic(std::string_view first_bytes);
/// The message for an OLE compound file given as a workbook.
std::string ole_workbook_message();

/// A workbook's zip container, read from bytes the caller keeps alive.
class ZipParts {
 public:
  /// Opens the container; throws Error (at `file`) for a file that is not a readable zip.
  ZipParts(std::string_view bytes, std::string file);
  ~ZipParts();
  ZipParts(const ZipParts&) = delete;
  ZipParts& operator=(const ZipParts&) = delete;

  /// Whether the container holds part `name` (no leading slash).
  bool has(const std::string& name) const;
  const std::string& file() const { return file_; }
  /// A problem with the workbook as a whole: "damaged workbook: …".
  Error damaged(const std::string& message) const;

  /// One part being inflated, in chunks, within the limits.
  class Reader {
   public:
    Reader(ZipParts& parts, const std::string& name);
    ~Reader();
    Reader(const Reader&) = delete;
    Reader& operator=(const Reader&) = delete;
    /// Up to `size` more bytes into `buffer`; 0 at the part's end.
    std::size_t read(char* buffer, std::size_t size);

   private:
    ZipParts& parts_;
    std::string name_;
    zip_file* file_ = nullptr;
    std::uint64_t declared_ = 0, inflated_ = 0;
  };

 private:
  zip* archive_ = nullptr;
  std::string file_;
  std::uint64_t inflated_ = 0;  // all parts so far
};

/// Receives a part's XML, elements by their local name (any namespace prefix dropped). A handler
/// that finds a problem sets `problem`; the parse then stops and throws it.
class XmlHandler {
 public:
  virtual ~XmlHandler() = default;
  virtual void start(std::string_view name, const char** attributes) = 0;
  virtual void end(std::string_view name) = 0;
  virtual void text(std::string_view /*text*/) {}
  std::optional<Error> problem;
};

/// The value of the attribute whose local name is `name`, or nullptr.
const char* xml_attribute(const char** attributes, std::string_view name);

/// Streams part `name` of `parts` through `handler`, a chunk per step().
class XmlStream {
 public:
  XmlStream(ZipParts& parts, const std::string& name, XmlHandler& handler);
  ~XmlStream();
  XmlStream(const XmlStream&) = delete;
  XmlStream& operator=(const XmlStream&) = delete;
  /// Parses the next chunk; false once the whole part is parsed. Throws Error for bad XML, a
  /// DOCTYPE, the handler's problem or a container problem.
  bool step();
  /// Parses the rest of the part.
  void run() {
    while (step()) {}
  }

 private:
  static void on_start(void* self, const char* name, const char** attributes);
  static void on_end(void* self, const char* name);
  static void on_text(void* self, const char* text, int length);
  static void on_doctype(void* self, const char*, const char*, const char*, int);
  void stop();
  Error xml_error() const;

  ZipParts& parts_;
  std::string name_;
  XmlHandler& handler_;
  ZipParts::Reader reader_;
  XML_ParserStruct* parser_ = nullptr;
  bool doctype_ = false, done_ = false;
};

}  // namespace chataudit::loading
