#include "base/text.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace chataudit {

int display_width(std::string_view utf8) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  auto remaining = static_cast<utf8proc_ssize_t>(utf8.size());
  int width = 0;
  while (remaining > 0) {
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(p, remaining, &code_point);
    if (length <= 0) {
      // A terminal shows a replacement glyph per bad byte, so each takes one column.
      ++width;
      ++p;
      --remaining;
      continue;
    }
    width += utf8proc_charwidth(code_point);
    p += length;
    remaining -= length;
  }
  return width;
}

bool ascii_or_cjk(std::string_view utf8) {
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* end = p + utf8.size();
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    // U+4000–U+9FFF: E4–E9 then two continuation bytes.
    if (*p < 0xE4 || *p > 0xE9 || end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return false;
    p += 3;
  }
  return true;
}

std::string nfkc(std::string_view utf8) {
  if (ascii_or_cjk(utf8)) return std::string(utf8);
  return nfkc_utf8proc(utf8);
}

std::string nfkc_utf8proc(std::string_view utf8) {
  utf8proc_uint8_t* folded = nullptr;
  const utf8proc_ssize_t length =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()), static_cast<utf8proc_ssize_t>(utf8.size()),
                   &folded, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
  if (length < 0) return std::string(utf8);
  std::string result(reinterpret_cast<const char*>(folded), static_cast<std::size_t>(length));
  std::free(folded);
  return result;
}

std::string remove_white_space(std::string_view utf8) {
  std::string result;
  result.reserve(utf8.size());
  if (ascii_or_cjk(utf8)) {
    for (const char c : utf8)
      if (!ascii_white_space(static_cast<unsigned char>(c))) result += c;
    return result;
  }
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(utf8.data());
  auto remaining = static_cast<utf8proc_ssize_t>(utf8.size());
  while (remaining > 0) {
    utf8proc_int32_t code_point = 0;
    utf8proc_ssize_t length = utf8proc_iterate(p, remaining, &code_point);
    if (length <= 0) length = 1;  // keep a bad byte as it is
    // Unicode White_Space: the Zs, Zl, Zp categories and the ASCII/C1 controls that act as space.
    const utf8proc_category_t category = utf8proc_category(code_point);
    const bool space = category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
                       category == UTF8PROC_CATEGORY_ZP || (code_point >= 0x09 && code_point <= 0x0D) ||
                       code_point == 0x85;
    if (!space || length <= 0) result.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(length));
    p += length;
    remaining -= length;
  }
  return result;
}

namespace {
// The UTF-8 characters of `text` (invalid bytes one by one).
std::vector<std::string_view> characters(std::string_view text) {
  std::vector<std::string_view> chars;
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  auto remaining = static_cast<utf8proc_ssize_t>(text.size());
  std::size_t offset = 0;
  while (remaining > 0) {
    utf8proc_int32_t code_point = 0;
    utf8proc_ssize_t length = utf8proc_iterate(p + offset, remaining, &code_point);
    if (length <= 0) length = 1;
    chars.push_back(text.substr(offset, static_cast<std::size_t>(length)));
    offset += static_cast<std::size_t>(length);
    remaining -= length;
  }
  return chars;
}
}  // namespace

std::string mask_name(std::string_view utf8) {
  const std::vector<std::string_view> chars = characters(utf8);
  if (chars.empty()) return {};
  std::string masked(chars.front());
  masked.append(chars.size() - 1, '*');
  return masked;
}

std::string mask_handle(std::string_view utf8) {
  if (utf8.empty()) return {};
  const std::size_t underscore = utf8.find('_');
  if (underscore != std::string_view::npos && underscore + 1 < utf8.size())
    return std::string(utf8.substr(0, underscore + 1)) + "***";
  const std::vector<std::string_view> chars = characters(utf8);
  std::string masked;
  // Never the whole handle: at most two characters, and always one fewer than it has.
  for (std::size_t i = 0; i + 1 < chars.size() && i < 2; ++i) masked += chars[i];
  return masked + "***";
}

std::string pad_right(std::string_view text, int width) {
  std::string padded(text);
  const int missing = width - display_width(text);
  if (missing > 0) padded.append(static_cast<std::size_t>(missing), ' ');
  return padded;
}

std::string_view trim(std::string_view text) {
  // Chinese spreadsheets pad cells with U+3000 as readily as with ASCII spaces.
  static constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";
  static constexpr std::string_view kNoBreakSpace = "\xC2\xA0";  // Excel pads with it too
  auto ascii_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  for (;;) {
    if (!text.empty() && ascii_space(text.front()))
      text.remove_prefix(1);
    else if (text.starts_with(kIdeographicSpace))
      text.remove_prefix(kIdeographicSpace.size());
    else if (text.starts_with(kNoBreakSpace))
      text.remove_prefix(kNoBreakSpace.size());
    else
      break;
  }
  for (;;) {
    if (!text.empty() && ascii_space(text.back()))
      text.remove_suffix(1);
    else if (text.ends_with(kIdeographicSpace))
      text.remove_suffix(kIdeographicSpace.size());
    else if (text.ends_with(kNoBreakSpace))
      text.remove_suffix(kNoBreakSpace.size());
    else
      break;
  }
  return text;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return lower;
}

// FIPS 180-4. Written here rather than pulled from a crypto library: it fingerprints reports,
// baselines and every inventory file read (hundreds of megabytes at national scale), nothing
// secret, and one function does not justify a dependency.
namespace {

constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

using State = std::array<std::uint32_t, 8>;
using Blocks = void (*)(State& state, const unsigned char* data, std::size_t blocks);

void portable_blocks(State& state, const unsigned char* data, std::size_t blocks) {
  auto rotr = [](std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (; blocks > 0; --blocks, data += 64) {
    std::array<std::uint32_t, 64> w;
    for (int i = 0; i < 16; ++i)
      w[i] = std::uint32_t(data[4 * i]) << 24 | std::uint32_t(data[4 * i + 1]) << 16 |
             std::uint32_t(data[4 * i + 2]) << 8 | std::uint32_t(data[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    auto [a, b, c, d, e, f, g, h] = state;
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    const State added = {a, b, c, d, e, f, g, h};
    for (int i = 0; i < 8; ++i) state[i] += added[i];
  }
}

#if defined(__x86_64__)
// The same with the x86 SHA extensions (Intel since Goldmont/Ice Lake, AMD since Zen): about
// five times as fast. The state is kept as the instructions want it, ABEF and CDGH; each step
// takes four message words, their schedule from the four steps before.
__attribute__((target("sha,sse4.1,ssse3"))) void sha_extension_blocks(State& state, const unsigned char* data,
                                                                      std::size_t blocks) {
  const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i abcd = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[0]));
  __m128i efgh = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[4]));
  abcd = _mm_shuffle_epi32(abcd, 0xB1);              // CDAB
  efgh = _mm_shuffle_epi32(efgh, 0x1B);              // HGFE
  __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);     // ABEF
  __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);  // CDGH
  for (; blocks > 0; --blocks, data += 64) {
    const __m128i abef_before = abef, cdgh_before = cdgh;
    __m128i w[4];  // the last four steps' words: step s uses w[s % 4]
    for (int step = 0; step < 16; ++step) {
      __m128i& words = w[step % 4];
      if (step < 4) {
        words = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * step)), byte_swap);
      } else {
        // W[t..t+3] from W[t-16..t-13] (words), W[t-12..] (w[step-3]), W[t-7..t-4], W[t-4..t-1].
        const __m128i& previous = w[(step + 3) % 4];
        const __m128i& two_back = w[(step + 2) % 4];
        words = _mm_sha256msg1_epu32(words, w[(step + 1) % 4]);
        words = _mm_add_epi32(words, _mm_alignr_epi8(previous, two_back, 4));
        words = _mm_sha256msg2_epu32(words, previous);
      }
      __m128i message = _mm_add_epi32(
          words, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kRound[4 * static_cast<std::size_t>(step)])));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);
      message = _mm_shuffle_epi32(message, 0x0E);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, message);
    }
    abef = _mm_add_epi32(abef, abef_before);
    cdgh = _mm_add_epi32(cdgh, cdgh_before);
  }
  const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), _mm_blend_epi16(feba, dchg, 0xF0));  // DCBA
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), _mm_alignr_epi8(dchg, feba, 8));     // HGFE
}

bool has_sha_extensions() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3)) return false;
  return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#endif

Blocks best_blocks() {
#if defined(__x86_64__)
  if (has_sha_extensions()) return sha_extension_blocks;
#endif
  return portable_blocks;
}

Blocks chosen_blocks() {
  static const Blocks compress = best_blocks();
  return compress;
}

}  // namespace

Sha256::Sha256() : Sha256(chosen_blocks()) {}

Sha256::Sha256(Blocks compress)
    : compress_(compress), state_{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19} {}

Sha256 Sha256::portable() { return Sha256(portable_blocks); }

void Sha256::update(std::string_view bytes) {
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t size = bytes.size();
  if (size == 0) return;
  length_ += size;
  if (pending_size_ > 0) {  // first complete the block begun by an earlier piece
    const std::size_t taken = std::min(size, pending_.size() - pending_size_);
    std::memcpy(pending_.data() + pending_size_, data, taken);
    pending_size_ += taken;
    data += taken;
    size -= taken;
    if (pending_size_ < pending_.size()) return;
    compress_(state_, pending_.data(), 1);
    pending_size_ = 0;
  }
  // Whole blocks straight from `bytes`, the rest kept for the next piece or hex().
  if (size >= 64) compress_(state_, data, size / 64);
  pending_size_ = size % 64;
  if (pending_size_ > 0) std::memcpy(pending_.data(), data + size - pending_size_, pending_size_);
}

std::string Sha256::hex() {
  // The tail, the 0x80 marker and the 64-bit bit length fill one or two final blocks.
  unsigned char tail[128] = {};
  if (pending_size_ > 0) std::memcpy(tail, pending_.data(), pending_size_);
  tail[pending_size_] = 0x80;
  const std::size_t tail_size = pending_size_ < 56 ? 64 : 128;
  const std::uint64_t bit_length = length_ * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 1 - i] = static_cast<unsigned char>(bit_length >> (8 * i));
  compress_(state_, tail, tail_size / 64);

  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (const std::uint32_t word : state_)
    for (int shift = 28; shift >= 0; shift -= 4) hex += kHex[(word >> shift) & 0xF];
  return hex;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex();
}

std::string sha256_hex_portable(std::string_view bytes) {
  Sha256 hash = Sha256::portable();
  hash.update(bytes);
  return hash.hex();
}

bool sha256_uses_cpu_instructions() { return best_blocks() != portable_blocks; }

}  // namespace chataudit
