// Questions answered without a run: --list-rules and --explain.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <regex>

#include "base/catalog.h"
#include "base/dates.h"
#include "base/error.h"
#include "base/outputs.h"
#include "base/text.h"
#include "cli/cli_parts.h"
#include "report/report.h"

namespace chataudit::cli {
namespace {

// Parameters a rule reads: those in its SQL and in the views it reads, transitively.
std::vector<std::string> params_used(const Policy& policy, const Rule& rule) {
  static const std::regex parameter(R"((^|[^:A-Za-z0-9_]):([A-Za-z_][A-Za-z0-9_]*))");
  std::vector<std::string> names;
  std::vector<const std::string*> texts{&rule.sql};
  for (const View* view : views_read(policy, rule)) texts.push_back(&view->sql);
  for (const std::string* text : texts)
    for (auto it = std::sregex_iterator(text->begin(), text->end(), parameter); it != std::sregex_iterator(); ++it)
      if (std::find(names.begin(), names.end(), (*it)[2].str()) == names.end()) names.push_back((*it)[2]);
  return names;
}

std::string explain(const Policy& policy, const Rule& rule, const std::vector<Param>& params, const Date& as_of) {
  std::string out = fmt::format("{}  ({}, {})\n", rule.id, rule.tool, to_string(rule.severity));
  out += fmt::format("  {}  {}\n  {}  {}\n", rule.article.zh, rule.title.zh, rule.article.en, rule.title.en);
  out += fmt::format("\nMessage:\n  zh: {}\n  en: {}\n", rule.message.zh, rule.message.en);
  if (!rule.context.zh.empty() || !rule.context.en.empty())
    out += fmt::format("\nContext (before the message, except in JSON):\n  zh: {}\n  en: {}\n", rule.context.zh,
                       rule.context.en);
  out += fmt::format("\nRemedy:\n  zh: {}\n  en: {}\n", rule.remedy.zh, rule.remedy.en);
  std::string requires_list;
  for (const std::string& table : tables_required(policy, rule))
    requires_list += (requires_list.empty() ? "" : ", ") + table;
  out += fmt::format("\nRequires tables: {}\n", requires_list.empty() ? "(none)" : requires_list);
  const std::vector<std::string> optional = tables_optional(policy, rule);
  if (!optional.empty()) out += fmt::format("Reads if present: {}\n", fmt::join(optional, ", "));
  if (!rule.only_with.empty()) out += fmt::format("Runs only with: --{} ID\n", rule.only_with);
  out += "\nParameters:\n";
  for (const std::string& name : params_used(policy, rule)) {
    std::string value;
    const BoundParam bound = bound_param(name);
    if (bound == BoundParam::as_of)
      value = format_date(as_of) + "  (the audit date, --as-of)";
    else if (bound == BoundParam::effective)
      value = format_date(policy.effective) + "  (the policy's effective date)";
    else if (bound == BoundParam::filter)
      value = fmt::format("the --{} filter, or NULL", name);
    else
      for (const Param& param : params)
        if (param.name == name) value = to_toml(param.value);
    out += fmt::format("  :{} = {}\n", name, value);
  }
  out += fmt::format("\nSQL ({}:{}):\n", rule.sql_where.file, rule.sql_where.line);
  std::string sql = rule.sql;
  while (!sql.empty() && (sql.back() == '\n' || sql.back() == ' ')) sql.pop_back();
  for (std::size_t start = 0; start <= sql.size();) {
    std::size_t end = sql.find('\n', start);
    if (end == std::string::npos) end = sql.size();
    out += "  " + sql.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<int> answer_question(const ToolSpec& tool, const Options& o, const Policy& policy,
                                   const RunOptions& run_options, const std::vector<Param>& params, Lang lang) {
  if (o.list_rules) {
    std::string out;
    for (const Rule& rule : policy.rules) {
      if (rule.tool != tool.name || !rule.enabled) continue;
      out += fmt::format("{:<30} {} {}  {}\n", rule.id, pad_right(severity_label(rule.severity, lang), 8),
                         rule.article.in(lang), rule.title.in(lang));
    }
    write_stdout(out);
    return static_cast<int>(ExitStatus::clean);
  }
  if (!o.explain.empty()) {
    const Rule* rule = policy.find_rule(o.explain);
    if (!rule) throw Error(tr("--explain {}: no such rule in policy {} (see --list-rules)", o.explain, policy.id));
    write_stdout(explain(policy, *rule, params, run_options.as_of));
    return static_cast<int>(ExitStatus::clean);
  }
  return std::nullopt;
}

}  // namespace chataudit::cli
