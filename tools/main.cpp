// Every tool's main: tools/CMakeLists.txt builds one executable per tool of tools/tools.toml from this
// file, naming it by CHATAUDIT_TOOL; its summary and filters are its row of the table (policy/tools.h).
#include <cassert>

#include "cli/cli.h"

int main(int argc, char** argv) {
  const chataudit::ToolSpec* tool = chataudit::find_tool(CHATAUDIT_TOOL);
  assert(tool != nullptr);  // CHATAUDIT_TOOL and the table are both read from tools/tools.toml
  return chataudit::run_tool(*tool, argc, argv);
}
