#pragma once
// What SQL from a policy, or from a view inside a SQLite inventory, may do: read, and call the
// functions of an allow-list (SPEC §4, chataudit-policy(5) FUNCTIONS). Nothing that writes, loads
// code, hands out pointers, draws random numbers or reads the clock.
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// What the authorizer saw while a statement was prepared: the first function it refused, and
/// the views (of a SQLite inventory) the statement reads through.
struct SandboxLog {
  std::string refused_function;
  std::vector<std::string> views;
  /// The tables of the main schema the statement reads (the inventory's; the policy's views live
  /// in temp), held against what a rule or view declares it reads.
  std::set<std::string> tables;
  void clear() {
    refused_function.clear();
    views.clear();
    tables.clear();
  }
};

/// Whether SQL may call the function `name` (any case).
bool allowed_function(std::string_view name);

/// "function NAME() is not allowed: WHY": the message for a refused function.
std::string refused_function_message(std::string_view name);

/// A SQLite authorizer (sqlite3_set_authorizer) that allows reading and the allowed functions,
/// and refuses everything else; `log` is a SandboxLog* (or nullptr).
int sandbox_authorizer(void* log, int action, const char* third, const char* fourth, const char* database,
                       const char* view);

/// Where `sql` reads the clock: the byte offset of a 'now' string literal, or npos.
std::size_t clock_literal(std::string_view sql);

/// The message for SQL that reads the clock.
std::string clock_message();

/// The name of a SQLite VFS that is the default one except that its clock cannot be read (a
/// date function given 'now' however spelled, built or bound, then returns NULL); registered on
/// first use. The engine's and the loader's connections use it, and ask clock_was_read().
const char* clockless_vfs();

/// Whether SQL on this thread asked that VFS for the time since the last call (which resets it).
bool clock_was_read();

/// Where the function `name` is called in `sql` (its name followed by `(`, or the bare keyword
/// for CURRENT_DATE and its kin), or npos.
std::size_t function_call_at(std::string_view sql, std::string_view name);

}  // namespace chataudit
