// The loader: a table's source opened by kind, its digest taken, its rows read under the time
// limit and the clock check, in one part or two.
#include "load/loader.h"

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cassert>
#include <filesystem>
#include <future>
#include <memory>

#include "base/catalog.h"
#include "base/parallel.h"
#include "base/text.h"
#include "load/files.h"
#include "load/sheet_rows.h"
#include "policy/schema.h"
#include "store/sqlite_file.h"

namespace chataudit::loading {

// What a source opened for reading holds. Declared in this order so that the digest's thread is
// joined before the bytes it reads go (the mapping, or a stream's bytes), even when the load
// throws; the sandbox's log outlives the connection that writes to it.
struct OpenSource {
  SandboxLog sandbox;
  std::unique_ptr<MappedFile> mapped;
  std::string bytes;  // a stream's bytes (a regular file is mapped instead)
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<RowSource> rows;
  std::future<std::string> digest;
};

namespace {

std::string sql_type(const ColumnSpec* spec) {
  if (spec && (spec->type == ColumnType::boolean || spec->type == ColumnType::integer)) return "INTEGER";
  return "TEXT";
}

}  // namespace

ColumnTable& create_table(Inventory& inventory, const std::string& name, const TableLayout& layout) {
  std::vector<std::string> types;
  for (const ColumnSpec* spec : layout.specs) types.push_back(sql_type(spec));
  ColumnTable& table = inventory.store().create(name, layout.names, std::move(types));
  inventory.db().exec(inventory.store().create_statement(table, "main"));
  return table;
}

void Loader::load(const std::string& table, const TableSource& source) {
  const Deadline deadline(sources_.read_timeout);  // outlives the database it watches
  OpenSource open;
  if (source.kind == SourceKind::sqlite)
    open_sqlite(table, source, deadline, open);
  else if (source.kind == SourceKind::workbook)
    open_workbook(table, source, open);
  else
    open_csv(table, source, open);
  read_rows(table, source, *open.rows, deadline);
  if (std::vector<Diagnostic> notes = open.rows->notes(); !notes.empty())
    locked([&] { inventory_.notes.insert(inventory_.notes.end(), notes.begin(), notes.end()); });
  if (open.digest.valid()) {
    const std::string sha = open.digest.get();
    locked([&] { inventory_.record(table).digest = sha; });
  }
}

void Loader::open_sqlite(const std::string& table, const TableSource& source, const Deadline& deadline,
                         OpenSource& open) {
  try {
    open.db = open_sqlite_source(source.path);
    // A view inside the database runs its own SQL: under the time limit and the policy's
    // sandbox (no function off the allow-list, no clock).
    Deadline::watch(open.db->getHandle(), &deadline);
    const std::string sha = sha256_hex(MappedFile(source.path).view());
    locked([&] { inventory_.record(table).digest = sha; });
    if (!has_table_or_view(*open.db, source.source_table))
      throw Error(Diagnostic{.file = source.path,
                             .message = tr("no table or view named {}; if another one holds table {}, name it {}: "
                                           "[tables.{}] table = \"NAME\"",
                                           source.source_table, table, mapping_place(*source.mapping), table)});
    sqlite3_set_authorizer(open.db->getHandle(), sandbox_authorizer, &open.sandbox);
    open.rows = std::make_unique<SqliteRowSource>(*open.db, source.path, source.source_table);
    open.rows->check_utf8 = true;
    // The authorizer stays for the whole read: a statement SQLite prepares again is held to it too.
    check_views(*open.db, source, open.sandbox);
  } catch (const SQLite::Exception& e) {
    const SandboxLog& sandbox = open.sandbox;
    if (!sandbox.refused_function.empty()) {
      const std::string view = sandbox.views.empty() ? source.source_table : sandbox.views.back();
      throw Error(Diagnostic{.file = source.path,
                             .locator = source.source_table,
                             .message = tr("view {}: {}", view, refused_function_message(sandbox.refused_function))});
    }
    throw Error(Diagnostic{.file = source.path, .locator = source.source_table, .message = sqlite_source_message(e)});
  }
}

void Loader::open_workbook(const std::string& table, const TableSource& source, OpenSource& open) const {
  open.mapped = std::make_unique<MappedFile>(source.path);
  const std::string_view view = open.mapped->view();
  open.digest = std::async(std::launch::async, [view] { return sha256_hex(view); });
  try {
    auto workbook = std::make_unique<Workbook>(view, source.path);
    const TableMapping* table_mapping = source.mapping->find(table);
    std::string name = source.sheet;
    if (name.empty() && table_mapping) name = table_mapping->sheet;
    const SheetInfo* sheet = name.empty() ? &workbook->sheets().front() : workbook->find_sheet(name);
    if (!sheet) {
      std::string names;
      for (const SheetInfo& each : workbook->sheets()) names += (names.empty() ? "" : ", ") + each.name;
      throw Error(Diagnostic{.file = source.path,
                             .message = tr("no sheet named {} (table {}); its sheets are {}", name, table, names)});
    }
    const SheetInfo chosen = *sheet;
    open.rows = std::make_unique<WorkbookRowSource>(std::move(workbook), chosen);
  } catch (const std::bad_alloc&) {
    throw Error(Diagnostic{.file = source.path, .message = out_of_memory_message(tr("table {}", table))});
  }
}

void Loader::open_csv(const std::string& table, const TableSource& source, OpenSource& open) const {
  const EncodingChoice encoding = encoding_choice(table, *source.mapping);
  const std::string key = encoding_key(encoding.name);
  const bool utf8_or_auto = key.empty() || key == "auto" || key == "utf8";
  std::string_view view;
  if (source.kind == SourceKind::csv_file && is_regular_file(source.path)) {
    open.mapped = std::make_unique<MappedFile>(source.path);
    view = open.mapped->view();
  } else {
    open.bytes = read_stream(source.kind == SourceKind::csv_stdin ? "-" : source.path, !utf8_or_auto);
    view = open.bytes;
  }
  // The digest is computed on the other core while this one parses.
  open.digest = std::async(std::launch::async, [view] { return sha256_hex(view); });
  const bool utf16_bom = view.starts_with("\xFF\xFE") || view.starts_with("\xFE\xFF");
  // UTF-8 for sure (--encoding utf-8, the mapping's, or a UTF-8 BOM): bytes that are not
  // UTF-8 are bad cells, each listed, rather than a reason to stop at the first.
  const bool known_utf8 = key == "utf8" || ((key.empty() || key == "auto") && view.starts_with(kByteOrderMark));
  const bool valid = utf8_or_auto && !utf16_bom && valid_utf8(view);
  if (valid || known_utf8) {
    // UTF-8 already: read in place (the reader skips a BOM).
    const char delimiter = delimiter_for(table, source, view);
    open.rows = std::make_unique<CsvRowSource>(std::string(), view, open.mapped.get(), source.path, delimiter, !valid);
    open.rows->utf8_note = !encoding.chosen_by.empty() ? tr(" (chosen by {})", encoding.chosen_by)
                           : known_utf8                ? std::string(tr(" (chosen by its byte order mark)"))
                                                       : "";
  } else {
    DecodedText decoded = decode_to_utf8(std::string(view), source.path, encoding);
    const char delimiter = delimiter_for(table, source, decoded.text);
    open.rows =
        std::make_unique<CsvRowSource>(std::move(decoded.text), std::string_view(), nullptr, source.path, delimiter);
  }
}

void Loader::read_rows(const std::string& table, const TableSource& source, RowSource& rows, const Deadline& deadline) {
  try {
    clock_was_read();
    load_rows(table, source, rows, deadline);
    if (clock_was_read())
      throw Error(Diagnostic{
          .file = source.path, .locator = source.source_table, .message = tr("table {}: {}", table, clock_message())});
  } catch (const SQLite::Exception& e) {
    if (deadline.passed())
      throw Error(Diagnostic{.file = source.path, .message = deadline.message(tr("table {}", table))});
    const std::string_view locator = source.kind == SourceKind::sqlite ? source.source_table : table;
    throw Error(Diagnostic{.file = source.path, .locator = std::string(locator), .message = sqlite_source_message(e)});
  } catch (const std::bad_alloc&) {
    throw Error(Diagnostic{.file = source.path, .message = out_of_memory_message(tr("table {}", table))});
  }
}

EncodingChoice Loader::encoding_choice(const std::string& table, const InventoryMapping& mapping) const {
  const TableMapping* table_mapping = mapping.find(table);
  EncodingChoice choice;
  if (!sources_.encoding.empty()) {
    choice.name = sources_.encoding;
    choice.chosen_by = "--encoding " + choice.name;
  } else if (table_mapping && !table_mapping->encoding.empty()) {
    choice.name = table_mapping->encoding;
    choice.chosen_by = tr("encoding = \"{}\" under [tables.{}] in {}", choice.name, table, mapping.path);
  } else if (!mapping.encoding.empty()) {
    choice.name = mapping.encoding;
    choice.chosen_by = tr("encoding = \"{}\" in {}", choice.name, mapping.path);
  }
  choice.advice =
      tr("if it is GBK or GB18030, set encoding = \"gb18030\" under [tables.{}] {} or pass --encoding gb18030; for "
         "another encoding, give its name there (iconv -l lists them)",
         table, mapping_place(mapping));
  return choice;
}

char Loader::delimiter_for(const std::string& table, const TableSource& source, std::string_view text) const {
  if (!sources_.delimiter.empty()) return *parse_delimiter(sources_.delimiter, nullptr);  // checked up front
  const TableMapping* table_mapping = source.mapping->find(table);
  if (table_mapping && table_mapping->delimiter) return *table_mapping->delimiter;
  if (source.mapping->delimiter) return *source.mapping->delimiter;
  if (ascii_lower(std::filesystem::path(source.path).extension().string()) == ".tsv") return '\t';
  return guess_delimiter(text);
}

void Loader::check_views(SQLite::Database& db, const TableSource& source, const SandboxLog& sandbox) {
  const std::vector<std::string> views = sandbox.views;  // (the queries below go through the authorizer)
  for (const std::string& view : views) {
    SQLite::Statement query(db, "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?");
    query.bind(1, view);
    if (query.executeStep() && clock_literal(query.getColumn(0).getString()) != std::string::npos)
      throw Error(Diagnostic{
          .file = source.path, .locator = source.source_table, .message = tr("view {}: {}", view, clock_message())});
  }
}

void Loader::load_rows(const std::string& table, const TableSource& source, RowSource& rows, const Deadline& deadline) {
  const TableSpec* spec = find_table(table);
  DiagnosticList problems;
  const HeaderPlan plan = plan_header(table, spec, *source.mapping, rows, problems);
  problems.throw_if_any();

  TableRead read(table, spec, plan, deadline, zone_);
  read.set_columns(*source.mapping, rows.header());
  ColumnTable& stored = locked([&]() -> ColumnTable& { return create_table(inventory_, table, plan.layout); });
  LoadedTable& stats = locked([&]() -> LoadedTable& { return inventory_.record(table); });
  stats.source = source.path;
  // Parents' keys, for references from this table (keys_ has those of the tables loaded so far).
  read.checks = locked([&] { return parent_checks(table, plan.layout, keys_); });
  read_parts(read, rows, stored, problems, stats);
  problems.throw_if_any();
  stored.seal();
  // Child tables look their references up in this table's key column.
  if (read.key_index >= 0) locked([&] { keys_[table] = &stored.column(static_cast<std::size_t>(read.key_index)); });
}

void Loader::read_parts(TableRead& read, RowSource& rows, ColumnTable& stored, DiagnosticList& problems,
                        LoadedTable& stats) {
  // A large file without a key column (whose duplicates one reader must see) is read by two
  // threads, each from its half, into tables of their own; the second's rows are then appended,
  // its problems listed after the first's. A failure of the first part is the file's first;
  // otherwise the second's.
  std::unique_ptr<RowSource> rest =
      read.key_index < 0 && worker_threads() > 1 ? rows.split_off(sources_.split_bytes) : nullptr;
  if (!rest) {
    read_part(read, rows, stored, problems, stats.rows_read, stats.rows_loaded, false);
    return;
  }
  // A table with a key column is read in one part: its KeyLines are not shared between threads.
  assert(read.key_index < 0);
  ColumnTable& second =
      locked([&]() -> ColumnTable& { return inventory_.store().create(read.table, stored.names(), stored.types()); });
  DiagnosticList second_problems;
  std::size_t second_read = 0, second_loaded = 0;
  // The first part on this thread, the second on another; run_parallel rethrows the first part's
  // failure before the second's.
  run_parallel(2, [&](std::size_t part) {
    if (part == 1) return read_part(read, *rest, second, second_problems, second_read, second_loaded, true);
    try {
      read_part(read, rows, stored, problems, stats.rows_read, stats.rows_loaded, false);
    } catch (...) {
      read.failed = true;
      throw;
    }
  });
  problems.add(std::move(second_problems));
  stats.rows_read += second_read;
  stats.rows_loaded += second_loaded;
  if (problems.empty()) stored.append(second);
  locked([&] { inventory_.store().release(second); });
}

}  // namespace chataudit::loading
