#pragma once
// The one TOML reader of the policy, waiver and mapping files: toml++ at the edge, every problem an
// Error at FILE:LINE:COLUMN, worded alike in the three ("unknown key …; expected one of: …").
#include <toml++/toml.h>

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/catalog.h"
#include "base/dates.h"
#include "base/error.h"

namespace chataudit {

/// `names` joined by ", " ("a, b, c"): the lists of "expected one of: …".
std::string comma_list(std::span<const std::string_view> names);

/// The bytes of a file the user names (a policy, a waiver file, a JSON baseline), `what` naming it in
/// the errors ("cannot open policy file"): more than `max_mib` MiB is an error, not a read until
/// memory runs out (/dev/zero).
std::string read_file_at_most(const std::string& path, std::string_view what, std::size_t max_mib);

/// Reads one TOML file. `what` in the messages below names the value as the user sees it:
/// `"sql" in rule r1`, `[tables.people] file`, `parameter days: non_empty`.
class TomlReader {
 public:
  explicit TomlReader(std::string path) : path_(std::move(path)) {}

  /// The file as the user named it.
  const std::string& path() const { return path_; }

  /// Parses `text`, the file's bytes; a syntax error is an Error at its position.
  toml::table parse(std::string_view text) const;

  /// Where a value, a key or a parser's region begins in this file.
  SourceRef where(const toml::source_region& region) const;
  SourceRef where(const toml::node& node) const { return where(node.source()); }
  SourceRef where(const toml::key& key) const { return where(key.source()); }

  /// A diagnostic at `node`, for problems that do not stop the load (notes).
  Diagnostic note(const toml::node& node, std::string message) const;
  [[noreturn]] void fail(const SourceRef& ref, std::string message) const;
  [[noreturn]] void fail(const toml::node& node, std::string message) const { fail(where(node), std::move(message)); }
  [[noreturn]] void fail(const toml::key& key, std::string message) const { fail(where(key), std::move(message)); }

  /// Rejects the first key of `table` not in `allowed`, at the key: `unknown key "k" in WHAT;
  /// expected one of: a, b`.
  void only_keys(const toml::table& table, std::span<const std::string_view> allowed, std::string_view what) const;
  void only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed,
                 std::string_view what) const {
    only_keys(table, std::span<const std::string_view>(allowed.begin(), allowed.size()), what);
  }

  /// `table[key]`, which must be there: `WHAT needs "KEY"` and `hint` (a space-led remark or empty)
  /// at the table otherwise.
  const toml::node& required(const toml::table& table, std::string_view key, std::string_view what,
                             std::string_view hint = {}) const;

  /// A table: `WHAT must be a table` otherwise.
  const toml::table& table_at(const toml::node& node, std::string_view what) const;
  /// A string: `WHAT must be a string` otherwise.
  std::string string_at(const toml::node& node, std::string_view what) const;
  /// A string with more than white space (returned as written): `WHAT must not be empty` otherwise.
  std::string non_empty_string_at(const toml::node& node, std::string_view what) const;
  /// An array of strings: `WHAT must be an array of strings`, `WHAT must contain only strings`.
  std::vector<std::string> strings_at(const toml::node& node, std::string_view what) const;
  /// true or false: `WHAT must be true or false` otherwise.
  bool boolean_at(const toml::node& node, std::string_view what) const;
  /// An integer or a real: `WHAT must be a number` otherwise.
  double number_at(const toml::node& node, std::string_view what) const;
  /// A TOML date (the caller has checked `node.is_date()`) on chataudit's calendar: `WHAT is not a
  /// valid date` otherwise (2026-02-30, or a day before 1400).
  Date date_at(const toml::node& node, std::string_view what) const;

  /// Calls `read(table)` for each `[[KEY]]` table of `parent`, in order. KEY written otherwise is
  /// `PLURAL must be written as [[KEY]] tables`, an item that is no table `each KEY must be a [[KEY]] table`.
  template <class Read>
  void each_table(const toml::table& parent, std::string_view key, std::string_view plural, Read&& read) const {
    const toml::node* node = parent.get(key);
    if (!node) return;
    for (const toml::node& item : array_of_tables(*node, key, plural)) {
      const toml::table* table = item.as_table();
      if (!table) fail(item, tr("each {} must be a [[{}]] table", key, key));
      read(*table);
    }
  }

 private:
  const toml::array& array_of_tables(const toml::node& node, std::string_view key, std::string_view plural) const;

  std::string path_;
};

}  // namespace chataudit
