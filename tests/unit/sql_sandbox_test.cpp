// The SQL sandbox: the function allow-list, the clock, the time limit.
#include "store/sql_sandbox.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <string>
#include <thread>

#include "store/deadline.h"

using namespace chataudit;

TEST_CASE("the allow-list: SQLite's own kinds of functions and the engine's, not the dangerous ones") {
  for (const char* name : {"abs", "COALESCE", "julianday", "date", "json_extract", "->>", "row_number", "pow",
                           "group_concat", "nfkc", "remove_white_space", "printf", "iif"})
    CHECK_MESSAGE(allowed_function(name), name);
  for (const char* name : {"load_extension", "fts3_tokenizer", "random", "RandomBlob", "current_date",
                           "current_timestamp", "rtreecheck", "readfile", "sqlite_log", ""})
    CHECK_MESSAGE(!allowed_function(name), name);
  CHECK(refused_function_message("random") ==
        "function random() is not allowed: a report must be the same for the "
        "same inputs");
  CHECK(refused_function_message("CURRENT_TIME") == clock_message());
}

TEST_CASE("'now' literals: in strings only, any case, not in comments or longer strings") {
  CHECK(clock_literal("SELECT date('now')") == 12);
  CHECK(clock_literal("SELECT julianday('NoW', 'localtime')") == 17);
  CHECK(clock_literal("SELECT \"now\"") == 7);  // a string where SQLite takes double quotes as one
  CHECK(clock_literal("SELECT 'now and then', 'it''s now' -- 'now'\n") == std::string::npos);
  CHECK(clock_literal("SELECT 1 /* 'now' */, [now], `now`") == std::string::npos);
  CHECK(clock_literal("SELECT 'unterminated") == std::string::npos);
  CHECK(function_call_at("SELECT x, random ()", "random") == 10);
  CHECK(function_call_at("SELECT randomness, random(1)", "random") == 19);
  CHECK(function_call_at("SELECT current_date", "current_date") == 7);
  CHECK(function_call_at("SELECT 1", "random") == std::string::npos);
}

TEST_CASE("a connection on the clockless VFS cannot read the clock, and says it tried") {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, clockless_vfs()) == SQLITE_OK);
  clock_was_read();
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT date('n' || 'ow'), date('2026-11-27', '+1 day')", -1, &statement, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(statement) == SQLITE_ROW);
  CHECK(sqlite3_column_type(statement, 0) == SQLITE_NULL);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, 1))) == "2026-11-28");
  sqlite3_finalize(statement);
  CHECK(clock_was_read());
  CHECK(!clock_was_read());  // reset by the call
  sqlite3_close(db);
}

TEST_CASE("a deadline interrupts a statement that runs past it") {
  CHECK(!Deadline().passed());
  CHECK(!Deadline(60).passed());
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(":memory:", &db) == SQLITE_OK);
  const Deadline deadline(0.2);
  Deadline::watch(db, &deadline);
  sqlite3_stmt* statement = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n",
                             -1, &statement, nullptr) == SQLITE_OK);
  CHECK(sqlite3_step(statement) == SQLITE_INTERRUPT);
  CHECK(deadline.passed());
  sqlite3_finalize(statement);
  Deadline::watch(db, nullptr);
  sqlite3_close(db);
  CHECK(deadline.message("rule r").starts_with("rule r: stopped after 0.2 seconds (--rule-timeout 0.2); "));
}
