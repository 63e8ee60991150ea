// The spool of rendered groups: order per report and channel, in memory and past its limit on disk,
// and the byte sinks.
#include "report/spool.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "base/error.h"

using namespace chataudit;

namespace {

std::string read_all(const Spool& spool, std::size_t key, int channel) {
  std::string out;
  StringSink sink(out);
  spool.copy(key, channel, sink);
  return out;
}

}  // namespace

TEST_CASE("spool: each report's channels read back in the order appended, in memory and on disk") {
  for (const std::size_t limit : {std::size_t{1} << 20, std::size_t{10}}) {
    CAPTURE(limit);
    Spool spool(limit);
    spool.append(1, 0, "b1 ");
    spool.append(0, 0, "a1 ");
    spool.append(0, 1, "A1 ");
    spool.append(1, 0, "b2 ");
    spool.append(0, 0, "a2");
    spool.append(0, 1, "");
    spool.append(0, 1, "A2");
    CHECK(spool.on_disk() == (limit == 10));
    CHECK(spool.size() == 16);
    CHECK(read_all(spool, 0, 0) == "a1 a2");
    CHECK(read_all(spool, 0, 1) == "A1 A2");
    CHECK(read_all(spool, 1, 0) == "b1 b2 ");
    CHECK(read_all(spool, 1, 1).empty());
    CHECK(read_all(spool, 7, 0).empty());  // a report with nothing spooled
  }
}

TEST_CASE("spool: a piece larger than the read buffer comes back whole from disk") {
  Spool spool(0);
  const std::string big(3 * (1 << 20) + 17, 'x');
  spool.append(0, 0, "<");
  spool.append(0, 0, big);
  spool.append(0, 0, ">");
  CHECK(spool.on_disk());
  CHECK(read_all(spool, 0, 0) == "<" + big + ">");
}

TEST_CASE("spool: a group sink spills at a megabyte, and everything with spill(true)") {
  Spool spool;
  GroupSink sink(spool, 2);
  sink.channel(1) += "small";
  sink.spill();
  CHECK(spool.size() == 0);
  sink.channel(0) += std::string(1 << 20, 'y');
  sink.spill();
  CHECK(spool.size() == (1 << 20));
  CHECK(sink.channel(0).empty());
  sink.spill(true);
  CHECK(read_all(spool, 2, 1) == "small");
}

TEST_CASE("spool: FdSink writes through its buffer and reports a failed write") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    FdSink sink(fds[1], 4);
    sink.write("ab");
    sink.write("cdef");        // past the buffer: flushed first, then this
    sink.write("0123456789");  // larger than the buffer: written straight
    CHECK(sink.flush());
  }
  ::close(fds[1]);
  char buffer[64];
  const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
  CHECK(std::string(buffer, static_cast<std::size_t>(got)) == "abcdef0123456789");
  ::close(fds[0]);
  const int closed = ::open("/dev/null", O_RDONLY);  // a descriptor that cannot be written
  FdSink failing(closed, 4);
  failing.write("too much for the buffer");
  CHECK_FALSE(failing.flush());
  ::close(closed);
}

TEST_CASE("spool: a shifted group sink writes the same report's later channels") {
  Spool spool;
  GroupSink sink(spool, 0);
  GroupSink html = sink.shifted(1);
  sink.channel(0) += "text";
  html.channel(0) += "html";
  sink.spill(true);
  html.spill(true);
  const Spooled groups{spool, 0, 0};
  CHECK(read_all(spool, 0, 0) == "text");
  CHECK(read_all(spool, 0, 1) == "html");
  std::string out;
  StringSink to(out);
  groups.next().copy_to(to);
  CHECK(out == "html");
}
