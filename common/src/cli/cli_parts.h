#pragma once
// The parts of the shared command line (cli.cpp): the options as parsed, the plan of outputs decided
// before any work, the questions answered without a run (--list-rules, --explain) and the delivery of
// the rendered reports (files, split reports, sendmail). Internal to the tools' library.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/outputs.h"
#include "cli/cli.h"
#include "engine/engine.h"
#include "policy/policy.h"
#include "policy/scope.h"
#include "report/format_table.h"
#include "report/report.h"
#include "review/review.h"

namespace chataudit::cli {

struct Options {
  std::vector<std::string> inventories, tables, outputs, rules, skip_rules, sets, mail_to;
  std::string mapping, encoding, delimiter;  // how the inventory's files are read (chataudit-inventory(5))
  std::string policy, as_of, format, lang, fail_on = "error", explain;
  std::string org, person, group;
  std::string waivers, baseline, record, mail_from, split_by, output_dir, color = "auto";
  std::string job, min_severity, mail_unassigned, sendmail;
  std::string attach;  // --attach xlsx: the workbook attached to the e-mail report
  std::vector<std::string> mail_domains;
  int due_within = 0, remind_after = 0;
  double rule_timeout = kDefaultRuleTimeout;
  bool due_within_given = false, remind_after_given = false;
  bool list_rules = false, quiet = false, verbose = false, version = false;
  bool only_new = false, redact = false, bom = false, send = false;
};

/// Declares every option of `tool` on `app`, bound to `o`.
void setup_options(CLI::App& app, const ToolSpec& tool, Options& o);
/// The installed shipped policy (../share/chataudit/policies/ beside the executable's directory).
std::string default_policy_path();
/// --lang, else LC_ALL, LC_MESSAGES, LANG (zh… is Chinese), else English.
Lang choose_lang(const std::string& flag);
/// The message language from `--lang X` or `--lang=X` in argv (before CLI11 parses it, so that --help
/// and usage errors speak it), else the environment's (environment_lang()).
Lang lang_before_parsing(int argc, char** argv);
/// The first line of the tool's --help, in the message language.
const char* help_summary(const ToolSpec& tool);
/// NAME=VALUE of --set and --table.
std::pair<std::string, std::string> split_assignment(const std::string& text, std::string_view flag);
/// The engine's options from the command line; throws Error for a bad value.
RunOptions make_run_options(const ToolSpec& tool, const Options& o, const Policy& policy, Lang lang);
/// SOURCE_DATE_EPOCH (seconds since the epoch) when set; Error when it is not a number.
std::optional<std::int64_t> source_date_epoch();
/// Seconds since the epoch for the e-mail Date: header: SOURCE_DATE_EPOCH when set, else now.
std::int64_t mail_date();
/// CHATAUDIT_XLSX_SHEET_ROWS when set (for tests: the findings a sheet of the workbook holds before
/// "findings 2"), else Excel's limit.
std::size_t xlsx_sheet_rows();
/// Whether --color MODE colours standard output.
bool use_color(const std::string& mode);

// What the report is written as and where, decided before any work.
struct OutputTarget {
  const Format* format;
  std::string path;
};

struct Plan {
  const Format* format = &default_format();
  std::vector<OutputTarget> targets;
  Severity fail_on = Severity::error;
  bool never_fail = false;
  Severity min_severity = Severity::notice;
  bool mails = false;       // an e-mail report is written (or sent)
  bool uses_email = false;  // {email} in --mail-to
  std::string sendmail;     // the command --send pipes to
};

/// Every output and mail option checked, before any work.
Plan plan_outputs(const Options& o);
/// Every file the run reads, for check_outputs(): an output must never replace one of them.
std::vector<InputFile> input_files(const Options& o, const Policy& policy);

/// --list-rules and --explain: printed, exit 0; nullopt when neither was asked.
std::optional<int> answer_question(const ToolSpec& tool, const Options& o, const Policy& policy,
                                   const RunOptions& run_options, const std::vector<Param>& params, Lang lang);

/// people.email of everyone with one, for --mail-to {email}; read before the tables are freed.
std::map<std::string, std::string> read_emails(Inventory& inventory);

/// An e-mail report to hand to sendmail, and whom it is for (named when it fails).
struct Message {
  std::vector<std::string> to;
  std::function<bool(int fd)> produce;  ///< writes the message (false with errno set on a failed write)
};

/// What a run writes and sends, once every rule has run (stream.h).
struct Outputs {
  std::vector<Write> writes;
  std::vector<Message> messages;
};

/// Pipes each message to `command`; throws Error naming every message it did not take.
void send_all(const std::vector<Message>& messages, const std::string& command);

}  // namespace chataudit::cli
