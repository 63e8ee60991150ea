#pragma once
// The run's reports, written rule by rule (SPEC §5, issue 22): each rule's findings, as the engine
// hands them over in report order, are reviewed (waivers, baseline, what this run delivers), kept
// for the history, counted, and rendered into each output's spool; once every rule has run, the
// outputs are put together from the spools. Nothing is written before then. Internal to the CLI.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli_parts.h"
#include "history/history.h"

namespace chataudit::cli {

/// What the run knows before the rules: everything a report needs but its findings and counts.
struct StreamSetup {
  const Options& o;
  const Plan& plan;
  Report base;  ///< tool, version, as-of, policy, inventory summary, language, fail-on, options, scope
  const std::vector<Waiver>& waivers;
  const Baseline* baseline = nullptr;                ///< a baseline file, or the history's last run
  const std::map<std::string, std::string>& emails;  ///< people.email, for --mail-to {email}
};

class ReportStream {
 public:
  explicit ReportStream(const StreamSetup& setup);
  ~ReportStream();
  ReportStream(const ReportStream&) = delete;
  ReportStream& operator=(const ReportStream&) = delete;

  /// One rule's findings, in report order (engine.h RuleSink).
  void take(const Rule& rule, FindingStore&& findings);

  /// Once every rule has run: what the run writes and sends, each report put together from its
  /// spool when it is written. `result` gives the rules run and skipped.
  Outputs finish(const RunResult& result);

  /// The report as the history records it (every waived finding, the counts of what was delivered).
  Report recorded() const;
  /// The history's rows (with --record).
  HistoryRows* history() { return history_ ? &*history_ : nullptr; }
  /// Everything the run reviewed: every waived finding, the waivers expired and unused, the resolved.
  const Review& review() const { return review_; }
  /// Whether a delivered finding is at or above --fail-on.
  bool failing() const;

 private:
  struct Output;
  bool review_one(Finding& finding);
  void render(Output& output, const Rule& rule, const FindingList& delivered);
  void render_split(Output& output, const Rule& rule, const FindingStore& findings,
                    const std::vector<std::uint32_t>& delivered);
  void finish_split(Output& output, Outputs& out);

  StreamSetup setup_;
  RunResult meta_;  ///< the rules run and skipped (no findings): what reports read at the end
  Review review_;   ///< everything, for the history and the notes
  Review shown_;    ///< without waived findings below --min-severity, for the reports
  WaiverMatcher waivers_;
  std::optional<BaselineMatcher> baseline_;
  std::optional<HistoryRows> history_;
  Tally tally_;
  Coverage coverage_;  ///< the rules passed and waived, counted in take()
  std::vector<std::unique_ptr<Output>> outputs_;
};

}  // namespace chataudit::cli
