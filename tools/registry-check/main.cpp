// registry-check: approval, record, filing, responsible person, review tiers, closures (Art. 2-4, 13).
#include "cli/cli.h"

int main(int argc, char** argv) {
  chataudit::ToolSpec tool;
  tool.name = "registry-check";
  tool.summary = "Check that every account and group was approved, recorded, filed and given an owner.";
  return chataudit::run_tool(tool, argc, argv);
}
