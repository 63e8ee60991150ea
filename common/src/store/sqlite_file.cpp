#include "store/sqlite_file.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "base/catalog.h"
#include "store/sql_sandbox.h"

#include <fstream>
#include <string_view>

namespace chataudit {

bool has_sqlite_header(const std::string& path) {
  static constexpr std::string_view kMagic{"SQLite format 3\0", 16};
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  return in.gcount() == sizeof header && std::string_view(header, sizeof header) == kMagic;
}

std::string sqlite_read_only_uri(const std::string& path) {
  std::string uri = "file:";
  for (unsigned char c : path) {
    if (c == '%' || c == '?' || c == '#' || c < 0x20)
      uri += fmt::format("%{:02X}", c);
    else
      uri += static_cast<char>(c);
  }
  return uri + "?mode=ro";
}

std::unique_ptr<SQLite::Database> open_sqlite_source(const std::string& path) {
  auto db = std::make_unique<SQLite::Database>(sqlite_read_only_uri(path), SQLite::OPEN_READONLY | SQLite::OPEN_URI,
                                               kSqliteBusyMilliseconds, clockless_vfs());
  return db;
}

std::string sqlite_source_message(const SQLite::Exception& error) {
  std::string_view hint;
  switch (error.getErrorCode() & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      hint =
          tr("another program holds the database locked, and it stayed locked for 5 seconds; run again when it is "
             "done, or copy the database (with its -wal or -journal file) and give the copy");
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      hint =
          tr("the file is damaged or not a whole SQLite database; export the tables again, or copy the database "
             "again from where it is kept");
      break;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_PERM:
      hint =
          tr("a read-only reader cannot use a hot journal or a write-ahead log it cannot write beside the file; "
             "checkpoint it where it is written (sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)'), or copy the "
             "database with its -wal and -journal files into a directory you can write and give the copy");
      break;
    case SQLITE_ERROR:
      hint =
          tr("the database's own SQL (a view, say) does not run here; read a plain table instead (name it with "
             "[tables.NAME] table = \"...\" in the mapping), or export the table");
      break;
    default:
      hint =
          tr("copy the database (with its -wal or -journal file) and give the copy, or checkpoint it "
             "(sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE)')");
  }
  return tr("SQLite: {}; {}", error.what(), hint);
}

}  // namespace chataudit
