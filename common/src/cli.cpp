// The shared command line: options into a struct, then run() walks load → validate → evaluate →
// render, and main gets an exit status. Errors are printed once, here.
#include "chataudit/cli.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>
#include <cerrno>
#include <charconv>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <regex>

#include "chataudit/engine.h"
#include "chataudit/history.h"
#include "chataudit/mail.h"
#include "chataudit/outputs.h"
#include "chataudit/scope.h"
#include "chataudit/review.h"
#include "chataudit/error.h"
#include "chataudit/inventory.h"
#include "chataudit/policy.h"
#include "chataudit/report.h"
#include "chataudit/schema.h"
#include "chataudit/text.h"
#include "chataudit/timing.h"

namespace chataudit {
namespace {

constexpr std::string_view kDefaultPolicy = "jiusan-2020.toml";

struct Options {
  std::vector<std::string> inventories, tables, outputs, rules, skip_rules, sets, mail_to;
  std::string mapping, encoding, delimiter;  // how the inventory's files are read (chataudit-inventory(5))
  std::string policy, as_of, format, lang, fail_on = "error", explain;
  std::string org, person, group;
  std::string waivers, baseline, record, mail_from, split_by, output_dir, color = "auto";
  std::string job, min_severity, mail_unassigned, sendmail;
  std::vector<std::string> mail_domains;
  int due_within = 0, remind_after = 0;
  double rule_timeout = kDefaultRuleTimeout;
  bool due_within_given = false, remind_after_given = false;
  bool list_rules = false, quiet = false, verbose = false, version = false;
  bool only_new = false, redact = false, bom = false, send = false;
};

void setup_options(CLI::App& app, const ToolSpec& tool, Options& o) {
  app.get_formatter()->column_width(30);
  app.add_option("--inventory", o.inventories, "CSV directory or SQLite file (repeatable)")->type_name("PATH");
  app.add_option("--table", o.tables, "one table from a CSV/SQLite file or - (stdin)")->type_name("NAME=PATH");
  app.add_option("--mapping", o.mapping, "file, header and value names (default: DIR/inventory.toml)")->type_name("FILE");
  app.add_option("--encoding", o.encoding, "CSV encoding: auto (default), utf-8, utf-16, gb18030, …")->type_name("NAME");
  app.add_option("--delimiter", o.delimiter, "CSV field separator (default: tab for .tsv, else guessed)")->type_name("CHAR");
  app.add_option("--policy", o.policy, "policy file (default: the installed jiusan-2020.toml)")->type_name("FILE");
  app.add_option("--as-of", o.as_of, "audit date (default: today in the policy's time zone)")->type_name("DATE");
  app.add_option("--format", o.format, "text (default), json, jsonl, csv, markdown, html, email, junit")
      ->type_name("FMT");
  app.add_option("--output", o.outputs, "write the report to FILE, atomically (repeatable)")->type_name("[FMT:]FILE");
  app.add_option("--lang", o.lang, "report language: zh or en (default from LANG)")->type_name("zh|en");
  app.add_option("--fail-on", o.fail_on, "least severity that exits 1 (default error)")->type_name("error|warning|notice|never");
  app.add_option("--rule", o.rules, "run only this rule (repeatable)")->type_name("ID");
  app.add_option("--skip-rule", o.skip_rules, "do not run this rule (repeatable)")->type_name("ID");
  app.add_option("--set", o.sets, "override a policy parameter (repeatable)")->type_name("PARAM=VALUE");
  app.add_option("--waivers", o.waivers, "approved exceptions ([[waiver]] TOML)")->type_name("FILE");
  app.add_option("--baseline", o.baseline, "mark findings new/persisting against an earlier JSON report")
      ->type_name("REPORT.json|last");
  app.add_flag("--only-new", o.only_new, "keep only findings new since the baseline");
  app.add_option("--record", o.record, "append this run to a SQLite history database")->type_name("DB");
  app.add_option("--job", o.job, "name this run's job in its scope (--baseline last matches it)")->type_name("NAME");
  app.add_option("--remind-after", o.remind_after, "deliver a persisting finding again after DAYS")->type_name("DAYS");
  app.add_option("--min-severity", o.min_severity, "least severity listed (default notice)")
      ->type_name("error|warning|notice");
  app.add_option("--mail-to", o.mail_to, "recipient (repeatable; {id}, {email} with --split-by)")->type_name("ADDR");
  app.add_option("--mail-from", o.mail_from, "e-mail sender")->type_name("ADDR");
  app.add_option("--mail-unassigned", o.mail_unassigned, "recipient of findings no one serving can act on")
      ->type_name("ADDR");
  app.add_option("--mail-domain", o.mail_domains, "domain {email} may name (repeatable)")->type_name("D");
  app.add_flag("--send", o.send, "pipe each e-mail report to sendmail -t -oi; record only if accepted");
  app.add_option("--sendmail", o.sendmail, "the command --send pipes to (run by /bin/sh)")->type_name("CMD");
  app.add_option("--split-by", o.split_by, "one report per responsible person or org")->type_name("responsible|org");
  app.add_option("--output-dir", o.output_dir, "directory for the --split-by reports")->type_name("DIR");
  app.add_flag("--redact", o.redact, "mask personal names and handles");
  app.add_flag("--bom", o.bom, "start CSV output with a UTF-8 BOM (for Excel)");
  app.add_option("--rule-timeout", o.rule_timeout, "stop a view, rule or table read after SECONDS (default 600)")
      ->type_name("SECONDS");
  app.add_option("--color", o.color, "colour text output (default auto; NO_COLOR respected)")->type_name("auto|always|never");
  if (tool.org_filter) app.add_option("--org", o.org, "only this organization and its subtree")->type_name("ID");
  if (tool.person_filter) app.add_option("--person", o.person, "the leaver's checklist: what this person holds")->type_name("ID");
  if (tool.group_filter) app.add_option("--group", o.group, "only this group")->type_name("ID");
  if (tool.due_within)
    app.add_option("--due-within", o.due_within, "groups due within DAYS (= --set due_soon_days=DAYS)")
        ->type_name("DAYS");
  app.add_flag("--list-rules", o.list_rules, "list the rules this tool runs, then exit");
  app.add_option("--explain", o.explain, "show a rule's article, text, parameters and SQL")->type_name("RULE");
  app.add_flag("--quiet,-q", o.quiet, "print no report on standard output; the exit status tells");
  app.add_flag("--verbose,-v", o.verbose, "report even when clean; print notes on standard error");
  app.add_flag("--version", o.version, "print the version and exit");
  app.footer(fmt::format("Exit status: 0 no finding at or above --fail-on, 1 findings, 2 error.\nSee {}(1).", tool.name));
}

std::string executable_dir() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::string(".") : self.parent_path().string();
}

std::string default_policy_path() {
  const std::filesystem::path dir = executable_dir();
  return (dir.parent_path() / CHATAUDIT_POLICY_SUBDIR / kDefaultPolicy).string();
}

Lang choose_lang(const std::string& flag) {
  if (flag == "zh") return Lang::zh;
  if (flag == "en") return Lang::en;
  if (!flag.empty()) throw Error(fmt::format("--lang {}: expected zh or en", flag));
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) return std::string_view(value).starts_with("zh") ? Lang::zh : Lang::en;
  }
  return Lang::en;
}

std::pair<std::string, std::string> split_assignment(const std::string& text, std::string_view flag) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0)
    throw Error(fmt::format("{} {}: expected {}", flag, text, flag == "--set" ? "PARAM=VALUE" : "NAME=PATH"));
  return {text.substr(0, equals), text.substr(equals + 1)};
}

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
  out += fmt::format("\nRemedy:\n  zh: {}\n  en: {}\n", rule.remedy.zh, rule.remedy.en);
  std::string requires_list;
  for (const std::string& table : tables_required(policy, rule)) requires_list += (requires_list.empty() ? "" : ", ") + table;
  out += fmt::format("\nRequires tables: {}\n", requires_list.empty() ? "(none)" : requires_list);
  const std::vector<std::string> optional = tables_optional(policy, rule);
  if (!optional.empty()) out += fmt::format("Reads if present: {}\n", fmt::join(optional, ", "));
  if (!rule.only_with.empty()) out += fmt::format("Runs only with: --{} ID\n", rule.only_with);
  out += "\nParameters:\n";
  for (const std::string& name : params_used(policy, rule)) {
    std::string value;
    if (name == "as_of") value = format_date(as_of) + "  (the audit date, --as-of)";
    else if (name == "effective") value = format_date(policy.effective) + "  (the policy's effective date)";
    else if (name == "person" || name == "org" || name == "group") value = fmt::format("the --{} filter, or NULL", name);
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

// Seconds since the epoch for the e-mail Date: header: SOURCE_DATE_EPOCH when set (reproducible
// builds' convention), else now.
std::int64_t mail_date() {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    std::int64_t seconds = 0;
    auto [end, error] = std::from_chars(epoch, epoch + std::strlen(epoch), seconds);
    if (error == std::errc() && *end == '\0') return seconds;
    throw Error(fmt::format("SOURCE_DATE_EPOCH={}: expected seconds since 1970-01-01", epoch));
  }
  return static_cast<std::int64_t>(std::time(nullptr));
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && std::string_view(term) == "dumb");
}

std::string_view extension(Format format) {
  switch (format) {
    case Format::text: return "txt";
    case Format::json: return "json";
    case Format::jsonl: return "jsonl";
    case Format::csv: return "csv";
    case Format::markdown: return "md";
    case Format::html: return "html";
    case Format::email: return "eml";
    case Format::junit: return "xml";
  }
  return "txt";
}

// What the report is written as and where, decided before any work.
struct OutputTarget {
  Format format;
  std::string path;
};

struct Plan {
  Format format = Format::text;
  std::vector<OutputTarget> targets;
  Severity fail_on = Severity::error;
  bool never_fail = false;
  Severity min_severity = Severity::notice;
  bool mails = false;        // an e-mail report is written (or sent)
  bool uses_email = false;   // {email} in --mail-to
  std::string sendmail;      // the command --send pipes to
};

bool has_placeholder(const std::vector<std::string>& addresses, std::string_view placeholder) {
  return std::any_of(addresses.begin(), addresses.end(),
                     [&](const std::string& address) { return address.find(placeholder) != std::string::npos; });
}

void check_mail_options(const Options& o, Plan& plan) {
  for (const std::string& to : o.mail_to) check_address("--mail-to", to);
  if (!o.mail_from.empty()) check_address("--mail-from", o.mail_from);
  if (!o.mail_unassigned.empty()) check_address("--mail-unassigned", o.mail_unassigned);
  for (const std::string* flag : {&o.mail_from, &o.mail_unassigned})
    if (flag->find('{') != std::string::npos)
      throw Error(fmt::format("{}: {{id}} and {{email}} are for --mail-to", *flag));
  for (const std::string& domain : o.mail_domains)
    if (!is_plain_address_in("x@" + domain, {domain}))
      throw Error(fmt::format("--mail-domain {}: expected a domain such as corp.example", domain));
  const bool id = has_placeholder(o.mail_to, "{id}");
  plan.uses_email = has_placeholder(o.mail_to, "{email}");
  if ((id || plan.uses_email) && o.split_by.empty())
    throw Error("--mail-to with {id} or {email} needs --split-by (one report per key)");
  if (plan.uses_email && o.split_by != "responsible")
    throw Error("--mail-to {email} needs --split-by responsible (the responsible person's people.email)");
  if (plan.uses_email && o.mail_domains.empty())
    throw Error("--mail-to {email} needs --mail-domain D: the domains a person's address may be in");
  if (plan.mails && o.mail_to.empty())
    throw Error("an e-mail report needs a recipient: add --mail-to ADDR (sendmail -t reads it from To:)");
  if (plan.mails && !o.split_by.empty() && o.mail_unassigned.empty())
    throw Error("--split-by with an e-mail report needs --mail-unassigned ADDR: who gets the findings no one "
                "serving can act on");
  if (o.send && !plan.mails) throw Error("--send sends e-mail reports: add --format email or --output email:FILE");
  if (!o.sendmail.empty() && !o.send) throw Error("--sendmail CMD goes with --send");
  if (o.send) plan.sendmail = o.sendmail.empty() ? default_sendmail() : o.sendmail;
}

Severity severity_option(const std::string& flag, const std::string& value) {
  if (auto severity = parse_severity(value)) return *severity;
  throw Error(fmt::format("{} {}: expected error, warning or notice", flag, value));
}

Plan plan_outputs(const Options& o) {
  Plan plan;
  if (!o.format.empty()) {
    auto parsed = parse_format(o.format);
    if (!parsed)
      throw Error(fmt::format("--format {}: expected text, json, jsonl, csv, markdown, html, email or junit", o.format));
    plan.format = *parsed;
  }
  for (const std::string& output : o.outputs) {
    const std::size_t colon = output.find(':');
    auto prefixed = colon == std::string::npos ? std::nullopt : parse_format(output.substr(0, colon));
    if (prefixed) plan.targets.push_back({*prefixed, output.substr(colon + 1)});
    else plan.targets.push_back({plan.format, output});
  }
  if (o.fail_on == "never") plan.never_fail = true;
  else plan.fail_on = severity_option("--fail-on", o.fail_on);
  if (!o.min_severity.empty()) plan.min_severity = severity_option("--min-severity", o.min_severity);
  if (!plan.never_fail && plan.fail_on > plan.min_severity)
    throw Error(fmt::format("--fail-on {} is below --min-severity {}: findings left out of the report cannot fail "
                            "the run",
                            o.fail_on, o.min_severity));
  if (o.color != "auto" && o.color != "always" && o.color != "never")
    throw Error(fmt::format("--color {}: expected auto, always or never", o.color));
  if (!o.split_by.empty() && o.split_by != "responsible" && o.split_by != "org")
    throw Error(fmt::format("--split-by {}: expected responsible or org", o.split_by));
  if (o.split_by.empty() != o.output_dir.empty())
    throw Error("--split-by and --output-dir go together: --split-by responsible|org --output-dir DIR");
  if (!o.split_by.empty() && !plan.targets.empty()) throw Error("--split-by writes to --output-dir; drop --output");
  plan.mails = (plan.format == Format::email && (plan.targets.empty() || !o.split_by.empty())) ||
               std::any_of(plan.targets.begin(), plan.targets.end(),
                           [](const OutputTarget& t) { return t.format == Format::email; });
  check_mail_options(o, plan);
  if (o.only_new && o.baseline.empty()) throw Error("--only-new needs --baseline REPORT.json (or last)");
  if (o.baseline == "last" && o.record.empty())
    throw Error("--baseline last reads the history database: give it with --record DB");
  if (o.remind_after_given && o.remind_after < 1)
    throw Error(fmt::format("--remind-after {}: expected a number of days, 1 or more", o.remind_after));
  if (o.remind_after_given && (o.record.empty() || o.baseline != "last" || !o.only_new))
    throw Error("--remind-after DAYS goes with --record DB --baseline last --only-new");
  if (std::any_of(o.job.begin(), o.job.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    throw Error("--job: a name without control characters");
  return plan;
}

// Every file the run reads, for check_outputs(): an output must never replace one of them.
std::vector<InputFile> input_files(const Options& o, const Policy& policy) {
  std::vector<InputFile> inputs;
  for (const std::string& file : policy.files) inputs.push_back({file, "the policy"});
  if (!o.waivers.empty()) inputs.push_back({o.waivers, "the waiver file"});
  if (!o.mapping.empty()) inputs.push_back({o.mapping, "the mapping file"});
  if (!o.record.empty()) inputs.push_back({o.record, "the --record history database"});
  for (const std::string& table : o.tables) inputs.push_back({split_assignment(table, "--table").second, "an inventory table"});
  for (const std::string& path : o.inventories) {
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) {
      inputs.push_back({path, "the inventory"});
      continue;
    }
    // Whatever in the directory could hold a table or its mapping.
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      const std::string extension = entry.path().extension().string();
      if (extension == ".csv" || extension == ".tsv" || extension == ".txt" || extension == ".xlsx" ||
          extension == ".toml")
        inputs.push_back({entry.path().string(), "a file of the inventory"});
    }
  }
  return inputs;
}

Scope make_scope(const ToolSpec& tool, const Options& o, const Policy& policy, const RunOptions& run_options,
                 const Inventory& inventory) {
  Scope scope;
  scope.tool = tool.name;
  scope.job = o.job;
  scope.policy_id = policy.id;
  for (const auto& [table, loaded] : inventory.loaded()) scope.inventory.push_back(table + "=" + scope_path(loaded.source));
  std::sort(scope.inventory.begin(), scope.inventory.end());
  scope.inventory_shown = inventory.source;
  scope.org = o.org;
  scope.person = o.person;
  scope.group = o.group;
  const std::set<std::string> only(o.rules.begin(), o.rules.end());
  scope.rules.assign(only.begin(), only.end());
  const std::set<std::string> skipped(o.skip_rules.begin(), o.skip_rules.end());
  scope.skip_rules.assign(skipped.begin(), skipped.end());
  for (const auto& [name, value] : run_options.overrides) scope.set[name] = value;
  scope.min_severity = o.min_severity;
  return scope;
}

// people.email of everyone with one, for --mail-to {email}; read before the tables are freed.
std::map<std::string, std::string> read_emails(Inventory& inventory) {
  std::map<std::string, std::string> emails;
  SQLite::Statement query(inventory.db(), "SELECT person_id, email FROM people WHERE email IS NOT NULL");
  while (query.executeStep()) emails[query.getColumn(0).getString()] = query.getColumn(1).getString();
  return emails;
}

// One report of --split-by: the key (a plain id, or "unassigned") and its file name.
struct SplitPart {
  RunResult result;
  Review review;
};

// --split-by: one report per responsible person (or org), each with only its own findings and
// waived findings. A key that is not a plain id, or (with {email}) whose person has no plain
// address in an allowed domain, never reaches an address or a file name: its findings go to the
// `unassigned` report, with those no one serving can act on.
struct Splitter {
  const Options& o;
  const Plan& plan;
  const std::map<std::string, std::string>& emails;

  std::string key_of(const Finding& finding) const {
    const std::string key = finding.field(o.split_by == "org" ? "org_id" : "responsible_id");
    if (!is_plain_id(key)) return "unassigned";
    if (plan.uses_email) {
      const auto email = emails.find(key);
      if (email == emails.end() || !is_plain_address_in(email->second, o.mail_domains)) return "unassigned";
    }
    return key;
  }

  std::vector<std::string> recipients(const std::string& key) const {
    std::vector<std::string> to;
    if (key == "unassigned") {
      to.push_back(o.mail_unassigned);
      for (const std::string& address : o.mail_to)
        if (address.find('{') == std::string::npos) to.push_back(address);
      return to;
    }
    const auto email = emails.find(key);
    for (const std::string& address : o.mail_to)
      to.push_back(fill_address(address, key, email == emails.end() ? std::string() : email->second));
    return to;
  }
};

// A rendered e-mail report to hand to sendmail, and whom it is for (named when it fails).
struct Message {
  std::vector<std::string> to;
  std::vector<std::string> parts;
};

struct Outputs {
  std::vector<Write> writes;
  std::vector<Message> messages;
};

void add_split_reports(const Report& whole, const Splitter& splitter, Format format, const std::string& dir,
                       const std::string& manifest_key, bool send, Outputs& out) {
  std::map<std::string, SplitPart> parts;
  for (const Finding& finding : whole.result->findings) parts[splitter.key_of(finding)].result.findings.push_back(finding);
  for (const WaivedFinding& item : whole.review->waived) {
    auto part = parts.find(splitter.key_of(item.finding));
    if (part != parts.end()) part->second.review.waived.push_back(item);  // waived alone: no report
  }
  std::vector<std::string> names;
  for (auto& [key, part] : parts) {
    part.result.rules_run = whole.result->rules_run;
    part.result.rules_skipped = whole.result->rules_skipped;
    part.result.params = whole.result->params;
    part.review.compared = whole.review->compared;
    part.review.baseline_source = whole.review->baseline_source;
    Report report = whole;
    report.result = &part.result;
    report.review = &part.review;
    report.title_suffix = " — " + key;
    report.options.mail_to = splitter.recipients(key);
    const std::string name = key + "." + std::string(extension(format));
    names.push_back(name);
    std::vector<std::string> rendered = render_parts(report, format);
    if (send && format == Format::email) out.messages.push_back(Message{report.options.mail_to, rendered});
    out.writes.push_back(Write{(std::filesystem::path(dir) / name).string(), std::move(rendered)});
  }
  for (Write& stale : SplitManifest(dir, manifest_key).update(names)) out.writes.push_back(std::move(stale));
}

Outputs render_outputs(const Report& report, const Options& o, const Plan& plan, const Splitter& splitter,
                       const Scope& scope) {
  Outputs out;
  const bool clean = report.result->findings.empty();
  if (!o.split_by.empty()) {
    std::error_code error;
    std::filesystem::create_directories(o.output_dir, error);
    if (error) throw Error(Diagnostic{.file = o.output_dir, .message = "cannot create the directory: " + error.message()});
    add_split_reports(report, splitter, plan.format, o.output_dir,
                      scope.key() + "\n" + std::string(to_string(plan.format)), o.send, out);
    return out;
  }
  std::vector<OutputTarget> targets = plan.targets;
  if (targets.empty() && !o.quiet) targets.push_back({plan.format, "-"});
  for (const OutputTarget& target : targets) {
    const bool email = target.format == Format::email;
    // Quiet when clean: no text or e-mail on standard output; an e-mail file is removed, so that
    // a script that mails it when it exists does not mail yesterday's findings again.
    const bool quiet_format = target.format == Format::text || email;
    if (clean && !o.verbose && quiet_format && (is_stdout(target.path) || email)) {
      if (email && !is_stdout(target.path)) out.writes.push_back(Write{target.path, {}, true});
      continue;
    }
    Report styled = report;
    styled.options.color = target.format == Format::text && is_stdout(target.path) && use_color(o.color);
    std::vector<std::string> rendered = render_parts(styled, target.format);
    if (email && o.send) {
      out.messages.push_back(Message{report.options.mail_to, rendered});
      if (is_stdout(target.path)) continue;  // sent, not printed
    }
    out.writes.push_back(Write{target.path, std::move(rendered)});
  }
  return out;
}

void send_all(const std::vector<Message>& messages, const std::string& command) {
  std::vector<Diagnostic> failed;
  for (const Message& message : messages) {
    std::string bytes;
    for (const std::string& part : message.parts) bytes += part;
    const std::string problem = send_message(command, bytes);
    if (!problem.empty())
      failed.push_back(Diagnostic{.message = fmt::format("--send: {} did not take the report for {}: {}", command,
                                                         fmt::join(message.to, ", "), problem)});
  }
  if (failed.empty()) return;
  failed.push_back(Diagnostic{.message = fmt::format("{} of {} messages not sent; the run was not recorded, so the "
                                                     "next run delivers these findings again",
                                                     failed.size(), messages.size())});
  throw Error(failed);
}

void print_notes(const std::string& tool, const Policy& policy, const RunResult& result, const Review& review) {
  std::string out;
  for (const Diagnostic& note : policy.notes) out += note.to_string() + '\n';
  for (const SkippedRule& skipped : result.rules_skipped)
    out += tool + ": " + fmt::format("rule {} skipped: {}", skipped.rule, skipped.reason) + '\n';
  for (const Waiver& waiver : review.waivers_expired)
    out += fmt::format("{}:{}: waiver for {} {} expired on {}\n", waiver.where.file, waiver.where.line, waiver.rule,
                       waiver.subject, format_date(waiver.expires));
  for (const Waiver& waiver : review.waivers_unused)
    out += fmt::format("{}:{}: waiver for {} {} matched no finding\n", waiver.where.file, waiver.where.line, waiver.rule,
                       waiver.subject);
  std::cerr << out;
}

void print_error(const std::string& tool, const Error& error) {
  for (const Diagnostic& diagnostic : error.diagnostics()) {
    if (diagnostic.file.empty() && diagnostic.locator.empty())
      std::cerr << tool << ": " << diagnostic.message << '\n';
    else
      std::cerr << diagnostic.to_string() << '\n';
  }
  if (error.omitted() > 0) std::cerr << tool << ": … and " << error.omitted() << " more problems not listed\n";
}

RunOptions make_run_options(const ToolSpec& tool, const Options& o, const Policy& policy, Lang lang) {
  RunOptions run_options;
  run_options.tool = tool.name;
  run_options.only_rules = o.rules;
  run_options.skip_rules = o.skip_rules;
  run_options.redact = o.redact;
  run_options.lang = lang;
  if (!(o.rule_timeout > 0) || o.rule_timeout > 1e9)
    throw Error(fmt::format("--rule-timeout {}: expected a number of seconds above 0", o.rule_timeout));
  run_options.rule_timeout = o.rule_timeout;
  run_options.store = store_from_environment();
  for (const std::string& set : o.sets) run_options.overrides.push_back(split_assignment(set, "--set"));
  if (o.due_within_given && o.due_within < 0)
    throw Error(fmt::format("--due-within {}: expected a number of days, 0 or more", o.due_within));
  if (o.due_within_given) run_options.overrides.emplace_back("due_soon_days", std::to_string(o.due_within));
  if (!o.org.empty()) run_options.filters["org"] = o.org;
  if (!o.person.empty()) run_options.filters["person"] = o.person;
  if (!o.group.empty()) run_options.filters["group"] = o.group;
  if (o.as_of.empty()) {
    run_options.as_of = policy.zone.today();
  } else if (auto date = parse_date(o.as_of, policy.zone)) {
    run_options.as_of = *date;
  } else {
    throw Error(fmt::format("--as-of {}: not a date; expected {}", o.as_of, accepted_date_spellings()));
  }
  return run_options;
}

// --list-rules and --explain: printed, checked, exit 0.
std::optional<int> answer_question(const ToolSpec& tool, const Options& o, const Policy& policy,
                                   const RunOptions& run_options, const std::vector<Param>& params, Lang lang) {
  if (o.list_rules) {
    std::string out;
    for (const Rule& rule : policy.rules) {
      if (rule.tool != tool.name || !rule.enabled) continue;
      out += fmt::format("{:<30} {:<8} {}  {}\n", rule.id, to_string(rule.severity), rule.article.in(lang),
                         rule.title.in(lang));
    }
    write_stdout(out);
    return static_cast<int>(ExitStatus::clean);
  }
  if (!o.explain.empty()) {
    const Rule* rule = policy.find_rule(o.explain);
    if (!rule) throw Error(fmt::format("--explain {}: no such rule in policy {} (see --list-rules)", o.explain, policy.id));
    write_stdout(explain(policy, *rule, params, run_options.as_of));
    return static_cast<int>(ExitStatus::clean);
  }
  return std::nullopt;
}

Inventory load_for(const Options& o, const Plan& plan, const Policy& policy, const std::vector<const Rule*>& selected) {
  if (o.inventories.empty() && o.tables.empty())
    throw Error("no inventory given; use --inventory PATH (a CSV directory or SQLite file) or --table NAME=PATH");
  InventorySources sources;
  sources.inventories = o.inventories;
  sources.mapping = o.mapping;
  sources.encoding = o.encoding;
  sources.delimiter = o.delimiter;
  sources.read_timeout = o.rule_timeout;
  for (const std::string& table : o.tables) sources.tables.push_back(split_assignment(table, "--table"));
  std::set<std::string> wanted = tables_needed(policy, selected);
  if (!o.org.empty()) wanted.insert("orgs");
  if (!o.person.empty()) wanted.insert("people");
  if (!o.group.empty()) wanted.insert("groups");
  if (plan.uses_email) wanted.insert("people");
  for (const auto& [table, path] : sources.tables) {
    if (!find_table(table) && !wanted.count(table)) {
      std::string names;
      for (const TableSpec& spec : inventory_schema()) names += (names.empty() ? "" : ", ") + std::string(spec.name);
      throw Error(fmt::format("--table {}: no such table; expected one of {} (or a table a rule requires)", table, names));
    }
    wanted.insert(table);
  }
  Inventory inventory = load_inventory(sources, wanted, policy.zone);
  // Nothing lost: every row read was loaded (the loader stops on a bad row), else no report.
  for (const auto& [table, loaded] : inventory.loaded())
    if (loaded.rows_read != loaded.rows_loaded)
      throw Error(Diagnostic{.file = loaded.source,
                             .message = fmt::format("table {}: {} rows read but {} loaded", table, loaded.rows_read,
                                                    loaded.rows_loaded)});
  return inventory;
}

void require_some_rule_ran(const RunResult& result) {
  if (!result.rules_run.empty()) return;
  std::vector<Diagnostic> reasons;
  for (const SkippedRule& skipped : result.rules_skipped)
    reasons.push_back(Diagnostic{.message = fmt::format("rule {} skipped: {}", skipped.rule, skipped.reason)});
  reasons.push_back(Diagnostic{.message = "every selected rule was skipped; nothing was checked"});
  throw Error(reasons);
}

// Findings this run delivers stay in `findings`; those --only-new or --min-severity leave out move
// to the returned list (the history keeps them, marked undelivered).
std::vector<Finding> set_aside_undelivered(std::vector<Finding>& findings, bool only_new, Severity min_severity) {
  std::vector<Finding> kept, aside;
  kept.reserve(findings.size());
  for (Finding& finding : findings) {
    const bool wanted = finding.severity <= min_severity && (!only_new || finding.change != "persisting");
    (wanted ? kept : aside).push_back(std::move(finding));
  }
  findings = std::move(kept);
  return aside;
}

int run(const ToolSpec& tool, const Options& o) {
  if (o.version) {
    write_stdout(fmt::format("{} (chataudit) {}\n", tool.name, CHATAUDIT_VERSION));
    return static_cast<int>(ExitStatus::clean);
  }
  const Lang lang = choose_lang(o.lang);
  const Policy policy = load_policy(o.policy.empty() ? default_policy_path() : o.policy);
  const RunOptions run_options = make_run_options(tool, o, policy, lang);
  const std::vector<Param> params = apply_overrides(policy, run_options.overrides);
  if (auto answered = answer_question(tool, o, policy, run_options, params, lang)) return *answered;

  // Outputs, recipients and the history are checked before any work, so a typo costs nothing and
  // no output can replace a file the run reads.
  const Plan plan = plan_outputs(o);
  std::vector<std::string> paths;
  for (const OutputTarget& target : plan.targets) paths.push_back(target.path);
  check_outputs(paths, o.output_dir, input_files(o, policy));
  if (!o.record.empty()) prepare_history(o.record);
  // Waivers and a baseline file are read before the inventory: a bad file fails fast.
  std::vector<Waiver> waivers;
  if (!o.waivers.empty()) waivers = load_waivers(o.waivers, policy.zone);
  std::optional<Baseline> baseline;
  if (!o.baseline.empty() && o.baseline != "last") baseline = load_baseline(o.baseline, tool.name);

  const std::vector<const Rule*> selected = select_rules(policy, run_options);
  if (selected.empty()) throw Error("no rule left to run (check --rule and --skip-rule)");
  Inventory inventory = load_for(o, plan, policy, selected);
  PhaseTimer timer;
  RunResult result = run_rules(inventory, policy, run_options);
  const std::map<std::string, std::string> emails = plan.uses_email ? read_emails(inventory) : std::map<std::string, std::string>{};
  // The report needs the findings, not the tables: at national scale that is most of the memory.
  inventory.release_data();
  timer.lap("rules (all)");
  require_some_rule_ran(result);
  const Scope scope = make_scope(tool, o, policy, run_options, inventory);

  // After the rules: waivers, then the baseline, then what this run delivers.
  Review review;
  WaiverOutcome waived = apply_waivers(result.findings, waivers, run_options.as_of);
  review.waived = std::move(waived.waived);
  review.waivers_expired = std::move(waived.expired);
  review.waivers_unused = std::move(waived.unused);
  if (o.baseline == "last") baseline = last_recorded_run(o.record, scope, run_options.as_of);
  if (baseline) {
    review.compared = true;
    review.baseline_source = baseline->source;
    review.resolved = apply_baseline(result.findings, review.waived, *baseline);
    if (o.baseline == "last") mark_redeliveries(result.findings, *baseline, run_options.as_of, o.remind_after);
  }
  std::vector<Finding> undelivered = set_aside_undelivered(result.findings, o.only_new, plan.min_severity);
  Review shown = review;  // waived findings below --min-severity are left out of the report too
  std::erase_if(shown.waived, [&](const WaivedFinding& item) { return item.finding.severity > plan.min_severity; });

  Report report{tool.name, CHATAUDIT_VERSION, run_options.as_of, &policy, &inventory, &result, &shown, lang, plan.fail_on};
  report.scope = &scope;
  report.options.redact = o.redact;
  report.options.bom = o.bom;
  report.options.verbose = o.verbose;
  report.options.mail_to = o.mail_to;
  report.options.mail_from = o.mail_from;
  if (plan.mails || !o.record.empty()) report.options.mail_date = mail_date();
  const Outputs outputs = render_outputs(report, o, plan, Splitter{o, plan, emails}, scope);
  timer.lap("review and render");
  // Every report goes out before the run is recorded: a failed write or a message sendmail did not
  // take must not make the next --baseline last --only-new treat its findings as delivered.
  write_all_or_none(outputs.writes);
  if (o.send) send_all(outputs.messages, plan.sendmail);
  timer.lap("write");
  if (!o.record.empty()) {
    Report recorded = report;
    recorded.review = &review;
    record_run(o.record, recorded, scope, undelivered, o.baseline == "last" ? &*baseline : nullptr);
  }
  if (o.verbose) print_notes(tool.name, policy, result, review);

  if (plan.never_fail) return static_cast<int>(ExitStatus::clean);
  const bool failing = std::any_of(result.findings.begin(), result.findings.end(),
                                   [&](const Finding& f) { return f.severity <= plan.fail_on; });
  return static_cast<int>(failing ? ExitStatus::findings : ExitStatus::clean);
}

// Runs `body`, printing a chataudit::Error (or anything else thrown) once; returns exit 2 then.
template <class Body>
int guarded(const ToolSpec& tool, Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    print_error(tool.name, e);
  } catch (const SQLite::Exception& e) {
    std::cerr << tool.name << ": SQLite: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << tool.name << ": " << e.what() << '\n';
  }
  return static_cast<int>(ExitStatus::error);
}

}  // namespace

int run_tool(const ToolSpec& tool, int argc, char** argv) {
  // Before SQLite's first use (it then refuses): no count of the bytes it holds. Debian's SQLite
  // is built without lookaside memory (SQLITE_OMIT_LOOKASIDE), so every value a statement makes is
  // a malloc, and with the count kept each of them takes one process-wide mutex, which the rules
  // running on two threads then wait on. Nothing here reads that count.
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  CLI::App app{tool.summary, tool.name};
  Options options;
  setup_options(app, tool, options);
  try {
    app.parse(argc, argv);
    options.due_within_given = tool.due_within && app.count("--due-within") > 0;
    options.remind_after_given = app.count("--remind-after") > 0;
  } catch (const CLI::CallForHelp&) {
    return guarded(tool, [&] {
      write_stdout(app.help());
      return static_cast<int>(ExitStatus::clean);
    });
  } catch (const CLI::ParseError& e) {
    std::cerr << tool.name << ": " << e.what() << "\n" << "Try '" << tool.name << " --help' for more information.\n";
    return static_cast<int>(ExitStatus::error);
  }
  return guarded(tool, [&] { return run(tool, options); });
}

}  // namespace chataudit
