// membership-audit: who sits in a group they no longer belong in (Art. 5, 6, 8, 9).
#include "cli/cli.h"

int main(int argc, char** argv) {
  chataudit::ToolSpec tool;
  tool.name = "membership-audit";
  tool.summary = "Find group members who departed, moved out of scope, are external or unidentified.";
  tool.group_filter = true;
  return chataudit::run_tool(tool, argc, argv);
}
