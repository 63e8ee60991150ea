#include "base/csv.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/error.h"

using chataudit::CsvReader;
using chataudit::CsvRecord;
using chataudit::Diagnostic;
using chataudit::Error;

namespace {

using Fields = std::vector<std::string>;
using Positions = std::vector<int>;

std::vector<CsvRecord> read_all(std::string_view text, char delimiter = ',') {
  CsvReader reader(text, "t.csv", delimiter);
  std::vector<CsvRecord> records;
  CsvRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

// The one diagnostic a malformed input must produce.
Diagnostic failure(std::string_view text) {
  try {
    read_all(text);
  } catch (const Error& error) {
    REQUIRE(error.diagnostics().size() == 1);
    return error.diagnostics().front();
  }
  FAIL("no error for: " << text);
  return {};
}

}  // namespace

TEST_CASE("csv: plain records with LF, positions of every field") {
  const auto records = read_all("id,name\n1,Ann\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"id", "name"});
  CHECK(records[0].line == 1);
  CHECK(records[0].columns == Positions{1, 4});
  CHECK(records[0].lines == Positions{1, 1});
  CHECK(records[1].fields == Fields{"1", "Ann"});
  CHECK(records[1].line == 2);
  CHECK(records[1].columns == Positions{1, 3});
}

TEST_CASE("csv: CRLF records and no final newline") {
  const auto records = read_all("a,b\r\nc,d\r\ne,f");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"a", "b"});
  CHECK(records[1].fields == Fields{"c", "d"});
  CHECK(records[2].fields == Fields{"e", "f"});
  CHECK(records[2].line == 3);
  CHECK(records[2].columns == Positions{1, 3});
}

TEST_CASE("csv: a lone CR ends a line too") {
  const auto records = read_all("a,b\rc,d\r");
  REQUIRE(records.size() == 2);
  CHECK(records[1].fields == Fields{"c", "d"});
  CHECK(records[1].line == 2);
}

TEST_CASE("csv: quoted delimiter, doubled quote, empty quoted field") {
  const auto records = read_all("\"a,b\",\"say \"\"hi\"\"\",\"\",x\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a,b", "say \"hi\"", "", "x"});
  CHECK(records[0].columns == Positions{1, 7, 20, 23});
}

TEST_CASE("csv: a field that is only a doubled quote") {
  const auto records = read_all("\"\"\"\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"\""});
}

TEST_CASE("csv: line breaks inside quotes are kept verbatim and counted") {
  const auto records = read_all("id,note\n1,\"line one\nline two\",x\n2,\"a\r\nb\",y\r\n3,z\n");
  REQUIRE(records.size() == 4);
  CHECK(records[1].fields == Fields{"1", "line one\nline two", "x"});
  CHECK(records[1].line == 2);
  CHECK(records[1].lines == Positions{2, 2, 3});
  CHECK(records[1].columns == Positions{1, 3, 11});
  CHECK(records[2].fields == Fields{"2", "a\r\nb", "y"});
  CHECK(records[2].line == 4);
  CHECK(records[2].lines == Positions{4, 4, 5});
  CHECK(records[2].columns == Positions{1, 3, 4});
  CHECK(records[3].fields == Fields{"3", "z"});
  CHECK(records[3].line == 6);
}

TEST_CASE("csv: a BOM is skipped and does not count as a column") {
  const auto records = read_all("\xEF\xBB\xBFid,name\n1,x\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"id", "name"});
  CHECK(records[0].columns == Positions{1, 4});
}

TEST_CASE("csv: a BOM before a quoted first field") {
  const auto records = read_all("\xEF\xBB\xBF\"id\",name");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"id", "name"});
  CHECK(records[0].columns == Positions{1, 6});
}

TEST_CASE("csv: columns count characters, not bytes") {
  const auto records = read_all("群名称,负责人,x\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"群名称", "负责人", "x"});
  CHECK(records[0].columns == Positions{1, 5, 9});
}

TEST_CASE("csv: empty fields, trailing empty field") {
  auto records = read_all(",,\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"", "", ""});
  CHECK(records[0].columns == Positions{1, 2, 3});
  CHECK(records[0].blank());

  records = read_all("a,b,\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b", ""});
  CHECK(records[0].columns == Positions{1, 3, 5});
  CHECK_FALSE(records[0].blank());

  records = read_all("a,b,");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b", ""});

  records = read_all("a,\"b\",");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b", ""});
}

TEST_CASE("csv: empty input has no records") {
  CHECK(read_all("").empty());
  CHECK(read_all("\xEF\xBB\xBF").empty());
}

TEST_CASE("csv: a blank line is a record of one empty field") {
  const auto records = read_all("a\n\nb\n");
  REQUIRE(records.size() == 3);
  CHECK(records[1].fields == Fields{""});
  CHECK(records[1].line == 2);
  CHECK(records[1].blank());
  CHECK(records[2].fields == Fields{"b"});
  CHECK(records[2].line == 3);
}

TEST_CASE("csv: a record reuses the strings of the previous one") {
  CsvReader reader("a,b,c\nd\n", "t.csv");
  CsvRecord record;
  REQUIRE(reader.next(record));
  CHECK(record.fields.size() == 3);
  REQUIRE(reader.next(record));
  CHECK(record.fields == Fields{"d"});
  CHECK(record.columns == Positions{1});
  CHECK(record.lines == Positions{2});
  CHECK_FALSE(reader.next(record));
  CHECK_FALSE(reader.next(record));
}

TEST_CASE("csv: another delimiter") {
  const auto records = read_all("a;\"b;c\";d\n", ';');
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"a", "b;c", "d"});
  CHECK(records[0].columns == Positions{1, 3, 9});
}

TEST_CASE("csv: unterminated quoted field points at the opening quote") {
  const Diagnostic error = failure("id,name\n1,\"open\nmore\n");
  CHECK(error.file == "t.csv");
  CHECK(error.line == 2);
  CHECK(error.column == 3);
  CHECK(error.message == "unterminated quoted field: no closing \" before end of file");
}

TEST_CASE("csv: a character after the closing quote") {
  const Diagnostic error = failure("a,b\nx,\"quoted\"junk,y\n");
  CHECK(error.line == 2);
  CHECK(error.column == 11);
  CHECK(error.message ==
        "unexpected character 'j' after the closing quote; expected ',' or the end of the line "
        "(a \" inside a quoted field is written \"\")");
}

TEST_CASE("csv: a space after the closing quote is named by its code point") {
  const Diagnostic error = failure("\"a\" ,b");
  CHECK(error.line == 1);
  CHECK(error.column == 4);
  CHECK(error.message.starts_with("unexpected character U+0020 after the closing quote"));
}

TEST_CASE("csv: a wide character after the closing quote, on a continued line") {
  const Diagnostic error = failure("\"多\n行\"群,b");
  CHECK(error.line == 2);
  CHECK(error.column == 3);
  CHECK(error.message.starts_with("unexpected character U+7FA4 after the closing quote"));
}

TEST_CASE("csv: a quote inside an unquoted field") {
  const Diagnostic error = failure("id,name\n1,ab\"c\"\n");
  CHECK(error.line == 2);
  CHECK(error.column == 5);
  CHECK(error.message ==
        "unexpected \" inside an unquoted field; expected the whole field in quotes, with each \" "
        "inside doubled (\"\")");
}

TEST_CASE("csv: a NUL byte, outside and inside quotes") {
  using namespace std::string_view_literals;
  Diagnostic error = failure("a,b\nc,d\0e\n"sv);
  CHECK(error.line == 2);
  CHECK(error.column == 4);
  CHECK(error.message == "NUL byte (0x00) in the file; the file must be UTF-8 text");

  error = failure("\"x\ny\0\"\n"sv);
  CHECK(error.line == 2);
  CHECK(error.column == 2);
}

TEST_CASE("csv: invalid UTF-8 at the bad byte") {
  Diagnostic error = failure("a,b\n群,\xFF\n");
  CHECK(error.line == 2);
  CHECK(error.column == 3);
  CHECK(error.message == "invalid UTF-8 byte 0xFF; the file must be UTF-8");

  error = failure("\"ok\n\xC3\x28\"");  // a lead byte not followed by a continuation byte
  CHECK(error.line == 2);
  CHECK(error.column == 1);
  CHECK(error.message == "invalid UTF-8 byte 0xC3; the file must be UTF-8");

  error = failure("ab\xE4\xB8");  // truncated at end of file
  CHECK(error.column == 3);
  CHECK(error.message == "invalid UTF-8 byte 0xE4; the file must be UTF-8");

  error = failure("\xC0\xAF");  // overlong '/'
  CHECK(error.column == 1);
  CHECK(error.message == "invalid UTF-8 byte 0xC0; the file must be UTF-8");

  error = failure("x,\xED\xA0\x80");  // a UTF-16 surrogate
  CHECK(error.column == 3);
  CHECK(error.message == "invalid UTF-8 byte 0xED; the file must be UTF-8");

  error = failure("\"\xEF\xBB\xBF\"\xF4\x90\x80\x80");  // above U+10FFFF, after a mid-file BOM
  CHECK(error.column == 4);
  CHECK(error.message == "invalid UTF-8 byte 0xF4; the file must be UTF-8");
}

TEST_CASE("csv: the error text carries file, line and column") {
  try {
    CsvReader reader("\"x", "groups.csv");
    CsvRecord record;
    reader.next(record);
    FAIL("no error");
  } catch (const Error& error) {
    REQUIRE(error.diagnostics().size() == 1);
    CHECK(error.diagnostics()[0].file == "groups.csv");
    CHECK(error.diagnostics()[0].line == 1);
    CHECK(error.diagnostics()[0].column == 1);
  }
}

TEST_CASE("valid_utf8") {
  std::size_t bad = 99;
  CHECK(chataudit::valid_utf8(""));
  CHECK(chataudit::valid_utf8("plain ascii text, long enough to use the fast path"));
  CHECK(chataudit::valid_utf8("中文 𝄞 é"));
  CHECK_FALSE(chataudit::valid_utf8("0123456789abcdef\x80", &bad));
  CHECK(bad == 16);
  CHECK_FALSE(chataudit::valid_utf8("中\xE6\x96", &bad));
  CHECK(bad == 3);
  CHECK_FALSE(chataudit::valid_utf8("\xF5\x80\x80\x80", &bad));
  CHECK(bad == 0);
  CHECK_FALSE(chataudit::valid_utf8("\xE0\x80\x80", &bad));  // overlong three-byte form
  CHECK(bad == 0);
}

// ---- Encodings: decode_to_utf8 ------------------------------------------------------------------

namespace {

using chataudit::decode_to_utf8;
using chataudit::DecodedText;
using chataudit::EncodingChoice;

// "群名称,负责人\nG1,张三\n" in the encodings offices export.
const std::string kUtf8Text = "群名称,负责人\nG1,张三\n";
const std::string kGbkText = "\xC8\xBA\xC3\xFB\xB3\xC6,\xB8\xBA\xD4\xF0\xC8\xCB\nG1,\xD5\xC5\xC8\xFD\n";

// UTF-16 of an ASCII-and-BMP UTF-8 string, with or without a BOM.
std::string utf16(std::u16string_view text, bool little_endian, bool bom) {
  std::string bytes;
  auto put = [&](char16_t unit) {
    const char low = static_cast<char>(unit & 0xFF), high = static_cast<char>(unit >> 8);
    bytes += little_endian ? low : high;
    bytes += little_endian ? high : low;
  };
  if (bom) put(0xFEFF);
  for (char16_t unit : text) put(unit);
  return bytes;
}

DecodedText decode(std::string bytes, std::string encoding = "") {
  return decode_to_utf8(std::move(bytes), "t.csv",
                        EncodingChoice{encoding, encoding.empty() ? "" : "--encoding " + encoding, "ADVICE"});
}

Diagnostic decode_failure(std::string bytes, std::string encoding = "") {
  try {
    decode(std::move(bytes), std::move(encoding));
  } catch (const Error& error) {
    REQUIRE(error.diagnostics().size() == 1);
    return error.diagnostics().front();
  }
  FAIL("no error");
  return {};
}

}  // namespace

TEST_CASE("encodings: UTF-8 with or without a BOM is taken as it is") {
  CHECK(decode(kUtf8Text).text == kUtf8Text);
  CHECK(decode(kUtf8Text).encoding == "UTF-8");
  CHECK(decode("\xEF\xBB\xBF" + kUtf8Text).text == "\xEF\xBB\xBF" + kUtf8Text);  // CsvReader skips it
}

TEST_CASE("encodings: UTF-16 with a BOM, either byte order, to UTF-8 without the BOM") {
  const std::u16string text = u"群名称\t负责人\r\nG1\t张三\r\n";
  const DecodedText little = decode(utf16(text, true, true));
  CHECK(little.text == "群名称\t负责人\r\nG1\t张三\r\n");
  CHECK(little.encoding == "UTF-16LE");
  const DecodedText big = decode(utf16(text, false, true));
  CHECK(big.text == little.text);
  CHECK(big.encoding == "UTF-16BE");
  // Forced: "utf-16" without a BOM is little-endian, as Windows writes it.
  CHECK(decode(utf16(text, true, false), "utf-16").text == little.text);
  CHECK(decode(utf16(text, false, false), "UTF-16BE").text == little.text);
  CHECK(decode(utf16(text, true, true), "utf_16le").text == little.text);
}

TEST_CASE("encodings: GBK is detected when the file is not UTF-8 and decodes completely as GB18030") {
  const DecodedText decoded = decode(kGbkText);
  CHECK(decoded.text == kUtf8Text);
  CHECK(decoded.encoding == "GB18030");
  CHECK(decode(kGbkText, "gbk").text == kUtf8Text);
  CHECK(decode(kGbkText, "GB18030").text == kUtf8Text);
}

TEST_CASE("encodings: a file that is neither UTF-8 nor GB18030 is refused at the first non-UTF-8 byte") {
  // Latin-1 "café": 0xE9 then ',' is no GB18030 sequence either.
  const Diagnostic d = decode_failure("id,name\nG1,caf\xE9,x\n");
  CHECK(d.line == 2);
  CHECK(d.column == 7);
  CHECK(d.message ==
        "cannot tell the file's encoding: byte 0xE9 here is not UTF-8, and the file is not GB18030 (GBK) "
        "either; ADVICE");
}

TEST_CASE("encodings: a forced encoding is never second-guessed; bad bytes stop at their line and column") {
  Diagnostic d = decode_failure("id\r\n张三,\xFF\n", "utf-8");
  CHECK(d.line == 2);
  CHECK(d.column == 4);
  CHECK(d.message ==
        "invalid UTF-8 byte 0xFF: the file is not UTF-8 text (chosen by --encoding utf-8); name its real "
        "encoding, or convert it to UTF-8 with iconv(1)");
  d = decode_failure("a\rb\n\xD5\xC5\xFF\n", "gb18030");  // CR, then LF: line 3, after one character
  CHECK(d.line == 3);
  CHECK(d.column == 2);
  CHECK(d.message ==
        "invalid GB18030 byte sequence starting with 0xFF: the file is not GB18030 text (chosen by "
        "--encoding gb18030); name its real encoding, or convert it to UTF-8 with iconv(1)");
  // A lone surrogate is no UTF-16; an odd byte at the end is a cut-short file.
  d = decode_failure(utf16(u"ab\n", true, true) + std::string("\x00\xDC", 2));
  CHECK(d.line == 2);
  CHECK(d.column == 1);
  CHECK(d.message.starts_with("invalid UTF-16LE byte sequence starting with 0x00 0xDC"));
  d = decode_failure(utf16(u"ab", true, true) + "c");
  CHECK(d.column == 3);
  CHECK(d.message ==
        "the file ends inside a UTF-16LE character (0x63): it is cut short, or not UTF-16LE text (chosen "
        "by its byte order mark)");
}

TEST_CASE("encodings: names") {
  CHECK(chataudit::known_encoding("auto"));
  CHECK(chataudit::known_encoding("UTF-8"));
  CHECK(chataudit::known_encoding("utf16le"));
  CHECK(chataudit::known_encoding("gb18030"));
  CHECK(chataudit::known_encoding("BIG5"));
  CHECK_FALSE(chataudit::known_encoding("klingon"));
  CHECK(decode("caf\xE9\n", "latin1").text == "café\n");
  // Twice as many bytes out as in: the conversion buffer grows.
  CHECK(decode(std::string(1000, '\xE9'), "ISO-8859-1").text.size() == 2000);
}

TEST_CASE("csv: the delimiter a header line suggests") {
  CHECK(chataudit::guess_delimiter("a\tb\tc\nx,y") == '\t');
  CHECK(chataudit::guess_delimiter("a,b\tc\n") == ',');
  CHECK(chataudit::guess_delimiter("a,b\n") == ',');
  CHECK(chataudit::guess_delimiter("abc") == ',');
}

TEST_CASE("csv: tab-separated records keep commas and quotes as data") {
  const auto records = read_all("a\tb\n\"x\ty\"\t1,2\n", '\t');
  REQUIRE(records.size() == 2);
  CHECK(records[1].fields == Fields{"x\ty", "1,2"});
  CHECK(records[1].columns == Positions{1, 7});
}
