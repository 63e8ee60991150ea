#include "base/error.h"

#include <utility>

namespace chataudit {

std::string Diagnostic::to_string() const {
  std::string text;
  if (!file.empty()) {
    text += file;
    if (line > 0) {
      text += ':' + std::to_string(line);
      if (column > 0) text += ':' + std::to_string(column);
    }
    text += ": ";
  }
  if (!locator.empty()) text += locator + ": ";
  text += message;
  return text;
}

namespace {
std::string first_message(const std::vector<Diagnostic>& diagnostics) {
  return diagnostics.empty() ? std::string("error") : diagnostics.front().to_string();
}
}  // namespace

Error::Error(std::vector<Diagnostic> diagnostics, std::size_t omitted)
    : std::runtime_error(first_message(diagnostics)), diagnostics_(std::move(diagnostics)), omitted_(omitted) {}

Error::Error(Diagnostic diagnostic) : Error(std::vector<Diagnostic>{std::move(diagnostic)}) {}

Error::Error(const std::string& message) : Error(Diagnostic{.message = message}) {}

void DiagnosticList::add(Diagnostic diagnostic) {
  if (diagnostics_.size() < kMaxDiagnostics)
    diagnostics_.push_back(std::move(diagnostic));
  else
    ++omitted_;
}

void DiagnosticList::add(DiagnosticList&& other) {
  for (Diagnostic& diagnostic : other.diagnostics_) add(std::move(diagnostic));
  omitted_ += other.omitted_;
  other.diagnostics_.clear();
  other.omitted_ = 0;
}

void DiagnosticList::throw_if_any() const {
  if (!empty()) throw Error(diagnostics_, omitted_);
}

}  // namespace chataudit
