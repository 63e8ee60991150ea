#include "base/text.h"

#include <doctest/doctest.h>

#include <string>

using chataudit::display_width;
using chataudit::pad_right;
using chataudit::sha256_hex;
using chataudit::trim;

TEST_CASE("text: display_width") {
  CHECK(display_width("") == 0);
  CHECK(display_width("abc") == 3);
  CHECK(display_width("中文") == 4);
  CHECK(display_width("群a") == 3);
  CHECK(display_width("Ａ") == 2);            // full-width Latin
  CHECK(display_width("\xE3\x80\x80") == 2);  // ideographic space
  CHECK(display_width("é") == 1);
  CHECK(display_width("e\xCC\x81") == 1);  // e + combining acute accent
  CHECK(display_width("😀") == 2);
  // Invalid sequences: one column per byte.
  CHECK(display_width("\xFF\xFE") == 2);
  CHECK(display_width("a\xE4\xB8") == 3);
  CHECK(display_width("群\xFF") == 3);
}

TEST_CASE("text: pad_right") {
  CHECK(pad_right("中", 4) == "中  ");
  CHECK(pad_right("ab", 4) == "ab  ");
  CHECK(pad_right("abc", 2) == "abc");
  CHECK(pad_right("abc", 3) == "abc");
  CHECK(pad_right("", 3) == "   ");
  CHECK(pad_right("x", -1) == "x");
}

TEST_CASE("text: trim") {
  CHECK(trim("") == "");
  CHECK(trim("   ") == "");
  CHECK(trim("  a b  ") == "a b");
  CHECK(trim("\t\r\n\v\f x\n") == "x");
  CHECK(trim("\xE3\x80\x80 群名 \xE3\x80\x80\t") == "群名");
  CHECK(trim("\xC2\xA0张三\xC2\xA0 ") == "张三");
  CHECK(trim("\xE3\x80\x80\xE3\x80\x80") == "");
  CHECK(trim("a\xE3\x80\x80"
             "b") ==
        "a\xE3\x80\x80"
        "b");
  CHECK(trim("\xC2\xA0x\xC2\xA0") == "x");  // no-break space: Excel pads cells with it
  const std::string text = "  kept in place ";
  CHECK(trim(text).data() == text.data() + 2);
}

TEST_CASE("text: ascii_lower") {
  CHECK(chataudit::ascii_lower("ABC def-XYZ_09") == "abc def-xyz_09");
  CHECK(chataudit::ascii_lower("群Ä") == "群Ä");
  CHECK(chataudit::ascii_lower("") == "");
}

TEST_CASE("text: sha256_hex standard vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(sha256_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  CHECK(sha256_hex("群名称") == "a81189c2a627f29997d3a81a72f7342d12f944923e1c0009f4bfeafc6808db28");
}

TEST_CASE("text: sha256_hex around the padding boundaries") {
  CHECK(sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(sha256_hex(std::string(63, 'a')) == "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34");
  CHECK(sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
  CHECK(sha256_hex(std::string(65, 'a')) == "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0");
  CHECK(sha256_hex(std::string(119, 'a')) == "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb");
  CHECK(sha256_hex(std::string(120, 'a')) == "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c");
  CHECK(sha256_hex(std::string(128, 'a')) == "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e");
}

TEST_CASE("text: sha256_hex with the CPU's SHA instructions equals the portable code on every length") {
  // On a machine without them both are the portable code; the vectors above check that.
  MESSAGE("SHA instructions used: " << chataudit::sha256_uses_cpu_instructions());
  std::string bytes;
  std::uint32_t seed = 12345;
  for (int i = 0; i < 4096 + 77; ++i) {
    seed = seed * 1103515245u + 12345u;
    bytes += static_cast<char>(seed >> 23);
  }
  for (std::size_t size = 0; size <= 300; ++size) {
    CAPTURE(size);
    CHECK(sha256_hex(std::string_view(bytes).substr(0, size)) ==
          chataudit::sha256_hex_portable(std::string_view(bytes).substr(0, size)));
  }
  CHECK(sha256_hex(bytes) == chataudit::sha256_hex_portable(bytes));
  CHECK(chataudit::sha256_hex_portable(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("text: Sha256 given the bytes in pieces equals sha256_hex of them whole, at every split point") {
  std::string bytes;
  std::uint32_t seed = 777;
  for (int i = 0; i < 300; ++i) {
    seed = seed * 1103515245u + 12345u;
    bytes += static_cast<char>(seed >> 23);
  }
  const std::string_view all(bytes);
  // Every length up to past four blocks, cut at every point in two, and in three around the cut.
  for (std::size_t size = 0; size <= 260; ++size) {
    const std::string whole = sha256_hex(all.substr(0, size));
    for (std::size_t cut = 0; cut <= size; ++cut) {
      CAPTURE(size);
      CAPTURE(cut);
      chataudit::Sha256 two;
      two.update(all.substr(0, cut));
      two.update(all.substr(cut, size - cut));
      CHECK(two.hex() == whole);
      chataudit::Sha256 three = chataudit::Sha256::portable();
      three.update(all.substr(0, cut / 2));
      three.update({});
      three.update(all.substr(cut / 2, cut - cut / 2));
      three.update(all.substr(cut, size - cut));
      CHECK(three.hex() == whole);
    }
  }
  // A byte at a time, and seven at a time.
  for (const std::size_t step : {std::size_t{1}, std::size_t{7}}) {
    chataudit::Sha256 pieces;
    for (std::size_t at = 0; at < all.size(); at += step) pieces.update(all.substr(at, step));
    CHECK(pieces.hex() == sha256_hex(all));
  }
  chataudit::Sha256 empty;
  CHECK(empty.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("nfkc folds full-width forms; remove_white_space drops every kind of space") {
  using chataudit::nfkc;
  using chataudit::remove_white_space;
  CHECK(nfkc("ＡＢＣ１２３") == "ABC123");
  CHECK(nfkc("张三") == "张三");
  CHECK(nfkc("\xE2\xBC\x80") == "\xE4\xB8\x80");  // KANGXI RADICAL ONE → CJK 一
  CHECK(nfkc("ｶ") == "カ");
  CHECK(remove_white_space(" 张\xE3\x80\x80三\t\xC2\xA0\n") == "张三");
  CHECK(remove_white_space(nfkc("张　三 ")) == "张三");
  CHECK(remove_white_space("a\xFF b") ==
        "a\xFF"
        "b");
}

TEST_CASE("nfkc's shortcut: ASCII and the ideographs U+4000-U+9FFF are left as they are, as utf8proc leaves them") {
  using chataudit::ascii_or_cjk;
  auto utf8 = [](char32_t c) {
    std::string out;
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xE0 | (c >> 12));
      out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
  };
  // What the shortcut assumes, checked against utf8proc code point by code point.
  std::size_t checked = 0;
  for (char32_t c = 0; c < 0xA000; c = c == 0x7F ? 0x4000 : c + 1) {
    const std::string one = utf8(c);
    REQUIRE(ascii_or_cjk(one));
    REQUIRE(chataudit::nfkc_utf8proc(one) == one);
    ++checked;
  }
  CHECK(checked == 128 + 0x6000);
  CHECK(chataudit::nfkc("Wang 王\t一x") == "Wang 王\t一x");
  CHECK(ascii_or_cjk(""));
  CHECK(ascii_or_cjk("\xE4\x80\x80\xE9\xBF\xBF"));  // U+4000, U+9FFF
  CHECK_FALSE(ascii_or_cjk("\xE3\xBF\xBF"));        // U+3FFF
  CHECK_FALSE(ascii_or_cjk("\xEA\x80\x80"));        // U+A000
  CHECK_FALSE(ascii_or_cjk("\xE3\x80\x80"));        // U+3000, ideographic space
  CHECK_FALSE(ascii_or_cjk("a\xE4\xB8"));           // cut short
  CHECK_FALSE(ascii_or_cjk("\xE4\xB8\x41"));        // not a continuation byte
  CHECK_FALSE(ascii_or_cjk("\xC3\xA9"));            // é
  CHECK_FALSE(ascii_or_cjk("\xFF"));
  // Outside the shortcut, utf8proc folds: a letter and a combining accent compose.
  CHECK(chataudit::nfkc("e\xCC\x81") == "\xC3\xA9");
  CHECK(chataudit::nfkc("\xEF\xBC\xA1\xE4\xB8\x80") == "A\xE4\xB8\x80");  // Ａ一 → A一
  CHECK(chataudit::remove_white_space(" 张\t三\r\n\v\f") == "张三");
  CHECK(chataudit::remove_white_space("张\xC2\x85三") == "张三");  // U+0085, not in the shortcut
}

TEST_CASE("names and handles are masked for --redact") {
  CHECK(chataudit::mask_name("张三丰") == "张**");
  CHECK(chataudit::mask_name("张") == "张");
  CHECK(chataudit::mask_name("David Wang") == "D*********");
  CHECK(chataudit::mask_name("") == "");
  CHECK(chataudit::mask_handle("wx_zhang") == "wx_***");
  CHECK(chataudit::mask_handle("zhang88") == "zh***");
  CHECK(chataudit::mask_handle("wx_") == "wx***");
  CHECK(chataudit::mask_handle("张三") == "张***");
  CHECK(chataudit::mask_handle("a") == "***");
}
