// The Markdown, HTML, e-mail and JUnit renderers, on a small report built by hand whose values
// carry everything that could break a format: markup, separators, line breaks, control characters.
#include "report/report_formats.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "report/base64_sink.h"
#include "report/format_table.h"
#include "report/html_inline.h"
#include "report/report.h"
#include "test_support.h"

using namespace chataudit;

namespace {

// Each format as the tools render it (report/format_table.h: groups, then finish).
namespace as {
std::string in(const Report& report, std::string_view name) { return render(report, *parse_format(name)); }
std::string text(const Report& report) { return in(report, "text"); }
std::string json(const Report& report) { return in(report, "json"); }
std::string jsonl(const Report& report) { return in(report, "jsonl"); }
std::string markdown(const Report& report) { return in(report, "markdown"); }
std::string html(const Report& report) { return in(report, "html"); }
std::string email(const Report& report) { return in(report, "email"); }
std::string junit(const Report& report) { return in(report, "junit"); }
}  // namespace as

Finding make_finding(std::string rule, Severity severity, std::string kind, std::string id, std::string name,
                     Localized message, std::string change) {
  Finding finding;
  finding.rule = std::move(rule);
  finding.severity = severity;
  finding.subject_kind = std::move(kind);
  finding.subject_id = std::move(id);
  finding.subject_name = std::move(name);
  finding.message = message;
  finding.message_redacted = message;
  finding.fingerprint = "0123456789abcdef";
  finding.change = std::move(change);
  return finding;
}

Rule make_rule(std::string id, Severity severity, Localized article, Localized title, Localized remedy) {
  Rule rule;
  rule.id = std::move(id);
  rule.tool = "stale-group-finder";
  rule.severity = severity;
  rule.article = std::move(article);
  rule.title = std::move(title);
  rule.remedy = std::move(remedy);
  return rule;
}

// Everything a Report points to, kept alive together.
struct Fixture {
  Policy policy;
  InventorySummary inventory;
  RunResult result;
  Review review;
  Report report;

  explicit Fixture(Lang lang = Lang::en) {
    policy.id = "test-policy";
    policy.title = {"测试政策", "Test policy"};
    policy.digest = "feedface";
    policy.rules.push_back(make_rule("temporary-group-overdue", Severity::error, {"第三条", "Art. 3"},
                                     {"临时群逾期未解散", "Temporary group not dissolved"},
                                     {"一周内解散该群 & 备案", "Dissolve the group & file it"}));
    policy.rules.push_back(make_rule("member-departed", Severity::warning, {"第五条", "Art. 5"},
                                     {"离职人员仍在群内", "Departed member still in group"},
                                     {"移出该成员", "Remove the member"}));
    inventory.source = "samples/test";

    result.rules_run = {"temporary-group-overdue", "member-departed"};
    result.rules_skipped.push_back({"handle-shared", "missing table: handles"});
    result.findings.push_back(make_finding("temporary-group-overdue", Severity::error, "group", "G1",
                                           "临时<script>群 & |x|",
                                           {"群 G1 已逾期 7 天 <script>alert(1)</script>",
                                            "Group G1 is 7 days overdue <script>alert(\"x\")</script> & 'q'"},
                                           "new"));
    result.findings.push_back(make_finding("temporary-group-overdue", Severity::error, "group", "G2",
                                           "Line\r\nBcc: evil@example.com", {"群 G2 逾期\x01", "G2 overdue\x01"},
                                           "persisting"));
    result.findings.push_back(
        make_finding("member-departed", Severity::warning, "membership", "G1/wx_zhang", "张三",
                     {"张三 已离职 *粗* _斜_ `code` a|b \\x", "Zhang left *b* _i_ `code` a|b \\x"}, "new"));

    Waiver waiver{"member-departed", "G3/wx_li", "负责人出差 & <回来后处理>", "李四", Date(2026, 12, 31), {}};
    review.waived.push_back({make_finding("member-departed", Severity::warning, "membership", "G3/wx_li", "李五",
                                          {"李五 已离职", "Li Wu left"}, ""),
                             waiver});
    review.waivers_expired.push_back({"temporary-group-overdue", "G7", "old", "王五", Date(2026, 1, 1), {}});
    review.waivers_unused.push_back({"temporary-group-overdue", "G8", "unused", "赵六", Date(2027, 1, 1), {}});
    review.compared = true;
    review.baseline_source = "old.json";
    review.resolved.push_back({"temporary-group-overdue", "error", "group", "G9", "九群", "G9 overdue", "abc"});

    report.tool = "stale-group-finder";
    report.version = "0.1.0";
    report.as_of = Date(2026, 11, 27);
    report.policy = &policy;
    report.inventory = &inventory;
    report.result = &result;
    report.review = &review;
    report.lang = lang;
    report.options.mail_date = 1795768205;  // 2026-11-27T08:30:05Z
  }
};

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

std::size_t count(std::string_view text, std::string_view part) {
  std::size_t n = 0;
  for (std::size_t at = text.find(part); at != std::string_view::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

// Checks that every tag is closed in order (the doctype and `<?xml …?>` aside); returns the first
// problem, or empty. The renderers escape every `<` in text, so a plain scan is exact.
std::string tag_balance(std::string_view markup) {
  std::vector<std::string> open;
  for (std::size_t at = markup.find('<'); at != std::string_view::npos; at = markup.find('<', at + 1)) {
    const std::size_t end = markup.find('>', at);
    if (end == std::string_view::npos) return "unterminated tag";
    std::string_view tag = markup.substr(at + 1, end - at - 1);
    if (tag.starts_with("!") || tag.starts_with("?")) continue;
    if (tag.ends_with("/")) continue;
    const bool closing = tag.starts_with("/");
    if (closing) tag.remove_prefix(1);
    const std::string name(tag.substr(0, tag.find_first_of(" \t\r\n")));
    if (!closing) {
      open.push_back(name);
    } else if (open.empty() || open.back() != name) {
      return "unexpected </" + name + ">";
    } else {
      open.pop_back();
    }
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

std::string base64_decode(std::string_view encoded) {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count_bits = 0;
  for (char c : encoded) {
    const std::size_t value = kAlphabet.find(c);
    if (value == std::string_view::npos) continue;  // padding, line breaks
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count_bits += 6;
    if (count_bits >= 8) {
      count_bits -= 8;
      out += static_cast<char>((bits >> count_bits) & 0xFF);
    }
  }
  return out;
}

// The header block of a message, unfolded: one string per header.
std::vector<std::string> headers_of(std::string_view message) {
  std::vector<std::string> headers;
  const std::string_view block = message.substr(0, message.find("\r\n\r\n"));
  std::size_t begin = 0;
  while (begin <= block.size()) {
    std::size_t end = block.find("\r\n", begin);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(begin, end - begin);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !headers.empty())
      headers.back() += std::string(line);
    else
      headers.emplace_back(line);
    begin = end + 2;
  }
  return headers;
}

std::string header_value(std::string_view message, std::string_view name) {
  for (const std::string& header : headers_of(message))
    if (header.starts_with(std::string(name) + ": ")) return header.substr(name.size() + 2);
  return {};
}

// Decodes a header value made of RFC 2047 B-encoded UTF-8 words (white space between them dropped).
std::string decode_words(std::string_view value) {
  std::string out;
  for (std::size_t at = value.find("=?UTF-8?B?"); at != std::string_view::npos; at = value.find("=?UTF-8?B?", at)) {
    const std::size_t end = value.find("?=", at + 10);
    out += base64_decode(value.substr(at + 10, end - at - 10));
    at = end + 2;
  }
  return out;
}

// The decoded body of the MIME part with the given content type.
std::string part_body(std::string_view message, std::string_view type) {
  const std::size_t header = message.find("Content-Type: " + std::string(type));
  if (header == std::string_view::npos) return {};
  const std::size_t body = message.find("\r\n\r\n", header) + 4;
  const std::size_t end = message.find("\r\n--", body);
  return base64_decode(message.substr(body, end - body));
}

std::string with_crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace

TEST_CASE("markdown groups findings by severity and rule, escapes cells, lists waivers and resolved") {
  Fixture fixture;
  const std::string md = as::markdown(fixture.report);
  CHECK(md.starts_with("# stale-group-finder — as of 2026-11-27 — policy test-policy\n"));
  CHECK(contains(md,
                 "## Summary\n\n| Item | Count |\n|---|--:|\n| error | 2 |\n| warning | 1 |\n| notice | 0 |\n"
                 "| waived | 1 |\n| new | 2 |\n| resolved | 1 |\n"));
  CHECK(contains(md,
                 "## error (2)\n\n### [error] temporary-group-overdue — Temporary group not dissolved (Art. 3)\n\n"
                 "| Subject | Message | Change |\n|---|---|---|\n"));
  CHECK(contains(md, "**Remedy:** Dissolve the group \\& file it\n"));
  CHECK(md.find("## error") < md.find("## warning"));
  // Markup in values is escaped; a line break in a name does not end the row.
  CHECK_FALSE(contains(md, "<script>"));
  CHECK(contains(md, "| G1 (临时\\<script\\>群 \\& \\|x\\|) | Group G1 is 7 days overdue \\<script\\>"));
  CHECK(contains(
      md, "| G2 (Line\\<U+000D\\>\\<U+000A\\>Bcc: evil\\@example.com) | G2 overdue\\<U+0001\\> | persisting |\n"));
  CHECK(contains(md, "Zhang left \\*b\\* \\_i\\_ \\`code\\` a\\|b \\\\x | new |"));
  for (std::size_t at = md.find("\n|"); at != std::string::npos; at = md.find("\n|", at + 1))
    CHECK(md.substr(at + 1, md.find('\n', at + 1) - at - 1).ends_with("|"));
  // The other sections.
  CHECK(contains(md,
                 "## Waived (1)\n\n| Rule | Subject | Reason | Approved by | Expires on |\n|---|---|---|---|---|\n"
                 "| member-departed | G3/wx\\_li (李五) | 负责人出差 \\& \\<回来后处理\\> | 李四 | 2026-12-31 |\n"));
  CHECK(contains(md, "## Expired waivers (1)\n"));
  CHECK(contains(md, "| temporary-group-overdue | G7 | old | 王五 | 2026-01-01 |"));
  CHECK(contains(md, "## Unused waivers (1)\n"));
  CHECK(contains(md, "## Resolved (1)\n"));
  CHECK(contains(md, "| temporary-group-overdue | error | G9 (九群) | G9 overdue |"));
  CHECK(
      contains(md, "## Rules skipped (1)\n\n| Rule | Reason |\n|---|---|\n| handle-shared | missing table: handles |"));
  CHECK(md.ends_with("; 1 waived; 2 new, 1 resolved\n"));

  SUBCASE("without a baseline there is no change column") {
    fixture.review.compared = false;
    const std::string plain = as::markdown(fixture.report);
    CHECK(contains(plain, "| Subject | Message |\n|---|---|\n"));
    CHECK_FALSE(contains(plain, "Change"));
    CHECK_FALSE(contains(plain, "| resolved |"));
  }
}

TEST_CASE("markdown in Chinese") {
  Fixture fixture(Lang::zh);
  const std::string md = as::markdown(fixture.report);
  CHECK(md.starts_with("# stale-group-finder — 截至 2026-11-27 — 政策 test-policy\n"));
  CHECK(contains(md, "## 概况\n\n| 项目 | 数量 |\n"));
  CHECK(contains(md, "| 错误 | 2 |\n| 警告 | 1 |\n| 提示 | 0 |\n| 已豁免 | 1 |\n| 新增 | 2 |\n| 已解决 | 1 |\n"));
  CHECK(contains(md, "## 错误（2）\n\n### [错误] temporary-group-overdue — 临时群逾期未解散（第三条）\n"));
  CHECK(contains(md, "| 对象 | 说明 | 变化 |"));
  CHECK(contains(md, "| G1（临时\\<script\\>群 \\& \\|x\\|） | 群 G1 已逾期 7 天 \\<script\\>"));
  CHECK(contains(md, "**整改：** 一周内解散该群 \\& 备案\n"));
  CHECK(contains(md, "## 已豁免（1）\n\n| 规则 | 对象 | 理由 | 批准人 | 失效日期 |"));
  CHECK(contains(md, "## 未运行的规则（1）\n"));
  CHECK(contains(md, "| handle-shared | 缺少表：handles |"));
  CHECK_FALSE(contains(md, "Remedy"));
  CHECK_FALSE(contains(md, "Summary"));
}

TEST_CASE("html is one self-contained, well-formed, escaped page") {
  for (Lang lang : {Lang::en, Lang::zh}) {
    Fixture fixture(lang);
    const std::string page = as::html(fixture.report);
    CAPTURE(lang == Lang::zh);
    CHECK(page.starts_with(lang == Lang::zh ? "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n"
                                            : "<!DOCTYPE html>\n<html lang=\"en\">\n"));
    CHECK(contains(page, "<meta charset=\"utf-8\"/>"));
    CHECK(contains(page, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"));
    CHECK(contains(page, "@media print"));
    CHECK(contains(page, "@media (max-width: 600px)"));
    CHECK(tag_balance(page) == "");
    CHECK(page.ends_with("</html>\n"));
    // Nothing runs and nothing is fetched.
    CHECK_FALSE(contains(page, "<script"));
    CHECK_FALSE(contains(page, "http:"));
    CHECK_FALSE(contains(page, "https:"));
    CHECK_FALSE(contains(page, "url("));
    CHECK_FALSE(contains(page, "@import"));
    CHECK_FALSE(contains(page, "<link"));
    CHECK_FALSE(contains(page, "\x01"));
    CHECK(contains(page, "临时&lt;script&gt;群 &amp; |x|"));
    CHECK(contains(page, "Line&lt;U+000D&gt;&lt;U+000A&gt;Bcc: evil@example.com"));
    // Groups: severity, then rule, each with its article and remedy.
    CHECK(count(page, "<div class=\"group error\">") == 1);
    CHECK(count(page, "<div class=\"group warning\">") == 1);
    CHECK(page.find("<section class=\"severity error\">") < page.find("<section class=\"severity warning\">"));
    CHECK(contains(page, "<section class=\"waived\">"));
    CHECK(contains(page, "<section class=\"waivers-expired\">"));
    CHECK(contains(page, "<section class=\"waivers-unused\">"));
    CHECK(contains(page, "<section class=\"resolved\">"));
    CHECK(contains(page, "<section class=\"skipped\">"));
    if (lang == Lang::en) {
      CHECK(contains(page,
                     "Group G1 is 7 days overdue &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"));
      CHECK(contains(page, "<p class=\"article\">Article: Art. 3</p>"));
      CHECK(contains(page, "<p class=\"remedy\"><strong>Remedy: </strong>Dissolve the group &amp; file it</p>"));
      CHECK(contains(page, "<td data-label=\"Change\"><span class=\"nw\">persisting</span></td>"));
      CHECK(contains(page, "负责人出差 &amp; &lt;回来后处理&gt;"));
    } else {
      CHECK(contains(page, "<p class=\"article\">依据：第三条</p>"));
      CHECK(contains(page, "<strong>整改：</strong>一周内解散该群 &amp; 备案"));
      CHECK(contains(page, "<td data-label=\"变化\"><span class=\"nw\">持续</span></td>"));
      CHECK(contains(page, "缺少表：handles"));
    }
  }
}

TEST_CASE("html of a clean run says so") {
  Fixture fixture;
  fixture.result.findings.clear();
  fixture.review = Review{};
  const std::string page = as::html(fixture.report);
  CHECK(contains(page, "<p class=\"clean\">No findings.</p>"));
  CHECK_FALSE(contains(page, "class=\"severity"));
  CHECK(tag_balance(page) == "");
}

TEST_CASE("email is a CRLF MIME message with an encoded subject, both parts, no header injection") {
  Fixture fixture(Lang::zh);
  fixture.report.options.mail_to = {"audit@example.org", "审计组 <office@example.org>",
                                    "x@example.org\r\nBcc: evil@example.com"};
  fixture.report.options.mail_from = "chataudit <cron@example.org>\nBcc: evil@example.com";
  const std::string mail = as::email(fixture.report);

  for (std::size_t i = 0; i < mail.size(); ++i) {
    if (mail[i] == '\n') REQUIRE(i > 0);
    if (mail[i] == '\n') CHECK(mail[i - 1] == '\r');
    if (mail[i] == '\r') CHECK(mail[i + 1] == '\n');
  }
  const std::string head = mail.substr(0, mail.find("\r\n\r\n") + 2);
  for (std::size_t begin = 0, end; (end = head.find("\r\n", begin)) != std::string::npos; begin = end + 2) {
    CAPTURE(head.substr(begin, end - begin));
    CHECK(end - begin <= 78);
    CHECK_FALSE(head.substr(begin, end - begin).starts_with("Bcc"));
  }
  // An address ends at a line break: what follows would be a smuggled header or recipient.
  CHECK(header_value(mail, "From") == "chataudit <cron@example.org>");
  CHECK(header_value(mail, "To") == "audit@example.org, =?UTF-8?B?5a6h6K6h57uE?= <office@example.org>, x@example.org");
  CHECK_FALSE(contains(mail, "evil"));
  // The Chinese subject, encoded in words of whole characters.
  CHECK(contains(mail,
                 "Subject: =?UTF-8?B?c3RhbGUtZ3JvdXAtZmluZGVy77yaMyDpobnpl67popjvvIzmlrA=?=\r\n"
                 " =?UTF-8?B?5aKeIDIg6aG5IOKAlCDmiKroh7MgMjAyNi0xMS0yNw==?=\r\n"));
  Report tallied = fixture.report;
  tallied.tally = tally_of(*tallied.policy, tallied.result->findings);
  CHECK(decode_words(header_value(mail, "Subject")) == mail_subject(tallied));
  CHECK(header_value(mail, "Date") == "Fri, 27 Nov 2026 08:30:05 +0000");
  CHECK(header_value(mail, "MIME-Version") == "1.0");
  CHECK(header_value(mail, "X-Chataudit-Findings") == "3");
  const std::string content_type = header_value(mail, "Content-Type");
  REQUIRE(content_type.starts_with("multipart/alternative; boundary=\"=_chataudit_"));
  const std::string boundary =
      content_type.substr(content_type.find('"') + 1, content_type.rfind('"') - content_type.find('"') - 1);
  CHECK(count(mail, "\r\n--" + boundary + "\r\n") == 2);
  CHECK(mail.ends_with("\r\n--" + boundary + "--\r\n"));
  // Both halves decode to the other renderers' output, the HTML with its styles also inline.
  CHECK(part_body(mail, "text/plain; charset=UTF-8") == with_crlf(as::text(fixture.report)));
  CHECK(part_body(mail, "text/html; charset=UTF-8") ==
        with_crlf(formats::with_inline_styles(as::html(fixture.report))));
  // Byte-identical for the same inputs.
  CHECK(as::email(fixture.report) == mail);

  SUBCASE("no From or To when none is given; English subject still encoded for its dash") {
    fixture.report.options.mail_to.clear();
    fixture.report.options.mail_from.clear();
    fixture.report.lang = Lang::en;
    const std::string english = as::email(fixture.report);
    CHECK(header_value(english, "From") == "");
    CHECK(header_value(english, "To") == "");
    CHECK(decode_words(header_value(english, "Subject")) == "stale-group-finder: 3 findings, 2 new — as of 2026-11-27");
  }
  SUBCASE("the text part has no colour codes") {
    fixture.report.options.color = true;
    CHECK_FALSE(contains(part_body(as::email(fixture.report), "text/plain; charset=UTF-8"), "\x1b["));
  }
}

TEST_CASE("junit: a test case per finding, per passed rule, per waived finding and per skipped rule") {
  Fixture fixture;
  const std::string xml = as::junit(fixture.report);
  // 3 findings, 1 waived, 1 skipped rule; the warning is below --fail-on error: 2 failures.
  CHECK(xml.starts_with(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"stale-group-finder\" tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"2\">\n"
      "  <testsuite name=\"stale-group-finder\" tests=\"5\" failures=\"2\" errors=\"0\" skipped=\"2\">\n"));
  CHECK(tag_balance(xml) == "");
  CHECK(count(xml, "<testcase ") == 5);
  CHECK(count(xml, "<failure ") == 2);
  CHECK(count(xml, "type=\"error\"") == 2);
  CHECK(count(xml, "type=\"warning\"") == 0);
  CHECK(contains(xml,
                 "<testcase classname=\"stale-group-finder\" name=\"temporary-group-overdue G1\">\n"
                 "      <failure message=\"G1 (临时&lt;script&gt;群 &amp; |x|): Group G1 is 7 days overdue "
                 "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;\" type=\"error\">"));
  // XML 1.0 cannot hold U+0001 even as a reference: shown as text, like the human formats show it.
  CHECK(contains(xml, "message=\"G2 (Line&#13;&#10;Bcc: evil@example.com): G2 overdue&lt;U+0001&gt;\""));
  CHECK(contains(xml, "Remedy: Dissolve the group &amp; file it\n</failure>\n    </testcase>\n"));
  // Below --fail-on: a passed test case, the finding in its output.
  CHECK(contains(xml,
                 "<testcase classname=\"stale-group-finder\" name=\"member-departed G1/wx_zhang\">\n"
                 "      <system-out>G1/wx_zhang (张三)\nZhang left"));
  CHECK(contains(xml,
                 "<testcase classname=\"stale-group-finder\" name=\"member-departed G3/wx_li\">\n"
                 "      <skipped message=\"waived: 负责人出差 &amp; &lt;回来后处理&gt; (approved by 李四, expires on "
                 "2026-12-31)\"/>\n      <system-out>G3/wx_li (李五)\nLi Wu left\n</system-out>\n"));
  CHECK(contains(xml,
                 "<testcase classname=\"stale-group-finder\" name=\"handle-shared\">\n"
                 "      <skipped message=\"missing table: handles\"/>\n    </testcase>"));
  CHECK(contains(xml, "waiver expired: temporary-group-overdue G7"));
  CHECK(contains(xml, "waiver unused: temporary-group-overdue G8"));
  CHECK(contains(xml, "resolved: temporary-group-overdue G9 (九群)"));
  CHECK_FALSE(contains(xml, "\x01"));
  CHECK_FALSE(contains(xml, "<script"));

  SUBCASE("--fail-on warning: the warning fails") {
    fixture.report.fail_on = Severity::warning;
    const std::string failing = as::junit(fixture.report);
    CHECK(contains(failing, "tests=\"5\" failures=\"3\" errors=\"0\" skipped=\"2\""));
    CHECK(
        contains(failing, "name=\"member-departed G1/wx_zhang\">\n      <failure message=\"G1/wx_zhang (张三): Zhang"));
  }
  SUBCASE("a rule with no finding, delivered or waived, is one passed test case") {
    fixture.result.findings.pop_back();
    fixture.review.waived.clear();
    const std::string passing = as::junit(fixture.report);
    CHECK(contains(passing, "tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"1\""));
    CHECK(count(passing, "<testcase ") == 4);
    CHECK(contains(passing, "<testcase classname=\"stale-group-finder\" name=\"member-departed\"/>\n"));
  }
  SUBCASE("a rule whose findings are all waived is not a passed test case") {
    fixture.result.findings.pop_back();
    const std::string waived = as::junit(fixture.report);
    CHECK(contains(waived, "tests=\"4\" failures=\"2\" errors=\"0\" skipped=\"2\""));
    CHECK_FALSE(contains(waived, "name=\"member-departed\""));
  }
  SUBCASE("in Chinese") {
    fixture.report.lang = Lang::zh;
    const std::string chinese = as::junit(fixture.report);
    CHECK(contains(
        chinese,
        "<skipped message=\"已豁免：负责人出差 &amp; &lt;回来后处理&gt;（批准人：李四，于 2026-12-31 失效）\"/>"));
    CHECK(contains(chinese, "<failure message=\"G1（临时&lt;script&gt;群 &amp; |x|）：群 G1 已逾期 7 天"));
  }
}

TEST_CASE("invalid UTF-8 in a value becomes U+FFFD in the XML formats") {
  Fixture fixture;
  fixture.result.findings[0].subject_name += "\xFF\xC0\xAF";
  for (const std::string& out : {as::html(fixture.report), as::junit(fixture.report)}) {
    CHECK(contains(out, "|x|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"));
    CHECK_FALSE(contains(out, "\xFF"));
    CHECK(tag_balance(out) == "");
  }
}

TEST_CASE("--redact reaches every format through the shown_* helpers") {
  Fixture fixture;
  fixture.report.options.redact = true;
  for (const std::string& out : {as::markdown(fixture.report), as::html(fixture.report), as::junit(fixture.report)}) {
    CHECK_FALSE(contains(out, "wx_zhang"));
    CHECK_FALSE(contains(out, "张三"));
    CHECK_FALSE(contains(out, "李五"));
  }
  const std::string page = as::html(fixture.report);
  CHECK(contains(page, "<code>G1/wx_***</code> 张*"));
  // The approver is shown as the waiver file names them (normally a person id), like every id.
  CHECK(contains(page, "<td data-label=\"Approved by\">李四</td>"));
}

TEST_CASE("csv: who must act by id and name, side by side; the name masked by --redact") {
  Fixture fixture;
  Finding& finding = fixture.result.findings[0];
  finding.ids.add("responsible_id", "P009");
  finding.ids.add("responsible_name", "王小明");
  finding.due_on = "2026-11-20";
  finding.days_overdue = 7;
  const std::string csv = as::in(fixture.report, "csv");
  CHECK(
      csv.starts_with("rule,severity,severity_label,subject_kind,subject_id,subject_name,org_id,dept_id,"
                      "account_id,group_id,person_id,handle,responsible_id,responsible_name,due_on,days_overdue,"
                      "article,title,message,remedy,change,fingerprint\r\n"));
  CHECK(contains(csv,
                 "\r\ntemporary-group-overdue,error,error,group,G1,临时<script>群 & |x|,,,,,,,P009,王小明,"
                 "2026-11-20,7,Art. 3,"));
  // A finding with no one to act: both empty, the columns still in place.
  CHECK(contains(csv,
                 "\r\ntemporary-group-overdue,error,error,group,G2,\"Line\r\nBcc: evil@example.com\",,,,,,,,,,,"
                 "Art. 3,"));
  fixture.report.options.redact = true;
  const std::string redacted = as::in(fixture.report, "csv");
  CHECK(contains(redacted, ",P009,王**,2026-11-20,7,"));
  CHECK_FALSE(contains(redacted, "王小明"));
}

TEST_CASE("a finding's context is shown before its message where people read it, never in JSON or JSON Lines") {
  Fixture fixture;
  fixture.result.findings[2].context = {"工作群“甲群”", "Group A: "};
  const std::string shown = "Group A: Zhang left *b* _i_ `code` a|b \\x";
  CHECK(shown_message(fixture.report, fixture.result.findings[2]) == shown);
  CHECK(finding_message(fixture.report, fixture.result.findings[2]) == "Zhang left *b* _i_ `code` a|b \\x");
  CHECK(contains(as::text(fixture.report), "  " + shown + "\n"));
  CHECK(contains(as::in(fixture.report, "csv"), "Group A: Zhang left"));
  CHECK(contains(as::junit(fixture.report), "Group A: Zhang left"));
  CHECK(contains(as::markdown(fixture.report), "Group A: Zhang left"));
  CHECK(contains(as::html(fixture.report), "Group A: Zhang left"));
  for (const std::string& out : {as::json(fixture.report), as::jsonl(fixture.report)}) {
    CHECK(contains(out, "\"message\":\"Zhang left *b*"));
    CHECK_FALSE(contains(out, "Group A"));
  }
  fixture.report.lang = Lang::zh;
  CHECK(shown_message(fixture.report, fixture.result.findings[2]) ==
        "工作群“甲群”张三 已离职 *粗* _斜_ `code` a|b \\x");
}

TEST_CASE("the trend: a line in text, a table in Markdown, an SVG chart in HTML; nothing without an earlier run") {
  Fixture fixture;
  fixture.report.trend = {{"2026-11-27", {2, 1, 0}}};
  for (const std::string& out : {as::text(fixture.report), as::markdown(fixture.report), as::html(fixture.report)}) {
    CHECK_FALSE(contains(out, "Trend"));
    CHECK_FALSE(contains(out, "<svg"));
  }
  fixture.report.trend = {{"2026-11-13", {1200, 3, 1}}, {"2026-11-20", {4, 0, 2}}, {"2026-11-27", {2, 1, 0}}};
  CHECK(contains(as::text(fixture.report),
                 "\nTrend (errors/warnings/notices): 2026-11-13 1,200/3/1 → 2026-11-20 4/0/2 → 2026-11-27 2/1/0\n"));
  CHECK(contains(as::markdown(fixture.report),
                 "## Trend\n\n| As of | error | warning | notice |\n|---|--:|--:|--:|\n"
                 "| 2026-11-13 | 1,200 | 3 | 1 |\n| 2026-11-20 | 4 | 0 | 2 |\n"
                 "| 2026-11-27 | 2 | 1 | 0 |\n"));
  const std::string page = as::html(fixture.report);
  const std::size_t svg = page.find("<svg");
  REQUIRE(svg != std::string::npos);
  const std::string chart = page.substr(svg, page.find("</svg>", svg) - svg);
  CHECK_FALSE(contains(page, "<script"));
  CHECK_FALSE(contains(chart, "var(--"));
  // The tallest bar (1,204 findings) is the chart's full height, errors at the bottom.
  CHECK(contains(chart, "<rect x=\"16\" y=\"41\" width=\"40\" height=\"109\" fill=\"#b42318\"/>"));
  CHECK(contains(chart, ">1,204</text>"));
  CHECK(contains(chart, "<title>2026-11-20</title>11-20</text>"));
  CHECK(contains(chart, ">2026-11-13 to 2026-11-27</text>"));
  fixture.report.lang = Lang::zh;
  CHECK(contains(as::text(fixture.report), "\n趋势（错误/警告/提示）：2026-11-13 1,200/3/1 → "));
  CHECK(contains(as::markdown(fixture.report), "## 趋势\n\n| 检查日期 | 错误 | 警告 | 提示 |\n"));
}

TEST_CASE(
    "json: summary.tables gives each table's rows read, loaded and in scope; inventory.tables keeps rows loaded") {
  Fixture fixture;
  for (const auto& [name, rows] : {std::pair{"memberships", std::size_t{3}}, std::pair{"groups", std::size_t{61}}}) {
    LoadedTable& table = fixture.inventory.tables[name];
    table.rows_read = rows;
    table.rows_loaded = rows;
  }
  fixture.inventory.tables["groups"].rows_in_scope = 18;  // --org: 18 of the 61 groups
  const std::string json = as::json(fixture.report);
  // inventory.tables: unchanged, {name: rows loaded}, tables in name order.
  CHECK(contains(json,
                 "    \"tables\": {\n"
                 "      \"groups\": 61,\n"
                 "      \"memberships\": 3\n"
                 "    }\n"
                 "  },\n"
                 "  \"summary\": {\n"));
  // summary.tables: the same tables in the same order, after "new" and before "rules_run".
  CHECK(contains(json,
                 "    \"new\": 2,\n"
                 "    \"tables\": {\n"
                 "      \"groups\": {\n"
                 "        \"read\": 61,\n"
                 "        \"loaded\": 61,\n"
                 "        \"in_scope\": 18\n"
                 "      },\n"
                 "      \"memberships\": {\n"
                 "        \"read\": 3,\n"
                 "        \"loaded\": 3,\n"
                 "        \"in_scope\": 3\n"
                 "      }\n"
                 "    },\n"
                 "    \"rules_run\": 2,\n"));

  SUBCASE("no table loaded: an empty object") {
    Fixture empty;
    CHECK(contains(as::json(empty.report), "    \"tables\": {},\n    \"rules_run\": 2,\n"));
  }
  SUBCASE("JSON Lines has no summary record: one finding per line, nothing else") {
    const std::string lines = as::jsonl(fixture.report);
    CHECK(count(lines, "\n") == fixture.result.findings.size());
    CHECK_FALSE(contains(lines, "\"read\""));
  }
}

TEST_CASE("json: each finding printed member by member is byte for byte what nlohmann::json prints") {
  Fixture fixture;
  std::vector<Finding> findings = fixture.result.findings;
  // Every optional member, every kind of value that needs escaping, and names that repeat.
  Finding full = make_finding("member-departed", Severity::notice, "membership", "G1/wx \"q\"", "名\t字",
                              {"中文 \\ \"引号\" \x1f end", "line\nbreak \x7f del"}, "persisting");
  full.ids = Fields{{"org_id", "O1"}, {"group_id", "G1"}, {"handle", "wx_zhang"}, {"responsible_id", ""}};
  full.due_on = "2026-11-20";
  full.days_overdue = -3;
  full.details = Fields{{"first_membership", "G1/wx_a"}, {"n", "2"}, {"note\"key", "a\r\nb"}, {"", "empty name"}};
  findings.push_back(full);
  Finding broken = full;  // invalid UTF-8 becomes U+FFFD
  broken.subject_name = "bad \xC3\x28 byte";
  broken.details = Fields{{"x", "\xFF"}};
  broken.days_overdue = 1234567890123;
  findings.push_back(broken);
  Finding repeated = full;  // nlohmann keeps a repeated name once, in its first place
  repeated.ids = Fields{{"group_id", "G1"}, {"person_id", "P1"}, {"group_id", "G2"}};
  repeated.details = Fields{{"a", "1"}, {"b", "2"}, {"a", "3"}};
  findings.push_back(repeated);
  Finding bare = make_finding("temporary-group-overdue", Severity::error, "group", "", "", {"", ""}, "");
  bare.fingerprint.clear();
  findings.push_back(bare);

  for (const bool redact : {false, true})
    for (const Lang lang : {Lang::en, Lang::zh})
      for (const Finding& finding : findings) {
        CAPTURE(redact);
        CAPTURE(finding.subject_id);
        fixture.report.options.redact = redact;
        fixture.report.lang = lang;
        std::string out = "prefix";
        formats::append_finding_json(out, fixture.report, finding);
        CHECK(out == "prefix" + formats::finding_json_reference(fixture.report, finding));
        out = "prefix";
        formats::append_finding_jsonl(out, fixture.report, finding);
        CHECK(out == "prefix" + formats::finding_jsonl_reference(fixture.report, finding));
      }
  // The reference itself: one compact line, without the rule's texts.
  fixture.report.options.redact = false;
  fixture.report.lang = Lang::en;
  CHECK(formats::finding_json_reference(fixture.report, findings[2]) ==
        "{\"rule\":\"member-departed\",\"severity\":\"warning\",\"subject\":{\"kind\":\"membership\","
        "\"id\":\"G1/wx_zhang\",\"name\":\"张三\"},\"message\":\"Zhang left *b* _i_ `code` a|b \\\\x\","
        "\"change\":\"new\",\"fingerprint\":\"0123456789abcdef\"}");
  // JSON Lines: title, article, remedy as strings in the report's language after the severity.
  fixture.report.lang = Lang::zh;
  CHECK(formats::finding_jsonl_reference(fixture.report, findings[2])
            .starts_with("{\"rule\":\"member-departed\",\"severity\":\"warning\",\"title\":\"离职人员仍在群内\","
                         "\"article\":\"第五条\",\"remedy\":\"移出该成员\",\"subject\":{"));
}

TEST_CASE("json: rules once under `rules` in report order; each finding, waived and resolved one on one line") {
  Fixture fixture;
  // A resolved finding of a rule the policy no longer has, recorded as a warning.
  fixture.review.resolved.push_back({"old-rule", "warning", "group", "G8", "", "G8 gone", "def"});
  const std::string json = as::json(fixture.report);
  CHECK(contains(json,
                 "  \"rules\": {\n"
                 "    \"temporary-group-overdue\": {\n"
                 "      \"severity\": \"error\",\n"
                 "      \"article\": {\n"
                 "        \"zh\": \"第三条\",\n"
                 "        \"en\": \"Art. 3\"\n"
                 "      },\n"
                 "      \"title\": {\n"
                 "        \"zh\": \"临时群逾期未解散\",\n"
                 "        \"en\": \"Temporary group not dissolved\"\n"
                 "      },\n"
                 "      \"remedy\": {\n"
                 "        \"zh\": \"一周内解散该群 & 备案\",\n"
                 "        \"en\": \"Dissolve the group & file it\"\n"
                 "      }\n"
                 "    },\n"
                 "    \"member-departed\": {\n"
                 "      \"severity\": \"warning\",\n"));
  CHECK(contains(json,
                 "      }\n"
                 "    },\n"
                 "    \"old-rule\": {\n"
                 "      \"severity\": \"warning\"\n"
                 "    }\n"
                 "  },\n"
                 "  \"findings\": [\n"
                 "    {\"rule\":\"temporary-group-overdue\",\"severity\":\"error\",\"subject\":{"));
  CHECK(count(json, "\"article\"") == 2);  // once a rule the policy has, never in a finding
  CHECK(contains(json,
                 "\"fingerprint\":\"0123456789abcdef\"}\n  ],\n  \"waived\": [\n"
                 "    {\"rule\":\"member-departed\",\"severity\":\"warning\",\"subject\":{\"kind\":\"membership\","));
  CHECK(contains(json,
                 "\"waiver\":{\"reason\":\"负责人出差 & <回来后处理>\",\"approved_by\":\"李四\","
                 "\"expires\":\"2026-12-31\"}}\n  ],\n  \"resolved\": [\n"
                 "    {\"rule\":\"temporary-group-overdue\",\"severity\":\"error\",\"subject\":{\"kind\":\"group\","
                 "\"id\":\"G9\"},\"message\":\"G9 overdue\",\"fingerprint\":\"abc\"},\n"
                 "    {\"rule\":\"old-rule\",\"severity\":\"warning\","));
  // The whole document is still one JSON object.
  const nlohmann::json parsed = nlohmann::json::parse(json);
  CHECK(parsed["rules"].size() == 3);
  CHECK(parsed["findings"].size() == 3);

  SUBCASE("a rule named only by a waived or a resolved finding has its entry, in severity then id order") {
    fixture.result.findings.clear();
    fixture.review.resolved.clear();
    fixture.review.resolved.push_back({"temporary-group-overdue", "error", "group", "G9", "", "G9 overdue", "abc"});
    const nlohmann::ordered_json rules = nlohmann::ordered_json::parse(as::json(fixture.report))["rules"];
    std::vector<std::string> keys;
    for (const auto& [key, value] : rules.items()) keys.push_back(key);
    CHECK(keys == std::vector<std::string>{"temporary-group-overdue", "member-departed"});
  }
  SUBCASE("nothing found, waived or resolved: an empty object") {
    fixture.result.findings.clear();
    fixture.review.waived.clear();
    fixture.review.resolved.clear();
    CHECK(contains(as::json(fixture.report), "  \"rules\": {},\n  \"findings\": [],\n  \"waived\": [],\n"));
  }
}

TEST_CASE("groups-json: json and jsonl rendered group by group through a spool on disk are what render() gives") {
  // As the command line renders: each rule's group as it is done, with no counts yet (the tally
  // is kept on the way and given to finish), into a spool that goes to disk at once.
  auto rendered_in_groups = [](const Report& whole, const Format& format) {
    Report report = whole;
    Spool spool(16);
    bool first = true;
    for (const RuleGroup& group : group_by_rule(report)) {
      GroupSink sink(spool, 0);
      format.group(report, group, first, sink);
      sink.spill(true);
      report.tally.add(group);
      first = false;
    }
    CHECK(spool.on_disk() == !whole.result->findings.empty());
    std::string out;
    StringSink sink(out);
    format.finish(report, Spooled{spool, 0, 0}, sink);
    return out;
  };
  Fixture fixture;
  // Two rules; the second with enough findings for its group to spill on the way.
  for (int i = 0; i < 600; ++i)
    fixture.result.findings.push_back(make_finding("member-departed", Severity::warning, "membership",
                                                   fmt::format("G{}/wx_{}", i, i), "", {"离职", "left"}, "new"));
  for (const std::string_view name : {"json", "jsonl"}) {
    CAPTURE(name);
    const Format& format = *parse_format(name);
    const std::string whole = render(fixture.report, format);
    CHECK(count(whole, "\"fingerprint\"") == 603 + (name == "json" ? 2 : 0));  // and a waived and a resolved one
    CHECK(rendered_in_groups(fixture.report, format) == whole);
  }
  SUBCASE("nothing found: no group") {
    fixture.result.findings.clear();
    for (const std::string_view name : {"json", "jsonl"})
      CHECK(rendered_in_groups(fixture.report, *parse_format(name)) == render(fixture.report, *parse_format(name)));
  }
}

namespace {

// Every code point SPEC §2 keeps from a reader, as UTF-8.
std::vector<std::string> hidden_code_points() {
  std::vector<std::string> out;
  auto add = [&](char32_t first, char32_t last) {
    for (char32_t c = first; c <= last; ++c) out.push_back(testing::utf8(c));
  };
  add(0x00, 0x1F);
  add(0x7F, 0x9F);
  add(0x061C, 0x061C);
  add(0x200E, 0x200F);
  add(0x2028, 0x202E);
  add(0x2066, 0x2069);
  add(0xFEFF, 0xFEFF);
  return out;
}

// The hidden code points `out` holds raw, a line break (`line_break`: "\n", or "\r\n" in a message)
// aside; empty when there are none.
std::string raw_controls(std::string out, std::string_view line_break) {
  for (std::size_t at = out.find(line_break); at != std::string::npos; at = out.find(line_break, at))
    out.replace(at, line_break.size(), " ");
  std::string found;
  for (const std::string& bytes : hidden_code_points())
    if (contains(out, bytes)) found += fmt::format("{:02X} ", static_cast<unsigned char>(bytes.back()));
  return found;
}

// A finding whose every inventory value carries control characters, bidi overrides and a line
// break that would forge a line of its own.
constexpr std::string_view kHostile =
    "A\x1b[31mB\x07"
    "C\rD\nFORGED LINE\u202E"
    "E\u2066F\uFEFFG\u0085H\x7fI\u2028J";

}  // namespace

TEST_CASE("no control character from the inventory reaches a person raw: text, Markdown, HTML, e-mail") {
  for (const Lang lang : {Lang::en, Lang::zh}) {
    CAPTURE(lang == Lang::zh);
    Fixture fixture(lang);
    Finding& finding = fixture.result.findings[0];
    finding.subject_id = "G1" + std::string(kHostile);
    finding.subject_name = std::string(kHostile);
    finding.message = {std::string(kHostile), std::string(kHostile)};
    finding.message_redacted = finding.message;
    finding.ids = Fields{{"group_id", "G1"}, {"responsible_id", "P1\n\u202E"}};
    finding.details = Fields{{"responsible_name", std::string(kHostile)}};
    finding.due_on = "2026-11-26\x1b";
    fixture.review.waivers_unused[0].subject = "G8" + std::string(kHostile);
    fixture.review.resolved[0].message = std::string(kHostile);
    fixture.report.title_suffix = " — " + std::string(kHostile);
    fixture.report.options.mail_to = {"audit@example.org"};

    const std::string text = as::text(fixture.report);
    CHECK(raw_controls(text, "\n") == "");
    CHECK_FALSE(contains(text, "\nFORGED"));
    CHECK(contains(text, "D<U+000A>FORGED LINE<U+202E>E<U+2066>F<U+FEFF>G<U+0085>H<U+007F>I<U+2028>J"));
    CHECK(contains(text, "A<U+001B>[31mB<U+0007>C<U+000D>D"));
    const std::string md = as::markdown(fixture.report);
    CHECK(raw_controls(md, "\n") == "");
    CHECK_FALSE(contains(md, "\nFORGED"));
    CHECK(contains(md, "D\\<U+000A\\>FORGED LINE\\<U+202E\\>E"));
    const std::string page = as::html(fixture.report);
    CHECK(raw_controls(page, "\n") == "");
    CHECK(contains(page, "D&lt;U+000A&gt;FORGED LINE&lt;U+202E&gt;E"));
    CHECK(tag_balance(page) == "");

    const std::string mail = as::email(fixture.report);
    CHECK(raw_controls(mail, "\r\n") == "");
    const std::string plain = part_body(mail, "text/plain; charset=UTF-8");
    CHECK(raw_controls(plain, "\r\n") == "");
    CHECK(plain == with_crlf(text));
    CHECK(raw_controls(part_body(mail, "text/html; charset=UTF-8"), "\r\n") == "");
    const std::string subject = decode_words(header_value(mail, "Subject"));
    CHECK(raw_controls(subject, "\r\n") == "");
    CHECK(contains(subject, "D<U+000A>FORGED LINE<U+202E>E"));
  }
}

TEST_CASE("JSON keeps the exact values; JUnit keeps them where XML 1.0 can and is still well-formed") {
  Fixture fixture;
  fixture.result.findings[0].subject_name = std::string(kHostile);
  const std::string json = as::json(fixture.report);
  CHECK(contains(json, "A\\u001b[31mB\\u0007C\\rD\\nFORGED LINE\u202E"));
  const std::string xml = as::junit(fixture.report);
  CHECK(tag_balance(xml) == "");
  CHECK(contains(xml, "A&lt;U+001B&gt;[31mB&lt;U+0007&gt;C&#13;D&#10;FORGED LINE\u202E"));  // an attribute
  CHECK(contains(xml, "A&lt;U+001B&gt;[31mB&lt;U+0007&gt;C\rD\nFORGED LINE\u202E"));        // text
  CHECK_FALSE(contains(xml, "\x1b"));
  CHECK_FALSE(contains(xml, "\x07"));
}

TEST_CASE("markdown: no inventory value becomes a link, an image, emphasis, HTML or a new cell") {
  Fixture fixture;
  fixture.review.compared = false;
  Finding& finding = fixture.result.findings[0];
  finding.subject_name = "[x](http://evil.example)";
  finding.message = {"![img](https://evil.example/a.png) <http://evil.example> www.evil.example a@evil.example",
                     "![img](https://evil.example/a.png) <http://evil.example> www.evil.example a@evil.example"};
  finding.message_redacted = finding.message;
  const std::string md = as::markdown(fixture.report);
  CHECK(contains(md, "| G1 (\\[x\\]\\(http\\://evil.example\\)) |"));
  CHECK(contains(md,
                 "| !\\[img\\]\\(https\\://evil.example/a.png\\) \\<http\\://evil.example\\> www\\.evil.example "
                 "a\\@evil.example |"));
  CHECK_FALSE(contains(md, "]("));
  CHECK_FALSE(contains(md, "http://"));
  CHECK_FALSE(contains(md, " <http"));
  CHECK_FALSE(contains(md, "www.evil"));
}

namespace {

// The fixture's first finding with who must act and its due date.
void add_responsible(Fixture& fixture, std::string name = "孙七") {
  Finding& finding = fixture.result.findings[0];
  finding.ids = Fields{{"group_id", "G1"}, {"responsible_id", "P009"}};
  if (!name.empty()) finding.details = Fields{{"responsible_name", name}};
  finding.due_on = "2026-11-26";
  finding.days_overdue = 1;
}

// The line of `text` that contains `part`.
std::string line_with(std::string_view text, std::string_view part) {
  const std::size_t at = text.find(part);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = text.rfind('\n', at) + 1;
  return std::string(text.substr(begin, text.find('\n', at) - begin));
}

}  // namespace

TEST_CASE("text: who must act and the due date on a line under the message, aligned with it") {
  Fixture fixture;
  add_responsible(fixture);
  fixture.result.findings[1].due_on = "2026-11-20";
  fixture.result.findings[1].days_overdue = 7;
  const std::string text = as::text(fixture.report);
  const std::string message_line = line_with(text, "Group G1 is 7 days overdue");
  const std::string action_line = line_with(text, "Who must act: ");
  CHECK(action_line.ends_with("Who must act: 孙七 (P009); due 2026-11-26 (1 day overdue)"));
  // The action line starts in the message's column.
  CHECK(action_line.find_first_not_of(' ') == message_line.find("Group G1"));
  // A finding with only a due date: that alone; one with neither: no line.
  CHECK(line_with(text, "Due 2026-11-20").ends_with("Due 2026-11-20 (7 days overdue)"));
  CHECK(line_with(text, "Zhang left") != "");
  CHECK_FALSE(contains(text.substr(text.find("Zhang left")), "Due"));
  CHECK(count(text, "Who must act") == 1);

  SUBCASE("only the id until the policy returns responsible_name") {
    Fixture id_only;
    add_responsible(id_only, "");
    CHECK(contains(as::text(id_only.report), "Who must act: P009; due 2026-11-26 (1 day overdue)\n"));
  }
  SUBCASE("Chinese") {
    Fixture zh(Lang::zh);
    add_responsible(zh);
    CHECK(contains(as::text(zh.report), "责任人：孙七（P009）；到期：2026-11-26（已逾期 1 天）\n"));
  }
  SUBCASE("--redact masks the name, not the id") {
    fixture.report.options.redact = true;
    const std::string redacted = as::text(fixture.report);
    CHECK(contains(redacted, "Who must act: 孙* (P009)"));
    CHECK_FALSE(contains(redacted, "孙七"));
  }
}

TEST_CASE("markdown and html: who must act and due in columns of their own where a rule's findings have them") {
  Fixture fixture;
  add_responsible(fixture);
  const std::string md = as::markdown(fixture.report);
  CHECK(contains(md, "| Subject | Message | Who must act | Due | Change |\n|---|---|---|---|---|\n"));
  CHECK(contains(md, " | 孙七 \\(P009\\) | 2026-11-26 \\(1 day overdue\\) | new |\n"));
  CHECK(contains(md,
                 "| G2 (Line\\<U+000D\\>\\<U+000A\\>Bcc: evil\\@example.com) | G2 overdue\\<U+0001\\> |   |   | "
                 "persisting |\n"));
  CHECK(contains(md,
                 "### [warning] member-departed — Departed member still in group (Art. 5)\n\n"
                 "| Subject | Message | Change |\n"));

  const std::string page = as::html(fixture.report);
  CHECK(contains(page, "<th>Subject</th><th>Message</th><th>Who must act</th><th>Due</th><th>Change</th>"));
  CHECK(contains(page,
                 "<td data-label=\"Who must act\"><span class=\"who\">孙七 (P009)</span></td><td "
                 "data-label=\"Due\"><span class=\"nw\">2026-11-26 "
                 "(1 day overdue)</span></td>"));
  CHECK(contains(page, "<td data-label=\"Who must act\"></td><td data-label=\"Due\"></td>"));
  CHECK(tag_balance(page) == "");

  Fixture zh(Lang::zh);
  add_responsible(zh);
  CHECK(contains(as::markdown(zh.report), "| 对象 | 说明 | 责任人 | 到期 | 变化 |"));
  CHECK(contains(as::markdown(zh.report), " | 孙七（P009） | 2026-11-26（已逾期 1 天） | 新增 |"));
  CHECK(contains(as::html(zh.report),
                 "<td data-label=\"责任人\"><span class=\"who\">孙七（P009）</span></td><td data-label=\"到期\"><span "
                 "class=\"nw\">2026-11-26（已逾期 1 天）</span></td>"));

  fixture.report.options.redact = true;
  CHECK(contains(as::markdown(fixture.report), " | 孙\\* \\(P009\\) | "));
  CHECK(
      contains(as::html(fixture.report), "<td data-label=\"Who must act\"><span class=\"who\">孙* (P009)</span></td>"));
  CHECK_FALSE(contains(as::markdown(fixture.report) + as::html(fixture.report), "孙七"));
}

// groups-text: the text, Markdown, CSV and JUnit reports rendered as the command line renders them
// rule by rule: each group into a spool as the rule is done (here past a tiny memory limit, so on
// disk, after another report's groups), the counts only complete for finish(), then finish().
TEST_CASE("groups-text: text, markdown, csv and junit rendered group by group through a spool on disk") {
  for (const Lang lang : {Lang::en, Lang::zh}) {
    Fixture fixture(lang);
    add_responsible(fixture);
    // Test cases follow rules_run, which need not be the report's order.
    fixture.result.rules_run = {"member-departed", "temporary-group-overdue"};
    for (const std::string_view name : {"text", "markdown", "csv", "junit"}) {
      CAPTURE(name);
      CAPTURE(static_cast<int>(lang));
      const Format& format = *parse_format(name);
      REQUIRE((format.group != nullptr));
      REQUIRE((format.finish != nullptr));
      Report report = fixture.report;
      Spool spool(16);
      spool.append(0, 0, "another report's groups");
      spool.append(0, 1, "another report's groups");
      bool first = true;
      // The groups' rules from a copy of the policy: a group's rule need not point into report.policy.
      const Policy copy = fixture.policy;
      const std::vector<RuleGroup> groups = groups_of(copy, fixture.result.findings);
      CHECK(groups.size() == 2);
      for (const RuleGroup& group : groups) {
        GroupSink sink(spool, 1);
        format.group(report, group, first, sink);
        sink.spill(true);
        report.tally.add(group);  // counted as the groups go by: incomplete while they are rendered
        first = false;
      }
      CHECK(spool.on_disk());
      std::string out;
      StringSink sink(out);
      format.finish(report, Spooled{spool, 1, 0}, sink);
      CHECK(out == render(fixture.report, format));
      CHECK_FALSE(contains(out, "another report"));
    }
  }
  // The order of the test cases is the order the rules ran in.
  Fixture fixture;
  fixture.result.rules_run = {"member-departed", "temporary-group-overdue"};
  fixture.report.fail_on = Severity::warning;
  const std::string xml = as::junit(fixture.report);
  CHECK(xml.find("name=\"member-departed G1/wx_zhang\"") < xml.find("name=\"member-departed G3/wx_li\""));
  CHECK(xml.find("name=\"member-departed G3/wx_li\"") < xml.find("name=\"temporary-group-overdue G1\""));
  CHECK(xml.find("type=\"warning\"") < xml.find("type=\"error\""));
}

TEST_CASE("groups-html: html and email rendered group by group into a spool on disk, then finished, equal render()") {
  // Two reports in one spool (as --split-by keeps them), their groups appended in turn: key 0 in
  // English, key 1 in Chinese with colour asked for (the e-mail's text half drops it).
  Fixture english;
  Fixture chinese(Lang::zh);
  chinese.report.options.color = true;
  std::vector<Report> reports{english.report, chinese.report};
  for (Report& report : reports) report.tally = tally_of(*report.policy, report.result->findings);
  for (std::string_view name : {"html", "email"}) {
    CAPTURE(name);
    const Format& format = *parse_format(name);
    Spool spool(16);
    const std::vector<RuleGroup> groups = group_by_rule(reports[0]);  // both reports hold the same findings
    REQUIRE(groups.size() == 2);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (std::size_t key = 0; key < reports.size(); ++key) {
        GroupSink sink(spool, key);
        format.group(reports[key], group_by_rule(reports[key])[g], g == 0, sink);
        sink.spill(true);
      }
    }
    CHECK(spool.on_disk());
    std::vector<std::string> finished(reports.size());
    for (std::size_t key = 0; key < reports.size(); ++key) {
      CAPTURE(key);
      StringSink sink(finished[key]);
      format.finish(reports[key], Spooled{spool, key, 0}, sink);
      CHECK(finished[key] == render(reports[key], format));
    }
    CHECK(finished[0] != finished[1]);
  }
}

namespace {

// The e-mail's body parts as they were encoded whole (before Base64LinesSink): line breaks made
// CRLF, base64, lines of 76 characters with CRLF after each.
std::string base64_lines_whole(std::string_view text) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string canonical;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) canonical += '\r';
    canonical += text[i];
  }
  std::string encoded;
  for (std::size_t i = 0; i < canonical.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(canonical[i]) << 16;
    if (i + 1 < canonical.size()) chunk |= static_cast<unsigned char>(canonical[i + 1]) << 8;
    if (i + 2 < canonical.size()) chunk |= static_cast<unsigned char>(canonical[i + 2]);
    encoded += kAlphabet[(chunk >> 18) & 0x3F];
    encoded += kAlphabet[(chunk >> 12) & 0x3F];
    encoded += i + 1 < canonical.size() ? kAlphabet[(chunk >> 6) & 0x3F] : '=';
    encoded += i + 2 < canonical.size() ? kAlphabet[chunk & 0x3F] : '=';
  }
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + "\r\n";
  return out;
}

}  // namespace

TEST_CASE("groups-html: Base64LinesSink writes what base64 of the whole text wrote, however the text is cut") {
  // Line feeds alone, after a carriage return, carriage returns alone, and bytes of every kind.
  std::string text;
  std::uint32_t seed = 99;
  constexpr std::string_view kBytes = "ab\n\r\xE7\xBE\xA4\x00\xFF";
  for (int i = 0; i < 200; ++i) {
    seed = seed * 1103515245u + 12345u;
    text += kBytes[(seed >> 16) % kBytes.size()];
  }
  text.replace(10, 4, "\r\n\n\r");
  const std::string_view all(text);
  for (std::size_t size = 0; size <= all.size(); ++size) {
    const std::string whole = base64_lines_whole(all.substr(0, size));
    for (std::size_t cut = 0; cut <= size; cut += size > 120 ? 7 : 1) {
      CAPTURE(size);
      CAPTURE(cut);
      std::string out;
      StringSink sink(out);
      formats::Base64LinesSink encoded(sink);
      encoded.write(all.substr(0, cut / 2));
      encoded.write(all.substr(cut / 2, cut - cut / 2));
      encoded.write({});
      encoded.write(all.substr(cut, size - cut));
      encoded.close();
      CHECK(out == whole);
    }
  }
  std::string out;
  StringSink sink(out);
  formats::Base64LinesSink encoded(sink);
  for (char c : all) encoded.write(std::string_view(&c, 1));
  encoded.close();
  CHECK(out == base64_lines_whole(all));
  CHECK(base64_lines_whole("") == "");
}
