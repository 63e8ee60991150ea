// A run's findings for the history while the rules run: rows in a private temporary SQLite
// database (on disk, deleted when closed), copied into the history database when the run is recorded.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <optional>

#include "history/history.h"
#include "history/history_sql.h"

namespace chataudit {

using history_internal::bind_text_or_null;

namespace {

// The findings table's columns but run_id, and the kind (the order rows are copied in).
constexpr const char* kColumns =
    "rule, severity, subject_kind, subject_id, subject_name, fingerprint, message, change, waived, org_id, "
    "responsible_id, due_on, days_overdue, delivered, delivered_on, delivered_to, delivered_to_known";

}  // namespace

struct HistoryRows::Store {
  // "": a private temporary database, on disk past its page cache, deleted when closed.
  SQLite::Database db{"", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
  std::optional<SQLite::Statement> insert;
  Store() {
    db.exec(std::string("CREATE TABLE pending(kind INTEGER NOT NULL, ") + kColumns + ")");
    insert.emplace(db, "INSERT INTO pending VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    db.exec("BEGIN");  // one transaction for every row: committed (and the file dropped) at the end
  }
};

HistoryRows::HistoryRows(const Date& as_of, Lang lang, const BaselineMatcher* baseline)
    : store_(std::make_unique<Store>()), as_of_(format_date(as_of)), lang_(lang), baseline_(baseline) {}

HistoryRows::~HistoryRows() = default;

void HistoryRows::add(const Finding& finding, Kind kind) {
  const bool delivered = kind == Kind::delivered, waived = kind == Kind::waived;
  if (!waived) {
    ++findings_;
    ++by_severity_[static_cast<std::size_t>(finding.severity)];
    if (finding.change == "new") ++fresh_;
  } else {
    ++waived_;
  }
  SQLite::Statement& insert = *store_->insert;
  insert.reset();
  insert.clearBindings();
  insert.bind(1, static_cast<int>(kind));
  insert.bind(2, finding.rule);
  insert.bind(3, std::string(to_string(finding.severity)));
  insert.bind(4, finding.subject_kind);
  insert.bind(5, finding.subject_id);
  bind_text_or_null(insert, 6, finding.subject_name);
  insert.bind(7, finding.fingerprint);
  insert.bind(8, finding.message.in(lang_));
  bind_text_or_null(insert, 9, finding.change);
  insert.bind(10, waived ? 1 : 0);
  bind_text_or_null(insert, 11, finding.field("org_id"));
  const std::string responsible = finding.field("responsible_id");
  bind_text_or_null(insert, 12, responsible);
  bind_text_or_null(insert, 13, finding.due_on);
  if (finding.days_overdue)
    insert.bind(14, static_cast<std::int64_t>(*finding.days_overdue));
  else
    insert.bind(14);
  // The last delivery: this one, or the one the baseline's finding carried.
  std::string on, to;
  bool to_known = false;
  if (delivered) {
    on = as_of_, to = responsible, to_known = true;
  } else if (const PastFinding* past = baseline_ ? baseline_->past(finding.fingerprint) : nullptr;
             past && !past->delivered_on.empty()) {
    on = past->delivered_on, to = past->delivered_to, to_known = past->delivered_to_known;
  }
  insert.bind(15, delivered ? 1 : 0);
  bind_text_or_null(insert, 16, on);
  bind_text_or_null(insert, 17, to);
  insert.bind(18, to_known || on.empty() ? 1 : 0);
  insert.exec();
}

void HistoryRows::copy_into(SQLite::Database& history, std::int64_t run_id) {
  SQLite::Statement rows(store_->db, std::string("SELECT ") + kColumns + " FROM pending ORDER BY kind, rowid");
  SQLite::Statement insert(history, std::string("INSERT INTO findings(run_id, ") + kColumns +
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  while (rows.executeStep()) {
    insert.reset();
    insert.bind(1, run_id);
    for (int c = 0; c < rows.getColumnCount(); ++c) {
      const SQLite::Column column = rows.getColumn(c);
      if (column.isNull())
        insert.bind(c + 2);
      else if (column.isInteger())
        insert.bind(c + 2, column.getInt64());
      else
        insert.bind(c + 2, column.getString());
    }
    insert.exec();
  }
}

}  // namespace chataudit
