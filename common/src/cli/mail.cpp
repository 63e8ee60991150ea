// E-mail recipients checked, and messages handed to sendmail with its exit status read.
#include "cli/mail.h"
#include "base/catalog.h"
#include "base/outputs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "base/error.h"

namespace chataudit {

namespace {

bool is_ascii_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// RFC 5322 dot-atom text: atext characters, dots only between them.
bool is_dot_atom(std::string_view text) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  if (text.empty() || text.front() == '.' || text.back() == '.' || text.find("..") != std::string_view::npos)
    return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return is_ascii_alnum(c) || c == '.' || kSpecials.find(c) != std::string_view::npos;
  });
}

// Labels of letters, digits and hyphens (not at either end), separated by single dots.
bool is_domain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = text.find('.', begin);
    const std::string_view label =
        text.substr(begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    if (!std::all_of(label.begin(), label.end(), [](char c) { return is_ascii_alnum(c) || c == '-'; })) return false;
    if (dot == std::string_view::npos) return true;
    begin = dot + 1;
  }
}

bool is_addr_spec(std::string_view text) {
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at == 0) return false;
  return is_dot_atom(text.substr(0, at)) && is_domain(text.substr(at + 1));
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

}  // namespace

void check_address(std::string_view flag, const std::string& address) {
  auto refuse = [&](std::string_view why) {
    throw Error(tr("{} {}: {}; expected one address, local@domain or \"Name <local@domain>\"", flag, address, why));
  };
  // Not echoed: the control characters would reach the terminal or the cron mail raw.
  if (std::any_of(address.begin(), address.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    throw Error(tr("{}: an address holds a control character (CR, LF, …); refused", flag));
  // The placeholders filled as the plainest values they can take.
  const std::string filled = fill_address(address, "P001", "someone@example.org");
  std::string_view spec = filled;
  if (const std::size_t open = filled.rfind('<'); open != std::string::npos) {
    if (filled.back() != '>') refuse(tr("a display name's address must end with '>'"));
    const std::string_view name = std::string_view(filled).substr(0, open);
    if (name.find_first_of("<>@,;\"") != std::string_view::npos &&
        !(name.size() >= 2 && name.find('"') == 0 && name.find('"', 1) == name.rfind('"')))
      refuse(tr("a display name with <, >, @, comma or semicolon must be quoted"));
    spec = std::string_view(filled).substr(open + 1, filled.size() - open - 2);
  }
  if (spec.find(',') != std::string_view::npos || spec.find(';') != std::string_view::npos)
    refuse(tr("one address per option (repeat the option for more)"));
  if (!is_addr_spec(spec)) refuse(tr("not a plain address"));
}

bool is_plain_id(std::string_view key) {
  if (key.empty() || key.front() == '.' || lower(key) == "unassigned") return false;
  return std::all_of(key.begin(), key.end(),
                     [](char c) { return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_plain_address_in(std::string_view address, const std::vector<std::string>& domains) {
  if (!is_addr_spec(address)) return false;
  // A plain local part: letters, digits, '.', '_', '+', '-'. Not '%' or '!', which some mail
  // servers (Postfix) still route onwards (user%host@our.domain → user@host), nor '=' '?' '/'.
  const std::string_view local = address.substr(0, address.rfind('@'));
  if (!std::all_of(local.begin(), local.end(),
                   [](char c) { return is_ascii_alnum(c) || c == '.' || c == '_' || c == '+' || c == '-'; }))
    return false;
  const std::string domain = lower(address.substr(address.rfind('@') + 1));
  return std::any_of(domains.begin(), domains.end(),
                     [&](const std::string& allowed) { return lower(allowed) == domain; });
}

std::string fill_address(std::string pattern, std::string_view id, std::string_view email) {
  for (const auto& [placeholder, value] :
       {std::pair<std::string_view, std::string_view>{"{id}", id}, {"{email}", email}}) {
    for (std::size_t at = pattern.find(placeholder); at != std::string::npos;
         at = pattern.find(placeholder, at + value.size()))
      pattern.replace(at, placeholder.size(), value);
  }
  return pattern;
}

std::string default_sendmail() {
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest = path;
    while (!rest.empty()) {
      const std::size_t colon = rest.find(':');
      const std::string dir(rest.substr(0, colon));
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
      if (dir.empty()) continue;
      const std::string candidate = dir + "/sendmail";
      if (executable(candidate)) return candidate + " -t -oi";
    }
  }
  for (const char* candidate : {"/usr/sbin/sendmail", "/usr/lib/sendmail"})
    if (executable(candidate)) return std::string(candidate) + " -t -oi";  // not a message
  return "sendmail -t -oi";
}

std::string send_message(const std::string& command, std::string_view message) {
  return send_message(command, [&](int fd) { return write_fully(fd, message); });
}

std::string send_message(const std::string& command, const std::function<bool(int fd)>& produce) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return tr("cannot make a pipe: {}", std::strerror(errno));
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return tr("cannot start it: {}", std::strerror(errno));
  }
  if (child == 0) {
    ::dup2(pipe_fds[0], STDIN_FILENO);
    ::signal(SIGPIPE, SIG_DFL);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(pipe_fds[0]);
  // A command that exits without reading everything must not kill us with SIGPIPE.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  std::string problem;
  try {
    if (!produce(pipe_fds[1])) problem = tr("it did not read the whole message: {}", std::strerror(errno));
  } catch (const std::exception& e) {
    problem = tr("the message could not be written: {}", e.what());
  }
  ::close(pipe_fds[1]);
  ::sigaction(SIGPIPE, &previous, nullptr);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return tr("cannot wait for it: {}", std::strerror(errno));
  if (WIFSIGNALED(status)) return tr("killed by signal {}", WTERMSIG(status));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) return tr("cannot run it (exit status 127: not found?)");
  if (WIFEXITED(status) && WEXITSTATUS(status) != 0) return tr("exit status {}", WEXITSTATUS(status));
  return problem;
}

}  // namespace chataudit
