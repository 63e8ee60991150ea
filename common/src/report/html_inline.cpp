// The e-mail's HTML part with inline styles: what the stylesheet of report_html.cpp says, for the
// elements the report writes, as style="…" attributes with literal colours (no CSS variables), so
// a mail client that drops <style> still shows the badges coloured, the tables ruled and the
// remedies shaded. The stylesheet stays in the page for the clients that read it.
#include "report/html_inline.h"

#include <array>

namespace chataudit::formats {

namespace {

struct Styled {
  std::string_view tag, classes, style;
};

// The colours are those of the stylesheet: error #b3261e, warning #8a5300, notice #1a5fb4, white
// text on each (contrast above 4.5:1).
constexpr std::array kStyles{
    Styled{
        "body", "",
        "margin:0;padding:16px;color:#1f2328;background-color:#ffffff;line-height:1.5;"
        "font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif"},
    Styled{"h1", "", "font-size:24px;margin:0 0 4px"},
    Styled{"h2", "", "font-size:20px;margin:32px 0 8px;padding-bottom:4px;border-bottom:1px solid #d0d7de"},
    Styled{"h3", "", "font-size:17px;margin:0 0 4px"},
    Styled{"p", "meta", "margin:4px 0;color:#57606a"},
    Styled{"p", "meta scope", "margin:4px 0;color:#57606a"},
    Styled{"p", "article", "margin:4px 0;color:#57606a"},
    Styled{"p", "remedy", "margin:4px 0;padding:6px 10px;border-radius:4px;background-color:#f6f8fa"},
    Styled{"p", "clean", "font-size:18px"},
    Styled{"table", "stack", "border-collapse:collapse;width:100%;margin:8px 0"},
    Styled{"table", "counts", "border-collapse:collapse;margin:8px 0"},
    Styled{"th", "",
           "border:1px solid #d0d7de;padding:5px 8px;vertical-align:top;text-align:left;background-color:#f6f8fa"},
    Styled{"td", "", "border:1px solid #d0d7de;padding:5px 8px;vertical-align:top;text-align:left"},
    Styled{"td", "n", "border:1px solid #d0d7de;padding:5px 8px;vertical-align:top;text-align:right"},
    Styled{"span", "badge error",
           "display:inline-block;padding:0 6px;border-radius:4px;font-size:.85em;font-weight:600;"
           "color:#ffffff;background-color:#b3261e"},
    Styled{"span", "badge warning",
           "display:inline-block;padding:0 6px;border-radius:4px;font-size:.85em;font-weight:600;"
           "color:#ffffff;background-color:#8a5300"},
    Styled{"span", "badge notice",
           "display:inline-block;padding:0 6px;border-radius:4px;font-size:.85em;font-weight:600;"
           "color:#ffffff;background-color:#1a5fb4"},
    Styled{"span", "nw", "white-space:nowrap"},
    Styled{"span", "who", "white-space:nowrap"},
    Styled{"time", "", "white-space:nowrap"},
    Styled{"div", "group error", "margin:16px 0 24px;padding-left:12px;border-left:4px solid #b3261e"},
    Styled{"div", "group warning", "margin:16px 0 24px;padding-left:12px;border-left:4px solid #8a5300"},
    Styled{"div", "group notice", "margin:16px 0 24px;padding-left:12px;border-left:4px solid #1a5fb4"},
    Styled{"code", "", "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em"},
    Styled{"footer", "", "margin-top:32px;padding-top:8px;border-top:1px solid #d0d7de;color:#57606a"},
};

// The value of attribute `name` in the start tag `text`, or empty.
std::string_view attribute(std::string_view text, std::string_view name) {
  const std::string key = " " + std::string(name) + "=\"";
  const std::size_t begin = text.find(key);
  if (begin == std::string_view::npos) return {};
  const std::size_t value = begin + key.size();
  const std::size_t end = text.find('"', value);
  return end == std::string_view::npos ? std::string_view{} : text.substr(value, end - value);
}

}  // namespace

std::string_view inline_style(std::string_view tag, std::string_view classes) {
  for (const Styled& styled : kStyles)
    if (styled.tag == tag && styled.classes == classes) return styled.style;
  return {};
}

void InlineStyleSink::tag(std::string_view text) {
  // text is "<…>": a start tag, an end tag, a comment or the doctype.
  std::size_t name_end = 1;
  while (name_end < text.size() && text[name_end] != ' ' && text[name_end] != '>' && text[name_end] != '/') ++name_end;
  const std::string_view name = text.substr(1, name_end - 1);
  const std::string_view style = name.empty() || text.find(" style=\"") != std::string_view::npos
                                     ? std::string_view{}
                                     : inline_style(name, attribute(text, "class"));
  if (style.empty()) {
    buffer_ += text;
    return;
  }
  const std::size_t close = text.ends_with("/>") ? text.size() - 2 : text.size() - 1;
  buffer_ += text.substr(0, close);
  buffer_ += " style=\"";
  buffer_ += style;
  buffer_ += '"';
  buffer_ += text.substr(close);
}

void InlineStyleSink::write(std::string_view bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (!pending_.empty()) {
      const std::size_t end = bytes.find('>', at);
      if (end == std::string_view::npos) {
        pending_ += bytes.substr(at);
        break;
      }
      pending_ += bytes.substr(at, end + 1 - at);
      tag(pending_);
      pending_.clear();
      at = end + 1;
      continue;
    }
    const std::size_t open = bytes.find('<', at);
    buffer_ += bytes.substr(at, open == std::string_view::npos ? std::string_view::npos : open - at);
    if (open == std::string_view::npos) break;
    pending_ = "<";
    at = open + 1;
  }
  if (buffer_.size() >= 16384) {
    out_.write(buffer_);
    buffer_.clear();
  }
}

void InlineStyleSink::close() {
  buffer_ += pending_;
  pending_.clear();
  out_.write(buffer_);
  buffer_.clear();
}

std::string with_inline_styles(std::string_view html) {
  std::string out;
  StringSink sink(out);
  InlineStyleSink styled(sink);
  styled.write(html);
  styled.close();
  return out;
}

}  // namespace chataudit::formats
