// Delivery: people.email for --mail-to {email}, and the e-mail reports handed to sendmail.
#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "base/catalog.h"
#include "base/error.h"
#include "cli/cli_parts.h"
#include "cli/mail.h"
#include "load/inventory.h"

namespace chataudit::cli {

std::map<std::string, std::string> read_emails(Inventory& inventory) {
  std::map<std::string, std::string> emails;
  SQLite::Statement query(inventory.db(), "SELECT person_id, email FROM people WHERE email IS NOT NULL");
  while (query.executeStep()) emails[query.getColumn(0).getString()] = query.getColumn(1).getString();
  return emails;
}

void send_all(const std::vector<Message>& messages, const std::string& command) {
  std::vector<Diagnostic> failed;
  for (const Message& message : messages) {
    const std::string problem = send_message(command, message.produce);
    if (!problem.empty())
      failed.push_back(Diagnostic{.message = tr("--send: {} did not take the report for {}: {}", command,
                                                fmt::join(message.to, ", "), problem)});
  }
  if (failed.empty()) return;
  failed.push_back(Diagnostic{.message = tr("{} of {} messages not sent; the run was not recorded, so the "
                                            "next run delivers these findings again",
                                            failed.size(), messages.size())});
  throw Error(failed);
}

}  // namespace chataudit::cli
