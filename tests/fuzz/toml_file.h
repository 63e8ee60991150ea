#pragma once
// The policy and waiver loaders read a path: the fuzz input goes to a per-process file first.
#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

namespace chataudit_fuzz {

/// Writes `data` to a file private to this process (in /dev/shm when there is one) and returns its path.
inline std::string write_input(const std::uint8_t* data, std::size_t size, const char* suffix) {
  static const std::string path = [suffix] {
    std::string dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return dir + "/chataudit-fuzz-" + std::to_string(getpid()) + suffix;
  }();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace chataudit_fuzz
