// Inventory loading: every source is read as text cells with positions, then normalized by the
// schema's column types into the in-memory database. Between the two sits the mapping: which file
// or SQLite table holds a table, which header means which column (mapping file, canonical name,
// built-in Chinese header, in that order), extra value spellings and date formats; and, for CSV,
// the conversion of the bytes to UTF-8 and the choice of delimiter.
#include "load/inventory.h"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <iterator>
#include <limits>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "base/csv.h"
#include "base/error.h"
#include "load/mapping.h"
#include "policy/schema.h"
#include "base/text.h"
#include "base/timing.h"
#include "store/sqlite_file.h"
#include "store/sql_sandbox.h"

namespace chataudit {
namespace {

[[noreturn]] void fail_io(const std::string& path, std::string_view what) {
  throw Error(Diagnostic{.file = path, .message = fmt::format("{}: {}", what, std::strerror(errno))});
}

// A regular file's bytes, mapped read-only rather than copied onto the heap: a members.csv of
// hundreds of megabytes costs no memory of its own, and the pages the reader has passed are
// handed back (release_before), so that what a load holds is the database it builds.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_io(path, "cannot open");
    struct stat info {};
    if (::fstat(fd, &info) != 0) {
      ::close(fd);
      fail_io(path, "cannot read");
    }
    size_ = static_cast<std::size_t>(info.st_size);
    if (size_ > 0) {
      void* data = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        ::close(fd);
        fail_io(path, "cannot read");
      }
      data_ = static_cast<const char*>(data);
      ::madvise(data, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
  }
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  std::string_view view() const { return {data_, size_}; }
  /// Drops the pages wholly inside [begin, end) from memory (they are read again if touched).
  void release(std::size_t begin, std::size_t end) const {
    static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    begin = (begin + page - 1) / page * page;
    end = end / page * page;
    if (data_ && begin < end) ::madvise(const_cast<char*>(data_) + begin, end - begin, MADV_DONTNEED);
  }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

// The keys a table has shown so far, each with the line it was first on: one open-addressing
// table of 16-byte slots (the key's hash, and where its bytes are in one buffer of all the keys),
// where a map of strings costs an allocation or two per key (a million people, a million rows).
class KeyLines {
 public:
  /// The line `key` was first on, if it was seen before; else nothing, and `line` is recorded
  /// for it.
  std::optional<int> first(std::string_view key, int line) {
    if ((used_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t hash = std::hash<std::string_view>{}(key);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
      Slot& slot = slots_[at];
      if (slot.key == 0) {
        keys_.push_back(Key{bytes_.size(), key.size()});
        bytes_.append(key);
        slot = Slot{hash, static_cast<std::uint32_t>(keys_.size()), line};
        ++used_;
        return std::nullopt;
      }
      if (slot.hash == hash && bytes_of(slot.key) == key) return slot.line;
    }
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t key = 0;  // keys_ index + 1; 0: empty
    int line = 0;
  };
  struct Key {
    std::size_t offset, size;
  };
  std::string_view bytes_of(std::uint32_t key) const {
    const Key& at = keys_[key - 1];
    return std::string_view(bytes_).substr(at.offset, at.size);
  }
  void grow() {
    std::vector<Slot> old(std::max<std::size_t>(slots_.size() * 2, 1024));
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.key == 0) continue;
      std::size_t at = slot.hash & mask;
      while (slots_[at].key != 0) at = (at + 1) & mask;
      slots_[at] = slot;
    }
  }
  std::vector<Slot> slots_;
  std::vector<Key> keys_;
  std::string bytes_;
  std::size_t used_ = 0;
};

// Standard input, a FIFO or a device cannot be mapped: read whole, with a limit. A stream whose
// first megabyte holds a NUL byte is not text in any encoding the file can be in without a BOM
// saying otherwise: reading stops there and the CSV reader reports the NUL at its position
// (`--table groups=/dev/zero` fails at once instead of reading forever).
std::string read_stream(const std::string& path, bool nul_is_text) {
  const bool stdin_source = path == "-";
  const int fd = stdin_source ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_io(path, "cannot open");
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
      fail_io(stdin_source ? "-" : path, "read error");
    }
    bytes.resize(old_size + static_cast<std::size_t>(got));
    if (got == 0) break;
    if (bytes.size() > kMaxStreamBytes) {
      if (!stdin_source) ::close(fd);
      throw Error(Diagnostic{.file = path,
                             .message = "more than 2 GiB from a stream, the most chataudit reads from standard "
                                        "input, a pipe or a device; save it to a file and give the file"});
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

// `-`, or a path that is this process's standard input when that is not a regular file
// (/dev/stdin, /dev/fd/0, /proc/self/fd/0): a stream that only one table can be read from.
bool reads_standard_input(const std::string& path) {
  if (path == "-") return true;
  struct stat named {}, input {};
  if (::stat(path.c_str(), &named) != 0 || ::fstat(0, &input) != 0) return false;
  return !S_ISREG(input.st_mode) && named.st_dev == input.st_dev && named.st_ino == input.st_ino;
}

bool has_table_or_view(SQLite::Database& db, const std::string& name) {
  SQLite::Statement query(db, "SELECT 1 FROM sqlite_schema WHERE type IN ('table','view') AND name = ? COLLATE NOCASE");
  query.bind(1, name);
  return query.executeStep();
}

enum class SourceKind { csv_file, csv_stdin, sqlite };

struct TableSource {
  SourceKind kind;
  std::string path;          // as the user named it
  std::string source_table;  // SQLite: the table or view to read
  const InventoryMapping* mapping = nullptr;  // never null once resolved; maybe an empty mapping
};

// One cell as read, with where it came from.
struct Cell {
  std::string_view text;
  int line = 0, column = 0;
};

// What a cell's column is called in messages: the source's own header, and the schema's name
// where the two differ (`工作结束日期 (work_ended_on)`), so the user finds the column either way.
std::string column_label(std::string_view source, std::string_view canonical) {
  if (canonical.empty() || ascii_lower(source) == canonical) return std::string(source);
  return fmt::format("{} ({})", source, canonical);
}

// Reads one table's rows from any source as text cells, and reports positions in the source's
// own terms (FILE:LINE:COLUMN for CSV, table.column row N for SQLite).
class RowSource {
 public:
  virtual ~RowSource() = default;
  virtual const std::vector<std::string>& header() const = 0;
  /// Next non-blank row, with one cell per header column; false at end.
  virtual bool next(std::vector<Cell>& cells) = 0;
  /// A problem with `cell`, in the column the source calls `source_column` and the schema `canonical`.
  virtual Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                        std::string message) const = 0;
  /// A problem with the header as a whole.
  virtual Diagnostic at_header(std::string message) const = 0;
  /// A problem with the header's column `index` (0-based).
  virtual Diagnostic at_header_cell(std::size_t /*index*/, std::string message) const {
    return at_header(std::move(message));
  }
  /// How a row is named in "first on line N" (CSV) or "first on row N" (SQLite).
  virtual std::string_view row_word() const = 0;
  /// Where the source can be read by two threads: the rows from about half of what is left
  /// on, as a source of their own (this one then stops before them); nullptr otherwise.
  virtual std::unique_ptr<RowSource> split_off(std::size_t /*least_bytes*/) { return nullptr; }
  /// Whether cells may hold bytes that are not UTF-8 (the encoding is known to be UTF-8, or the
  /// source is SQLite): each is then checked, and every bad one listed.
  bool check_utf8 = false;
  /// Why the source is read as UTF-8 (" (chosen by --encoding utf-8)"), for those messages.
  std::string utf8_note;
};

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// `text` with each U+FEFF shown as <U+FEFF>, for messages.
std::string mark_byte_order_marks(std::string_view text) {
  std::string out;
  for (std::size_t at = 0; at < text.size();) {
    if (text.substr(at).starts_with(kByteOrderMark)) {
      out += "<U+FEFF>";
      at += kByteOrderMark.size();
    } else {
      out += text[at++];
    }
  }
  return out;
}

// Column of byte `offset` of `cell`'s text (the cell's own column counts its first character).
int column_at(const Cell& cell, std::size_t offset) {
  int column = cell.column;
  for (std::size_t i = 0; i < offset && i < cell.text.size(); ++i)
    if ((static_cast<unsigned char>(cell.text[i]) & 0xC0) != 0x80) ++column;
  return column;
}

class CsvRowSource : public RowSource {
 public:
  /// Reads `text`, which `owned` holds or `mapped` maps (then handed back as it is read).
  /// `invalid_utf8`: the text is UTF-8 but has bytes that are not (each bad cell is listed).
  CsvRowSource(std::string owned, std::string_view text, MappedFile* mapped, std::string file, char delimiter,
               bool invalid_utf8 = false)
      : owned_(std::move(owned)),
        mapped_(mapped),
        reader_(owned_.empty() ? text : std::string_view(owned_), file, delimiter),
        file_(std::move(file)),
        delimiter_(delimiter) {
    if (invalid_utf8) {
      reader_.accept_invalid_utf8();
      check_utf8 = true;
    }
    CsvRecord record;
    // Blank lines above the header are spreadsheet noise too.
    bool found = false;
    while ((found = reader_.next(record)) && is_blank(record)) {
    }
    if (!found)
      throw Error(Diagnostic{.file = file_, .line = 1, .column = 1,
                             .message = "empty file; expected a header row naming the columns"});
    header_line_ = record.line;
    header_columns_ = record.columns;
    header_ = std::move(record.fields);
    // Columns without a header may be missing from short rows (they are ignored when empty).
    named_columns_ = header_.size();
    while (named_columns_ > 0 && trim(header_[named_columns_ - 1]).empty()) --named_columns_;
  }
  const std::vector<std::string>& header() const override { return header_; }

  std::unique_ptr<RowSource> split_off(std::size_t least_bytes) override {
    // A record starts after a line feed outside quotes: where the quotes before it pair up. A
    // file whose quotes do not pair up before that point fails in the first part, at the place
    // the error is, before the second part is looked at.
    const std::string_view text = reader_.text();
    const std::size_t from = reader_.offset();
    if (text.size() - from < least_bytes) return nullptr;
    std::size_t at = from + (text.size() - from) / 2;
    bool quoted = std::count(text.begin() + static_cast<std::ptrdiff_t>(from), text.begin() + static_cast<std::ptrdiff_t>(at), '"') % 2 != 0;
    for (; at < text.size(); ++at) {
      if (text[at] == '"') quoted = !quoted;
      else if (text[at] == '\n' && !quoted) break;
    }
    if (at + 1 >= text.size()) return nullptr;
    const std::size_t start = at + 1;
    // Lines as the reader counts them: LF, CRLF or a lone CR each end one.
    const std::string_view before = text.substr(0, start);
    std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    for (std::size_t cr = before.find('\r'); cr != std::string_view::npos; cr = before.find('\r', cr + 1))
      if (cr + 1 == text.size() || text[cr + 1] != '\n') ++line;
    if (line > static_cast<std::size_t>(std::numeric_limits<int>::max())) return nullptr;
    auto rest = std::unique_ptr<CsvRowSource>(new CsvRowSource(*this, start, static_cast<int>(line)));
    reader_.stop_at(start);
    return rest;
  }

  bool next(std::vector<Cell>& cells) override {
    while (reader_.next(record_)) {
      // The record's fields are copies: the bytes before the reader's offset are not needed again.
      if (mapped_ && reader_.offset() - released_ >= (std::size_t{64} << 20)) {
        mapped_->release(released_, reader_.offset());
        released_ = reader_.offset();
      }
      if (is_blank(record_)) continue;
      std::size_t fields = record_.fields.size();
      // Cells beyond the header are trailing empty columns of a spreadsheet when they are empty;
      // a row may also stop after its last named column. Anything else is a misaligned row.
      while (fields > header_.size() && trim(record_.fields[fields - 1]).empty()) --fields;
      if (fields > header_.size() || fields < named_columns_)
        throw Error(Diagnostic{.file = file_, .line = record_.line, .column = 1,
                               .message = fmt::format("row has {} fields; the header has {}", record_.fields.size(),
                                                      header_.size())});
      cells.assign(header_.size(), Cell{{}, record_.line, 0});
      for (std::size_t i = 0; i < fields; ++i) cells[i] = Cell{record_.fields[i], record_.lines[i], record_.columns[i]};
      return true;
    }
    return false;
  }
  Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                std::string message) const override {
    return Diagnostic{.file = file_, .line = cell.line, .column = cell.column,
                      .message = fmt::format("{}: {}", column_label(source_column, canonical), message)};
  }
  Diagnostic at_header(std::string message) const override {
    return Diagnostic{.file = file_, .line = header_line_, .column = 1, .message = std::move(message)};
  }
  Diagnostic at_header_cell(std::size_t index, std::string message) const override {
    return Diagnostic{.file = file_, .line = header_line_, .column = header_columns_.at(index), .message = std::move(message)};
  }
  std::string_view row_word() const override { return "line"; }

 private:
  static bool is_blank(const CsvRecord& record) {
    return std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& f) { return trim(f).empty(); });
  }
  // The rows of `head`'s text from byte `start` (a record's start on line `line`).
  CsvRowSource(const CsvRowSource& head, std::size_t start, int line)
      : mapped_(head.mapped_),
        released_(start),
        reader_(head.reader_.text(), head.file_, head.delimiter_, start, line),
        file_(head.file_),
        delimiter_(head.delimiter_),
        header_(head.header_),
        header_columns_(head.header_columns_),
        named_columns_(head.named_columns_),
        header_line_(head.header_line_) {
    if (head.check_utf8) {
      reader_.accept_invalid_utf8();
      check_utf8 = true;
      utf8_note = head.utf8_note;
    }
  }
  std::string owned_;
  MappedFile* mapped_ = nullptr;
  std::size_t released_ = 0;
  CsvReader reader_;
  std::string file_;
  char delimiter_ = ',';
  std::vector<std::string> header_;
  std::vector<int> header_columns_;
  std::size_t named_columns_ = 0;
  int header_line_ = 1;
  CsvRecord record_;
};

class SqliteRowSource : public RowSource {
 public:
  SqliteRowSource(SQLite::Database& db, std::string file, std::string table)
      : statement_(db, "SELECT * FROM " + quote_identifier(table)), file_(std::move(file)), table_(std::move(table)) {
    for (int i = 0; i < statement_.getColumnCount(); ++i) header_.emplace_back(statement_.getColumnName(i));
  }
  const std::vector<std::string>& header() const override { return header_; }
  bool next(std::vector<Cell>& cells) override {
    while (statement_.executeStep()) {
      ++row_;
      values_.resize(header_.size());
      bool blank = true;
      for (std::size_t i = 0; i < header_.size(); ++i) {
        const SQLite::Column column = statement_.getColumn(static_cast<int>(i));
        values_[i] = column.isNull() ? std::string() : column.getString();
        if (!trim(values_[i]).empty()) blank = false;
      }
      if (blank) continue;
      cells.resize(header_.size());
      for (std::size_t i = 0; i < header_.size(); ++i) cells[i] = Cell{values_[i], row_, static_cast<int>(i) + 1};
      return true;
    }
    return false;
  }
  // `table.column row N` in the database's own names; the schema's column name leads the message
  // when the database calls it something else.
  Diagnostic at(const Cell& cell, std::string_view source_column, std::string_view canonical,
                std::string message) const override {
    if (!canonical.empty() && ascii_lower(source_column) != canonical) message = fmt::format("{}: {}", canonical, message);
    return Diagnostic{.file = file_, .locator = fmt::format("{}.{} row {}", table_, source_column, cell.line),
                      .message = std::move(message)};
  }
  Diagnostic at_header(std::string message) const override {
    return Diagnostic{.file = file_, .locator = table_, .message = std::move(message)};
  }
  std::string_view row_word() const override { return "row"; }

 private:
  SQLite::Statement statement_;
  std::string file_, table_;
  std::vector<std::string> header_;
  std::vector<std::string> values_;
  int row_ = 0;
};

// How one column's cells are read: its schema type, the mapping's extra value spellings and the
// table's date format. `spec` is null for an extra column (kept as text).
struct ColumnRules {
  const ColumnSpec* spec = nullptr;
  const TableMapping* mapping = nullptr;
  DateFormat date_format;
  std::string_view mapping_place;  // "under [tables.T] in DIR/inventory.toml", for hints
};

// A date that another date_format would read: say which, since only the user knows whether
// 1/11/2026 is in January or November.
std::string date_format_hint(std::string_view cell, const ColumnRules& rules, const TimeZone& zone) {
  const DateFormat& format = rules.date_format;
  const bool other_order = format.order == DateFormat::Order::none &&
                           (parse_date_as(cell, DateFormat{DateFormat::Order::day_first}, zone) ||
                            parse_date_as(cell, DateFormat{DateFormat::Order::month_first}, zone));
  if (other_order)
    return fmt::format("; if it is day first or month first, set date_format = \"DMY\" or \"MDY\" {}",
                       rules.mapping_place);
  if (!format.excel_serial && parse_date_as(cell, DateFormat{DateFormat::Order::none, true}, zone))
    return fmt::format("; if it is an Excel serial number, set date_format = \"excel-serial\" {}", rules.mapping_place);
  return {};
}

std::string accepted_words(const ColumnRules& rules) {
  const ColumnSpec& spec = *rules.spec;
  std::string words;
  for (std::string_view word : spec.words) words += (words.empty() ? "" : ", ") + std::string(word);
  std::string synonyms;
  for (const EnumSynonym& synonym : spec.synonyms)
    synonyms += (synonyms.empty() ? "" : "/") + std::string(synonym.spelling);
  if (rules.mapping)
    for (const ValueMapping& value : rules.mapping->values)
      if (value.column == spec.name) synonyms += (synonyms.empty() ? "" : "/") + value.spelling;
  return synonyms.empty() ? words : words + " (or " + synonyms + ")";
}

// Rows the loader reads before it pushes them into the store (see read_part).
constexpr std::size_t kBatchRows = 32, kBatchBytes = std::size_t{1} << 20;

constexpr std::string_view kTrueWords[] = {"true", "yes", "y", "1", "是"};
constexpr std::string_view kFalseWords[] = {"false", "no", "n", "0", "否"};

// A normalized cell value as it goes into the database.
// `text` points into the cell, a static word, the mapping, or `storage` (a formatted date); it is
// valid until the next row is read.
struct Value {
  enum class Kind { null, text, integer } kind = Kind::null;
  std::string_view text;
  std::int64_t integer = 0;
  std::string storage;
};

// Sets `out`'s value, keeping its storage (whose bytes the next reformatted date reuses).
Value& assign(Value& out, Value::Kind kind, std::string_view text = {}, std::int64_t integer = 0) {
  out.kind = kind;
  out.text = text;
  out.integer = integer;
  return out;
}

bool ascii_iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) == (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
         });
}

// The mapping's own spelling of an enumeration or boolean value, or nullptr.
const ValueMapping* mapped_value(const ColumnRules& rules, std::string_view cell) {
  if (!rules.mapping) return nullptr;
  for (const ValueMapping& value : rules.mapping->values)
    if (value.column == rules.spec->name && ascii_iequals(value.spelling, cell)) return &value;
  return nullptr;
}

// Turns one trimmed cell into its stored value, or returns an error message.
std::optional<std::string> normalize(const ColumnRules& rules, std::string_view cell, const TimeZone& zone,
                                     Value& out) {
  const ColumnSpec* spec = rules.spec;
  assign(out, Value::Kind::null);
  if (spec == nullptr) {
    if (!cell.empty()) assign(out, Value::Kind::text, cell);
    return std::nullopt;
  }
  if (cell.empty()) {
    if (spec->required) return std::string("empty; a value is required");
    if (spec->type == ColumnType::boolean) assign(out, Value::Kind::integer, {}, 0);
    if (spec->type == ColumnType::enumeration && !spec->default_word.empty())
      assign(out, Value::Kind::text, spec->default_word);
    return std::nullopt;
  }
  switch (spec->type) {
    case ColumnType::id:
      // Pasted from a file that had one: "\uFEFFG006" would be another id than "G006", which
      // no waiver, baseline or reference then matches. (Inside other text it is data.)
      if (cell.starts_with(kByteOrderMark))
        return fmt::format("a byte-order mark (U+FEFF) starts the id \"<U+FEFF>{}\"; remove it",
                           cell.substr(kByteOrderMark.size()));
      assign(out, Value::Kind::text, cell);
      return std::nullopt;
    case ColumnType::text:
      assign(out, Value::Kind::text, cell);
      return std::nullopt;
    case ColumnType::date:
      if (auto date = parse_date_as(cell, rules.date_format, zone)) {
        out.kind = Value::Kind::text;
        // Nearly every cell is written YYYY-MM-DD already: kept as it is once it reads as a date.
        if (cell.size() == 10 && cell[4] == '-' && cell[7] == '-') {
          out.text = cell;
        } else {
          out.storage = format_date(*date);
          out.text = out.storage;
        }
        return std::nullopt;
      }
      if (before_calendar(cell, zone))
        return fmt::format("date \"{}\" is before 1400-01-01, the first day chataudit's calendar holds; dates "
                           "from 1400-01-01 to 9999-12-31 are accepted",
                           cell);
      return fmt::format("invalid date \"{}\"; expected {}{}", cell, accepted_date_spellings(rules.date_format),
                         date_format_hint(cell, rules, zone));
    case ColumnType::boolean: {
      const std::string lower = ascii_lower(cell);
      if (const ValueMapping* mapped = mapped_value(rules, lower))
        return assign(out, Value::Kind::integer, {}, mapped->value == "1" ? 1 : 0), std::nullopt;
      for (std::string_view word : kTrueWords)
        if (lower == word) return assign(out, Value::Kind::integer, {}, 1), std::nullopt;
      for (std::string_view word : kFalseWords)
        if (lower == word) return assign(out, Value::Kind::integer, {}, 0), std::nullopt;
      return fmt::format("invalid boolean \"{}\"; expected true/false, yes/no, y/n, 1/0 or 是/否", cell);
    }
    case ColumnType::integer: {
      std::int64_t number = 0;
      std::string_view digits = cell;
      bool negative = false;
      if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
        negative = digits[0] == '-';
        digits.remove_prefix(1);
      }
      bool ok = !digits.empty() && digits.size() <= 18;
      for (char c : digits) {
        if (c < '0' || c > '9') ok = false;
        else number = number * 10 + (c - '0');
      }
      if (!ok) return fmt::format("invalid integer \"{}\"; expected a whole number such as 2", cell);
      assign(out, Value::Kind::integer, {}, negative ? -number : number);
      return std::nullopt;
    }
    case ColumnType::enumeration: {
      const std::string lower = ascii_lower(cell);
      // The mapping first: an office's own word wins over a built-in synonym it happens to reuse.
      if (const ValueMapping* mapped = mapped_value(rules, lower))
        return assign(out, Value::Kind::text, mapped->value), std::nullopt;
      for (std::string_view word : spec->words)
        if (lower == word) return assign(out, Value::Kind::text, word), std::nullopt;
      for (const EnumSynonym& synonym : spec->synonyms)
        if (lower == synonym.spelling) return assign(out, Value::Kind::text, synonym.canonical), std::nullopt;
      return fmt::format("unknown {} \"{}\"; expected one of {}", spec->name, cell, accepted_words(rules));
    }
  }
  return std::nullopt;
}

// The columns of a loaded table: canonical ones first, then extra columns from the source.
struct TableLayout {
  std::vector<std::string> names;
  std::vector<const ColumnSpec*> specs;       // nullptr for extra columns
  std::vector<int> source_index;              // index in the source header, -1 when absent
};

std::string sql_type(const ColumnSpec* spec) {
  if (spec && (spec->type == ColumnType::boolean || spec->type == ColumnType::integer)) return "INTEGER";
  return "TEXT";
}

// The table's column store, visible to SQLite as a virtual table of the same name.
ColumnTable& create_table(Inventory& inventory, const std::string& name, const TableLayout& layout) {
  std::vector<std::string> types;
  for (const ColumnSpec* spec : layout.specs) types.push_back(sql_type(spec));
  ColumnTable& table = inventory.store().create(name, layout.names, std::move(types));
  inventory.db().exec(inventory.store().create_statement(table, "main"));
  return table;
}

TableLayout canonical_layout(const TableSpec& spec) {
  TableLayout layout;
  for (const ColumnSpec& column : spec.columns) {
    layout.names.emplace_back(column.name);
    layout.specs.push_back(&column);
    layout.source_index.push_back(-1);
  }
  return layout;
}

// "in DIR/inventory.toml" or "in a mapping file given with --mapping FILE": where the user can
// write what a message tells them to.
std::string mapping_place(const InventoryMapping& mapping) {
  return mapping.path.empty() ? std::string("in a mapping file given with --mapping FILE") : "in " + mapping.path;
}

// The table's header against the schema: which source column fills which canonical column, which
// are extra, and which (no header, no value) are a spreadsheet's empty columns to ignore.
struct HeaderPlan {
  TableLayout layout;
  std::vector<std::size_t> unnamed;  // source columns with an empty header
};

HeaderPlan plan_header(const std::string& table, const TableSpec* spec, const InventoryMapping& mapping,
                       const RowSource& rows, DiagnosticList& problems) {
  HeaderPlan plan;
  TableLayout& layout = plan.layout;
  if (spec) layout = canonical_layout(*spec);
  const TableMapping* table_mapping = mapping.find(table);
  const std::vector<std::string>& header = rows.header();
  std::unordered_map<std::string, std::size_t> seen;  // header_key → source column
  std::vector<std::string> sources_of(layout.names.size());
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (std::size_t bad = 0; !valid_utf8(header[i], &bad)) {
      Diagnostic problem = rows.at_header_cell(
          i, fmt::format("invalid UTF-8 byte 0x{:02X}: the file is not UTF-8 text{}; name its real encoding, or "
                         "convert it to UTF-8 with iconv(1)",
                         static_cast<unsigned char>(header[i][bad]), rows.utf8_note));
      if (problem.column > 0) problem.column = column_at(Cell{header[i], problem.line, problem.column}, bad);
      // A header that is not text names no column: nothing after it can be judged.
      throw Error(std::move(problem));
    }
    // Only the file's first bytes may be a byte-order mark (the reader skips it); one here would
    // become part of a column's name.
    if (header[i].find(kByteOrderMark) != std::string::npos) {
      problems.add(rows.at_header_cell(
          i, fmt::format("a byte-order mark (U+FEFF) in the header cell \"{}\"; remove it (only the file may start "
                         "with one)",
                         mark_byte_order_marks(trim(header[i])))));
      continue;
    }
    const std::string name{trim(header[i])};
    const std::string key = header_key(name);
    if (key.empty()) {
      plan.unnamed.push_back(i);
      continue;
    }
    if (auto [it, fresh] = seen.emplace(key, i); !fresh) {
      problems.add(rows.at_header_cell(
          i, fmt::format("column \"{}\" appears twice (columns {} and {})", name, it->second + 1, i + 1)));
      continue;
    }
    // The mapping file first, then the schema's own name, then the built-in headers.
    std::string column;
    const ColumnMapping* mapped = table_mapping ? table_mapping->find_column(name) : nullptr;
    if (mapped)
      column = mapped->column;
    else if (spec && spec->find(key))
      column = key;
    else if (spec)
      column = std::string(builtin_column(table, name));
    const ColumnSpec* canonical = spec && !column.empty() ? spec->find(column) : nullptr;
    if (!canonical) {
      layout.names.push_back(mapped ? mapped->column : name);
      layout.specs.push_back(nullptr);
      layout.source_index.push_back(static_cast<int>(i));
      continue;
    }
    for (std::size_t c = 0; c < sources_of.size(); ++c) {
      if (layout.specs[c] != canonical) continue;
      if (layout.source_index[c] < 0) {
        layout.source_index[c] = static_cast<int>(i);
        sources_of[c] = name;
        break;
      }
      // Two headers for one column: taking either would silently drop the other's data.
      problems.add(rows.at_header_cell(
          i, fmt::format("columns \"{}\" ({}) and \"{}\" ({}) both mean {}; keep one of them, or keep the other as an "
                         "extra column {}: [tables.{}.columns] \"{}\" = \"{}\"",
                         sources_of[c], layout.source_index[c] + 1, name, i + 1, column, mapping_place(mapping), table,
                         name, name)));
      break;
    }
  }
  if (!spec) return plan;
  // The first header that became an extra column is the likeliest to be meant for a missing one.
  std::string unmapped;
  for (std::size_t c = spec->columns.size(); c < layout.names.size() && unmapped.empty(); ++c)
    unmapped = trim(header[static_cast<std::size_t>(layout.source_index[c])]);
  for (std::size_t c = 0; c < spec->columns.size(); ++c) {
    if (!layout.specs[c]->required || layout.source_index[c] >= 0) continue;
    const std::string advice =
        unmapped.empty()
            ? fmt::format("add the column, or map a header to it {}: [tables.{}.columns] \"HEADER\" = \"{}\"",
                          mapping_place(mapping), table, layout.names[c])
            : fmt::format("map one of them {}: [tables.{}.columns] \"{}\" = \"{}\"", mapping_place(mapping), table,
                          unmapped, layout.names[c]);
    std::vector<std::string> names;
    for (const std::string& cell : header)
      if (!trim(cell).empty()) names.emplace_back(trim(cell));
    problems.add(rows.at_header(fmt::format("missing required column \"{}\" in table {}; the header has: {}; {}",
                                            layout.names[c], table, fmt::join(names, ", "), advice)));
  }
  return plan;
}

class Loader {
  // What loads on two threads share (see load_inventory): the store's list of tables and the
  // connection it declares them on, the inventory's records, keys_.
  template <class F>
  decltype(auto) locked(F&& f) {
    std::lock_guard lock(shared_);
    return f();
  }

 public:
  Loader(Inventory& inventory, SQLite::Database& db, const TimeZone& zone, const InventorySources& sources)
      : inventory_(inventory), db_(db), zone_(zone), sources_(sources) {}

  void load(const std::string& table, const TableSource& source) {
    // Declared in this order so that the digest's thread is joined before the bytes it reads go
    // (the mapping, or the row source owning a stream's bytes), even when the load throws.
    const Deadline deadline(sources_.read_timeout);  // outlives the database it watches
    SandboxLog sandbox;
    std::unique_ptr<MappedFile> mapped;
    std::string bytes;  // a stream's bytes (a regular file is mapped instead)
    std::unique_ptr<SQLite::Database> source_db;
    std::unique_ptr<RowSource> rows;
    std::future<std::string> digest;
    if (source.kind == SourceKind::sqlite) {
      try {
        source_db = open_sqlite_source(source.path);
        // A view inside the database runs its own SQL: under the time limit and the policy's
        // sandbox (no function off the allow-list, no clock).
        Deadline::watch(source_db->getHandle(), &deadline);
        const std::string sha = sha256_hex(MappedFile(source.path).view());
        locked([&] { inventory_.record(table).digest = sha; });
        if (!has_table_or_view(*source_db, source.source_table))
          throw Error(Diagnostic{
              .file = source.path,
              .message = fmt::format("no table or view named {}; if another one holds table {}, name it {}: "
                                     "[tables.{}] table = \"NAME\"",
                                     source.source_table, table, mapping_place(*source.mapping), table)});
        sqlite3_set_authorizer(source_db->getHandle(), sandbox_authorizer, &sandbox);
        rows = std::make_unique<SqliteRowSource>(*source_db, source.path, source.source_table);
        rows->check_utf8 = true;
        // The authorizer stays for the whole read: a statement SQLite prepares again is held to it too.
        check_views(*source_db, source, sandbox);
      } catch (const SQLite::Exception& e) {
        if (!sandbox.refused_function.empty()) {
          const std::string view = sandbox.views.empty() ? source.source_table : sandbox.views.back();
          throw Error(Diagnostic{.file = source.path, .locator = source.source_table,
                                 .message = fmt::format("view {}: {}", view,
                                                        refused_function_message(sandbox.refused_function))});
        }
        throw Error(Diagnostic{.file = source.path, .locator = source.source_table,
                               .message = sqlite_source_message(e)});
      }
    } else {
      const EncodingChoice encoding = encoding_choice(table, *source.mapping);
      const std::string key = encoding_key(encoding.name);
      const bool utf8_or_auto = key.empty() || key == "auto" || key == "utf8";
      std::string_view view;
      if (source.kind == SourceKind::csv_file && is_regular_file(source.path)) {
        mapped = std::make_unique<MappedFile>(source.path);
        view = mapped->view();
      } else {
        bytes = read_stream(source.kind == SourceKind::csv_stdin ? "-" : source.path, !utf8_or_auto);
        view = bytes;
      }
      // The digest is computed on the other core while this one parses.
      digest = std::async(std::launch::async, [view] { return sha256_hex(view); });
      const bool utf16_bom = view.starts_with("\xFF\xFE") || view.starts_with("\xFE\xFF");
      // UTF-8 for sure (--encoding utf-8, the mapping's, or a UTF-8 BOM): bytes that are not
      // UTF-8 are bad cells, each listed, rather than a reason to stop at the first.
      const bool known_utf8 = key == "utf8" || ((key.empty() || key == "auto") && view.starts_with(kByteOrderMark));
      const bool valid = utf8_or_auto && !utf16_bom && valid_utf8(view);
      if (valid || known_utf8) {
        // UTF-8 already: read in place (the reader skips a BOM).
        const char delimiter = delimiter_for(table, source, view);
        rows = std::make_unique<CsvRowSource>(std::string(), view, mapped.get(), source.path, delimiter, !valid);
        rows->utf8_note = !encoding.chosen_by.empty() ? " (chosen by " + encoding.chosen_by + ")"
                          : known_utf8                ? " (chosen by its byte order mark)"
                                                      : "";
      } else {
        DecodedText decoded = decode_to_utf8(std::string(view), source.path, encoding);
        const char delimiter = delimiter_for(table, source, decoded.text);
        rows = std::make_unique<CsvRowSource>(std::move(decoded.text), std::string_view(), nullptr, source.path,
                                              delimiter);
      }
    }
    try {
      clock_was_read();
      load_rows(table, source, *rows, deadline);
      if (clock_was_read())
        throw Error(Diagnostic{.file = source.path, .locator = source.source_table,
                               .message = fmt::format("table {}: {}", table, clock_message())});
    } catch (const SQLite::Exception& e) {
      if (deadline.passed()) throw Error(Diagnostic{.file = source.path, .message = deadline.message("table " + table)});
      const std::string_view locator = source.kind == SourceKind::sqlite ? source.source_table : table;
      throw Error(Diagnostic{.file = source.path, .locator = std::string(locator), .message = sqlite_source_message(e)});
    } catch (const std::bad_alloc&) {
      throw Error(Diagnostic{.file = source.path, .message = out_of_memory_message("table " + table)});
    }
    if (digest.valid()) {
      const std::string sha = digest.get();
      locked([&] { inventory_.record(table).digest = sha; });
    }
  }

 private:
  // --encoding, else the mapping's table, else the mapping's default, else detection.
  EncodingChoice encoding_choice(const std::string& table, const InventoryMapping& mapping) const {
    const TableMapping* table_mapping = mapping.find(table);
    EncodingChoice choice;
    if (!sources_.encoding.empty()) {
      choice.name = sources_.encoding;
      choice.chosen_by = "--encoding " + choice.name;
    } else if (table_mapping && !table_mapping->encoding.empty()) {
      choice.name = table_mapping->encoding;
      choice.chosen_by = fmt::format("encoding = \"{}\" under [tables.{}] in {}", choice.name, table, mapping.path);
    } else if (!mapping.encoding.empty()) {
      choice.name = mapping.encoding;
      choice.chosen_by = fmt::format("encoding = \"{}\" in {}", choice.name, mapping.path);
    }
    choice.advice = fmt::format(
        "if it is GBK or GB18030, set encoding = \"gb18030\" under [tables.{}] {} or pass --encoding gb18030; for "
        "another encoding, give its name there (iconv -l lists them)",
        table, mapping_place(mapping));
    return choice;
  }

  // --delimiter, else the mapping's, else a tab for .tsv files, else what the header line suggests.
  char delimiter_for(const std::string& table, const TableSource& source, std::string_view text) const {
    if (!sources_.delimiter.empty()) return *parse_delimiter(sources_.delimiter, nullptr);  // checked up front
    const TableMapping* table_mapping = source.mapping->find(table);
    if (table_mapping && table_mapping->delimiter) return *table_mapping->delimiter;
    if (source.mapping->delimiter) return *source.mapping->delimiter;
    if (ascii_lower(std::filesystem::path(source.path).extension().string()) == ".tsv") return '\t';
    return guess_delimiter(text);
  }

  // The views a read of a SQLite inventory's table went through must not read the clock.
  static void check_views(SQLite::Database& db, const TableSource& source, const SandboxLog& sandbox) {
    const std::vector<std::string> views = sandbox.views;  // (the queries below go through the authorizer)
    for (const std::string& view : views) {
      SQLite::Statement query(db, "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?");
      query.bind(1, view);
      if (query.executeStep() && clock_literal(query.getColumn(0).getString()) != std::string::npos)
        throw Error(Diagnostic{.file = source.path, .locator = source.source_table,
                               .message = fmt::format("view {}: {}", view, clock_message())});
    }
  }

  void load_rows(const std::string& table, const TableSource& source, RowSource& rows, const Deadline& deadline) {
    const TableSpec* spec = find_table(table);
    const InventoryMapping& mapping = *source.mapping;
    DiagnosticList problems;
    HeaderPlan plan = plan_header(table, spec, mapping, rows, problems);
    TableLayout& layout = plan.layout;
    problems.throw_if_any();

    const TableMapping* table_mapping = mapping.find(table);
    DateFormat date_format = mapping.date_format;
    if (table_mapping && table_mapping->date_format) date_format = *table_mapping->date_format;
    const std::string place = fmt::format("under [tables.{}] {}", table, mapping_place(mapping));
    std::vector<ColumnRules> rules;
    std::vector<std::string> source_names;  // each column's header in the source, for messages
    for (std::size_t c = 0; c < layout.names.size(); ++c) {
      rules.push_back(ColumnRules{layout.specs[c], table_mapping, date_format, place});
      const int index = layout.source_index[c];
      source_names.push_back(index >= 0 ? std::string(trim(rows.header()[index])) : layout.names[c]);
    }

    ColumnTable& stored = locked([&]() -> ColumnTable& { return create_table(inventory_, table, layout); });

    // Keys seen in this table, for duplicates; parents' keys, for references from child tables.
    int key_index = -1;
    if (spec && !spec->key.empty())
      for (std::size_t c = 0; c < layout.names.size(); ++c)
        if (layout.names[c] == spec->key) key_index = static_cast<int>(c);
    KeyLines first_line;

    LoadedTable& stats = locked([&]() -> LoadedTable& { return inventory_.record(table); });
    stats.source = source.path;
    const std::vector<ParentCheck> checks = locked([&] { return parent_checks(table, layout); });
    // Reads `part`'s rows into `into`, counting in `read` and `loaded`. `total` counts the rows of
    // every part, for the limit.
    std::atomic<std::size_t> total{0};
    std::atomic<bool> failed{false};  // the first part failed: the second need not go on
    // (`rows` and `problems` here are the part's, standing for the whole file's.)
    auto read_part = [&](RowSource& rows, ColumnTable& into, DiagnosticList& problems, std::size_t& read,
                         std::size_t& loaded, bool second) {
      std::vector<Cell> cells;
      std::vector<bool> bad_utf8;  // per cell, when rows.check_utf8
      std::vector<Value> values(layout.names.size());
      std::vector<std::string> last_found(checks.size());  // see check_parents()
      // Rows accepted wait in a batch of kBatchRows before they go in: each value's dictionary
      // slot is fetched as its row is read, the entries those slots name once the batch is full,
      // and only then are the values pushed, in row order. The trips to memory of a whole batch
      // are under way at once, where a row at a time waits for each in turn.
      const std::size_t width = layout.names.size();
      struct Pending {
        Value::Kind kind;
        std::size_t offset, size;  // a text's bytes in `pending_bytes`
        std::int64_t integer;
        std::uint64_t hash;  // prefetch_text()'s
      };
      std::vector<Pending> pending;
      pending.reserve(kBatchRows * width);
      std::string pending_bytes;
      auto flush = [&] {
        for (std::size_t i = 0; i < pending.size(); ++i) into.column(i % width).prefetch_entry(pending[i].hash);
        for (std::size_t i = 0; i < pending.size(); ++i) into.column(i % width).prefetch_entry(pending[i].hash, true);
        for (std::size_t i = 0; i < pending.size(); ++i) {
          const Pending& value = pending[i];
          Column& column = into.column(i % width);
          switch (value.kind) {
            case Value::Kind::null: column.push_null(); break;
            case Value::Kind::text:
              column.push_text(std::string_view(pending_bytes).substr(value.offset, value.size), value.hash);
              break;
            case Value::Kind::integer: column.push_integer(value.integer); break;
          }
          if (i % width == width - 1) {
            into.end_row();
            ++loaded;
          }
        }
        pending.clear();
        pending_bytes.clear();
        if (pending_bytes.capacity() > 4 * kBatchBytes) std::string().swap(pending_bytes);  // after a huge text
      };
      // Rows are added to `total` (which the other part shares) 1,024 at a time, and the rest at
      // the end: the limit is never missed, and found at most a batch late.
      std::size_t uncounted = 0;
      int line = 1;
      auto count = [&] {
        if (deadline.passed()) throw Error(rows.at(Cell{{}, line, 1}, table, {}, deadline.message("table " + table)));
        if (total.fetch_add(uncounted, std::memory_order_relaxed) + uncounted > kMaxRowsPerTable)
          throw Error(rows.at(Cell{{}, line, 1}, table, {},
                              fmt::format("more than {} data rows, the most chataudit loads into one table",
                                          kMaxRowsPerTable)));
        uncounted = 0;
      };
      while (rows.next(cells)) {
        if (second && failed.load(std::memory_order_relaxed)) return;
        ++read;
        if (!cells.empty()) line = cells.front().line;
        if (++uncounted == 1024) count();
        bool row_ok = true;
        // A column with no header is a spreadsheet's empty column only while it stays empty.
        for (std::size_t index : plan.unnamed) {
          if (trim(cells[index].text).empty()) continue;
          problems.add(rows.at(cells[index], fmt::format("column {}", index + 1), {},
                               fmt::format("\"{}\" in a column with no header; name the column in the header row",
                                           trim(cells[index].text))));
          row_ok = false;
        }
        if (rows.check_utf8) {
          bad_utf8.assign(cells.size(), false);
          for (std::size_t i = 0; i < cells.size(); ++i) {
            std::size_t bad = 0;
            if (valid_utf8(cells[i].text, &bad)) continue;
            bad_utf8[i] = true;
            Cell at = cells[i];
            if (!rows.row_word().starts_with("row")) at.column = column_at(cells[i], bad);
            problems.add(rows.at(at, i < rows.header().size() ? std::string(trim(rows.header()[i])) : "", {},
                                 fmt::format("invalid UTF-8 byte 0x{:02X}; {}", static_cast<unsigned char>(cells[i].text[bad]),
                                             rows.utf8_note.empty() ? "cells must be UTF-8 text"
                                                                    : "the file is read as UTF-8" + rows.utf8_note)));
            row_ok = false;
          }
        }
        for (std::size_t c = 0; c < layout.names.size(); ++c) {
          const int index = layout.source_index[c];
          if (index >= 0 && rows.check_utf8 && bad_utf8[static_cast<std::size_t>(index)]) continue;
          const Cell cell = index >= 0 ? cells[index] : Cell{};
          if (auto message = normalize(rules[c], trim(cell.text), zone_, values[c])) {
            problems.add(rows.at(cell, source_names[c], layout.specs[c] ? layout.names[c] : "", *message));
            row_ok = false;
          }
        }
        // Keys are checked even in a row with other bad cells, so that every duplicate is listed.
        if (key_index >= 0 && values[key_index].kind == Value::Kind::text) {
          const Cell& cell = cells[layout.source_index[key_index]];
          if (const std::optional<int> first = first_line.first(values[key_index].text, cell.line)) {
            problems.add(rows.at(cell, source_names[key_index], layout.names[key_index],
                                 fmt::format("duplicate {} \"{}\" (first on {} {})", spec->key, values[key_index].text,
                                             rows.row_word(), *first)));
            row_ok = false;
          }
        }
        if (row_ok && spec)
          row_ok = check_parents(table, checks, layout, source_names, cells, values, rows, problems, last_found);
        if (!row_ok || !problems.empty()) continue;  // keep reading to list every bad cell; insert nothing more
        for (std::size_t c = 0; c < width; ++c) {
          const Value& value = values[c];
          Pending& added = pending.emplace_back(Pending{value.kind, 0, 0, value.integer, 0});
          if (value.kind != Value::Kind::text) continue;
          added.offset = pending_bytes.size();
          added.size = value.text.size();
          pending_bytes.append(value.text);
          added.hash = into.column(c).prefetch_text(value.text);
        }
        // (A batch of long texts goes in early: the copies it waits in stay small.)
        if (pending.size() == kBatchRows * width || pending_bytes.size() >= kBatchBytes) flush();
      }
      flush();
      if (uncounted) count();
    };
    // A large file without a key column (whose duplicates one reader must see) is read by two
    // threads, each from its half, into tables of their own; the second's rows are then appended,
    // its problems listed after the first's. A failure of the first part is the file's first;
    // otherwise the second's.
    std::unique_ptr<RowSource> rest =
        key_index < 0 && worker_threads() > 1 ? rows.split_off(sources_.split_bytes) : nullptr;
    if (!rest) {
      read_part(rows, stored, problems, stats.rows_read, stats.rows_loaded, false);
    } else {
      ColumnTable& second = locked(
          [&]() -> ColumnTable& { return inventory_.store().create(table, stored.names(), stored.types()); });
      DiagnosticList second_problems;
      std::size_t second_read = 0, second_loaded = 0;
      std::exception_ptr second_error;
      std::thread helper([&] {
        try {
          read_part(*rest, second, second_problems, second_read, second_loaded, true);
        } catch (...) {
          second_error = std::current_exception();
        }
      });
      std::exception_ptr first_error;
      try {
        read_part(rows, stored, problems, stats.rows_read, stats.rows_loaded, false);
      } catch (...) {
        first_error = std::current_exception();
        failed = true;
      }
      helper.join();
      if (first_error) std::rethrow_exception(first_error);
      if (second_error) std::rethrow_exception(second_error);
      problems.add(std::move(second_problems));
      stats.rows_read += second_read;
      stats.rows_loaded += second_loaded;
      if (problems.empty()) stored.append(second);
      locked([&] { inventory_.store().release(second); });
    }
    problems.throw_if_any();
    stored.seal();
    // Child tables look their references up in this table's key column.
    if (key_index >= 0) locked([&] { keys_[table] = &stored.column(static_cast<std::size_t>(key_index)); });
  }

  // One reference to check on every row, resolved once per table: which column, against which
  // loaded parent's keys, and only where another column holds a value (`kind` = group).
  struct ParentCheck {
    int column = -1, when_column = -1;
    std::string_view when_value, parent_table;
    const Column* keys = nullptr;
  };

  std::vector<ParentCheck> parent_checks(const std::string& table, const TableLayout& layout) const {
    auto column_of = [&](std::string_view name) {
      for (std::size_t c = 0; c < layout.names.size(); ++c)
        if (layout.names[c] == name) return static_cast<int>(c);
      return -1;
    };
    std::vector<ParentCheck> checks;
    for (const ParentReference& reference : parent_references()) {
      if (reference.table != table) continue;
      auto parent = keys_.find(std::string(reference.parent_table));
      if (parent == keys_.end()) continue;  // parent table not loaded: nothing to check against
      ParentCheck check{column_of(reference.column), -1, reference.when_value, reference.parent_table, parent->second};
      if (!reference.when_column.empty() && (check.when_column = column_of(reference.when_column)) < 0) continue;
      if (check.column >= 0) checks.push_back(check);
    }
    return checks;
  }

  // `last_found`: for each check, the value last found in its parent table (a child table sorted
  // by its parent, as members by group, names the same parent row after row: one comparison).
  bool check_parents(const std::string& table, const std::vector<ParentCheck>& checks, const TableLayout& layout,
                     const std::vector<std::string>& source_names, const std::vector<Cell>& cells,
                     const std::vector<Value>& values, const RowSource& rows, DiagnosticList& problems,
                     std::vector<std::string>& last_found) {
    for (std::size_t i = 0; i < checks.size(); ++i) {
      const ParentCheck& check = checks[i];
      if (check.when_column >= 0 && values[check.when_column].text != check.when_value) continue;
      const Value& value = values[check.column];
      if (value.kind != Value::Kind::text || (!last_found[i].empty() && value.text == last_found[i])) continue;
      if (check.keys->contains_text(value.text)) {
        last_found[i].assign(value.text);
        continue;
      }
      const int c = check.column;
      problems.add(rows.at(cells[layout.source_index[c]], source_names[c], layout.names[c],
                           fmt::format("\"{}\" is not in table {}; the {} and {} files do not belong together",
                                       value.text, check.parent_table, table, check.parent_table)));
      return false;
    }
    return true;
  }

  Inventory& inventory_;
  SQLite::Database& db_;
  const TimeZone& zone_;
  const InventorySources& sources_;
  std::unordered_map<std::string, const Column*> keys_;  // each keyed table's key column
  std::mutex shared_;  // see locked()
};

// Every table's mapping, owned for the whole load: --mapping for all sources, else each
// directory's inventory.toml (or an empty mapping naming where one would go).
class Mappings {
 public:
  explicit Mappings(const InventorySources& sources) {
    if (!sources.mapping.empty()) global_ = &stored_.emplace_back(load_mapping(sources.mapping));
  }
  /// The mapping for files of directory `dir`.
  const InventoryMapping& for_directory(const std::string& dir) {
    if (global_) return *global_;
    const std::string path = (std::filesystem::path(dir) / kMappingFileName).string();
    if (exists(path)) return stored_.emplace_back(load_mapping(path));
    InventoryMapping& none = stored_.emplace_back();
    none.path = path;
    return none;
  }
  /// The mapping for a SQLite database or a --table source: --mapping, or none.
  const InventoryMapping& for_other() const { return global_ ? *global_ : none_; }

 private:
  std::deque<InventoryMapping> stored_;  // a deque: references stay valid as it grows
  const InventoryMapping* global_ = nullptr;
  const InventoryMapping none_;
};

// The files a directory may hold table `table` in: the mapping's `file`, else TABLE.csv,
// TABLE.tsv or TABLE.txt (Excel's "Unicode text").
std::vector<std::string> candidate_files(const std::string& table, const InventoryMapping& mapping) {
  if (const TableMapping* table_mapping = mapping.find(table); table_mapping && !table_mapping->file.empty())
    return {table_mapping->file};
  return {table + ".csv", table + ".tsv", table + ".txt"};
}

// Which source supplies each table: --table first, then the --inventory paths.
std::map<std::string, TableSource> resolve_sources(const InventorySources& sources, const std::set<std::string>& wanted,
                                                   Mappings& mappings) {
  std::map<std::string, TableSource> chosen;
  std::set<std::string> explicit_tables;
  // Standard input gives one table: a second reader would find it empty, or half read.
  const std::pair<std::string, std::string>* from_stdin = nullptr;
  for (const auto& assignment : sources.tables) {
    if (!reads_standard_input(assignment.second)) continue;
    if (from_stdin)
      throw Error(fmt::format("--table {}={} and --table {}={} both read standard input, which holds one table; "
                              "save one of them to a file and give the file",
                              from_stdin->first, from_stdin->second, assignment.first, assignment.second));
    from_stdin = &assignment;
  }
  for (const auto& [table, path] : sources.tables) {
    if (!explicit_tables.insert(table).second) throw Error(fmt::format("--table {} is given twice", table));
    const InventoryMapping* mapping = &mappings.for_other();
    const TableMapping* table_mapping = mapping->find(table);
    const std::string source_table =
        table_mapping && !table_mapping->source_table.empty() ? table_mapping->source_table : table;
    if (path == "-") {
      chosen[table] = TableSource{SourceKind::csv_stdin, "-", source_table, mapping};
    } else if (!exists(path)) {
      throw Error(Diagnostic{.file = path, .message = "no such file (given by --table " + table + ")"});
    } else if (is_directory(path)) {
      throw Error(Diagnostic{.file = path, .message = "is a directory; --table takes a CSV or SQLite file (or -)"});
    } else {
      // Only a regular file is sniffed for SQLite's header: reading the start of a pipe, a FIFO
      // or /dev/stdin would take it away from the CSV reader.
      const bool sqlite = is_regular_file(path) && has_sqlite_header(path);
      chosen[table] = TableSource{sqlite ? SourceKind::sqlite : SourceKind::csv_file, path, source_table, mapping};
    }
  }
  std::map<std::string, std::string> from_inventory;  // table → path that supplied it
  // A file or SQLite table the mapping names but no inventory holds: a typo there must not pass
  // for an absent table (whose rules would quietly be skipped).
  struct MappedButMissing {
    const InventoryMapping* mapping = nullptr;
    std::vector<std::string> looked_in;
  };
  std::map<std::string, MappedButMissing> mapped_but_missing;
  for (const std::string& path : sources.inventories) {
    if (!exists(path)) throw Error(Diagnostic{.file = path, .message = "no such file or directory (given by --inventory)"});
    const bool directory = is_directory(path);
    std::unique_ptr<SQLite::Database> db;
    if (!directory) {
      if (!is_regular_file(path))
        throw Error(Diagnostic{.file = path,
                               .message = "not a directory of CSV files nor a SQLite database file; a pipe or a "
                                          "device gives one table: --table NAME=PATH"});
      if (!has_sqlite_header(path))
        throw Error(Diagnostic{.file = path, .message = "not a directory of CSV files nor a SQLite database"});
      try {
        db = open_sqlite_source(path);
      } catch (const SQLite::Exception& e) {
        throw Error(Diagnostic{.file = path, .message = sqlite_source_message(e)});
      }
    }
    const InventoryMapping& mapping = directory ? mappings.for_directory(path) : mappings.for_other();
    for (const std::string& table : wanted) {
      if (explicit_tables.count(table)) continue;
      const TableMapping* table_mapping = mapping.find(table);
      std::string file = path;
      std::string source_table = table;
      bool mapped = false;
      if (directory) {
        std::vector<std::string> present;
        for (const std::string& name : candidate_files(table, mapping)) {
          const std::string candidate = (std::filesystem::path(path) / name).string();
          if (exists(candidate) && !is_directory(candidate)) present.push_back(candidate);
        }
        mapped = table_mapping && !table_mapping->file.empty();
        if (present.size() > 1)
          throw Error(Diagnostic{.file = path,
                                 .message = fmt::format("both {} and {} could be table {}; keep one, or name it {}: "
                                                        "[tables.{}] file = \"{}\"",
                                                        present[0], present[1], table, mapping_place(mapping), table,
                                                        std::filesystem::path(present[0]).filename().string())});
        if (present.empty()) {
          if (mapped) {
            mapped_but_missing[table].mapping = &mapping;
            mapped_but_missing[table].looked_in.push_back(path);
          }
          continue;
        }
        file = present.front();
      } else {
        mapped = table_mapping && !table_mapping->source_table.empty();
        if (mapped) source_table = table_mapping->source_table;
        bool present = false;
        try {
          present = has_table_or_view(*db, source_table);
        } catch (const SQLite::Exception& e) {
          throw Error(Diagnostic{.file = path, .message = sqlite_source_message(e)});
        }
        if (!present) {
          if (mapped) {
            mapped_but_missing[table].mapping = &mapping;
            mapped_but_missing[table].looked_in.push_back(path);
          }
          continue;
        }
      }
      if (auto previous = from_inventory.find(table); previous != from_inventory.end())
        throw Error(fmt::format("table {} is in both {} and {}; choose one with --table {}=PATH", table,
                                previous->second, path, table));
      from_inventory[table] = path;
      chosen[table] = TableSource{directory ? SourceKind::csv_file : SourceKind::sqlite, file, source_table, &mapping};
    }
  }
  for (const auto& [table, missing] : mapped_but_missing) {
    if (chosen.count(table)) continue;
    const InventoryMapping* mapping = missing.mapping;
    const std::vector<std::string>& places = missing.looked_in;
    const TableMapping& table_mapping = *mapping->find(table);
    const bool sqlite = !is_directory(places.front());
    throw Error(mapping->at(sqlite ? table_mapping.source_table_where : table_mapping.file_where,
                            fmt::format("[tables.{}] {} = \"{}\": no such {} in {}", table, sqlite ? "table" : "file",
                                        sqlite ? table_mapping.source_table : table_mapping.file,
                                        sqlite ? "table or view" : "file", fmt::join(places, " nor in "))));
  }
  return chosen;
}

}  // namespace

std::string Inventory::digest() const {
  std::string all;
  for (const auto& [table, loaded] : loaded_) all += table + '\0' + loaded.digest + '\n';
  return sha256_hex(all);
}

// One thread uses the connection at a time: no mutex around every SQLite call.
Inventory::Inventory()
    : store_(std::make_unique<ColumnStore>()),
      db_(std::make_unique<SQLite::Database>(":memory:",
                                             SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX, 0,
                                             clockless_vfs())) {
  store_->register_with(db_->getHandle());
}

Inventory load_inventory(const InventorySources& sources, const std::set<std::string>& wanted, const TimeZone& zone) {
  // Command-line settings are checked before any file is read: a typo costs nothing.
  if (!sources.encoding.empty() && !known_encoding(sources.encoding))
    throw Error(
        fmt::format("--encoding {}: unknown encoding; expected auto, utf-8, utf-16, utf-16le, utf-16be, "
                    "gb18030, gbk, or another name that iconv -l lists",
                    sources.encoding));
  if (std::string error; !sources.delimiter.empty() && !parse_delimiter(sources.delimiter, &error))
    throw Error("--" + error);
  Inventory inventory;
  Mappings mappings(sources);
  std::map<std::string, TableSource> chosen = resolve_sources(sources, wanted, mappings);
  std::vector<std::string> described;
  for (const std::string& path : sources.inventories) described.push_back(path);
  for (const auto& [table, path] : sources.tables) described.push_back(table + "=" + path);
  for (const std::string& part : described) inventory.source += (inventory.source.empty() ? "" : ", ") + part;

  SQLite::Database& db = inventory.db();
  // Nothing is ever written back. The views the engine materializes are temporary tables in
  // SQLite's temporary file (its default), behind a 128 MiB page cache: measured on the benchmark,
  // that builds their indexes about twice as fast as temp_store = MEMORY and keeps the process at
  // half the memory (the file's pages live in the kernel's cache, not in the process).
  db.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp.cache_size = -131072;");
  // A double-quoted name that names no column is an error, never quietly a string literal: a typo
  // in a rule's SQL or a view's index must not compare against a constant.
  sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
  sqlite3_db_config(db.getHandle(), SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
  SQLite::Transaction transaction(db);
  Loader loader(inventory, db, zone, sources);
  // Schema order loads parents before the tables that must reference them. A table that neither
  // references another nor is referenced (people, say) is loaded on a second thread meanwhile,
  // where there are two; the error reported is still the first table's in schema order.
  const std::vector<TableSpec>& schema{inventory_schema().begin(), inventory_schema().end()};
  auto independent = [](std::string_view table) {
    for (const ParentReference& reference : parent_references())
      if (reference.table == table || reference.parent_table == table) return false;
    return true;
  };
  std::vector<std::size_t> here, aside;
  for (std::size_t i = 0; i < schema.size(); ++i) {
    const std::string name{schema[i].name};
    if (!chosen.count(name))
      create_table(inventory, name, canonical_layout(schema[i]));
    else
      (worker_threads() > 1 && independent(name) ? aside : here).push_back(i);
  }
  std::vector<std::exception_ptr> errors(schema.size());
  auto load_each = [&](const std::vector<std::size_t>& tables) {
    for (const std::size_t i : tables) {
      const std::string name{schema[i].name};
      PhaseTimer timer;
      try {
        loader.load(name, chosen.at(name));
      } catch (const std::bad_alloc&) {
        errors[i] = std::make_exception_ptr(Error(out_of_memory_message("table " + name)));
        return;
      } catch (...) {
        errors[i] = std::current_exception();
        return;
      }
      timer.lap("load " + name);
    }
  };
  {
    std::thread second;
    if (!aside.empty()) second = std::thread(load_each, std::cref(aside));
    load_each(here);
    if (second.joinable()) second.join();
  }
  for (const std::exception_ptr& error : errors)
    if (error) std::rethrow_exception(error);
  for (const auto& [table, source] : chosen)
    if (!find_table(table)) loader.load(table, source);
  transaction.commit();
  return inventory;
}

}  // namespace chataudit
