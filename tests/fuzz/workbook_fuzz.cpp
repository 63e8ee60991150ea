// libFuzzer target: an .xlsx workbook (the zip container, its XML, the cells) over arbitrary
// bytes: every sheet read as a table's rows. chataudit::Error is the expected rejection.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "load/sheet_rows.h"
#include "load/workbook.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
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
  return 0;
}
