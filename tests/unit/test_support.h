#pragma once
// What several unit tests share: temporary files for loaders that read real paths, and an
// in-memory SQLite connection with a column store registered.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

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

}  // namespace chataudit::testing
