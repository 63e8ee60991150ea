// libFuzzer target: an .xlsx workbook (the zip container, its XML, the cells) over arbitrary
// bytes: every sheet read as a table's rows. chataudit::Error is the expected rejection.
//
// Two shapes of input. Any bytes are the workbook file itself (the container, its headers, sizes,
// compression). An input starting "XLSX-PARTS\n" holds the XML parts instead, separated by lines
// "--": workbook.xml, the first sheet, sharedStrings.xml, styles.xml (a part left out gets a
// minimal one); the target zips them with libzip, with good checksums, so that mutations reach the
// XML and the cells rather than stopping at a CRC.
#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "load/sheet_rows.h"
#include "load/workbook.h"

namespace {

constexpr std::string_view kPartsMagic = "XLSX-PARTS\n";

const char* const kDefaults[] = {
    "<workbook><sheets><sheet name=\"groups\" sheetId=\"1\" r:id=\"rId1\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"/></sheets></workbook>",
    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>group_id</t></is></c></row>"
    "</sheetData></worksheet>",
    "<sst/>",
    "<styleSheet/>",
};

const char* const kNames[] = {"xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/styles.xml"};

constexpr const char* kRelations =
    "<Relationships>"
    "<Relationship Id=\"rId1\" Type=\"x/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"x/sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"x/styles\" Target=\"styles.xml\"/></Relationships>";

// The parts of a "XLSX-PARTS" input zipped in memory; empty when libzip cannot.
std::string zip_parts(std::string_view text) {
  std::vector<std::string> parts;
  for (std::size_t start = 0; parts.size() < 4;) {
    const std::size_t end = text.find("\n--\n", start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 4;
  }
  for (std::size_t i = parts.size(); i < 4; ++i) parts.emplace_back(kDefaults[i]);
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  zip_error_fini(&error);
  if (!buffer) return {};
  zip_source_keep(buffer);
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, nullptr);
  std::string out;
  const std::string relations = kRelations;  // zip_close reads every part's bytes: all must outlive it
  if (archive) {
    auto add = [&](const char* name, const std::string& data) {
      zip_source_t* source = zip_source_buffer(archive, data.data(), data.size(), 0);
      if (source && zip_file_add(archive, name, source, ZIP_FL_OVERWRITE) < 0) zip_source_free(source);
    };
    add("xl/_rels/workbook.xml.rels", relations);
    for (std::size_t i = 0; i < 4; ++i) add(kNames[i], parts[i]);
    if (zip_close(archive) != 0) zip_discard(archive);
    zip_stat_t stat;
    if (zip_source_open(buffer) == 0) {
      if (zip_source_stat(buffer, &stat) == 0 && (stat.valid & ZIP_STAT_SIZE)) {
        out.resize(stat.size);
        if (zip_source_read(buffer, out.data(), out.size()) != static_cast<zip_int64_t>(out.size())) out.clear();
      }
      zip_source_close(buffer);
    }
  }
  zip_source_free(buffer);
  return out;
}

void read_workbook(const std::string& bytes) {
  try {
    const chataudit::loading::Workbook workbook(bytes, "fuzz.xlsx");
    for (const chataudit::loading::SheetInfo& sheet : workbook.sheets()) {
      try {
        chataudit::loading::WorkbookRowSource rows(std::make_unique<chataudit::loading::Workbook>(bytes, "fuzz.xlsx"),
                                                   sheet);
        std::vector<chataudit::loading::Cell> cells;
        while (rows.next(cells)) {
          // Every row has one cell per header column, each at its own row and column.
          if (cells.size() != rows.header().size()) __builtin_trap();
          for (std::size_t i = 0; i < cells.size(); ++i)
            if (cells[i].column != static_cast<int>(i) + 1 || cells[i].line < 1) __builtin_trap();
        }
        rows.notes();
      } catch (const chataudit::Error&) {}
    }
  } catch (const chataudit::Error&) {}
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.starts_with(kPartsMagic)) {
    const std::string zipped = zip_parts(input.substr(kPartsMagic.size()));
    if (!zipped.empty()) read_workbook(zipped);
  } else {
    read_workbook(std::string(input));
  }
  return 0;
}
