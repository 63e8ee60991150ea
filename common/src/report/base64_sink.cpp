// The base64 body part sink of the e-mail report (base64_sink.h).
#include "report/base64_sink.h"

namespace chataudit::formats {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::size_t kLine = 76;                       // characters of base64 on a line (RFC 2045)
constexpr std::size_t kFlushAt = std::size_t{1} << 16;  // bytes encoded before they go to out_

}  // namespace

void Base64LinesSink::write(std::string_view bytes) {
  if (binary_) {
    encode(bytes);
    bytes = {};
  }
  // A '\n' not preceded by '\r' (in this piece or the one before) gets one.
  for (std::size_t begin = 0; begin < bytes.size();) {
    const std::size_t newline = bytes.find('\n', begin);
    const std::size_t end = newline == std::string_view::npos ? bytes.size() : newline;
    if (end > begin) {
      encode(bytes.substr(begin, end - begin));
      after_cr_ = bytes[end - 1] == '\r';
    }
    if (newline == std::string_view::npos) break;
    encode(after_cr_ ? "\n" : "\r\n");
    after_cr_ = false;
    begin = newline + 1;
  }
  if (buffer_.size() >= kFlushAt) {
    out_.write(buffer_);
    buffer_.clear();
  }
}

void Base64LinesSink::encode(std::string_view canonical) {
  const auto* data = reinterpret_cast<const unsigned char*>(canonical.data());
  std::size_t size = canonical.size();
  while (pending_size_ > 0 && pending_size_ < 3 && size > 0) {
    pending_[pending_size_++] = *data++;
    --size;
  }
  if (pending_size_ == 3) {
    encode_group(pending_, 3);
    pending_size_ = 0;
  }
  for (; size >= 3; data += 3, size -= 3) encode_group(data, 3);
  for (; size > 0; ++data, --size) pending_[pending_size_++] = *data;
}

void Base64LinesSink::encode_group(const unsigned char* group, std::size_t size) {
  std::uint32_t chunk = std::uint32_t{group[0]} << 16;
  if (size > 1) chunk |= std::uint32_t{group[1]} << 8;
  if (size > 2) chunk |= group[2];
  buffer_ += kAlphabet[(chunk >> 18) & 0x3F];
  buffer_ += kAlphabet[(chunk >> 12) & 0x3F];
  buffer_ += size > 1 ? kAlphabet[(chunk >> 6) & 0x3F] : '=';
  buffer_ += size > 2 ? kAlphabet[chunk & 0x3F] : '=';
  column_ += 4;
  if (column_ == kLine) {
    buffer_ += "\r\n";
    column_ = 0;
  }
}

void Base64LinesSink::close() {
  if (pending_size_ > 0) encode_group(pending_, pending_size_);
  pending_size_ = 0;
  if (column_ > 0) buffer_ += "\r\n";
  column_ = 0;
  out_.write(buffer_);
  buffer_.clear();
}

}  // namespace chataudit::formats
