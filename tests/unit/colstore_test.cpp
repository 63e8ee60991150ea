// The column store answers every query as SQLite's own tables do: the same data in an ordinary
// table (`ref`) and in the store (`col`) give the same rows for the same SQL.
#include "store/colstore.h"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "test_support.h"

using namespace chataudit;
using chataudit::testing::StoreConnection;

namespace {

struct Db : StoreConnection {
  void exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error ? error : "";
      sqlite3_free(error);
      FAIL(sql << ": " << message);
    }
  }

  // Every row as text: typeof(value):value, columns joined by |, rows by newlines.
  std::string rows(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      FAIL(sql << ": " << sqlite3_errmsg(handle));
      return {};
    }
    std::string out;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      for (int c = 0; c < sqlite3_column_count(statement); ++c) {
        const int type = sqlite3_column_type(statement, c);
        std::string value;
        if (type == SQLITE_BLOB) {
          const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(statement, c));
          for (int i = 0; i < sqlite3_column_bytes(statement, c); ++i) value += fmt::format("{:02X}", bytes[i]);
        } else if (const auto* text = sqlite3_column_text(statement, c)) {
          value.assign(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(statement, c)));
        }
        out += fmt::format("{}{}:{}", c ? "|" : "", type, value);
      }
      out += '\n';
    }
    sqlite3_finalize(statement);
    return out;
  }

  std::string plan(const std::string& sql) {
    std::string out;
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(handle, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW)
      out += std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 3))) + "\n";
    sqlite3_finalize(statement);
    return out;
  }

  // Copies table `ref` (k, v) into the store as `name` as the loader's two halves do: its first
  // `split` rows into that table, the others into a second one appended to it and released.
  ColumnTable& copy_in_two_parts(const std::string& name, int split) {
    std::vector<std::string> names{"k", "v"}, types{"", ""};
    ColumnTable& first = store.create(name, names, types);
    ColumnTable& second = store.create("part", names, types);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(handle, "SELECT k, v FROM ref ORDER BY rowid", -1, &statement, nullptr);
    for (int row = 0; sqlite3_step(statement) == SQLITE_ROW; ++row)
      (row < split ? first : second).append_row(statement);
    sqlite3_finalize(statement);
    first.append(second);
    store.release(second);
    exec(store.create_statement(first, "main"));
    return first;
  }

  // Copies table `ref` (every row, in rowid order) into the store as virtual table `name`.
  void copy_to_store(const std::string& name, const std::vector<std::string>& columns, const std::string& types) {
    std::vector<std::string> declared(columns.size(), types);
    ColumnTable& table = store.create(name, columns, declared);
    sqlite3_stmt* statement = nullptr;
    sqlite3_prepare_v2(handle, "SELECT * FROM ref ORDER BY rowid", -1, &statement, nullptr);
    while (sqlite3_step(statement) == SQLITE_ROW) table.append_row(statement);
    sqlite3_finalize(statement);
    exec(store.create_statement(table, "main"));
  }
};

// Runs `sql` against ref and col (the word TABLE stands for either) and compares.
void same(Db& db, const std::string& sql) {
  auto with = [&](const std::string& table) {
    std::string out = sql;
    for (std::size_t at = out.find("TABLE"); at != std::string::npos; at = out.find("TABLE", at))
      out.replace(at, 5, table);
    return out;
  };
  const std::string expected = db.rows(with("ref"));
  CHECK_MESSAGE(db.rows(with("col")) == expected, sql);
}

}  // namespace

TEST_CASE("the column store returns SQLite's values, types included, for scans, lookups, joins and orders") {
  Db db;
  // No declared type (no affinity): the values keep the types they were inserted with.
  db.exec("CREATE TABLE ref(k, v)");
  db.exec(
      "INSERT INTO ref VALUES ('a', 1), ('b', '1'), ('a', 1.0), (NULL, NULL), ('c', x'00ff'), ('b', 2), "
      "('', ''), ('a', 'x'), (2, 'two'), ('2', 'text two'), (1.5, -0.0), ('é', 'accent'), ('a', 1)");
  db.copy_to_store("col", {"k", "v"}, "");
  for (const char* sql : {
           "SELECT k, v FROM TABLE",
           "SELECT k, v FROM TABLE WHERE k = 'a'",
           "SELECT k, v FROM TABLE WHERE k = 'zzz'",
           "SELECT k, v FROM TABLE WHERE v = 1",
           "SELECT k, v FROM TABLE WHERE v = '1'",
           "SELECT k, v FROM TABLE WHERE v = 1.0",
           "SELECT k, v FROM TABLE WHERE k = 2",
           "SELECT k, v FROM TABLE WHERE k = '2'",
           "SELECT k, v FROM TABLE WHERE k = NULL",
           "SELECT k, v FROM TABLE WHERE k IS NULL",
           "SELECT k, v FROM TABLE WHERE k = ''",
           "SELECT k, v FROM TABLE WHERE k IN ('a', 'b') ORDER BY rowid",
           "SELECT k, v FROM TABLE WHERE k = 'A' COLLATE NOCASE",
           "SELECT k, v FROM TABLE ORDER BY k, v",
           "SELECT k, count(*), sum(v = 1) FROM TABLE GROUP BY k",
           "SELECT DISTINCT k FROM TABLE ORDER BY 1",
           "SELECT typeof(k), length(k), hex(k) FROM TABLE",
           "SELECT t.k, u.v FROM TABLE t JOIN TABLE u ON u.k = t.k ORDER BY 1, 2",
           "SELECT t.k, (SELECT count(*) FROM TABLE u WHERE u.k = t.k AND u.v = t.v) FROM TABLE t",
       })
    same(db, sql);
  CHECK(db.plan("SELECT v FROM col WHERE k = 'a'").find("VIRTUAL TABLE INDEX 1:") != std::string::npos);
  CHECK(db.plan("SELECT k, count(*) FROM col GROUP BY k").find("TEMP B-TREE") == std::string::npos);
}

TEST_CASE("declared types keep SQLite's comparison affinity") {
  Db db;
  db.exec("CREATE TABLE ref(id TEXT, n INTEGER)");
  db.exec("INSERT INTO ref VALUES ('1', 1), ('01', 2), ('2', 3), (NULL, NULL)");
  db.copy_to_store("col", {"id", "n"}, "");  // types come from the table below instead
  ColumnTable& typed = db.store.create("typed", {"id", "n"}, {"TEXT", "INTEGER"});
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db.handle, "SELECT * FROM ref", -1, &statement, nullptr);
  while (sqlite3_step(statement) == SQLITE_ROW) typed.append_row(statement);
  sqlite3_finalize(statement);
  db.exec(db.store.create_statement(typed, "main"));
  // TEXT affinity turns 1 into '1'; INTEGER affinity turns '2' into 2.
  CHECK(db.rows("SELECT n FROM typed WHERE id = 1") == db.rows("SELECT n FROM ref WHERE id = 1"));
  CHECK(db.rows("SELECT n FROM typed WHERE id = 1") == "1:1\n");
  CHECK(db.rows("SELECT id FROM typed WHERE n = '2'") == "3:01\n");
  CHECK(db.rows("SELECT id FROM typed WHERE n = 2.0") == "3:01\n");
}

TEST_CASE("codes widen past 255 and 65,535 distinct values; lookups and orders stay exact") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 69999) "
      "INSERT INTO ref SELECT printf('k%05d', (i * 7919) % 70000), i % 300 FROM n");
  db.copy_to_store("col", {"k", "v"}, "");
  for (const char* sql : {
           "SELECT count(*), count(DISTINCT k), count(DISTINCT v), sum(length(k)) FROM TABLE",
           "SELECT k, v FROM TABLE WHERE k = 'k69999'",
           "SELECT k, v FROM TABLE WHERE k = 'k00000'",
           "SELECT count(*) FROM TABLE WHERE v = 299",
           "SELECT k FROM TABLE ORDER BY k LIMIT 5",
           "SELECT v, count(*) FROM TABLE GROUP BY v ORDER BY v DESC LIMIT 3",
       })
    same(db, sql);
}

TEST_CASE("the store is read-only") {
  Db db;
  db.exec("CREATE TABLE ref(k)");
  db.exec("INSERT INTO ref VALUES ('a')");
  db.copy_to_store("col", {"k"}, "TEXT");
  CHECK(sqlite3_exec(db.handle, "UPDATE col SET k = 'b'", nullptr, nullptr, nullptr) == SQLITE_READONLY);
  CHECK(sqlite3_exec(db.handle, "DELETE FROM col", nullptr, nullptr, nullptr) == SQLITE_READONLY);
  CHECK(db.rows("SELECT k FROM col") == "3:a\n");
  CHECK(sqlite3_exec(db.handle, "CREATE VIRTUAL TABLE x USING chataudit_columns(99)", nullptr, nullptr, nullptr) ==
        SQLITE_ERROR);
  CHECK(std::string(sqlite3_errmsg(db.handle)) == "chataudit_columns: no stored table 99");
}

TEST_CASE("a shared-out scan: the parts of a plain join, in order, are the whole; anything else is refused") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
      "INSERT INTO ref SELECT 'k' || (i % 37), i FROM n");
  db.copy_to_store("col", {"k", "v"}, "");
  db.copy_to_store("other", {"k", "v"}, "");
  auto parts = [&](const std::string& sql, std::size_t count, bool& held) {
    std::string out;
    held = true;
    for (std::size_t i = 0; i < count; ++i) {
      ShardScope scope(i, count);
      out += db.rows(sql);
      held = held && scope.held();
    }
    return out;
  };
  bool held = false;
  const std::string join = "SELECT c.k, c.v, o.v FROM col c JOIN other o ON o.k = c.k AND o.v = c.v + 37";
  CHECK(parts(join, 3, held) == db.rows(join));
  CHECK(held);
  CHECK(parts("SELECT k, v FROM col WHERE v % 7 = 0", 2, held) == db.rows("SELECT k, v FROM col WHERE v % 7 = 0"));
  CHECK(held);
  // The first filter is a lookup, not a scan.
  parts("SELECT v FROM col WHERE k = 'k1'", 2, held);
  CHECK_FALSE(held);
  // A GROUP BY reads the table in order: no scan to share.
  parts("SELECT k, count(*) FROM col GROUP BY k", 2, held);
  CHECK_FALSE(held);
  // The first scan is filtered again for every outer row (a correlated subquery's inner scan).
  parts("SELECT (SELECT count(*) FROM col c WHERE c.v < o.v) FROM (SELECT 1 AS v UNION ALL SELECT 500) o", 2, held);
  CHECK_FALSE(held);
  // Outside a scope nothing is shared out.
  CHECK(db.rows("SELECT count(*) FROM col") == "1:1000\n");
}

TEST_CASE("a column of distinct values and no NULL finds a value's one row without a posting list") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
      "INSERT INTO ref SELECT 'k' || i, i % 10 FROM n");
  db.copy_to_store("col", {"k", "v"}, "");
  const ColumnTable& table = *db.store.find("col");
  CHECK(table.column(0).one_row_per_code());
  CHECK_FALSE(table.column(1).one_row_per_code());
  for (const char* sql : {
           "SELECT k, v FROM TABLE WHERE k = 'k0'",
           "SELECT k, v FROM TABLE WHERE k = 'k999'",
           "SELECT k, v FROM TABLE WHERE k = 'k1000'",
           "SELECT k, v FROM TABLE WHERE k = 'k5' AND v = 5",
           "SELECT k, v FROM TABLE WHERE k = 'k5' AND v = 6",
           "SELECT t.k, u.v FROM TABLE t JOIN TABLE u ON u.k = t.k WHERE t.v = 3 ORDER BY 1",
           "SELECT t.k, (SELECT count(*) FROM TABLE u WHERE u.k = t.k) FROM TABLE t WHERE t.v = 7",
       })
    same(db, sql);
  CHECK(db.rows("SELECT rowid, v FROM col WHERE k = 'k123'") == "1:123|1:3\n");
  // With a NULL, or a value twice, rows are found through the lists.
  db.exec("DROP TABLE ref");
  db.exec("CREATE TABLE ref(k)");
  db.exec("INSERT INTO ref VALUES ('a'), (NULL), ('c')");
  db.copy_to_store("with_null", {"k"}, "");
  CHECK_FALSE(db.store.find("with_null")->column(0).one_row_per_code());
  CHECK(db.rows("SELECT rowid FROM with_null WHERE k = 'c'") == "1:2\n");
}

TEST_CASE("a sealed column of codes 1, 2, 3 … in row order stores none; reads, lookups, joins and orders stay exact") {
  Db db;
  db.exec("CREATE TABLE ref(k, v, w)");
  // k: every row a value of its own (a key); v: ten values; w: distinct but for its last row.
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999) "
      "INSERT INTO ref SELECT 'k' || i, i % 10, CASE WHEN i < 999 THEN 'w' || i ELSE 'w0' END FROM n");
  db.copy_to_store("col", {"k", "v", "w"}, "");
  ColumnTable& table = *const_cast<ColumnTable*>(db.store.find("col"));
  table.seal();
  CHECK(table.column(0).sealed());
  CHECK_FALSE(table.column(1).sealed());
  CHECK_FALSE(table.column(2).sealed());
  CHECK(table.column(0).code(0) == 1);
  CHECK(table.column(0).code(999) == 1000);
  CHECK(table.column(0).one_row_per_code());
  CHECK_FALSE(table.column(0).has_postings());  // known from the seal: no posting list built
  CHECK_FALSE(table.column(2).one_row_per_code());
  const std::vector<const char*> queries{
      "SELECT k, v, w FROM TABLE ORDER BY rowid",
      "SELECT k, v FROM TABLE WHERE k = 'k0'",
      "SELECT k, v FROM TABLE WHERE k = 'k999'",
      "SELECT k, v FROM TABLE WHERE k = 'k1000'",
      "SELECT k, w FROM TABLE WHERE w = 'w0'",
      "SELECT k FROM TABLE ORDER BY k LIMIT 5",
      "SELECT t.k, u.v FROM TABLE t JOIN TABLE u ON u.k = t.k WHERE t.v = 3 ORDER BY 1",
      "SELECT count(DISTINCT k), min(k), max(k) FROM TABLE",
  };
  for (const char* sql : queries) same(db, sql);
  // A row pushed after the seal: the codes are stored again, the old ones unchanged. (On a copy
  // no query has read: a table is complete before it is read, see ColumnTable::end_row.)
  db.copy_to_store("again", {"k", "v", "w"}, "");
  ColumnTable& again = *const_cast<ColumnTable*>(db.store.find("again"));
  again.seal();
  CHECK(again.column(0).sealed());
  db.exec("INSERT INTO ref VALUES ('k5', 5, 'w5')");
  again.column(0).push_text("k5");
  again.column(1).push_integer(5);
  again.column(2).push_text("w5");
  again.end_row();
  CHECK_FALSE(again.column(0).sealed());
  CHECK(again.column(0).code(999) == 1000);
  CHECK(again.column(0).code(1000) == 6);
  for (const char* sql : queries) {
    auto with = [&](const std::string& name) {
      std::string out = sql;
      for (std::size_t at = out.find("TABLE"); at != std::string::npos; at = out.find("TABLE", at))
        out.replace(at, 5, name);
      return out;
    };
    CHECK_MESSAGE(db.rows(with("again")) == db.rows(with("ref")), sql);
  }
  // An empty column and one whose first value is NULL are not sealed.
  db.exec("DROP TABLE ref");
  db.exec("CREATE TABLE ref(k)");
  db.copy_to_store("empty", {"k"}, "");
  db.exec("INSERT INTO ref VALUES (NULL), ('a')");
  db.copy_to_store("nulls", {"k"}, "");
  const_cast<ColumnTable*>(db.store.find("empty"))->seal();
  const_cast<ColumnTable*>(db.store.find("nulls"))->seal();
  CHECK_FALSE(db.store.find("empty")->column(0).sealed());
  CHECK_FALSE(db.store.find("nulls")->column(0).sealed());
}

TEST_CASE("appending a table takes its rows, values and bytes") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  db.exec("INSERT INTO ref VALUES ('a', 1), ('b', NULL), ('a', 2.5)");
  const ColumnTable& first = db.copy_in_two_parts("joined", 2);
  CHECK(db.rows("SELECT k, v FROM joined") == "3:a|1:1\n3:b|5:\n3:a|2:2.5\n");
  CHECK(db.rows("SELECT v FROM joined WHERE k = 'a'") == "1:1\n2:2.5\n");
  CHECK(first.column(0).distinct() == 3);  // NULL, 'a', 'b'
  // A large second part (65,536 rows or more): its columns merge on two threads.
  db.exec("DROP TABLE ref");
  db.exec("CREATE TABLE ref(k, v)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 139999) "
      "INSERT INTO ref SELECT 'k' || (i * 7 % 100003), CASE WHEN i % 13 THEN i % 300 END FROM n");
  db.copy_in_two_parts("col", 70000);
  for (const char* sql : {"SELECT k, v FROM TABLE ORDER BY rowid", "SELECT v, count(*) FROM TABLE GROUP BY v",
                          "SELECT k, v FROM TABLE WHERE k = 'k99999'"})
    same(db, sql);
}

TEST_CASE(
    "texts and blobs of up to 12 bytes are held in the dictionary itself, longer ones apart: both read back exactly") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  // Lengths around the boundary (11, 12, 13 bytes), empty ones, CJK (3 bytes a character), blobs
  // with NUL bytes, repeated values.
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN";
  const std::string blob = "x'000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F2021222324252627'";
  for (const int n : {0, 1, 11, 12, 13, 40, 12, 13})
    db.exec(fmt::format("INSERT INTO ref VALUES ('{}', substr({}, 1, {}))",
                        alphabet.substr(0, static_cast<std::size_t>(n)), blob, n));
  db.exec(
      "INSERT INTO ref VALUES ('张三丰', '张三丰张'), ('欧阳娜娜丽', '欧阳娜娜'), ('张三丰', x''), ('abcdefghijkL', "
      "'x')");
  // Rows into two tables, the second appended to the first and released: every value must stay.
  const ColumnTable& first = db.copy_in_two_parts("col", 5);
  for (const char* sql : {
           "SELECT k, v FROM TABLE ORDER BY rowid",
           "SELECT k, v FROM TABLE WHERE k = 'abcdefghijk'",
           "SELECT k, v FROM TABLE WHERE k = 'abcdefghijkl'",
           "SELECT k, v FROM TABLE WHERE k = 'abcdefghijklm'",
           "SELECT k, v FROM TABLE WHERE k = '张三丰'",
           "SELECT k, v FROM TABLE WHERE v = x'000102030405060708090A0B'",
           "SELECT k, v FROM TABLE WHERE v = x'000102030405060708090A0B0C'",
           "SELECT k, v FROM TABLE ORDER BY k, v",
           "SELECT v, count(*) FROM TABLE GROUP BY v ORDER BY v",
           "SELECT k, length(k), hex(k), typeof(v), length(v), hex(v) FROM TABLE",
           "SELECT t.k, u.v FROM TABLE t JOIN TABLE u ON u.k = t.k ORDER BY 1, 2",
       })
    same(db, sql);
  CHECK(first.column(0).distinct() == 10);  // NULL and nine texts
  CHECK(db.rows("SELECT k FROM col WHERE k = 'abcdefghijklm'") == "3:abcdefghijklm\n3:abcdefghijklm\n");
}

TEST_CASE("an ordered scan that jumps about the table reads the codes it needs from copies in that order") {
  Db db;
  db.exec("CREATE TABLE ref(k, v, w)");
  // 60,000 rows whose k order visits them far apart; v repeats; w in row order.
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59999) "
      "INSERT INTO ref SELECT printf('k%06d', (i * 7919) % 60000), (i % 97) || 'v', i FROM n");
  db.copy_to_store("col", {"k", "v", "w"}, "");
  for (const char* sql : {
           "SELECT k, v FROM TABLE ORDER BY k",
           "SELECT k, v, w FROM TABLE ORDER BY k LIMIT 5 OFFSET 30000",
           "SELECT v, count(*), min(k), max(w) FROM TABLE GROUP BY v",
           "SELECT w, k FROM TABLE ORDER BY w",
           "SELECT k FROM TABLE WHERE v = '5v' ORDER BY k",
       })
    same(db, sql);
  CHECK(db.plan("SELECT k, v FROM col ORDER BY k").find("USE TEMP B-TREE") == std::string::npos);
  const ColumnTable& table = *db.store.find("col");
  CHECK(table.ordered_codes({0}, 1) != nullptr);  // k order: far apart
  CHECK(table.ordered_codes({2}, 0) == nullptr);  // w order: the rows' own
  const BigVector<std::uint32_t>& order = table.ordered_by({0});
  const std::uint32_t* codes = table.ordered_codes({0}, 1);
  bool same_codes = true;
  for (std::size_t i = 0; i < order.size(); ++i) same_codes = same_codes && codes[i] == table.column(1).code(order[i]);
  CHECK(same_codes);
}

TEST_CASE("a column of all-distinct values stops hashing them while filling; lookups still find every row") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  // 1,200,000 rows: the first 1,048,576 all distinct, then repeats of earlier values.
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1199999) "
      "INSERT INTO ref SELECT 'id' || (CASE WHEN i < 1048576 THEN i ELSE i - 1048576 END), i FROM n");
  db.copy_to_store("col", {"k", "v"}, "");
  const ColumnTable* table = db.store.find("col");
  REQUIRE(table != nullptr);
  CHECK_FALSE(table->column(0).deduplicated());
  CHECK(table->column(1).deduplicated() == false);  // v: every value distinct too
  for (const char* sql : {
           "SELECT k, v FROM TABLE WHERE k = 'id5'",
           "SELECT k, v FROM TABLE WHERE k = 'id1048575'",
           "SELECT k, v FROM TABLE WHERE k = 'id151423'",
           "SELECT count(*) FROM TABLE WHERE v = 1100000",
           "SELECT count(*), count(DISTINCT k) FROM TABLE",
       })
    same(db, sql);
  CHECK(db.rows("SELECT v FROM col WHERE k = 'id7' ORDER BY rowid") == "1:7\n1:1048583\n");
}

namespace {

// Fills store table `name` with the rows of `sql` as the engine fills a view: a column SQLite
// names a stored column as the origin of is a reference to it. False when a row's references did
// not hold (the table is then left as it is). Settled with references kept to columns of more
// than 1,000 values.
// With `narrowed`, as the engine fills a plain join: SQLite returns only the columns
// witnessed_columns() names (REQUIREd to be some), through the view's SQL as a WITH clause.
bool fill_view(Db& db, const std::string& name, const std::string& sql, std::size_t part = 0, std::size_t parts = 1,
               ColumnTable** filled = nullptr, bool narrowed = false) {
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.handle, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK);
  std::vector<std::string> names, types;
  for (int c = 0; c < sqlite3_column_count(statement); ++c) {
    names.emplace_back(sqlite3_column_name(statement, c));
    types.emplace_back();
  }
  ColumnTable& table = db.store.create(name, names, types);
  if (filled) *filled = &table;
  db.store.refer(table, statement);
  if (narrowed) {
    const std::vector<int> columns = table.witnessed_columns();
    REQUIRE_FALSE(columns.empty());
    std::string all, selected;
    for (std::size_t i = 0; i < names.size(); ++i) all += fmt::format("{}c{}", i ? ", " : "", i);
    for (const int column : columns) selected += fmt::format("{}c{}", selected.empty() ? "" : ", ", column);
    const std::string narrow = fmt::format("WITH v({}) AS ({}) SELECT {} FROM v", all, sql, selected);
    sqlite3_finalize(statement);
    REQUIRE(sqlite3_prepare_v2(db.handle, narrow.c_str(), -1, &statement, nullptr) == SQLITE_OK);
  }
  bool kept = true;
  {
    CursorTracking tracking;
    std::optional<ShardScope> scope;
    if (parts > 1) scope.emplace(part, parts);
    while (kept && sqlite3_step(statement) == SQLITE_ROW)
      kept = narrowed ? table.append_witnessed_row(statement) : table.append_row(statement);
  }
  sqlite3_finalize(statement);
  if (kept && parts == 1) {
    table.settle(1000);
    db.exec(db.store.create_statement(table, "main"));
  }
  return kept;
}

}  // namespace

TEST_CASE(
    "a view's columns passed through from stored tables keep the source's rows; reading them gives the view's values") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  // 300 groups (more than 256: two-byte codes), 3,000 members with many distinct names.
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 2999) "
      "INSERT INTO ref SELECT 'g' || (i % 301), CASE WHEN i % 11 = 0 THEN NULL ELSE 'name ' || (i * 7919 % 2999) END "
      "FROM n");
  db.copy_to_store("members", {"k", "v"}, "");
  db.exec("DROP TABLE ref");
  db.exec("CREATE TABLE ref(k, label)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299) "
      "INSERT INTO ref SELECT 'g' || i, CASE WHEN i % 5 THEN 'group ' || i END FROM n");
  db.copy_to_store("groups", {"k", "label"}, "");
  db.exec("CREATE TABLE members_ref AS SELECT * FROM members");
  db.exec("CREATE TABLE groups_ref AS SELECT * FROM groups");

  // A join and an outer join (groups g300 is missing: its members get NULL labels), a computed column.
  const std::string view =
      "SELECT m.k, m.v, g.label, g.k AS group_key, m.v || '!' AS shouted "
      "FROM members m LEFT JOIN groups g ON g.k = m.k WHERE m.k <> 'g7'";
  ColumnTable* table = nullptr;
  REQUIRE(fill_view(db, "joined", view, 0, 1, &table));
  CHECK(table->layout() ==
        "  k: codes into another column's values\n"
        "  v: codes into another column's values\n"  // the last column from members: its rows go
        "  label: codes into another column's values\n"
        "  group_key: codes into another column's values\n"
        "  shouted: values\n");
  db.exec("CREATE TABLE joined_ref AS " + std::string(view)
                                              .replace(view.find("members m"), 9, "members_ref m")
                                              .replace(view.find("groups g") + 4, 8, "groups_ref g"));
  for (const char* sql :
       {"SELECT * FROM TABLE", "SELECT * FROM TABLE WHERE v = 'name 7'", "SELECT * FROM TABLE WHERE label IS NULL",
        "SELECT k, count(*), count(v), min(v) FROM TABLE GROUP BY k",
        "SELECT v, count(*) FROM TABLE GROUP BY v ORDER BY v", "SELECT * FROM TABLE WHERE group_key = 'g300'"})
    CHECK(db.rows(std::string(sql).replace(std::string(sql).find("TABLE"), 5, "joined")) ==
          db.rows(std::string(sql).replace(std::string(sql).find("TABLE"), 5, "joined_ref")));
  CHECK(db.rows("SELECT count(*), count(label), count(group_key) FROM joined") == "1:2990|1:2382|1:2981\n");

  // A view of that view: its reference leads to the members' rows, not through the view's.
  ColumnTable* again = nullptr;
  REQUIRE(fill_view(db, "again", "SELECT j.v, j.shouted FROM joined j WHERE j.k = 'g3'", 0, 1, &again));
  CHECK(again->layout() == "  v: rows of joined\n  shouted: rows of joined\n");
  CHECK(db.rows("SELECT * FROM again") == db.rows("SELECT v, shouted FROM joined_ref WHERE k = 'g3'"));

  // Shared out in parts, put together: the same table.
  ColumnTable *first = nullptr, *second = nullptr;
  REQUIRE(fill_view(db, "halves", view, 0, 2, &first));
  REQUIRE(fill_view(db, "halves", view, 1, 2, &second));
  first->append(*second);
  db.store.release(*second);
  first->settle(1000);
  db.exec(db.store.create_statement(*first, "main"));
  CHECK(db.rows("SELECT * FROM halves") == db.rows("SELECT * FROM joined_ref"));

  SUBCASE("filled through a narrowed statement: the same table, whole or in parts") {
    ColumnTable* narrow = nullptr;
    REQUIRE(fill_view(db, "narrow", view, 0, 1, &narrow, true));
    CHECK(narrow->layout() == table->layout());
    CHECK(db.rows("SELECT * FROM narrow") == db.rows("SELECT * FROM joined_ref"));
    ColumnTable *one = nullptr, *two = nullptr;
    REQUIRE(fill_view(db, "narrow_halves", view, 0, 2, &one, true));
    REQUIRE(fill_view(db, "narrow_halves", view, 1, 2, &two, true));
    one->append(*two);
    db.store.release(*two);
    one->settle(1000);
    db.exec(db.store.create_statement(*one, "main"));
    CHECK(db.rows("SELECT * FROM narrow_halves") == db.rows("SELECT * FROM joined_ref"));
    // Two groups on one source (a view's reference and its own codes) share one witness.
    ColumnTable* deeper = nullptr;
    REQUIRE(fill_view(db, "deeper", "SELECT j.v, j.label, j.shouted, j.k FROM joined j", 0, 1, &deeper, true));
    CHECK(db.rows("SELECT * FROM deeper") == db.rows("SELECT v, label, shouted, k FROM joined_ref"));
  }
}

TEST_CASE("settling a large view gives its columns of few values codes of their own, on two threads, the same values") {
  Db db;
  db.exec("CREATE TABLE ref(k, v, w, x)");
  // 70,000 rows (past the 65,536 from which settle() shares columns out): k of 300 values (two-byte
  // codes), v of 7, w and x all distinct.
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 69999) "
      "INSERT INTO ref SELECT 'k' || (i * 31 % 300), CASE WHEN i % 7 THEN 'v' || (i % 7) END, 'w' || i, i FROM n");
  db.copy_to_store("source", {"k", "v", "w", "x"}, "");
  // w and x: two columns of many values from one table keep its rows (one row for both; here
  // every row of it in order, so they read its rows directly) ...
  ColumnTable* view = nullptr;
  REQUIRE(fill_view(db, "view", "SELECT s.k, s.v, s.w, s.x FROM source s", 0, 1, &view));
  CHECK(view->layout() ==
        "  k: codes into another column's values\n"
        "  v: codes into another column's values\n"
        "  w: rows of source, one for one\n"
        "  x: rows of source, one for one\n");
  CHECK(db.rows("SELECT * FROM view") == db.rows("SELECT * FROM ref"));
  CHECK(db.rows("SELECT k, count(*) FROM view GROUP BY k") == db.rows("SELECT k, count(*) FROM ref GROUP BY k"));
  // ... and one alone gets codes of its own (no larger than the rows, which go).
  ColumnTable* alone = nullptr;
  REQUIRE(fill_view(db, "alone", "SELECT s.k, s.w FROM source s WHERE s.v IS NOT NULL", 0, 1, &alone));
  CHECK(alone->layout() == "  k: codes into another column's values\n  w: codes into another column's values\n");
  CHECK(db.rows("SELECT * FROM alone") == db.rows("SELECT k, w FROM ref WHERE v IS NOT NULL"));
  CHECK(db.rows("SELECT w FROM alone WHERE w = 'w69998'") == "3:w69998\n");
}

TEST_CASE("a narrowed fill of a view over a view: three groups of references share the source's one witness") {
  Db db;
  // Two tables of 2,000 keys each (more than settle's 1,000: their references stay rows, two
  // columns from each).
  for (const char* name : {"a", "b"}) {
    db.exec("CREATE TABLE ref(k, k2)");
    db.exec(
        fmt::format("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 1999) "
                    "INSERT INTO ref SELECT '{0}' || i, '{0}' || i || '.2' FROM n",
                    name));
    db.copy_to_store(name, {"k", "k2"}, "");
    db.exec("DROP TABLE ref");
  }
  ColumnTable* ab = nullptr;
  REQUIRE(fill_view(db, "ab",
                    "SELECT a.k AS ak, b.k AS bk, a.k || '-' || b.k AS own, a.k2 AS ak2, b.k2 AS bk2 "
                    "FROM a JOIN b ON b.k = 'b' || substr(a.k, 2)",
                    0, 1, &ab));
  CHECK(ab->layout() ==
        "  ak: rows of a, one for one\n  bk: rows of b, one for one\n  own: values\n  ak2: rows of a, one for one\n"
        "  bk2: rows of b, one for one\n");
  // b's rows in reverse: as many as b has, but not one for one.
  ColumnTable* reversed = nullptr;
  const std::string backwards =
      "SELECT a.k AS ak, a.k2 AS ak2, b.k AS bk, b.k2 AS bk2 FROM a JOIN b ON b.k = 'b' || (1999 - substr(a.k, 2))";
  REQUIRE(fill_view(db, "reversed", backwards, 0, 1, &reversed));
  CHECK(reversed->layout() ==
        "  ak: rows of a, one for one\n  ak2: rows of a, one for one\n  bk: rows of b\n  bk2: rows of b\n");
  CHECK(db.rows("SELECT * FROM reversed WHERE ak = 'a3'") == "3:a3|3:a3.2|3:b1996|3:b1996.2\n");
  CHECK(db.rows("SELECT count(*), count(DISTINCT bk) FROM reversed WHERE bk2 = bk || '.2'") == "1:2000|1:2000\n");
  // Over ab: one group through a's rows, one through b's, one of ab's own values; one cursor.
  const std::string over = "SELECT x.bk, x.own, x.ak, length(x.own) AS n FROM ab x WHERE x.ak <> 'a7'";
  ColumnTable *checked = nullptr, *narrow = nullptr;
  REQUIRE(fill_view(db, "checked", over, 0, 1, &checked));
  REQUIRE(fill_view(db, "narrow", over, 0, 1, &narrow, true));
  CHECK(narrow->layout() == checked->layout());
  CHECK(db.rows("SELECT count(*) FROM narrow") == "1:1999\n");
  CHECK(db.rows("SELECT * FROM narrow") == db.rows("SELECT * FROM checked"));
  CHECK(db.rows("SELECT * FROM narrow WHERE ak = 'a1999'") == "3:b1999|3:a1999-b1999|3:a1999|1:11\n");
  // Over reversed, whose b group is not one for one (its rows lead on to b's), and ab (whose are).
  const std::string through = "SELECT r.bk2, r.ak, x.own FROM reversed r JOIN ab x ON x.ak = r.ak WHERE r.ak <> 'a9'";
  ColumnTable *plain = nullptr, *through_narrow = nullptr;
  REQUIRE(fill_view(db, "through", through, 0, 1, &plain));
  REQUIRE(fill_view(db, "through_narrow", through, 0, 1, &through_narrow, true));
  CHECK(db.rows("SELECT count(*) FROM through") == "1:1999\n");
  CHECK(db.rows("SELECT * FROM through WHERE ak = 'a3'") == "3:b1996.2|3:a3|3:a3-b3\n");
  CHECK(db.rows("SELECT * FROM through_narrow") == db.rows("SELECT * FROM through"));
}

TEST_CASE("a narrowed fill needs a witness per source table and refuses rows its cursors did not give") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  db.exec("INSERT INTO ref VALUES ('a', 1), ('b', NULL), ('c', 3)");
  db.copy_to_store("t", {"k", "v"}, "");
  db.exec("DROP TABLE ref");
  db.exec("CREATE TABLE ref(k, w)");
  db.exec("INSERT INTO ref VALUES ('a', NULL), (NULL, 'x')");
  db.copy_to_store("u", {"k", "w"}, "");
  // u's columns both hold a NULL: no witness for u, so no narrowed statement.
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db.handle, "SELECT t.k, u.w FROM t LEFT JOIN u ON u.k = t.k", -1, &statement, nullptr) ==
          SQLITE_OK);
  ColumnTable& table = db.store.create("tu", {"k", "w"}, {"", ""});
  db.store.refer(table, statement);
  sqlite3_finalize(statement);
  CHECK(table.has_references());
  CHECK(table.witnessed_columns().empty());
  // t.k holds no NULL (t.v does): the witness; the rows of a sort come after the scan: refused.
  CHECK_FALSE(fill_view(db, "sorted", "SELECT k, v FROM t ORDER BY v DESC", 0, 1, nullptr, true));
  ColumnTable* plain = nullptr;
  REQUIRE(fill_view(db, "plain", "SELECT v, k FROM t", 0, 1, &plain, true));
  CHECK(db.rows("SELECT * FROM plain") == "1:1|3:a\n5:|3:b\n1:3|3:c\n");
}

TEST_CASE(
    "a narrowed fill whose witness is the key an inner lookup followed: the rows and values of the checked fill") {
  Db db;
  // outer(k, a): 400 keys, a quarter of them unknown to inner (an outer join's unmatched side);
  // short keys held in the dictionary, long ones in the arena.
  db.exec("CREATE TABLE ref(k, a)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 399) "
      "INSERT INTO ref SELECT CASE WHEN i % 2 THEN 'k' || i ELSE 'a-key-longer-than-twelve-' || i END, 'a' || i FROM "
      "n");
  db.copy_to_store("outer_keys", {"k", "a"}, "");
  db.exec("DROP TABLE ref");
  // once(k, v): each of the first 300 keys once (a one-row lookup); thrice(k, v): each three times
  // (a posting list). v has few values, so that k (no NULL, most values) is the witness.
  for (const auto& [name, copies] : {std::pair{"once", 1}, std::pair{"thrice", 3}}) {
    db.exec("CREATE TABLE ref(k, v)");
    db.exec(
        fmt::format("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {}) "
                    "INSERT INTO ref SELECT CASE WHEN (i % 300) % 2 THEN 'k' || (i % 300) ELSE "
                    "'a-key-longer-than-twelve-' || (i % 300) END, "
                    "i % 7 FROM n",
                    300 * copies - 1));
    db.copy_to_store(name, {"k", "v"}, "");
    db.exec("DROP TABLE ref");
  }
  for (const char* inner : {"once", "thrice"}) {
    for (const char* join : {"JOIN", "LEFT JOIN"}) {
      const std::string sql = fmt::format(
          "SELECT o.a AS oa, i.k AS ik, i.v AS iv, o.k || '!' AS own FROM outer_keys o {} {} i ON i.k = o.k", join,
          inner);
      const std::string checked_name = fmt::format("checked_{}_{}", inner, join[0] == 'L' ? "left" : "inner");
      ColumnTable *checked = nullptr, *narrow = nullptr;
      REQUIRE(fill_view(db, checked_name, sql, 0, 1, &checked));
      REQUIRE(fill_view(db, checked_name + "_narrow", sql, 0, 1, &narrow, true));
      CHECK(narrow->layout() == checked->layout());
      const std::string rows = db.rows("SELECT * FROM " + checked_name);
      CHECK(db.rows("SELECT * FROM " + checked_name + "_narrow") == rows);
      // As SQLite itself gives them.
      CHECK(rows == db.rows(sql));
      const int expected = (join[0] == 'L' ? 100 : 0) + 300 * (inner[0] == 't' ? 3 : 1);
      CHECK(db.rows("SELECT count(*) FROM " + checked_name + "_narrow") == fmt::format("1:{}\n", expected));
    }
  }
  // The lookup is the store's (the case under test), not a scan.
  CHECK(db.plan("SELECT i.k FROM outer_keys o JOIN thrice i ON i.k = o.k").find("INDEX 1:") != std::string::npos);
}

TEST_CASE("references that cannot hold are refused: a table read twice, rows out of the scan's order") {
  Db db;
  db.exec("CREATE TABLE ref(k, v)");
  db.exec("INSERT INTO ref VALUES ('a', 1), ('b', 2), ('c', 3)");
  db.copy_to_store("t", {"k", "v"}, "");
  // Two cursors on t: neither is known to be the one a value came from.
  CHECK_FALSE(fill_view(db, "self", "SELECT x.k, y.v FROM t x JOIN t y ON y.k = x.k"));
  // Sorted: the rows come out after the scan has ended.
  CHECK_FALSE(fill_view(db, "sorted", "SELECT k, v FROM t ORDER BY v DESC"));
  // No stored origin (an expression, a constant): nothing to refer to, values of its own.
  ColumnTable* table = nullptr;
  REQUIRE(fill_view(db, "computed", "SELECT k || '', 1 AS one FROM t", 0, 1, &table));
  CHECK_FALSE(table->has_references());
  CHECK(db.rows("SELECT * FROM computed") == "3:a|1:1\n3:b|1:1\n3:c|1:1\n");
}

TEST_CASE("a view column with codes into its source's values is not taken for unique") {
  Db db;
  db.exec("CREATE TABLE ref(k)");
  db.exec("INSERT INTO ref VALUES ('a'), ('b'), ('c'), ('a')");
  db.copy_to_store("t", {"k"}, "");
  // Three rows, a, c and a: as many as the source's distinct values, yet 'a' twice.
  ColumnTable* view = nullptr;
  REQUIRE(fill_view(db, "v", "SELECT k FROM t WHERE k <> 'b'", 0, 1, &view));
  CHECK(view->layout() == "  k: codes into another column's values\n");
  CHECK(db.rows("SELECT count(*) FROM v WHERE k = 'a'") == "1:2\n");
  CHECK(db.rows("SELECT x.k FROM (SELECT 'a' AS k) x JOIN v ON v.k = x.k") == "3:a\n3:a\n");
  CHECK(db.rows("SELECT DISTINCT x.k, v.k FROM (SELECT 'a' AS k) x JOIN v ON v.k = x.k") == "3:a|3:a\n");
  CHECK(db.rows("SELECT DISTINCT k FROM v WHERE k = 'a'") == "3:a\n");
  CHECK(db.rows("SELECT k FROM v WHERE k = 'a' GROUP BY k") == "3:a\n");
}

TEST_CASE("a join's inner column looked up by a stored text reads back right, whichever constraint leads the lookup") {
  Db db;
  // outer(k, a): keys short (inline) and long (in the arena); inner(k, v, w): each key three times,
  // w distinct, so that `inner.w = outer.a` leads where both equalities apply.
  db.exec("CREATE TABLE ref(k, a)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 299) "
      "INSERT INTO ref SELECT CASE WHEN i % 2 THEN 'k' || i ELSE 'a-key-longer-than-twelve-' || i END, 'w' || (i * 3 + "
      "i % 4) FROM n");
  db.copy_to_store("col_outer", {"k", "a"}, "TEXT");
  db.exec("ALTER TABLE ref RENAME TO ref_outer");
  db.exec("CREATE TABLE ref(k, v, w)");
  db.exec(
      "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 899) "
      "INSERT INTO ref SELECT CASE WHEN (i % 300) % 2 THEN 'k' || (i % 300) ELSE 'a-key-longer-than-twelve-' || (i % "
      "300) END, i, 'w' || i FROM n");
  db.copy_to_store("col_inner", {"k", "v", "w"}, "TEXT");
  db.exec("ALTER TABLE ref RENAME TO ref_inner");
  for (const char* sql : {
           // The key's list leads: every row it gives holds the key.
           "SELECT o.k, i.k, i.v, i.k = o.k FROM OUTER o JOIN INNER i ON i.k = o.k ORDER BY 1, 3",
           // w's one-row list leads; the row's k may be another key, and reads as its own.
           "SELECT o.k, o.a, i.k, i.v FROM OUTER o JOIN INNER i ON i.w = o.a AND i.k = o.k ORDER BY 1",
           "SELECT o.k, o.a, i.k, i.v FROM OUTER o JOIN INNER i ON i.k = o.k AND i.w = o.a ORDER BY 1",
           "SELECT o.k, i.k, i.w FROM OUTER o JOIN INNER i ON i.w = o.a ORDER BY 1",
           // A key SQLite computed (not the store's bytes) and a literal.
           "SELECT o.k, i.k, i.v FROM OUTER o JOIN INNER i ON i.k = substr(o.k, 1) ORDER BY 1, 3",
           "SELECT i.k, i.v FROM INNER i WHERE i.k = 'k7' ORDER BY 2",
           // The inner key passed on to a third lookup, and into an aggregate.
           "SELECT o.k, count(*), max(j.v) FROM OUTER o JOIN INNER i ON i.k = o.k JOIN INNER j ON j.k = i.k GROUP BY "
           "o.k ORDER BY 1",
       }) {
    std::string col = sql, ref = sql;
    for (auto [word, table] : {std::pair{"OUTER", "outer"}, std::pair{"INNER", "inner"}}) {
      for (std::size_t at = col.find(word); at != std::string::npos; at = col.find(word, at))
        col.replace(at, 5, std::string("col_") + table);
      for (std::size_t at = ref.find(word); at != std::string::npos; at = ref.find(word, at))
        ref.replace(at, 5, std::string("ref_") + table);
    }
    const std::string expected = db.rows(ref);
    CHECK_MESSAGE(!expected.empty(), ref);
    CHECK_MESSAGE(db.rows(col) == expected, col);
  }
  // The plans are lookups into the store (the case under test), not scans.
  CHECK(db.plan("SELECT o.k, i.k FROM col_outer o JOIN col_inner i ON i.w = o.a AND i.k = o.k").find("INDEX 1:") !=
        std::string::npos);
}
