#include "load/inventory.h"

#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>

#include "base/error.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::error_text;
using chataudit::testing::query;
using chataudit::testing::shanghai;
using chataudit::testing::TempDir;

namespace {

Inventory load_groups(const TempDir& dir, std::string_view csv) {
  InventorySources sources;
  sources.tables.emplace_back("groups", dir.write("groups.csv", csv));
  return load_inventory(sources, {"groups"}, shanghai());
}

}  // namespace

TEST_CASE("cells are normalized: dates to ISO, enumerations and booleans to canonical values") {
  TempDir dir;
  Inventory inventory = load_groups(dir,
                                    "group_id,name,org_id,term,status,work_ended_on,allows_external,scope\n"
                                    "G1, 群一 ,O1,临时,已解散,2026年9月1日,是,专项\n"
                                    "G2,群二,O1,,,,,\n"
                                    "G3,群三,O1,Temporary,ACTIVE,20261015,yes,部门\n");
  CHECK(query(inventory,
              "SELECT group_id, name, term, status, work_ended_on, allows_external, scope, owner_id FROM groups") ==
        "G1|群一|temporary|dissolved|2026-09-01|1|task|NULL\n"
        "G2|群二|long|active|NULL|0|org|NULL\n"
        "G3|群三|temporary|active|2026-10-15|1|dept|NULL\n");
  CHECK(inventory.loaded().at("groups").rows_read == 3);
  CHECK(inventory.loaded().at("groups").rows_loaded == 3);
}

TEST_CASE("absent tables exist, empty, with every canonical column") {
  TempDir dir;
  Inventory inventory = load_groups(dir, "group_id,org_id\nG1,O1\n");
  CHECK(query(inventory, "SELECT count(*) FROM people") == "0\n");
  CHECK(query(inventory, "SELECT count(*) FROM pragma_table_info('people')") == "8\n");
  CHECK_FALSE(inventory.has("people"));
  CHECK(inventory.has("groups"));
}

TEST_CASE("extra columns are kept; blank rows are not data") {
  TempDir dir;
  Inventory inventory = load_groups(dir, "group_id,org_id,备注\nG1,O1,说明\n,,\nG2,O1,\n");
  CHECK(query(inventory, "SELECT group_id, \"备注\" FROM groups") == "G1|说明\nG2|NULL\n");
  CHECK(inventory.loaded().at("groups").rows_read == 2);
}

TEST_CASE("bad cells are all listed with file, line and column") {
  TempDir dir;
  const std::string text = error_text([&] {
    load_groups(dir,
                "group_id,org_id,term,work_ended_on,allows_external\n"
                "G1,O1,forever,2026-02-30,maybe\n"
                "G1,O1,long,,\n"
                ",O1,long,,\n");
  });
  const std::string file = dir.path() + "/groups.csv";
  CHECK(text ==
        file + ":2:7: term: unknown term \"forever\"; expected one of long, temporary (or 长期/長期/临时/臨時/短期)\n" +
            file + ":2:15: work_ended_on: invalid date \"2026-02-30\"; expected " +
            std::string(accepted_date_spellings()) + "\n" + file +
            ":2:26: allows_external: invalid boolean \"maybe\"; expected true/false, yes/no, y/n, 1/0 or 是/否\n" +
            file + ":3:1: group_id: duplicate group_id \"G1\" (first on line 2)\n" + file +
            ":4:1: group_id: empty; a value is required\n");
}

TEST_CASE("duplicate keys among thousands are each found, with the line of the first") {
  TempDir dir;
  // 5,000 keys (the table of keys seen grows several times), long and short; three repeated late,
  // one of them twice, and keys that differ only in their last byte or their length.
  std::string csv = "group_id,org_id\n";
  for (int i = 0; i < 5000; ++i) csv += fmt::format("{}{},O1\n", i % 2 ? "G" : "GROUP-WITH-A-LONGER-ID-", i);
  csv += "G4001,O1\nGROUP-WITH-A-LONGER-ID-10,O1\nG7,O1\nG4001,O1\nG40011,O1\nG400,O1\n";
  const std::string text = error_text([&] { load_groups(dir, csv); });
  const std::string file = dir.path() + "/groups.csv";
  CHECK(text == file + ":5002:1: group_id: duplicate group_id \"G4001\" (first on line 4003)\n" + file +
                    ":5003:1: group_id: duplicate group_id \"GROUP-WITH-A-LONGER-ID-10\" (first on line 12)\n" + file +
                    ":5004:1: group_id: duplicate group_id \"G7\" (first on line 9)\n" + file +
                    ":5005:1: group_id: duplicate group_id \"G4001\" (first on line 4003)\n");
}

TEST_CASE("a missing required column or an empty file stops the load") {
  TempDir dir;
  CHECK(error_text([&] { load_groups(dir, "name,org_id\nx,O1\n"); }) ==
        dir.path() +
            "/groups.csv:1:1: missing required column \"group_id\" in table groups; the header has: name, org_id; "
            "add the column, or map a header to it in a mapping file given with --mapping FILE: "
            "[tables.groups.columns] \"HEADER\" = \"group_id\"\n");
  CHECK(error_text([&] { load_groups(dir, ""); }) ==
        dir.path() + "/groups.csv:1:1: empty file; expected a header row naming the columns\n");
  CHECK(error_text([&] { load_groups(dir, "group_id,org_id,GROUP_ID\n"); }) ==
        dir.path() + "/groups.csv:1:17: column \"GROUP_ID\" appears twice (columns 1 and 3)\n");
  CHECK(error_text([&] { load_groups(dir, "group_id,org_id\nG1,O1,x\n"); }) ==
        dir.path() + "/groups.csv:2:1: row has 3 fields; the header has 2\n");
}

TEST_CASE("no more than 100 problems are listed, and the rest are counted") {
  TempDir dir;
  std::string csv = "group_id,org_id,term\n";
  for (int i = 0; i < 130; ++i) csv += "G" + std::to_string(i) + ",O1,bad\n";
  const std::string text = error_text([&] { load_groups(dir, csv); });
  CHECK(std::count(text.begin(), text.end(), '\n') == 101);
  CHECK(text.ends_with("+30\n"));
}

TEST_CASE("a membership naming a group not in the inventory is an input error") {
  TempDir dir;
  InventorySources sources;
  sources.tables.emplace_back("groups", dir.write("groups.csv", "group_id,org_id\nG1,O1\nG2,O1\n"));
  // The same group row after row (found once, then compared with the last found), then one that
  // is missing, between two that are not, and again after them.
  sources.tables.emplace_back("members",
                              dir.write("members.csv", "group_id,handle\nG1,a\nG1,b\nG9,c\nG1,d\nG2,e\nG9,f\n"));
  const std::string text = error_text([&] { load_inventory(sources, {"groups", "members"}, shanghai()); });
  CHECK(text == dir.path() +
                    "/members.csv:4:1: group_id: \"G9\" is not in table groups; the members and groups files do not "
                    "belong together\n" +
                    dir.path() +
                    "/members.csv:7:1: group_id: \"G9\" is not in table groups; the members and groups files do not "
                    "belong together\n");
}

TEST_CASE("tables loaded on two threads report the first bad table in schema order, as one thread would") {
  // orgs and people (referenced by no check) load beside groups and members.
  TempDir dir;
  const std::string bad_orgs = dir.write("orgs.csv", "org_id,level\nO1,central\nO1,local\n");
  const std::string good_orgs = dir.write("orgs_ok.csv", "org_id,level\nO1,central\n");
  const std::string bad_people = dir.write("people.csv", "person_id,status\nP1,asleep\n");
  const std::string good_people = dir.write("people_ok.csv", "person_id,status\nP1,active\n");
  const std::string bad_groups = dir.write("groups.csv", "group_id,org_id,term\nG1,O1,forever\n");
  const std::string good_groups = dir.write("groups_ok.csv", "group_id,org_id\nG1,O1\n");
  const std::string bad_members = dir.write("members.csv", "group_id,handle\nG9,b\n");
  auto first_error = [&](const std::string& orgs, const std::string& people, const std::string& groups) {
    InventorySources sources;
    sources.tables = {{"orgs", orgs}, {"people", people}, {"groups", groups}, {"members", bad_members}};
    const std::string text = error_text([&] {
      load_inventory(sources, {"orgs", "people", "groups", "members"}, shanghai());
    });
    return text.substr(0, text.find(':', dir.path().size()));  // the file
  };
  CHECK(first_error(bad_orgs, bad_people, bad_groups) == bad_orgs);
  CHECK(first_error(good_orgs, bad_people, bad_groups) == bad_people);
  CHECK(first_error(good_orgs, good_people, bad_groups) == bad_groups);
  CHECK(first_error(good_orgs, good_people, good_groups) == bad_members);
  CHECK(first_error(bad_orgs, good_people, good_groups) == bad_orgs);
  // Loaded, all four are there whichever thread read them.
  InventorySources sources;
  sources.tables = {{"orgs", good_orgs},
                    {"people", good_people},
                    {"groups", good_groups},
                    {"members", dir.write("members_ok.csv", "group_id,handle,person_id\nG1,b,P1\n")}};
  Inventory inventory = load_inventory(sources, {"orgs", "people", "groups", "members"}, shanghai());
  CHECK(query(inventory, "SELECT o.level, p.status, g.org_id, m.handle FROM orgs o, people p, groups g, members m") ==
        "central|active|O1|b\n");
}

TEST_CASE("a SQLite inventory is read as text and reported as table.column row N") {
  TempDir dir;
  const std::string path = dir.path() + "/inventory.sqlite";
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(
        "CREATE TABLE groups (group_id TEXT, org_id TEXT, review INTEGER, work_ended_on TEXT);"
        "INSERT INTO groups VALUES ('G1', 'O1', 2, '2026/11/1'), ('G2', 'O1', NULL, NULL);");
  }
  InventorySources sources;
  sources.inventories.push_back(path);
  Inventory inventory = load_inventory(sources, {"groups"}, shanghai());
  CHECK(query(inventory, "SELECT group_id, review, work_ended_on FROM groups") == "G1|2|2026-11-01\nG2|NULL|NULL\n");
  {
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO groups VALUES ('G3', 'O1', 1, 'soon')");
  }
  CHECK(error_text([&] { load_inventory(sources, {"groups"}, shanghai()); }) ==
        path + ": groups.work_ended_on row 3: invalid date \"soon\"; expected " +
            std::string(accepted_date_spellings()) + "\n");
}

TEST_CASE("a path that is neither a directory nor SQLite is refused") {
  TempDir dir;
  InventorySources sources;
  sources.inventories.push_back(dir.write("notes.txt", "hello"));
  CHECK(error_text([&] { load_inventory(sources, {"groups"}, shanghai()); }) ==
        dir.path() + "/notes.txt: neither a directory of CSV files, an .xlsx workbook nor a SQLite database\n");
}

TEST_CASE("a large file read by two threads, one per half, loads as read by one: rows, order, problems") {
  TempDir dir;
  // Loads members.csv (`csv`) after groups G1..G3, splitting it past `split_bytes`: the table's
  // rows, or "error" and the error's lines.
  auto rows_of = [&](const std::string& csv, std::size_t split_bytes) {
    InventorySources sources;
    sources.split_bytes = split_bytes;
    sources.tables.emplace_back("groups", dir.write("groups.csv", "group_id,org_id\nG1,O1\nG2,O1\nG3,O1\n"));
    sources.tables.emplace_back("members", dir.write("members.csv", csv));
    try {
      Inventory inventory = load_inventory(sources, {"groups", "members"}, shanghai());
      return query(inventory, "SELECT rowid, group_id, handle, display_name, joined_on, role FROM members");
    } catch (const Error& error) {
      std::string text = "error\n";
      for (const Diagnostic& d : error.diagnostics()) text += d.to_string() + "\n";
      return text;
    }
  };
  // Quoted fields with line breaks and quotes, CRLF and LF, blank lines, many rows either side.
  std::string csv = "group_id,handle,display_name,joined_on,role\r\n";
  for (int i = 0; i < 400; ++i) {
    csv += fmt::format("G{},h{},\"name {}\"\"\n{}\",2026-0{}-1{},{}\r\n", i % 3 + 1, i, i, i % 7, i % 9 + 1, i % 10,
                       i % 5 ? "member" : "admin");
    if (i % 97 == 0) csv += "\n";
  }
  const std::string whole = rows_of(csv, std::size_t{1} << 40);
  CHECK(whole.starts_with("0|G1|h0|name 0\"\n0|2026-01-10|admin\n1|G2|h1|name 1\"\n1|2026-02-11|member\n"));
  CHECK(std::count(whole.begin(), whole.end(), '\n') == 800);
  // Rows go in 32 at a time: either side of a batch's end, and the last batch's 16 rows.
  CHECK(whole.find("31|G2|h31|name 31\"\n3|2026-05-11|member\n32|G3|h32|name 32\"\n4|2026-06-12|member\n") !=
        std::string::npos);
  CHECK(whole.ends_with("399|G1|h399|name 399\"\n0|2026-04-19|member\n"));
  // A batch that holds more than a mebibyte of text goes in before it has 32 rows.
  std::string long_names = "group_id,handle,display_name\n";
  for (int i = 0; i < 40; ++i)
    long_names += fmt::format(
        "G1,h{},{}\n", i, i % 9 == 4 ? std::string(700000, static_cast<char>('a' + i % 26)) : "n" + std::to_string(i));
  const std::string lengths = [&] {
    InventorySources sources;
    sources.tables.emplace_back("groups", dir.write("groups.csv", "group_id,org_id\nG1,O1\n"));
    sources.tables.emplace_back("members", dir.write("members.csv", long_names));
    Inventory inventory = load_inventory(sources, {"groups", "members"}, shanghai());
    return query(
        inventory,
        "SELECT count(*), sum(length(display_name)), group_concat(substr(display_name, 1, 3), ' ') FROM members");
  }();
  CHECK(lengths ==
        "40|2800099|n0 n1 n2 n3 eee n5 n6 n7 n8 n9 n10 n11 n12 nnn n14 n15 n16 n17 n18 n19 n20 n21 "
        "www n23 n24 n25 n26 n27 n28 n29 n30 fff n32 n33 n34 n35 n36 n37 n38 n39\n");
  CHECK(rows_of(csv, 1) == whole);
  // Problems in both halves: every one, in file order, at its line.
  std::string bad = csv;
  bad.replace(bad.find("2026-02-11"), 10, "2026-02-30");
  bad.replace(bad.rfind("2026-03-12"), 10, "2026-13-12");
  const std::string problems = rows_of(bad, std::size_t{1} << 40);
  CHECK(problems.starts_with("error\n"));
  CHECK(std::count(problems.begin(), problems.end(), '\n') == 3);
  CHECK(rows_of(bad, 1) == problems);
  // A misaligned row in the second half stops the load there, as it does read whole (line 807:
  // the header, 400 rows of two lines, 5 blank lines).
  std::string misaligned = csv + "G1,x,y,2026-01-01,member,extra\r\n";
  CHECK(rows_of(misaligned, 1) == rows_of(misaligned, std::size_t{1} << 40));
  CHECK(rows_of(misaligned, 1).find(":807:1: row has 6 fields; the header has 5") != std::string::npos);
}
