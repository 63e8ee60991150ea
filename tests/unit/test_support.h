#pragma once
// What several unit tests share: temporary files for loaders that read real paths, an in-memory
// SQLite connection with a column store registered, the text of the error a call throws, a query's
// rows as text, and UTF-8 spelled from a code point.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "base/dates.h"
#include "base/error.h"
#include "load/inventory.h"
#include "store/colstore.h"

namespace chataudit::testing {

/// A fresh directory under the system temp dir, removed when the object goes.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "chataudit-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `content` to `name` inside the directory and returns the full path.
  std::string write(std::string_view name, std::string_view content) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out << content;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

/// An in-memory SQLite connection with `store` registered as its virtual table module; closed with
/// the object (the store outlives it: members are destroyed in reverse order).
struct StoreConnection {
  ColumnStore store;
  sqlite3* handle = nullptr;
  StoreConnection() {
    sqlite3_open(":memory:", &handle);
    store.register_with(handle);
  }
  ~StoreConnection() { sqlite3_close(handle); }
  StoreConnection(const StoreConnection&) = delete;
  StoreConnection& operator=(const StoreConnection&) = delete;
};

/// Asia/Shanghai, the time zone of the shipped policy, parsed once.
inline const TimeZone& shanghai() {
  static const TimeZone zone = *TimeZone::parse("Asia/Shanghai", nullptr);
  return zone;
}

/// The first diagnostic of the Error `call()` throws, as `FILE:LINE:COLUMN: message`; "no error"
/// when it throws none.
template <typename Call>
std::string first_error(Call&& call) {
  try {
    call();
  } catch (const Error& error) {
    return error.diagnostics().front().to_string();
  }
  return "no error";
}

/// Every diagnostic of the Error `call()` throws, one per line, then "+N" when N more were left
/// out; "no error" when it throws none.
template <typename Call>
std::string error_text(Call&& call) {
  try {
    call();
  } catch (const Error& error) {
    std::string text;
    for (const Diagnostic& d : error.diagnostics()) text += d.to_string() + "\n";
    if (error.omitted()) text += "+" + std::to_string(error.omitted()) + "\n";
    return text;
  }
  return "no error";
}

/// The rows `sql` returns on `db`: columns joined by |, NULL as "NULL", one row a line.
inline std::string query(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement statement(db, sql);
  std::string out;
  while (statement.executeStep()) {
    for (int i = 0; i < statement.getColumnCount(); ++i) {
      const SQLite::Column column = statement.getColumn(i);
      out += (i ? "|" : "") + (column.isNull() ? std::string("NULL") : column.getString());
    }
    out += "\n";
  }
  return out;
}

/// The rows `sql` returns on the inventory's connection, as query() above.
inline std::string query(Inventory& inventory, const std::string& sql) { return query(inventory.db(), sql); }

/// `code_point` as UTF-8 (any code point up to U+10FFFF; surrogates are not refused).
inline std::string utf8(char32_t code_point) {
  std::string out;
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
  return out;
}

}  // namespace chataudit::testing
