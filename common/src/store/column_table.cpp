// A table of the column store: filling it (values or references), settling and appending it, and
// the row orders ordered scans read (see column_table.h).
#include "store/column_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <functional>
#include <numeric>
#include <stdexcept>

#include "base/parallel.h"
#include "store/colstore.h"
#include "store/colstore_internal.h"

namespace chataudit {

using namespace colstore_internal;

namespace {

// ColumnTable::settle() and append() share their columns out among threads from this many rows on.
constexpr std::size_t kSettleRowsPerThread = std::size_t{1} << 16;

// Runs work(0) … work(count - 1), each once: on the calling thread alone, or, for a table of `rows`
// rows from kSettleRowsPerThread on, on up to worker_threads() threads (the calling one among
// them), each taking the next item as it finishes one. An item that throws ends its thread's share
// (the others go on); the exception is rethrown once all have finished (run_parallel).
void share_out(std::size_t count, std::size_t rows, const std::function<void(std::size_t)>& work) {
  const std::size_t threads = rows >= kSettleRowsPerThread ? std::min<std::size_t>(worker_threads(), count) : 1;
  std::atomic<std::size_t> next{0};
  run_parallel(threads, [&](std::size_t) {
    for (std::size_t i; (i = next.fetch_add(1)) < count;) work(i);
  });
}

}  // namespace

ColumnTable::ColumnTable(std::string name, std::vector<std::string> names, std::vector<std::string> types)
    : name_(std::move(name)), names_(std::move(names)), types_(std::move(types)) {
  types_.resize(names_.size());
  // The declaration gives no column a collation, so each compares BINARY, as ranks() orders
  // (best_index: orderByConsumed; filter: equalities are taken for BINARY only).
  assert(std::none_of(types_.begin(), types_.end(), [](const std::string& type) {
    std::string upper = type;
    for (char& c : upper) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
    return upper.find("COLLATE") != std::string::npos;
  }));
  for (std::size_t i = 0; i < names_.size(); ++i) {
    columns_.push_back(std::make_unique<Column>(arena_));
    plain_.push_back(static_cast<int>(i));
  }
}

void ColumnTable::reference(std::size_t index, const ColumnTable& source, std::size_t source_column) {
  if (rows_ != 0 || index >= columns_.size() || columns_[index]->references() || source_column >= source.width())
    throw std::logic_error("ColumnTable::reference: not an empty value column");
  const Column* read = &source.column(source_column);
  const BigVector<std::uint32_t>* via = nullptr;
  if (read->references())
    for (const auto& g : source.groups_)
      for (const auto& [here, there] : g->columns)
        if (here == static_cast<int>(source_column)) {
          via = &g->rows;
          read = &g->source->column(static_cast<std::size_t>(there));
        }
  // A source whose references read their own source's rows one for one: its rows are those rows.
  if (via && source.column(source_column).same_rows()) via = nullptr;
  Group* group = nullptr;
  for (auto& g : groups_)
    if (g->source == &source && g->via == via) group = g.get();
  if (!group) group = groups_.emplace_back(std::make_unique<Group>(Group{&source, via, {}, {}})).get();
  group->columns.emplace_back(static_cast<int>(index), static_cast<int>(source_column));
  columns_[index] = std::make_unique<Column>(arena_, *read, group->rows);
  plain_.erase(std::find(plain_.begin(), plain_.end(), static_cast<int>(index)));
}

bool ColumnTable::append_row(sqlite3_stmt* statement) {
  for (const int c : plain_) columns_[static_cast<std::size_t>(c)]->push_from(statement, c);
  for (auto& group : groups_) {
    const Cursor* cursor = tracked_cursor(group->source);
    if (!cursor) return false;
    std::uint32_t row = cursor->at < cursor->end ? cursor->row() : Column::kNoRow;
    bool same = true, nulls = true;
    for (const auto& [here, there] : group->columns) {
      const int type = sqlite3_column_type(statement, here);
      nulls = nulls && type == SQLITE_NULL;
      if (same)
        same = row == Column::kNoRow
                   ? type == SQLITE_NULL
                   : group->source->column(static_cast<std::size_t>(there)).holds(row, statement, here, type);
    }
    if (!same) {
      if (!nulls) return false;
      row = Column::kNoRow;
    }
    group->rows.push_back(row == Column::kNoRow || !group->via ? row : (*group->via)[row]);
  }
  assert(unread());
  ++rows_;
  return true;
}

std::vector<int> ColumnTable::witnessed_columns() {
  std::vector<int> columns = plain_;
  // One witness per source table (its groups share its cursor), from any of its groups' columns.
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    Group& group = *groups_[g];
    group.leader = static_cast<int>(g);
    group.witness = -1;
    for (std::size_t before = 0; before < g; ++before)
      if (groups_[before]->source == group.source) {
        group.leader = static_cast<int>(before);
        break;
      }
    if (group.leader != static_cast<int>(g)) continue;
    // The candidates (here, there) by distinct values, most first; the first without a NULL is it.
    std::vector<std::pair<int, int>> candidates;
    for (const auto& other : groups_)
      if (other->source == group.source)
        candidates.insert(candidates.end(), other->columns.begin(), other->columns.end());
    std::stable_sort(candidates.begin(), candidates.end(), [&](const auto& a, const auto& b) {
      return group.source->column(static_cast<std::size_t>(a.second)).distinct() >
             group.source->column(static_cast<std::size_t>(b.second)).distinct();
    });
    for (const auto& [here, there] : candidates)  // (holds_null reads every row: the argument itself)
      if (!group.source->column(static_cast<std::size_t>(there)).holds_null()) {
        group.witness = there;
        columns.push_back(here);
        break;
      }
    if (group.witness < 0) return {};
  }
  return columns;
}

bool ColumnTable::append_witnessed_row(sqlite3_stmt* statement) {
  int at = static_cast<int>(plain_.size());
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    Group& group = *groups_[g];
    std::uint32_t row;
    if (group.leader != static_cast<int>(g)) {
      row = groups_[static_cast<std::size_t>(group.leader)]->cursor_row;
    } else {
      const Cursor* cursor = tracked_cursor(group.source);
      if (!cursor || group.witness < 0) return false;
      row = cursor->at < cursor->end ? cursor->row() : Column::kNoRow;
      const int index = at++;
      const int type = sqlite3_column_type(statement, index);
      if (type == SQLITE_NULL) {
        // The witness holds no NULL in its source (witnessed_columns), so a NULL here is the
        // unmatched side of an outer join, whose cursor has run to its end. Anything else would
        // make every column of the group NULL wrongly: refused (the view is filled again).
        assert(row == Column::kNoRow);
        if (row != Column::kNoRow) return false;
      } else if (row == Column::kNoRow)
        return false;
      else if (!(group.witness == cursor->known_column && type == SQLITE_TEXT &&
                 sqlite3_column_blob(statement, index) == cursor->known_text &&
                 sqlite3_column_bytes(statement, index) == cursor->known_size) &&
               !group.source->column(static_cast<std::size_t>(group.witness)).holds(row, statement, index, type))
        // (The witness is the key the cursor's lookup followed, and the statement holds those very
        // bytes: every row the lookup visits holds them, so the row's entry need not be read.)
        return false;
      group.cursor_row = row;
    }
    group.rows.push_back(row == Column::kNoRow || !group.via ? row : (*group.via)[row]);
  }
  // The values last: a row that fails above adds none (the table is then filled again anyway).
  at = 0;
  for (const int c : plain_) columns_[static_cast<std::size_t>(c)]->push_from(statement, at++);
  assert(unread());
  ++rows_;
  return true;
}

void ColumnTable::settle(std::size_t few_values) {
  // The columns to give codes of their own, made on as many threads as there are (each column
  // its own), then put in place.
  std::vector<std::size_t> settled;
  for (const auto& group : groups_) {
    std::vector<std::size_t> many;  // the group's columns of many values
    for (const auto& [here, there] : group->columns)
      (columns_[static_cast<std::size_t>(here)]->distinct() <= few_values ? settled : many)
          .push_back(static_cast<std::size_t>(here));
    if (many.size() == 1) settled.push_back(many.front());  // the group's rows go: no larger
  }
  // Out of memory, say: the exception leaves the table as it was (nothing is put in place).
  std::vector<std::unique_ptr<Column>> own(settled.size());
  share_out(settled.size(), rows_, [&](std::size_t i) {
    own[i] = Column::codes_of(arena_, columns_[settled[i]]->dictionary());
    own[i]->append_codes(*columns_[settled[i]]);
  });
  for (std::size_t i = 0; i < settled.size(); ++i) columns_[settled[i]] = std::move(own[i]);
  for (auto g = groups_.begin(); g != groups_.end();) {
    Group& group = **g;
    std::erase_if(group.columns, [&](const std::pair<int, int>& column) {
      return std::find(settled.begin(), settled.end(), static_cast<std::size_t>(column.first)) != settled.end();
    });
    g = group.columns.empty() ? groups_.erase(g) : std::next(g);
  }
  // A view of every row of one table, in its order (person_state of people): its references read
  // the source's rows directly.
  for (const auto& group : groups_) {
    const Column& first = *columns_[static_cast<std::size_t>(group->columns.front().first)];
    const BigVector<std::uint32_t>& rows = group->rows;
    bool same = rows.size() == first.source_->size();
    for (std::size_t row = 0; same && row < rows.size(); ++row) same = rows[row] == row;
    for (const auto& [here, there] : group->columns) columns_[static_cast<std::size_t>(here)]->same_rows_ = same;
  }
  seal();
}

void ColumnTable::append(ColumnTable& other) {
  if (other.groups_.size() != groups_.size() || other.plain_ != plain_)
    throw std::logic_error("ColumnTable::append: the tables' references differ");
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (groups_[g]->source != other.groups_[g]->source || groups_[g]->via != other.groups_[g]->via)
      throw std::logic_error("ColumnTable::append: the tables' references differ");
    BigVector<std::uint32_t>& rows = groups_[g]->rows;
    rows.insert(rows.end(), other.groups_[g]->rows.begin(), other.groups_[g]->rows.end());
    BigVector<std::uint32_t>().swap(other.groups_[g]->rows);
  }
  // Each of the other's columns is freed once taken: at most one column per thread is held twice.
  // Columns are independent: a large table's are shared out among threads, those of most values
  // (the longest to merge) first.
  std::vector<std::size_t> order(plain_.begin(), plain_.end());
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return other.columns_[a]->distinct() > other.columns_[b]->distinct();
  });
  share_out(order.size(), other.rows_, [&](std::size_t i) {
    const std::size_t at = order[i];
    columns_[at]->append(*other.columns_[at]);
    other.columns_[at] = std::make_unique<Column>(other.arena_);
  });
  assert(unread());
  rows_ += other.rows_;
  other.rows_ = 0;
  arena_.adopt(std::move(other.arena_));
}

bool ColumnTable::unread() const {
  std::lock_guard lock(lazy_);
  return orders_.empty();
}

void ColumnTable::seal() {
  for (const auto& column : columns_) column->seal();
}

int ColumnTable::column_index(std::string_view name) const {
  for (std::size_t c = 0; c < names_.size(); ++c)
    if (names_[c] == name) return static_cast<int>(c);
  return -1;
}

std::string ColumnTable::layout() const {
  std::string text;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    std::string how = "values";
    for (const auto& group : groups_)
      for (const auto& [here, there] : group->columns)
        if (here == static_cast<int>(c))
          how = "rows of " + group->source->name() + (columns_[c]->same_rows() ? ", one for one" : "");
    if (how == "values" && &columns_[c]->dictionary() != columns_[c].get()) how = "codes into another column's values";
    text += fmt::format("  {}: {}\n", names_[c], how);
  }
  return text;
}

std::string ColumnTable::declaration() const {
  std::string sql = "CREATE TABLE x(";
  for (std::size_t c = 0; c < names_.size(); ++c) {
    sql += (c ? ", " : "") + quote_identifier(names_[c]);
    if (!types_[c].empty()) sql += " " + types_[c];
  }
  return sql + ")";
}

const BigVector<std::uint32_t>& ColumnTable::ordered_by(const std::vector<int>& columns) const {
  std::lock_guard lock(lazy_);
  auto it = orders_.find(columns);
  if (it != orders_.end()) return it->second;
  // Least significant column first, each pass a stable counting sort by the column's ranks. Each
  // row's rank is read in row order first: the passes then read one array in their own order,
  // not the codes (and a reference's source rows) at random.
  BigVector<std::uint32_t> order(rows_), next(rows_), rank_of(rows_);
  std::iota(order.begin(), order.end(), 0u);
  for (auto c = columns.rbegin(); c != columns.rend(); ++c) {
    const Column& column = *columns_[static_cast<std::size_t>(*c)];
    const BigVector<std::uint32_t>& ranks = column.ranks();
    for (std::size_t row = 0; row < rows_; ++row) rank_of[row] = ranks[column.code(row)];
    BigVector<std::uint32_t> start(ranks.size() + 1, 0);
    for (std::size_t row = 0; row < rows_; ++row) ++start[rank_of[row] + 1];
    std::partial_sum(start.begin(), start.end(), start.begin());
    for (std::uint32_t row : order) next[start[rank_of[row]]++] = row;
    order.swap(next);
  }
  // The order is by the columns' ranks, first column first, ties in row order (a stable sort).
  assert(std::is_sorted(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    for (const int c : columns) {
      const Column& column = *columns_[static_cast<std::size_t>(c)];
      const std::uint32_t x = column.ranks()[column.code(a)], y = column.ranks()[column.code(b)];
      if (x != y) return x < y;
    }
    return a < b;
  }));
  // Scattered: more than one step in eight goes further than 4,096 rows (a scan in that order then
  // misses the cache row after row; shorter steps, as within a group of rows, stay near).
  std::size_t far = 0;
  for (std::size_t i = 1; i < order.size(); ++i)
    far += (order[i] > order[i - 1] ? order[i] - order[i - 1] : order[i - 1] - order[i]) > 4096;
  scattered_[columns] = far > order.size() / 8;
  return orders_.emplace(columns, std::move(order)).first->second;
}

const std::uint32_t* ColumnTable::ordered_codes(const std::vector<int>& columns, int column) const {
  const BigVector<std::uint32_t>& order = ordered_by(columns);
  std::lock_guard lock(lazy_);
  if (!scattered_.at(columns)) return nullptr;
  auto key = std::make_pair(columns, column);
  if (auto it = ordered_codes_.find(key); it != ordered_codes_.end()) return it->second.data();
  // One tight loop: its reads do not wait on one another, unlike a scan's row by row.
  const Column& values = *columns_[static_cast<std::size_t>(column)];
  BigVector<std::uint32_t> codes(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) codes[i] = values.code(order[i]);
  return ordered_codes_.emplace(std::move(key), std::move(codes)).first->second.data();
}

}  // namespace chataudit
