#pragma once
// The command line every tool shares, and the run() each tool's main calls.
#include "policy/tools.h"

namespace chataudit {

/// Parses the command line, runs the tool, prints the report; returns the exit status.
int run_tool(const ToolSpec& tool, int argc, char** argv);

}  // namespace chataudit
