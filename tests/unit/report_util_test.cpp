// visible_controls() and escape_markup(): how the human-readable reports show the characters SPEC §2
// keeps from reaching a reader raw.
#include "report/report_util.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>

#include "test_support.h"

using namespace chataudit;
using chataudit::testing::utf8;
using formats::escape_markup;
using formats::hidden_control;
using formats::Markup;
using formats::visible_controls;

namespace {

// SPEC §2's list, range by range.
constexpr std::pair<char32_t, char32_t> kHidden[] = {{0x0000, 0x001F}, {0x007F, 0x007F}, {0x0080, 0x009F},
                                                     {0x061C, 0x061C}, {0x200E, 0x200F}, {0x202A, 0x202E},
                                                     {0x2066, 0x2069}, {0x2028, 0x2029}, {0xFEFF, 0xFEFF}};
// The code points just outside each range.
constexpr char32_t kJustOutside[] = {0x0020, 0x007E, 0x00A0, 0x061B, 0x061D, 0x200D, 0x2010,
                                     0x2027, 0x202F, 0x2065, 0x206A, 0xFEFE, 0xFF00};

}  // namespace

TEST_CASE("visible_controls shows each listed code point as <U+XXXX>, alone and inside text") {
  for (const auto& [first, last] : kHidden) {
    for (char32_t code_point = first; code_point <= last; ++code_point) {
      const std::string name = fmt::format("<U+{:04X}>", static_cast<std::uint32_t>(code_point));
      CAPTURE(name);
      CHECK(hidden_control(code_point));
      CHECK(visible_controls(utf8(code_point)) == name);
      CHECK(visible_controls("群" + utf8(code_point) + "x") == "群" + name + "x");
    }
  }
  CHECK(visible_controls("\x1b[31mred\x07") == "<U+001B>[31mred<U+0007>");
  CHECK(visible_controls("a\r\nb\tc") == "a<U+000D><U+000A>b<U+0009>c");
  CHECK(visible_controls("\u202Egnp.exe") == "<U+202E>gnp.exe");
  CHECK(visible_controls(std::string_view("a\0b", 3)) == "a<U+0000>b");
}

TEST_CASE("visible_controls keeps the code points just outside each range, CJK and emoji as they are") {
  for (char32_t code_point : kJustOutside) {
    CAPTURE(static_cast<std::uint32_t>(code_point));
    CHECK_FALSE(hidden_control(code_point));
    CHECK(visible_controls(utf8(code_point)) == utf8(code_point));
  }
  for (std::string_view text :
       {"九三学社中央宣传工作专班群", "（全角）、「引号」", "王五 (P009)", "😀 𠀀", "plain ASCII ~!@#"})
    CHECK(visible_controls(text) == text);
  CHECK(visible_controls("") == "");
}

TEST_CASE("visible_controls does not crash on invalid UTF-8: each bad byte becomes U+FFFD") {
  CHECK(visible_controls("a\xFF"
                         "b") ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(visible_controls("\xE4\xB8") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // cut short
  CHECK(visible_controls("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");          // overlong '/'
  CHECK(visible_controls("\xED\xA0\x80").find("\xED") == std::string::npos);  // a surrogate
  CHECK(visible_controls("\xC2") == "\xEF\xBF\xBD");                          // a C1 lead byte alone
}

TEST_CASE("escape_markup: HTML shows every listed code point; XML shows only what XML 1.0 cannot hold") {
  CHECK(escape_markup("a\x1b"
                      "b\u202E\n",
                      Markup::html) == "a&lt;U+001B&gt;b&lt;U+202E&gt;&lt;U+000A&gt;");
  CHECK(escape_markup("<U+0001>", Markup::html) == "&lt;U+0001&gt;");
  for (const auto& [first, last] : kHidden)
    for (char32_t code_point = first; code_point <= last; ++code_point)
      CHECK(escape_markup(utf8(code_point), Markup::html) ==
            fmt::format("&lt;U+{:04X}&gt;", static_cast<std::uint32_t>(code_point)));
  // JUnit keeps the values as they are where XML can: line breaks, tab, DEL, C1, bidi marks.
  CHECK(escape_markup("a\x1b"
                      "b\x07\n\t\x7f\u0085\u202E",
                      Markup::xml_text) == "a&lt;U+001B&gt;b&lt;U+0007&gt;\n\t\x7f\u0085\u202E");
  CHECK(escape_markup("a\x1b\r\n", Markup::xml_attribute) == "a&lt;U+001B&gt;&#13;&#10;");
}
