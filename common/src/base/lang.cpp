#include "base/lang.h"

#include <atomic>
#include <cstdlib>

namespace chataudit {
namespace {
// Written once before any thread starts, read by all: an atomic so that the order is the language's own.
std::atomic<Lang> g_message_lang{Lang::en};
}  // namespace

void set_message_lang(Lang lang) { g_message_lang.store(lang, std::memory_order_relaxed); }

Lang message_lang() { return g_message_lang.load(std::memory_order_relaxed); }

Lang environment_lang() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) return std::string_view(value).starts_with("zh") ? Lang::zh : Lang::en;
  }
  return Lang::en;
}

}  // namespace chataudit
