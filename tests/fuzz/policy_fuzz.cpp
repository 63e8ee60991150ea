// libFuzzer target: load_policy over an arbitrary file. chataudit::Error is the expected rejection.
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "policy/policy.h"
#include "toml_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string path = chataudit_fuzz::write_input(data, size, "-policy.toml");
  try {
    chataudit::load_policy(path);
  } catch (const chataudit::Error&) {}
  return 0;
}
