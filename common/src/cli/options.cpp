// The shared command line's options: declared, read into RunOptions, and the plan of outputs and
// mail checked before any work (cli_parts.h).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>

#include "base/catalog.h"
#include "base/dates.h"
#include "base/error.h"
#include "cli/cli_parts.h"
#include "cli/mail.h"

namespace chataudit::cli {
namespace {

constexpr std::string_view kDefaultPolicy = "jiusan-2020.toml";

// The directory of the running program: the path it was started by (the kernel's AT_EXECFN: what
// the shell found on PATH, or what was typed) with every symbolic link resolved, so that a link in
// /usr/local/bin to a build tree still finds the build tree's policy. "." when unknown.
std::string executable_dir() {
  const auto* started_as = reinterpret_cast<const char*>(::getauxval(AT_EXECFN));
  std::error_code error;
  const std::filesystem::path self =
      started_as ? std::filesystem::canonical(started_as, error) : std::filesystem::path();
  return !started_as || error ? std::string(".") : self.parent_path().string();
}

bool has_placeholder(const std::vector<std::string>& addresses, std::string_view placeholder) {
  return std::any_of(addresses.begin(), addresses.end(),
                     [&](const std::string& address) { return address.find(placeholder) != std::string::npos; });
}

void check_mail_options(const Options& o, Plan& plan) {
  for (const std::string& to : o.mail_to) check_address("--mail-to", to);
  if (!o.mail_from.empty()) check_address("--mail-from", o.mail_from);
  if (!o.mail_unassigned.empty()) check_address("--mail-unassigned", o.mail_unassigned);
  for (const std::string* flag : {&o.mail_from, &o.mail_unassigned})
    if (flag->find('{') != std::string::npos) throw Error(tr("{}: {{id}} and {{email}} are for --mail-to", *flag));
  for (const std::string& domain : o.mail_domains)
    if (!is_plain_address_in("x@" + domain, {domain}))
      throw Error(tr("--mail-domain {}: expected a domain such as corp.example", domain));
  const bool id = has_placeholder(o.mail_to, "{id}");
  plan.uses_email = has_placeholder(o.mail_to, "{email}");
  if ((id || plan.uses_email) && o.split_by.empty())
    throw Error(tr("--mail-to with {id} or {email} needs --split-by (one report per key)"));
  if (plan.uses_email && o.split_by != "responsible")
    throw Error(tr("--mail-to {email} needs --split-by responsible (the responsible person's people.email)"));
  if (plan.uses_email && o.mail_domains.empty())
    throw Error(tr("--mail-to {email} needs --mail-domain D: the domains a person's address may be in"));
  if (plan.mails && o.mail_to.empty())
    throw Error(tr("an e-mail report needs a recipient: add --mail-to ADDR (sendmail -t reads it from To:)"));
  if (plan.mails && !o.split_by.empty() && o.mail_unassigned.empty())
    throw Error(
        tr("--split-by with an e-mail report needs --mail-unassigned ADDR: who gets the findings no one "
           "serving can act on"));
  if (o.send && !plan.mails) throw Error(tr("--send sends e-mail reports: add --format email or --output email:FILE"));
  if (!o.sendmail.empty() && !o.send) throw Error(tr("--sendmail CMD goes with --send"));
  if (o.send) plan.sendmail = o.sendmail.empty() ? default_sendmail() : o.sendmail;
}

// Whether `path` is standard output or a terminal: where a workbook (Format::binary) never goes.
bool stdout_or_terminal(const std::string& path) {
  if (is_stdout(path)) return true;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISCHR(info.st_mode)) return false;
  const int fd = ::open(path.c_str(), O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  const bool terminal = fd >= 0 && ::isatty(fd);
  if (fd >= 0) ::close(fd);
  return terminal;
}

// A workbook is bytes for a spreadsheet program, not for a terminal or a pipe: refused there, with
// the option that writes it to a file.
void check_binary_outputs(const Options& o, const Plan& plan) {
  const char* never =
      tr("this report is never written to a terminal or standard output; write it to a file: --output {}:FILE");
  for (const OutputTarget& target : plan.targets)
    if (target.format->binary && stdout_or_terminal(target.path))
      throw Error(fmt::format("--output {}:{}: {}", target.format->name, target.path,
                              fmt::format(fmt::runtime(never), target.format->name)));
  if (plan.format->binary && plan.targets.empty() && o.split_by.empty() && !o.quiet)
    throw Error(fmt::format("--format {}: {}", plan.format->name, fmt::format(fmt::runtime(never), plan.format->name)));
  if (o.attach.empty()) return;
  if (o.attach != "xlsx") throw Error(tr("--attach {}: expected xlsx", o.attach));
  if (!plan.mails)
    throw Error(
        tr("--attach xlsx attaches the workbook to an e-mail report: add --format email or --output email:FILE"));
}

Severity severity_option(const std::string& flag, const std::string& value) {
  if (auto severity = parse_severity(value)) return *severity;
  throw Error(tr("{} {}: expected error, warning or notice", flag, value));
}

// The names in the table of formats, joined: "text, json, …, email or junit" (last_separator " or "),
// or "text (default), json, …, junit" (for --help).
std::string format_names(std::string_view last_separator, std::string_view after_default = "") {
  const std::span<const Format> formats = all_formats();
  assert(&formats.front() == &default_format() && "the default format is listed first");
  std::string names;
  for (std::size_t i = 0; i < formats.size(); ++i) {
    if (i > 0) names += i + 1 < formats.size() ? ", " : last_separator;
    names += formats[i].name;
    if (i == 0) names += after_default;
  }
  return names;
}

}  // namespace

void setup_options(CLI::App& app, const ToolSpec& tool, Options& o) {
  app.get_formatter()->column_width(30);
  // CLI11's own words in --help (its error texts are quoted as they are, after a lead: cli.cpp).
  app.get_formatter()->label("Usage", tr("Usage"));
  app.get_formatter()->label("OPTIONS", tr("OPTIONS"));
  app.option_defaults()->group(tr("Options"));
  app.set_help_flag("-h,--help", tr("print this help and exit"));
  app.add_option("--inventory", o.inventories, tr("CSV directory or SQLite file (repeatable)"))->type_name("PATH");
  app.add_option("--table", o.tables, tr("one table from a CSV/SQLite file or - (stdin)"))->type_name("NAME=PATH");
  app.add_option("--mapping", o.mapping, tr("file, header and value names (default: DIR/inventory.toml)"))
      ->type_name("FILE");
  app.add_option("--encoding", o.encoding, tr("CSV encoding: auto (default), utf-8, utf-16, gb18030, …"))
      ->type_name("NAME");
  app.add_option("--delimiter", o.delimiter, tr("CSV field separator (default: tab for .tsv, else guessed)"))
      ->type_name("CHAR");
  app.add_option("--policy", o.policy, tr("policy file (default: the installed jiusan-2020.toml)"))->type_name("FILE");
  app.add_option("--as-of", o.as_of, tr("audit date (default: today in the policy's time zone)"))->type_name("DATE");
  app.add_option("--format", o.format, format_names(", ", tr(" (default)")))->type_name("FMT");
  app.add_option("--output", o.outputs, tr("write the report to FILE, atomically (repeatable)"))
      ->type_name("[FMT:]FILE");
  app.add_option("--lang", o.lang, tr("language of reports and messages: zh or en (default from LANG)"))
      ->type_name("zh|en");
  app.add_option("--fail-on", o.fail_on, tr("least severity that exits 1 (default error)"))
      ->type_name("error|warning|notice|never");
  app.add_option("--rule", o.rules, tr("run only this rule (repeatable)"))->type_name("ID");
  app.add_option("--skip-rule", o.skip_rules, tr("do not run this rule (repeatable)"))->type_name("ID");
  app.add_option("--set", o.sets, tr("override a policy parameter (repeatable)"))->type_name("PARAM=VALUE");
  app.add_option("--waivers", o.waivers, tr("approved exceptions ([[waiver]] TOML)"))->type_name("FILE");
  app.add_option("--baseline", o.baseline, tr("mark findings new/persisting against an earlier JSON report"))
      ->type_name("REPORT.json|last");
  app.add_flag("--only-new", o.only_new, tr("keep only findings new since the baseline"));
  app.add_option("--record", o.record, tr("append this run to a SQLite history database"))->type_name("DB");
  app.add_option("--job", o.job, tr("name this run's job in its scope (--baseline last matches it)"))
      ->type_name("NAME");
  app.add_option("--remind-after", o.remind_after, tr("deliver a persisting finding again after DAYS"))
      ->type_name("DAYS");
  app.add_option("--min-severity", o.min_severity, tr("least severity listed (default notice)"))
      ->type_name("error|warning|notice");
  app.add_option("--mail-to", o.mail_to, tr("recipient (repeatable; {id}, {email} with --split-by)"))
      ->type_name("ADDR");
  app.add_option("--mail-from", o.mail_from, tr("e-mail sender"))->type_name("ADDR");
  app.add_option("--mail-unassigned", o.mail_unassigned, tr("recipient of findings no one serving can act on"))
      ->type_name("ADDR");
  app.add_option("--mail-domain", o.mail_domains, tr("domain {email} may name (repeatable)"))->type_name("D");
  app.add_option("--attach", o.attach, tr("attach the workbook report to the e-mail report"))->type_name("xlsx");
  app.add_flag("--send", o.send, tr("pipe each e-mail report to sendmail -t -oi; record only if accepted"));
  app.add_option("--sendmail", o.sendmail, tr("the command --send pipes to (run by /bin/sh)"))->type_name("CMD");
  app.add_option("--split-by", o.split_by, tr("one report per responsible person or org"))
      ->type_name("responsible|org");
  app.add_option("--output-dir", o.output_dir, tr("directory for the --split-by reports"))->type_name("DIR");
  app.add_flag("--redact", o.redact, tr("mask personal names and handles"));
  app.add_flag("--bom", o.bom, tr("start CSV output with a UTF-8 BOM (for Excel)"));
  app.add_option("--rule-timeout", o.rule_timeout, tr("stop a view, rule or table read after SECONDS (default 600)"))
      ->type_name("SECONDS");
  app.add_option("--color", o.color, tr("colour text output (default auto; NO_COLOR respected)"))
      ->type_name("auto|always|never");
  if (tool.org_filter) app.add_option("--org", o.org, tr("only this organization and its subtree"))->type_name("ID");
  if (tool.person_filter)
    app.add_option("--person", o.person, tr("the leaver's checklist: what this person holds"))->type_name("ID");
  if (tool.group_filter) app.add_option("--group", o.group, tr("only this group"))->type_name("ID");
  if (tool.due_within)
    app.add_option("--due-within", o.due_within, tr("groups due within DAYS (= --set due_soon_days=DAYS)"))
        ->type_name("DAYS");
  app.add_flag("--list-rules", o.list_rules, tr("list the rules this tool runs, then exit"));
  app.add_option("--explain", o.explain, tr("show a rule's article, text, parameters and SQL"))->type_name("RULE");
  app.add_flag("--quiet,-q", o.quiet, tr("print no report on standard output; the exit status tells"));
  app.add_flag("--verbose,-v", o.verbose, tr("report even when clean; print notes on standard error"));
  app.add_flag("--version", o.version, tr("print the version and exit"));
  app.footer(tr("Exit status: 0 no finding at or above --fail-on, 1 findings, 2 error.\nSee {}(1).", tool.name));
}

std::string default_policy_path() {
  const std::filesystem::path dir = executable_dir();
  return (dir.parent_path() / CHATAUDIT_POLICY_SUBDIR / kDefaultPolicy).string();
}

Lang choose_lang(const std::string& flag) {
  if (flag == "zh") return Lang::zh;
  if (flag == "en") return Lang::en;
  if (!flag.empty()) throw Error(tr("--lang {}: expected zh or en", flag));
  return environment_lang();
}

Lang lang_before_parsing(int argc, char** argv) {
  std::string flag;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--lang" && i + 1 < argc) flag = argv[++i];
    if (arg.starts_with("--lang=")) flag = arg.substr(7);
  }
  // A bad --lang is reported (by choose_lang, after parsing) in the environment's language.
  return flag == "zh" ? Lang::zh : flag == "en" ? Lang::en : environment_lang();
}

const char* help_summary(const ToolSpec& tool) {
  // tools/tools.toml's summaries (messages/lang checks that the English ones match it).
  if (tool.name == "registry-check")
    return tr("Check that every account and group was approved, recorded, filed and given an owner.");
  if (tool.name == "membership-audit")
    return tr("Find group members who departed, moved out of scope, are external or unidentified.");
  if (tool.name == "handover-check")
    return tr("Check that leavers handed over permissions and that successors were approved.");
  if (tool.name == "stale-group-finder")
    return tr("Find temporary work groups past or near their dissolution deadline, and idle groups.");
  return tool.summary.c_str();
}

std::pair<std::string, std::string> split_assignment(const std::string& text, std::string_view flag) {
  const std::size_t equals = text.find('=');
  if (equals == std::string::npos || equals == 0)
    throw Error(tr("{} {}: expected {}", flag, text, flag == "--set" ? "PARAM=VALUE" : "NAME=PATH"));
  return {text.substr(0, equals), text.substr(equals + 1)};
}

RunOptions make_run_options(const ToolSpec& tool, const Options& o, const Policy& policy, Lang lang) {
  RunOptions run_options;
  run_options.tool = tool.name;
  run_options.only_rules = o.rules;
  run_options.skip_rules = o.skip_rules;
  run_options.redact = o.redact;
  run_options.lang = lang;
  if (!(o.rule_timeout > 0) || o.rule_timeout > 1e9)
    throw Error(tr("--rule-timeout {}: expected a number of seconds above 0", o.rule_timeout));
  run_options.rule_timeout = o.rule_timeout;
  run_options.store = store_from_environment();
  for (const std::string& set : o.sets) run_options.overrides.push_back(split_assignment(set, "--set"));
  if (o.due_within_given && o.due_within < 0)
    throw Error(tr("--due-within {}: expected a number of days, 0 or more", o.due_within));
  if (o.due_within_given) run_options.overrides.emplace_back("due_soon_days", std::to_string(o.due_within));
  if (!o.org.empty()) run_options.filters["org"] = o.org;
  if (!o.person.empty()) run_options.filters["person"] = o.person;
  if (!o.group.empty()) run_options.filters["group"] = o.group;
  if (o.as_of.empty()) {
    run_options.as_of = policy.zone.today();
  } else if (auto date = parse_date(o.as_of, policy.zone)) {
    run_options.as_of = *date;
  } else {
    throw Error(tr("--as-of {}: not a date; expected {}", o.as_of, accepted_date_spellings()));
  }
  return run_options;
}

std::optional<std::int64_t> source_date_epoch() {
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch) {
    std::int64_t seconds = 0;
    auto [end, error] = std::from_chars(epoch, epoch + std::strlen(epoch), seconds);
    if (error == std::errc() && *end == '\0') return seconds;
    throw Error(tr("SOURCE_DATE_EPOCH={}: expected seconds since 1970-01-01", epoch));
  }
  return std::nullopt;
}

std::int64_t mail_date() { return source_date_epoch().value_or(static_cast<std::int64_t>(std::time(nullptr))); }

std::size_t xlsx_sheet_rows() {
  constexpr std::size_t kExcelRows = 1'048'575;  // 1,048,576 rows, less the header
  const char* rows = std::getenv("CHATAUDIT_XLSX_SHEET_ROWS");
  if (!rows || !*rows) return kExcelRows;
  std::size_t value = 0;
  auto [end, error] = std::from_chars(rows, rows + std::strlen(rows), value);
  if (error != std::errc() || *end != '\0' || value < 1 || value > kExcelRows)
    throw Error(tr("CHATAUDIT_XLSX_SHEET_ROWS={}: expected a number of rows from 1 to {}", rows, kExcelRows));
  return value;
}

bool use_color(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && !(no_color && *no_color) && !(term && std::string_view(term) == "dumb");
}

Plan plan_outputs(const Options& o) {
  Plan plan;
  if (!o.format.empty()) {
    plan.format = parse_format(o.format);
    if (!plan.format) throw Error(tr("--format {}: expected {}", o.format, format_names(" or ")));
  }
  for (const std::string& output : o.outputs) {
    const std::size_t colon = output.find(':');
    const Format* prefixed = colon == std::string::npos ? nullptr : parse_format(output.substr(0, colon));
    if (prefixed)
      plan.targets.push_back({prefixed, output.substr(colon + 1)});
    else
      plan.targets.push_back({plan.format, output});
  }
  if (o.fail_on == "never")
    plan.never_fail = true;
  else
    plan.fail_on = severity_option("--fail-on", o.fail_on);
  if (!o.min_severity.empty()) plan.min_severity = severity_option("--min-severity", o.min_severity);
  if (!plan.never_fail && plan.fail_on > plan.min_severity)
    throw Error(
        tr("--fail-on {} is below --min-severity {}: findings left out of the report cannot fail "
           "the run",
           o.fail_on, o.min_severity));
  if (o.color != "auto" && o.color != "always" && o.color != "never")
    throw Error(tr("--color {}: expected auto, always or never", o.color));
  if (!o.split_by.empty() && o.split_by != "responsible" && o.split_by != "org")
    throw Error(tr("--split-by {}: expected responsible or org", o.split_by));
  if (o.split_by.empty() != o.output_dir.empty())
    throw Error(tr("--split-by and --output-dir go together: --split-by responsible|org --output-dir DIR"));
  if (!o.split_by.empty() && !plan.targets.empty()) throw Error(tr("--split-by writes to --output-dir; drop --output"));
  plan.mails =
      (plan.format->mail && (plan.targets.empty() || !o.split_by.empty())) ||
      std::any_of(plan.targets.begin(), plan.targets.end(), [](const OutputTarget& t) { return t.format->mail; });
  check_mail_options(o, plan);
  check_binary_outputs(o, plan);
  if (o.only_new && o.baseline.empty()) throw Error(tr("--only-new needs --baseline REPORT.json (or last)"));
  if (o.baseline == "last" && o.record.empty())
    throw Error(tr("--baseline last reads the history database: give it with --record DB"));
  if (o.remind_after_given && o.remind_after < 1)
    throw Error(tr("--remind-after {}: expected a number of days, 1 or more", o.remind_after));
  if (o.remind_after_given && (o.record.empty() || o.baseline != "last" || !o.only_new))
    throw Error(tr("--remind-after DAYS goes with --record DB --baseline last --only-new"));
  if (std::any_of(o.job.begin(), o.job.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    throw Error(tr("--job: a name without control characters"));
  return plan;
}

std::vector<InputFile> input_files(const Options& o, const Policy& policy) {
  std::vector<InputFile> inputs;
  for (const std::string& file : policy.files) inputs.push_back({file, tr("the policy")});
  if (!o.waivers.empty()) inputs.push_back({o.waivers, tr("the waiver file")});
  if (!o.mapping.empty()) inputs.push_back({o.mapping, tr("the mapping file")});
  if (!o.record.empty()) inputs.push_back({o.record, tr("the --record history database")});
  for (const std::string& table : o.tables)
    inputs.push_back({split_assignment(table, "--table").second, tr("an inventory table")});
  for (const std::string& path : o.inventories) {
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) {
      inputs.push_back({path, tr("the inventory")});
      continue;
    }
    // Whatever in the directory could hold a table or its mapping.
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      const std::string extension = entry.path().extension().string();
      if (extension == ".csv" || extension == ".tsv" || extension == ".txt" || extension == ".xlsx" ||
          extension == ".toml")
        inputs.push_back({entry.path().string(), tr("a file of the inventory")});
    }
  }
  return inputs;
}

}  // namespace chataudit::cli
