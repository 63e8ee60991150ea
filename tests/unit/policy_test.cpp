#include "policy/policy.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "base/error.h"
#include "test_support.h"

using namespace chataudit;
using chataudit::testing::first_error;
using chataudit::testing::TempDir;

namespace {

constexpr std::string_view kHeader = R"([policy]
id = "p"
title = { zh = "测试", en = "Test" }
effective = 2020-11-23
timezone = "Asia/Shanghai"
)";

constexpr std::string_view kRule = R"(
[[rule]]
id = "r1"
tool = "stale-group-finder"
severity = "warning"
article = { zh = "第三条", en = "Art. 3" }
title = { zh = "标题", en = "Title" }
message = { zh = "{group_id}", en = "{group_id}" }
remedy = { zh = "处理", en = "Fix it" }
requires = ["groups"]
sql = """
SELECT 'group' AS subject_kind, group_id AS subject_id, group_id FROM groups
"""
)";

std::string load_error(const std::string& path) {
  return first_error([&] { load_policy(path); });
}

}  // namespace

TEST_CASE("a valid policy loads with its metadata, parameters and rules") {
  TempDir dir;
  const std::string path =
      dir.write("p.toml", std::string(kHeader) + "[params]\ngrace_days = 7\nmarkers = [\"a\", \"b\"]\nmode = \"x\"\n" +
                              std::string(kRule));
  const Policy policy = load_policy(path);
  CHECK(policy.id == "p");
  CHECK(policy.title.en == "Test");
  CHECK(format_date(policy.effective) == "2020-11-23");
  CHECK(policy.params.size() == 3);
  CHECK(std::get<std::int64_t>(policy.find_param("grace_days")->value) == 7);
  CHECK(to_toml(policy.find_param("markers")->value) == "[\"a\", \"b\"]");
  REQUIRE(policy.rules.size() == 1);
  const Rule& rule = policy.rules[0];
  CHECK(rule.severity == Severity::warning);
  CHECK(rule.requires_tables == std::vector<std::string>{"groups"});
  CHECK(rule.sql_where.line == 21);  // the line after sql = """
  CHECK(rule.sql_where.column == 1);
  CHECK(policy.digest.size() == 64);
}

TEST_CASE("policy errors name the file, line and column") {
  TempDir dir;
  SUBCASE("TOML syntax") {
    const std::string path = dir.write("p.toml", std::string(kHeader) + "[params]\ngrace_days = = 7\n");
    CHECK(load_error(path).starts_with(path + ":7:14: "));
  }
  SUBCASE("unknown top-level key") {
    const std::string path = dir.write("p.toml", std::string(kHeader) + "[rules]\n");
    CHECK(load_error(path) ==
          path + ":6:2: unknown key \"rules\" in the policy; expected one of: policy, params, view, rule");
  }
  SUBCASE("unknown rule key") {
    std::string text = std::string(kHeader) + std::string(kRule);
    text.replace(text.find("severity"), 8, "severty");
    const std::string path = dir.write("p.toml", text);
    CHECK(
        load_error(path).starts_with(path + ":10:1: unknown key \"severty\" in [[rule]]; expected one of: id, tool,"));
  }
  SUBCASE("unknown severity") {
    std::string text = std::string(kHeader) + std::string(kRule);
    text.replace(text.find("\"warning\""), 9, "\"fatal\"");
    const std::string path = dir.write("p.toml", text);
    CHECK(load_error(path) == path + ":10:12: rule r1: unknown severity \"fatal\"; expected error, warning or notice");
  }
  SUBCASE("missing zh text") {
    std::string text = std::string(kHeader) + std::string(kRule);
    text.replace(text.find("zh = \"处理\", "), std::string("zh = \"处理\", ").size(), "");
    const std::string path = dir.write("p.toml", text);
    CHECK(load_error(path) == path + ":14:10: rule r1.remedy needs \"zh\"");
  }
  SUBCASE("unknown tool") {
    std::string text = std::string(kHeader) + std::string(kRule);
    text.replace(text.find("\"stale-group-finder\""), 20, "\"group-finder\"");
    const std::string path = dir.write("p.toml", text);
    CHECK(load_error(path).starts_with(path + ":9:8: rule r1: unknown tool \"group-finder\""));
  }
  SUBCASE("a rule defined twice") {
    const std::string path = dir.write("p.toml", std::string(kHeader) + std::string(kRule) + std::string(kRule));
    CHECK(load_error(path) == path + ":21:6: rule r1 is defined twice");
  }
  SUBCASE("a reserved parameter name") {
    const std::string path = dir.write("p.toml", std::string(kHeader) + "[params]\nas_of = 1\n");
    CHECK(load_error(path) == path + ":7:1: parameter name \"as_of\" is reserved: the engine binds :as_of itself");
  }
  SUBCASE("every name the engine binds is reserved") {
    for (const char* name : {"as_of", "effective", "person", "org", "group"}) {
      CAPTURE(name);
      CHECK(bound_param(name) != BoundParam::none);
      const std::string path = dir.write("p.toml", std::string(kHeader) + "[params]\n" + name + " = 1\n");
      CHECK(load_error(path) ==
            fmt::format("{}:7:1: parameter name \"{}\" is reserved: the engine binds :{} itself", path, name, name));
    }
    CHECK(bound_param("as_of") == BoundParam::as_of);
    CHECK(bound_param("effective") == BoundParam::effective);
    CHECK(bound_param("org") == BoundParam::filter);
    CHECK(bound_param("grace_days") == BoundParam::none);
  }
  SUBCASE("an unknown time zone") {
    std::string text(kHeader);
    text.replace(text.find("Asia/Shanghai"), 13, "Mars/Olympus");
    const std::string path = dir.write("p.toml", text);
    CHECK(load_error(path).starts_with(path + ":5:12: "));
  }
  SUBCASE("a missing [policy]") {
    const std::string path = dir.write("p.toml", "[params]\nx = 1\n");
    CHECK(load_error(path) == path + ":1:1: missing [policy] table (id, title, effective, timezone)");
  }
  SUBCASE("an optional table that is not an inventory table") {
    std::string text = std::string(kHeader) + std::string(kRule);
    text.replace(text.find("requires = [\"groups\"]"), 21,
                 "requires = [\"groups\"]\noptional = [\"people\", \"staff\"]");
    const std::string path = dir.write("p.toml", text);
    CHECK(load_error(path).starts_with(path + ":16:23: rule r1: optional table \"staff\" is not an inventory table; "));
  }
  SUBCASE("a table both required and optional") {
    std::string text = std::string(kHeader) + std::string(kRule);
    text.replace(text.find("requires = [\"groups\"]"), 21, "requires = [\"groups\"]\noptional = [\"groups\"]");
    const std::string path = dir.write("p.toml", text);
    CHECK(load_error(path) == path + ":16:13: rule r1: table \"groups\" is both required and optional");
  }
  SUBCASE("optional in a view must be a list of strings") {
    const std::string path = dir.write(
        "p.toml", std::string(kHeader) + "[[view]]\nname = \"v\"\noptional = \"people\"\nsql = \"SELECT 1\"\n");
    CHECK(load_error(path) == path + ":8:12: \"optional\" in view v must be an array of strings");
  }
  SUBCASE("a missing file") {
    CHECK(load_error(dir.path() + "/none.toml") == dir.path() + "/none.toml: cannot open policy file");
  }
}

TEST_CASE("extends: a derived policy overrides parameters and single rule keys, and adds rules") {
  TempDir dir;
  dir.write("base.toml", std::string(kHeader) + "[params]\ngrace_days = 7\n" + std::string(kRule));
  const std::string derived = dir.write("derived.toml", R"([policy]
id = "derived"
extends = "base.toml"
[params]
grace_days = 3
[[rule]]
id = "r1"
severity = "notice"
)");
  const Policy policy = load_policy(derived);
  CHECK(policy.id == "derived");
  CHECK(policy.title.en == "Test");
  CHECK(std::get<std::int64_t>(policy.find_param("grace_days")->value) == 3);
  REQUIRE(policy.rules.size() == 1);
  CHECK(policy.rules[0].severity == Severity::notice);
  CHECK(policy.rules[0].title.en == "Title");

  const std::string typed =
      dir.write("typed.toml", "[policy]\nid = \"t\"\nextends = \"base.toml\"\n[params]\ngrace_days = \"x\"\n");
  CHECK(load_error(typed) == typed + ":5:14: parameter grace_days must be an integer, as in the base policy");
  const std::string cycle = dir.write("cycle.toml", "[policy]\nid = \"c\"\nextends = \"cycle.toml\"\n");
  CHECK(load_error(cycle).ends_with("forms a cycle"));
}

TEST_CASE("message_columns: read like personal_columns, kept or replaced whole by a policy that extends") {
  TempDir dir;
  const std::string base =
      dir.write("base.toml", std::string(kHeader).replace(std::string(kHeader).find("effective"), 0,
                                                          "personal_columns = [\"real_name\"]\n"
                                                          "message_columns = [\"status_zh\", \"owner_ref_en\"]\n") +
                                 std::string(kRule));
  const Policy policy = load_policy(base);
  CHECK(policy.message_columns == std::vector<std::string>{"status_zh", "owner_ref_en"});
  CHECK(policy.personal_columns == std::vector<std::string>{"real_name"});
  CHECK(load_policy(dir.write("kept.toml", "[policy]\nid = \"k\"\nextends = \"base.toml\"\n")).message_columns ==
        std::vector<std::string>{"status_zh", "owner_ref_en"});
  const std::string replaced =
      dir.write("replaced.toml", "[policy]\nid = \"r\"\nextends = \"base.toml\"\nmessage_columns = [\"role_zh\"]\n");
  CHECK(load_policy(replaced).message_columns == std::vector<std::string>{"role_zh"});
  CHECK(load_policy(replaced).personal_columns == std::vector<std::string>{"real_name"});
  const std::string wrong =
      dir.write("wrong.toml", "[policy]\nid = \"w\"\nextends = \"base.toml\"\nmessage_columns = \"role_zh\"\n");
  CHECK(load_error(wrong) == wrong + ":4:19: \"message_columns\" in [policy] must be an array of strings");
  const std::string mixed =
      dir.write("mixed.toml", "[policy]\nid = \"m\"\nextends = \"base.toml\"\nmessage_columns = [\"a\", 1]\n");
  CHECK(load_error(mixed).starts_with(mixed + ":4:"));
}

TEST_CASE("a parameter may declare what it accepts, and the policy's own values are held to it") {
  TempDir dir;
  const std::string params =
      "[params]\n"
      "grace_days = { value = 7, min = 0 }\n"
      "mode = { value = \"contains\", one_of = [\"exact\", \"contains\", \"off\"] }\n"
      "markers = { value = [\"a\"], non_empty = true }\n"
      "plain = 3\n";
  const std::string base = dir.write("base.toml", std::string(kHeader) + params + std::string(kRule));
  const Policy policy = load_policy(base);
  CHECK(std::get<std::int64_t>(policy.find_param("grace_days")->value) == 7);
  CHECK(*policy.find_param("grace_days")->accepts.min == 0);
  CHECK(policy.find_param("mode")->accepts.one_of.size() == 3);
  CHECK(policy.find_param("markers")->accepts.non_empty);
  CHECK(!policy.find_param("plain")->accepts.any());
  CHECK(describe_accepts(policy.find_param("mode")->accepts) == "one of exact, contains, off");

  const Param& grace = *policy.find_param("grace_days");
  CHECK(param_value_problem(grace, ParamValue{std::int64_t{0}}).empty());
  CHECK(param_value_problem(grace, ParamValue{std::int64_t{-5}}) == "expected at least 0");
  const Param& mode = *policy.find_param("mode");
  CHECK(param_value_problem(mode, ParamValue{std::string("bogus")}) == "expected one of exact, contains, off");
  const Param& markers = *policy.find_param("markers");
  CHECK(param_value_problem(markers, ParamValue{std::vector<std::string>{}}) ==
        "expected not empty (a list of at least one item)");
  CHECK(param_value_problem(markers, ParamValue{std::vector<std::string>{"a", ""}}) ==
        "expected not empty (an empty item would match everything)");

  auto extending = [&](const std::string& body) {
    return dir.write("child.toml", "[policy]\nid = \"child\"\nextends = \"base.toml\"\n\n[params]\n" + body);
  };
  SUBCASE("a value outside it, where the policy gives it") {
    const std::string path =
        dir.write("p.toml", std::string(kHeader) + "[params]\ngrace_days = { value = -1, min = 0 }\n");
    CHECK(load_error(path) == path + ":7:24: parameter grace_days: expected at least 0");
  }
  SUBCASE("an extending policy keeps the base's declaration") {
    const std::string path = extending("grace_days = -2\nmode = \"off\"\n");
    CHECK(load_error(path) == path + ":6:14: parameter grace_days: expected at least 0");
    const std::string fine = extending("mode = \"off\"\n");
    CHECK(std::get<std::string>(load_policy(fine).find_param("mode")->value) == "off");
    CHECK(load_policy(fine).find_param("mode")->accepts.one_of.size() == 3);
  }
  SUBCASE("an empty list") {
    const std::string path = extending("markers = []\n");
    CHECK(load_error(path) == path + ":6:11: parameter markers: expected not empty (a list of at least one item)");
  }
  SUBCASE("an unknown key, a declaration without a value, one that does not fit the type") {
    CHECK(load_error(extending("plain = { value = 1, least = 0 }\n"))
              .ends_with(":6:22: unknown key \"least\" in parameter plain; expected one of: value, min, max, one_of, "
                         "non_empty"));
    CHECK(load_error(extending("plain = { min = 0 }\n"))
              .ends_with(":6:9: parameter plain: { value = … } needs its value"));
    CHECK(load_error(extending("mode = { value = \"off\", min = 1 }\n"))
              .ends_with(":6:8: parameter mode: min and max are for numbers; it is a string"));
  }
}

TEST_CASE("a parameter in words of a sentence: lists with 、 and 或 in zh, commas and or in en") {
  using List = std::vector<std::string>;
  CHECK(param_words(ParamValue(List{"九三学社", "九三學社"}), Lang::zh) == "「九三学社」或「九三學社」");
  CHECK(param_words(ParamValue(List{"九三学社", "九三學社"}), Lang::en) == "“九三学社” or “九三學社”");
  CHECK(param_words(ParamValue(List{"a", "b", "c"}), Lang::zh) == "「a」、「b」或「c」");
  CHECK(param_words(ParamValue(List{"a", "b", "c"}), Lang::en) == "“a”, “b” or “c”");
  CHECK(param_words(ParamValue(List{"a"}), Lang::en) == "“a”");
  CHECK(param_words(ParamValue(std::string("contains")), Lang::zh) == "contains");
  CHECK(param_words(ParamValue(std::int64_t{3}), Lang::en) == "3");

  const std::vector<Param> params{{.name = "grace_days", .value = std::int64_t{3}}};
  CHECK(fill_params("工作结束 {grace_days} 天内撤销", params, Lang::zh) == "工作结束 3 天内撤销");
  CHECK(fill_params("within {grace_days} days, {other} {{x}} {", params, Lang::en) == "within 3 days, {other} {{x}} {");
}

TEST_CASE("a parameter with the noun for its number: {name|ONE|OTHER} says 1 day, 3 days") {
  std::vector<Param> params{{.name = "grace_days", .value = std::int64_t{1}}, {.name = "ratio", .value = 1.5}};
  CHECK(fill_params("within {grace_days|day|days} after", params, Lang::en) == "within 1 day after");
  CHECK(param_placeholder("grace_days|day|days", params, Lang::en) == "1 day");
  CHECK(param_placeholder("ratio|time|times", params, Lang::en) == "1.5 times");
  CHECK(param_placeholder("grace_days", params, Lang::en) == "1");
  params[0].value = std::int64_t{0};
  CHECK(fill_params("within {grace_days|day|days} after", params, Lang::en) == "within 0 days after");
  params[0].value = std::int64_t{3};
  CHECK(fill_params("within {grace_days|day|days} after", params, Lang::en) == "within 3 days after");
  // Not two words after the name, or no such parameter: kept as written.
  CHECK(fill_params("{grace_days|day} {grace_days|a|b|c} {other|day|days}", params, Lang::en) ==
        "{grace_days|day} {grace_days|a|b|c} {other|day|days}");
  CHECK_FALSE(param_placeholder("other|day|days", params, Lang::en));
  CHECK_FALSE(param_placeholder("|day|days", params, Lang::en));
}
