#pragma once
// Small UTF-8 text utilities shared by the loader and the renderers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chataudit {

/// Width in terminal columns (CJK wide characters count 2).
int display_width(std::string_view utf8);
/// `text` padded with spaces to `width` display columns.
std::string pad_right(std::string_view text, int width);
/// Removes ASCII white space, U+00A0 (no-break space) and U+3000 (ideographic space) at both ends.
std::string_view trim(std::string_view text);
/// ASCII lower case.
std::string ascii_lower(std::string_view text);
/// NFKC normalization (full-width → half-width, compatibility forms folded); invalid UTF-8 is
/// returned unchanged.
std::string nfkc(std::string_view utf8);
/// The same through utf8proc always, without nfkc()'s shortcut for ASCII and CJK text (what tests
/// compare that shortcut with).
std::string nfkc_utf8proc(std::string_view utf8);
/// `utf8` without any Unicode White_Space character (ASCII space and controls, U+00A0, U+3000, …).
std::string remove_white_space(std::string_view utf8);
/// Whether `utf8` is well-formed and holds only ASCII and the ideographs U+4000–U+9FFF: text that
/// NFKC leaves as it is (none of it decomposes, none combines), and whose only white space is ASCII's.
bool ascii_or_cjk(std::string_view utf8);
/// Whether `byte` is ASCII white space (tab, line feed, vertical tab, form feed, carriage return, space).
constexpr bool ascii_white_space(unsigned char byte) { return byte == ' ' || (byte >= 0x09 && byte <= 0x0D); }
/// A person's name masked for --redact: its first character, then one `*` per other character
/// ("张三丰" → "张**", "David Wang" → "D*********").
std::string mask_name(std::string_view utf8);
/// A chat handle masked for --redact: up to the first `_` (or its first two characters, never
/// all of them), then "***" ("wx_zhang" → "wx_***", "zhang88" → "zh***", "张三" → "张***").
std::string mask_handle(std::string_view utf8);
/// SHA-256 of bytes given in pieces (a report written from its spool): update() with each piece in
/// order, then hex() once; the same digest as sha256_hex() of the pieces put together. With the
/// CPU's SHA instructions where it has them.
class Sha256 {
 public:
  Sha256();
  /// One that uses the portable C++ code only (what tests compare the instructions' result with).
  static Sha256 portable();
  /// Adds `bytes` to what is hashed.
  void update(std::string_view bytes);
  /// The digest in lower-case hex. It ends the hash: no update() after it.
  std::string hex();

 private:
  using Blocks = void (*)(std::array<std::uint32_t, 8>& state, const unsigned char* data, std::size_t blocks);
  explicit Sha256(Blocks compress);
  Blocks compress_;
  std::array<std::uint32_t, 8> state_;
  std::array<unsigned char, 64> pending_{};  ///< the bytes of an incomplete block
  std::size_t pending_size_ = 0;
  std::uint64_t length_ = 0;  ///< bytes hashed in all
};
/// SHA-256 of `bytes` in lower-case hex; with the CPU's SHA instructions where it has them.
std::string sha256_hex(std::string_view bytes);
/// The same in portable C++ only (what tests compare the instructions' result with).
std::string sha256_hex_portable(std::string_view bytes);
/// Whether sha256_hex() uses the CPU's SHA instructions on this machine.
bool sha256_uses_cpu_instructions();

}  // namespace chataudit
