#include "cli/mail.h"

#include <doctest/doctest.h>

#include "base/error.h"

using namespace chataudit;

namespace {

std::string address_error(const std::string& address) {
  try {
    check_address("--mail-to", address);
  } catch (const Error& error) {
    return error.diagnostics().front().message;
  }
  return "accepted";
}

}  // namespace

TEST_CASE("mail: a split key is substituted only when it is a plain id") {
  for (const char* plain : {"P001", "o-2.a_b", "9"}) CHECK_MESSAGE(is_plain_id(plain), plain);
  for (const char* not_plain : {"", ".hidden", "unassigned", "Unassigned", "P1\r\nBcc: x", "a b", "<evil@x.example>",
                                "a,b", "../P1", "P1@x", "张三"})
    CHECK_MESSAGE(!is_plain_id(not_plain), not_plain);
}

TEST_CASE("mail: {email} only as one plain address in an allowed domain") {
  const std::vector<std::string> domains{"corp.example", "Jiusan.Example"};
  for (const char* plain : {"a@corp.example", "zhang.wei+audit@CORP.example", "x_y-z@jiusan.example"})
    CHECK_MESSAGE(is_plain_address_in(plain, domains), plain);
  for (const char* refused :
       {"a@attacker.example", "a@corp.example.attacker.example", "<a@corp.example>", "A <a@corp.example>",
        "a@corp.example, b@attacker.example", "a,b@corp.example", "p15%attacker.example@corp.example",
        "attacker.example!p16@corp.example", "=?utf-8?q?m?=@corp.example", "\"a b\"@corp.example", "@corp.example",
        "a@", "a@corp..example", "a@-corp.example", "ａ@corp.example", "a@corp.example\r\nBcc: b@attacker.example", ""})
    CHECK_MESSAGE(!is_plain_address_in(refused, domains), refused);
}

TEST_CASE("mail: addresses on the command line are checked") {
  CHECK(address_error("audit@corp.example") == "accepted");
  CHECK(address_error("审计处 <audit@corp.example>") == "accepted");
  CHECK(address_error("\"Audit, Office\" <audit@corp.example>") == "accepted");
  CHECK(address_error("{id}@corp.example") == "accepted");
  CHECK(address_error("{email}") == "accepted");
  CHECK(address_error("a@corp.example\r\nBcc: x@evil.example") ==
        "--mail-to: an address holds a control character (CR, LF, …); refused");
  CHECK(address_error("a@corp.example, b@corp.example") ==
        "--mail-to a@corp.example, b@corp.example: one address per option (repeat the option for more); expected one "
        "address, local@domain or \"Name <local@domain>\"");
  CHECK(address_error("audit") ==
        "--mail-to audit: not a plain address; expected one address, local@domain or \"Name <local@domain>\"");
  CHECK(address_error("Audit, Office <audit@corp.example>") ==
        "--mail-to Audit, Office <audit@corp.example>: a display name with <, >, @, comma or semicolon must be quoted; "
        "expected one address, local@domain or \"Name <local@domain>\"");
  CHECK(address_error("Audit <audit@corp.example") ==
        "--mail-to Audit <audit@corp.example: a display name's address must end with '>'; expected one address, "
        "local@domain or \"Name <local@domain>\"");
}

TEST_CASE("mail: placeholders filled, every occurrence") {
  CHECK(fill_address("{id}@corp.example", "P1", "") == "P1@corp.example");
  CHECK(fill_address("Leader {id} <{email}>", "P1", "p1@corp.example") == "Leader P1 <p1@corp.example>");
  CHECK(fill_address("{id}.{id}@x.example", "P1", "") == "P1.P1@x.example");
}

TEST_CASE("mail: send_message reports what the command did") {
  CHECK(send_message("cat > /dev/null", "To: a@b.example\r\n\r\nbody\r\n").empty());
  CHECK(send_message("exit 75", "x") == "exit status 75");
  CHECK(send_message("kill -9 $$", "x") == "killed by signal 9");
  CHECK(send_message("/nonexistent/sendmail -t", "x") == "cannot run it (exit status 127: not found?)");
  // A command that reads nothing and succeeds did not take a large message whole.
  CHECK(send_message("exit 0", std::string(1 << 20, 'x')).starts_with("it did not read the whole message"));
}
