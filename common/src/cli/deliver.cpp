// Delivery: the rendered reports as writes (one per --split-by key, with the directory's manifest)
// and as messages for sendmail.
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "base/error.h"
#include "cli/cli_parts.h"
#include "cli/mail.h"
#include "load/inventory.h"

namespace chataudit::cli {

std::map<std::string, std::string> read_emails(Inventory& inventory) {
  std::map<std::string, std::string> emails;
  SQLite::Statement query(inventory.db(), "SELECT person_id, email FROM people WHERE email IS NOT NULL");
  while (query.executeStep()) emails[query.getColumn(0).getString()] = query.getColumn(1).getString();
  return emails;
}

namespace {

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

void add_split_reports(const Report& whole, const Splitter& splitter, const Format& format, const std::string& dir,
                       const std::string& manifest_key, bool send, Outputs& out) {
  std::map<std::string, SplitPart> parts;
  for (const Finding& finding : whole.result->findings)
    parts[splitter.key_of(finding)].result.findings.push_back(finding);
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
    const std::string name = key + "." + std::string(format.extension);
    names.push_back(name);
    std::vector<std::string> rendered{render(report, format)};
    if (send && format.mail) out.messages.push_back(Message{report.options.mail_to, rendered});
    out.writes.push_back(Write{(std::filesystem::path(dir) / name).string(), std::move(rendered)});
  }
  for (Write& stale : SplitManifest(dir, manifest_key).update(names)) out.writes.push_back(std::move(stale));
}

}  // namespace

Outputs render_outputs(const Report& report, const Options& o, const Plan& plan,
                       const std::map<std::string, std::string>& emails, const Scope& scope) {
  const Splitter splitter{o, plan, emails};
  Outputs out;
  const bool clean = report.result->findings.empty();
  if (!o.split_by.empty()) {
    std::error_code error;
    std::filesystem::create_directories(o.output_dir, error);
    if (error)
      throw Error(Diagnostic{.file = o.output_dir, .message = "cannot create the directory: " + error.message()});
    add_split_reports(report, splitter, *plan.format, o.output_dir, scope.key() + "\n" + std::string(plan.format->name),
                      o.send, out);
    return out;
  }
  std::vector<OutputTarget> targets = plan.targets;
  if (targets.empty() && !o.quiet) targets.push_back({plan.format, "-"});
  for (const OutputTarget& target : targets) {
    const Format& format = *target.format;
    // Quiet when clean: no text or e-mail on standard output; an e-mail file is removed, so that
    // a script that mails it when it exists does not mail yesterday's findings again.
    if (clean && !o.verbose && format.quiet_when_clean && (is_stdout(target.path) || format.mail)) {
      if (format.mail && !is_stdout(target.path)) out.writes.push_back(Write{target.path, {}, true});
      continue;
    }
    Report styled = report;
    styled.options.color = format.color && is_stdout(target.path) && use_color(o.color);
    std::vector<std::string> rendered{render(styled, format)};
    if (format.mail && o.send) {
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

}  // namespace chataudit::cli
