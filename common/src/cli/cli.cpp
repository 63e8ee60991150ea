// The shared command line: run() walks the stages (options → policy → plan of outputs → inventory →
// rules → review → render → write and send → record), and main gets an exit status. Errors are
// printed once, here. The options, the plan and the delivery live in cli_parts.h.
#include "cli/cli.h"

#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <iostream>
#include <new>
#include <set>

#include "base/catalog.h"
#include "base/error.h"
#include "base/timing.h"
#include "cli/cli_parts.h"
#include "cli/stream.h"
#include "history/history.h"
#include "load/inventory.h"
#include "policy/schema.h"

namespace chataudit {
namespace {

using namespace cli;

Scope make_scope(const ToolSpec& tool, const Options& o, const Policy& policy, const RunOptions& run_options,
                 const InventorySummary& inventory) {
  Scope scope;
  scope.tool = tool.name;
  scope.job = o.job;
  scope.policy_id = policy.id;
  for (const auto& [table, loaded] : inventory.tables)
    scope.inventory.push_back(table + "=" + scope_path(loaded.source));
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

// Why the engine skipped a rule, in the message language (the reports translate it alike).
std::string skip_reason(const SkippedRule& skipped) {
  constexpr std::string_view kMissing = "missing table: ";
  if (skipped.reason.starts_with(kMissing)) return tr("missing table: {}", skipped.reason.substr(kMissing.size()));
  return skipped.reason;
}

void print_notes(const std::string& tool, const Policy& policy, const RunResult& result, const Review& review) {
  std::string out;
  for (const Diagnostic& note : policy.notes) out += note.to_string() + '\n';
  for (const SkippedRule& skipped : result.rules_skipped)
    out += tool + ": " + tr("rule {} skipped: {}", skipped.rule, skip_reason(skipped)) + '\n';
  for (const Waiver& waiver : review.waivers_expired)
    out += fmt::format("{}:{}: {}\n", waiver.where.file, waiver.where.line,
                       tr("waiver for {} {} expired on {}", waiver.rule, waiver.subject, format_date(waiver.expires)));
  for (const Waiver& waiver : review.waivers_unused)
    out += fmt::format("{}:{}: {}\n", waiver.where.file, waiver.where.line,
                       tr("waiver for {} {} matched no finding", waiver.rule, waiver.subject));
  std::cerr << out;
}

void print_error(const std::string& tool, const Error& error) {
  for (const Diagnostic& diagnostic : error.diagnostics()) {
    if (diagnostic.file.empty() && diagnostic.locator.empty())
      std::cerr << tool << ": " << diagnostic.message << '\n';
    else
      std::cerr << diagnostic.to_string() << '\n';
  }
  if (error.omitted() > 0)
    std::cerr << tool << ": " << tr("… and {} more problems not listed", error.omitted()) << '\n';
}

Inventory load_for(const Options& o, const Plan& plan, const Policy& policy, const std::vector<const Rule*>& selected) {
  if (o.inventories.empty() && o.tables.empty())
    throw Error(
        tr("no inventory given; use --inventory PATH (an .xlsx workbook, a CSV directory or a SQLite file) or --table "
           "NAME=PATH"));
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
      throw Error(tr("--table {}: no such table; expected one of {} (or a table a rule requires)", table, names));
    }
    wanted.insert(table);
  }
  Inventory inventory = load_inventory(sources, wanted, policy.zone);
  // Nothing lost: every row read was loaded (the loader stops on a bad row), else no report.
  for (const auto& [table, loaded] : inventory.loaded())
    if (loaded.rows_read != loaded.rows_loaded)
      throw Error(Diagnostic{
          .file = loaded.source,
          .message = tr("table {}: {} rows read but {} loaded", table, loaded.rows_read, loaded.rows_loaded)});
  return inventory;
}

void require_some_rule_ran(const RunResult& result) {
  if (!result.rules_run.empty()) return;
  std::vector<Diagnostic> reasons;
  for (const SkippedRule& skipped : result.rules_skipped)
    reasons.push_back(Diagnostic{.message = tr("rule {} skipped: {}", skipped.rule, skip_reason(skipped))});
  reasons.push_back(Diagnostic{.message = tr("every selected rule was skipped; nothing was checked")});
  throw Error(reasons);
}

void set_report_options(Report& report, const Options& o, const Plan& plan, const Scope& scope) {
  report.scope = &scope;
  report.options.redact = o.redact;
  report.options.bom = o.bom;
  report.options.verbose = o.verbose;
  report.options.mail_to = o.mail_to;
  report.options.mail_from = o.mail_from;
  if (plan.mails || !o.record.empty()) report.options.mail_date = mail_date();
  report.options.source_date_epoch = source_date_epoch();
  report.options.xlsx_sheet_rows = xlsx_sheet_rows();
  report.options.attach_xlsx = o.attach == "xlsx";
}

int run(const ToolSpec& tool, const Options& o) {
  if (o.version) {
    write_stdout(fmt::format("{} (chataudit) {}\n", tool.name, CHATAUDIT_VERSION));
    return static_cast<int>(ExitStatus::clean);
  }
  const Lang lang = choose_lang(o.lang);
  Policy loaded = load_policy(o.policy.empty() ? default_policy_path() : o.policy);
  const RunOptions run_options = make_run_options(tool, o, loaded, lang);
  const std::vector<Param> params = apply_overrides(loaded, run_options.overrides);
  fill_params_in_texts(loaded, params);  // titles and remedies say the numbers this run uses
  const Policy policy = std::move(loaded);
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
  if (selected.empty()) throw Error(tr("no rule left to run (check --rule and --skip-rule)"));
  Inventory inventory = load_for(o, plan, policy, selected);
  count_in_scope(inventory, run_options);
  if (o.verbose)
    for (const Diagnostic& note : inventory.notes) std::cerr << note.to_string() << '\n';
  const InventorySummary summary = inventory.summary();
  const Scope scope = make_scope(tool, o, policy, run_options, summary);
  if (o.baseline == "last") baseline = last_recorded_run(o.record, scope, run_options.as_of);
  const std::map<std::string, std::string> emails =
      plan.uses_email ? read_emails(inventory) : std::map<std::string, std::string>{};
  Report base{tool.name, CHATAUDIT_VERSION, run_options.as_of, &policy, &summary, nullptr, nullptr, lang, plan.fail_on};
  set_report_options(base, o, plan, scope);
  // The trend (SPEC §5): the earlier runs of this scope; the stream adds this one.
  if (!o.record.empty()) base.trend = recorded_trend(o.record, scope, run_options.as_of);
  // Each rule's findings are reviewed and rendered as soon as the rule is done, in report order
  // (stream.h); nothing is written before every rule has run.
  PhaseTimer timer;
  ReportStream stream(StreamSetup{o, plan, base, waivers, baseline ? &*baseline : nullptr, emails});
  const RunResult result = run_rules(inventory, policy, run_options, [&](const Rule& rule, FindingStore&& found) {
    stream.take(rule, std::move(found));
  });
  inventory.release_data();
  timer.lap("rules, review and render");
  require_some_rule_ran(result);
  const Outputs outputs = stream.finish(result);
  // Every report goes out before the run is recorded: a failed write or a message sendmail did not
  // take must not make the next --baseline last --only-new treat its findings as delivered.
  write_all_or_none(outputs.writes);
  if (o.send) send_all(outputs.messages, plan.sendmail);
  timer.lap("write");
  if (HistoryRows* rows = stream.history()) record_run(o.record, stream.recorded(), scope, *rows);
  if (o.verbose) print_notes(tool.name, policy, result, stream.review());

  if (plan.never_fail) return static_cast<int>(ExitStatus::clean);
  return static_cast<int>(stream.failing() ? ExitStatus::findings : ExitStatus::clean);
}

// Runs `body`, printing a chataudit::Error (or anything else thrown) once; returns exit 2 then.
template <class Body>
int guarded(const ToolSpec& tool, Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    print_error(tool.name, e);
  } catch (const std::bad_alloc&) {
    // Out of memory outside a rule, a view or a load (each of which names itself).
    std::cerr << tool.name << ": " << tr("out of memory; the run needs more memory than this machine gives it") << '\n';
  } catch (const SQLite::Exception& e) {
    std::cerr << tool.name << ": " << tr("SQLite: {}", e.what()) << '\n';
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
  // The language first (SPEC §2: one choice for reports, help and errors), before CLI11 writes
  // --help or a usage error, and before any thread that may raise an error starts.
  set_message_lang(lang_before_parsing(argc, argv));
  CLI::App app{help_summary(tool), tool.name};
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
    // CLI11's own text, as it wrote it; in Chinese after a lead sentence (English needs none).
    const std::string said = e.what();
    std::cerr << tool.name << ": " << (message_lang() == Lang::zh ? tr("bad command line: {}", said) : said) << '\n'
              << tr("Try '{} --help' for more information.", tool.name) << '\n';
    return static_cast<int>(ExitStatus::error);
  }
  return guarded(tool, [&] { return run(tool, options); });
}

}  // namespace chataudit
