#include "report/report_util.h"

#include <fmt/format.h>

#include <utf8proc.h>
#include <algorithm>
#include <cassert>

namespace chataudit::formats {

const Rule& rule_of(const Report& report, std::string_view rule_id) {
  const Rule* rule = report.policy->find_rule(rule_id);
  assert(rule && "a finding names a rule of the report's policy");
  return *rule;
}

std::string paren(Lang lang, std::string_view text) {
  return lang == Lang::zh ? fmt::format("（{}）", text) : fmt::format(" ({})", text);
}

std::string change_label(Lang lang, std::string_view change) {
  if (change == "new") return std::string(tr(lang, "新增", "new"));
  if (change == "persisting") return std::string(tr(lang, "持续", "persisting"));
  if (change == "reminder") return std::string(tr(lang, "提醒", "reminder"));
  if (change == "reassigned") return std::string(tr(lang, "转交", "reassigned"));
  return std::string(change);
}

FindingColumns finding_columns(const Report& report, const FindingList& findings, bool compared) {
  const Lang lang = report.lang;
  FindingColumns columns;
  for (const Finding& finding : findings) {
    columns.responsible = columns.responsible || !shown_responsible(report, finding).empty();
    columns.due = columns.due || !finding.due_on.empty();
    if (columns.responsible && columns.due) break;
  }
  columns.labels = {tr(lang, "对象", "Subject"), tr(lang, "说明", "Message")};
  if (columns.responsible) columns.labels.push_back(tr(lang, "责任人", "Who must act"));
  if (columns.due) columns.labels.push_back(tr(lang, "到期", "Due"));
  if (compared) columns.labels.push_back(tr(lang, "变化", "Change"));
  return columns;
}

std::string control_name(char32_t code_point) {
  return fmt::format("<U+{:04X}>", static_cast<std::uint32_t>(code_point));
}

std::string visible_controls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  std::size_t kept = 0;  // text[kept, i) is copied as it is
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F) {  // printable ASCII, the common case: nothing to decode
      ++i;
      continue;
    }
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length =
        utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &code_point);
    if (length > 0 && !hidden_control(static_cast<char32_t>(code_point))) {
      i += static_cast<std::size_t>(length);
      continue;
    }
    out.append(text.substr(kept, i - kept));
    out += length > 0 ? control_name(static_cast<char32_t>(code_point)) : "\xEF\xBF\xBD";
    i += length > 0 ? static_cast<std::size_t>(length) : 1;
    kept = i;
  }
  out.append(text.substr(kept));
  return out;
}

std::string escape_markup(std::string_view text, Markup markup) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length =
        utf8proc_iterate(bytes + i, static_cast<utf8proc_ssize_t>(text.size() - i), &code_point);
    if (length <= 0) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    i += static_cast<std::size_t>(length);
    switch (code_point) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\'':
        out += "&#39;";
        continue;
      case 0xFFFE:
      case 0xFFFF:
        continue;
      default:
        break;
    }
    const bool c0 = code_point < 0x20;
    const bool line_or_tab = code_point == '\t' || code_point == '\n' || code_point == '\r';
    if (markup == Markup::html ? hidden_control(static_cast<char32_t>(code_point)) : c0 && !line_or_tab) {
      // Shown, never hidden or obeyed; and XML 1.0 has no way to write a C0 control at all.
      const std::string name = control_name(static_cast<char32_t>(code_point));
      out += "&lt;" + name.substr(1, name.size() - 2) + "&gt;";
    } else if (c0 && markup == Markup::xml_attribute) {
      out += fmt::format("&#{};", code_point);
    } else {
      out.append(text.data() + i - static_cast<std::size_t>(length), static_cast<std::size_t>(length));
    }
  }
  return out;
}

}  // namespace chataudit::formats
