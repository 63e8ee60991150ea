// RFC 4180 reader. One forward pass over the bytes: it splits fields, counts lines and validates
// UTF-8 as it goes, so a file of hundreds of megabytes is read once and never decoded twice.
//
// Line breaks: LF, CRLF and a lone CR (as old Mac spreadsheets write it) all end a physical
// line, both between records and inside quoted fields; a lone CR is accepted rather than
// rejected because it is unambiguous and files exported that way are still met in practice.
// Inside quotes the break is kept byte for byte.
//
// Other encodings are converted to UTF-8 before the reader sees them (decode_to_utf8), by glibc's
// iconv, strictly: a byte sequence the encoding does not define stops the load at its position
// rather than turning into U+FFFD or silently vanishing, so no mojibake ever reaches a report.
#include "base/csv.h"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include "base/catalog.h"
#include "base/error.h"

namespace chataudit {
namespace {

using Byte = unsigned char;

// Bytes that interrupt the plain-copy loop. Everything >= 0x80 stops it too, so that each
// multi-byte sequence is validated exactly once, where it is met.
// The delimiter is compared separately, and only outside quotes.
constexpr std::array<bool, 256> make_stop_table() {
  std::array<bool, 256> table{};
  table['\n'] = table['\r'] = table['"'] = table['\0'] = true;
  for (int byte = 0x80; byte < 0x100; ++byte) table[byte] = true;
  return table;
}
constexpr std::array<bool, 256> kStop = make_stop_table();

// Length of the well-formed UTF-8 sequence whose lead byte (>= 0x80) is at `p`, or 0.
// Rejects overlongs, surrogates and code points above U+10FFFF (Unicode Table 3-7).
inline std::size_t utf8_sequence_length(const Byte* p, const Byte* end) {
  const Byte lead = p[0];
  const std::size_t available = static_cast<std::size_t>(end - p);
  auto continuation = [](Byte byte) { return (byte & 0xC0) == 0x80; };
  if (lead < 0xC2) return 0;
  if (lead < 0xE0) return available >= 2 && continuation(p[1]) ? 2 : 0;
  if (lead < 0xF0) {
    if (available < 3) return 0;
    const Byte low = lead == 0xE0 ? 0xA0 : 0x80;
    const Byte high = lead == 0xED ? 0x9F : 0xBF;
    return p[1] >= low && p[1] <= high && continuation(p[2]) ? 3 : 0;
  }
  if (lead < 0xF5) {
    if (available < 4) return 0;
    const Byte low = lead == 0xF0 ? 0x90 : 0x80;
    const Byte high = lead == 0xF4 ? 0x8F : 0xBF;
    return p[1] >= low && p[1] <= high && continuation(p[2]) && continuation(p[3]) ? 4 : 0;
  }
  return 0;
}

std::string hex_byte(Byte byte) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  return std::string("0x") + kDigits[byte >> 4] + kDigits[byte & 0xF];
}

// How to show an offending character in a message: itself when printable, else its code point
// (a tab or a no-break space would otherwise be invisible in the terminal).
std::string describe_character(const Byte* p, std::size_t length) {
  if (length == 1 && p[0] >= 0x21 && p[0] < 0x7F) return std::string("'") + char(p[0]) + "'";
  std::uint32_t code_point = length == 1 ? p[0] : p[0] & (0xFF >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) code_point = (code_point << 6) | (p[i] & 0x3F);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(code_point));
  return buffer;
}

std::string describe_delimiter(char delimiter) {
  if (delimiter == '\t') return "a tab";
  return std::string("'") + delimiter + "'";
}

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Line and column (1-based, the column in characters) just past `text`, counted the way
// CsvReader counts them (LF, CRLF and a lone CR end a line; a leading BOM is not a character),
// so that a decoding error points where the reader would have pointed.
std::pair<int, int> position_after(std::string_view text) {
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  int line = 1, column = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const Byte byte = static_cast<Byte>(text[i]);
    if (byte == '\n' || byte == '\r') {
      if (byte == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      column = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++column;
    }
  }
  return {line, column};
}

// The outcome of one strict iconv conversion.
struct Conversion {
  std::string text;  // UTF-8: everything, or everything before the bad sequence
  bool complete = true;
  bool truncated = false;      // the input ends inside a character
  std::size_t bad_offset = 0;  // byte offset of the sequence that stopped the conversion
};

class IconvHandle {
 public:
  explicit IconvHandle(const char* from) : handle_(::iconv_open("UTF-8", from)) {}
  ~IconvHandle() {
    if (valid()) ::iconv_close(handle_);
  }
  IconvHandle(const IconvHandle&) = delete;
  IconvHandle& operator=(const IconvHandle&) = delete;
  bool valid() const { return handle_ != reinterpret_cast<iconv_t>(-1); }
  iconv_t get() const { return handle_; }

 private:
  iconv_t handle_;
};

// Converts `bytes` from `from` (an iconv name) with no //IGNORE or //TRANSLIT: the first
// undefined or truncated sequence ends the conversion. nullopt when iconv does not know `from`.
std::optional<Conversion> iconv_to_utf8(std::string_view bytes, const std::string& from) {
  IconvHandle converter(from.c_str());
  if (!converter.valid()) return std::nullopt;
  Conversion result;
  // GBK, GB18030 and UTF-16 need at most 3 UTF-8 bytes per 2 input bytes (4 per 4); a single-byte
  // encoding such as Latin-1 can need 2 per byte, and then the buffer grows (E2BIG below).
  result.text.resize(bytes.size() + bytes.size() / 2 + 16);
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write the input
  std::size_t in_left = bytes.size();
  char* out = result.text.data();
  std::size_t out_left = result.text.size();
  while (in_left > 0) {
    if (::iconv(converter.get(), &in, &in_left, &out, &out_left) != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      const std::size_t used = static_cast<std::size_t>(out - result.text.data());
      result.text.resize(result.text.size() * 2);
      out = result.text.data() + used;
      out_left = result.text.size() - used;
      continue;
    }
    result.complete = false;
    result.truncated = errno == EINVAL;
    result.bad_offset = static_cast<std::size_t>(in - bytes.data());
    break;
  }
  result.text.resize(static_cast<std::size_t>(out - result.text.data()));
  return result;
}

std::string bytes_at(std::string_view bytes, std::size_t offset, std::size_t count) {
  std::string shown;
  for (std::size_t i = offset; i < bytes.size() && i < offset + count; ++i)
    shown += (shown.empty() ? "" : " ") + hex_byte(static_cast<Byte>(bytes[i]));
  return shown;
}

[[noreturn]] void fail_at(const std::string& file, std::string_view decoded_prefix, std::string message) {
  const auto [line, column] = position_after(decoded_prefix);
  throw Error(Diagnostic{file, line, column, "", std::move(message)});
}

// Why the file is read in its encoding, for messages: " (chosen by --encoding gb18030)".
std::string chosen_by_note(const EncodingChoice& choice) {
  return choice.chosen_by.empty() ? std::string() : " (chosen by " + choice.chosen_by + ")";
}

// `bytes` (without any BOM) converted from `encoding`, or an Error at the first bad sequence.
// `why` says why the file is read so ("" when nothing but the caller chose it).
std::string convert_strictly(std::string_view bytes, const std::string& file, const std::string& encoding,
                             const std::string& why) {
  std::optional<Conversion> converted = iconv_to_utf8(bytes, encoding);
  if (!converted)
    throw Error(Diagnostic{.file = file,
                           .message = tr("unknown encoding \"{}\"; expected auto, utf-8, utf-16, utf-16le, utf-16be, "
                                         "gb18030, gbk, or another name that iconv -l lists",
                                         encoding)});
  if (!converted->complete) {
    const std::size_t width = encoding.starts_with("UTF-16") ? 2 : 1;
    fail_at(file, converted->text,
            converted->truncated
                ? "the file ends inside a " + encoding + " character (" + bytes_at(bytes, converted->bad_offset, 4) +
                      "): it is cut short, or not " + encoding + " text" + why
                : "invalid " + encoding + " byte sequence starting with " +
                      bytes_at(bytes, converted->bad_offset, width) + ": the file is not " + encoding + " text" + why +
                      "; name its real encoding, or convert it to UTF-8 with iconv(1)");
  }
  return std::move(converted->text);
}

std::string utf8_checked(std::string bytes, const std::string& file, const std::string& why) {
  std::size_t bad = 0;
  if (!valid_utf8(bytes, &bad))
    fail_at(file, std::string_view(bytes).substr(0, bad),
            "invalid UTF-8 byte " + hex_byte(static_cast<Byte>(bytes[bad])) + ": the file is not UTF-8 text" + why +
                "; name its real encoding, or convert it to UTF-8 with iconv(1)");
  return bytes;
}

}  // namespace

// Lower case without '-' and '_', so that UTF-8, utf8 and utf_8 name the same encoding.
std::string encoding_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c == '-' || c == '_') continue;
    key += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return key;
}

DecodedText decode_to_utf8(std::string bytes, const std::string& file, const EncodingChoice& choice) {
  const std::string key = encoding_key(choice.name);
  const std::string why = chosen_by_note(choice);
  const std::string_view view = bytes;
  const bool utf16le_bom = view.starts_with("\xFF\xFE"), utf16be_bom = view.starts_with("\xFE\xFF");
  if (key.empty() || key == "auto") {
    if (view.starts_with(kUtf8Bom))
      return {utf8_checked(std::move(bytes), file, " (chosen by its byte order mark)"), "UTF-8"};
    if (utf16le_bom || utf16be_bom) {
      const std::string encoding = utf16le_bom ? "UTF-16LE" : "UTF-16BE";
      return {convert_strictly(view.substr(2), file, encoding, " (chosen by its byte order mark)"), encoding};
    }
    std::size_t bad = 0;
    if (valid_utf8(view, &bad)) return {std::move(bytes), "UTF-8"};
    // Not UTF-8: older Chinese Excel and WPS save GBK, which GB18030 contains. Accepted only when
    // every byte decodes, so a Latin-1 or damaged file is refused rather than turned into nonsense.
    if (std::optional<Conversion> converted = iconv_to_utf8(view, "GB18030"); converted && converted->complete)
      return {std::move(converted->text), "GB18030"};
    fail_at(file, view.substr(0, bad),
            "cannot tell the file's encoding: byte " + hex_byte(static_cast<Byte>(view[bad])) +
                " here is not UTF-8, and the file is not GB18030 (GBK) either; " + choice.advice);
  }
  if (key == "utf8") return {utf8_checked(std::move(bytes), file, why), "UTF-8"};
  if (key == "utf16" || key == "utf16le" || key == "utf16be") {
    // A BOM decides the byte order; without one, plain "utf-16" is read little-endian, as Windows
    // (and so Excel) writes it.
    std::string encoding = key == "utf16be" || (key == "utf16" && utf16be_bom) ? "UTF-16BE" : "UTF-16LE";
    const bool bom = encoding == "UTF-16LE" ? utf16le_bom : utf16be_bom;
    return {convert_strictly(view.substr(bom ? 2 : 0), file, encoding, why), encoding};
  }
  std::string encoding;
  for (char c : choice.name) encoding += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return {convert_strictly(view, file, encoding, why), encoding};
}

bool known_encoding(std::string_view name) {
  const std::string key = encoding_key(name);
  if (key.empty() || key == "auto" || key == "utf8" || key == "utf16" || key == "utf16le" || key == "utf16be")
    return true;
  return IconvHandle(std::string(name).c_str()).valid();
}

char guess_delimiter(std::string_view text) {
  const std::string_view first_line = text.substr(0, text.find_first_of("\r\n"));
  const bool tabs = first_line.find('\t') != std::string_view::npos;
  return tabs && first_line.find(',') == std::string_view::npos ? '\t' : ',';
}

bool CsvRecord::blank() const {
  for (const std::string& field : fields)
    if (!field.empty()) return false;
  return true;
}

bool valid_utf8(std::string_view text, std::size_t* bad_offset) {
  const Byte* const begin = reinterpret_cast<const Byte*>(text.data());
  const Byte* const end = begin + text.size();
  const Byte* p = begin;
  while (p < end) {
    // ASCII dominates real inventories: skip it eight bytes at a time.
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    if (*p < 0x80) {
      ++p;
      continue;
    }
    const std::size_t length = utf8_sequence_length(p, end);
    if (length == 0) {
      if (bad_offset) *bad_offset = static_cast<std::size_t>(p - begin);
      return false;
    }
    p += length;
  }
  return true;
}

CsvReader::CsvReader(std::string_view text, std::string file, char delimiter)
    : text_(text), file_(std::move(file)), delimiter_(delimiter) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
  column_offset_ = line_start_;
}

CsvReader::CsvReader(std::string_view text, std::string file, char delimiter, std::size_t start, int line)
    : text_(text), file_(std::move(file)), delimiter_(delimiter), pos_(start), line_(line), line_start_(start) {
  column_offset_ = line_start_;
}

int CsvReader::column_at(std::size_t offset) const {
  // Fields are asked for in increasing order, so counting resumes where the last call stopped
  // instead of from the start of the line (long lines would otherwise cost quadratic time).
  if (column_offset_ < line_start_ || column_offset_ > offset) {
    column_offset_ = line_start_;
    column_ = 1;
  }
  for (std::size_t i = column_offset_; i < offset; ++i)
    if ((static_cast<Byte>(text_[i]) & 0xC0) != 0x80) ++column_;
  column_offset_ = offset;
  return column_;
}

void CsvReader::fail(std::size_t offset, std::string message) const {
  throw Error(Diagnostic{file_, line_, column_at(offset), "", std::move(message)});
}

std::size_t CsvReader::checked_sequence(std::size_t offset) const {
  const Byte* const begin = reinterpret_cast<const Byte*>(text_.data());
  const Byte* const p = begin + offset;
  if (*p == 0) fail(offset, tr("NUL byte (0x00) in the file; the file must be UTF-8 text"));
  if (*p < 0x80) return 1;
  const std::size_t length = utf8_sequence_length(p, begin + text_.size());
  if (length == 0 && accept_invalid_utf8_) return 1;
  if (length == 0) fail(offset, tr("invalid UTF-8 byte {}; the file must be UTF-8", hex_byte(*p)));
  return length;
}

void CsvReader::end_line(std::size_t offset) {
  pos_ = offset + 1;
  if (text_[offset] == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  ++line_;
  line_start_ = pos_;
}

constexpr std::string_view kFieldTooLong =
    "field longer than 256 MiB, the most chataudit reads in one cell; is this a CSV file?";

void CsvReader::check_field_size(std::size_t start, std::size_t end) const {
  if (end - start > kMaxCsvFieldBytes) fail(start, std::string(kFieldTooLong));
}

bool CsvReader::read_unquoted(std::string& field) {
  const char* const data = text_.data();
  const std::size_t size = text_.size();
  const std::size_t start = pos_;
  std::size_t i = start;
  for (;;) {
    while (i < size && !kStop[static_cast<Byte>(data[i])] && data[i] != delimiter_) ++i;
    check_field_size(start, i);
    if (i == size) {
      field.assign(data + start, i - start);
      pos_ = size;
      return true;
    }
    const char c = data[i];
    if (c == delimiter_) {
      field.assign(data + start, i - start);
      pos_ = i + 1;
      return false;
    }
    if (c == '\n' || c == '\r') {
      field.assign(data + start, i - start);
      end_line(i);
      return true;
    }
    if (c == '"')
      fail(i, tr("unexpected \" inside an unquoted field; expected the whole field in quotes, with each "
                 "\" inside doubled (\"\")"));
    i += checked_sequence(i);
  }
}

bool CsvReader::read_quoted(std::string& field, int open_line, int open_column) {
  const char* const data = text_.data();
  const std::size_t size = text_.size();
  const std::size_t start = pos_;
  std::size_t i = pos_ + 1;
  std::size_t chunk = i;  // start of the bytes not yet copied into `field`
  for (;;) {
    while (i < size && !kStop[static_cast<Byte>(data[i])]) ++i;
    if (i - start > kMaxCsvFieldBytes)
      throw Error(Diagnostic{file_, open_line, open_column, "", std::string(kFieldTooLong)});
    if (i == size)
      throw Error(Diagnostic{file_, open_line, open_column, "",
                             tr("unterminated quoted field: no closing \" before end of file")});
    const char c = data[i];
    if (c == '"') {
      if (i + 1 < size && data[i + 1] == '"') {
        field.append(data + chunk, i + 1 - chunk);  // keeps one of the two quotes
        i += 2;
        chunk = i;
        continue;
      }
      field.append(data + chunk, i - chunk);
      const std::size_t after = i + 1;
      if (after == size) {
        pos_ = size;
        return true;
      }
      const char next = data[after];
      if (next == delimiter_) {
        pos_ = after + 1;
        return false;
      }
      if (next == '\n' || next == '\r') {
        end_line(after);
        return true;
      }
      const std::size_t length = checked_sequence(after);
      fail(after,
           tr("unexpected character {} after the closing quote; expected {} or the end of the line (a \" "
              "inside a quoted field is written \"\")",
              describe_character(reinterpret_cast<const Byte*>(data + after), length), describe_delimiter(delimiter_)));
    }
    if (c == '\n' || c == '\r') {
      end_line(i);  // the break stays in `field`: it is copied with the chunk
      i = pos_;
      continue;
    }
    i += checked_sequence(i);
  }
}

bool CsvReader::next(CsvRecord& record) {
  if (pos_ >= text_.size()) return false;
  record.line = line_;
  record.columns.clear();
  record.lines.clear();
  std::size_t count = 0;  // reuses the strings of the previous record: no reallocation per field
  for (bool end_of_record = false; !end_of_record;) {
    if (count == kMaxCsvFields)
      fail(pos_, tr("more than 1000 fields in one row, the most chataudit reads; is the delimiter right?"));
    if (count == record.fields.size()) record.fields.emplace_back();
    std::string& field = record.fields[count++];
    field.clear();
    const int column = column_at(pos_);
    record.lines.push_back(line_);
    record.columns.push_back(column);
    end_of_record =
        pos_ < text_.size() && text_[pos_] == '"' ? read_quoted(field, line_, column) : read_unquoted(field);
  }
  record.fields.resize(count);
  return true;
}

}  // namespace chataudit
