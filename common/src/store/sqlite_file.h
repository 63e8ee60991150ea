#pragma once
// SQLite database files as inputs: recognizing one, and opening it without ever changing it.
#include <memory>
#include <string>

namespace SQLite {
class Database;
class Exception;
}  // namespace SQLite

namespace chataudit {

/// True when `path` starts with SQLite's 16-byte file header.
bool has_sqlite_header(const std::string& path);

/// A `file:` URI that opens `path` read-only (`mode=ro`), escaping what a URI would interpret.
std::string sqlite_read_only_uri(const std::string& path);

/// How long a read waits for a writer that holds the database locked.
inline constexpr int kSqliteBusyMilliseconds = 5000;

/// Opens a SQLite inventory read-only, waiting up to kSqliteBusyMilliseconds for a lock. Throws
/// SQLite::Exception.
std::unique_ptr<SQLite::Database> open_sqlite_source(const std::string& path);

/// SQLite's words for `error`, and what the user can do about it (copy the database, checkpoint
/// it, wait for the writer).
std::string sqlite_source_message(const SQLite::Exception& error);

}  // namespace chataudit
