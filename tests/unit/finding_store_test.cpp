// The store of a rule's findings: records kept across pages, report order within a rule (subject id,
// then message, ties in order), changes, filtering, moves; and FindingList over a store or a span.
#include "findings/finding_store.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace chataudit;

namespace {

// Records "SUBJECT|MESSAGE|NOTE": the note is not sorted by (it tells ties apart).
class TestMaker final : public FindingMaker {
 public:
  Finding make(std::string_view record) const override {
    Finding finding;
    finding.rule = "r";
    finding.subject_kind = "group";
    finding.subject_id = subject_id(record);
    finding.message.en = message(record);
    finding.details.add("note", part(record, 2));
    ++made;
    return finding;
  }
  std::string_view subject_id(std::string_view record) const override { return part(record, 0); }
  std::string message(std::string_view record) const override { return std::string(part(record, 1)); }
  mutable int made = 0;

 private:
  static std::string_view part(std::string_view record, int n) {
    for (; n > 0; --n) record.remove_prefix(record.find('|') + 1);
    return record.substr(0, record.find('|'));
  }
};

std::vector<std::string> described(const FindingList& list) {
  std::vector<std::string> out;
  for (const Finding& finding : list)
    out.push_back(finding.subject_id + "/" + finding.message.en + "/" + finding.field("note") +
                  (finding.change.empty() ? "" : ":" + finding.change));
  return out;
}

std::vector<std::uint32_t> all_of(const FindingStore& store) {
  std::vector<std::uint32_t> chosen;
  for (std::uint32_t i = 0; i < store.size(); ++i) chosen.push_back(i);
  return chosen;
}

}  // namespace

TEST_CASE("finding store: sorted by subject id bytes, then message bytes; ties keep their order") {
  TestMaker maker;
  FindingStore store(&maker);
  for (const char* record : {"G2|b|1", "G10|z|2", "G2|a|3", "G1|m|4", "G2|a|5", "g0|a|6", "G2|a|7"})
    store.append(record);
  store.sort();
  const std::vector<std::uint32_t> chosen = all_of(store);
  CHECK(described(FindingList(store, chosen)) ==
        std::vector<std::string>{"G1/m/4", "G10/z/2", "G2/a/3", "G2/a/5", "G2/a/7", "G2/b/1", "g0/a/6"});
}

TEST_CASE("finding store: records across many pages read back whole, and a record larger than a page") {
  TestMaker maker;
  FindingStore store(&maker);
  const std::string big(5 << 20, 'x');  // larger than a page of the store (4 MiB)
  std::vector<std::string> expected;
  for (int i = 0; i < 40000; ++i) {
    const std::string record = "S" + std::to_string(100000 + i) + "|" + std::string(200, 'm') + "|" + std::to_string(i);
    store.append(record);  // 40,000 records of ~215 bytes: three pages
    if (i == 20000) store.append("S120000|" + big + "|big");
  }
  REQUIRE(store.size() == 40001);
  CHECK(store.record(0) == "S100000|" + std::string(200, 'm') + "|0");
  CHECK(store.record(20001) == "S120000|" + big + "|big");
  CHECK(store.record(40000) == "S139999|" + std::string(200, 'm') + "|39999");
  store.sort();  // the big record sorts after S120000's other one: "x…" after "m…"
  CHECK(store.at(20000).field("note") == "20000");
  CHECK(store.at(20001).field("note") == "big");
  CHECK(store.at(20001).message.en == big);
}

TEST_CASE("finding store: changes by position, keep_if in order, and a move keeps the records") {
  TestMaker maker;
  FindingStore store(&maker);
  for (const char* record : {"A|m|1", "B|m|2", "C|m|3", "D|m|4"}) store.append(record);
  store.keep_if([](const Finding& finding) { return finding.subject_id != "B"; });
  REQUIRE(store.size() == 3);
  store.set_change(0, "new");
  store.set_change(2, "reassigned");
  CHECK(store.change(0) == "new");
  CHECK(store.change(1) == "");
  FindingStore moved(std::move(store));
  CHECK(store.empty());  // NOLINT(bugprone-use-after-move): a moved-from store is empty
  const std::vector<std::uint32_t> chosen{2, 0};
  const FindingList list(moved, chosen);
  CHECK(described(list) == std::vector<std::string>{"D/m/4:reassigned", "A/m/1:new"});
  CHECK(list.change(0) == "reassigned");
  CHECK(list.change(1) == "new");
  CHECK(list[1].subject_id == "A");
  CHECK(list.front().subject_id == "D");
  CHECK(described(list.subspan(1, 1)) == std::vector<std::string>{"A/m/1:new"});
  CHECK(moved.all().size() == 3);
}

TEST_CASE("finding list: a store's findings are made as they are read, once per step of an iterator") {
  TestMaker maker;
  FindingStore store(&maker);
  for (const char* record : {"A|m|1", "B|m|2"}) store.append(record);
  const std::vector<std::uint32_t> chosen = all_of(store);
  const FindingList list(store, chosen);
  maker.made = 0;
  auto it = list.begin();
  CHECK(it->subject_id == "A");
  CHECK((*it).field("note") == "1");
  CHECK(maker.made == 1);
  ++it;
  CHECK(it->subject_id == "B");
  CHECK(maker.made == 2);
  ++it;
  CHECK(it == list.end());
}

TEST_CASE("finding list over a span: the findings themselves, their changes, a part of them") {
  std::vector<Finding> findings(3);
  findings[0].subject_id = "X";
  findings[1].subject_id = "Y";
  findings[1].change = "persisting";
  findings[2].subject_id = "Z";
  const FindingList list(findings);
  REQUIRE(list.size() == 3);
  CHECK(&*list.begin() == &findings[0]);
  CHECK(list.change(1) == "persisting");
  CHECK(list.subspan(1, 2).front().subject_id == "Y");
  CHECK(list.subspan(1, 2).size() == 2);
  CHECK(FindingList().empty());
}
