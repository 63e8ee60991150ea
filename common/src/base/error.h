#pragma once
// Errors that stop a run (exit 2): each carries where it happened, so the user can go and fix it.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace chataudit {

/// Exit status of every tool (SPEC §2).
enum class ExitStatus : int { clean = 0, findings = 1, error = 2 };

/// One thing wrong in one place: `FILE:LINE:COLUMN: message`, or `FILE: table.column row N: message`.
struct Diagnostic {
  std::string file;     ///< path as the user named it; empty when no file is concerned
  int line = 0;         ///< 1-based; 0 when unknown
  int column = 0;       ///< 1-based, in characters; 0 when unknown
  std::string locator;  ///< e.g. `groups.work_ended_on row 5` for SQLite sources
  std::string message;
  /// The one-line rendering printed on standard error.
  std::string to_string() const;
};

/// A position in a file the user wrote (the policy, a waiver file): 1-based line and column, in characters.
struct SourceRef {
  std::string file;
  int line = 0, column = 0;
};

/// Maximum number of diagnostics listed for one failed load (SPEC §2: up to 100).
inline constexpr std::size_t kMaxDiagnostics = 100;

/// A run cannot go on: bad usage, unreadable or invalid input, policy, or output.
class Error : public std::runtime_error {
 public:
  explicit Error(std::vector<Diagnostic> diagnostics, std::size_t omitted = 0);
  explicit Error(Diagnostic diagnostic);
  /// A diagnostic with no position (usage errors).
  explicit Error(const std::string& message);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  /// How many further diagnostics were found but not listed.
  std::size_t omitted() const { return omitted_; }

 private:
  std::vector<Diagnostic> diagnostics_;
  std::size_t omitted_ = 0;
};

/// Collects diagnostics up to kMaxDiagnostics and throws them all at once.
class DiagnosticList {
 public:
  void add(Diagnostic diagnostic);
  /// Adds `other`'s diagnostics after these, as if each had been added here.
  void add(DiagnosticList&& other);
  bool empty() const { return diagnostics_.empty() && omitted_ == 0; }
  /// Throws Error when anything was added.
  void throw_if_any() const;

 private:
  std::vector<Diagnostic> diagnostics_;
  std::size_t omitted_ = 0;
};

}  // namespace chataudit
