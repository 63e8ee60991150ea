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

/// Parses the command line, runs the tool, prints the report; returns the exit status. Calls
/// restart_with_huge_pages() first.
int run_tool(const ToolSpec& tool, int argc, char** argv);

/// Where glibc's malloc could take transparent huge pages but is not asked to (glibc 2.35 or
/// later, the kernel's mode "madvise", GLIBC_TUNABLES not naming glibc.malloc.hugetlb), starts
/// the program again (/proc/self/exe, `argv`) with glibc.malloc.hugetlb=1 added to
/// GLIBC_TUNABLES; returns if it does not. In the restarted program, puts GLIBC_TUNABLES and the
/// process name back as they were and returns. See chataudit-policy(5), ENVIRONMENT.
void restart_with_huge_pages(char** argv);

}  // namespace chataudit
