// The policy loader: toml++ at the edge, every problem turned into a Diagnostic at its position.
#include "policy/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "base/error.h"
#include "policy/schema.h"
#include "base/text.h"
#include "policy/tools.h"

namespace chataudit {

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::notice: return "notice";
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

std::string describe_accepts(const ParamAccepts& accepts) {
  std::vector<std::string> parts;
  if (!accepts.one_of.empty()) {
    std::string words;
    for (const std::string& word : accepts.one_of) words += (words.empty() ? "" : ", ") + word;
    parts.push_back("one of " + words);
  }
  if (accepts.min) parts.push_back(fmt::format("at least {}", *accepts.min));
  if (accepts.max) parts.push_back(fmt::format("at most {}", *accepts.max));
  if (accepts.non_empty) parts.emplace_back("not empty");
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string param_value_problem(const Param& param, const ParamValue& value) {
  const ParamAccepts& accepts = param.accepts;
  if (!accepts.any()) return {};
  const std::string expected = "expected " + describe_accepts(accepts);
  std::optional<double> number;
  if (auto v = std::get_if<std::int64_t>(&value)) number = static_cast<double>(*v);
  if (auto v = std::get_if<double>(&value)) number = *v;
  if (number && ((accepts.min && *number < *accepts.min) || (accepts.max && *number > *accepts.max))) return expected;
  auto word_ok = [&](const std::string& word) {
    return accepts.one_of.empty() || std::find(accepts.one_of.begin(), accepts.one_of.end(), word) != accepts.one_of.end();
  };
  if (auto v = std::get_if<std::string>(&value)) {
    if ((accepts.non_empty && v->empty()) || !word_ok(*v)) return expected;
  }
  if (auto v = std::get_if<std::vector<std::string>>(&value)) {
    if (accepts.non_empty && v->empty()) return expected + " (a list of at least one item)";
    for (const std::string& item : *v) {
      if (accepts.non_empty && item.empty()) return expected + " (an empty item would match everything)";
      if (!word_ok(item)) return fmt::format("{} (\"{}\" is not)", expected, item);
    }
  }
  return {};
}

std::string type_name(const ParamValue& value) {
  switch (value.index()) {
    case 0: return "an integer";
    case 1: return "a number";
    case 2: return "true or false";
    case 3: return "a string";
    default: return "a list of strings";
  }
}

namespace {

// Names the engine binds itself; a policy parameter may not take them.
constexpr std::string_view kReservedParams[] = {"as_of", "effective", "person", "org", "group"};
constexpr int kMaxExtendsDepth = 8;

class PolicyReader {
 public:
  PolicyReader(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
    std::istringstream lines(text_);
    for (std::string line; std::getline(lines, line);) lines_.push_back(line);
  }

  SourceRef where(const toml::node& node) const { return where(node.source()); }
  SourceRef where(const toml::source_region& region) const {
    return SourceRef{path_, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
  }
  [[noreturn]] void fail(const SourceRef& ref, const std::string& message) const {
    throw Error(Diagnostic{.file = ref.file, .line = ref.line, .column = ref.column, .message = message});
  }
  [[noreturn]] void fail(const toml::node& node, const std::string& message) const { fail(where(node), message); }
  Diagnostic note(const toml::node& node, const std::string& message) const {
    const SourceRef ref = where(node);
    return Diagnostic{.file = ref.file, .line = ref.line, .column = ref.column, .message = message};
  }

  // Rejects keys of `table` not in `allowed`, at the key's position.
  void only_keys(const toml::table& table, std::initializer_list<std::string_view> allowed, std::string_view what) const {
    for (auto&& [key, value] : table) {
      bool known = false;
      for (std::string_view name : allowed) known = known || key.str() == name;
      if (!known) {
        std::string list;
        for (std::string_view name : allowed) list += (list.empty() ? "" : ", ") + std::string(name);
        fail(where(key.source()), fmt::format("unknown key \"{}\" in {}; expected one of: {}", key.str(), what, list));
      }
    }
  }

  std::string string_at(const toml::table& table, std::string_view key, std::string_view what, bool required) const {
    const toml::node* node = table.get(key);
    if (!node) {
      if (required) fail(where(table), fmt::format("{} needs \"{}\"", what, key));
      return {};
    }
    if (!node->is_string()) fail(*node, fmt::format("\"{}\" in {} must be a string", key, what));
    return std::string(node->as_string()->get());
  }

  Localized localized_at(const toml::table& table, std::string_view key, std::string_view what) const {
    const toml::node* node = table.get(key);
    if (!node) fail(where(table), fmt::format("{} needs \"{}\" = {{ zh = \"…\", en = \"…\" }}", what, key));
    const toml::table* texts = node->as_table();
    if (!texts) fail(*node, fmt::format("\"{}\" in {} must be a table {{ zh = \"…\", en = \"…\" }}", key, what));
    only_keys(*texts, {"zh", "en"}, fmt::format("{}.{}", what, key));
    return Localized{string_at(*texts, "zh", fmt::format("{}.{}", what, key), true),
                     string_at(*texts, "en", fmt::format("{}.{}", what, key), true)};
  }

  std::vector<std::string> strings_at(const toml::table& table, std::string_view key, std::string_view what) const {
    std::vector<std::string> values;
    const toml::node* node = table.get(key);
    if (!node) return values;
    const toml::array* array = node->as_array();
    if (!array) fail(*node, fmt::format("\"{}\" in {} must be an array of strings", key, what));
    for (const toml::node& item : *array) {
      if (!item.is_string()) fail(item, fmt::format("\"{}\" in {} must contain only strings", key, what));
      values.emplace_back(item.as_string()->get());
    }
    return values;
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

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }

 private:
  std::string path_, text_;
  std::vector<std::string> lines_;
};

// A policy is a few hundred kilobytes; the cap turns `extends = "/dev/zero"` (or a policy path
// pointing at some huge file) into an error instead of reading until memory runs out.
constexpr std::size_t kMaxPolicyBytes = 16 << 20;

std::string read_policy_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    throw Error(Diagnostic{.file = path, .message = "is a directory; --policy takes a policy file (TOML)"});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Diagnostic{.file = path, .message = "cannot open policy file"});
  std::string bytes;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxPolicyBytes)
      throw Error(Diagnostic{.file = path, .message = "larger than 16 MiB, the most a policy file may hold"});
  }
  return bytes;
}

ParamValue param_value(const PolicyReader& reader, const toml::node& node, std::string_view name) {
  if (auto v = node.as_integer()) return v->get();
  if (auto v = node.as_floating_point()) return v->get();
  if (auto v = node.as_boolean()) return v->get();
  if (auto v = node.as_string()) return std::string(v->get());
  if (auto array = node.as_array()) {
    std::vector<std::string> items;
    for (const toml::node& item : *array) {
      if (!item.is_string()) reader.fail(item, fmt::format("parameter {}: a list parameter holds only strings", name));
      items.emplace_back(item.as_string()->get());
    }
    return items;
  }
  reader.fail(node, fmt::format("parameter {}: expected an integer, real, boolean, string or list of strings", name));
}

// `name = VALUE`, or `name = { value = VALUE, min = …, max = …, one_of = […], non_empty = … }`
// (what the value must be; a policy extending this one keeps it and may add to it).
void read_param_accepts(const PolicyReader& reader, const toml::table& table, std::string_view name,
                        ParamAccepts& accepts) {
  reader.only_keys(table, {"value", "min", "max", "one_of", "non_empty"}, fmt::format("parameter {}", name));
  accepts.where = reader.where(table);
  for (const char* bound : {"min", "max"}) {
    const toml::node* node = table.get(bound);
    if (!node) continue;
    std::optional<double> number;
    if (auto v = node->as_integer()) number = static_cast<double>(v->get());
    else if (auto v = node->as_floating_point()) number = v->get();
    else reader.fail(*node, fmt::format("parameter {}: {} must be a number", name, bound));
    (std::string_view(bound) == "min" ? accepts.min : accepts.max) = number;
  }
  if (table.contains("one_of")) accepts.one_of = reader.strings_at(table, "one_of", fmt::format("parameter {}", name));
  if (const toml::node* node = table.get("non_empty")) {
    if (!node->is_boolean()) reader.fail(*node, fmt::format("parameter {}: non_empty must be true or false", name));
    accepts.non_empty = node->as_boolean()->get();
  }
}

bool valid_name(std::string_view name, bool dashes) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (dashes && c == '-');
    if (!ok) return false;
  }
  return !(name[0] >= '0' && name[0] <= '9');
}

// `optional`: tables a rule or view reads when they are supplied. An absent one is read as the
// schema's empty table (every canonical column, no row), so it must be an inventory table; a table
// cannot be both required and optional.
std::vector<std::string> optional_tables_at(const PolicyReader& reader, const toml::table& table, std::string_view what,
                                            const std::vector<std::string>& required) {
  std::vector<std::string> names = reader.strings_at(table, "optional", what);
  const toml::array& array = *table.get("optional")->as_array();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!find_table(names[i])) {
      std::string known;
      for (const TableSpec& spec : inventory_schema()) known += (known.empty() ? "" : ", ") + std::string(spec.name);
      reader.fail(*array.get(i), fmt::format("{}: optional table \"{}\" is not an inventory table; an absent optional "
                                             "table reads as that table with no rows, so it must be one of: {}",
                                             what, names[i], known));
    }
    if (std::find(required.begin(), required.end(), names[i]) != required.end())
      reader.fail(*array.get(i), fmt::format("{}: table \"{}\" is both required and optional", what, names[i]));
  }
  return names;
}

void load_into(Policy& policy, const std::string& path, int depth, std::set<std::string>& visiting);

void read_rule(const PolicyReader& reader, const toml::table& table, Policy& policy) {
  reader.only_keys(table,
                   {"id", "tool", "severity", "article", "title", "message", "remedy", "requires", "optional",
                    "only_with", "sql", "enabled"},
                   "[[rule]]");
  const std::string id = reader.string_at(table, "id", "[[rule]]", true);
  if (!valid_name(id, true))
    reader.fail(*table.get("id"), fmt::format("rule id \"{}\": use lower-case letters, digits and dashes", id));
  const std::string what = fmt::format("rule {}", id);
  Rule* existing = nullptr;
  for (Rule& rule : policy.rules)
    if (rule.id == id) existing = &rule;
  const bool inherited = existing && existing->where.file != reader.path();
  if (existing && !inherited) reader.fail(*table.get("id"), fmt::format("rule {} is defined twice", id));
  Rule rule = inherited ? *existing : Rule{};
  rule.id = id;
  rule.where = reader.where(table);
  const bool complete = !inherited;  // a rule of an extended policy may override single keys
  if (complete || table.contains("tool")) {
    rule.tool = reader.string_at(table, "tool", what, true);
    if (!find_tool(rule.tool))
      reader.fail(*table.get("tool"),
                  fmt::format("{}: unknown tool \"{}\"; expected {}", what, rule.tool, tool_names()));
  }
  if (complete || table.contains("severity")) {
    const std::string severity = reader.string_at(table, "severity", what, true);
    auto parsed = parse_severity(severity);
    if (!parsed)
      reader.fail(*table.get("severity"),
                  fmt::format("{}: unknown severity \"{}\"; expected error, warning or notice", what, severity));
    rule.severity = *parsed;
  }
  if (complete || table.contains("article")) rule.article = reader.localized_at(table, "article", what);
  if (complete || table.contains("title")) rule.title = reader.localized_at(table, "title", what);
  if (complete || table.contains("message")) {
    rule.message = reader.localized_at(table, "message", what);
    rule.message_where = reader.where(*table.get("message"));
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
    if (rule.only_with != "person" && rule.only_with != "org" && rule.only_with != "group")
      reader.fail(*table.get("only_with"), fmt::format("{}: only_with must be person, org or group", what));
  }
  if (const toml::node* enabled = table.get("enabled")) {
    if (!enabled->is_boolean()) reader.fail(*enabled, fmt::format("{}: enabled must be true or false", what));
    rule.enabled = enabled->as_boolean()->get();
  }
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
    reader.fail(*table.get("name"), fmt::format("view name \"{}\": use lower-case letters, digits and _", view.name));
  view.requires_tables = reader.strings_at(table, "requires", "view " + view.name);
  if (table.contains("optional"))
    view.optional_tables = optional_tables_at(reader, table, "view " + view.name, view.requires_tables);
  view.sql = reader.string_at(table, "sql", "view " + view.name, true);
  view.where = reader.where(table);
  view.sql_where = reader.string_content_start(*table.get("sql"));
  // Accepted and ignored for one release (SPEC §4): how a view is stored is the engine's business.
  if (const toml::node* indexes = table.get("indexes")) {
    reader.strings_at(table, "indexes", "view " + view.name);
    policy.notes.push_back(reader.note(*indexes, fmt::format("view {}: indexes is ignored (the engine decides what to "
                                                             "index from the queries); remove it, a later release "
                                                             "will refuse it", view.name)));
  }
  if (const toml::node* materialize = table.get("materialize")) {
    if (!materialize->is_boolean())
      reader.fail(*materialize, fmt::format("view {}: materialize must be true or false", view.name));
    policy.notes.push_back(reader.note(*materialize, fmt::format("view {}: materialize is ignored (the engine decides "
                                                                 "how a view is stored); remove it, a later release "
                                                                 "will refuse it", view.name)));
  }
  for (View& existing : policy.views) {
    if (existing.name != view.name) continue;
    if (existing.where.file == reader.path()) reader.fail(table, fmt::format("view {} is defined twice", view.name));
    existing = std::move(view);
    return;
  }
  policy.views.push_back(std::move(view));
}

void load_into(Policy& policy, const std::string& path, int depth, std::set<std::string>& visiting) {
  const std::string text = read_policy_file(path);
  PolicyReader reader(path, text);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    reader.fail(reader.where(e.source()), std::string(e.description()));
  }
  reader.only_keys(root, {"policy", "params", "view", "rule"}, "the policy");

  const toml::table* meta = root["policy"].as_table();
  if (!meta) reader.fail(SourceRef{path, 1, 1}, "missing [policy] table (id, title, effective, timezone)");
  reader.only_keys(*meta, {"id", "title", "effective", "timezone", "extends", "description", "personal_columns"},
                   "[policy]");

  if (const toml::node* extends = meta->get("extends")) {
    if (!extends->is_string()) reader.fail(*extends, "extends must be a string: the path of the base policy");
    if (depth >= kMaxExtendsDepth) reader.fail(*extends, "extends is nested too deeply");
    std::filesystem::path base(extends->as_string()->get());
    if (base.is_relative()) base = std::filesystem::path(path).parent_path() / base;
    const std::string base_path = base.lexically_normal().string();
    if (visiting.count(base_path)) reader.fail(*extends, fmt::format("extends {} forms a cycle", base_path));
    visiting.insert(base_path);
    load_into(policy, base_path, depth + 1, visiting);
  }
  const bool base_loaded = !policy.id.empty();

  policy.id = reader.string_at(*meta, "id", "[policy]", true);
  if (!base_loaded || meta->contains("title")) policy.title = reader.localized_at(*meta, "title", "[policy]");
  if (!base_loaded || meta->contains("effective")) {
    const toml::node* effective = meta->get("effective");
    if (!effective || !effective->is_date())
      reader.fail(effective ? reader.where(*effective) : reader.where(*meta),
                  "[policy] needs effective = YYYY-MM-DD (a TOML date, unquoted)");
    const toml::date date = effective->as_date()->get();
    try {
      policy.effective = Date(date.year, date.month, date.day);
    } catch (const std::exception&) {
      reader.fail(*effective, "effective is not a valid date");
    }
  }
  if (!base_loaded || meta->contains("timezone")) {
    policy.timezone = reader.string_at(*meta, "timezone", "[policy]", true);
    std::string error;
    auto zone = TimeZone::parse(policy.timezone, &error);
    if (!zone) reader.fail(*meta->get("timezone"), error);
    policy.zone = *zone;
  }

  if (meta->contains("personal_columns")) policy.personal_columns = reader.strings_at(*meta, "personal_columns", "[policy]");

  if (const toml::node* params_node = root.get("params")) {
    const toml::table* params = params_node->as_table();
    if (!params) reader.fail(*params_node, "params must be a table");
    for (auto&& [key, value] : *params) {
      const std::string name(key.str());
      if (!valid_name(name, false))
        reader.fail(reader.where(key.source()), fmt::format("parameter name \"{}\": use lower-case letters, digits and _", name));
      for (std::string_view reserved : kReservedParams)
        if (name == reserved)
          reader.fail(reader.where(key.source()), fmt::format("parameter name \"{}\" is reserved: the engine binds :{} itself", name, name));
      const toml::table* declared = value.as_table();
      const toml::node* value_node = &value;
      ParamAccepts accepts;
      if (declared) {
        read_param_accepts(reader, *declared, name, accepts);
        value_node = declared->get("value");
        if (!value_node) reader.fail(value, fmt::format("parameter {}: {{ value = … }} needs its value", name));
      }
      Param param{name, param_value(reader, *value_node, name), reader.where(*value_node), accepts};
      bool replaced = false;
      for (Param& existing : policy.params) {
        if (existing.name != name) continue;
        if (existing.value.index() != param.value.index())
          reader.fail(*value_node,
                      fmt::format("parameter {} must be {}, as in the base policy", name, type_name(existing.value)));
        // The base's declaration holds unless this policy declares its own.
        if (!declared) param.accepts = existing.accepts;
        existing = param;
        replaced = true;
      }
      const Param& stored = replaced ? *std::find_if(policy.params.begin(), policy.params.end(),
                                                     [&](const Param& p) { return p.name == name; })
                                     : policy.params.emplace_back(std::move(param));
      if (const ParamAccepts& a = stored.accepts; a.min || a.max) {
        if (stored.value.index() > 1)
          reader.fail(a.where, fmt::format("parameter {}: min and max are for numbers; it is {}", name,
                                           type_name(stored.value)));
      }
      if (!stored.accepts.one_of.empty() && stored.value.index() < 3)
        reader.fail(stored.accepts.where, fmt::format("parameter {}: one_of is for a string or a list; it is {}",
                                                      name, type_name(stored.value)));
      if (const std::string problem = param_value_problem(stored, stored.value); !problem.empty())
        reader.fail(*value_node, fmt::format("parameter {}: {}", name, problem));
    }
  }

  auto array_of_tables = [&](std::string_view key, auto&& read) {
    const toml::node* node = root.get(key);
    if (!node) return;
    const toml::array* array = node->as_array();
    if (!array) reader.fail(*node, fmt::format("{0} must be written as [[{0}]] tables", key));
    for (const toml::node& item : *array) {
      const toml::table* table = item.as_table();
      if (!table) reader.fail(item, fmt::format("each {0} must be a [[{0}]] table", key));
      read(reader, *table, policy);
    }
  };
  array_of_tables("view", read_view);
  array_of_tables("rule", read_rule);
}

}  // namespace

Policy load_policy(const std::string& path) {
  Policy policy;
  policy.path = path;
  std::set<std::string> visiting{std::filesystem::path(path).lexically_normal().string()};
  try {
    load_into(policy, path, 0, visiting);
  } catch (const toml::parse_error& e) {
    throw Error(Diagnostic{.file = path, .line = static_cast<int>(e.source().begin.line),
                           .column = static_cast<int>(e.source().begin.column), .message = std::string(e.description())});
  }
  // The digest covers every file that shaped the policy (this one and what it extends), in path order.
  std::string bytes;
  for (const std::string& file : visiting) bytes += read_policy_file(file);
  policy.files.assign(visiting.begin(), visiting.end());
  policy.digest = sha256_hex(bytes);
  return policy;
}

}  // namespace chataudit
