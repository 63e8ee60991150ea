#include "store/sql_sandbox.h"

#include "base/catalog.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>

namespace chataudit {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// SQLite 3.40's built-in scalar, aggregate, window, date and time, math and JSON functions
// (json_each and json_tree are table-valued and never asked about), and the engine's own. Left
// out: load_extension (loads code), fts3_tokenizer (hands out and takes native pointers),
// random and randomblob (a report must be the same for the same inputs), current_date,
// current_time and current_timestamp (the clock: rules use :as_of), sqlite_log (writes to the
// error log), and the full-text and R-tree helpers, which only make sense on tables an
// inventory does not have. Sorted, for binary search.
constexpr std::array kAllowed = std::to_array<std::string_view>({
    "->",
    "->>",
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "avg",
    "ceil",
    "ceiling",
    "changes",
    "char",
    "coalesce",
    "concat",
    "concat_ws",
    "cos",
    "cosh",
    "count",
    "cume_dist",
    "date",
    "datetime",
    "degrees",
    "dense_rank",
    "exp",
    "first_value",
    "floor",
    "format",
    "glob",
    "group_concat",
    "hex",
    "ifnull",
    "iif",
    "instr",
    "json",
    "json_array",
    "json_array_length",
    "json_error_position",
    "json_extract",
    "json_group_array",
    "json_group_object",
    "json_insert",
    "json_object",
    "json_patch",
    "json_quote",
    "json_remove",
    "json_replace",
    "json_set",
    "json_type",
    "json_valid",
    "julianday",
    "lag",
    "last_insert_rowid",
    "last_value",
    "lead",
    "length",
    "like",
    "likelihood",
    "likely",
    "ln",
    "log",
    "log10",
    "log2",
    "lower",
    "ltrim",
    "max",
    "min",
    "mod",
    "nfkc",
    "nth_value",
    "ntile",
    "nullif",
    "octet_length",
    "percent_rank",
    "pi",
    "pow",
    "power",
    "printf",
    "quote",
    "radians",
    "rank",
    "remove_white_space",
    "replace",
    "round",
    "row_number",
    "rtrim",
    "sign",
    "sin",
    "sinh",
    "soundex",
    "sqlite_compileoption_get",
    "sqlite_compileoption_used",
    "sqlite_offset",
    "sqlite_source_id",
    "sqlite_version",
    "sqrt",
    "strftime",
    "string_agg",
    "substr",
    "substring",
    "sum",
    "tan",
    "tanh",
    "time",
    "timediff",
    "total",
    "total_changes",
    "trim",
    "trunc",
    "typeof",
    "unhex",
    "unicode",
    "unixepoch",
    "unlikely",
    "upper",
    "zeroblob",
});

}  // namespace

bool allowed_function(std::string_view name) {
  static_assert(std::is_sorted(kAllowed.begin(), kAllowed.end()));
  return std::binary_search(kAllowed.begin(), kAllowed.end(), std::string_view(lower(name)));
}

std::string refused_function_message(std::string_view name) {
  const std::string key = lower(name);
  std::string_view why = tr("it is not one of the functions a rule or view may call (chataudit-policy(5), FUNCTIONS)");
  if (key == "load_extension")
    why = tr("it would load code into the tool");
  else if (key == "fts3_tokenizer")
    why = tr("it hands out and takes native pointers");
  else if (key == "random" || key == "randomblob")
    why = tr("a report must be the same for the same inputs");
  else if (key.starts_with("current_"))
    return clock_message();
  return tr("function {}() is not allowed: {}", name, why);
}

std::string clock_message() {
  return tr(
      "reads the clock ('now', CURRENT_DATE, CURRENT_TIME or CURRENT_TIMESTAMP), which is refused: an audit "
      "re-run for a date must give the same answer; use :as_of, the audit date");
}

namespace {

thread_local bool clock_read = false;

int refuse_time(sqlite3_vfs*, double*) {
  clock_read = true;
  return SQLITE_ERROR;
}

int refuse_time_int64(sqlite3_vfs*, sqlite3_int64*) {
  clock_read = true;
  return SQLITE_ERROR;
}

}  // namespace

const char* clockless_vfs() {
  static constexpr const char* kName = "chataudit-clockless";
  static std::once_flag once;
  static sqlite3_vfs vfs{};
  std::call_once(once, [] {
    // A copy of the default VFS (its pAppData included: the unix VFS keeps its I/O methods
    // there), with the clock taken away. The statement-level check in the authorizer and
    // clock_literal() give the position; this catches what they cannot see.
    vfs = *sqlite3_vfs_find(nullptr);
    vfs.zName = kName;
    vfs.pNext = nullptr;
    vfs.xCurrentTime = refuse_time;
    if (vfs.iVersion >= 2) vfs.xCurrentTimeInt64 = refuse_time_int64;
    sqlite3_vfs_register(&vfs, 0);
  });
  return kName;
}

bool clock_was_read() {
  const bool read = clock_read;
  clock_read = false;
  return read;
}

int sandbox_authorizer(void* log, int action, const char* third, const char* fourth, const char* database,
                       const char* view) {
  auto* seen = static_cast<SandboxLog*>(log);
  switch (action) {
    case SQLITE_READ:
      if (seen && view && std::find(seen->views.begin(), seen->views.end(), view) == seen->views.end())
        seen->views.emplace_back(view);
      // A table read for no column (count(*)) comes with no database name: kept too.
      if (seen && third && (!database || std::string_view(database) == "main")) seen->tables.insert(third);
      return SQLITE_OK;
    case SQLITE_SELECT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    case SQLITE_FUNCTION:
      // Refused here, the statement fails when it is compiled (at policy load, with a position)
      // rather than when a rule happens to run.
      if (fourth && allowed_function(fourth)) return SQLITE_OK;
      if (seen && seen->refused_function.empty()) seen->refused_function = fourth ? fourth : "";
      return SQLITE_DENY;
    case SQLITE_UPDATE:
      // Table-valued functions such as json_each declare their schema through this check; the
      // statement is still refused unless sqlite3_stmt_readonly holds.
      return third && std::string_view(third) == "sqlite_master" ? SQLITE_OK : SQLITE_DENY;
    default:
      return SQLITE_DENY;
  }
}

std::size_t clock_literal(std::string_view sql) {
  for (std::size_t at = 0; at < sql.size(); ++at) {
    const char c = sql[at];
    if (c == '-' && at + 1 < sql.size() && sql[at + 1] == '-') {
      at = sql.find('\n', at);
      if (at == std::string_view::npos) break;
    } else if (c == '/' && at + 1 < sql.size() && sql[at + 1] == '*') {
      at = sql.find("*/", at + 2);
      if (at == std::string_view::npos) break;
      ++at;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      // A literal or a quoted name; '' inside a literal is a quote. A double-quoted "now" is a
      // string where SQLite takes double-quoted strings (a SQLite inventory's own views).
      const char close = c == '[' ? ']' : c;
      std::string text;
      std::size_t end = at + 1;
      for (; end < sql.size(); ++end) {
        if (sql[end] != close) {
          text += sql[end];
        } else if (close != ']' && end + 1 < sql.size() && sql[end + 1] == close) {
          text += close;
          ++end;
        } else {
          break;
        }
      }
      if ((c == '\'' || c == '"') && lower(text) == "now") return at;
      at = end;
    }
  }
  return std::string_view::npos;
}

std::size_t function_call_at(std::string_view sql, std::string_view name) {
  const std::string text = lower(sql), word = lower(name);
  const bool keyword = word.starts_with("current_");
  auto identifier = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (std::size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    if (at > 0 && identifier(text[at - 1])) continue;
    std::size_t after = at + word.size();
    if (after < text.size() && identifier(text[after])) continue;
    if (keyword) return at;
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    if (after < text.size() && text[after] == '(') return at;
  }
  return std::string::npos;
}

}  // namespace chataudit
