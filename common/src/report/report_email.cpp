// The e-mail report: an RFC 5322 message for `sendmail -t`, the text report and the HTML report
// as the two halves of a multipart/alternative body. The same inputs give the same bytes. The HTML
// half carries its styles inline too (html_inline.h): many mail clients ignore <style>.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "base/text.h"
#include "report/base64_sink.h"
#include "report/html_inline.h"
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

// A ByteSink that hashes what it is given.
class HashSink : public ByteSink {
 public:
  explicit HashSink(Sha256& hash) : hash_(hash) {}
  void write(std::string_view bytes) override { hash_.update(bytes); }

 private:
  Sha256& hash_;
};

// The text half goes to a mail client, never to a terminal: no ANSI colour.
Report without_color(const Report& report) {
  Report plain = report;
  plain.options.color = false;
  return plain;
}

// Writes one half of the body from the spool: the text report (part 0) or the HTML report with
// inline styles (1).
void write_part(const Report& plain, const Spooled& groups, int part, ByteSink& out) {
  if (part == 0) {
    text_finish(plain, groups, out);
    return;
  }
  InlineStyleSink styled(out);
  html_finish(plain, groups.next(), styled);
  styled.close();
}

// "=_" cannot occur in base64, so the boundary cannot occur in either encoded part. It is made from
// the hash of both parts, so the same report has the same boundary.
std::string boundary_of(const Report& plain, const Spooled& groups) {
  Sha256 hash;
  HashSink hashed(hash);
  write_part(plain, groups, 0, hashed);
  hashed.write("\x1f");
  write_part(plain, groups, 1, hashed);
  return "=_chataudit_" + hash.hex().substr(0, 32);
}

void add_header(std::string& out, std::string_view name, std::string_view value) {
  out += fmt::format("{}: {}{}", name, value, kCrlf);
}

// The headers up to Date:, which the Message-ID follows.
std::string headers_to_date(const Report& report) {
  std::string out;
  if (!header_safe(report.options.mail_from).empty())
    add_header(out, "From", address_list("From", {report.options.mail_from}));
  const std::string to = address_list("To", report.options.mail_to);
  if (!to.empty()) add_header(out, "To", to);
  // The subject may carry a --split-by key: its controls are shown like the body's (a line break
  // would become a space anyway, a bidi override would not).
  add_header(out, "Subject", unstructured("Subject", visible_controls(mail_subject(report))));
  add_header(out, "Date", rfc5322_date(report.options.mail_date));
  return out;
}

// The body's two halves, each in base64 streamed from the spool, as a multipart/alternative part
// after `head` (the headers that say so).
void write_alternative(const Report& plain, const Spooled& groups, std::string_view boundary, std::string head,
                       ByteSink& out) {
  out.write(head);
  for (int part = 0; part < 2; ++part) {
    out.write(fmt::format("--{}{}Content-Type: {}; charset=UTF-8{}Content-Transfer-Encoding: base64{}{}", boundary,
                          kCrlf, part == 0 ? "text/plain" : "text/html", kCrlf, kCrlf, kCrlf));
    Base64LinesSink encoded(out);
    write_part(plain, groups, part, encoded);
    encoded.close();
  }
  out.write(fmt::format("--{}--{}", boundary, kCrlf));
}

// The workbook's file name: ASCII, so that every mail client shows it as it is.
std::string attachment_name(const Report& report) {
  return fmt::format("{}-{}.xlsx", report.tool, format_date(report.as_of));
}

// What follows the Message-ID: the other headers, then the body. With a workbook (--attach xlsx) the
// body is multipart/mixed: the two halves as one multipart/alternative part, then the workbook.
void write_after_id(const Report& plain, const Spooled& groups, std::string_view boundary, const Workbook* workbook,
                    ByteSink& out) {
  const std::string mixed =
      "=_chataudit_mixed_" + std::string(boundary.substr(std::string_view("=_chataudit_").size()));
  std::string head;
  add_header(head, "MIME-Version", "1.0");
  if (workbook)
    add_header(head, "Content-Type", fmt::format("multipart/mixed;{} boundary=\"{}\"", kCrlf, mixed));
  else
    add_header(head, "Content-Type", fmt::format("multipart/alternative;{} boundary=\"{}\"", kCrlf, boundary));
  add_header(head, "Auto-Submitted", "auto-generated");  // RFC 3834: no vacation auto-replies to a cron job
  add_header(head, "X-Chataudit-Findings", std::to_string(plain.tally.findings));
  head += kCrlf;
  if (!workbook) {
    head += fmt::format("This is a MIME message with text and HTML versions of the report.{}{}", kCrlf, kCrlf);
    write_alternative(plain, groups, boundary, head, out);
    return;
  }
  head += fmt::format("This is a MIME message with the report, as text and HTML, and its workbook.{}{}", kCrlf, kCrlf);
  head += fmt::format("--{}{}", mixed, kCrlf);
  head += fmt::format("Content-Type: multipart/alternative;{} boundary=\"{}\"{}{}", kCrlf, boundary, kCrlf, kCrlf);
  write_alternative(plain, groups, boundary, head, out);
  const std::string name = attachment_name(plain);
  out.write(
      fmt::format("--{}{}Content-Type: {}; name=\"{}\"{}Content-Disposition: attachment; filename=\"{}\"{}"
                  "Content-Transfer-Encoding: base64{}{}",
                  mixed, kCrlf, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name, kCrlf, name,
                  kCrlf, kCrlf, kCrlf));
  Base64LinesSink encoded(out, /*binary=*/true);
  workbook->copy_to(encoded);
  encoded.close();
  out.write(fmt::format("--{}--{}", mixed, kCrlf));
}

// The right side of the Message-ID: the sender's domain.
std::string sender_domain(const Report& report) {
  const std::string& from = report.options.mail_from;
  std::string domain = "chataudit.invalid";
  if (const std::size_t at = from.rfind('@'); at != std::string::npos) {
    domain = from.substr(at + 1);
    if (!domain.empty() && domain.back() == '>') domain.pop_back();
  }
  return domain;
}

}  // namespace

void email_group(const Report& report, const RuleGroup& group, bool first, GroupSink& sink) {
  const Report plain = without_color(report);
  text_group(plain, group, first, sink);
  GroupSink html = sink.shifted(1);
  html_group(plain, group, first, html);
  html.spill(true);
  if (!report.options.attach_xlsx) return;
  GroupSink rows = sink.shifted(1 + kHtmlChannels);
  xlsx_group(plain, group, first, rows);
  rows.spill(true);
}

// The spool is read three times (passes over it are cheap): for the boundary, for the Message-ID (a
// hash of every other byte of the message, Date: included: the same message has the same id, so a
// resent copy is recognized as one), and to write the message. The workbook (--attach xlsx) is
// written once, and read twice.
void email_finish(const Report& report, const Spooled& groups, ByteSink& out) {
  const Report plain = without_color(report);
  const std::string boundary = boundary_of(plain, groups);
  const std::string head = headers_to_date(plain);
  std::optional<Workbook> workbook;
  if (plain.options.attach_xlsx) workbook.emplace(plain, Spooled{groups.spool, groups.key, 1 + kHtmlChannels});
  const Workbook* attached = workbook ? &*workbook : nullptr;
  Sha256 hash;
  HashSink hashed(hash);
  hashed.write(head);
  write_after_id(plain, groups, boundary, attached, hashed);
  out.write(head);
  out.write(fmt::format("Message-ID: <{}@{}>{}", hash.hex().substr(0, 32), sender_domain(plain), kCrlf));
  write_after_id(plain, groups, boundary, attached, out);
}

}  // namespace chataudit::formats
