// The run's reports written rule by rule (stream.h): each rule's findings reviewed, recorded for the
// history, counted and rendered into every output's spool; the outputs put together at the end.
#include "cli/stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "base/catalog.h"
#include "base/error.h"
#include "base/outputs.h"
#include "cli/mail.h"

namespace chataudit::cli {

namespace {

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

// Writes `report` in `format` from report `key` of `spool` to `fd`: what a Write or a Message produces.
std::function<bool(int)> producer(const Format& format, Report report, const Spool& spool, std::size_t key) {
  return [&format, report = std::move(report), &spool, key](int fd) {
    FdSink sink(fd);
    format.finish(report, Spooled{spool, key, 0}, sink);
    return sink.flush();
  };
}

}  // namespace

// One output of the run: a format and a path, or (--split-by) a format and one report per key.
struct ReportStream::Output {
  const Format* format;
  std::string path;  ///< empty with --split-by
  bool color = false;
  Spool spool;
  std::map<std::string, std::size_t> keys;  ///< --split-by: key → report number in the spool
  std::vector<Tally> tallies;               ///< per report
  std::vector<Review> reviews;              ///< per report of --split-by: its waived findings
};

ReportStream::ReportStream(const StreamSetup& setup) : setup_(setup), waivers_(setup.waivers, setup.base.as_of) {
  const Options& o = setup_.o;
  if (setup_.baseline) {
    baseline_.emplace(*setup_.baseline);
    review_.compared = true;
    review_.baseline_source = setup_.baseline->source;
  }
  shown_.compared = review_.compared;
  shown_.baseline_source = review_.baseline_source;
  if (!o.record.empty()) history_.emplace(setup_.base.as_of, setup_.base.lang, baseline_ ? &*baseline_ : nullptr);
  auto add = [&](const Format& format, std::string path) {
    auto output = std::make_unique<Output>();
    output->format = &format;
    output->color = format.color && is_stdout(path) && use_color(o.color);
    output->path = std::move(path);
    outputs_.push_back(std::move(output));
  };
  if (!o.split_by.empty()) {
    add(*setup_.plan.format, "");
    return;
  }
  for (const OutputTarget& target : setup_.plan.targets) add(*target.format, target.path);
  if (setup_.plan.targets.empty() && !o.quiet) add(*setup_.plan.format, "-");
}

ReportStream::~ReportStream() = default;

// Reviews finding `finding` (waivers, baseline, what this run delivers), keeps it for the history,
// and says whether this run delivers it: --only-new and --min-severity set the rest aside (the
// history keeps them, marked undelivered).
bool ReportStream::review_one(Finding& finding) {
  const Options& o = setup_.o;
  if (const Waiver* waiver = waivers_.match(finding)) {
    if (baseline_) baseline_->seen(finding);
    if (history_) history_->add(finding, HistoryRows::Kind::waived);
    if (finding.severity <= setup_.plan.min_severity) shown_.waived.push_back(WaivedFinding{finding, *waiver});
    review_.waived.push_back(WaivedFinding{std::move(finding), *waiver});
    return false;
  }
  if (baseline_) {
    baseline_->mark(finding);
    if (o.baseline == "last") mark_redelivery(finding, *baseline_, setup_.base.as_of, o.remind_after);
  }
  const bool wanted = finding.severity <= setup_.plan.min_severity && (!o.only_new || finding.change != "persisting");
  if (history_) history_->add(finding, wanted ? HistoryRows::Kind::delivered : HistoryRows::Kind::undelivered);
  return wanted;
}

void ReportStream::take(const Rule& rule, FindingStore&& findings) {
  // The findings are made from the store's records one at a time, here and as each output renders
  // them; what is delivered is chosen by position.
  std::vector<std::uint32_t> delivered;
  const std::size_t waived_before = review_.waived.size();
  if (waivers_.any() || baseline_ || history_) {
    for (std::size_t i = 0; i < findings.size(); ++i) {
      Finding finding = findings.at(i);
      if (!review_one(finding)) continue;
      findings.set_change(i, finding.change);
      delivered.push_back(static_cast<std::uint32_t>(i));
    }
  } else if (rule.severity <= setup_.plan.min_severity) {
    // Nothing to review but the severity, the rule's: no finding is made for it.
    delivered.resize(findings.size());
    std::iota(delivered.begin(), delivered.end(), std::uint32_t{0});
  }
  // What the rule made, before waivers, the baseline and --min-severity: the run's coverage.
  coverage_.add(findings.size(), review_.waived.size() - waived_before);
  if (delivered.empty()) return;
  const FindingList list(findings, delivered);
  tally_.add(RuleGroup{&rule, rule.severity, list});
  for (const auto& output : outputs_) {
    if (setup_.o.split_by.empty())
      render(*output, rule, list);
    else
      render_split(*output, rule, findings, delivered);
  }
}

void ReportStream::render(Output& output, const Rule& rule, const FindingList& delivered) {
  Report report = setup_.base;
  report.result = &meta_;
  report.review = &shown_;
  report.options.color = output.color;
  if (output.tallies.empty()) output.tallies.emplace_back();
  const RuleGroup group{&rule, rule.severity, delivered};
  GroupSink sink(output.spool, 0);
  output.format->group(report, group, output.tallies[0].findings == 0, sink);
  sink.spill(true);
  output.tallies[0].add(group);
}

void ReportStream::render_split(Output& output, const Rule& rule, const FindingStore& findings,
                                const std::vector<std::uint32_t>& delivered) {
  const Splitter splitter{setup_.o, setup_.plan, setup_.emails};
  std::vector<std::string> keys;
  keys.reserve(delivered.size());
  for (std::uint32_t i : delivered) keys.push_back(splitter.key_of(findings.at(i)));
  // Each key's findings together, in report order within each.
  std::vector<std::size_t> order(delivered.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  std::vector<std::uint32_t> sorted;
  sorted.reserve(delivered.size());
  for (std::size_t i : order) sorted.push_back(delivered[i]);
  std::vector<std::string> sorted_keys;
  for (std::size_t i : order) sorted_keys.push_back(std::move(keys[i]));
  const FindingList list(findings, sorted);
  Report report = setup_.base;
  report.result = &meta_;
  report.review = &shown_;
  for (std::size_t begin = 0, end = 0; begin < sorted.size(); begin = end) {
    while (end < sorted.size() && sorted_keys[end] == sorted_keys[begin]) ++end;
    const auto [slot, added] = output.keys.emplace(sorted_keys[begin], output.tallies.size());
    if (added) output.tallies.emplace_back();
    const RuleGroup group{&rule, rule.severity, list.subspan(begin, end - begin)};
    GroupSink sink(output.spool, slot->second);
    output.format->group(report, group, output.tallies[slot->second].findings == 0, sink);
    sink.spill(true);
    output.tallies[slot->second].add(group);
  }
}

Outputs ReportStream::finish(const RunResult& result) {
  const Options& o = setup_.o;
  meta_.rules_run = result.rules_run;
  meta_.rules_skipped = result.rules_skipped;
  meta_.params = result.params;
  for (Review* review : {&review_, &shown_}) {
    review->waivers_expired = waivers_.expired();
    review->waivers_unused = waivers_.unused();
    if (baseline_) review->resolved = baseline_->resolved();
  }
  // This run in the trend: its findings after waivers, before --only-new (as recorded).
  std::vector<TrendPoint> trend;
  if (history_ && !setup_.base.trend.empty()) {
    trend = setup_.base.trend;
    TrendPoint now{format_date(setup_.base.as_of), {}};
    for (std::size_t s = 0; s < 3; ++s) now.by_severity[s] = static_cast<std::size_t>(history_->by_severity()[s]);
    trend.push_back(std::move(now));
  }
  Outputs out;
  for (const auto& output : outputs_) {
    if (!o.split_by.empty()) {
      finish_split(*output, out);
      continue;
    }
    const Format& format = *output->format;
    // Quiet when clean: no text or e-mail on standard output; an e-mail file is removed, so that
    // a script that mails it when it exists does not mail yesterday's findings again.
    if (tally_.findings == 0 && !o.verbose && format.quiet_when_clean && (is_stdout(output->path) || format.mail)) {
      if (format.mail && !is_stdout(output->path)) out.writes.push_back(Write{output->path, {}, true});
      continue;
    }
    Report report = setup_.base;
    report.result = &meta_;
    report.review = &shown_;
    report.tally = tally_;
    report.coverage = coverage_;
    report.trend = trend;
    report.options.color = output->color;
    std::function<bool(int)> produce = producer(format, report, output->spool, 0);
    if (format.mail && o.send) {
      out.messages.push_back(Message{report.options.mail_to, produce});
      if (is_stdout(output->path)) continue;  // sent, not printed
    }
    out.writes.push_back(Write{.path = output->path, .parts = {}, .remove = false, .produce = std::move(produce)});
  }
  return out;
}

void ReportStream::finish_split(Output& output, Outputs& out) {
  const Options& o = setup_.o;
  const Format& format = *output.format;
  std::error_code error;
  std::filesystem::create_directories(o.output_dir, error);
  if (error)
    throw Error(Diagnostic{.file = o.output_dir, .message = tr("cannot create the directory: {}", error.message())});
  const Splitter splitter{o, setup_.plan, setup_.emails};
  // Each report's waived findings (a key with waived findings only has no report).
  output.reviews.assign(output.tallies.size(), Review{});
  for (const WaivedFinding& item : shown_.waived)
    if (auto key = output.keys.find(splitter.key_of(item.finding)); key != output.keys.end())
      output.reviews[key->second].waived.push_back(item);
  std::vector<std::string> names;
  for (const auto& [key, index] : output.keys) {
    Review& review = output.reviews[index];
    review.compared = shown_.compared;
    review.baseline_source = shown_.baseline_source;
    Report report = setup_.base;
    report.result = &meta_;
    report.review = &review;
    report.tally = output.tallies[index];
    report.coverage = coverage_;
    report.trend.clear();  // the trend is the whole run's, not one recipient's share
    // The file keeps the key `unassigned`; a title says it in the report's language.
    report.title_suffix = " — " + (key == "unassigned" && report.lang == Lang::zh ? std::string("未指定") : key);
    report.options.mail_to = splitter.recipients(key);
    const std::string name = key + "." + std::string(format.extension);
    names.push_back(name);
    std::function<bool(int)> produce = producer(format, report, output.spool, index);
    if (o.send && format.mail) out.messages.push_back(Message{report.options.mail_to, produce});
    out.writes.push_back(Write{.path = (std::filesystem::path(o.output_dir) / name).string(),
                               .parts = {},
                               .remove = false,
                               .produce = std::move(produce)});
  }
  const std::string manifest_key = setup_.base.scope->key() + "\n" + std::string(format.name);
  for (Write& stale : SplitManifest(o.output_dir, manifest_key).update(names)) out.writes.push_back(std::move(stale));
}

bool ReportStream::failing() const { return tally_.at_or_above(setup_.plan.fail_on) > 0; }

Report ReportStream::recorded() const {
  Report report = setup_.base;
  report.result = &meta_;
  report.review = &review_;
  report.tally = tally_;
  report.coverage = coverage_;
  return report;
}

}  // namespace chataudit::cli
