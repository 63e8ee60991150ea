#pragma once
// The tools of tools/tools.toml, as a table CMake generates from it: the names a rule's `tool` may
// take, and what the command line of each one offers.
#include <span>
#include <string>
#include <string_view>

namespace chataudit {

/// What distinguishes one tool: its name, a one-line summary, its extra filters.
struct ToolSpec {
  std::string name;
  std::string summary;
  bool org_filter = true;      ///< --org ID
  bool person_filter = false;  ///< --person ID
  bool group_filter = false;   ///< --group ID
  bool due_within = false;     ///< --due-within DAYS (= --set due_soon_days=DAYS)
};

/// Every tool, in the order of tools/tools.toml.
std::span<const ToolSpec> tools();
/// The tool called `name`; nullptr when there is none.
const ToolSpec* find_tool(std::string_view name);
/// The tools' names for a message: "a, b, c or d".
std::string tool_names();

}  // namespace chataudit
