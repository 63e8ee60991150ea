#include "load/mapping.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/csv.h"
#include "base/error.h"
#include "load/inventory.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::error_text;
using chataudit::testing::query;
using chataudit::testing::shanghai;
using chataudit::testing::TempDir;

namespace {

std::string as_iso(std::string_view text, DateFormat format) {
  const auto date = parse_date_as(text, format, shanghai());
  return date ? format_date(*date) : "none";
}

Inventory load_dir(const std::string& dir, std::set<std::string> wanted = {"groups"}) {
  InventorySources sources;
  sources.inventories.push_back(dir);
  return load_inventory(sources, wanted, shanghai());
}

const std::set<std::string> kAllTables = {"orgs",   "depts",   "people",      "accounts",
                                          "groups", "members", "permissions", "successions"};

// Every table of a loaded inventory, every column, in key order: what the rules would see.
std::string contents(Inventory& inventory) {
  std::string all;
  for (const TableSpec& spec : inventory_schema()) {
    all += "## " + std::string(spec.name) + "\n";
    all += query(inventory, "SELECT * FROM \"" + std::string(spec.name) + "\" ORDER BY " +
                                (spec.key.empty() ? std::string("1, 2, 3, 4, 5") : std::string(spec.key)));
  }
  return all;
}

}  // namespace

TEST_CASE("dates: day-first and month-first spellings only where the mapping says so") {
  const DateFormat ymd, dmy{DateFormat::Order::day_first}, mdy{DateFormat::Order::month_first};
  CHECK(as_iso("1/9/2026", ymd) == "none");
  CHECK(as_iso("1/9/2026", dmy) == "2026-09-01");
  CHECK(as_iso("1/9/2026", mdy) == "2026-01-09");
  CHECK(as_iso("27.11.2026", dmy) == "2026-11-27");
  CHECK(as_iso("27-11-2026", dmy) == "2026-11-27");
  CHECK(as_iso("27/11-2026", dmy) == "none");  // the same separator twice
  CHECK(as_iso("27/11/2026", mdy) == "none");  // no month 27
  CHECK(as_iso("31/2/2026", dmy) == "none");
  CHECK(as_iso("27/11/26", dmy) == "none");  // two-digit years stay ambiguous
  CHECK(as_iso("027/11/2026", dmy) == "none");
  CHECK(as_iso("25/11/2026 18:30", dmy) == "2026-11-25");
  CHECK(as_iso("25/11/2026T23:30Z", dmy) == "2026-11-26");  // a date-time's rules are parse_date's
  // The built-in spellings keep working beside them.
  CHECK(as_iso("2026/3/20", dmy) == "2026-03-20");
  CHECK(as_iso("2026年3月20日", mdy) == "2026-03-20");
}

TEST_CASE("dates: Excel serial numbers of the 1900 date system") {
  const DateFormat excel{DateFormat::Order::none, true};
  CHECK(as_iso("46353", DateFormat{}) == "none");
  CHECK(as_iso("46353", excel) == "2026-11-27");
  CHECK(as_iso("46351.7708333333", excel) == "2026-11-25");
  CHECK(as_iso("61", excel) == "1900-03-01");
  CHECK(as_iso("60", excel) == "none");  // Excel's 1900-02-29, a day that never was
  CHECK(as_iso("2958465", excel) == "9999-12-31");
  CHECK(as_iso("2958466", excel) == "none");
  CHECK(as_iso("20261127", excel) == "2026-11-27");  // eight digits: YYYYMMDD, never a serial
  CHECK(as_iso("46353.", excel) == "none");
  CHECK(as_iso(".5", excel) == "none");
  CHECK(as_iso("-46353", excel) == "none");
  CHECK(as_iso("1/9/2026", DateFormat{DateFormat::Order::day_first, true}) == "2026-09-01");
  CHECK(
      accepted_date_spellings(excel).ends_with("; or an Excel serial number such as 46353 (date_format excel-serial)"));
}

TEST_CASE("built-in headers: every column exists, and no spelling means two columns of one table") {
  std::map<std::pair<std::string, std::string>, std::string> seen;  // (table, header key) → column
  std::set<std::string> tables;
  for (const BuiltinHeaders& entry : builtin_headers()) {
    const TableSpec* table = find_table(entry.table);
    REQUIRE_MESSAGE(table, entry.table);
    CHECK_MESSAGE(table->find(entry.column), entry.table, ".", entry.column);
    tables.insert(std::string(entry.table));
    for (std::size_t start = 0; start < entry.spellings.size();) {
      std::size_t end = entry.spellings.find(' ', start);
      if (end == std::string_view::npos) end = entry.spellings.size();
      const std::string spelling(entry.spellings.substr(start, end - start));
      CHECK_MESSAGE(!spelling.empty(), entry.table, ".", entry.column, ": a double space");
      CHECK_MESSAGE(header_key(spelling) == header_key(spelling + " "), spelling);
      auto [it, fresh] =
          seen.emplace(std::pair{std::string(entry.table), header_key(spelling)}, std::string(entry.column));
      CHECK_MESSAGE((fresh || it->second == entry.column), entry.table, ": ", spelling, " means ", it->second, " and ",
                    entry.column);
      CHECK_MESSAGE(!table->find(header_key(spelling)), spelling, " is a canonical name");
      CHECK(builtin_column(entry.table, spelling) == entry.column);
      start = end + 1;
    }
  }
  CHECK(tables.size() == inventory_schema().size());
  // Every required column can be found by a built-in header.
  for (const TableSpec& table : inventory_schema())
    for (const ColumnSpec& column : table.columns) {
      if (!column.required) continue;
      bool covered = false;
      for (const BuiltinHeaders& entry : builtin_headers())
        covered = covered || (entry.table == table.name && entry.column == column.name);
      CHECK_MESSAGE(covered, table.name, ".", column.name);
    }
  CHECK(builtin_column("groups", "群编号") == "group_id");
  CHECK(builtin_column("groups", "工作結束日期") == "work_ended_on");
  CHECK(builtin_column("groups", " 群 ID ") == "group_id");  // white space, case
  CHECK(builtin_column("depts", "负责人") == "head_id");     // per table: a department's head
  CHECK(builtin_column("groups", "负责人") == "owner_id");
  CHECK(builtin_column("groups", "编号") == "");  // whose number? not guessed
}

TEST_CASE("header keys: NFKC, no white space, ASCII lower case") {
  CHECK(header_key("群名称") == "群名称");
  CHECK(header_key(" 工作结束\n日期\u3000") == "工作结束日期");
  CHECK(header_key("Ｇｒｏｕｐ＿ＩＤ") == "group_id");
  CHECK(header_key("") == "");
}

TEST_CASE("delimiters") {
  std::string error;
  CHECK(parse_delimiter(",", &error) == ',');
  CHECK(parse_delimiter(";", &error) == ';');
  CHECK(parse_delimiter("\t", &error) == '\t');
  CHECK(parse_delimiter("\\t", &error) == '\t');
  CHECK(parse_delimiter("TAB", &error) == '\t');
  CHECK_FALSE(parse_delimiter("\"", &error));
  CHECK_FALSE(parse_delimiter(",,", &error));
  CHECK_FALSE(parse_delimiter("", &error));
  // What is wrong, without the key or option: its caller names it (delimiter = "…" or --delimiter "…").
  CHECK(error == "expected one ASCII character other than a quote or a line break, such as , or ; or \\t (a tab)");
}

TEST_CASE("mapping file: every key read") {
  TempDir dir;
  const std::string path = dir.write("m.toml",
                                     "encoding = \"gbk\"\n"
                                     "delimiter = \";\"\n"
                                     "date_format = \"DMY\"\n"
                                     "[tables.groups]\n"
                                     "file = \"工作群台账.csv\"\n"
                                     "table = \"工作群\"\n"
                                     "encoding = \"utf-16\"\n"
                                     "delimiter = \"\\t\"\n"
                                     "date_format = [\"MDY\", \"excel-serial\"]\n"
                                     "[tables.groups.columns]\n"
                                     "\"群号\" = \"group_id\"\n"
                                     "\"备注\" = \"备注\"\n"
                                     "[tables.groups.values.term]\n"
                                     "\"短期项目\" = \"Temporary\"\n"
                                     "[tables.groups.values.allows_external]\n"
                                     "\"允许\" = true\n");
  const InventoryMapping mapping = load_mapping(path);
  CHECK(mapping.loaded);
  CHECK(mapping.encoding == "gbk");
  CHECK(mapping.delimiter == ';');
  CHECK(mapping.date_format == DateFormat{DateFormat::Order::day_first});
  const TableMapping* groups = mapping.find("groups");
  REQUIRE(groups);
  CHECK(mapping.find("people") == nullptr);
  CHECK(groups->file == "工作群台账.csv");
  CHECK(groups->file_where.line == 5);
  CHECK(groups->file_where.column == 8);
  CHECK(groups->source_table == "工作群");
  CHECK(groups->encoding == "utf-16");
  CHECK(groups->delimiter == '\t');
  CHECK(groups->date_format == DateFormat{DateFormat::Order::month_first, true});
  REQUIRE(groups->columns.size() == 2);
  CHECK(groups->find_column(" 群号")->column == "group_id");
  CHECK(groups->find_column("备注")->column == "备注");
  CHECK(groups->find_column("群名称") == nullptr);
  REQUIRE(groups->values.size() == 2);
  for (const ValueMapping& value : groups->values) {
    if (value.column == "term") {
      CHECK(value.spelling == "短期项目");
      CHECK(value.value == "temporary");
    } else {
      CHECK(value.column == "allows_external");
      CHECK(value.value == "1");
    }
  }
}

TEST_CASE("mapping file: mistakes are errors at their line and column") {
  TempDir dir;
  auto problem = [&](std::string_view toml) {
    const std::string path = dir.write("m.toml", toml);
    std::string text = error_text([&] { load_mapping(path); });
    return text.substr(path.size());
  };
  CHECK(problem("[tables.groups]\nfiles = \"x.csv\"\n") ==
        ":2:1: unknown key \"files\" in [tables.groups]; expected one of: file, table, sheet, encoding, delimiter, "
        "date_format, columns, values\n");
  CHECK(problem("[tables.groups.columns]\n\"结束\" = \"work_end\"\n")
            .starts_with(":2:8: [tables.groups.columns] \"结束\": table groups has no column \"work_end\"; expected "
                         "one of: group_id, "));
  CHECK(problem("[tables.groups.values.status]\n\"停用\" = \"closed\"\n") ==
        ":2:8: [tables.groups.values.status] \"停用\": expected one of active, dissolved\n");
  CHECK(problem("[tables.people.values.real_name]\n") ==
        ":1:23: [tables.people.values.real_name]: values can be added to enumeration and boolean columns only; "
        "table people has: status, external\n");
  CHECK(problem("[tables.groups]\nencoding = \"ebcdic-klingon\"\n").starts_with(":2:12: unknown encoding "));
  CHECK(problem("[tables.groups]\nfile = \"\"\n") == ":2:8: [tables.groups] file must not be empty\n");
  CHECK(problem("date_format = \"DD/MM/YYYY\"\n").starts_with(":1:15: date_format must be \"YMD\", \"DMY\""));
  CHECK(problem("tables = 1\n") == ":1:10: tables must be a table\n");
  CHECK(problem("[tables.groups.columns]\n\"群号\" = \"group_id\"\n\" 群号 \" = \"name\"\n") ==
        ":3:1: [tables.groups.columns] \" 群号 \" names the same header as \"群号\" on line 2\n");
  CHECK(problem("[tables]\nx = 1\n").starts_with(":2:1: unknown table \"x\" in [tables]"));
  CHECK(problem("a = [\n") != "no error");
  CHECK(error_text([&] { load_mapping(dir.path() + "/none.toml"); }) ==
        dir.path() + "/none.toml: cannot open the mapping file\n");
}

TEST_CASE("Chinese headers load with no mapping file; trailing empty columns and rows are noise") {
  TempDir dir;
  dir.write("groups.csv",
            "\n"
            "群编号,群名称,所属组织,期限,工作结束日期,群主,备注,,\n"
            "G1,\u3000群一\u3000,O1,临时,2026年9月1日,P1,说明,,\n"
            "G2,群二,O1,长期,,P2,,\n"  // a row that stops after its last named column
            ",,,,,,,,\n"
            ",,,,,,,,,,\n");
  Inventory inventory = load_dir(dir.path());
  CHECK(query(inventory, "SELECT group_id, name, org_id, term, work_ended_on, owner_id, \"备注\" FROM groups") ==
        "G1|群一|O1|temporary|2026-09-01|P1|说明\n"
        "G2|群二|O1|long|NULL|P2|NULL\n");
  CHECK(query(inventory, "SELECT count(*) FROM pragma_table_info('groups')") == "19\n");  // 18 canonical + 备注
}

TEST_CASE("a value under no header is an error, not noise") {
  TempDir dir;
  dir.write("groups.csv", "group_id,org_id,\nG1,O1,\nG2,O1,x\n");
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() +
            "/groups.csv:3:7: column 3: \"x\" in a column with no header; name the column in the header row\n");
  dir.write("groups.csv", "group_id,org_id\nG1,O1,,x\n");
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() + "/groups.csv:2:1: row has 4 fields; the header has 2\n");
}

TEST_CASE("the mapping file maps file names, headers, values and date formats") {
  TempDir dir;
  dir.write("工作群台账.csv",
            "编号;名称;所属组织;类别;结束;对外;备注\n"
            "G1;群一;O1;短期项目;27/11/2026;允许;x\n"
            "G2;群二;O1;long;46353;不允许;y\n");
  dir.write("inventory.toml",
            "delimiter = \";\"\n"
            "date_format = \"excel-serial\"\n"
            "[tables.groups]\n"
            "file = \"工作群台账.csv\"\n"
            "date_format = [\"DMY\", \"excel-serial\"]\n"
            "[tables.groups.columns]\n"
            "\"编号\" = \"group_id\"\n"
            "\"类别\" = \"term\"\n"
            "\"结束\" = \"work_ended_on\"\n"
            "\"对外\" = \"allows_external\"\n"
            "[tables.groups.values.term]\n"
            "\"短期项目\" = \"temporary\"\n"
            "[tables.groups.values.allows_external]\n"
            "\"允许\" = true\n"
            "\"不允许\" = false\n");
  Inventory inventory = load_dir(dir.path());
  CHECK(query(inventory, "SELECT group_id, name, term, work_ended_on, allows_external, \"备注\" FROM groups") ==
        "G1|群一|temporary|2026-11-27|1|x\nG2|群二|long|2026-11-27|0|y\n");
  CHECK(inventory.loaded().at("groups").source == dir.path() + "/工作群台账.csv");
}

TEST_CASE("a header that maps to nothing required says what to write in the mapping file") {
  TempDir dir;
  dir.write("groups.csv", "编号,名称,所属组织\nG1,x,O1\n");
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() +
            "/groups.csv:1:1: missing required column \"group_id\" in table groups; the header has: 编号, 名称, "
            "所属组织; map one of them in " +
            dir.path() +
            "/inventory.toml: [tables.groups.columns] \"编号\" = "
            "\"group_id\"\n");
  // With that line written, the file loads.
  dir.write("inventory.toml", "[tables.groups.columns]\n\"编号\" = \"group_id\"\n");
  Inventory inventory = load_dir(dir.path());
  CHECK(query(inventory, "SELECT group_id, name, org_id FROM groups") == "G1|x|O1\n");
}

TEST_CASE("two headers for one column are an error, resolved by keeping one as an extra column") {
  TempDir dir;
  dir.write("groups.csv", "群编号,所属组织,群主,负责人\nG1,O1,wx_a,P1\n");
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() +
            "/groups.csv:1:13: columns \"群主\" (3) and \"负责人\" (4) both mean owner_id; keep one of them, or "
            "keep the other as an extra column in " +
            dir.path() +
            "/inventory.toml: [tables.groups.columns] "
            "\"负责人\" = \"负责人\"\n");
  dir.write("inventory.toml", "[tables.groups.columns]\n\"群主\" = \"群主\"\n");
  Inventory inventory = load_dir(dir.path());
  CHECK(query(inventory, "SELECT owner_id, \"群主\" FROM groups") == "P1|wx_a\n");
}

TEST_CASE("directory lookup: .tsv and .txt files, one file per table, mapped files must exist") {
  TempDir dir;
  dir.write("groups.tsv", "group_id\torg_id\tname\nG1\tO1\ta, b\n");
  Inventory inventory = load_dir(dir.path());
  CHECK(query(inventory, "SELECT group_id, name FROM groups") == "G1|a, b\n");

  dir.write("groups.txt", "group_id,org_id\n");
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() + ": both " + dir.path() + "/groups.tsv and " + dir.path() +
            "/groups.txt could be table groups; "
            "keep one, or name it in " +
            dir.path() + "/inventory.toml: [tables.groups] file = \"groups.tsv\"\n");
  dir.write("inventory.toml", "[tables.groups]\nfile = \"工作群.csv\"\n");
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() + "/inventory.toml:2:8: [tables.groups] file = \"工作群.csv\": no such file in " + dir.path() +
            "\n");
  // A table the tool does not need is not looked for.
  CHECK_NOTHROW(load_dir(dir.path(), {"people"}));
}

TEST_CASE("--encoding, --delimiter and --mapping apply to --table files and standard input alike") {
  TempDir dir;
  // 群编号|org_id in GBK: its first two bytes happen to be valid UTF-8 (U+023A), the third is not.
  const std::string gbk = "\xC8\xBA\xB1\xE0\xBA\xC5|org_id\nG1|O1\n";
  InventorySources sources;
  sources.tables.emplace_back("groups", dir.write("export.dat", gbk));
  sources.delimiter = "|";
  sources.encoding = "GBK";
  Inventory inventory = load_inventory(sources, {"groups"}, shanghai());
  CHECK(query(inventory, "SELECT group_id, org_id FROM groups") == "G1|O1\n");

  sources.encoding = "nonesuch";
  CHECK(error_text([&] {
          load_inventory(sources, {"groups"}, shanghai());
        }).starts_with("--encoding nonesuch: unknown encoding; expected auto, utf-8, "));
  sources.encoding.clear();
  sources.mapping = dir.write("m.toml", "[tables.groups]\nencoding = \"utf-8\"\n");
  CHECK(error_text([&] { load_inventory(sources, {"groups"}, shanghai()); }) ==
        dir.path() +
            "/export.dat:1:2: invalid UTF-8 byte 0xB1: the file is not UTF-8 text (chosen by encoding = "
            "\"utf-8\" under [tables.groups] in " +
            dir.path() +
            "/m.toml); name its real encoding, or "
            "convert it to UTF-8 with iconv(1)\n");
}

TEST_CASE("SQLite: tables, views and columns by other names") {
  TempDir dir;
  const std::string path = dir.path() + "/registry.sqlite";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(
        "CREATE TABLE raw (id TEXT, org TEXT, ended INTEGER);"
        "INSERT INTO raw VALUES ('G1', 'O1', 46353), ('G2', 'O1', 20261127), ('G3', 'O1', 'soon');"
        "CREATE VIEW 工作群 AS SELECT id, org AS 所属组织, ended FROM raw WHERE id <> 'G3';"
        "CREATE VIEW bad AS SELECT * FROM raw;");
  }
  InventorySources sources;
  sources.inventories.push_back(path);
  sources.mapping = dir.write("m.toml",
                              "[tables.groups]\ntable = \"工作群\"\ndate_format = \"excel-serial\"\n"
                              "[tables.groups.columns]\n\"id\" = \"group_id\"\n\"ended\" = \"work_ended_on\"\n");
  Inventory inventory = load_inventory(sources, {"groups"}, shanghai());
  CHECK(query(inventory, "SELECT group_id, org_id, work_ended_on FROM groups") ==
        "G1|O1|2026-11-27\nG2|O1|2026-11-27\n");
  // Positions name the database's own table and column, then the schema's column.
  sources.mapping = dir.write("m.toml",
                              "[tables.groups]\ntable = \"bad\"\n[tables.groups.columns]\n"
                              "\"id\" = \"group_id\"\n\"org\" = \"org_id\"\n\"ended\" = \"work_ended_on\"\n");
  CHECK(error_text([&] {
          load_inventory(sources, {"groups"}, shanghai());
        }).starts_with(path + ": bad.ended row 1: work_ended_on: invalid date \"46353\"; expected "));
  sources.mapping = dir.write("m.toml", "[tables.groups]\ntable = \"工作組\"\n");
  CHECK(error_text([&] { load_inventory(sources, {"groups"}, shanghai()); }) ==
        dir.path() + "/m.toml:2:9: [tables.groups] table = \"工作組\": no such table or view in " + path + "\n");
}

TEST_CASE("every variant in tests/fixtures loads into exactly the sample's database") {
  Inventory sample = load_dir(CHATAUDIT_SOURCE_DIR "/samples/jiusan", kAllTables);
  const std::string expected = contents(sample);
  const std::string fixtures = CHATAUDIT_SOURCE_DIR "/tests/fixtures";
  for (const std::string variant : {"gbk-export", "utf16-export", "tsv-export"}) {
    Inventory inventory = load_dir(fixtures + "/" + variant, kAllTables);
    CHECK_MESSAGE(contents(inventory) == expected, variant);
  }
  InventorySources sources;
  sources.inventories.push_back(fixtures + "/renamed.sqlite");
  sources.mapping = fixtures + "/renamed.toml";
  Inventory inventory = load_inventory(sources, kAllTables, shanghai());
  CHECK(contents(inventory) == expected);
  CHECK(contents(inventory).size() > 10000);  // the comparison compares something
}

TEST_CASE("a date another date_format would read says which to set") {
  TempDir dir;
  dir.write("groups.csv", "group_id,org_id,created_on,approved_on,filed_on\nG1,O1,1/11/2026,46353,2026-02-30\n");
  const std::string hint_place = "under [tables.groups] in " + dir.path() + "/inventory.toml";
  const std::string expected = std::string(accepted_date_spellings());
  CHECK(error_text([&] { load_dir(dir.path()); }) ==
        dir.path() + "/groups.csv:2:7: created_on: invalid date \"1/11/2026\"; expected " + expected +
            "; if it is day first or month first, set date_format = \"DMY\" or \"MDY\" " + hint_place + "\n" +
            dir.path() + "/groups.csv:2:17: approved_on: invalid date \"46353\"; expected " + expected +
            "; if it is an Excel serial number, set date_format = \"excel-serial\" " + hint_place + "\n" + dir.path() +
            "/groups.csv:2:23: filed_on: invalid date \"2026-02-30\"; expected " + expected + "\n");
}

// The man page lists the built-in headers; this keeps the list and the code the same.
TEST_CASE("chataudit-inventory(5) lists every built-in header") {
  std::ifstream in(CHATAUDIT_SOURCE_DIR "/man/chataudit-inventory.5", std::ios::binary);
  std::ostringstream page;
  page << in.rdbuf();
  const std::string text = page.str();
  const std::size_t section = text.find(".SH BUILT-IN HEADERS");
  REQUIRE(section != std::string::npos);
  const std::string listed = text.substr(section, text.find(".SH ", section + 1) - section);
  // The page spells non-ASCII characters as \[uXXXX].
  auto roff = [](std::string_view utf8) {
    std::string out;
    for (std::size_t i = 0; i < utf8.size();) {
      const unsigned char lead = static_cast<unsigned char>(utf8[i]);
      const int length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
      std::uint32_t code = length == 1 ? lead : lead & (0xFF >> (length + 1));
      for (int k = 1; k < length; ++k) code = (code << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
      char buffer[16];
      std::snprintf(buffer, sizeof buffer, code < 0x80 ? "%c" : "\\[u%04X]", static_cast<unsigned>(code));
      out += buffer;
      i += static_cast<std::size_t>(length);
    }
    return out;
  };
  std::string current_table;
  for (const BuiltinHeaders& entry : builtin_headers()) {
    const std::string line = ".B " + std::string(entry.column) + "\n" + roff(entry.spellings) + "\n";
    CHECK_MESSAGE(listed.find(".SS " + std::string(entry.table) + "\n") != std::string::npos, entry.table);
    CHECK_MESSAGE(listed.find(line) != std::string::npos, entry.table, ".", entry.column);
  }
}

namespace {

// The text of a roff .EX/.EE block as a reader sees it.
std::string unroff(std::string_view roff) {
  std::string out;
  for (std::size_t i = 0; i < roff.size(); ++i) {
    if (roff.substr(i, 3) == "\\[u") {
      const std::uint32_t code =
          static_cast<std::uint32_t>(std::stoul(std::string(roff.substr(i + 3, 4)), nullptr, 16));
      if (code < 0x800) {  // \[uXXXX] is the BMP: two or three UTF-8 bytes
        out += static_cast<char>(0xC0 | (code >> 6));
      } else {
        out += static_cast<char>(0xE0 | (code >> 12));
        out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      }
      out += static_cast<char>(0x80 | (code & 0x3F));
      i += 7;
    } else if (roff.substr(i, 2) == "\\e") {
      out += '\\';
      ++i;
    } else if (roff.substr(i, 2) == "\\-") {
      out += '-';
      ++i;
    } else {
      out += roff[i];
    }
  }
  return out;
}

// The example blocks of the man page section that starts with `heading`.
std::vector<std::string> man_examples(std::string_view heading) {
  std::ifstream in(CHATAUDIT_SOURCE_DIR "/man/chataudit-inventory.5", std::ios::binary);
  std::ostringstream page;
  page << in.rdbuf();
  const std::string text = page.str();
  const std::size_t start = text.find(std::string(heading) + "\n");
  REQUIRE(start != std::string::npos);
  const std::size_t end = text.find("\n.S", start + 1);
  std::vector<std::string> blocks;
  for (std::size_t at = text.find(".EX\n", start); at < end; at = text.find(".EX\n", at + 1))
    blocks.push_back(unroff(text.substr(at + 4, text.find(".EE\n", at) - at - 4)));
  return blocks;
}

}  // namespace

TEST_CASE("chataudit-inventory(5): the mapping file example is a valid mapping file") {
  const std::vector<std::string> blocks = man_examples(".SH MAPPING FILE");
  REQUIRE(blocks.size() == 1);
  TempDir dir;
  const InventoryMapping mapping = load_mapping(dir.write("m.toml", blocks[0]));
  CHECK(mapping.find("groups")->file == "工作群台账.csv");
  CHECK(mapping.find("groups")->delimiter == '\t');
}

TEST_CASE("chataudit-inventory(5): the worked example is the golden case worked-example") {
  const std::vector<std::string> blocks = man_examples(".SS A spreadsheet export, mapped");
  REQUIRE(blocks.size() >= 3);
  const std::string dir = CHATAUDIT_SOURCE_DIR "/tests/cli/stale-group-finder/worked-example/台账";
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    return bytes.str();
  };
  std::string csv = decode_to_utf8(read(dir + "/工作群台账.csv"), "csv", EncodingChoice{"gbk", "", ""}).text;
  std::erase(csv, '\r');
  CHECK(blocks[0] == csv);
  CHECK(blocks[1] == read(dir + "/inventory.toml"));
  const std::string golden = read(CHATAUDIT_SOURCE_DIR "/tests/cli/stale-group-finder/worked-example/expected.out");
  CHECK(golden.find("G101  宣传月专班群 (G101): work ended 2026-11-01, due 2026-11-08, 19 days overdue") !=
        std::string::npos);
}
