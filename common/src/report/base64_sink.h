#pragma once
// A body part of an e-mail in base64, written as it comes (the e-mail report streams its text and
// HTML parts from the spool through it, never holding either as one string). Internal to the library.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "report/spool.h"

namespace chataudit::formats {

/// Writes the bytes it is given to `out` as a base64 text body part: line breaks first made CRLF
/// (the canonical form of text, RFC 2046), then base64 in lines of 76 characters (RFC 2045), CRLF
/// after each, the last one included. close() ends it; the bytes do not depend on how the text was cut.
/// A binary part (an attachment: `binary`) is encoded as it is, its bytes unchanged.
class Base64LinesSink : public ByteSink {
 public:
  explicit Base64LinesSink(ByteSink& out, bool binary = false) : out_(out), binary_(binary) {}
  void write(std::string_view bytes) override;
  /// Encodes the last one or two bytes (with `=` padding), ends the last line and writes what is
  /// buffered. Once, after the last write().
  void close();

 private:
  void encode(std::string_view canonical);
  void encode_group(const unsigned char* group, std::size_t size);
  ByteSink& out_;
  bool binary_ = false;
  unsigned char pending_[3] = {};  ///< bytes waiting for a group of three
  std::size_t pending_size_ = 0;
  std::size_t column_ = 0;  ///< characters on the current line
  bool after_cr_ = false;   ///< the last byte written was '\r'
  std::string buffer_;      ///< encoded, not yet written to out_
};

}  // namespace chataudit::formats
