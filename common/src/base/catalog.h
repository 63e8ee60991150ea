#pragma once
// chataudit's own messages in both languages (docs/architecture.md, "Messages"): tr("english text")
// gives the text in the message language (base/lang.h). The argument is looked up in the table of
// base/catalog_table.h at compile time, so a message without its Chinese is a build error, not an
// English line in a Chinese run.
#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "base/catalog_table.h"
#include "base/lang.h"

namespace chataudit {

/// A message of the catalog, found by its English text when the program is compiled.
class Msg {
 public:
  template <std::size_t N>
  consteval Msg(const char (&english)[N]) : index_(find(std::string_view(english, N - 1))) {}  // NOLINT: implicit
  std::size_t index() const { return index_; }

 private:
  static consteval std::size_t find(std::string_view english) {
    for (std::size_t i = 0; i < std::size(catalog::kMessages); ++i)
      if (std::string_view(catalog::kMessages[i].en) == english) return i;
    // Not a constant expression: the build fails here when a message is missing from the catalog.
    throw "message missing from base/catalog_table.h: add its English and Chinese";
  }
  std::size_t index_;
};

/// The message in `lang`.
inline const char* tr(Msg msg, Lang lang) {
  const catalog::Message& message = catalog::kMessages[msg.index()];
  return lang == Lang::zh ? message.zh : message.en;
}

/// The message in the message language.
inline const char* tr(Msg msg) { return tr(msg, message_lang()); }

/// The message in the message language, its {} filled with `args` (fmt).
template <class First, class... Rest>
std::string tr(Msg msg, First&& first, Rest&&... rest) {
  return fmt::format(fmt::runtime(tr(msg)), std::forward<First>(first), std::forward<Rest>(rest)...);
}

}  // namespace chataudit
