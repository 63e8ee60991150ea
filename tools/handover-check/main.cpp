// handover-check: permissions and ownerships handed over after a job change (Art. 4, 5).
#include "cli/cli.h"

int main(int argc, char** argv) {
  chataudit::ToolSpec tool;
  tool.name = "handover-check";
  tool.summary = "Check that leavers handed over permissions and that successors were approved.";
  tool.person_filter = true;
  return chataudit::run_tool(tool, argc, argv);
}
