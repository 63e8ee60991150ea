#include "chataudit/cli.h"

#include <doctest/doctest.h>
#include <sys/prctl.h>

#include <cstdlib>
#include <string>

namespace {

// GLIBC_TUNABLES as it is now ("<unset>" when it is not set).
std::string tunables() {
  const char* value = std::getenv("GLIBC_TUNABLES");
  return value ? value : "<unset>";
}

std::string process_name() {
  char name[32] = {};
  prctl(PR_GET_NAME, name, 0, 0, 0);
  return name;
}

// Runs `body` with GLIBC_TUNABLES and the process name as they were before, afterwards.
template <class Body>
void keeping_environment(Body&& body) {
  const char* was = std::getenv("GLIBC_TUNABLES");
  const std::string tunables_were = was ? was : "";
  const std::string name = process_name();
  body();
  if (was) setenv("GLIBC_TUNABLES", tunables_were.c_str(), 1);
  else unsetenv("GLIBC_TUNABLES");
  prctl(PR_SET_NAME, name.c_str(), 0, 0, 0);
}

}  // namespace

// Should a case below restart the test program after all, the program starts again running this
// case alone, which fails: the run then fails instead of passing unseen (or restarting forever).
TEST_CASE("restart guard" * doctest::skip()) {
  FAIL("the unit tests started themselves again (restart_with_huge_pages)");
}

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_CASE("a restarted tool puts GLIBC_TUNABLES and its process name back as they were") {
  char program[] = "unit_tests", no_skip[] = "--no-skip", guard[] = "--test-case=restart guard";
  char* argv[] = {program, no_skip, guard, nullptr};
  keeping_environment([&] {
    // Set before: the value comes back.
    setenv("CHATAUDIT_GLIBC_TUNABLES_WERE", "=glibc.malloc.arena_max=2", 1);
    setenv("CHATAUDIT_PROCESS_NAME_WAS", "registry-check", 1);
    setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", 1);
    chataudit::restart_with_huge_pages(argv);
    CHECK(tunables() == "glibc.malloc.arena_max=2");
    CHECK(process_name() == "registry-check");
    CHECK(std::getenv("CHATAUDIT_GLIBC_TUNABLES_WERE") == nullptr);
    CHECK(std::getenv("CHATAUDIT_PROCESS_NAME_WAS") == nullptr);
    // Unset before: unset again.
    setenv("CHATAUDIT_GLIBC_TUNABLES_WERE", "", 1);
    setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    chataudit::restart_with_huge_pages(argv);
    CHECK(tunables() == "<unset>");
    CHECK(std::getenv("CHATAUDIT_GLIBC_TUNABLES_WERE") == nullptr);
    // Set to the empty string before: set, empty.
    setenv("CHATAUDIT_GLIBC_TUNABLES_WERE", "=", 1);
    setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1);
    chataudit::restart_with_huge_pages(argv);
    CHECK(tunables().empty());
  });
}

TEST_CASE("GLIBC_TUNABLES that names glibc.malloc.hugetlb already is left alone, and nothing restarts") {
  char program[] = "unit_tests", no_skip[] = "--no-skip", guard[] = "--test-case=restart guard";
  char* argv[] = {program, no_skip, guard, nullptr};
  keeping_environment([&] {
    for (const char* value : {"glibc.malloc.hugetlb=0", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0"}) {
      setenv("GLIBC_TUNABLES", value, 1);
      chataudit::restart_with_huge_pages(argv);  // would not return, were it to restart
      CHECK(tunables() == value);
      CHECK(std::getenv("CHATAUDIT_GLIBC_TUNABLES_WERE") == nullptr);
    }
  });
}
#endif
