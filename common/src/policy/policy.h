#pragma once
// A policy: metadata, parameters, shared views and rules, loaded from TOML with source positions.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/dates.h"
#include "base/error.h"
#include "base/lang.h"

namespace chataudit {

enum class Severity { error = 0, warning = 1, notice = 2 };

std::string_view to_string(Severity severity);
std::optional<Severity> parse_severity(std::string_view text);

/// A text in both report languages.
struct Localized {
  std::string zh, en;
  const std::string& in(Lang lang) const { return lang == Lang::zh ? zh : en; }
};

/// A parameter value: integer, real, boolean, string, or list of strings.
using ParamValue = std::variant<std::int64_t, double, bool, std::string, std::vector<std::string>>;

/// What a parameter accepts (`name = { value = …, min = 0 }`); every part optional.
struct ParamAccepts {
  std::optional<double> min, max;   ///< least and greatest number (integer and real parameters)
  std::vector<std::string> one_of;  ///< the words a string (or each item of a list) may be
  bool non_empty = false;           ///< a string not empty; a list with an item, and no empty item
  SourceRef where;                  ///< where the policy declares it
  bool any() const { return min || max || !one_of.empty() || non_empty; }
};

struct Param {
  std::string name;
  ParamValue value;
  SourceRef where;
  ParamAccepts accepts;
};

/// What is wrong with `value` for `param` under its `accepts` ("expected …"); empty when nothing.
std::string param_value_problem(const Param& param, const ParamValue& value);

/// "min = 0", "one of exact, contains, off", …: what a parameter accepts, for --explain and messages.
std::string describe_accepts(const ParamAccepts& accepts);

/// A table computed once per run from the inventory (parameters bound), which rules may read.
struct View {
  std::string name;
  std::vector<std::string> requires_tables;
  /// Inventory tables read when supplied and empty (every canonical column, no row) when not:
  /// never a reason to skip a rule that reads the view.
  std::vector<std::string> optional_tables;
  std::string sql;
  SourceRef where, sql_where;
};

struct Rule {
  std::string id;
  std::string tool;
  Severity severity = Severity::error;
  Localized article, title, message, remedy;
  /// Shown before the message in the formats people read (text, Markdown, HTML, e-mail, CSV,
  /// JUnit): what the message is about when its subject id alone does not say it (a membership's
  /// group by name). JSON and JSON Lines leave it out; their ids name it. Empty: none.
  Localized context;
  std::vector<std::string> requires_tables;  ///< the rule is skipped when one is not supplied
  std::vector<std::string> optional_tables;  ///< read when supplied, empty when not (see View)
  std::string only_with;                     ///< a filter that must be given for the rule to run (e.g. `person`)
  std::string sql;
  bool enabled = true;
  SourceRef where, sql_where, message_where, context_where;
};

struct Policy {
  std::string path;                ///< as given
  std::vector<std::string> files;  ///< this file and every file it extends (what the run reads)
  std::string digest;              ///< SHA-256 of the file's bytes (and of the bases it extends), hex
  std::string id;
  Localized title;
  Date effective;
  std::string timezone;
  TimeZone zone = TimeZone::utc();
  /// Result columns holding personal names or handles, masked in messages under --redact.
  std::vector<std::string> personal_columns;
  /// Result columns that exist only to build messages: usable in message templates, never put in a
  /// finding's details.
  std::vector<std::string> message_columns;
  std::vector<Param> params;
  std::vector<View> views;
  std::vector<Rule> rules;
  /// What was accepted but has no effect (a view's `indexes` and `materialize`: SPEC §4 keeps the
  /// engine's business out of the policy), printed under --verbose.
  std::vector<Diagnostic> notes;

  const Param* find_param(std::string_view name) const;
  const Rule* find_rule(std::string_view id) const;
};

/// What the engine binds to a parameter it names itself; a policy's [params] may not take these names.
enum class BoundParam {
  none,       ///< not one of them: a parameter of the policy's own
  as_of,      ///< :as_of, the audit date (--as-of)
  effective,  ///< :effective, the policy's effective date
  filter,     ///< :person, :org, :group: the --person, --org or --group id, NULL when not given
};
/// What the parameter `name` (without its colon) stands for; the one list of the reserved names.
BoundParam bound_param(std::string_view name);

/// Loads and validates the structure of a policy (unknown keys, types, duplicate ids, the time
/// zone, `extends`). SQL is compiled later, against the loaded inventory (see engine.h).
/// Throws chataudit::Error with FILE:LINE:COLUMN.
Policy load_policy(const std::string& path);

/// Renders a parameter value as it appears in TOML.
std::string to_toml(const ParamValue& value);
/// A parameter value as a sentence in `lang` shows it: a string as is, a list as quoted words joined by
/// 、 and 或 in zh (「九三学社」或「九三學社」), by ", " and "or" in en (“九三学社” or “九三學社”);
/// other values as in TOML.
std::string param_words(const ParamValue& value, Lang lang);
/// What placeholder `placeholder` (the text between the braces) of a title, remedy, message or context
/// gives when it names one of `params`: `name`, param_words(its value, lang); `name|ONE|OTHER` (an
/// English noun in the singular and the plural), the value then a space and ONE when the value is
/// 1, OTHER otherwise: `{grace_days|day|days}` gives "1 day", "3 days". nullopt when it names no
/// parameter (or gives other than two words after the name).
std::optional<std::string> param_placeholder(std::string_view placeholder, const std::vector<Param>& params, Lang lang);
/// `text` with each `{…}` that param_placeholder() fills replaced by what it gives; everything else,
/// other braces included, is kept as written.
std::string fill_params(std::string_view text, const std::vector<Param>& params, Lang lang);
/// Names a parameter's type for messages: "an integer", "a string", …
std::string type_name(const ParamValue& value);

}  // namespace chataudit
