// The workbook report's pieces (report/xlsx_book.h): cell text, the spooled row records, the columns'
// widths; and the workbook and its e-mail attachment as bytes. What the workbook holds, cell by
// cell, is checked with openpyxl (tests/xlsx_check.py).
#include "report/xlsx_book.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "load/sheet_rows.h"
#include "load/workbook.h"
#include "report/base64_sink.h"
#include "report/format_table.h"
#include "report/report.h"
#include "report/report_formats.h"

using namespace chataudit;
using namespace chataudit::formats;

namespace {

// A report of one error finding with a due date, and one waived warning.
struct Fixture {
  Policy policy;
  InventorySummary inventory;
  RunResult result;
  Review review;
  Report report;

  Fixture() {
    policy.id = "test-policy";
    policy.digest = "feedface";
    Rule rule;
    rule.id = "temporary-group-overdue";
    rule.tool = "stale-group-finder";
    rule.title = {"临时群逾期未解散", "Temporary group not dissolved"};
    policy.rules.push_back(rule);
    inventory.source = "samples/test";
    inventory.tables["groups"] = LoadedTable{"groups.csv", "abc", 3, 3};
    result.rules_run = {"temporary-group-overdue"};
    Finding finding;
    finding.rule = rule.id;
    finding.subject_kind = "group";
    finding.subject_id = "0012";
    finding.subject_name = "九三学社临时群";
    finding.message = {"群 0012 已逾期 7 天", "Group 0012 is 7 days overdue"};
    finding.message_redacted = finding.message;
    finding.due_on = "2026-11-20";
    finding.days_overdue = 7;
    finding.fingerprint = "0123456789abcdef";
    result.findings.push_back(finding);
    report.tool = "stale-group-finder";
    report.version = "0.1.0";
    report.as_of = Date(2026, 11, 27);
    report.policy = &policy;
    report.inventory = &inventory;
    report.result = &result;
    report.review = &review;
    report.options.mail_to = {"audit@example.org"};
  }
};

std::string render_xlsx(const Report& report) { return render(report, *parse_format("xlsx")); }

// The rows of sheet `name` of workbook `bytes` as the inventory loader reads them: each cell's text
// (a date cell as YYYY-MM-DD, a number in decimal), "" for no cell.
std::vector<std::vector<std::string>> sheet_rows(const std::string& bytes, const std::string& name) {
  loading::Workbook book(bytes, "report.xlsx");
  book.read_cell_context();
  const loading::SheetInfo* sheet = book.find_sheet(name);
  REQUIRE(sheet != nullptr);
  loading::SheetHandler handler(book, sheet->name);
  loading::XmlStream(book.parts(), sheet->part, handler).run();
  std::vector<std::vector<std::string>> rows;
  for (const loading::SheetRow& row : handler.rows) {
    rows.resize(static_cast<std::size_t>(row.number));
    rows.back() = row.cells;
  }
  return rows;
}

// The rows of the summary sheet from the one whose first cell is `label` on, up to the next blank row.
std::vector<std::vector<std::string>> section(const std::vector<std::vector<std::string>>& rows,
                                              std::string_view label) {
  std::vector<std::vector<std::string>> out;
  for (const auto& row : rows) {
    if (out.empty() && (row.empty() || row.front() != label)) continue;
    if (row.empty()) break;
    out.push_back(row);
  }
  return out;
}

}  // namespace

TEST_CASE("xlsx: cell text shows controls, drops what XML cannot hold, keeps Excel's length") {
  CHECK(cell_text("a\x01"
                  "b") == "a<U+0001>b");
  CHECK(cell_text("a\nb") == "a<U+000A>b");
  CHECK(cell_text("x\xEF\xBF\xBEy") == "xy");  // U+FFFE
  CHECK(cell_text("bad \xFF") == "bad \xEF\xBF\xBD");
  CHECK(cell_text("九三学社") == "九三学社");
  const std::string long_text(40000, 'a');
  const std::string cut = cell_text(long_text);
  CHECK(cut.size() == 32766 + std::string("…").size());
  CHECK(cut.ends_with("…"));
  CHECK(cell_text(std::string(32767, 'a')).size() == 32767);  // at the limit: whole
}

TEST_CASE("xlsx: row records read back whole however the bytes are cut") {
  std::vector<Row> rows = {
      {Cell::text("错误", CellStyle::error), Cell::text("G1"), Cell::date("2026-11-20"), Cell::number(-3)},
      {Cell::text(std::string(300, 'x')), Cell::text(""), Cell::number(0)},
      {},
  };
  std::string bytes;
  for (const Row& row : rows) append_row_record(bytes, row);
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, bytes.size()}) {
    std::vector<Row> read;
    RowRecordReader reader([&](const Row& row) { read.push_back(row); });
    for (std::size_t at = 0; at < bytes.size(); at += piece) reader.feed(std::string_view(bytes).substr(at, piece));
    CHECK(reader.done());
    REQUIRE(read.size() == rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      REQUIRE(read[r].size() == rows[r].size());
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        CHECK(read[r][c].kind == rows[r][c].kind);
        CHECK(read[r][c].style == rows[r][c].style);
        CHECK(read[r][c].value == rows[r][c].value);
      }
    }
  }
}

TEST_CASE("xlsx: a column is as wide as its widest cell, a CJK character counting 2, within bounds") {
  ColumnWidths widths;
  widths.add({Cell::text("Rule"), Cell::text("九三学社临时群"), Cell::date("2026-11-20"), Cell::number(12345)});
  widths.add({Cell::text("a"), Cell::text(std::string(200, 'x'))});
  CHECK(widths.count() == 4);
  CHECK(widths.width(0) == 7);   // "Rule" (4) + 3
  CHECK(widths.width(1) == 60);  // capped
  CHECK(widths.width(2) == 13);  // a date shown as YYYY-MM-DD
  CHECK(widths.width(3) == 8);   // five digits
  ColumnWidths chinese;
  chinese.add({Cell::text("九三学社")});
  CHECK(chinese.width(0) == 11);  // 4 characters, 8 columns
  CHECK(chinese.width(7) == 6);   // no cell: the least
}

TEST_CASE("xlsx: a zip, the same bytes for the same report; the creation time is the as-of date or SOURCE_DATE_EPOCH") {
  Fixture fixture;
  const std::string first = render_xlsx(fixture.report);
  CHECK(first.starts_with("PK\x03\x04"));
  CHECK(render_xlsx(fixture.report) == first);
  Report later = fixture.report;
  later.as_of = Date(2026, 11, 28);
  CHECK(render_xlsx(later) != first);
  Report epoch = fixture.report;
  epoch.options.source_date_epoch = 1795752000;
  CHECK(render_xlsx(epoch) != first);
  Report zh = fixture.report;
  zh.lang = Lang::zh;
  CHECK(render_xlsx(zh) != first);
}

TEST_CASE("xlsx: the e-mail report attaches the workbook with --attach xlsx, and only then") {
  Fixture fixture;
  const std::string plain = render(fixture.report, *parse_format("email"));
  CHECK(plain.find("multipart/alternative") != std::string::npos);
  CHECK(plain.find("multipart/mixed") == std::string::npos);
  Report attaching = fixture.report;
  attaching.options.attach_xlsx = true;
  const std::string mail = render(attaching, *parse_format("email"));
  CHECK(mail.find("Content-Type: multipart/mixed;\r\n boundary=\"=_chataudit_mixed_") != std::string::npos);
  CHECK(mail.find("Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; "
                  "name=\"stale-group-finder-2026-11-27.xlsx\"\r\n") != std::string::npos);
  CHECK(mail.find("Content-Disposition: attachment; filename=\"stale-group-finder-2026-11-27.xlsx\"\r\n") !=
        std::string::npos);
  CHECK(mail.find("UEsDB") != std::string::npos);  // "PK\x03\x04" in base64: the workbook
  CHECK(render(attaching, *parse_format("email")) == mail);
}

TEST_CASE("xlsx: an attachment's base64 keeps its bytes; a text part's line breaks become CRLF") {
  std::string binary, text;
  StringSink binary_out(binary), text_out(text);
  Base64LinesSink attachment(binary_out, /*binary=*/true), part(text_out);
  attachment.write("a\nb");
  part.write("a\nb");
  attachment.close();
  part.close();
  CHECK(binary == "YQpi\r\n");    // "a\nb"
  CHECK(text == "YQ0KYg==\r\n");  // "a\r\nb"
}

TEST_CASE("xlsx: rendered group by group through a spool on disk, the workbook is what render() gives") {
  Fixture fixture;
  for (int i = 0; i < 600; ++i) {
    Finding finding = fixture.result.findings.front();
    finding.subject_id = "G" + std::to_string(1000 + i);
    fixture.result.findings.push_back(finding);
  }
  const Format& format = *parse_format("xlsx");
  Report report = fixture.report;
  Spool spool(16);
  bool first = true;
  for (const RuleGroup& group : group_by_rule(report)) {
    GroupSink sink(spool, 0);
    format.group(report, group, first, sink);  // spills every 256 findings on the way
    sink.spill(true);
    report.tally.add(group);
    first = false;
  }
  CHECK(spool.on_disk());
  std::string out;
  StringSink sink(out);
  format.finish(report, Spooled{spool, 0, 0}, sink);
  CHECK(out == render_xlsx(fixture.report));
}

TEST_CASE(
    "xlsx: the summary sheet shows the trend under its heading, dates and numbers; nothing without an earlier run") {
  Fixture fixture;
  using Rows = std::vector<std::vector<std::string>>;
  fixture.report.trend = {{"2026-11-27", {1, 0, 0}}};  // this run only: no trend
  CHECK(section(sheet_rows(render_xlsx(fixture.report), "summary"), "Trend").empty());
  fixture.report.trend = {{"2026-11-13", {1200, 3, 1}}, {"2026-11-20", {4, 0, 2}}, {"2026-11-27", {1, 0, 0}}};
  CHECK(section(sheet_rows(render_xlsx(fixture.report), "summary"), "Trend") ==
        Rows{{"Trend"},
             {"As of", "error", "warning", "notice", "Total"},
             {"2026-11-13", "1200", "3", "1", "1204"},
             {"2026-11-20", "4", "0", "2", "6"},
             {"2026-11-27", "1", "0", "0", "1"}});
  fixture.report.lang = Lang::zh;
  const Rows zh = section(sheet_rows(render_xlsx(fixture.report), "摘要"), "趋势");
  REQUIRE(zh.size() == 5);
  CHECK(zh[1] == std::vector<std::string>{"检查日期", "错误", "警告", "提示", "合计"});
  CHECK(zh[4] == std::vector<std::string>{"2026-11-27", "1", "0", "0", "1"});
}

TEST_CASE("xlsx: a waiver's date reads as in Markdown and HTML: it expires at the start of that day") {
  Fixture fixture;
  Finding waived = fixture.result.findings.front();
  waived.subject_id = "G2";
  Waiver waiver;
  waiver.rule = waived.rule;
  waiver.subject = "G2";
  waiver.reason = "pending";
  waiver.approved_by = "P1";
  waiver.expires = Date(2027, 1, 1);
  fixture.review.waived.push_back({waived, waiver});
  fixture.review.waivers_unused.push_back(waiver);
  const std::string bytes = render_xlsx(fixture.report);
  const auto header = sheet_rows(bytes, "waived").front();
  CHECK(std::vector<std::string>(header.end() - 4, header.end()) ==
        std::vector<std::string>{"Reason", "Approved by", "Expires on", "Fingerprint"});
  CHECK(sheet_rows(bytes, "waived")[1][12] == "2027-01-01");
  CHECK(section(sheet_rows(bytes, "summary"), "Unused waivers").front() ==
        std::vector<std::string>{"Unused waivers", "Subject", "Expires on", "Reason"});
}
