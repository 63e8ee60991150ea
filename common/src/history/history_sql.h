#pragma once
// Small SQLiteCpp helpers the history's files share. Internal to the history stage.
#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <string>

namespace chataudit::history_internal {

/// Binds `value`, or NULL when it is empty.
inline void bind_text_or_null(SQLite::Statement& statement, int index, const std::string& value) {
  if (value.empty())
    statement.bind(index);
  else
    statement.bind(index, value);
}

/// The column's text, or empty for NULL.
inline std::string text_of(const SQLite::Column& column) {
  return column.isNull() ? std::string() : column.getString();
}

}  // namespace chataudit::history_internal
