#include "base/catalog.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/lang.h"

using chataudit::environment_lang;
using chataudit::Lang;
using chataudit::message_lang;
using chataudit::set_message_lang;
using chataudit::tr;

namespace {

// Sets the message language for one test case and puts the process's back after it.
class MessageLang {
 public:
  explicit MessageLang(Lang lang) : before_(message_lang()) { set_message_lang(lang); }
  ~MessageLang() { set_message_lang(before_); }

 private:
  Lang before_;
};

// Sets (or, with nullopt, unsets) LC_ALL, LC_MESSAGES and LANG for one test case.
class Locale {
 public:
  Locale(std::optional<std::string> lc_all, std::optional<std::string> lc_messages, std::optional<std::string> lang) {
    for (auto [name, value] : {std::pair{"LC_ALL", lc_all}, {"LC_MESSAGES", lc_messages}, {"LANG", lang}}) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      set(name, value);
    }
  }
  ~Locale() {
    for (const auto& [name, value] : saved_) set(name, value);
  }

 private:
  static void set(const char* name, const std::optional<std::string>& value) {
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

}  // namespace

TEST_CASE("tr: a message in the message language, its placeholders filled") {
  {
    const MessageLang english(Lang::en);
    CHECK(std::string(tr("Usage")) == "Usage");
    CHECK(tr("--lang {}: expected zh or en", "fr") == "--lang fr: expected zh or en");
  }
  const MessageLang chinese(Lang::zh);
  CHECK(std::string(tr("Usage")) == "用法");
  CHECK(tr("--lang {}: expected zh or en", "fr") == "--lang fr：应为 zh 或 en");
  // A translation may take the arguments in another order ({1} first).
  CHECK(tr("unknown key \"{}\" in {}; expected one of: {}", "severty", "[[rule]]", "id, tool") ==
        "[[rule]] 中有未知的键 \"severty\"；应为以下之一：id, tool");
  // A text without arguments is not formatted: its braces stay.
  CHECK(std::string(tr("domain {email} may name (repeatable)")) == "{email} 允许的域名（可重复）");
  // Either language on request, whatever the message language.
  CHECK(std::string(tr("Usage", Lang::en)) == "Usage");
}

TEST_CASE("environment_lang: the first of LC_ALL, LC_MESSAGES and LANG that is set and not empty") {
  SUBCASE("LANG alone") {
    const Locale locale(std::nullopt, std::nullopt, "zh_CN.UTF-8");
    CHECK(environment_lang() == Lang::zh);
  }
  SUBCASE("LC_ALL before LANG") {
    const Locale locale("C", std::nullopt, "zh_CN.UTF-8");
    CHECK(environment_lang() == Lang::en);
  }
  SUBCASE("an empty LC_ALL is not set; LC_MESSAGES before LANG") {
    const Locale locale("", "zh_TW.UTF-8", "en_US.UTF-8");
    CHECK(environment_lang() == Lang::zh);
  }
  SUBCASE("none: English") {
    const Locale locale(std::nullopt, std::nullopt, std::nullopt);
    CHECK(environment_lang() == Lang::en);
  }
}
