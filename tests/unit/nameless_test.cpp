// The shipped policy's wording of objects with no name (issue 24): a group or account whose name is
// empty is named by its id, "工作群（G1）" / "work group G1", never by a quoted dash ("工作群“—”（G1）").
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "policy/policy.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::TempDir;

namespace {

// The messages (and contexts) of `tool`'s findings on `sources`, as of 2026-11-27, in `lang`.
std::vector<std::string> messages(const InventorySources& sources, const std::set<std::string>& tables,
                                  const std::string& tool, Lang lang) {
  const Policy policy = load_policy(std::string(CHATAUDIT_SOURCE_DIR) + "/policies/jiusan-2020.toml");
  Inventory inventory = load_inventory(sources, tables, testing::shanghai());
  RunOptions options;
  options.tool = tool;
  options.as_of = Date(2026, 11, 27);
  options.lang = lang;
  std::vector<std::string> out;
  for (const Finding& finding : run_rules(inventory, policy, options).findings)
    out.push_back(finding.rule + " " + finding.context.in(lang) + finding.message.in(lang));
  return out;
}

bool has(const std::vector<std::string>& lines, const std::string& line) {
  for (const std::string& each : lines)
    if (each == line) return true;
  return false;
}

}  // namespace

TEST_CASE("a nameless group or account is named by its id, never by a quoted dash") {
  TempDir dir;
  InventorySources sources;
  sources.tables.emplace_back("groups", dir.write("groups.csv",
                                                  "group_id,name,org_id,scope,term,created_on,work_ended_on\n"
                                                  "G1,,O1,org,temporary,2026-10-01,2026-11-10\n"
                                                  "G2,读书会群,O1,org,temporary,2026-10-01,2026-11-10\n"));
  sources.tables.emplace_back("accounts", dir.write("accounts.csv",
                                                    "account_id,name,kind,org_id,created_on\n"
                                                    "A1,,subscription,O1,2026-01-05\n"));
  sources.tables.emplace_back("members", dir.write("members.csv",
                                                   "group_id,handle,person_id,display_name\n"
                                                   "G1,wx_a,,甲\n"));
  sources.tables.emplace_back("people",
                              dir.write("people.csv", "person_id,real_name,org_id,status\nP1,张三,O1,active\n"));
  const std::set<std::string> tables{"groups", "accounts", "members", "people"};
  const auto stale_zh = messages(sources, tables, "stale-group-finder", Lang::zh);
  CHECK(has(stale_zh,
            "temporary-group-overdue 临时工作群（G1）工作于 2026-11-10 结束，撤销期限为 2026-11-17，已逾期 10 天"));
  CHECK(has(stale_zh,
            "temporary-group-overdue 临时工作群“读书会群”（G2）工作于 2026-11-10 结束，撤销期限为 2026-11-17，"
            "已逾期 10 天"));
  const auto stale_en = messages(sources, tables, "stale-group-finder", Lang::en);
  CHECK(has(stale_en, "temporary-group-overdue work group G1: work ended 2026-11-10, due 2026-11-17, 10 days overdue"));
  CHECK(has(stale_en, "temporary-group-overdue 读书会群 (G2): work ended 2026-11-10, due 2026-11-17, 10 days overdue"));
  const auto registry_zh = messages(sources, tables, "registry-check", Lang::zh);
  CHECK(has(registry_zh, "account-no-owner 公众号（A1）未指定负责人"));
  CHECK(has(registry_zh, "group-no-owner 工作群（G1）未明确负责人（群主）"));
  const auto registry_en = messages(sources, tables, "registry-check", Lang::en);
  CHECK(has(registry_en, "account-no-owner account A1: no responsible person named"));
  CHECK(has(registry_en, "group-no-owner work group G1: no responsible person (owner) named"));
  const auto members_zh = messages(sources, tables, "membership-audit", Lang::zh);
  CHECK(has(members_zh, "member-unidentified 工作群（G1）成员 甲 无法对应到在册人员（未登记人员编号）"));
  const auto members_en = messages(sources, tables, "membership-audit", Lang::en);
  CHECK(has(members_en, "member-unidentified work group G1: member 甲 is not a known person (no person id recorded)"));
  for (const auto* lines : {&stale_zh, &stale_en, &registry_zh, &registry_en, &members_zh, &members_en})
    for (const std::string& line : *lines) CHECK_MESSAGE(line.find("—") == std::string::npos, line);
}
