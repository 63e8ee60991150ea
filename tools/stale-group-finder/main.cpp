// stale-group-finder: temporary groups past (or near) their one-week close deadline (Art. 3 ¶4).
#include "cli/cli.h"

int main(int argc, char** argv) {
  chataudit::ToolSpec tool;
  tool.name = "stale-group-finder";
  tool.summary = "Find temporary work groups past or near their dissolution deadline, and idle groups.";
  tool.group_filter = true;
  tool.due_within = true;
  return chataudit::run_tool(tool, argc, argv);
}
