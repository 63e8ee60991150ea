// The e-mail report: an RFC 5322 message for `sendmail -t`, the text report and the HTML report
// as the two halves of a multipart/alternative body. The same inputs give the same bytes.
#include <fmt/format.h>

#include <algorithm>

#include "base/text.h"
#include "report/report_formats.h"
#include "report/report_util.h"

namespace chataudit::formats {

namespace {

constexpr std::string_view kCrlf = "\r\n";

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t chunk = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) chunk |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(chunk >> 18) & 0x3F];
    out += kAlphabet[(chunk >> 12) & 0x3F];
    out += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 0x3F] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[chunk & 0x3F] : '=';
  }
  return out;
}

// A text body part in base64: line breaks first made CRLF (the canonical form of text, RFC 2046),
// then lines of 76 characters (RFC 2045), CRLF after each.
std::string base64_lines(std::string_view text) {
  std::string canonical;
  canonical.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) canonical += '\r';
    canonical += text[i];
  }
  const std::string encoded = base64(canonical);
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + std::string(kCrlf);
  return out;
}

// A header value cannot carry a line break (that would start a new header, or the body): every
// control character becomes a space, runs of white space collapse, and the ends are trimmed.
std::string header_safe(std::string_view value) {
  std::string out;
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    const bool space = byte < 0x20 || byte == 0x7F || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// The length of the UTF-8 character starting with `lead` (1 for a stray byte).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// RFC 2047 encoded words ("=?UTF-8?B?…?="), each at most 64 characters and holding whole
// characters only, separated by folding white space so no header line passes 78 characters.
std::string encoded_words(std::string_view text) {
  constexpr std::size_t kMaxBytes = 39;  // 52 base64 characters, a 64-character encoded word
  std::string out;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = begin;
    while (end < text.size()) {
      const std::size_t next = std::min(text.size(), end + utf8_length(static_cast<unsigned char>(text[end])));
      if (next - begin > kMaxBytes) break;
      end = next;
    }
    if (!out.empty()) out += std::string(kCrlf) + " ";
    out += "=?UTF-8?B?" + base64(text.substr(begin, end - begin)) + "?=";
    begin = end;
  }
  return out;
}

// Folds plain ASCII text at spaces so that lines stay under 78 characters where possible.
std::string fold_ascii(std::string_view text, std::size_t used) {
  std::string out;
  std::size_t line = used;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(' ', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(begin, end - begin);
    if (begin > 0) {
      if (line + 1 + word.size() > 78) {
        out += std::string(kCrlf) + " ";
        line = 1;
      } else {
        out += ' ';
        ++line;
      }
    }
    out += word;
    line += word.size();
    begin = end + 1;
  }
  return out;
}

// An unstructured header value (the subject), encoded when it is not plain ASCII.
std::string unstructured(std::string_view name, std::string_view value) {
  const std::string safe = header_safe(value);
  if (is_ascii(safe)) return fold_ascii(safe, name.size() + 2);
  return encoded_words(safe);
}

// One address as given (`a@b.c` or `Name <a@b.c>`); a non-ASCII display name is encoded. What
// follows a control character was never part of the address (it would be a smuggled header or, to
// a lenient parser, more recipients), so the address ends there.
std::string address(std::string_view given) {
  const auto control = std::find_if(given.begin(), given.end(),
                                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '\x7F'; });
  const std::string safe = header_safe(given.substr(0, static_cast<std::size_t>(control - given.begin())));
  if (is_ascii(safe)) return safe;
  const std::size_t open = safe.rfind('<');
  if (open == std::string::npos || safe.back() != '>') return safe;  // an internationalized address (RFC 6532)
  std::string name(header_safe(safe.substr(0, open)));
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  if (name.empty()) return safe.substr(open);
  return encoded_words(name) + " " + safe.substr(open);
}

// A comma-separated address list, folded between addresses.
std::string address_list(std::string_view name, const std::vector<std::string>& addresses) {
  std::string out;
  std::size_t line = name.size() + 2;
  bool first = true;
  for (const std::string& given : addresses) {
    const std::string shown = address(given);
    if (shown.empty()) continue;
    if (!first) {
      out += ',';
      ++line;
      if (line + 1 + shown.size() > 78) {
        out += std::string(kCrlf) + " ";
        line = 1;
      } else {
        out += ' ';
        ++line;
      }
    }
    out += shown;
    const std::size_t last_break = shown.rfind('\n');
    line = last_break == std::string::npos ? line + shown.size() : shown.size() - last_break - 1;
    first = false;
  }
  return out;
}

// RFC 5322 date-time in UTC: "Fri, 27 Nov 2026 08:00:00 +0000".
std::string rfc5322_date(std::int64_t seconds) {
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  static constexpr std::string_view kWeekdays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::string_view weekday = kWeekdays[((days % 7) + 7) % 7];
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", weekday, day, kMonths[month - 1], year, rest / 3600,
                     rest / 60 % 60, rest % 60);
}

}  // namespace

std::string email(const Report& report) {
  // The text half goes to a mail client, never to a terminal: no ANSI colour.
  Report plain = report;
  plain.options.color = false;
  const std::string text_part = text(plain);
  const std::string html_part = html(plain);
  // "=_" cannot occur in base64, so the boundary cannot occur in either encoded part.
  const std::string boundary = "=_chataudit_" + sha256_hex(text_part + '\x1f' + html_part).substr(0, 32);

  std::string out;
  auto header = [&](std::string_view name, std::string_view value) {
    out += fmt::format("{}: {}{}", name, value, kCrlf);
  };
  if (!header_safe(report.options.mail_from).empty()) header("From", address_list("From", {report.options.mail_from}));
  const std::string to = address_list("To", report.options.mail_to);
  if (!to.empty()) header("To", to);
  // The subject may carry a --split-by key: its controls are shown like the body's (a line break
  // would become a space anyway, a bidi override would not).
  header("Subject", unstructured("Subject", visible_controls(mail_subject(report))));
  header("Date", rfc5322_date(report.options.mail_date));
  header("MIME-Version", "1.0");
  header("Content-Type", fmt::format("multipart/alternative;{} boundary=\"{}\"", kCrlf, boundary));
  header("Auto-Submitted", "auto-generated");  // RFC 3834: no vacation auto-replies to a cron job
  header("X-Chataudit-Findings", std::to_string(report.result->findings.size()));
  out += kCrlf;

  out += fmt::format("This is a MIME message with text and HTML versions of the report.{}{}", kCrlf, kCrlf);
  for (const auto& [type, content] : {std::pair<std::string_view, const std::string&>{"text/plain", text_part},
                                      std::pair<std::string_view, const std::string&>{"text/html", html_part}}) {
    out += fmt::format("--{}{}", boundary, kCrlf);
    out += fmt::format("Content-Type: {}; charset=UTF-8{}", type, kCrlf);
    out += fmt::format("Content-Transfer-Encoding: base64{}{}", kCrlf, kCrlf);
    out += base64_lines(content);
  }
  out += fmt::format("--{}--{}", boundary, kCrlf);
  // A Message-ID from the hash of every other byte (Date: included): the same message has the same
  // id, so a resent copy is recognized as one; its right side is the sender's domain.
  const std::string& from = report.options.mail_from;
  std::string domain = "chataudit.invalid";
  if (const std::size_t at = from.rfind('@'); at != std::string::npos) {
    domain = from.substr(at + 1);
    if (!domain.empty() && domain.back() == '>') domain.pop_back();
  }
  const std::size_t after_date = out.find(kCrlf, out.find("\r\nDate: ") + 2) + kCrlf.size();
  out.insert(after_date, fmt::format("Message-ID: <{}@{}>{}", sha256_hex(out).substr(0, 32), domain, kCrlf));
  return out;
}

}  // namespace chataudit::formats
