// Findings: their fields in one buffer, their fingerprint and their report order.
#include "findings/findings.h"

#include <algorithm>
#include <numeric>

#include "base/text.h"

namespace chataudit {

namespace {

std::size_t length_bytes(std::size_t length) {
  std::size_t n = 1;
  while (length >>= 7) ++n;
  return n;
}

std::string_view take_text(const char*& at) {
  const std::size_t length = take_leb128(at);
  const std::string_view text(at, length);
  at += length;
  return text;
}

}  // namespace

void put_leb128(std::string& out, std::size_t number) {
  do {
    const auto low = static_cast<unsigned char>(number & 0x7F);
    number >>= 7;
    out += static_cast<char>(number ? low | 0x80 : low);
  } while (number);
}

std::size_t take_leb128(const char*& at) {
  std::size_t number = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*at++);
    number |= static_cast<std::size_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) return number;
  }
}

Fields::Fields(std::initializer_list<value_type> pairs) {
  for (const auto& [name, value] : pairs) add(name, value);
}

std::size_t Fields::bytes(std::string_view name, std::string_view value) {
  return length_bytes(name.size()) + name.size() + length_bytes(value.size()) + value.size();
}

void Fields::add(std::string_view name, std::string_view value) {
  put_leb128(text_, name.size());
  text_ += name;
  put_leb128(text_, value.size());
  text_ += value;
}

Fields::value_type Fields::iterator::operator*() const {
  const char* at = at_;
  const std::string_view name = take_text(at);
  return {name, take_text(at)};
}

Fields::iterator& Fields::iterator::operator++() {
  take_text(at_);
  take_text(at_);
  return *this;
}

std::optional<std::string_view> Fields::find(std::string_view name) const {
  for (const auto& [key, value] : *this)
    if (key == name) return value;
  return std::nullopt;
}

std::string Finding::field(std::string_view name) const {
  if (auto value = ids.find(name)) return std::string(*value);
  if (auto value = details.find(name)) return std::string(*value);
  return {};
}

std::string fingerprint(std::string_view rule, std::string_view kind, std::string_view id) {
  std::string key;
  key.append(rule).append(1, '\x1f').append(kind).append(1, '\x1f').append(id);
  return sha256_hex(key).substr(0, 16);
}

void sort_findings(std::vector<Finding>& findings, Lang lang) {
  // Stable: ties keep their order. The positions are sorted, not the findings (a few hundred bytes
  // each; std::stable_sort would take a buffer of them as large as the list), and the findings are
  // then moved into place cycle by cycle.
  std::vector<std::size_t> order(findings.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    const Finding& a = findings[x];
    const Finding& b = findings[y];
    if (a.severity != b.severity) return a.severity < b.severity;
    if (a.rule != b.rule) return a.rule < b.rule;
    if (a.subject_id != b.subject_id) return a.subject_id < b.subject_id;
    const std::string& a_message = a.message.in(lang);
    const std::string& b_message = b.message.in(lang);
    if (a_message != b_message) return a_message < b_message;
    return x < y;
  });
  // order[i] is the position of the finding that belongs at i; a settled position gets order[i] = i.
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (order[i] == i) continue;
    Finding held = std::move(findings[i]);
    std::size_t at = i;
    for (std::size_t from = order[at]; from != i; from = order[at]) {
      findings[at] = std::move(findings[from]);
      order[at] = at;
      at = from;
    }
    findings[at] = std::move(held);
    order[at] = at;
  }
}

}  // namespace chataudit
