// The SQL functions the engine registers on each of its connections, beyond SQLite's own.
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "base/text.h"
#include "engine/runner.h"

namespace chataudit::engine_internal {

namespace {

// SQL functions the rules may call beyond SQLite's own: text folding SQLite lacks. `Unchanged`
// tells the texts the fold leaves as they are, handed back without folding.
template <std::string (*Fold)(std::string_view), bool (*Unchanged)(std::string_view)>
void text_function(sqlite3_context* context, int, sqlite3_value** argv) {
  const int type = sqlite3_value_type(argv[0]);
  if (type == SQLITE_NULL) return sqlite3_result_null(context);
  // A text as a blob: its bytes as they are, where sqlite3_value_text would copy a text without
  // a NUL after it (as the store hands its values out) to add one.
  const auto* bytes =
      static_cast<const char*>(type == SQLITE_TEXT ? sqlite3_value_blob(argv[0]) : sqlite3_value_text(argv[0]));
  const std::string_view text(bytes ? bytes : "", static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  if (Unchanged(text))
    return sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  const std::string folded = Fold(text);
  sqlite3_result_text(context, folded.data(), static_cast<int>(folded.size()), SQLITE_TRANSIENT);
}

bool nfkc_unchanged(std::string_view text) { return ascii_or_cjk(text); }
bool white_space_unchanged(std::string_view text) {
  return ascii_or_cjk(text) && std::none_of(text.begin(), text.end(),
                                            [](char c) { return ascii_white_space(static_cast<unsigned char>(c)); });
}

}  // namespace

void register_functions(sqlite3* db) {
  constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  sqlite3_create_function_v2(db, "nfkc", 1, flags, nullptr, text_function<nfkc, nfkc_unchanged>, nullptr, nullptr,
                             nullptr);
  sqlite3_create_function_v2(db, "remove_white_space", 1, flags, nullptr,
                             text_function<remove_white_space, white_space_unchanged>, nullptr, nullptr, nullptr);
}

}  // namespace chataudit::engine_internal
