#pragma once
// SQLite database files as inputs: recognizing one, and opening it without ever changing it.
#include <string>

namespace chataudit {

/// True when `path` starts with SQLite's 16-byte file header.
bool has_sqlite_header(const std::string& path);

/// A `file:` URI that opens `path` read-only (`mode=ro`), escaping what a URI would interpret.
std::string sqlite_read_only_uri(const std::string& path);

}  // namespace chataudit
