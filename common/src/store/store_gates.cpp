// The gates of the column store's shortcuts (see store_gates.h).
#include "store/store_gates.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <charconv>

namespace chataudit {

namespace {

// The opcodes of a plain loop join, collected from EXPLAIN of every view of
// policies/jiusan-2020.toml and of the tests' policies that the gates let through (SQLite 3.40),
// each kept for the reason given. What they have in common: each reads or writes registers of the
// current row, moves a virtual table's cursor, or steers control flow within the loops; none keeps
// rows aside (buffering), and none carries a count or a value from one row to the next except Once,
// below. Sorted, for binary_search.
constexpr auto kPlainLoopOpcodes = std::to_array<std::string_view>({
    "Add",          // arithmetic on registers
    "And",          // three-valued AND of registers
    "ClrSubtype",   // clears a register's subtype (JSON values)
    "Concat",       // ||
    "Eq",           // comparisons: compare two registers, jump or store the result
    "Function",     // a scalar function of registers (the sandbox allows only deterministic ones
                    // of the row and the parameters; aggregates and windows are AggStep/AggValue…)
    "Ge",           //
    "Goto",         // control flow within the loops
    "Gt",           //
    "Halt",         // the end of the program
    "If",           // jump on a register's truth (not in today's views: IfNot's mirror)
    "IfNot",        //
    "IfPos",        // a LEFT JOIN's match flag, set to 0 per outer row (an OFFSET also uses it, but
                    // only with OffsetLimit, which is not on this list)
    "Init",         // jumps to the prologue (Transaction, constants, parameters) and back
    "Integer",      // constants into registers
    "IsNull",       //
    "Le",           //
    "Lt",           // (not in today's views: Gt's mirror)
    "Ne",           //
    "Noop",         // an instruction SQLite cancelled: the sorter of an ORDER BY the store's
                    // ordered scan gives (orderByConsumed; seen in the unit tests, not the policy)
    "Not",          //
    "NotNull",      //
    "Null",         //
    "NullRow",      // a LEFT JOIN's unmatched outer row: the inner cursor reads as NULL (the store's
                    // cursor stays at its end, which append_row and append_witnessed_row expect)
    "Once",         // a block run once per statement: here a constant of the parameters in a
                    // branch (julianday(:as_of) in person_state). Every runner computes the same
                    // value; a block that reads a table needs ops not on this list (OpenEphemeral,
                    // DecrJumpZero for a scalar subquery's LIMIT 1, AggStep, FilterAdd …)
    "Or",           //
    "ResultRow",    // hands one row out; the statement stops there until stepped again, its
                    // cursors where they are
    "String8",      // constants into registers
    "Subtract",     //
    "Transaction",  // the read transaction, once, in the prologue
    "VColumn",      // a virtual table's column at its cursor's current row
    "VFilter",      // (re)starts a virtual table's loop: the store's xFilter, which ShardScope
                    // and CursorTracking watch
    "VNext",        // the next row of that loop
    "VOpen",        // opens a virtual table's cursor
    "Variable",     // a bound parameter into a register
    "ZeroOrNull",   // a comparison's result as 0 or NULL
});
static_assert(std::is_sorted(kPlainLoopOpcodes.begin(), kPlainLoopOpcodes.end()));

bool is_index_text(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == ',' || c == ';'; });
}

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// The rows of one statement (the text of column `column`): nullopt when it does not compile, binds
// or run to its end.
std::optional<std::vector<std::string>> column_rows(sqlite3* db, const std::string& sql, int column,
                                                    const std::function<void(Statement&)>& bind) {
  sqlite3_stmt* raw = nullptr;
  const int prepared = sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  Statement statement(raw);
  if (prepared != SQLITE_OK || !statement) return std::nullopt;
  bind(statement);  // throws on a policy error (the statement then finalized)
  std::vector<std::string> rows;
  int rc;
  while ((rc = sqlite3_step(statement.get())) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), column));
    rows.emplace_back(text ? text : "");
  }
  if (rc != SQLITE_DONE) return std::nullopt;
  return rows;
}

Gate allow() { return Gate{true, {}}; }
Gate refuse(std::string reason) { return Gate{false, std::move(reason)}; }

}  // namespace

std::optional<CompiledStatement> explain_statement(sqlite3* db, const std::string& sql,
                                                   const std::function<void(Statement&)>& bind) {
  CompiledStatement compiled;
  auto plan = column_rows(db, "EXPLAIN QUERY PLAN " + sql, 3, bind);  // id, parent, notused, detail
  if (!plan) return std::nullopt;
  auto opcodes = column_rows(db, "EXPLAIN " + sql, 1, bind);  // addr, opcode, p1 …
  if (!opcodes) return std::nullopt;
  compiled.plan = std::move(*plan);
  compiled.opcodes = std::move(*opcodes);
  return compiled;
}

std::optional<std::vector<std::string>> query_plan(sqlite3* db, const std::string& sql) {
  return column_rows(db, "EXPLAIN QUERY PLAN " + sql, 3, [](Statement&) {});
}

std::optional<PlanLine> parse_plan_line(std::string_view line) {
  PlanLine parsed;
  constexpr std::string_view kLeftJoin = " LEFT-JOIN";
  if (line.ends_with(kLeftJoin)) {
    parsed.left_join = true;
    line.remove_suffix(kLeftJoin.size());
  }
  constexpr std::string_view kVirtual = " VIRTUAL TABLE INDEX ";
  if (line == "SCAN CONSTANT ROW") return std::nullopt;  // a SELECT without FROM (ambiguous with a table so named)
  if (starts_with(line, "SCAN ")) {
    line.remove_prefix(5);
    if (const std::size_t at = line.rfind(kVirtual); at != std::string_view::npos) {
      // n:text, n an integer (idxNum), text the store's idxStr.
      const std::string_view index = line.substr(at + kVirtual.size());
      const std::size_t colon = index.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      const auto [end, error] = std::from_chars(index.data(), index.data() + colon, parsed.index_number);
      if (error != std::errc() || end != index.data() + colon || colon == 0) return std::nullopt;
      parsed.index_text = std::string(index.substr(colon + 1));
      if (!is_index_text(parsed.index_text)) return std::nullopt;
      parsed.kind = PlanLine::Kind::virtual_scan;
      parsed.table = std::string(line.substr(0, at));
    } else {
      parsed.kind = PlanLine::Kind::table_scan;
      const std::size_t using_at = line.find(" USING ");
      parsed.table = std::string(line.substr(0, using_at));
      if (using_at != std::string_view::npos) {
        const std::string_view how = line.substr(using_at + 7);
        if (!starts_with(how, "INDEX ") && !starts_with(how, "COVERING INDEX ")) return std::nullopt;
        parsed.index_text = std::string(how);
      }
    }
  } else if (starts_with(line, "SEARCH ")) {
    line.remove_prefix(7);
    const std::size_t using_at = line.find(" USING ");
    if (using_at == std::string_view::npos) return std::nullopt;
    const std::string_view how = line.substr(using_at + 7);
    if (!starts_with(how, "INDEX ") && !starts_with(how, "COVERING INDEX ") &&
        !starts_with(how, "INTEGER PRIMARY KEY (") && !starts_with(how, "PRIMARY KEY ("))
      return std::nullopt;  // AUTOMATIC [PARTIAL] COVERING INDEX: a temporary index, built first
    parsed.kind = PlanLine::Kind::table_search;
    parsed.table = std::string(line.substr(0, using_at));
    parsed.index_text = std::string(how);
  } else {
    return std::nullopt;
  }
  // A subquery or a join held as a table ("(subquery-7)", "(join-2)") is materialized or a
  // co-routine: not a loop over a stored table (the name of a table or alias never starts with
  // "(" otherwise). A line naming RIGHT-JOIN is no loop of a known form either.
  if (parsed.table.empty() || parsed.table.front() == '(' || parsed.table.find("RIGHT-JOIN") != std::string::npos)
    return std::nullopt;
  return parsed;
}

std::span<const std::string_view> plain_loop_opcodes() { return kPlainLoopOpcodes; }

Gate plain_loop_join(const CompiledStatement& statement) {
  if (statement.plan.empty()) return refuse("no query plan");
  if (statement.opcodes.empty()) return refuse("no bytecode");
  for (std::size_t i = 0; i < statement.plan.size(); ++i) {
    const std::optional<PlanLine> line = parse_plan_line(statement.plan[i]);
    if (!line)
      return refuse(fmt::format("plan line {} \"{}\" is not a loop of a known form", i + 1, statement.plan[i]));
    if (line->kind != PlanLine::Kind::virtual_scan)
      return refuse(fmt::format("plan line {} \"{}\" is a loop over an ordinary table, not the store's", i + 1,
                                statement.plan[i]));
  }
  for (const std::string& opcode : statement.opcodes)
    if (!std::binary_search(kPlainLoopOpcodes.begin(), kPlainLoopOpcodes.end(), std::string_view(opcode)))
      return refuse(fmt::format("opcode {} is not one a plain loop join may contain", opcode));
  return allow();
}

Gate sharded_fill(const CompiledStatement& view) {
  if (Gate plain = plain_loop_join(view); !plain) return plain;
  // plain_loop_join parsed every line as a virtual_scan.
  const std::optional<PlanLine> outer = parse_plan_line(view.plan.front());
  assert(outer && outer->kind == PlanLine::Kind::virtual_scan);
  if (outer->index_number != 0 || outer->left_join)
    return refuse(fmt::format("the outer loop \"{}\" is not a full scan in row order", view.plan.front()));
  for (std::size_t i = 1; i < view.plan.size(); ++i) {
    const std::optional<PlanLine> line = parse_plan_line(view.plan[i]);
    assert(line);
    if (line->left_join && line->index_number == 0)
      return refuse(
          fmt::format("plan line {} \"{}\" is a full scan on the inner side of a LEFT JOIN", i + 1, view.plan[i]));
  }
  return allow();
}

Gate narrowed_fill(const CompiledStatement& view, const CompiledStatement& narrowed) {
  if (view.plan.empty()) return refuse("no query plan");
  if (narrowed.plan != view.plan) return refuse("the narrowed statement's plan is not the view's");
  if (Gate plain = plain_loop_join(narrowed); !plain) return plain;
  return allow();
}

std::string narrowed_sql(std::string_view view_sql, std::size_t width, const std::vector<int>& columns) {
  std::string names, selected;
  for (std::size_t i = 0; i < width; ++i) names += fmt::format("{}c{}", i ? ", " : "", i);
  for (const int column : columns) {
    assert(column >= 0 && static_cast<std::size_t>(column) < width);
    selected += fmt::format("{}c{}", selected.empty() ? "" : ", ", column);
  }
  return fmt::format("WITH \"chataudit narrowed\"({}) AS (\n{}\n)\nSELECT {} FROM \"chataudit narrowed\"", names,
                     view_sql, selected);
}

}  // namespace chataudit
