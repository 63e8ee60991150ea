// Source resolution: standard input given once, each --table checked and sniffed for SQLite,
// each --inventory directory or database searched for the wanted tables.
#include "load/sources.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cassert>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include "base/catalog.h"
#include "base/error.h"
#include "base/text.h"
#include "load/files.h"
#include "load/header_plan.h"
#include "load/workbook.h"
#include "store/sqlite_file.h"

namespace chataudit::loading {
namespace {

// The files a directory may hold table `table` in: the mapping's `file`, else TABLE.csv,
// TABLE.tsv, TABLE.txt (Excel's "Unicode text") or TABLE.xlsx.
std::vector<std::string> candidate_files(const std::string& table, const InventoryMapping& mapping) {
  if (const TableMapping* table_mapping = mapping.find(table); table_mapping && !table_mapping->file.empty())
    return {table_mapping->file};
  return {table + ".csv", table + ".tsv", table + ".txt", table + ".xlsx"};
}

class SourceResolver {
 public:
  SourceResolver(const InventorySources& sources, const std::set<std::string>& wanted, Mappings& mappings)
      : sources_(sources), wanted_(wanted), mappings_(mappings) {}

  std::map<std::string, TableSource> resolve() && {
    check_one_standard_input();
    for (const auto& [table, path] : sources_.tables) add_table_option(table, path);
    for (const std::string& path : sources_.inventories) add_inventory(path);
    check_mapped_present();
    return std::move(chosen_);
  }

 private:
  // Standard input gives one table: a second reader would find it empty, or half read.
  void check_one_standard_input() const {
    const std::pair<std::string, std::string>* from_stdin = nullptr;
    for (const auto& assignment : sources_.tables) {
      if (!reads_standard_input(assignment.second)) continue;
      if (from_stdin)
        throw Error(
            tr("--table {}={} and --table {}={} both read standard input, which holds one table; "
               "save one of them to a file and give the file",
               from_stdin->first, from_stdin->second, assignment.first, assignment.second));
      from_stdin = &assignment;
    }
  }

  // --table TABLE=PATH.
  void add_table_option(const std::string& table, const std::string& path) {
    if (!explicit_tables_.insert(table).second) throw Error(tr("--table {} is given twice", table));
    const InventoryMapping* mapping = &mappings_.for_other();
    const TableMapping* table_mapping = mapping->find(table);
    const std::string source_table =
        table_mapping && !table_mapping->source_table.empty() ? table_mapping->source_table : table;
    if (path == "-") {
      chosen_[table] = TableSource{SourceKind::csv_stdin, "-", source_table, mapping};
      return;
    }
    // FILE.xlsx#SHEET: the sheet is split off after a name ending in .xlsx only.
    std::string file = path, sheet;
    if (const std::size_t at = ascii_lower(path).find(".xlsx#"); at != std::string::npos && !exists(path)) {
      file = path.substr(0, at + 5);
      sheet = path.substr(at + 6);
      if (sheet.empty()) throw Error(tr("--table {}={}: no sheet name after #", table, path));
    }
    if (!exists(file)) {
      throw Error(Diagnostic{.file = file, .message = tr("no such file (given by --table {})", table)});
    } else if (is_directory(file)) {
      throw Error(
          Diagnostic{.file = file, .message = tr("is a directory; --table takes a CSV, .xlsx or SQLite file (or -)")});
    }
    const SourceKind kind = file_kind(file);
    if (!sheet.empty() && kind != SourceKind::workbook)
      throw Error(Diagnostic{.file = file, .message = tr("not an .xlsx workbook, so it has no sheet {}", sheet)});
    chosen_[table] = TableSource{kind, file, source_table, mapping, sheet};
  }

  // --inventory PATH: each wanted table that no --table gives, if the directory or database holds it.
  void add_inventory(const std::string& path) {
    if (!exists(path))
      throw Error(Diagnostic{.file = path, .message = tr("no such file or directory (given by --inventory)")});
    if (!is_directory(path) && is_regular_file(path) && file_kind(path) == SourceKind::workbook)
      return add_workbook(path);
    const bool directory = is_directory(path);
    const std::unique_ptr<SQLite::Database> db = directory ? nullptr : open_database(path);
    const InventoryMapping& mapping = directory ? mappings_.for_directory(path) : mappings_.for_other();
    for (const std::string& table : wanted_) {
      if (explicit_tables_.count(table)) continue;
      std::optional<TableSource> found =
          directory ? in_directory(path, table, mapping) : in_database(*db, path, table, mapping);
      if (!found) continue;
      if (auto previous = from_inventory_.find(table); previous != from_inventory_.end())
        throw Error(
            tr("table {} is in both {} and {}; choose one with --table {}=PATH", table, previous->second, path, table));
      from_inventory_[table] = path;
      chosen_[table] = std::move(*found);
    }
  }

  // --inventory BOOK.xlsx: each wanted table that no --table gives, from the sheet the mapping
  // names, or the sheet called by the table's name or a built-in one (`工作群`).
  void add_workbook(const std::string& path) {
    const MappedFile bytes(path);
    const Workbook workbook(bytes.view(), path);
    const InventoryMapping& mapping = mappings_.for_other();
    for (const std::string& table : wanted_) {
      if (explicit_tables_.count(table)) continue;
      const TableMapping* table_mapping = mapping.find(table);
      std::vector<std::string> sheets;
      if (table_mapping && !table_mapping->sheet.empty()) {
        const SheetInfo* sheet = workbook.find_sheet(table_mapping->sheet);
        if (!sheet)
          throw Error(mapping.at(table_mapping->sheet_where, tr("[tables.{}] sheet = \"{}\": no such sheet in {}",
                                                                table, table_mapping->sheet, path)));
        sheets.push_back(sheet->name);
      } else {
        for (const SheetInfo& sheet : workbook.sheets())
          if (builtin_table_for_sheet(sheet.name) == table) sheets.push_back(sheet.name);
      }
      if (sheets.empty()) continue;
      if (sheets.size() > 1)
        throw Error(Diagnostic{.file = path,
                               .message = tr("sheets {} and {} could both be table {}; rename one, or name "
                                             "it with --mapping FILE: [tables.{}] sheet = \"{}\"",
                                             sheets[0], sheets[1], table, table, sheets[0])});
      if (auto previous = from_inventory_.find(table); previous != from_inventory_.end())
        throw Error(
            tr("table {} is in both {} and {}; choose one with --table {}=PATH", table, previous->second, path, table));
      from_inventory_[table] = path;
      chosen_[table] = TableSource{SourceKind::workbook, path, table, &mapping, sheets.front()};
    }
  }

  // An --inventory path that is not a directory: it must be a SQLite database.
  static std::unique_ptr<SQLite::Database> open_database(const std::string& path) {
    if (!is_regular_file(path))
      throw Error(Diagnostic{
          .file = path,
          .message = tr("neither a directory of CSV files, a workbook nor a SQLite database file; a pipe or a "
                        "device gives one table: --table NAME=PATH")});
    if (!has_sqlite_header(path))
      throw Error(Diagnostic{
          .file = path, .message = tr("neither a directory of CSV files, an .xlsx workbook nor a SQLite database")});
    try {
      return open_sqlite_source(path);
    } catch (const SQLite::Exception& e) {
      throw Error(Diagnostic{.file = path, .message = sqlite_source_message(e)});
    }
  }

  // The file of `table` in directory `dir`, if there is one (more than one is an error).
  std::optional<TableSource> in_directory(const std::string& dir, const std::string& table,
                                          const InventoryMapping& mapping) {
    std::vector<std::string> present;
    for (const std::string& name : candidate_files(table, mapping)) {
      const std::string candidate = (std::filesystem::path(dir) / name).string();
      if (exists(candidate) && !is_directory(candidate)) present.push_back(candidate);
    }
    const TableMapping* table_mapping = mapping.find(table);
    const bool mapped = table_mapping && !table_mapping->file.empty();
    if (present.size() > 1)
      throw Error(Diagnostic{.file = dir,
                             .message = tr("both {} and {} could be table {}; keep one, or name it {}: "
                                           "[tables.{}] file = \"{}\"",
                                           present[0], present[1], table, mapping_place(mapping), table,
                                           std::filesystem::path(present[0]).filename().string())});
    if (present.empty()) {
      if (mapped) note_missing(table, mapping, dir);
      return std::nullopt;
    }
    return TableSource{file_kind(present.front()), present.front(), table, &mapping};
  }

  // The table or view of `table` in the database at `path`, if it has one.
  std::optional<TableSource> in_database(SQLite::Database& db, const std::string& path, const std::string& table,
                                         const InventoryMapping& mapping) {
    const TableMapping* table_mapping = mapping.find(table);
    const bool mapped = table_mapping && !table_mapping->source_table.empty();
    const std::string source_table = mapped ? table_mapping->source_table : table;
    bool present = false;
    try {
      present = has_table_or_view(db, source_table);
    } catch (const SQLite::Exception& e) {
      throw Error(Diagnostic{.file = path, .message = sqlite_source_message(e)});
    }
    if (!present) {
      if (mapped) note_missing(table, mapping, path);
      return std::nullopt;
    }
    return TableSource{SourceKind::sqlite, path, source_table, &mapping};
  }

  void note_missing(const std::string& table, const InventoryMapping& mapping, const std::string& path) {
    mapped_but_missing_[table].mapping = &mapping;
    mapped_but_missing_[table].looked_in.push_back(path);
  }

  // A table the mapping places in a file or SQLite table that no inventory holds, and that no
  // other source gives.
  void check_mapped_present() const {
    for (const auto& [table, missing] : mapped_but_missing_) {
      if (chosen_.count(table)) continue;
      const InventoryMapping* mapping = missing.mapping;
      const std::vector<std::string>& places = missing.looked_in;
      assert(mapping && !places.empty() && mapping->find(table));
      const TableMapping& table_mapping = *mapping->find(table);
      const bool sqlite = !is_directory(places.front());
      throw Error(mapping->at(sqlite ? table_mapping.source_table_where : table_mapping.file_where,
                              tr("[tables.{}] {} = \"{}\": no such {} in {}", table, sqlite ? "table" : "file",
                                 sqlite ? table_mapping.source_table : table_mapping.file,
                                 sqlite ? tr("table or view") : tr("file"), fmt::join(places, tr(" nor in ")))));
    }
  }

  const InventorySources& sources_;
  const std::set<std::string>& wanted_;
  Mappings& mappings_;
  std::map<std::string, TableSource> chosen_;
  std::set<std::string> explicit_tables_;
  std::map<std::string, std::string> from_inventory_;  // table → path that supplied it
  // A file or SQLite table the mapping names but no inventory holds: a typo there must not pass
  // for an absent table (whose rules would quietly be skipped).
  struct MappedButMissing {
    const InventoryMapping* mapping = nullptr;
    std::vector<std::string> looked_in;
  };
  std::map<std::string, MappedButMissing> mapped_but_missing_;
};

}  // namespace

Mappings::Mappings(const InventorySources& sources) {
  if (!sources.mapping.empty()) global_ = &stored_.emplace_back(load_mapping(sources.mapping));
}

const InventoryMapping& Mappings::for_directory(const std::string& dir) {
  if (global_) return *global_;
  const std::string path = (std::filesystem::path(dir) / kMappingFileName).string();
  if (exists(path)) return stored_.emplace_back(load_mapping(path));
  InventoryMapping& none = stored_.emplace_back();
  none.path = path;
  return none;
}

SourceKind file_kind(const std::string& path) {
  const std::string extension = ascii_lower(std::filesystem::path(path).extension().string());
  // Only a regular file is sniffed: reading the start of a pipe, a FIFO or /dev/stdin would take
  // it away from the CSV reader.
  std::string start;
  if (is_regular_file(path)) {
    std::ifstream in(path, std::ios::binary);
    start.resize(8);
    in.read(start.data(), 8);
    start.resize(static_cast<std::size_t>(in.gcount()));
  }
  if (extension == ".xls" || extension == ".et" || file_magic(start) == FileMagic::ole)
    throw Error(Diagnostic{.file = path, .message = ole_workbook_message()});
  if (extension == ".xlsx" || file_magic(start) == FileMagic::zip) return SourceKind::workbook;
  return is_regular_file(path) && has_sqlite_header(path) ? SourceKind::sqlite : SourceKind::csv_file;
}

bool has_table_or_view(SQLite::Database& db, const std::string& name) {
  SQLite::Statement query(db, "SELECT 1 FROM sqlite_schema WHERE type IN ('table','view') AND name = ? COLLATE NOCASE");
  query.bind(1, name);
  return query.executeStep();
}

std::map<std::string, TableSource> resolve_sources(const InventorySources& sources, const std::set<std::string>& wanted,
                                                   Mappings& mappings) {
  return SourceResolver(sources, wanted, mappings).resolve();
}

}  // namespace chataudit::loading
