// libFuzzer target: load_waivers over an arbitrary file. chataudit::Error is the expected rejection.
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "review/review.h"
#include "toml_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string path = chataudit_fuzz::write_input(data, size, "-waivers.toml");
  try {
    chataudit::load_waivers(path);
  } catch (const chataudit::Error&) {}
  return 0;
}
