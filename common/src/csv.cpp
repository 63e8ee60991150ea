// RFC 4180 reader. One forward pass over the bytes: it splits fields, counts lines and validates
// UTF-8 as it goes, so a file of hundreds of megabytes is read once and never decoded twice.
//
// Line breaks: LF, CRLF and a lone CR (as old Mac spreadsheets write it) all end a physical
// line, both between records and inside quoted fields; a lone CR is accepted rather than
// rejected because it is unambiguous and files exported that way are still met in practice.
// Inside quotes the break is kept byte for byte.
#include "chataudit/csv.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <utility>

#include "chataudit/error.h"

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

}  // namespace

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
  if (*p == 0) fail(offset, "NUL byte (0x00) in the file; the file must be UTF-8 text");
  if (*p < 0x80) return 1;
  const std::size_t length = utf8_sequence_length(p, begin + text_.size());
  if (length == 0) fail(offset, "invalid UTF-8 byte " + hex_byte(*p) + "; the file must be UTF-8");
  return length;
}

void CsvReader::end_line(std::size_t offset) {
  pos_ = offset + 1;
  if (text_[offset] == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
  ++line_;
  line_start_ = pos_;
}

bool CsvReader::read_unquoted(std::string& field) {
  const char* const data = text_.data();
  const std::size_t size = text_.size();
  const std::size_t start = pos_;
  std::size_t i = start;
  for (;;) {
    while (i < size && !kStop[static_cast<Byte>(data[i])] && data[i] != delimiter_) ++i;
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
      fail(i,
           "unexpected \" inside an unquoted field; expected the whole field in quotes, with each "
           "\" inside doubled (\"\")");
    i += checked_sequence(i);
  }
}

bool CsvReader::read_quoted(std::string& field, int open_line, int open_column) {
  const char* const data = text_.data();
  const std::size_t size = text_.size();
  std::size_t i = pos_ + 1;
  std::size_t chunk = i;  // start of the bytes not yet copied into `field`
  for (;;) {
    while (i < size && !kStop[static_cast<Byte>(data[i])]) ++i;
    if (i == size)
      throw Error(Diagnostic{file_, open_line, open_column, "",
                             "unterminated quoted field: no closing \" before end of file"});
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
      fail(after, "unexpected character " +
                      describe_character(reinterpret_cast<const Byte*>(data + after), length) +
                      " after the closing quote; expected " + describe_delimiter(delimiter_) +
                      " or the end of the line (a \" inside a quoted field is written \"\")");
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
    if (count == record.fields.size()) record.fields.emplace_back();
    std::string& field = record.fields[count++];
    field.clear();
    const int column = column_at(pos_);
    record.lines.push_back(line_);
    record.columns.push_back(column);
    end_of_record = pos_ < text_.size() && text_[pos_] == '"' ? read_quoted(field, line_, column)
                                                              : read_unquoted(field);
  }
  record.fields.resize(count);
  return true;
}

}  // namespace chataudit
