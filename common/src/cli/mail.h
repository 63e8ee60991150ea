#pragma once
// E-mail recipients and delivery (SPEC §5 "E-mail recipients", "Sending"): no inventory value may
// send a report anywhere the operator did not allow, and a message sendmail did not take is an
// error, not a silent loss.
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace chataudit {

/// Checks an address given on the command line (`flag` names it in the error): one address,
/// `local@domain` or `Display Name <local@domain>`, plain ASCII in the address itself, no
/// control character anywhere. `{id}` and `{email}` are checked as a plain id and a plain address
/// would fill them. Throws chataudit::Error.
void check_address(std::string_view flag, const std::string& address);

/// A split key that may be put into an address or a file name: letters, digits, `.`, `_`, `-`,
/// not starting with `.`, and not `unassigned` in any case.
bool is_plain_id(std::string_view key);

/// One plain ASCII `local@domain` (dot-atom local part, letters/digits/hyphens labels) whose
/// domain is one of `domains` (compared without case).
bool is_plain_address_in(std::string_view address, const std::vector<std::string>& domains);

/// `pattern` with `{id}` and `{email}` replaced.
std::string fill_address(std::string pattern, std::string_view id, std::string_view email);

/// The command `--send` pipes each message to when no `--sendmail` is given: `sendmail -t -oi`,
/// sendmail found on PATH, else /usr/sbin/sendmail or /usr/lib/sendmail (cron's PATH has neither
/// /usr/sbin nor /usr/local/bin).
std::string default_sendmail();

/// Runs `command` with /bin/sh, `message` on its standard input. Returns an empty string when it
/// exited 0, else what went wrong ("exit status 75", "killed by signal 9", "cannot run …").
std::string send_message(const std::string& command, std::string_view message);
/// The same with the message written to the pipe by `produce` (false with errno set on a failed write).
std::string send_message(const std::string& command, const std::function<bool(int fd)>& produce);

}  // namespace chataudit
