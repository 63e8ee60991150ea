#include "load/workbook.h"

#include <doctest/doctest.h>

#include <string>

#include "base/error.h"
#include "load/mapping.h"
#include "load/sheet_rows.h"

using namespace chataudit::loading;

namespace {

std::string number(double value) {
  std::string why;
  return plain_number(value, &why).value_or("refused: " + why);
}

std::string date(double value, bool date1904 = false) {
  std::string why;
  return serial_date(value, date1904, &why).value_or("refused: " + why);
}

}  // namespace

TEST_CASE("workbook numbers are the shortest exact decimal, without exponent") {
  CHECK(number(0) == "0");
  CHECK(number(-0.0) == "0");
  CHECK(number(3) == "3");
  CHECK(number(0.1) == "0.1");
  CHECK(number(-2.5) == "-2.5");
  CHECK(number(1e-7) == "0.0000001");
  CHECK(number(123456789012345) == "123456789012345");
  CHECK(number(1.5e14) == "150000000000000");
  // More than 15 significant digits, or more than 15 before the point: Excel lost the id.
  CHECK(number(0.1 + 0.2).starts_with("refused: more than 15 digits"));
  CHECK(number(1234567890123456789.0).starts_with("refused"));
  CHECK(number(1e15).starts_with("refused"));
}

TEST_CASE("workbook dates: the 1900 system with its leap-year bug, and the 1904 system") {
  CHECK(date(1) == "1900-01-01");
  CHECK(date(59) == "1900-02-28");
  CHECK(date(60).starts_with("refused: 1900-02-29"));
  CHECK(date(61) == "1900-03-01");
  CHECK(date(46353) == "2026-11-27");
  CHECK(date(46353.75) == "2026-11-27 18:00:00");
  CHECK(date(46353.999999999) == "2026-11-28");  // rounds to the next midnight
  CHECK(date(2958465) == "9999-12-31");
  CHECK(date(2958466).starts_with("refused"));
  CHECK(date(-1).starts_with("refused"));
  CHECK(date(0, true) == "1904-01-01");
  CHECK(date(44891, true) == "2026-11-27");  // 1462 days fewer than the 1900 system
}

TEST_CASE("which number formats show dates") {
  CHECK(number_format(14, "").kind == NumberFormat::Kind::date);
  CHECK(number_format(22, "").kind == NumberFormat::Kind::date);
  CHECK(number_format(31, "").kind == NumberFormat::Kind::date);  // yyyy"年"m"月"d"日" in Chinese Excel
  CHECK(number_format(0, "").kind == NumberFormat::Kind::general);
  CHECK(number_format(2, "").kind == NumberFormat::Kind::general);  // 0.00
  CHECK(number_format(164, "yyyy/m/d").kind == NumberFormat::Kind::date);
  CHECK(number_format(164, "yyyy\"年\"m\"月\"d\"日\"").kind == NumberFormat::Kind::date);
  CHECK(number_format(164, "[$-F800]dddd, mmmm dd, yyyy").kind == NumberFormat::Kind::date);
  CHECK(number_format(164, "\"day\" 0").kind == NumberFormat::Kind::general);  // y, d inside quotes
  CHECK(number_format(164, "[Red]0.00").kind == NumberFormat::Kind::general);  // inside brackets
  CHECK(number_format(164, "0\\d").kind == NumberFormat::Kind::general);       // escaped
  CHECK(number_format(164, "0;\"m\"d").kind == NumberFormat::Kind::general);   // a later section
  CHECK(number_format(164, "General").kind == NumberFormat::Kind::general);
  const NumberFormat zeros = number_format(164, "00000");
  CHECK(zeros.kind == NumberFormat::Kind::zeros);
  CHECK(zeros.width == 5);
}

TEST_CASE("cell positions as a spreadsheet user reads them") {
  CHECK(column_letters(1) == "A");
  CHECK(column_letters(26) == "Z");
  CHECK(column_letters(27) == "AA");
  CHECK(column_letters(16384) == "XFD");
  CHECK(sheet_position("g.xlsx", "工作群", 7, 2) == "g.xlsx#工作群!B7");
  CHECK(sheet_position("g.xlsx", "Sheet1", 5, 0) == "g.xlsx#Sheet1!5:5");
}

TEST_CASE("OOXML escapes in strings") {
  CHECK(unescape_ooxml("a_x000D_b") == "a\rb");
  CHECK(unescape_ooxml("_x4E5D_") == "九");
  CHECK(unescape_ooxml("_x00") == "_x00");
  CHECK(unescape_ooxml("_xD800_") == "_xD800_");  // a lone surrogate stays as written
  CHECK(unescape_ooxml("plain_text") == "plain_text");
}

TEST_CASE("files that are not workbooks are refused with a message, never a crash") {
  CHECK(file_magic("PK\x03\x04rest") == FileMagic::zip);
  CHECK(file_magic("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") == FileMagic::ole);
  CHECK(file_magic("group_id,name") == FileMagic::other);
  const std::string ole("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0", 12);
  CHECK_THROWS_WITH_AS(Workbook(ole, "secret.xlsx"), doctest::Contains("password-protected"), chataudit::Error);
  CHECK_THROWS_WITH_AS(Workbook("PK\x03\x04 not really", "broken.xlsx"),
                       doctest::Contains("broken.xlsx: not a readable .xlsx workbook"), chataudit::Error);
  CHECK_THROWS_WITH_AS(Workbook("", "empty.xlsx"), "empty.xlsx: empty file; expected an .xlsx workbook",
                       chataudit::Error);
}

TEST_CASE("sheets are tables by the table's name or a built-in Chinese one") {
  using chataudit::builtin_table_for_sheet;
  CHECK(builtin_table_for_sheet("groups") == "groups");
  CHECK(builtin_table_for_sheet("Groups") == "groups");
  CHECK(builtin_table_for_sheet("工作群") == "groups");
  CHECK(builtin_table_for_sheet(" 工作群台賬 ") == "groups");
  CHECK(builtin_table_for_sheet("群成員") == "members");
  CHECK(builtin_table_for_sheet("人员") == "people");
  CHECK(builtin_table_for_sheet("说明").empty());
  CHECK(builtin_table_for_sheet("Sheet1").empty());
}
