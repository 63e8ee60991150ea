// The table of tools generated from tools/tools.toml (policy/tools.h): lookups and the list in messages.
#include "policy/tools.h"

#include <doctest/doctest.h>

#include <set>

using namespace chataudit;

TEST_CASE("every tool is found by its name, once; no other name is") {
  REQUIRE(!tools().empty());
  std::set<std::string> names;
  for (const ToolSpec& tool : tools()) {
    CHECK(names.insert(tool.name).second);
    CHECK(find_tool(tool.name) == &tool);
    CHECK(!tool.summary.empty());
  }
  CHECK(find_tool("") == nullptr);
  CHECK(find_tool("group-finder") == nullptr);
  CHECK(find_tool(tools().front().name + "x") == nullptr);
}

TEST_CASE("tool_names lists every tool in the table's order, the last after \"or\"") {
  const std::string names = tool_names();
  std::size_t from = 0;
  for (const ToolSpec& tool : tools()) {
    const std::size_t at = names.find(tool.name, from);
    REQUIRE(at != std::string::npos);
    from = at + tool.name.size();
  }
  CHECK(names.starts_with(tools().front().name));
  CHECK(from == names.size());
  if (tools().size() > 1) CHECK(names.ends_with(" or " + tools().back().name));
  CHECK(names.find(" or ") == names.rfind(" or "));
}
