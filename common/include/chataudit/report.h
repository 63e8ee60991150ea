#pragma once
// Renderers: one function per format, all from the same Report.
#include <optional>
#include <string>
#include <string_view>

#include "chataudit/engine.h"

namespace chataudit {

enum class Format { text, json, jsonl, csv };

std::optional<Format> parse_format(std::string_view name);
std::string_view to_string(Format format);

struct Report {
  std::string tool, version;
  Date as_of;
  const Policy* policy = nullptr;
  const Inventory* inventory = nullptr;
  const RunResult* result = nullptr;
  Lang lang = Lang::en;
  Severity fail_on = Severity::error;
};

/// Renders `report` in `format`; the text is complete (ends with a newline) or empty.
std::string render(const Report& report, Format format);

}  // namespace chataudit
