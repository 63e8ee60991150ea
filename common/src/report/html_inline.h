#pragma once
// The HTML report as the e-mail carries it: the same page with the look of its stylesheet also set
// in style="…" attributes, for mail clients that ignore <style> (and CSS variables). Internal to
// the library.
#include <string>
#include <string_view>

#include "report/spool.h"

namespace chataudit::formats {

/// The inline style for an element of the HTML report, by tag name and class attribute ("badge
/// error", "group warning", "n", …); empty when the element needs none. Colours are literal.
std::string_view inline_style(std::string_view tag, std::string_view classes);

/// Writes the HTML it is given to `out` with style="…" added to every start tag inline_style()
/// styles and that has no style attribute yet. The bytes do not depend on how the page was cut
/// between write() calls; close() writes what is held back (an unfinished tag), once, at the end.
class InlineStyleSink : public ByteSink {
 public:
  explicit InlineStyleSink(ByteSink& out) : out_(out) {}
  void write(std::string_view bytes) override;
  void close();

 private:
  void tag(std::string_view text);
  ByteSink& out_;
  std::string pending_;  ///< a start of a tag ('<' …) not yet closed by '>'
  std::string buffer_;   ///< to write to out_
};

/// `html` (a whole page) through InlineStyleSink.
std::string with_inline_styles(std::string_view html);

}  // namespace chataudit::formats
