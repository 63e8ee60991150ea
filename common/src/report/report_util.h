#pragma once
// Small pieces several renderers share. Internal to the library.
#include <array>
#include <string>
#include <string_view>

#include <span>
#include <vector>

#include "policy/policy.h"
#include "report/report.h"

namespace chataudit::formats {

/// The rule that made `rule_id`'s findings (the engine only makes findings of the policy's rules).
const Rule& rule_of(const Report& report, std::string_view rule_id);

/// The text in the report's language.
inline std::string_view tr(Lang lang, std::string_view zh, std::string_view en) { return lang == Lang::zh ? zh : en; }

/// `text` in parentheses: full-width in Chinese, " (…)" in English.
std::string paren(Lang lang, std::string_view text);

/// A finding's `change` ("new", "persisting") in the report's language.
std::string change_label(Lang lang, std::string_view change);

/// Whether SPEC §2 keeps `code_point` from reaching a reader raw: C0 and C1 controls, DEL, the
/// Arabic letter mark (U+061C), the bidirectional marks, embeddings, overrides and isolates
/// (U+200E–200F, U+202A–202E, U+2066–2069), the line and paragraph separators (U+2028–2029) and
/// U+FEFF. Each can forge a line, hide text or reorder what a reader sees.
constexpr bool hidden_control(char32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F) || code_point == 0x061C ||
         code_point == 0x200E || code_point == 0x200F || (code_point >= 0x2028 && code_point <= 0x202E) ||
         (code_point >= 0x2066 && code_point <= 0x2069) || code_point == 0xFEFF;
}

/// `<U+XXXX>`: how a hidden_control() character is shown (upper-case hex, at least four digits).
std::string control_name(char32_t code_point);

/// `text` as a person may read it: every hidden_control() character written as control_name(), each
/// byte of invalid UTF-8 as U+FFFD; all else (CJK included) unchanged. The text report, Markdown,
/// HTML (through escape_markup) and e-mail show every value through it.
std::string visible_controls(std::string_view text);

/// The columns of a rule's table in Markdown and HTML: subject and message always; who must act
/// and the due date where any of the rule's findings has them; the change with a baseline.
struct FindingColumns {
  std::vector<std::string_view> labels;
  bool responsible = false, due = false;
};
FindingColumns finding_columns(const Report& report, const FindingList& findings, bool compared);

/// Where escaped text goes: the rules for control characters differ.
enum class Markup {
  html,           ///< HTML text or attribute: every hidden_control() (line breaks too) shown as `<U+XXXX>`
  xml_text,       ///< XML 1.0 text: tab and line breaks kept, other C0 controls shown as `<U+XXXX>`
  xml_attribute,  ///< XML 1.0 attribute: tab and line breaks as character references, as xml_text else
};

/// Escapes & < > " ' and makes `text` safe for `markup`: invalid UTF-8 becomes U+FFFD, U+FFFE and
/// U+FFFF are dropped, so that no inventory value can break the document. XML 1.0 cannot hold C0
/// controls even as references, so JUnit shows them as `<U+XXXX>` too (escaped, as text).
std::string escape_markup(std::string_view text, Markup markup);

}  // namespace chataudit::formats
