// The column store's invariants that the code states (colstore.h, docs/engine.md): the parts of a
// shared-out scan cover it exactly; what a thread remembers of the values handed to SQLite is
// forgotten, on every thread, once a table is released.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/colstore.h"
#include "store/store_gates.h"

#include "test_support.h"

using namespace chataudit;
using chataudit::testing::StoreConnection;

TEST_CASE("the parts of a shared-out scan are disjoint, adjacent and cover every row, in order") {
  for (const std::size_t rows : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{1000},
                                 std::size_t{65537}, std::size_t{0xFFFFFFFF}})
    for (std::size_t count = 1; count <= 16; ++count) {
      std::size_t next = 0;
      for (std::size_t index = 0; index < count; ++index) {
        const auto [first, second] = shard_range(rows, index, count);
        CHECK(first == next);
        CHECK(first <= second);
        // As even as integer division makes them: no part more than one row longer than another.
        CHECK(second - first <= rows / count + 1);
        next = second;
      }
      CHECK(next == rows);
    }
}

namespace {

// A store table t(k) of short texts, registered with a connection.
struct Stored : StoreConnection {
  ColumnTable* table = nullptr;
  Stored() {
    table = &store.create("t", {"k"}, {""});
    for (const char* value : {"alpha", "beta", "gamma"}) {
      table->column(0).push_text(value);
      table->end_row();
    }
    sqlite3_exec(handle, store.create_statement(*table, "main").c_str(), nullptr, nullptr, nullptr);
  }

  // The address of the bytes of the first value SQLite gets from the store (handed out on this thread).
  const void* hand_out() {
    sqlite3_stmt* raw = nullptr;
    REQUIRE(sqlite3_prepare_v2(handle, "SELECT k FROM t", -1, &raw, nullptr) == SQLITE_OK);
    Statement statement(raw);
    REQUIRE(sqlite3_step(statement.get()) == SQLITE_ROW);
    return sqlite3_column_blob(statement.get(), 0);
  }
};

}  // namespace

TEST_CASE("releasing a table makes every thread forget the values the store handed out before") {
  Stored db;
  const void* here = db.hand_out();
  CHECK(handed_out_now(here));

  // Another thread (as a pooled helper would) hands a value out and keeps its memory of it.
  std::mutex mutex;
  std::condition_variable changed;
  int stage = 0;  // 1: handed out; 2: released; 3: checked
  const void* there = nullptr;
  bool remembered_before = false, remembered_after = true;
  std::thread helper([&] {
    there = db.hand_out();
    remembered_before = handed_out_now(there);
    std::unique_lock lock(mutex);
    stage = 1;
    changed.notify_all();
    changed.wait(lock, [&] { return stage == 2; });
    remembered_after = handed_out_now(there);
    stage = 3;
    changed.notify_all();
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return stage == 1; });
  }
  // Release some other table of the store, on this thread.
  ColumnTable& other = db.store.create("other", {"x"}, {""});
  db.store.release(other);
  {
    std::unique_lock lock(mutex);
    stage = 2;
    changed.notify_all();
    changed.wait(lock, [&] { return stage == 3; });
  }
  helper.join();
  CHECK(remembered_before);
  CHECK_FALSE(remembered_after);  // the helper's memory, though it released nothing
  CHECK_FALSE(handed_out_now(here));
  // Handing values out again is remembered again, and reading is unchanged.
  CHECK(handed_out_now(db.hand_out()));
}
