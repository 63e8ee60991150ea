// The one TOML reader: the positions and the messages the policy, waiver and mapping files share.
#include "base/toml_reader.h"

#include <fmt/format.h>

#include <cassert>
#include <exception>
#include <fstream>

#include "base/catalog.h"
#include "base/text.h"

namespace chataudit {

std::string comma_list(std::span<const std::string_view> names) {
  std::string list;
  for (std::string_view name : names) list += (list.empty() ? "" : ", ") + std::string(name);
  return list;
}

std::string read_file_at_most(const std::string& path, std::string_view what, std::size_t max_mib) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Diagnostic{.file = path, .message = tr("cannot open {}", what)});
  std::string bytes;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > (max_mib << 20))
      throw Error(Diagnostic{.file = path, .message = tr("larger than {} MiB, the most a {} may hold", max_mib, what)});
  }
  if (in.bad()) throw Error(Diagnostic{.file = path, .message = tr("cannot read {}", what)});
  return bytes;
}

toml::table TomlReader::parse(std::string_view text) const {
  try {
    return toml::parse(text, path_);
  } catch (const toml::parse_error& e) {
    // toml++'s description as it wrote it, after a lead sentence in Chinese (English needs none).
    const std::string said(e.description());
    fail(where(e.source()), message_lang() == Lang::zh ? tr("not valid TOML: {}", said) : said);
  }
}

SourceRef TomlReader::where(const toml::source_region& region) const {
  return SourceRef{path_, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

Diagnostic TomlReader::note(const toml::node& node, std::string message) const {
  const SourceRef ref = where(node);
  return Diagnostic{.file = ref.file, .line = ref.line, .column = ref.column, .message = std::move(message)};
}

void TomlReader::fail(const SourceRef& ref, std::string message) const {
  throw Error(Diagnostic{.file = ref.file, .line = ref.line, .column = ref.column, .message = std::move(message)});
}

void TomlReader::only_keys(const toml::table& table, std::span<const std::string_view> allowed,
                           std::string_view what) const {
  for (auto&& [key, value] : table) {
    bool known = false;
    for (std::string_view name : allowed) known = known || key.str() == name;
    if (!known) fail(key, tr("unknown key \"{}\" in {}; expected one of: {}", key.str(), what, comma_list(allowed)));
  }
}

const toml::node& TomlReader::required(const toml::table& table, std::string_view key, std::string_view what,
                                       std::string_view hint) const {
  const toml::node* node = table.get(key);
  if (!node) fail(table, tr("{} needs \"{}\"{}", what, key, hint));
  return *node;
}

const toml::table& TomlReader::table_at(const toml::node& node, std::string_view what) const {
  const toml::table* table = node.as_table();
  if (!table) fail(node, tr("{} must be a table", what));
  return *table;
}

std::string TomlReader::string_at(const toml::node& node, std::string_view what) const {
  if (!node.is_string()) fail(node, tr("{} must be a string", what));
  return std::string(node.as_string()->get());
}

std::string TomlReader::non_empty_string_at(const toml::node& node, std::string_view what) const {
  std::string value = string_at(node, what);
  if (trim(value).empty()) fail(node, tr("{} must not be empty", what));
  return value;
}

std::vector<std::string> TomlReader::strings_at(const toml::node& node, std::string_view what) const {
  const toml::array* array = node.as_array();
  if (!array) fail(node, tr("{} must be an array of strings", what));
  std::vector<std::string> values;
  for (const toml::node& item : *array) {
    if (!item.is_string()) fail(item, tr("{} must contain only strings", what));
    values.emplace_back(item.as_string()->get());
  }
  return values;
}

bool TomlReader::boolean_at(const toml::node& node, std::string_view what) const {
  if (!node.is_boolean()) fail(node, tr("{} must be true or false", what));
  return node.as_boolean()->get();
}

double TomlReader::number_at(const toml::node& node, std::string_view what) const {
  if (const auto* integer = node.as_integer()) return static_cast<double>(integer->get());
  if (const auto* real = node.as_floating_point()) return real->get();
  fail(node, tr("{} must be a number", what));
}

Date TomlReader::date_at(const toml::node& node, std::string_view what) const {
  assert(node.is_date());
  const toml::date date = node.as_date()->get();
  try {
    return Date(date.year, date.month, date.day);
  } catch (const std::exception&) {
    fail(node, tr("{} is not a valid date", what));
  }
}

const toml::array& TomlReader::array_of_tables(const toml::node& node, std::string_view key,
                                               std::string_view plural) const {
  const toml::array* array = node.as_array();
  if (!array) fail(node, tr("{} must be written as [[{}]] tables", plural, key));
  return *array;
}

}  // namespace chataudit
