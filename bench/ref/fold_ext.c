/* fold_ext — a SQLite loadable extension for the sqlite3 CLI reference of bench/run.
 *
 * Provides the two SQL functions the chataudit engine registers on its connection
 * (common/src/engine.cpp register_functions, common/src/text.cpp), with the same definitions,
 * so that the policy's SQL runs verbatim in `sqlite3`:
 *
 *   nfkc(X)                utf8proc_map(X, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
 *                          on a utf8proc error, X unchanged. NULL gives NULL.
 *   remove_white_space(X)  X without its Unicode White_Space characters as the engine counts them:
 *                          general category Zs, Zl or Zp, U+0009..U+000D and U+0085; a byte that is
 *                          not valid UTF-8 is kept as it is. NULL gives NULL.
 *
 * Both are registered SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, as in the engine.
 * bench/run builds it with
 *   cc -O2 -shared -fPIC bench/ref/fold_ext.c -o bench/.cache/fold_ext.so -lutf8proc
 * and the reference script loads it with `.load bench/.cache/fold_ext.so` (entry point
 * sqlite3_foldext_init, the name SQLite derives from the file name).
 */
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static void nfkc_function(sqlite3_context* context, int argc, sqlite3_value** argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  const unsigned char* text = sqlite3_value_text(argv[0]);
  const int bytes = sqlite3_value_bytes(argv[0]);
  utf8proc_uint8_t* folded = NULL;
  const utf8proc_ssize_t length =
      utf8proc_map((const utf8proc_uint8_t*)text, bytes, &folded,
                   (utf8proc_option_t)(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
  if (length < 0) {
    sqlite3_result_text(context, (const char*)text, bytes, SQLITE_TRANSIENT);
    return;
  }
  sqlite3_result_text(context, (const char*)folded, (int)length, SQLITE_TRANSIENT);
  free(folded);
}

static void remove_white_space_function(sqlite3_context* context, int argc, sqlite3_value** argv) {
  (void)argc;
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  const utf8proc_uint8_t* p = (const utf8proc_uint8_t*)sqlite3_value_text(argv[0]);
  utf8proc_ssize_t remaining = sqlite3_value_bytes(argv[0]);
  char* result = sqlite3_malloc64((sqlite3_uint64)remaining + 1);
  if (!result) {
    sqlite3_result_error_nomem(context);
    return;
  }
  size_t out = 0;
  while (remaining > 0) {
    utf8proc_int32_t code_point = 0;
    utf8proc_ssize_t length = utf8proc_iterate(p, remaining, &code_point);
    if (length <= 0) length = 1; /* keep a bad byte as it is (code_point stays -1: not a space) */
    const utf8proc_category_t category = utf8proc_category(code_point);
    const int space = category == UTF8PROC_CATEGORY_ZS || category == UTF8PROC_CATEGORY_ZL ||
                      category == UTF8PROC_CATEGORY_ZP || (code_point >= 0x09 && code_point <= 0x0D) ||
                      code_point == 0x85;
    if (!space) {
      memcpy(result + out, p, (size_t)length);
      out += (size_t)length;
    }
    p += length;
    remaining -= length;
  }
  sqlite3_result_text64(context, result, out, sqlite3_free, SQLITE_UTF8);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_foldext_init(sqlite3* db, char** error, const sqlite3_api_routines* api) {
  (void)error;
  SQLITE_EXTENSION_INIT2(api);
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function(db, "nfkc", 1, flags, NULL, nfkc_function, NULL, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_create_function(db, "remove_white_space", 1, flags, NULL, remove_white_space_function, NULL, NULL);
  return rc;
}
