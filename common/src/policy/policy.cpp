// The policy loader: toml++ at the edge, every problem turned into a Diagnostic at its position.
#include "policy/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>
#include <utility>

#include "base/error.h"
#include "base/text.h"
#include "base/toml_reader.h"
#include "policy/schema.h"
#include "policy/tools.h"

namespace chataudit {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::notice:
      return "notice";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "error") return Severity::error;
  if (text == "warning") return Severity::warning;
  if (text == "notice") return Severity::notice;
  return std::nullopt;
}

const Param* Policy::find_param(std::string_view name) const {
  for (const Param& param : params)
    if (param.name == name) return &param;
  return nullptr;
}

const Rule* Policy::find_rule(std::string_view rule_id) const {
  for (const Rule& rule : rules)
    if (rule.id == rule_id) return &rule;
  return nullptr;
}

std::string to_toml(const ParamValue& value) {
  struct Visitor {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const { return fmt::format("{}", v); }
    std::string operator()(bool v) const { return v ? "true" : "false"; }
    std::string operator()(const std::string& v) const { return "\"" + v + "\""; }
    std::string operator()(const std::vector<std::string>& v) const {
      std::string out = "[";
      for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + v[i] + "\"";
      return out + "]";
    }
  };
  return std::visit(Visitor{}, value);
}

std::string param_words(const ParamValue& value, Lang lang) {
  if (auto text = std::get_if<std::string>(&value)) return *text;
  auto list = std::get_if<std::vector<std::string>>(&value);
  if (!list) return to_toml(value);
  const bool zh = lang == Lang::zh;
  std::string out;
  for (std::size_t i = 0; i < list->size(); ++i) {
    if (i > 0) out += i + 1 == list->size() ? (zh ? "或" : " or ") : (zh ? "、" : ", ");
    out += (zh ? "「" : "“") + (*list)[i] + (zh ? "」" : "”");
  }
  return out;
}

std::optional<std::string> param_placeholder(std::string_view placeholder, const std::vector<Param>& params,
                                             Lang lang) {
  const std::size_t bar = placeholder.find('|');
  const std::string_view name = placeholder.substr(0, bar);
  auto param = std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name; });
  if (name.empty() || param == params.end()) return std::nullopt;
  if (bar == std::string_view::npos) return param_words(param->value, lang);
  const std::string_view forms = placeholder.substr(bar + 1);
  const std::size_t second = forms.find('|');
  if (second == std::string_view::npos || forms.find('|', second + 1) != std::string_view::npos) return std::nullopt;
  const auto* integer = std::get_if<std::int64_t>(&param->value);
  const auto* real = std::get_if<double>(&param->value);
  const bool one = (integer && *integer == 1) || (real && *real == 1.0);
  return param_words(param->value, lang) + " " + std::string(one ? forms.substr(0, second) : forms.substr(second + 1));
}

std::string fill_params(std::string_view text, const std::vector<Param>& params, Lang lang) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t close = text[i] == '{' ? text.find('}', i) : std::string_view::npos;
    const std::optional<std::string> filled = close == std::string_view::npos
                                                  ? std::nullopt
                                                  : param_placeholder(text.substr(i + 1, close - i - 1), params, lang);
    if (!filled) {
      out += text[i];
      continue;
    }
    out += *filled;
    i = close;
  }
  return out;
}

std::string describe_accepts(const ParamAccepts& accepts) {
  std::vector<std::string> parts;
  if (!accepts.one_of.empty()) {
    std::string words;
    for (const std::string& word : accepts.one_of) words += (words.empty() ? "" : ", ") + word;
    parts.push_back(tr("one of {}", words));
  }
  if (accepts.min) parts.push_back(tr("at least {}", *accepts.min));
  if (accepts.max) parts.push_back(tr("at most {}", *accepts.max));
  if (accepts.non_empty) parts.emplace_back(tr("not empty"));
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string param_value_problem(const Param& param, const ParamValue& value) {
  const ParamAccepts& accepts = param.accepts;
  if (!accepts.any()) return {};
  const std::string expected = tr("expected {}", describe_accepts(accepts));
  std::optional<double> number;
  if (auto v = std::get_if<std::int64_t>(&value)) number = static_cast<double>(*v);
  if (auto v = std::get_if<double>(&value)) number = *v;
  if (number && ((accepts.min && *number < *accepts.min) || (accepts.max && *number > *accepts.max))) return expected;
  auto word_ok = [&](const std::string& word) {
    return accepts.one_of.empty() ||
           std::find(accepts.one_of.begin(), accepts.one_of.end(), word) != accepts.one_of.end();
  };
  if (auto v = std::get_if<std::string>(&value)) {
    if ((accepts.non_empty && v->empty()) || !word_ok(*v)) return expected;
  }
  if (auto v = std::get_if<std::vector<std::string>>(&value)) {
    if (accepts.non_empty && v->empty()) return expected + tr(" (a list of at least one item)");
    for (const std::string& item : *v) {
      if (accepts.non_empty && item.empty()) return expected + tr(" (an empty item would match everything)");
      if (!word_ok(item)) return tr("{} (\"{}\" is not)", expected, item);
    }
  }
  return {};
}

std::string type_name(const ParamValue& value) {
  switch (value.index()) {
    case 0:
      return tr("an integer");
    case 1:
      return tr("a number");
    case 2:
      return tr("true or false");
    case 3:
      return tr("a string");
    default:
      return tr("a list of strings");
  }
}

namespace {

// Names the engine binds itself; a policy parameter may not take them.
constexpr std::pair<std::string_view, BoundParam> kBoundParams[] = {{"as_of", BoundParam::as_of},
                                                                    {"effective", BoundParam::effective},
                                                                    {"person", BoundParam::filter},
                                                                    {"org", BoundParam::filter},
                                                                    {"group", BoundParam::filter}};
constexpr int kMaxExtendsDepth = 8;

// The policy's own getters: a value found by its key in a table, named `"key" in WHAT` (`WHAT` is
// `[policy]`, `rule r1`, `view v`), and where a string's text starts, for SQL errors.
class PolicyReader : public TomlReader {
 public:
  PolicyReader(std::string path, std::string_view text) : TomlReader(std::move(path)) {
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) lines_.push_back(line);
  }

  using TomlReader::string_at;
  using TomlReader::strings_at;

  // Absent: an error when `needed`, else "".
  std::string string_at(const toml::table& table, std::string_view key, std::string_view what, bool needed) const {
    const toml::node* node = needed ? &required(table, key, what) : table.get(key);
    return node ? string_at(*node, fmt::format("\"{}\" in {}", key, what)) : std::string();
  }

  Localized localized_at(const toml::table& table, std::string_view key, std::string_view what) const {
    const toml::node& node = required(table, key, what, " = { zh = \"…\", en = \"…\" }");
    const toml::table* texts = node.as_table();
    if (!texts) fail(node, tr("\"{}\" in {} must be a table {{ zh = \"…\", en = \"…\" }}", key, what));
    const std::string texts_what = fmt::format("{}.{}", what, key);
    only_keys(*texts, {"zh", "en"}, texts_what);
    return Localized{string_at(*texts, "zh", texts_what, true), string_at(*texts, "en", texts_what, true)};
  }

  std::vector<std::string> strings_at(const toml::table& table, std::string_view key, std::string_view what) const {
    const toml::node* node = table.get(key);
    return node ? strings_at(*node, fmt::format("\"{}\" in {}", key, what)) : std::vector<std::string>();
  }

  // Where the text of a string value starts, so that SQL errors point into the file.
  SourceRef string_content_start(const toml::node& node) const {
    SourceRef ref = where(node);
    if (ref.line < 1 || ref.line > static_cast<int>(lines_.size())) return ref;
    const std::string& line = lines_[ref.line - 1];
    // toml++ counts columns in characters; find the byte offset of that column.
    std::size_t byte = 0;
    for (int column = 1; column < ref.column && byte < line.size(); ++column) {
      ++byte;
      while (byte < line.size() && (static_cast<unsigned char>(line[byte]) & 0xC0) == 0x80) ++byte;
    }
    std::string_view rest = std::string_view(line).substr(byte);
    if (rest.starts_with("\"\"\"") || rest.starts_with("'''")) {
      if (trim(rest.substr(3)).empty()) return SourceRef{ref.file, ref.line + 1, 1};
      ref.column += 3;
    } else if (rest.starts_with("\"") || rest.starts_with("'")) {
      ref.column += 1;
    }
    return ref;
  }

 private:
  std::vector<std::string> lines_;
};

// A policy is a few hundred kilobytes; the cap turns `extends = "/dev/zero"` (or a policy path
// pointing at some huge file) into an error instead of reading until memory runs out.
constexpr std::size_t kMaxPolicyMiB = 16;

std::string read_policy_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw Error(Diagnostic{.file = path, .message = tr("is a directory; --policy takes a policy file (TOML)")});
  return read_file_at_most(path, tr("policy file"), kMaxPolicyMiB);
}

bool valid_name(std::string_view name, bool dashes) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dashes && c == '-');
    if (!ok) return false;
  }
  return !(name[0] >= '0' && name[0] <= '9');
}

// ---- [params] ----

ParamValue param_value(const PolicyReader& reader, const toml::node& node, std::string_view name) {
  if (auto v = node.as_integer()) return v->get();
  if (auto v = node.as_floating_point()) return v->get();
  if (auto v = node.as_boolean()) return v->get();
  if (auto v = node.as_string()) return std::string(v->get());
  if (auto array = node.as_array()) {
    std::vector<std::string> items;
    for (const toml::node& item : *array) {
      if (!item.is_string()) reader.fail(item, tr("parameter {}: a list parameter holds only strings", name));
      items.emplace_back(item.as_string()->get());
    }
    return items;
  }
  reader.fail(node, tr("parameter {}: expected an integer, real, boolean, string or list of strings", name));
}

// `name = VALUE`, or `name = { value = VALUE, min = …, max = …, one_of = […], non_empty = … }`
// (what the value must be; a policy extending this one keeps it and may add to it).
void read_param_accepts(const PolicyReader& reader, const toml::table& table, std::string_view name,
                        ParamAccepts& accepts) {
  const std::string what = tr("parameter {}", name);
  reader.only_keys(table, {"value", "min", "max", "one_of", "non_empty"}, what);
  accepts.where = reader.where(table);
  for (const char* bound : {"min", "max"}) {
    const toml::node* node = table.get(bound);
    if (!node) continue;
    const double number = reader.number_at(*node, fmt::format("{}: {}", what, bound));
    (std::string_view(bound) == "min" ? accepts.min : accepts.max) = number;
  }
  if (table.contains("one_of")) accepts.one_of = reader.strings_at(table, "one_of", what);
  if (const toml::node* node = table.get("non_empty"))
    accepts.non_empty = reader.boolean_at(*node, fmt::format("{}: non_empty", what));
}

// A [params] key: a name of the policy's own, not one the engine binds.
std::string param_name(const PolicyReader& reader, const toml::key& key) {
  std::string name(key.str());
  if (!valid_name(name, false))
    reader.fail(key, tr("parameter name \"{}\": use lower-case letters, digits and _", name));
  if (bound_param(name) != BoundParam::none)
    reader.fail(key, tr("parameter name \"{}\" is reserved: the engine binds :{} itself", name, name));
  return name;
}

// Adds `param` to the policy, or replaces the base policy's parameter of that name, which fixes its
// type; `declared`: this policy gives its own { value = … } table, else the base's declaration holds.
const Param& store_param(const PolicyReader& reader, Policy& policy, Param param, bool declared,
                         const toml::node& value_node) {
  for (Param& existing : policy.params) {
    if (existing.name != param.name) continue;
    if (existing.value.index() != param.value.index())
      reader.fail(value_node,
                  tr("parameter {} must be {}, as in the base policy", param.name, type_name(existing.value)));
    // The base's declaration holds unless this policy declares its own.
    if (!declared) param.accepts = existing.accepts;
    existing = std::move(param);
    return existing;
  }
  return policy.params.emplace_back(std::move(param));
}

// The declaration fits the value's type, and the value fits the declaration.
void check_param(const PolicyReader& reader, const Param& param, const toml::node& value_node) {
  if (const ParamAccepts& a = param.accepts; a.min || a.max) {
    if (param.value.index() > 1)
      reader.fail(a.where,
                  tr("parameter {}: min and max are for numbers; it is {}", param.name, type_name(param.value)));
  }
  if (!param.accepts.one_of.empty() && param.value.index() < 3)
    reader.fail(param.accepts.where,
                tr("parameter {}: one_of is for a string or a list; it is {}", param.name, type_name(param.value)));
  if (const std::string problem = param_value_problem(param, param.value); !problem.empty())
    reader.fail(value_node, tr("parameter {}: {}", param.name, problem));
}

void read_param(const PolicyReader& reader, const toml::key& key, const toml::node& value, Policy& policy) {
  const std::string name = param_name(reader, key);
  const toml::table* declared = value.as_table();
  const toml::node* value_node = &value;
  ParamAccepts accepts;
  if (declared) {
    read_param_accepts(reader, *declared, name, accepts);
    value_node = declared->get("value");
    if (!value_node) reader.fail(value, tr("parameter {}: {{ value = … }} needs its value", name));
  }
  Param param{name, param_value(reader, *value_node, name), reader.where(*value_node), accepts};
  check_param(reader, store_param(reader, policy, std::move(param), declared != nullptr, *value_node), *value_node);
}

void read_params(const PolicyReader& reader, const toml::table& root, Policy& policy) {
  const toml::node* params_node = root.get("params");
  if (!params_node) return;
  for (auto&& [key, value] : reader.table_at(*params_node, "params")) read_param(reader, key, value, policy);
}

// ---- [[view]] and [[rule]] ----

// `optional`: tables a rule or view reads when they are supplied. An absent one is read as the
// schema's empty table (every canonical column, no row), so it must be an inventory table; a table
// cannot be both required and optional.
std::vector<std::string> optional_tables_at(const PolicyReader& reader, const toml::table& table, std::string_view what,
                                            const std::vector<std::string>& required) {
  std::vector<std::string> names = reader.strings_at(table, "optional", what);
  const toml::array& array = *table.get("optional")->as_array();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!find_table(names[i]))
      reader.fail(*array.get(i), tr("{}: optional table \"{}\" is not an inventory table; an absent optional "
                                    "table reads as that table with no rows, so it must be one of: {}",
                                    what, names[i], inventory_table_names()));
    if (std::find(required.begin(), required.end(), names[i]) != required.end())
      reader.fail(*array.get(i), tr("{}: table \"{}\" is both required and optional", what, names[i]));
  }
  return names;
}

void read_rule(const PolicyReader& reader, const toml::table& table, Policy& policy) {
  reader.only_keys(table,
                   {"id", "tool", "severity", "article", "title", "message", "context", "remedy", "requires",
                    "optional", "only_with", "sql", "enabled"},
                   "[[rule]]");
  const std::string id = reader.string_at(table, "id", "[[rule]]", true);
  if (!valid_name(id, true))
    reader.fail(*table.get("id"), tr("rule id \"{}\": use lower-case letters, digits and dashes", id));
  const std::string what = tr("rule {}", id);
  Rule* existing = nullptr;
  for (Rule& rule : policy.rules)
    if (rule.id == id) existing = &rule;
  const bool inherited = existing && existing->where.file != reader.path();
  if (existing && !inherited) reader.fail(*table.get("id"), tr("rule {} is defined twice", id));
  Rule rule = inherited ? *existing : Rule{};
  rule.id = id;
  rule.where = reader.where(table);
  const bool complete = !inherited;  // a rule of an extended policy may override single keys
  if (complete || table.contains("tool")) {
    rule.tool = reader.string_at(table, "tool", what, true);
    if (!find_tool(rule.tool))
      reader.fail(*table.get("tool"), tr("{}: unknown tool \"{}\"; expected {}", what, rule.tool, tool_names()));
  }
  if (complete || table.contains("severity")) {
    const std::string severity = reader.string_at(table, "severity", what, true);
    auto parsed = parse_severity(severity);
    if (!parsed)
      reader.fail(*table.get("severity"),
                  tr("{}: unknown severity \"{}\"; expected error, warning or notice", what, severity));
    rule.severity = *parsed;
  }
  if (complete || table.contains("article")) rule.article = reader.localized_at(table, "article", what);
  if (complete || table.contains("title")) rule.title = reader.localized_at(table, "title", what);
  if (complete || table.contains("message")) {
    rule.message = reader.localized_at(table, "message", what);
    rule.message_where = reader.where(*table.get("message"));
  }
  if (table.contains("context")) {
    rule.context = reader.localized_at(table, "context", what);
    rule.context_where = reader.where(*table.get("context"));
  }
  if (complete || table.contains("remedy")) rule.remedy = reader.localized_at(table, "remedy", what);
  if (complete || table.contains("sql")) {
    rule.sql = reader.string_at(table, "sql", what, true);
    rule.sql_where = reader.string_content_start(*table.get("sql"));
  }
  if (table.contains("requires")) rule.requires_tables = reader.strings_at(table, "requires", what);
  if (table.contains("optional")) rule.optional_tables = optional_tables_at(reader, table, what, rule.requires_tables);
  if (table.contains("only_with")) {
    rule.only_with = reader.string_at(table, "only_with", what, false);
    if (bound_param(rule.only_with) != BoundParam::filter)
      reader.fail(*table.get("only_with"), tr("{}: only_with must be person, org or group", what));
  }
  if (const toml::node* enabled = table.get("enabled"))
    rule.enabled = reader.boolean_at(*enabled, fmt::format("{}: enabled", what));
  if (existing)
    *existing = std::move(rule);
  else
    policy.rules.push_back(std::move(rule));
}

void read_view(const PolicyReader& reader, const toml::table& table, Policy& policy) {
  reader.only_keys(table, {"name", "requires", "optional", "sql", "indexes", "materialize"}, "[[view]]");
  View view;
  view.name = reader.string_at(table, "name", "[[view]]", true);
  if (!valid_name(view.name, false))
    reader.fail(*table.get("name"), tr("view name \"{}\": use lower-case letters, digits and _", view.name));
  view.requires_tables = reader.strings_at(table, "requires", tr("view {}", view.name));
  if (table.contains("optional"))
    view.optional_tables = optional_tables_at(reader, table, tr("view {}", view.name), view.requires_tables);
  view.sql = reader.string_at(table, "sql", tr("view {}", view.name), true);
  view.where = reader.where(table);
  view.sql_where = reader.string_content_start(*table.get("sql"));
  // Accepted and ignored for one release (SPEC §4): how a view is stored is the engine's business.
  if (const toml::node* indexes = table.get("indexes")) {
    reader.strings_at(table, "indexes", tr("view {}", view.name));
    policy.notes.push_back(reader.note(*indexes, tr("view {}: indexes is ignored (the engine decides what to "
                                                    "index from the queries); remove it, a later release "
                                                    "will refuse it",
                                                    view.name)));
  }
  if (const toml::node* materialize = table.get("materialize")) {
    reader.boolean_at(*materialize, fmt::format("view {}: materialize", view.name));
    policy.notes.push_back(reader.note(*materialize, tr("view {}: materialize is ignored (the engine decides "
                                                        "how a view is stored); remove it, a later release "
                                                        "will refuse it",
                                                        view.name)));
  }
  for (View& existing : policy.views) {
    if (existing.name != view.name) continue;
    if (existing.where.file == reader.path()) reader.fail(table, tr("view {} is defined twice", view.name));
    existing = std::move(view);
    return;
  }
  policy.views.push_back(std::move(view));
}

// ---- [policy], and the file as a whole ----

void load_into(Policy& policy, const std::string& path, int depth, std::set<std::string>& visiting);

const toml::table& policy_table(const PolicyReader& reader, const toml::table& root) {
  const toml::table* meta = root["policy"].as_table();
  if (!meta) reader.fail(SourceRef{reader.path(), 1, 1}, tr("missing [policy] table (id, title, effective, timezone)"));
  reader.only_keys(
      *meta, {"id", "title", "effective", "timezone", "extends", "description", "personal_columns", "message_columns"},
      "[policy]");
  return *meta;
}

// `extends`: the base policy is loaded first, into the same Policy, which this one then amends.
void load_base(Policy& policy, const PolicyReader& reader, const toml::table& meta, int depth,
               std::set<std::string>& visiting) {
  const toml::node* extends = meta.get("extends");
  if (!extends) return;
  if (!extends->is_string()) reader.fail(*extends, tr("extends must be a string: the path of the base policy"));
  if (depth >= kMaxExtendsDepth) reader.fail(*extends, tr("extends is nested too deeply"));
  std::filesystem::path base(extends->as_string()->get());
  if (base.is_relative()) base = std::filesystem::path(reader.path()).parent_path() / base;
  const std::string base_path = base.lexically_normal().string();
  if (visiting.count(base_path)) reader.fail(*extends, tr("extends {} forms a cycle", base_path));
  visiting.insert(base_path);
  load_into(policy, base_path, depth + 1, visiting);
}

// [policy]'s id, title, effective date, time zone, personal and message columns; over a base policy,
// only the id must be given again.
void read_meta(const PolicyReader& reader, const toml::table& meta, bool base_loaded, Policy& policy) {
  policy.id = reader.string_at(meta, "id", "[policy]", true);
  if (!base_loaded || meta.contains("title")) policy.title = reader.localized_at(meta, "title", "[policy]");
  if (!base_loaded || meta.contains("effective")) {
    const toml::node* effective = meta.get("effective");
    if (!effective || !effective->is_date())
      reader.fail(effective ? reader.where(*effective) : reader.where(meta),
                  tr("[policy] needs effective = YYYY-MM-DD (a TOML date, unquoted)"));
    policy.effective = reader.date_at(*effective, "effective");
  }
  if (!base_loaded || meta.contains("timezone")) {
    policy.timezone = reader.string_at(meta, "timezone", "[policy]", true);
    std::string error;
    auto zone = TimeZone::parse(policy.timezone, &error);
    if (!zone) reader.fail(*meta.get("timezone"), error);
    policy.zone = *zone;
  }
  if (meta.contains("personal_columns"))
    policy.personal_columns = reader.strings_at(meta, "personal_columns", "[policy]");
  if (meta.contains("message_columns")) policy.message_columns = reader.strings_at(meta, "message_columns", "[policy]");
}

void load_into(Policy& policy, const std::string& path, int depth, std::set<std::string>& visiting) {
  const std::string text = read_policy_file(path);
  const PolicyReader reader(path, text);
  const toml::table root = reader.parse(text);
  reader.only_keys(root, {"policy", "params", "view", "rule"}, tr("the policy"));
  const toml::table& meta = policy_table(reader, root);
  load_base(policy, reader, meta, depth, visiting);
  read_meta(reader, meta, /*base_loaded=*/!policy.id.empty(), policy);
  read_params(reader, root, policy);
  reader.each_table(root, "view", "view", [&](const toml::table& table) { read_view(reader, table, policy); });
  reader.each_table(root, "rule", "rule", [&](const toml::table& table) { read_rule(reader, table, policy); });
}

}  // namespace

BoundParam bound_param(std::string_view name) {
  for (const auto& [reserved, bound] : kBoundParams)
    if (name == reserved) return bound;
  return BoundParam::none;
}

Policy load_policy(const std::string& path) {
  Policy policy;
  policy.path = path;
  std::set<std::string> visiting{std::filesystem::path(path).lexically_normal().string()};
  load_into(policy, path, 0, visiting);
  // The digest covers every file that shaped the policy (this one and what it extends), in path order.
  std::string bytes;
  for (const std::string& file : visiting) bytes += read_policy_file(file);
  policy.files.assign(visiting.begin(), visiting.end());
  policy.digest = sha256_hex(bytes);
  return policy;
}

}  // namespace chataudit
