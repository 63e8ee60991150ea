// The shared command line: options into a struct, then run() walks load → validate → evaluate →
// render, and main gets an exit status. Errors are printed once, here.
#include "chataudit/cli.h"

#include <fcntl.h>
#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#include <sys/prctl.h>
#endif
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
#include <random>
#include <set>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <regex>

#include "chataudit/engine.h"
#include "chataudit/history.h"
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
  int due_within = 0;
  double rule_timeout = kDefaultRuleTimeout;
  bool due_within_given = false;
  bool list_rules = false, quiet = false, verbose = false, version = false;
  bool only_new = false, redact = false, bom = false;
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
  app.add_option("--mail-to", o.mail_to, "e-mail recipient (repeatable; {id} = the --split-by key)")->type_name("ADDR");
  app.add_option("--mail-from", o.mail_from, "e-mail sender")->type_name("ADDR");
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
    app.add_option("--due-within", o.due_within, "warn of groups due within DAYS (= --set due_soon_days=DAYS)")
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

struct OutputTarget {
  Format format;
  std::string path;
};

bool is_stdout(const std::string& path) { return path == "-" || path == "/dev/stdout"; }

// Writes all of `parts`, one after the other, to `fd`; false on a short or failed write.
bool write_all(int fd, const std::vector<std::string>& parts) {
  for (const std::string& content : parts) {
    std::size_t written = 0;
    while (written < content.size()) {
      const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      written += static_cast<std::size_t>(n);
    }
  }
  return true;
}

// `path` + ".tmp." + six random letters or digits, as mkstemp would name it.
std::string temporary_name(const std::string& path) {
  static constexpr std::string_view kLetters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  static std::random_device device;
  std::string name = path + ".tmp.";
  for (int i = 0; i < 6; ++i) name += kLetters[device() % kLetters.size()];
  return name;
}

[[noreturn]] void write_failed(const std::string& path, int error) {
  throw Error(Diagnostic{.file = path, .message = fmt::format("write failed: {}", std::strerror(error))});
}

// The file at `path` replaced by, or created as, the unnamed file `fd` (O_TMPFILE, complete and
// flushed). A new path gets its name in one step; an existing file is replaced by linking the
// file under a temporary name and renaming that over it, so only a kill between those two calls
// can leave a FILE.tmp.XXXXXX behind, and then it holds the whole report. False (errno set) when
// the file cannot be linked at all (no /proc): the caller falls back to a named temporary file.
bool link_into_place(int fd, const std::string& path) {
  const std::string self = fmt::format("/proc/self/fd/{}", fd);
  if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, path.c_str(), AT_SYMLINK_FOLLOW) == 0) return true;
  if (errno != EEXIST) return false;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string temp = temporary_name(path);
    if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, temp.c_str(), AT_SYMLINK_FOLLOW) != 0) {
      if (errno == EEXIST) continue;
      write_failed(path, errno);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      write_failed(path, error);
    }
    return true;
  }
  write_failed(path, EEXIST);
}

// Writes `content` (a rendered report's parts, one after the other: see render_parts()) to
// `path`: standard output, a FIFO or a device directly; a file atomically, so that a reader, or a
// kill at any moment, finds the old file or the whole new one, never a part.
void write_output(const std::string& path, const std::vector<std::string>& content) {
  if (is_stdout(path)) {
    for (const std::string& part : content) std::cout << part;
    std::cout << std::flush;
    return;
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) == 0) {
    // A link to a FIFO or a device (/dev/stdout → a pipe or terminal) is a stream, not a file to
    // replace; a link to anything else is refused rather than followed or clobbered.
    struct stat target {};
    if (S_ISLNK(info.st_mode) && ::stat(path.c_str(), &target) == 0 && (S_ISFIFO(target.st_mode) || S_ISCHR(target.st_mode)))
      info = target;
    else if (S_ISLNK(info.st_mode))
      throw Error(Diagnostic{.file = path, .message = "is a symbolic link; refusing to write through it"});
    if (S_ISDIR(info.st_mode)) throw Error(Diagnostic{.file = path, .message = "is a directory"});
    if (S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode)) {
      const int fd = ::open(path.c_str(), O_WRONLY);
      if (fd < 0) throw Error(Diagnostic{.file = path, .message = std::strerror(errno)});
      const bool ok = write_all(fd, content);
      ::close(fd);
      if (!ok) throw Error(Diagnostic{.file = path, .message = "write failed"});
      return;
    }
  }
  // First choice: an unnamed file in the target's directory (O_TMPFILE), which a kill before it is
  // linked into place leaves nothing of. The mode is 0666 less the umask, as for any new file.
#ifdef O_TMPFILE
  {
    std::string dir = std::filesystem::path(path).parent_path().string();
    if (dir.empty()) dir = ".";
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
    if (fd >= 0) {
      const struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
      } closer{fd};
      if (!write_all(fd, content) || ::fsync(fd) != 0) write_failed(path, errno);
      if (link_into_place(fd, path)) return;
    }
    // Not supported here (old kernel, a file system without it, no /proc): a named temporary file.
  }
#endif
  std::string temp = path + ".tmp.XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw Error(Diagnostic{.file = path, .message = fmt::format("cannot create a temporary file: {}", std::strerror(errno))});
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  const bool ok = write_all(fd, content) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temp.c_str());
    throw Error(Diagnostic{.file = path, .message = "write failed: " + reason});
  }
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

void explain(const Policy& policy, const Rule& rule, const std::vector<Param>& params, const Date& as_of) {
  std::string out = fmt::format("{}  ({}, {})\n", rule.id, rule.tool, to_string(rule.severity));
  out += fmt::format("  {}  {}\n  {}  {}\n", rule.article.zh, rule.title.zh, rule.article.en, rule.title.en);
  out += fmt::format("\nMessage:\n  zh: {}\n  en: {}\n", rule.message.zh, rule.message.en);
  out += fmt::format("\nRemedy:\n  zh: {}\n  en: {}\n", rule.remedy.zh, rule.remedy.en);
  std::string requires_list;
  for (const std::string& table : tables_required(policy, rule)) requires_list += (requires_list.empty() ? "" : ", ") + table;
  out += fmt::format("\nRequires tables: {}\n", requires_list.empty() ? "(none)" : requires_list);
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
  std::cout << out;
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

// A split key as a file name: letters, digits, '.', '_' and '-' kept, anything else '_'.
std::string file_name_for(std::string_view key) {
  std::string name;
  for (char c : key) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.';
    name += keep ? c : '_';
  }
  return name.empty() || name[0] == '.' ? "_" + name : name;
}

// --split-by: one report per responsible person (or org), each with only its own findings and
// waived findings; `{id}` in --mail-to becomes the key. Keys without findings get no report.
std::vector<std::pair<std::string, std::vector<std::string>>> split_reports(const Report& whole, Format format,
                                                                            const std::string& split_by,
                                                                            const std::string& dir) {
  const std::string field = split_by == "org" ? "org_id" : "responsible_id";
  auto key_of = [&](const Finding& f) {
    const std::string key = f.field(field);
    return key.empty() ? std::string("unassigned") : key;
  };
  std::map<std::string, RunResult> results;
  std::map<std::string, Review> reviews;
  for (const Finding& finding : whole.result->findings) {
    RunResult& part = results[key_of(finding)];
    part.findings.push_back(finding);
  }
  for (const WaivedFinding& item : whole.review->waived) reviews[key_of(item.finding)].waived.push_back(item);
  std::vector<std::pair<std::string, std::vector<std::string>>> writes;
  std::set<std::string> names;
  for (auto& [key, part] : results) {
    part.rules_run = whole.result->rules_run;
    part.rules_skipped = whole.result->rules_skipped;
    part.params = whole.result->params;
    Review& review = reviews[key];
    review.compared = whole.review->compared;
    review.baseline_source = whole.review->baseline_source;
    Report report = whole;
    report.result = &part;
    report.review = &review;
    report.title_suffix = " — " + key;
    for (std::string& address : report.options.mail_to) {
      for (std::size_t at = address.find("{id}"); at != std::string::npos; at = address.find("{id}", at + key.size()))
        address.replace(at, 4, key);
    }
    std::string name = file_name_for(key);
    while (!names.insert(name).second) name += "_";
    writes.emplace_back((std::filesystem::path(dir) / (name + "." + std::string(extension(format)))).string(),
                        render_parts(report, format));
  }
  return writes;
}

void print_notes(const std::string& tool, const RunResult& result, const Review& review) {
  for (const SkippedRule& skipped : result.rules_skipped)
    std::cerr << tool << ": " << fmt::format("rule {} skipped: {}", skipped.rule, skipped.reason) << '\n';
  for (const Waiver& waiver : review.waivers_expired)
    std::cerr << fmt::format("{}:{}: waiver for {} {} expired on {}\n", waiver.where.file, waiver.where.line, waiver.rule,
                             waiver.subject, format_date(waiver.expires));
  for (const Waiver& waiver : review.waivers_unused)
    std::cerr << fmt::format("{}:{}: waiver for {} {} matched no finding\n", waiver.where.file, waiver.where.line,
                             waiver.rule, waiver.subject);
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

int run(const ToolSpec& tool, const Options& o) {
  if (o.version) {
    std::cout << tool.name << " (chataudit) " << CHATAUDIT_VERSION << '\n';
    return static_cast<int>(ExitStatus::clean);
  }
  const Lang lang = choose_lang(o.lang);
  const std::string policy_path = o.policy.empty() ? default_policy_path() : o.policy;
  const Policy policy = load_policy(policy_path);

  RunOptions run_options;
  run_options.tool = tool.name;
  run_options.only_rules = o.rules;
  run_options.skip_rules = o.skip_rules;
  run_options.redact = o.redact;
  run_options.lang = lang;
  if (!(o.rule_timeout > 0) || o.rule_timeout > 1e9)
    throw Error(fmt::format("--rule-timeout {}: expected a number of seconds above 0", o.rule_timeout));
  run_options.rule_timeout = o.rule_timeout;
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
  const std::vector<Param> params = apply_overrides(policy, run_options.overrides);

  if (o.list_rules) {
    for (const Rule& rule : policy.rules) {
      if (rule.tool != tool.name || !rule.enabled) continue;
      std::cout << fmt::format("{:<30} {:<8} {}  {}\n", rule.id, to_string(rule.severity), rule.article.in(lang),
                               rule.title.in(lang));
    }
    return static_cast<int>(ExitStatus::clean);
  }
  if (!o.explain.empty()) {
    const Rule* rule = policy.find_rule(o.explain);
    if (!rule) throw Error(fmt::format("--explain {}: no such rule in policy {} (see --list-rules)", o.explain, policy.id));
    explain(policy, *rule, params, run_options.as_of);
    return static_cast<int>(ExitStatus::clean);
  }

  // Outputs are decided before any work, so a typo costs nothing.
  Format format = Format::text;
  if (!o.format.empty()) {
    auto parsed = parse_format(o.format);
    if (!parsed)
      throw Error(fmt::format("--format {}: expected text, json, jsonl, csv, markdown, html, email or junit", o.format));
    format = *parsed;
  }
  std::vector<OutputTarget> targets;
  for (const std::string& output : o.outputs) {
    const std::size_t colon = output.find(':');
    auto prefixed = colon == std::string::npos ? std::nullopt : parse_format(output.substr(0, colon));
    if (prefixed) targets.push_back({*prefixed, output.substr(colon + 1)});
    else targets.push_back({format, output});
  }
  Severity fail_on = Severity::error;
  bool never_fail = false;
  if (o.fail_on == "never") never_fail = true;
  else if (auto severity = parse_severity(o.fail_on)) fail_on = *severity;
  else throw Error(fmt::format("--fail-on {}: expected error, warning, notice or never", o.fail_on));

  if (o.color != "auto" && o.color != "always" && o.color != "never")
    throw Error(fmt::format("--color {}: expected auto, always or never", o.color));
  if (!o.split_by.empty() && o.split_by != "responsible" && o.split_by != "org")
    throw Error(fmt::format("--split-by {}: expected responsible or org", o.split_by));
  if (o.split_by.empty() != o.output_dir.empty())
    throw Error("--split-by and --output-dir go together: --split-by responsible|org --output-dir DIR");
  if (!o.split_by.empty() && !targets.empty()) throw Error("--split-by writes to --output-dir; drop --output");
  // A CR or LF in an address would let a value write its own mail headers (Bcc: …).
  for (const std::string* address : [&] {
         std::vector<const std::string*> all{&o.mail_from};
         for (const std::string& to : o.mail_to) all.push_back(&to);
         return all;
       }()) {
    if (std::any_of(address->begin(), address->end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
      throw Error(fmt::format("--mail-to/--mail-from: an address holds a control character (CR, LF, …); refused"));
  }
  const bool email_output = (format == Format::email && (targets.empty() || !o.split_by.empty())) ||
                            std::any_of(targets.begin(), targets.end(), [](const OutputTarget& t) { return t.format == Format::email; });
  if (email_output && o.mail_to.empty())
    throw Error("an e-mail report needs a recipient: add --mail-to ADDR (sendmail -t reads it from To:)");
  if (o.only_new && o.baseline.empty()) throw Error("--only-new needs --baseline REPORT.json (or last)");
  if (o.baseline == "last" && o.record.empty())
    throw Error("--baseline last reads the history database: give it with --record DB");
  // Waivers and the baseline are read before the inventory: a bad file fails fast.
  std::vector<Waiver> waivers;
  if (!o.waivers.empty()) waivers = load_waivers(o.waivers, policy.zone);
  std::optional<Baseline> baseline;
  if (o.baseline == "last") baseline = last_recorded_run(o.record, tool.name);
  else if (!o.baseline.empty()) baseline = load_baseline(o.baseline, tool.name);

  if (o.inventories.empty() && o.tables.empty())
    throw Error("no inventory given; use --inventory PATH (a CSV directory or SQLite file) or --table NAME=PATH");
  InventorySources sources;
  sources.inventories = o.inventories;
  sources.mapping = o.mapping;
  sources.encoding = o.encoding;
  sources.delimiter = o.delimiter;
  sources.read_timeout = o.rule_timeout;
  for (const std::string& table : o.tables) sources.tables.push_back(split_assignment(table, "--table"));

  const std::vector<const Rule*> selected = select_rules(policy, run_options);
  if (selected.empty()) throw Error("no rule left to run (check --rule and --skip-rule)");
  std::set<std::string> wanted = tables_needed(policy, selected);
  if (!o.org.empty()) wanted.insert("orgs");
  if (!o.person.empty()) wanted.insert("people");
  if (!o.group.empty()) wanted.insert("groups");
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

  PhaseTimer timer;
  RunResult result = run_rules(inventory, policy, run_options);
  // The report needs the findings, not the tables: at national scale that is most of the memory.
  inventory.release_data();
  timer.lap("rules (all)");
  if (result.rules_run.empty()) {
    std::vector<Diagnostic> reasons;
    for (const SkippedRule& skipped : result.rules_skipped)
      reasons.push_back(Diagnostic{.message = fmt::format("rule {} skipped: {}", skipped.rule, skipped.reason)});
    reasons.push_back(Diagnostic{.message = "every selected rule was skipped; nothing was checked"});
    throw Error(reasons);
  }

  // After the rules: waivers, then the baseline, then --only-new. What is left decides the exit.
  Review review;
  WaiverOutcome waived = apply_waivers(result.findings, waivers, run_options.as_of);
  review.waived = std::move(waived.waived);
  review.waivers_expired = std::move(waived.expired);
  review.waivers_unused = std::move(waived.unused);
  if (baseline) {
    review.compared = true;
    review.baseline_source = baseline->source;
    review.resolved = apply_baseline(result.findings, review.waived, *baseline);
  }
  // The history keeps every finding, so that the next --baseline last sees the persisting ones too.
  // (A copy only when --only-new is about to drop some: at national scale it is not free.)
  std::optional<RunResult> before_only_new;
  if (o.only_new && !o.record.empty()) before_only_new = result;
  if (o.only_new) std::erase_if(result.findings, [](const Finding& f) { return f.change != "new"; });

  Report report{tool.name, CHATAUDIT_VERSION, run_options.as_of, &policy, &inventory, &result, &review, lang, fail_on};
  report.options.redact = o.redact;
  report.options.bom = o.bom;
  report.options.verbose = o.verbose;
  report.options.mail_to = o.mail_to;
  report.options.mail_from = o.mail_from;
  const bool mails = format == Format::email ||
                     std::any_of(targets.begin(), targets.end(), [](const OutputTarget& t) { return t.format == Format::email; });
  if (mails || !o.record.empty()) report.options.mail_date = mail_date();
  const bool clean = result.findings.empty();

  // Render everything first: either every output is written or, on error, none is half-written.
  std::vector<std::pair<std::string, std::vector<std::string>>> writes;
  if (!o.split_by.empty()) {
    writes = split_reports(report, format, o.split_by, o.output_dir);
    std::error_code error;
    std::filesystem::create_directories(o.output_dir, error);
    if (error) throw Error(Diagnostic{.file = o.output_dir, .message = "cannot create the directory: " + error.message()});
  } else {
    if (targets.empty() && !o.quiet) targets.push_back({format, "-"});
    for (const OutputTarget& target : targets) {
      // Quiet when clean: no text or e-mail on standard output, no e-mail file.
      const bool quiet_format = target.format == Format::text || target.format == Format::email;
      if (clean && !o.verbose && quiet_format && (is_stdout(target.path) || target.format == Format::email)) continue;
      Report styled = report;
      styled.options.color = target.format == Format::text && is_stdout(target.path) && use_color(o.color);
      writes.emplace_back(target.path, render_parts(styled, target.format));
    }
  }
  // The report goes out before the run is recorded: a failed write must not make the next
  // --baseline last --only-new treat undelivered findings as already reported.
  timer.lap("review and render");
  for (const auto& [path, content] : writes) write_output(path, content);
  timer.lap("write");
  // The reports written are not freed: the process ends soon after, and handing a few hundred
  // MiB back to the system page by page (0.3 s for the JSON report at scale L) is time spent on
  // nothing. Held by a pointer no destructor follows at exit, they stay reachable, so leak
  // checkers do not count them.
  static auto* written = new std::vector<std::pair<std::string, std::vector<std::string>>>;
  for (auto& item : writes) written->push_back(std::move(item));
  if (!o.record.empty()) {
    Report recorded = report;
    recorded.result = before_only_new ? &*before_only_new : &result;
    record_run(o.record, recorded);
  }
  if (o.verbose) print_notes(tool.name, result, review);

  if (never_fail) return static_cast<int>(ExitStatus::clean);
  const bool failing = std::any_of(result.findings.begin(), result.findings.end(),
                                   [&](const Finding& f) { return f.severity <= fail_on; });
  return static_cast<int>(failing ? ExitStatus::findings : ExitStatus::clean);
}

}  // namespace

// glibc's malloc asks the kernel for transparent huge pages only when the tunable
// glibc.malloc.hugetlb is 1 (glibc 2.35 and later), and reads its tunables once, as the program
// starts. Where the kernel gives huge pages to memory that asks for them (transparent_hugepage
// "madvise", Debian's default), the tool starts itself again, once, with that tunable added: the
// column store takes huge pages itself, but the findings, the report's text and SQLite's sorters
// come from malloc, and on a virtual machine every 4 KiB page fault costs microseconds (at the
// benchmark's scale L: 150,000 faults fewer, one to two seconds of CPU). GLIBC_TUNABLES that
// names the tunable already is left as it is (glibc.malloc.hugetlb=0 keeps plain pages), and the
// restarted tool puts the variable back as it was, and its process name (ps, top), before it does
// anything else. Sanitizer builds, whose malloc is not glibc's, do not restart.
void restart_with_huge_pages(char** argv) {
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  static constexpr const char* kWere = "CHATAUDIT_GLIBC_TUNABLES_WERE";  // "=VALUE", or "" when unset
  static constexpr const char* kName = "CHATAUDIT_PROCESS_NAME_WAS";     // what ps and top showed
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (const char* were = std::getenv(kWere)) {  // the restarted process: put things back
    if (*were == '=') setenv("GLIBC_TUNABLES", were + 1, 1);
    else unsetenv("GLIBC_TUNABLES");
    unsetenv(kWere);
    // Started as /proc/self/exe, the process would be called "exe" (ps, top, pkill).
    if (const char* name = std::getenv(kName)) {
      prctl(PR_SET_NAME, name, 0, 0, 0);
      unsetenv(kName);
    }
    return;
  }
  if (!argv || !argv[0] || (tunables && std::strstr(tunables, "glibc.malloc.hugetlb"))) return;
  int major = 0, minor = 0;
  if (std::sscanf(gnu_get_libc_version(), "%d.%d", &major, &minor) != 2 || major < 2 || (major == 2 && minor < 35))
    return;
  char mode[128] = {};
  if (std::FILE* file = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r")) {
    const std::size_t read = std::fread(mode, 1, sizeof mode - 1, file);
    mode[read] = '\0';
    std::fclose(file);
  }
  if (!std::strstr(mode, "[madvise]")) return;  // "always": glibc gets them anyway; "never": none to get
  const std::string were = tunables ? std::string("=") + tunables : std::string();
  const std::string wanted =
      tunables && *tunables ? std::string(tunables) + ":glibc.malloc.hugetlb=1" : std::string("glibc.malloc.hugetlb=1");
  char name[32] = {};
  if (prctl(PR_GET_NAME, name, 0, 0, 0) != 0) return;
  setenv(kWere, were.c_str(), 1);
  setenv(kName, name, 1);
  setenv("GLIBC_TUNABLES", wanted.c_str(), 1);
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // Not restarted (no /proc, say): go on as we are.
  if (tunables) setenv("GLIBC_TUNABLES", were.c_str() + 1, 1);
  else unsetenv("GLIBC_TUNABLES");
  unsetenv(kWere);
  unsetenv(kName);
#else
  (void)argv;
#endif
}

int run_tool(const ToolSpec& tool, int argc, char** argv) {
  restart_with_huge_pages(argv);
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
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return static_cast<int>(ExitStatus::clean);
  } catch (const CLI::ParseError& e) {
    std::cerr << tool.name << ": " << e.what() << "\n" << "Try '" << tool.name << " --help' for more information.\n";
    return static_cast<int>(ExitStatus::error);
  }
  try {
    return run(tool, options);
  } catch (const Error& e) {
    print_error(tool.name, e);
  } catch (const SQLite::Exception& e) {
    std::cerr << tool.name << ": SQLite: " << e.what() << '\n';
  } catch (const std::exception& e) {
    std::cerr << tool.name << ": " << e.what() << '\n';
  }
  return static_cast<int>(ExitStatus::error);
}

}  // namespace chataudit
