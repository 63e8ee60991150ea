#pragma once
// The command line every tool shares, and the run() each tool's main calls.
#include <string>

namespace chataudit {

/// What distinguishes one tool: its name, a one-line summary, its extra filters.
struct ToolSpec {
  std::string name;
  std::string summary;
  bool org_filter = true;        ///< --org ID
  bool person_filter = false;    ///< --person ID
  bool group_filter = false;     ///< --group ID
  bool due_within = false;       ///< --due-within DAYS (= --set due_soon_days=DAYS)
};

/// Parses the command line, runs the tool, prints the report; returns the exit status.
int run_tool(const ToolSpec& tool, int argc, char** argv);

}  // namespace chataudit
