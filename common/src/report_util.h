#pragma once
// Small pieces several renderers share. Internal to the library.
#include <string>
#include <string_view>

#include "chataudit/policy.h"

namespace chataudit::formats {

/// The text in the report's language.
inline std::string_view tr(Lang lang, std::string_view zh, std::string_view en) { return lang == Lang::zh ? zh : en; }

/// `text` in parentheses: full-width in Chinese, " (…)" in English.
std::string paren(Lang lang, std::string_view text);

/// A finding's `change` ("new", "persisting") in the report's language.
std::string change_label(Lang lang, std::string_view change);

/// Where escaped text goes: the rules for control characters differ.
enum class Markup {
  html,           ///< HTML text or attribute: every control character (line breaks too) becomes a space
  xml_text,       ///< XML 1.0 text: tab and line breaks kept, other controls dropped
  xml_attribute,  ///< XML 1.0 attribute: tab and line breaks as character references
};

/// Escapes & < > " ' and makes `text` safe for `markup`: invalid UTF-8 becomes U+FFFD, U+FFFE and
/// U+FFFF are dropped, so that no inventory value can break the document.
std::string escape_markup(std::string_view text, Markup markup);

}  // namespace chataudit::formats
