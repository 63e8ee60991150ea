// The gates of the column store's shortcuts (store_gates.h): statements compiled by SQLite over the
// store's virtual tables, judged by the allow-lists; and inputs SQLite would not give today (an
// unknown opcode, an unknown plan line), which must refuse.
#include "store/store_gates.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "store/colstore.h"

#include "test_support.h"

using namespace chataudit;
using chataudit::testing::StoreConnection;

namespace {

// Two stored tables, t(k, v, w) and u(k, x), with a few rows, as the engine's connections hold them.
struct StoreDb : StoreConnection {
  StoreDb() {
    add("t", {"k", "v", "w"}, "SELECT 'k' || (i % 7), i, i * 2 FROM n");
    add("u", {"k", "x"}, "SELECT 'k' || i, 'x' || i FROM n WHERE i < 7");
  }

  void add(const std::string& name, const std::vector<std::string>& columns, const std::string& select) {
    ColumnTable& table = store.create(name, columns, std::vector<std::string>(columns.size()));
    const std::string sql = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 49) " + select;
    sqlite3_stmt* raw = nullptr;
    REQUIRE(sqlite3_prepare_v2(handle, sql.c_str(), -1, &raw, nullptr) == SQLITE_OK);
    Statement statement(raw);
    int rc;
    while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) table.append_row(statement.get());
    REQUIRE(rc == SQLITE_DONE);
    REQUIRE(sqlite3_exec(handle, store.create_statement(table, "main").c_str(), nullptr, nullptr, nullptr) ==
            SQLITE_OK);
  }

  CompiledStatement compile(const std::string& sql) {
    const std::optional<CompiledStatement> compiled = explain_statement(handle, sql, [](Statement&) {});
    REQUIRE_MESSAGE(compiled.has_value(), sql);
    return *compiled;
  }
};

std::string plan_text(const CompiledStatement& compiled) {
  std::string out;
  for (const std::string& line : compiled.plan) out += line + "\n";
  return out;
}

}  // namespace

TEST_CASE("the plan grammar: the store's loops and ordinary tables' loops parse; anything else does not") {
  auto line = parse_plan_line("SCAN m VIRTUAL TABLE INDEX 1:0,2");
  REQUIRE(line);
  CHECK(line->kind == PlanLine::Kind::virtual_scan);
  CHECK(line->table == "m");
  CHECK(line->index_number == 1);
  CHECK(line->index_text == "0,2");
  CHECK_FALSE(line->left_join);

  line = parse_plan_line("SCAN people VIRTUAL TABLE INDEX 0:");
  REQUIRE(line);
  CHECK(line->index_number == 0);
  CHECK(line->index_text.empty());

  line = parse_plan_line("SCAN c VIRTUAL TABLE INDEX -1:0,2;0,2");
  REQUIRE(line);
  CHECK(line->index_number == -1);
  CHECK(line->index_text == "0,2;0,2");

  line = parse_plan_line("SCAN p VIRTUAL TABLE INDEX 1:0 LEFT-JOIN");
  REQUIRE(line);
  CHECK(line->left_join);
  CHECK(line->table == "p");

  // A name with spaces (a quoted identifier) ends at the last " VIRTUAL TABLE INDEX ".
  line = parse_plan_line("SCAN my table VIRTUAL TABLE INDEX 0:");
  REQUIRE(line);
  CHECK(line->table == "my table");

  line = parse_plan_line("SCAN t");
  REQUIRE(line);
  CHECK(line->kind == PlanLine::Kind::table_scan);
  line = parse_plan_line("SEARCH t USING INDEX t_k (k=?) LEFT-JOIN");
  REQUIRE(line);
  CHECK(line->kind == PlanLine::Kind::table_search);
  CHECK(line->left_join);
  CHECK(parse_plan_line("SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"));
  CHECK(parse_plan_line("SEARCH t USING COVERING INDEX t_k (k=?)"));

  for (const char* unknown : {"SEARCH h USING AUTOMATIC COVERING INDEX (handle=?)",
                              "SEARCH h USING AUTOMATIC PARTIAL COVERING INDEX (handle=?)",
                              "USE TEMP B-TREE FOR ORDER BY",
                              "USE TEMP B-TREE FOR DISTINCT",
                              "CO-ROUTINE twice",
                              "MATERIALIZE tree",
                              "SCALAR SUBQUERY 4",
                              "CORRELATED SCALAR SUBQUERY 2",
                              "COMPOUND QUERY",
                              "MULTI-INDEX OR",
                              "SCAN CONSTANT ROW",
                              "SCAN (subquery-7)",
                              "RIGHT-JOIN b",
                              "SCAN b RIGHT-JOIN",
                              "SCAN m VIRTUAL TABLE INDEX 1:x=?",
                              "SCAN m VIRTUAL TABLE INDEX :0",
                              "SCAN m VIRTUAL TABLE INDEX 1",
                              "SCAN ",
                              "BLOOM FILTER ON m (k=?)",
                              "SEARCH t",
                              "scan t VIRTUAL TABLE INDEX 0:",
                              ""})
    CHECK_MESSAGE(!parse_plan_line(unknown), std::string(unknown));
}

TEST_CASE("a plain join of stored tables passes every gate; its opcodes are all on the allow-list") {
  StoreDb db;
  const std::string join =
      "SELECT t.k, t.v, u.x, t.v + 1 AS next, t.k || '!' AS shouted FROM t JOIN u ON u.k = t.k "
      "WHERE t.w > 10 AND (u.x IS NULL OR u.x <> 'x3')";
  const CompiledStatement compiled = db.compile(join);
  INFO(plan_text(compiled));
  REQUIRE(compiled.plan.size() == 2);
  CHECK(compiled.plan[0] == "SCAN u VIRTUAL TABLE INDEX 0:");  // u, of 7 rows, outside
  CHECK(compiled.plan[1] == "SCAN t VIRTUAL TABLE INDEX 1:0");
  CHECK(plain_loop_join(compiled));
  CHECK(sharded_fill(compiled));
  const CompiledStatement narrowed = db.compile(narrowed_sql(join, 5, {0, 2}));
  CHECK(narrowed_fill(compiled, narrowed));
  // A LEFT JOIN whose inner side is a lookup: plain, and shared out by its outer scan.
  const CompiledStatement left = db.compile("SELECT t.k, u.x FROM t LEFT JOIN u ON u.k = t.k");
  INFO(plan_text(left));
  CHECK(left.plan.back() == "SCAN u VIRTUAL TABLE INDEX 1:0 LEFT-JOIN");
  CHECK(sharded_fill(left));
}

TEST_CASE("an opcode not on the allow-list refuses, whatever else the statement is") {
  StoreDb db;
  CompiledStatement compiled = db.compile("SELECT t.k, u.x FROM t JOIN u ON u.k = t.k");
  REQUIRE(plain_loop_join(compiled));
  compiled.opcodes.insert(compiled.opcodes.begin() + 3, "SomeFutureBufferingOp");
  const Gate gate = plain_loop_join(compiled);
  CHECK_FALSE(gate);
  CHECK(gate.reason == "opcode SomeFutureBufferingOp is not one a plain loop join may contain");
  CHECK_FALSE(sharded_fill(compiled));
  CHECK_FALSE(narrowed_fill(db.compile("SELECT t.k, u.x FROM t JOIN u ON u.k = t.k"), compiled));
  // Opcodes a plain join never needs, each on its own.
  for (const char* opcode : {"OpenEphemeral", "SorterOpen", "AggStep", "Yield", "DecrJumpZero", "Gosub", "OpenRead",
                             "Column", "Explain", ""}) {
    CompiledStatement changed = db.compile("SELECT t.k, u.x FROM t JOIN u ON u.k = t.k");
    changed.opcodes.push_back(opcode);
    CHECK_MESSAGE(!plain_loop_join(changed), opcode);
  }
  CHECK_FALSE(plain_loop_join(CompiledStatement{compiled.plan, {}}));
}

TEST_CASE("aggregates, sorts, DISTINCT, co-routines, subqueries, LIMIT and OFFSET are not plain joins") {
  StoreDb db;
  for (const char* sql : {
           "SELECT k, count(*) FROM t GROUP BY k",                            // aggregate
           "SELECT max(v) FROM t",                                            // aggregate, no GROUP BY
           "SELECT k, v FROM t ORDER BY v DESC",                              // a sorter (DESC is not consumed)
           "SELECT k, v FROM t ORDER BY v + 1",                               // a sorter on an expression
           "SELECT DISTINCT k FROM t",                                        // a temporary b-tree
           "SELECT k, v FROM t LIMIT 5",                                      // a counter across rows
           "SELECT k, v FROM t LIMIT 5 OFFSET 2",                             //
           "SELECT k FROM t WHERE v IN (SELECT length(x) FROM u)",            // a subquery's temporary table
           "SELECT k, (SELECT x FROM u WHERE u.k = t.k) FROM t",              // a correlated scalar subquery
           "SELECT k, (SELECT max(x) FROM u) FROM t",                         // a constant subquery, once
           "SELECT k FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.k)",  //
           "SELECT k FROM t UNION ALL SELECT k FROM u",                       // a compound query
           "SELECT k FROM t UNION SELECT k FROM u",                           //
           "SELECT a.k FROM (SELECT k FROM t ORDER BY v DESC LIMIT 3) a JOIN u ON u.k = a.k",  // a co-routine
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) SELECT t.k FROM n JOIN t ON "
           "t.v = n.i",
           "SELECT k, row_number() OVER (ORDER BY v) FROM t",   // a window
           "SELECT t.k, u.x FROM t RIGHT JOIN u ON u.k = t.k",  // a RIGHT JOIN
           "SELECT t.k, u.x FROM t FULL JOIN u ON u.k = t.k",   //
       }) {
    const CompiledStatement compiled = db.compile(sql);
    const Gate gate = plain_loop_join(compiled);
    CHECK_MESSAGE(!gate, sql << "\n" << plan_text(compiled));
    CHECK_MESSAGE(!sharded_fill(compiled), sql);
    CHECK_MESSAGE(!narrowed_fill(compiled, compiled), sql);
    CHECK_MESSAGE(!gate.reason.empty(), sql);
  }
}

TEST_CASE("a plan line of no known form refuses, even when every opcode is allowed") {
  StoreDb db;
  CompiledStatement compiled = db.compile("SELECT t.k, u.x FROM t JOIN u ON u.k = t.k");
  REQUIRE(plain_loop_join(compiled));
  compiled.plan.push_back("SOME FUTURE LINE OF A PLAN");
  Gate gate = plain_loop_join(compiled);
  CHECK_FALSE(gate);
  CHECK(gate.reason == "plan line 3 \"SOME FUTURE LINE OF A PLAN\" is not a loop of a known form");
  // A known form that is not one of the store's loops: an ordinary table.
  compiled.plan.back() = "SEARCH o USING INDEX o_k (k=?)";
  gate = plain_loop_join(compiled);
  CHECK_FALSE(gate);
  CHECK(gate.reason ==
        "plan line 3 \"SEARCH o USING INDEX o_k (k=?)\" is a loop over an ordinary table, not the store's");
  CHECK_FALSE(plain_loop_join(CompiledStatement{{}, compiled.opcodes}));
}

TEST_CASE("a sharded fill needs a full outer scan and no full scan on the inner side of a LEFT JOIN") {
  StoreDb db;
  // The inner side of the LEFT JOIN is a full scan (no equality to look up): each part would add
  // its own NULL-extended row for an outer row its part of the inner scan does not match.
  const CompiledStatement left = db.compile("SELECT t.k, u.x FROM t LEFT JOIN u ON u.x > t.k");
  INFO(plan_text(left));
  REQUIRE(left.plan.size() == 2);
  CHECK(left.plan[1] == "SCAN u VIRTUAL TABLE INDEX 0: LEFT-JOIN");
  CHECK(plain_loop_join(left));  // plain, so a narrowed fill may still read it
  const Gate gate = sharded_fill(left);
  CHECK_FALSE(gate);
  CHECK(gate.reason ==
        "plan line 2 \"SCAN u VIRTUAL TABLE INDEX 0: LEFT-JOIN\" is a full scan on the inner side of a LEFT JOIN");
  // The outer loop is a lookup: no scan to share out.
  const CompiledStatement lookup = db.compile("SELECT t.v, u.x FROM t JOIN u ON u.k = t.k WHERE t.k = 'k3'");
  INFO(plan_text(lookup));
  CHECK(plain_loop_join(lookup));
  CHECK_FALSE(sharded_fill(lookup));
  // An ORDER BY the store gives (ascending columns): an ordered outer scan, not in row order.
  const CompiledStatement ordered = db.compile("SELECT k, v FROM t ORDER BY k, v");
  INFO(plan_text(ordered));
  CHECK(parse_plan_line(ordered.plan.front())->index_number == -1);
  CHECK(plain_loop_join(ordered));  // the sorter SQLite no longer needs is a Noop
  CHECK_FALSE(sharded_fill(ordered));
}

TEST_CASE("a narrowed statement must run the view's very plan") {
  StoreDb db;
  const std::string view = "SELECT t.k, t.v, u.x FROM t JOIN u ON u.k = t.k";
  const CompiledStatement own = db.compile(view);
  CHECK(narrowed_fill(own, db.compile(narrowed_sql(view, 3, {1, 2}))));
  // Another plan (here: the view's, ordered by the store, whose index string names the columns read).
  const std::string ordered = "SELECT k, v, w FROM t ORDER BY k";
  const CompiledStatement ordered_own = db.compile(ordered);
  const CompiledStatement ordered_narrowed = db.compile(narrowed_sql(ordered, 3, {1}));
  INFO(plan_text(ordered_own) << plan_text(ordered_narrowed));
  const Gate gate = narrowed_fill(ordered_own, ordered_narrowed);
  CHECK_FALSE(gate);
  CHECK(gate.reason == "the narrowed statement's plan is not the view's");
  CHECK(narrowed_sql("SELECT 1, 2", 2, {1}) ==
        "WITH \"chataudit narrowed\"(c0, c1) AS (\nSELECT 1, 2\n)\nSELECT c1 FROM \"chataudit narrowed\"");
}

TEST_CASE("the allow-list is sorted, without duplicates, and holds no opcode that buffers or counts rows") {
  const auto opcodes = plain_loop_opcodes();
  CHECK(std::is_sorted(opcodes.begin(), opcodes.end()));
  CHECK(std::adjacent_find(opcodes.begin(), opcodes.end()) == opcodes.end());
  for (const char* refused :
       {"AggStep",      "AggStep1",      "AggFinal",      "AggValue",    "AggInverse", "SorterOpen",
        "SorterInsert", "OpenEphemeral", "OpenAutoindex", "OpenPseudo",  "OpenDup",    "InitCoroutine",
        "Yield",        "EndCoroutine",  "DecrJumpZero",  "OffsetLimit", "RowSetAdd",  "RowSetRead",
        "RowSetTest",   "Gosub",         "BeginSubrtn",   "Return",      "VUpdate",    "Insert",
        "Delete",       "IdxInsert",     "FilterAdd",     "Filter",      "OpenRead",   "OpenWrite"})
    CHECK_MESSAGE(!std::binary_search(opcodes.begin(), opcodes.end(), refused), refused);
}

TEST_CASE("a statement that does not compile or bind gives no shape to judge") {
  StoreDb db;
  CHECK_FALSE(explain_statement(db.handle, "SELECT nothing FROM nowhere", [](Statement&) {}).has_value());
  CHECK_THROWS(explain_statement(db.handle, "SELECT k FROM t WHERE k = :p",
                                 [](Statement&) { throw std::runtime_error("unknown parameter :p"); }));
}
