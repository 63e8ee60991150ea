#include "engine/engine.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <numeric>
#include <tuple>

#include "base/error.h"
#include "base/text.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::TempDir;

namespace {

constexpr std::string_view kHeader = R"([policy]
id = "p"
title = { zh = "测试", en = "Test" }
effective = 2020-11-23
timezone = "+08:00"
[params]
grace_days = 7
markers = ["九三学社", "九三學社"]
[[view]]
name = "due"
requires = ["groups"]
sql = """
SELECT group_id, date(work_ended_on, '+' || :grace_days || ' days') AS due_on FROM groups
"""
)";

std::string rule_toml(std::string_view id, std::string_view severity, std::string_view sql,
                      std::string_view message = "{subject_id}") {
  return "[[rule]]\nid = \"" + std::string(id) + "\"\ntool = \"stale-group-finder\"\nseverity = \"" +
         std::string(severity) +
         "\"\narticle = { zh = \"第三条\", en = \"Art. 3\" }\ntitle = { zh = \"标题\", en = \"Title\" }\n"
         "message = { zh = \"" +
         std::string(message) + "\", en = \"" + std::string(message) +
         "\" }\nremedy = { zh = \"处理\", en = \"Fix\" }\nrequires = [\"groups\"]\nsql = \"\"\"\n" + std::string(sql) +
         "\n\"\"\"\n";
}

struct Fixture {
  TempDir dir;
  Inventory inventory;
  Fixture() : inventory(load()) {}
  Inventory load() {
    InventorySources sources;
    sources.tables.emplace_back("groups", dir.write("groups.csv",
                                                    "group_id,name,org_id,term,work_ended_on\n"
                                                    "G2,九三学社二群,O2,temporary,2026-11-20\n"
                                                    "G1,一群,O1,temporary,2026-11-10\n"
                                                    "G3,三群,O1,long,\n"));
    sources.tables.emplace_back("orgs", dir.write("orgs.csv", "org_id,parent_id\nO1,\nO2,O1\nO3,\n"));
    return load_inventory(sources, {"groups", "orgs"}, *TimeZone::parse("+08:00", nullptr));
  }
  RunResult run(const std::string& rules, RunOptions options = {}) {
    const Policy policy = load_policy(dir.write("p.toml", std::string(kHeader) + rules));
    options.tool = "stale-group-finder";
    if (options.as_of.is_not_a_date()) options.as_of = Date(2026, 11, 27);
    return run_rules(inventory, policy, options);
  }
  // run() handing each rule's findings to `sink` (engine.h RuleSink).
  RunResult run(const std::string& rules, const RuleSink& sink) {
    const Policy policy = load_policy(dir.write("p.toml", std::string(kHeader) + rules));
    RunOptions options;
    options.tool = "stale-group-finder";
    options.as_of = Date(2026, 11, 27);
    return run_rules(inventory, policy, options, sink);
  }
  std::string error(const std::string& rules, RunOptions options = {}) {
    return testing::first_error([&] { run(rules, std::move(options)); });
  }
};

constexpr std::string_view kOverdueSql =
    "SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name, g.group_id, g.org_id,\n"
    "       d.due_on, CAST(julianday(:as_of) - julianday(d.due_on) AS INTEGER) AS days_overdue\n"
    "FROM groups g JOIN due d USING (group_id) WHERE g.term = 'temporary' AND d.due_on < :as_of";

}  // namespace

TEST_CASE("a rule's rows become findings with parameters bound and fields filled") {
  Fixture f;
  const RunResult result = f.run(rule_toml("overdue", "error", kOverdueSql,
                                           "{subject_name}: due {due_on}, {days_overdue} days, grace {grace_days}"));
  REQUIRE(result.findings.size() == 1);
  const Finding& finding = result.findings[0];
  CHECK(finding.subject_id == "G1");
  CHECK(finding.due_on == "2026-11-17");
  CHECK(finding.days_overdue == 10);
  CHECK(finding.message.en == "一群: due 2026-11-17, 10 days, grace 7");
  CHECK(finding.ids == Fields{{"org_id", "O1"}, {"group_id", "G1"}});
  CHECK(finding.fingerprint == fingerprint("overdue", "group", "G1"));
  CHECK(finding.fingerprint.size() == 16);
  CHECK(result.rules_run == std::vector<std::string>{"overdue"});
  CHECK(finding.message_redacted.en.empty());  // built only for --redact
}

TEST_CASE("with RunOptions::redact the findings also get their message with personal columns masked") {
  Fixture f;
  std::string header_and_rule = rule_toml("overdue", "error", kOverdueSql, "{subject_name}: due {due_on}");
  RunOptions options;
  options.redact = true;
  const std::string policy = std::string(kHeader).replace(std::string(kHeader).find("effective"), 0,
                                                          "personal_columns = [\"subject_name\"]\n");
  const Policy loaded = load_policy(f.dir.write("p.toml", policy + header_and_rule));
  options.tool = "stale-group-finder";
  options.as_of = Date(2026, 11, 27);
  const RunResult result = run_rules(f.inventory, loaded, options);
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].message.en == "一群: due 2026-11-17");
  CHECK(result.findings[0].message_redacted.en == mask_name("一群") + ": due 2026-11-17");
  CHECK(result.findings[0].message_redacted.en != result.findings[0].message.en);
}

TEST_CASE("details hold neither the finding's own fields nor the policy's message-only columns") {
  Fixture f;
  constexpr std::string_view sql =
      "SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name, g.group_id, g.org_id,\n"
      "       d.due_on, CAST(julianday(:as_of) - julianday(d.due_on) AS INTEGER) AS days_overdue,\n"
      "       g.term, '临时' AS term_zh, ' (' || g.group_id || ')' AS ref_en, g.work_ended_on\n"
      "FROM groups g JOIN due d USING (group_id) WHERE g.term = 'temporary' AND d.due_on < :as_of";
  const std::string rule = rule_toml("overdue", "error", sql, "{subject_name}{ref_en} {term_zh}/{term}");
  const std::string listed = std::string(kHeader).replace(std::string(kHeader).find("effective"), 0,
                                                          "message_columns = [\"term_zh\", \"ref_en\"]\n");
  RunOptions options;
  options.tool = "stale-group-finder";
  options.as_of = Date(2026, 11, 27);
  SUBCASE("listed") {
    const RunResult result = run_rules(f.inventory, load_policy(f.dir.write("p.toml", listed + rule)), options);
    REQUIRE(result.findings.size() == 1);
    const Finding& finding = result.findings[0];
    CHECK(finding.message.en == "一群 (G1) 临时/temporary");
    CHECK(finding.details == Fields{{"term", "temporary"}, {"work_ended_on", "2026-11-10"}});
    CHECK(finding.ids == Fields{{"org_id", "O1"}, {"group_id", "G1"}});
    CHECK(finding.subject_name == "一群");
    CHECK(finding.due_on == "2026-11-17");
    CHECK(finding.days_overdue == 10);
  }
  SUBCASE("not listed: every other column is a detail, the finding's own fields still are not") {
    const RunResult result = f.run(rule);
    REQUIRE(result.findings.size() == 1);
    CHECK(result.findings[0].details ==
          Fields{{"term", "temporary"}, {"term_zh", "临时"}, {"ref_en", " (G1)"}, {"work_ended_on", "2026-11-10"}});
  }
}

TEST_CASE("--set changes the bound parameter; a wrong type or unknown name is refused") {
  Fixture f;
  RunOptions options;
  options.overrides = {{"grace_days", "3"}};
  const RunResult result = f.run(rule_toml("overdue", "error", kOverdueSql), options);
  REQUIRE(result.findings.size() == 2);
  CHECK(result.findings[0].subject_id == "G1");
  CHECK(result.findings[0].due_on == "2026-11-13");
  CHECK(result.findings[1].subject_id == "G2");
  CHECK(result.findings[1].days_overdue == 4);
  options.overrides = {{"grace_days", "three"}};
  CHECK(f.error(rule_toml("overdue", "error", kOverdueSql), options) == "--set grace_days=three: expected an integer");
  options.overrides = {{"grace", "3"}};
  CHECK(f.error(rule_toml("overdue", "error", kOverdueSql), options) ==
        "--set grace: no such parameter; the policy's parameters are grace_days, markers");
}

TEST_CASE("the as-of date is bound: an earlier audit date sees fewer overdue groups") {
  Fixture f;
  RunOptions options;
  options.as_of = Date(2026, 11, 17);
  CHECK(f.run(rule_toml("overdue", "error", kOverdueSql), options).findings.empty());  // due today: not yet overdue
  options.as_of = Date(2026, 11, 18);
  CHECK(f.run(rule_toml("overdue", "error", kOverdueSql), options).findings.size() == 1);
}

TEST_CASE("findings are ordered by severity, rule, subject id") {
  Fixture f;
  const std::string all = "SELECT 'group' AS subject_kind, group_id AS subject_id, org_id FROM groups";
  const RunResult result = f.run(rule_toml("b-rule", "notice", all) + rule_toml("a-rule", "notice", all) +
                                 rule_toml("z-rule", "error", all));
  std::vector<std::string> order;
  for (const Finding& finding : result.findings) order.push_back(finding.rule + ":" + finding.subject_id);
  CHECK(order == std::vector<std::string>{"z-rule:G1", "z-rule:G2", "z-rule:G3", "a-rule:G1", "a-rule:G2", "a-rule:G3",
                                          "b-rule:G1", "b-rule:G2", "b-rule:G3"});
}

TEST_CASE("--org keeps findings in the organization's subtree") {
  Fixture f;
  const std::string all = "SELECT 'group' AS subject_kind, group_id AS subject_id, org_id FROM groups";
  RunOptions options;
  options.filters["org"] = "O2";
  CHECK(f.run(rule_toml("r", "error", all), options).findings.size() == 1);
  options.filters["org"] = "O1";
  CHECK(f.run(rule_toml("r", "error", all), options).findings.size() == 3);
  options.filters["org"] = "O9";
  CHECK(f.error(rule_toml("r", "error", all), options) == "--org O9: no such id in the orgs table");
}

TEST_CASE("a list parameter is bound as a JSON array") {
  Fixture f;
  const std::string sql =
      "SELECT 'group' AS subject_kind, group_id AS subject_id FROM groups WHERE NOT EXISTS "
      "(SELECT 1 FROM json_each(:markers) m WHERE instr(name, m.value) > 0)";
  const RunResult result = f.run(rule_toml("marker", "error", sql));
  REQUIRE(result.findings.size() == 2);
  CHECK(result.findings[0].subject_id == "G1");
  CHECK(result.findings[1].subject_id == "G3");
}

TEST_CASE("policy SQL errors point into the policy file") {
  Fixture f;
  const std::string path = f.dir.path() + "/p.toml";
  // The rule's SQL starts on line 25 of p.toml (header 14 lines, rule keys 10 lines, then the SQL).
  CHECK(f.error(rule_toml("r", "error", "SELECT 'group' AS subject_kind,\n  nope AS subject_id FROM groups")) ==
        path + ":26:3: rule r: SQL does not compile: no such column: nope");
  CHECK(f.error(rule_toml("r", "error",
                          "SELECT 'group' AS subject_kind, group_id AS subject_id FROM groups WHERE :missing")) ==
        path + ":25:74: rule r: unknown parameter :missing; define it under [params]");
  CHECK(f.error(rule_toml("r", "error", "SELECT 'group' AS subject_kind FROM groups")) ==
        path + ":25:1: rule r: the SELECT must return a column named subject_id");
  CHECK(f.error(rule_toml("r", "error", "SELECT 'group' AS subject_kind, group_id AS subject_id FROM groups",
                          "{nothing}")) == path +
                                               ":21:11: rule r: the message names {nothing}, which the SQL does not "
                                               "return; it returns subject_kind, subject_id");
}

TEST_CASE("a row's values that cannot fill a finding are policy errors at the rule's SQL") {
  Fixture f;
  const std::string path = f.dir.path() + "/p.toml";
  CHECK(f.error(rule_toml("r", "error",
                          "SELECT 'group' AS subject_kind, group_id AS subject_id, 'x' AS days_overdue "
                          "FROM groups")) == path + ":25:1: rule r: days_overdue \"x\" is not an integer");
  CHECK(f.error(
            rule_toml("r", "error",
                      "SELECT 'group' AS subject_kind, group_id AS subject_id, '2026-13-01' AS due_on FROM groups")) ==
        path + ":25:1: rule r: due_on \"2026-13-01\" is not a YYYY-MM-DD date");
  CHECK(f.error(rule_toml("r", "error", "SELECT 'group' AS subject_kind, '' AS subject_id FROM groups")) ==
        path + ":25:1: rule r: a row has an empty subject_kind or subject_id");
  CHECK(f.error(rule_toml("r", "error", "SELECT NULL AS subject_kind, group_id AS subject_id FROM groups")) ==
        path + ":25:1: rule r: a row has an empty subject_kind or subject_id");
}

TEST_CASE("a message: braces, columns (the first of a name), parameters, NULL as nothing, personal columns masked") {
  Fixture f;
  constexpr std::string_view sql =
      "SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name, g.group_id, g.org_id,\n"
      "       'wx_' || g.group_id AS handle, g.group_id || '/wx_ab' AS member, NULL AS note, 'X' AS group_id\n"
      "FROM groups g WHERE g.group_id = 'G1'";
  const std::string rule =
      rule_toml("m", "notice", sql,
                "{{{subject_id}}} {subject_name}: {grace_days}/{markers}/{as_of} {handle} {member}{note} {group_id} "
                "}{ {unmatched");
  const std::string header = std::string(kHeader).replace(
      std::string(kHeader).find("effective"), 0, "personal_columns = [\"handle\", \"member\", \"subject_name\"]\n");
  RunOptions options;
  options.tool = "stale-group-finder";
  options.as_of = Date(2026, 11, 27);
  options.redact = true;
  const RunResult result = run_rules(f.inventory, load_policy(f.dir.write("p.toml", header + rule)), options);
  REQUIRE(result.findings.size() == 1);
  const Finding& finding = result.findings[0];
  CHECK(finding.message.en == "{G1} 一群: 7/“九三学社” or “九三學社”/2026-11-27 wx_G1 G1/wx_ab G1 }{ {unmatched");
  CHECK(finding.message_redacted.en ==
        "{G1} 一*: 7/“九三学社” or “九三學社”/2026-11-27 wx_*** G1/wx_*** G1 }{ {unmatched");
  CHECK(finding.message.zh.empty());  // the report's language only
  CHECK(finding.ids == Fields{{"org_id", "O1"}, {"group_id", "G1"}, {"handle", "wx_G1"}});
  CHECK(finding.details == Fields{{"member", "G1/wx_ab"}});
}

TEST_CASE("a rule's context is filled like its message, in the report's language, masked under --redact") {
  Fixture f;
  std::string rule = rule_toml("overdue", "error", kOverdueSql, "due {due_on}");
  const std::string context = "context = { zh = \"群“{subject_name}”\", en = \"{subject_name} ({grace_days}): \" }\n";
  rule.insert(rule.find("remedy ="), context);
  const std::string header = std::string(kHeader).replace(std::string(kHeader).find("effective"), 0,
                                                          "personal_columns = [\"subject_name\"]\n");
  RunOptions options;
  options.tool = "stale-group-finder";
  options.as_of = Date(2026, 11, 27);
  const Policy policy = load_policy(f.dir.write("p.toml", header + rule));
  REQUIRE(policy.rules[0].context.en == "{subject_name} ({grace_days}): ");
  RunResult result = run_rules(f.inventory, policy, options);
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].context.en == "一群 (7): ");
  CHECK(result.findings[0].context.zh.empty());
  CHECK(result.findings[0].message.en == "due 2026-11-17");  // the context is not part of the message
  options.lang = Lang::zh;
  result = run_rules(f.inventory, policy, options);
  CHECK(result.findings[0].context.zh == "群“一群”");
  options.redact = true;
  result = run_rules(f.inventory, policy, options);
  CHECK(result.findings[0].context.zh == "群“" + mask_name("一群") + "”");
  CHECK(result.findings[0].message.zh == "due 2026-11-17");

  std::string unknown = rule_toml("overdue", "error", kOverdueSql, "due {due_on}");
  unknown.insert(unknown.find("remedy ="), "context = { zh = \"{nowhere}\", en = \"\" }\n");
  CHECK(f.error(unknown).find("rule overdue: the context names {nowhere}, which the SQL does not return") !=
        std::string::npos);
}

TEST_CASE(
    "count_in_scope: each table's rows within --org (its subtree), --group; a table no filter narrows counts all") {
  Fixture f;
  RunOptions options;
  count_in_scope(f.inventory, options);
  CHECK(f.inventory.loaded().at("groups").in_scope() == 3);
  options.filters = {{"org", "O2"}};
  count_in_scope(f.inventory, options);
  CHECK(f.inventory.loaded().at("groups").in_scope() == 1);  // G2
  CHECK(f.inventory.loaded().at("orgs").in_scope() == 1);
  options.filters = {{"org", "O1"}};
  count_in_scope(f.inventory, options);
  CHECK(f.inventory.loaded().at("groups").in_scope() == 3);  // O1 and O2 below it
  CHECK(f.inventory.loaded().at("orgs").in_scope() == 2);
  options.filters = {{"group", "G3"}, {"org", "O2"}};
  count_in_scope(f.inventory, options);
  CHECK(f.inventory.loaded().at("groups").in_scope() == 0);  // both filters: G3 is O1's
  CHECK(f.inventory.loaded().at("orgs").in_scope() == 1);
  options.filters = {{"group", "G3"}};
  count_in_scope(f.inventory, options);
  CHECK(f.inventory.loaded().at("groups").in_scope() == 1);
  CHECK(f.inventory.loaded().at("orgs").in_scope() == 3);  // not narrowed by --group
  CHECK(f.inventory.loaded().at("orgs").rows_loaded == 3);
}

TEST_CASE("rules may only read: writes, ATTACH and several statements are refused") {
  Fixture f;
  const std::string path = f.dir.path() + "/p.toml";
  CHECK(f.error(rule_toml("r", "error", "DELETE FROM groups")) ==
        path + ":25:1: rule r: only SELECT is allowed; not authorized");
  CHECK(f.error(rule_toml("r", "error", "ATTACH DATABASE '/tmp/x.db' AS x")) ==
        path + ":25:1: rule r: only SELECT is allowed; not authorized");
  CHECK(f.error(rule_toml("r", "error", "SELECT 'group' AS subject_kind, 1 AS subject_id; DROP TABLE groups")) ==
        path + ":25:50: rule r: more than one SQL statement; expected one SELECT");
  CHECK(
      f.error(rule_toml("r", "error", "SELECT load_extension('x') AS subject_kind, 1 AS subject_id")).find("rule r") !=
      std::string::npos);
}

TEST_CASE("a rule whose tables were not supplied is skipped with the reason") {
  Fixture f;
  std::string rule = rule_toml("r", "error", "SELECT 'person' AS subject_kind, person_id AS subject_id FROM people");
  rule.replace(rule.find("[\"groups\"]"), 10, "[\"people\"]");
  const RunResult result = f.run(rule);
  CHECK(result.rules_run.empty());
  REQUIRE(result.rules_skipped.size() == 1);
  CHECK(result.rules_skipped[0].rule == "r");
  CHECK(result.rules_skipped[0].reason == "missing table: people");
}

TEST_CASE("--rule and --skip-rule name rules that exist") {
  Fixture f;
  RunOptions options;
  options.only_rules = {"nope"};
  CHECK(f.error(rule_toml("r", "error", kOverdueSql), options).starts_with("--rule nope: no such rule in"));
  options.only_rules = {};
  options.skip_rules = {"r"};
  CHECK(f.run(rule_toml("r", "error", kOverdueSql) + rule_toml("s", "error", kOverdueSql), options).rules_run ==
        std::vector<std::string>{"s"});
}

TEST_CASE("rules can call nfkc() and remove_white_space()") {
  Fixture f;
  const std::string sql =
      "SELECT 'group' AS subject_kind, group_id AS subject_id, remove_white_space(nfkc('　Ｇ ' || group_id)) AS folded "
      "FROM groups WHERE group_id = 'G1'";
  const RunResult result = f.run(rule_toml("fold", "notice", sql, "{folded}"));
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].message.en == "GG1");
}

TEST_CASE("a view's indexes and materialize are accepted, noted and ignored (SPEC §4)") {
  Fixture f;
  const std::string path = f.dir.path() + "/p.toml";
  auto view = [](std::string_view keys) {
    return "[[view]]\nname = \"by_org\"\nrequires = [\"groups\"]\n" + std::string(keys) +
           "sql = \"SELECT group_id, org_id FROM groups WHERE org_id <> :as_of\"\n";
  };
  const std::string rule = rule_toml("r", "error",
                                     "SELECT 'group' AS subject_kind, group_id AS subject_id, org_id FROM by_org "
                                     "WHERE org_id >= 'O1' AND org_id < 'O2'");
  const Policy policy = load_policy(
      f.dir.write("p.toml", std::string(kHeader) + view("indexes = [\"org_id, nope\"]\nmaterialize = false\n") + rule));
  REQUIRE(policy.notes.size() == 2);
  CHECK(policy.notes[0].to_string() == path +
                                           ":18:11: view by_org: indexes is ignored (the engine decides what to "
                                           "index from the queries); remove it, a later release will refuse it");
  CHECK(policy.notes[1].to_string() == path +
                                           ":19:15: view by_org: materialize is ignored (the engine decides how a "
                                           "view is stored); remove it, a later release will refuse it");
  // Ignored: the view takes a parameter, so it is filled whatever materialize says, and the index
  // naming no column breaks nothing.
  const RunResult result = f.run(view("indexes = [\"org_id, nope\"]\nmaterialize = false\n") + rule);
  REQUIRE(result.findings.size() == 2);
  CHECK(result.findings[0].subject_id == "G1");
  CHECK(result.findings[1].subject_id == "G3");
  CHECK(f.inventory.store().find("by_org") != nullptr);
  CHECK(f.error(view("indexes = \"org_id\"\n") + rule).starts_with(path + ":18:11: "));
  CHECK(f.error(view("materialize = \"no\"\n") + rule) ==
        path + ":18:15: view by_org: materialize must be true or false");
}

TEST_CASE("only the views the running rules read are filled; the others exist, empty, so every rule compiles") {
  Fixture f;
  const std::string unused =
      "[[view]]\nname = \"unused\"\nrequires = [\"groups\"]\nsql = \"SELECT group_id FROM groups WHERE :as_of <> "
      "''\"\n";
  const RunResult result = f.run(unused + rule_toml("r", "error", kOverdueSql));
  CHECK(result.findings.size() == 1);  // G1, due 2026-11-17
  CHECK(f.inventory.db().execAndGet("SELECT count(*) FROM due").getInt() == 3);
  CHECK(f.inventory.db().execAndGet("SELECT count(*) FROM unused").getInt() == 0);
  const std::string reads_unused =
      rule_toml("r2", "error", "SELECT 'group' AS subject_kind, group_id AS subject_id FROM unused");
  CHECK(f.run(unused + rule_toml("r", "error", kOverdueSql) + reads_unused).findings.size() == 4);
  CHECK(f.inventory.db().execAndGet("SELECT count(*) FROM unused").getInt() == 3);
}

TEST_CASE("a view that only adds columns to one table, row for row, is merged into the rules that read it") {
  Fixture f;
  const std::string path = f.dir.path() + "/p.toml";
  auto labelled = [](std::string_view sql) {
    return "[[view]]\nname = \"labelled\"\nrequires = [\"groups\"]\nsql = \"" + std::string(sql) + "\"\n";
  };
  const std::string rule = rule_toml("r", "error",
                                     "SELECT 'group' AS subject_kind, group_id AS subject_id, label FROM labelled "
                                     "WHERE due_on < :as_of",
                                     "{label}");
  const RunResult result = f.run(labelled("SELECT d.*, 'G:' || d.group_id AS label FROM due d") + rule);
  REQUIRE(result.findings.size() == 1);
  CHECK(result.findings[0].message.en == "G:G1");
  CHECK(f.inventory.store().find("labelled") == nullptr);  // an SQLite view, not a table of the store
  CHECK(f.inventory.db().execAndGet("SELECT count(*) FROM due").getInt() == 3);  // read through it: filled
  CHECK(f.error(labelled("DELETE FROM groups") + rule) ==
        path + ":18:8: view labelled: only SELECT is allowed; not authorized");

  // A parameter, a join or a second loop: filled. Each run replaces what the one before made of the
  // name (a view, then a table, then a view again).
  CHECK(f.run(labelled("SELECT d.*, 'G:' || d.group_id AS label FROM due d") + rule).findings.size() == 1);
  const RunResult filled = f.run(labelled("SELECT d.*, :as_of || d.group_id AS label FROM due d") + rule);
  REQUIRE(filled.findings.size() == 1);
  CHECK(filled.findings[0].message.en == "2026-11-27G1");
  CHECK(f.inventory.store().find("labelled") != nullptr);
  const RunResult joined =
      f.run(labelled("SELECT d.*, 'J:' || g.name AS label FROM due d JOIN groups g USING (group_id)") + rule);
  REQUIRE(joined.findings.size() == 1);
  CHECK(joined.findings[0].message.en == "J:一群");
  CHECK(f.inventory.store().find("labelled") != nullptr);
  CHECK(f.run(labelled("SELECT d.*, 'G:' || d.group_id AS label FROM due d") + rule).findings[0].message.en == "G:G1");
}

TEST_CASE("Fields keep name/value pairs in order, whatever their length") {
  const std::string long_value(20000, 'x');  // a three-byte length
  const std::string medium(200, 'y');        // a two-byte length
  Fields fields;
  CHECK(fields.empty());
  CHECK(fields.begin() == fields.end());
  fields.reserve(Fields::bytes("a", "") + Fields::bytes("b", medium) + Fields::bytes(medium, long_value));
  fields.add("a", "");
  fields.add("b", medium);
  fields.add(medium, long_value);
  fields.add("a", "second");
  CHECK(fields.size() == 4);
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& [name, value] : fields) seen.emplace_back(name, value);
  CHECK(seen == std::vector<std::pair<std::string, std::string>>{
                    {"a", ""}, {"b", medium}, {medium, long_value}, {"a", "second"}});
  CHECK(fields.find("a") == std::optional<std::string_view>(""));  // the first of two
  CHECK(fields.find(medium) == std::optional<std::string_view>(long_value));
  CHECK_FALSE(fields.find("c").has_value());
  CHECK(Fields::bytes("b", medium) == 1 + 1 + 2 + 200);
  CHECK(Fields::bytes(medium, long_value) == 2 + 200 + 3 + 20000);
  CHECK((Fields{{"a", "1"}, {"b", "2"}} == Fields{{"a", "1"}, {"b", "2"}}));
  CHECK_FALSE((Fields{{"a", "1"}, {"b", "2"}} == Fields{{"b", "2"}, {"a", "1"}}));
  const std::string zero("\0z", 2);  // any byte, NUL included, in a value
  Fields with_nul{{"n", zero}};
  CHECK((*with_nul.begin()).second == zero);
}

TEST_CASE("sort_findings orders by severity, rule, subject id and English message, ties in their order") {
  // Every permutation of a list with ties gives the order std::stable_sort gives.
  std::vector<Finding> base;
  const Severity severities[] = {Severity::notice, Severity::error, Severity::warning};
  for (int i = 0; i < 7; ++i) {
    Finding f;
    f.severity = severities[i % 3];
    f.rule = i % 2 ? "b" : "a";
    f.subject_id = i < 4 ? "G1" : "G2";
    f.message.en = "same";
    f.fingerprint = std::to_string(i);  // tells the ties apart
    base.push_back(f);
  }
  base[6].severity = base[0].severity;  // ties with base[0] on every key
  base[6].rule = base[0].rule;
  base[6].subject_id = base[0].subject_id;
  std::vector<int> positions(base.size());
  std::iota(positions.begin(), positions.end(), 0);
  int permutations = 0;
  do {
    std::vector<Finding> ours, theirs;
    for (int p : positions) ours.push_back(base[static_cast<std::size_t>(p)]);
    theirs = ours;
    sort_findings(ours);
    std::stable_sort(theirs.begin(), theirs.end(), [](const Finding& a, const Finding& b) {
      return std::tie(a.severity, a.rule, a.subject_id, a.message.en) <
             std::tie(b.severity, b.rule, b.subject_id, b.message.en);
    });
    std::string got, want;
    for (const Finding& f : ours) got += f.fingerprint;
    for (const Finding& f : theirs) want += f.fingerprint;
    REQUIRE(got == want);
    ++permutations;
  } while (std::next_permutation(positions.begin(), positions.end()));
  CHECK(permutations == 5040);
}

TEST_CASE("findings get their message in the report's language only, and ties on the subject sort by it") {
  Fixture f;
  // Two findings of one subject, whose English messages sort one way and Chinese the other.
  std::string rule = rule_toml("tie", "error",
                               "SELECT 'group' AS subject_kind, 'G1' AS subject_id, k, z FROM "
                               "(SELECT 'a' AS k, '甲' AS z UNION ALL SELECT 'b', '乙')",
                               "{k}");
  rule.replace(rule.find("zh = \"{k}\""), 10, "zh = \"{z}\"");
  const RunResult english = f.run(rule);
  REQUIRE(english.findings.size() == 2);
  CHECK(english.findings[0].message.en == "a");
  CHECK(english.findings[1].message.en == "b");
  CHECK(english.findings[0].message.zh.empty());
  RunOptions options;
  options.lang = Lang::zh;
  const RunResult chinese = f.run(rule, options);
  REQUIRE(chinese.findings.size() == 2);
  CHECK(chinese.findings[0].message.zh == "乙");  // E4 B9 99 before 甲's E7 94 B2: the row of b first
  CHECK(chinese.findings[1].message.zh == "甲");
  CHECK(chinese.findings[0].message.en.empty());
}

TEST_CASE("a view that is a plain join is filled through a narrowed statement with the same rows as one that is not") {
  Fixture f;
  // G2's org O2 has a parent; O1 (G1, G3) has none: their org columns come out NULL (outer join).
  const std::string joined =
      "SELECT g.group_id, g.name, g.term, o.org_id AS parent_org, o.parent_id, g.group_id || '!' AS shouted "
      "FROM groups g LEFT JOIN orgs o ON o.org_id = g.org_id AND o.parent_id IS NOT NULL "
      "WHERE g.work_ended_on IS NULL OR g.work_ended_on < :as_of";
  auto view = [](std::string_view name, std::string_view sql) {
    return "[[view]]\nname = \"" + std::string(name) + "\"\nrequires = [\"groups\", \"orgs\"]\nsql = \"" +
           std::string(sql) + "\"\n";
  };
  const std::string rule = rule_toml("r", "error",
                                     "SELECT 'group' AS subject_kind, a.group_id AS subject_id, a.parent_org, "
                                     "a.parent_id, a.shouted FROM plain a JOIN sorted b USING (group_id)",
                                     "{parent_org} {parent_id} {shouted}");
  // `sorted` has an ORDER BY: not a plain join, filled with its values read.
  const RunResult result = f.run(view("plain", joined) + view("sorted", joined + " ORDER BY g.name DESC") + rule);
  REQUIRE(result.findings.size() == 3);
  CHECK(result.findings[0].subject_id == "G1");
  CHECK(result.findings[0].message.en == "  G1!");  // NULL prints as nothing
  CHECK(result.findings[1].subject_id == "G2");
  CHECK(result.findings[1].message.en == "O2 O1 G2!");
  CHECK(result.findings[2].subject_id == "G3");
  CHECK(result.findings[2].message.en == "  G3!");
  auto rows = [&](std::string_view table) {
    std::string out;
    SQLite::Statement query(f.inventory.db(), "SELECT group_id, name, term, parent_org, parent_id, shouted FROM " +
                                                  std::string(table) + " ORDER BY group_id");
    while (query.executeStep())
      for (int c = 0; c < 6; ++c) out += (query.getColumn(c).isNull() ? "NULL" : query.getColumn(c).getString()) + "|";
    return out;
  };
  CHECK(rows("plain") ==
        "G1|一群|temporary|NULL|NULL|G1!|G2|九三学社二群|temporary|O2|O1|G2!|G3|三群|long|NULL|NULL|G3!|");
  CHECK(rows("sorted") == rows("plain"));
  // As of 2026-11-15, G2's work has not ended yet: the parameter reaches the narrowed statement.
  RunOptions earlier;
  earlier.as_of = Date(2026, 11, 15);
  CHECK(
      f.run(view("plain", joined) + view("sorted", joined + " ORDER BY g.name DESC") + rule, earlier).findings.size() ==
      2);
  CHECK(rows("plain") == "G1|一群|temporary|NULL|NULL|G1!|G3|三群|long|NULL|NULL|G3!|");
}

TEST_CASE("a rule's optional table is read when supplied and empty when not, never a reason to skip") {
  Fixture f;
  // Who must act for each group: its owner when the people table knows them, else nobody.
  std::string rule = rule_toml("owner-named", "warning",
                               "SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.group_id,\n"
                               "       p.person_id AS responsible_id, COALESCE(p.real_name, '—') AS owner_name,\n"
                               "       (SELECT count(*) FROM people) AS people_rows\n"
                               "FROM groups g LEFT JOIN people p ON p.person_id = 'P1' WHERE g.group_id = 'G1'",
                               "{owner_name} {people_rows}");
  rule.replace(rule.find("requires = [\"groups\"]"), 21, "requires = [\"groups\"]\noptional = [\"people\"]");
  const Policy policy = load_policy(f.dir.write("p.toml", std::string(kHeader) + rule));
  CHECK(tables_required(policy, policy.rules[0]) == std::vector<std::string>{"groups"});
  CHECK(tables_optional(policy, policy.rules[0]) == std::vector<std::string>{"people"});
  CHECK(tables_needed(policy, {&policy.rules[0]}) == std::set<std::string>{"groups", "people"});

  SUBCASE("without people: the rule runs on an empty table with every canonical column") {
    const RunResult result = f.run(rule);
    CHECK(result.rules_skipped.empty());
    CHECK(result.rules_run == std::vector<std::string>{"owner-named"});
    REQUIRE(result.findings.size() == 1);
    CHECK(result.findings[0].message.en == "— 0");
    CHECK(result.findings[0].field("responsible_id").empty());
  }
  SUBCASE("with people: the rule reads it") {
    InventorySources sources;
    sources.tables.emplace_back("groups", f.dir.write("g.csv", "group_id,name,org_id\nG1,一群,O1\n"));
    sources.tables.emplace_back(
        "people",
        f.dir.write("people.csv", "person_id,real_name,email\nP1,马晓燕,\nP2,张伟,zhangwei@jiusan.example\n"));
    Inventory inventory =
        load_inventory(sources, tables_needed(policy, {&policy.rules[0]}), *TimeZone::parse("+08:00", nullptr));
    RunOptions options;
    options.tool = "stale-group-finder";
    options.as_of = Date(2026, 11, 27);
    const RunResult result = run_rules(inventory, policy, options);
    CHECK(result.rules_skipped.empty());
    REQUIRE(result.findings.size() == 1);
    CHECK(result.findings[0].message.en == "马晓燕 2");
    CHECK(result.findings[0].field("responsible_id") == "P1");
    CHECK(inventory.db().execAndGet("SELECT email FROM people WHERE person_id = 'P2'").getString() ==
          "zhangwei@jiusan.example");
  }
  SUBCASE("a table the rule requires still makes it skip") {
    std::string requiring = rule;
    requiring.replace(requiring.find("requires = [\"groups\"]"), 21, "requires = [\"groups\", \"depts\"]");
    const RunResult result = f.run(requiring);
    CHECK(result.rules_run.empty());
    REQUIRE(result.rules_skipped.size() == 1);
    CHECK(result.rules_skipped[0].reason == "missing table: depts");
  }
}

TEST_CASE("a view's optional tables are the optional tables of every rule that reads it") {
  Fixture f;
  const std::string view =
      "[[view]]\nname = \"named\"\nrequires = [\"groups\"]\noptional = [\"people\", \"depts\"]\n"
      "sql = \"SELECT g.group_id, p.real_name FROM groups g LEFT JOIN people p ON p.person_id = g.owner_id\"\n";
  const std::string rule = rule_toml(
      "r", "notice", "SELECT 'group' AS subject_kind, group_id AS subject_id FROM named WHERE real_name IS NULL");
  const Policy policy = load_policy(f.dir.write("p.toml", std::string(kHeader) + view + rule));
  CHECK(tables_optional(policy, policy.rules[0]) == std::vector<std::string>{"people", "depts"});
  CHECK(tables_needed(policy, {&policy.rules[0]}) == std::set<std::string>{"depts", "groups", "people"});
  const RunResult result = f.run(view + rule);
  CHECK(result.rules_skipped.empty());
  CHECK(result.findings.size() == 3);
}

TEST_CASE("a rule or view reading an inventory table it does not declare is a policy error with a position") {
  Fixture f;
  const std::string path = f.dir.path() + "/p.toml";
  // Positions point at the table's name in the SQL.
  const std::string reads_people = rule_toml("r", "error",
                                             "SELECT 'group' AS subject_kind, g.group_id AS subject_id\n"
                                             "FROM groups g LEFT JOIN people p ON p.person_id = g.owner_id");
  CHECK(f.error(reads_people) ==
        path +
            ":26:25: rule r: reads table people, which neither its requires nor its optional names (nor those "
            "of the views it reads); add it to requires (a rule is skipped when such a table is absent) or to "
            "optional (an absent one reads as empty)");
  // A table read for no column at all is held to the same.
  const std::string counts_people = rule_toml("r", "error",
                                              "SELECT 'group' AS subject_kind, group_id AS subject_id,\n"
                                              "       (SELECT count(*) FROM people) AS people_rows FROM groups");
  CHECK(f.error(counts_people).starts_with(path + ":26:30: rule r: reads table people, which neither"));
  // Declared by a view the rule reads: allowed.
  const std::string view =
      "[[view]]\nname = \"owners\"\noptional = [\"people\"]\nsql = \"SELECT person_id FROM people\"\n";
  const std::string through_view = rule_toml("r", "error",
                                             "SELECT 'group' AS subject_kind, g.group_id AS subject_id FROM groups g\n"
                                             "WHERE g.owner_id IN (SELECT person_id FROM owners)\n"
                                             "  AND NOT EXISTS (SELECT 1 FROM people WHERE person_id = g.owner_id)");
  CHECK(f.run(view + through_view).rules_run == std::vector<std::string>{"r"});
  // A view is held to its own declarations and those of the views it reads.
  const std::string undeclared_view =
      "[[view]]\nname = \"named\"\nrequires = [\"groups\"]\n"
      "sql = \"SELECT g.group_id FROM groups g JOIN depts d ON d.dept_id = g.dept_id\"\n";
  CHECK(f.error(undeclared_view + rule_toml("r", "error", kOverdueSql))
            .starts_with(path +
                         ":18:45: view named: reads table depts, which neither its requires nor its optional names"));
}

TEST_CASE("run_rules hands each rule's findings to the sink in report order, sorted, once per rule run") {
  Fixture f;
  // Policy order: a notice, an error, a warning, another error; report order: errors by id, warning, notice.
  const std::string all = "SELECT 'group' AS subject_kind, group_id AS subject_id FROM groups";
  const std::string rules = rule_toml("n-last", "notice", all) + rule_toml("z-error", "error", all) +
                            rule_toml("w-middle", "warning", all) + rule_toml("a-error", "error", all + " WHERE 0");
  std::vector<std::string> calls;
  const RunResult result = f.run(rules, [&](const Rule& rule, FindingStore&& found) {
    std::string call = rule.id + ":";
    for (const Finding& finding : found.all()) call += " " + finding.subject_id;
    calls.push_back(call);
  });
  CHECK(calls == std::vector<std::string>{"a-error:", "z-error: G1 G2 G3", "w-middle: G1 G2 G3", "n-last: G1 G2 G3"});
  CHECK(result.findings.empty());
  CHECK(result.rules_run == std::vector<std::string>{"n-last", "z-error", "w-middle", "a-error"});
}

TEST_CASE("a sink that throws ends the run: its error is rethrown and no later rule reaches it") {
  Fixture f;
  const std::string all = "SELECT 'group' AS subject_kind, group_id AS subject_id FROM groups";
  const std::string rules = rule_toml("r1", "error", all) + rule_toml("r2", "error", all) +
                            rule_toml("r3", "warning", all) + rule_toml("r4", "notice", all);
  std::vector<std::string> calls;
  const std::string error = testing::first_error([&] {
    f.run(rules, [&](const Rule& rule, FindingStore&&) {
      calls.push_back(rule.id);
      if (rule.id == "r2") throw Error("the spool is full");
    });
  });
  CHECK(error == "the spool is full");
  CHECK(calls == std::vector<std::string>{"r1", "r2"});
}

TEST_CASE("a rule that fails ends the run: the sink gets the rules before it, none after") {
  Fixture f;
  const std::string all = "SELECT 'group' AS subject_kind, group_id AS subject_id FROM groups";
  const std::string bad = "SELECT 'group' AS subject_kind, group_id AS subject_id, 'x' AS due_on FROM groups";
  const std::string rules = rule_toml("r1", "error", all) + rule_toml("r2", "error", bad) +
                            rule_toml("r3", "warning", all) + rule_toml("r4", "notice", all);
  std::vector<std::string> calls;
  const std::string error =
      testing::first_error([&] { f.run(rules, [&](const Rule& rule, FindingStore&&) { calls.push_back(rule.id); }); });
  CHECK(error.find("rule r2: due_on \"x\" is not a YYYY-MM-DD date") != std::string::npos);
  CHECK(calls == std::vector<std::string>{"r1"});
}

TEST_CASE("a long value repeated from row to row reads back whole in every finding, sorted and filtered alike") {
  Fixture f;
  // The store writes a long value equal to the row before's, or to another of the same row or a
  // part of one, as a reference to it: here the long text repeats in runs, changes, and comes back, in two details
  // and in the message, and the rows are sorted in reverse.
  const std::string sql =
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) "
      "SELECT 'group' AS subject_kind, printf('S%05d', 5001 - i) AS subject_id, "
      "'[' || CASE WHEN i % 7 < 3 THEN '九三学社中央宣传部志愿服务工作群' ELSE printf('a long name, run %d', i / 7) "
      "END "
      "|| ']' AS bracketed, CASE WHEN i % 7 < 3 THEN '九三学社中央宣传部志愿服务工作群' ELSE printf('a long name, run "
      "%d', i / 7) END "
      "AS long_name, printf('%d', i % 2) AS parity, "
      "CASE WHEN i % 7 < 3 THEN '九三学社中央宣传部志愿服务工作群' ELSE printf('a long name, run %d', i / 7) END "
      "AS echo, (SELECT org_id FROM groups WHERE group_id = 'G1') AS org_id "
      "FROM n WHERE (SELECT count(*) FROM groups) > 0";
  RunOptions options;
  const RunResult result = f.run(rule_toml("r", "error", sql, "{long_name}: {subject_id}"), options);
  REQUIRE(result.findings.size() == 5000);
  for (std::size_t k = 0; k < result.findings.size(); ++k) {
    const Finding& finding = result.findings[k];
    const int i = 5000 - static_cast<int>(k);  // sorted by subject id: S00001 is row 5000
    const std::string name =
        i % 7 < 3 ? "九三学社中央宣传部志愿服务工作群" : "a long name, run " + std::to_string(i / 7);
    char subject[8];
    std::snprintf(subject, sizeof subject, "S%05d", 5001 - i);
    REQUIRE(finding.subject_id == subject);
    REQUIRE(finding.details.find("long_name") == std::optional<std::string_view>(name));
    REQUIRE(finding.field("parity") == std::to_string(i % 2));
    REQUIRE(finding.field("echo") == name);                   // the same value as long_name, written once
    REQUIRE(finding.field("bracketed") == "[" + name + "]");  // long_name is written as a part of it
    REQUIRE(finding.message.en == name + ": " + finding.subject_id);
  }
}
