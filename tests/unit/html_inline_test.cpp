// The e-mail's HTML part with inline styles (report/html_inline.h): the look of the stylesheet in
// style attributes, for mail clients that ignore <style> and CSS variables.
#include "report/html_inline.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

using namespace chataudit;
using namespace chataudit::formats;

namespace {

// The page through InlineStyleSink, written in pieces of `piece` bytes.
std::string in_pieces(std::string_view html, std::size_t piece) {
  std::string out;
  StringSink sink(out);
  InlineStyleSink styled(sink);
  for (std::size_t at = 0; at < html.size(); at += piece) styled.write(html.substr(at, piece));
  styled.close();
  return out;
}

}  // namespace

TEST_CASE("inline styles: each severity's badge gets its colour as a background under white text") {
  CHECK(with_inline_styles("<span class=\"badge error\">错误</span>") ==
        "<span class=\"badge error\" style=\"display:inline-block;padding:0 6px;border-radius:4px;font-size:.85em;"
        "font-weight:600;color:#ffffff;background-color:#b3261e\">错误</span>");
  for (std::string_view severity : {"error", "warning", "notice"}) {
    const std::string_view style = inline_style("span", "badge " + std::string(severity));
    CAPTURE(severity);
    CHECK(style.find("color:#ffffff") != std::string_view::npos);
    CHECK(style.find("background-color:#") != std::string_view::npos);
    CHECK(style.find("background-color:#fff") == std::string_view::npos);
    CHECK(style.find("var(") == std::string_view::npos);
  }
  CHECK(inline_style("div", "group warning").ends_with("border-left:4px solid #8a5300"));
}

TEST_CASE("inline styles: tables, cells and values that must not break; nothing else touched") {
  CHECK(with_inline_styles("<td data-label=\"Due\"><span class=\"nw\">2026-11-26</span></td>") ==
        "<td data-label=\"Due\" style=\"border:1px solid #d0d7de;padding:5px 8px;vertical-align:top;text-align:left\">"
        "<span class=\"nw\" style=\"white-space:nowrap\">2026-11-26</span></td>");
  CHECK(with_inline_styles("<td class=\"n\">3</td>").find("text-align:right") != std::string::npos);
  CHECK(with_inline_styles("<th scope=\"row\">x</th>").find("background-color:#f6f8fa") != std::string::npos);
  // The doctype, end tags, unknown classes, elements already styled and the stylesheet stay as they are.
  for (std::string_view same : {"<!DOCTYPE html>\n", "</td></tr>", "<span class=\"other\">x</span>",
                                "<section class=\"severity error\">", "<td style=\"color:red\">x</td>",
                                "<style>td > p { color: #000; }</style>", "<meta charset=\"utf-8\"/>", "a &lt; b"})
    CHECK(with_inline_styles(same) == same);
  CHECK(with_inline_styles("<time datetime=\"2026-11-27\">2026-11-27</time>") ==
        "<time datetime=\"2026-11-27\" style=\"white-space:nowrap\">2026-11-27</time>");
}

TEST_CASE("inline styles: the bytes do not depend on how the page is cut") {
  const std::string page =
      "<!DOCTYPE html>\n<html><head><style>.badge { color: #fff; }</style></head><body>\n<h2>错误（1）</h2>\n"
      "<div class=\"group error\">\n<h3><span class=\"badge error\">错误</span> <code>r</code></h3>\n"
      "<table class=\"stack\"><thead><tr><th>对象</th></tr></thead><tbody>\n<tr><td data-label=\"对象\">x</td></tr>\n"
      "</tbody></table>\n<p class=\"remedy\"><strong>整改：</strong>y</p>\n</div>\n<footer><p>z</p></footer>\n"
      "</body>\n</html>\n";
  const std::string whole = with_inline_styles(page);
  CHECK(whole.find("<body style=\"") != std::string::npos);
  CHECK(whole.find("<p class=\"remedy\" style=\"") != std::string::npos);
  for (std::size_t piece : {1, 2, 3, 7, 64}) {
    CAPTURE(piece);
    CHECK(in_pieces(page, piece) == whole);
  }
  // An unfinished tag at the end is written as it came.
  CHECK(with_inline_styles("x <td") == "x <td");
}
