#include "chataudit/csv.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chataudit/error.h"

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
