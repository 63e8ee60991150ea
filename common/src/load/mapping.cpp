// The mapping file (`inventory.toml`) and the built-in spreadsheet headers: how the names people
// give their files, tables, headers, values and dates become the schema's. toml++ stays here, at
// the edge: every problem in a mapping file is an Error at its FILE:LINE:COLUMN.
#include "load/mapping.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "base/catalog.h"
#include "base/csv.h"
#include "base/text.h"
#include "base/toml_reader.h"

namespace chataudit {
namespace {

// Headers of Chinese registers as offices write them. A spelling appears under one column of a
// table at most (mapping_test checks it): a header that could mean two columns, such as a bare
// 编号 ("number": whose?) or 日期 ("date": of what?), is left out, so that nothing is guessed;
// the missing-column message then says how to map it.
constexpr BuiltinHeaders kBuiltinHeaders[] = {
    // orgs
    {"orgs", "org_id", "组织编号 組織編號 组织代码 組織代碼 组织ID 組織ID 机构编号 機構編號 机构代码 機構代碼"},
    {"orgs", "name", "组织名称 組織名稱 机构名称 機構名稱 名称 名稱"},
    {"orgs", "parent_id", "上级组织 上級組織 上级组织编号 上級組織編號 上级机构 上級機構 上级 上級"},
    {"orgs", "leader_id", "主要负责人 主要負責人 主要领导 主要領導 负责人 負責人"},
    {"orgs", "level", "级别 級別 层级 層級 组织级别 組織級別"},
    // depts
    {"depts", "dept_id", "部门编号 部門編號 部门代码 部門代碼 部门ID 部門ID"},
    {"depts", "org_id", "所属组织 所屬組織 组织编号 組織編號 所属组织编号 所屬組織編號"},
    {"depts", "name", "部门名称 部門名稱 名称 名稱"},
    {"depts", "head_id", "部门负责人 部門負責人 负责人 負責人"},
    {"depts", "supervisor_id", "分管领导 分管領導 分管负责人 分管負責人"},
    // people
    {"people", "person_id", "人员编号 人員編號 人员ID 人員ID 工号 工號 员工编号 員工編號 社员编号 社員編號"},
    {"people", "real_name", "姓名 真实姓名 真實姓名"},
    {"people", "org_id", "所属组织 所屬組織 组织编号 組織編號"},
    {"people", "dept_id", "所属部门 所屬部門 部门编号 部門編號"},
    {"people", "status", "状态 狀態 人员状态 人員狀態 在职状态 在職狀態"},
    {"people", "status_since", "状态日期 狀態日期 变动日期 變動日期 状态变动日期 狀態變動日期"},
    {"people", "external", "社外人员 社外人員 是否社外人员 是否社外人員 外部人员 外部人員 是否外部人员 是否外部人員"},
    // accounts
    {"accounts", "account_id", "账号编号 賬號編號 公众号编号 公眾號編號 帐号编号 帳號編號"},
    {"accounts", "name", "公众号名称 公眾號名稱 账号名称 賬號名稱 帐号名称 帳號名稱 名称 名稱"},
    {"accounts", "kind", "类型 類型 账号类型 賬號類型 公众号类型 公眾號類型 帐号类型 帳號類型"},
    {"accounts", "org_id", "所属组织 所屬組織 组织编号 組織編號"},
    {"accounts", "dept_id", "所属部门 所屬部門 部门编号 部門編號"},
    {"accounts", "created_on", "开通日期 開通日期 创建日期 創建日期 注册日期 註冊日期"},
    {"accounts", "approved_by", "审批人 審批人"},
    {"accounts", "approved_on", "审批日期 審批日期"},
    {"accounts", "collective_decision", "集体决策 集體決策 是否集体决策 是否集體決策"},
    {"accounts", "recorded_on", "登记日期 登記日期"},
    {"accounts", "filed_on", "备案日期 備案日期"},
    {"accounts", "owner_id", "负责人 負責人 责任人 責任人"},
    {"accounts", "review_levels", "审核层级 審核層級 审核级数 審核級數"},
    {"accounts", "status", "状态 狀態 账号状态 賬號狀態"},
    {"accounts", "closed_on", "注销日期 註銷日期 关闭日期 關閉日期"},
    {"accounts", "closure_filed_on", "注销备案日期 註銷備案日期"},
    {"accounts", "content_cleared_on", "信息清理日期 内容清理日期 內容清理日期"},
    // groups
    {"groups", "group_id", "群编号 群編號 工作群编号 工作群編號 群ID"},
    {"groups", "name", "群名称 群名稱 工作群名称 工作群名稱 群名 名称 名稱"},
    {"groups", "scope", "建群范围 建群範圍 范围 範圍 建群主体 建群主體"},
    {"groups", "org_id", "所属组织 所屬組織 组织编号 組織編號"},
    {"groups", "dept_id", "所属部门 所屬部門 部门编号 部門編號"},
    {"groups", "term", "期限 群期限 存续期限 存續期限"},
    {"groups", "created_on", "建群日期 创建日期 創建日期"},
    {"groups", "approved_by", "审批人 審批人"},
    {"groups", "approved_on", "审批日期 審批日期"},
    {"groups", "filed_on", "备案日期 備案日期"},
    {"groups", "work_ended_on", "工作结束日期 工作結束日期 结束日期 結束日期"},
    {"groups", "owner_id", "负责人 負責人 群主 群负责人 群負責人"},
    {"groups", "status", "状态 狀態 群状态 群狀態"},
    {"groups", "dissolved_on", "解散日期 撤销日期 撤銷日期"},
    {"groups", "closure_filed_on", "撤销备案日期 撤銷備案日期 解散备案日期 解散備案日期"},
    {"groups", "content_cleared_on", "信息清理日期 内容清理日期 內容清理日期"},
    {"groups", "last_activity_on", "最后活动日期 最後活動日期 最近活动日期 最近活動日期"},
    {"groups", "allows_external", "允许社外人员 允許社外人員 是否允许社外人员 是否允許社外人員"},
    // members
    {"members", "group_id", "群编号 群編號 工作群编号 工作群編號"},
    {"members", "handle", "微信号 微信號 账号 賬號 帐号 帳號"},
    {"members", "person_id", "人员编号 人員編號 工号 工號"},
    {"members", "display_name", "群昵称 群暱稱 群昵稱 昵称 暱稱 昵稱 群名片 显示名称 顯示名稱"},
    {"members", "role", "角色 群角色 身份"},
    {"members", "joined_on", "入群日期 加入日期"},
    {"members", "left_on", "退群日期 退出日期"},
    // permissions
    {"permissions", "account_id", "账号编号 賬號編號 公众号编号 公眾號編號 帐号编号 帳號編號"},
    {"permissions", "person_id", "人员编号 人員編號 工号 工號"},
    {"permissions", "role", "角色 权限 權限"},
    {"permissions", "granted_on", "授权日期 授權日期 授予日期"},
    {"permissions", "revoked_on", "收回日期 撤销日期 撤銷日期 取消日期"},
    // successions
    {"successions", "kind", "类型 類型 对象类型 對象類型"},
    {"successions", "object_id", "对象编号 對象編號"},
    {"successions", "from_person_id", "原负责人 原負責人 移交人"},
    {"successions", "to_person_id", "新负责人 新負責人 接任人 接收人"},
    {"successions", "approved_by", "审批人 審批人"},
    {"successions", "approved_on", "审批日期 審批日期"},
    {"successions", "effective_on", "生效日期 交接日期"},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `fewest` to `most` digits at `at`, and no more digits may follow.
bool read_number(std::string_view text, std::size_t& at, int fewest, int most, int& value) {
  std::size_t end = at;
  int result = 0;
  while (end < text.size() && is_digit(text[end]) && static_cast<int>(end - at) < most)
    result = result * 10 + (text[end++] - '0');
  if (static_cast<int>(end - at) < fewest || (end < text.size() && is_digit(text[end]))) return false;
  at = end;
  value = result;
  return true;
}

// `27/11/2026` (or with `.` or `-`, the same separator twice, one-digit days and months too),
// optionally followed by a time as parse_date accepts it.
std::optional<Date> parse_day_month_year(std::string_view text, DateFormat::Order order, const TimeZone& zone) {
  std::size_t at = 0;
  int first = 0, second = 0, year = 0;
  if (!read_number(text, at, 1, 2, first) || at >= text.size()) return std::nullopt;
  const char separator = text[at];
  if (separator != '/' && separator != '.' && separator != '-') return std::nullopt;
  ++at;
  if (!read_number(text, at, 1, 2, second) || at >= text.size() || text[at] != separator) return std::nullopt;
  ++at;
  if (!read_number(text, at, 4, 4, year)) return std::nullopt;
  const int day = order == DateFormat::Order::day_first ? first : second;
  const int month = order == DateFormat::Order::day_first ? second : first;
  // The canonical spelling plus whatever followed, so that the calendar and the time-of-day
  // rules stay parse_date's alone.
  return parse_date(fmt::format("{:04}-{:02}-{:02}{}", year, month, day, text.substr(at)), zone);
}

// Excel's 1900 date system counts a 1900-02-29 that never was (Lotus 1-2-3's bug, kept for
// compatibility), so from serial 61 (1900-03-01) on, serial N is N days after 1899-12-30. Lower
// serials would need that correction; no registry dates from early 1900, so they are refused.
constexpr long kFirstExcelSerial = 61;
constexpr long kLastExcelSerial = 2958465;  // 9999-12-31, Excel's last day

// `46353`, or `46353.75` (a time of day, which does not change the date). Eight digits are
// never a serial: they are the built-in YYYYMMDD spelling.
std::optional<Date> parse_excel_serial(std::string_view text) {
  std::size_t digits = 0;
  long serial = 0;
  while (digits < text.size() && is_digit(text[digits])) {
    if (++digits > 7) return std::nullopt;
    serial = serial * 10 + (text[digits - 1] - '0');
  }
  if (digits == 0) return std::nullopt;
  const std::string_view fraction = text.substr(digits);
  if (!fraction.empty()) {
    if (fraction.size() == 1 || fraction[0] != '.') return std::nullopt;
    for (char c : fraction.substr(1))
      if (!is_digit(c)) return std::nullopt;
  }
  if (serial < kFirstExcelSerial || serial > kLastExcelSerial) return std::nullopt;
  return Date(1899, 12, 30) + boost::gregorian::date_duration(serial);
}

std::string names_of_columns(const TableSpec& spec) {
  std::string names;
  for (const ColumnSpec& column : spec.columns) names += (names.empty() ? "" : ", ") + std::string(column.name);
  return names;
}

// A mapping file's reader: positions as MappingPosition (the entries keep them for later
// messages), strings that must not be empty, encodings, delimiters and date formats.
class MappingReader : public TomlReader {
 public:
  explicit MappingReader(std::string path) : TomlReader(std::move(path)) {}

  using TomlReader::fail;
  // Where a value or a key begins.
  template <class Node>
  MappingPosition position(const Node& at) const {
    const SourceRef ref = where(at);
    return MappingPosition{ref.line, ref.column};
  }
  [[noreturn]] void fail(const MappingPosition& at, std::string message) const {
    fail(SourceRef{path(), at.line, at.column}, std::move(message));
  }

  std::string encoding_at(const toml::node& node, std::string_view what) const {
    std::string name = non_empty_string_at(node, what);
    if (!known_encoding(name))
      fail(node, tr("unknown encoding \"{}\"; expected auto, utf-8, utf-16, utf-16le, utf-16be, gb18030, "
                    "gbk, or another name that iconv -l lists",
                    name));
    return name;
  }

  char delimiter_at(const toml::node& node, std::string_view what) const {
    const std::string text = string_at(node, what);
    std::string error;
    auto delimiter = parse_delimiter(text, &error);
    // The key and its value as written, then the message.
    if (!delimiter) fail(node, fmt::format("delimiter \"{}\": {}", text, error));  // not a message
    return *delimiter;
  }

  DateFormat date_format_at(const toml::node& node) const {
    std::vector<const toml::node*> items;
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& item : *array) items.push_back(&item);
    } else {
      items.push_back(&node);
    }
    DateFormat format;
    for (const toml::node* item : items) {
      const std::string name = ascii_lower(item->is_string() ? item->as_string()->get() : std::string());
      DateFormat::Order order = DateFormat::Order::none;
      if (name == "dmy")
        order = DateFormat::Order::day_first;
      else if (name == "mdy")
        order = DateFormat::Order::month_first;
      else if (name == "excel-serial")
        format.excel_serial = true;
      else if (name != "ymd")
        fail(*item, tr("date_format must be \"YMD\", \"DMY\", \"MDY\" or \"excel-serial\", or a list of them such as "
                       "[\"DMY\", \"excel-serial\"]"));
      if (order == DateFormat::Order::none) continue;
      if (format.order != DateFormat::Order::none && format.order != order)
        fail(*item, tr("date_format cannot be both DMY and MDY: a date such as 03/04/2026 would mean two days"));
      format.order = order;
    }
    return format;
  }

  void read_columns(const TableSpec& spec, const toml::table& columns, TableMapping& mapping) const {
    for (auto&& [key, value] : columns) {
      const std::string header(key.str());
      const std::string what = fmt::format("[tables.{}.columns] \"{}\"", spec.name, header);
      if (header_key(header).empty()) fail(key, tr("{}: a header name must not be empty", what));
      // toml++ iterates keys in sorted order: the one written later is the one reported.
      for (const ColumnMapping& other : mapping.columns) {
        if (header_key(other.header) != header_key(header)) continue;
        const MappingPosition at = position(key);
        const bool this_later = at.line > other.where.line;
        fail(this_later ? at : other.where,
             tr("[tables.{}.columns] \"{}\" names the same header as \"{}\" on line {}", spec.name,
                this_later ? header : other.header, this_later ? other.header : header,
                this_later ? other.where.line : at.line));
      }
      const std::string target = non_empty_string_at(value, what);
      std::string column;
      if (const ColumnSpec* canonical = spec.find(ascii_lower(trim(target))))
        column = std::string(canonical->name);
      else if (header_key(target) == header_key(header))
        column = std::string(trim(header));
      else
        fail(value, tr("{}: table {} has no column \"{}\"; expected one of: {} (or \"{}\" itself, to keep "
                       "the header as an extra column)",
                       what, spec.name, target, names_of_columns(spec), header));
      mapping.columns.push_back(ColumnMapping{header, column, position(key)});
    }
  }

  void read_values(const TableSpec& spec, const toml::table& values, TableMapping& mapping) const {
    for (auto&& [key, words] : values) {
      const ColumnSpec* column = spec.find(key.str());
      if (!column || (column->type != ColumnType::enumeration && column->type != ColumnType::boolean)) {
        std::string allowed;
        for (const ColumnSpec& candidate : spec.columns)
          if (candidate.type == ColumnType::enumeration || candidate.type == ColumnType::boolean)
            allowed += (allowed.empty() ? "" : ", ") + std::string(candidate.name);
        fail(key, tr("[tables.{}.values.{}]: values can be added to enumeration and boolean columns only; "
                     "table {} has: {}",
                     spec.name, key.str(), spec.name, allowed.empty() ? std::string(tr("none")) : allowed));
      }
      const std::string what = fmt::format("[tables.{}.values.{}]", spec.name, column->name);
      for (auto&& [spelling, value] : table_at(words, what)) {
        if (trim(spelling.str()).empty()) fail(spelling, tr("{}: an empty spelling cannot be mapped", what));
        std::string canonical;
        if (column->type == ColumnType::boolean) {
          if (!value.is_boolean())
            fail(value,
                 tr("{} \"{}\": {} is a boolean column; write true or false", what, spelling.str(), column->name));
          canonical = value.as_boolean()->get() ? "1" : "0";
        } else {
          const std::string word = ascii_lower(value.is_string() ? value.as_string()->get() : std::string());
          for (std::string_view accepted : column->words)
            if (word == accepted) canonical = word;
          if (canonical.empty()) {
            std::string words_list;
            for (std::string_view accepted : column->words)
              words_list += (words_list.empty() ? "" : ", ") + std::string(accepted);
            fail(value, tr("{} \"{}\": expected one of {}", what, spelling.str(), words_list));
          }
        }
        mapping.values.push_back(ValueMapping{std::string(column->name), std::string(trim(spelling.str())), canonical});
      }
    }
  }

  TableMapping read_table(const TableSpec& spec, const toml::table& table) const {
    const std::string what = fmt::format("[tables.{}]", spec.name);
    only_keys(table, {"file", "table", "sheet", "encoding", "delimiter", "date_format", "columns", "values"}, what);
    TableMapping mapping;
    if (const toml::node* file = table.get("file")) {
      mapping.file = non_empty_string_at(*file, what + " file");
      mapping.file_where = position(*file);
    }
    if (const toml::node* source = table.get("table")) {
      mapping.source_table = non_empty_string_at(*source, what + " table");
      mapping.source_table_where = position(*source);
    }
    if (const toml::node* sheet = table.get("sheet")) {
      mapping.sheet = non_empty_string_at(*sheet, what + " sheet");
      mapping.sheet_where = position(*sheet);
    }
    if (const toml::node* encoding = table.get("encoding"))
      mapping.encoding = encoding_at(*encoding, what + " encoding");
    if (const toml::node* delimiter = table.get("delimiter"))
      mapping.delimiter = delimiter_at(*delimiter, what + " delimiter");
    if (const toml::node* format = table.get("date_format")) mapping.date_format = date_format_at(*format);
    if (const toml::node* columns = table.get("columns"))
      read_columns(spec, table_at(*columns, fmt::format("[tables.{}.columns]", spec.name)), mapping);
    if (const toml::node* values = table.get("values"))
      read_values(spec, table_at(*values, fmt::format("[tables.{}.values]", spec.name)), mapping);
    return mapping;
  }

 private:
  std::string path_;
};

}  // namespace

std::optional<Date> parse_date_as(std::string_view text, const DateFormat& format, const TimeZone& zone) {
  if (auto date = parse_date(text, zone)) return date;
  if (format.order != DateFormat::Order::none)
    if (auto date = parse_day_month_year(text, format.order, zone)) return date;
  if (format.excel_serial)
    if (auto date = parse_excel_serial(text)) return date;
  return std::nullopt;
}

std::string accepted_date_spellings(const DateFormat& format) {
  std::string spellings(accepted_date_spellings());
  if (format.order == DateFormat::Order::day_first)
    spellings += tr("; or DD/MM/YYYY, DD.MM.YYYY, DD-MM-YYYY (date_format DMY)");
  if (format.order == DateFormat::Order::month_first)
    spellings += tr("; or MM/DD/YYYY, MM.DD.YYYY, MM-DD-YYYY (date_format MDY)");
  if (format.excel_serial) spellings += tr("; or an Excel serial number such as 46353 (date_format excel-serial)");
  return spellings;
}

const ColumnMapping* TableMapping::find_column(std::string_view header) const {
  const std::string key = header_key(header);
  for (const ColumnMapping& mapping : columns)
    if (header_key(mapping.header) == key) return &mapping;
  return nullptr;
}

const TableMapping* InventoryMapping::find(std::string_view table) const {
  auto it = tables.find(std::string(table));
  return it == tables.end() ? nullptr : &it->second;
}

Diagnostic InventoryMapping::at(const MappingPosition& where, std::string message) const {
  return Diagnostic{.file = path, .line = where.line, .column = where.column, .message = std::move(message)};
}

InventoryMapping load_mapping(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Diagnostic{.file = path, .message = tr("cannot open the mapping file")});
  std::ostringstream bytes;
  bytes << in.rdbuf();

  const MappingReader reader(path);
  const toml::table root = reader.parse(std::move(bytes).str());
  reader.only_keys(root, {"encoding", "delimiter", "date_format", "tables"}, tr("the mapping file"));
  InventoryMapping mapping;
  mapping.path = path;
  mapping.loaded = true;
  if (const toml::node* encoding = root.get("encoding")) mapping.encoding = reader.encoding_at(*encoding, "encoding");
  if (const toml::node* delimiter = root.get("delimiter"))
    mapping.delimiter = reader.delimiter_at(*delimiter, "delimiter");
  if (const toml::node* format = root.get("date_format")) mapping.date_format = reader.date_format_at(*format);
  if (const toml::node* tables = root.get("tables")) {
    for (auto&& [name, table] : reader.table_at(*tables, "tables")) {
      const TableSpec* spec = find_table(name.str());
      if (!spec)
        reader.fail(name,
                    tr("unknown table \"{}\" in [tables]; expected one of: {}", name.str(), inventory_table_names()));
      mapping.tables[std::string(spec->name)] =
          reader.read_table(*spec, reader.table_at(table, fmt::format("[tables.{}]", spec->name)));
    }
  }
  return mapping;
}

std::string header_key(std::string_view header) { return ascii_lower(remove_white_space(nfkc(trim(header)))); }

std::span<const BuiltinHeaders> builtin_headers() { return kBuiltinHeaders; }

namespace {
// The sheet names a workbook inventory's tables go by without a mapping file, beside the tables'
// own names (simplified and traditional Chinese; compared as headers are).
constexpr BuiltinHeaders kBuiltinSheets[] = {
    {"orgs", "", "组织 組織 机构 機構 组织机构 組織機構"},
    {"depts", "", "部门 部門"},
    {"people", "", "人员 人員 人员名单 人員名單"},
    {"accounts", "", "公众号 公眾號 账号 帳號 公众号台账 公眾號台賬"},
    {"groups", "", "工作群 工作群台账 工作群台賬 群台账 群台賬"},
    {"members", "", "群成员 群成員 成员 成員"},
    {"permissions", "", "权限 權限 公众号权限 公眾號權限"},
    {"successions", "", "交接 交接记录 交接記錄 移交"},
};
}  // namespace

std::string_view builtin_table_for_sheet(std::string_view sheet) {
  const std::string key = header_key(sheet);
  for (const BuiltinHeaders& entry : kBuiltinSheets) {
    if (header_key(entry.table) == key) return entry.table;
    for (std::size_t start = 0; start < entry.spellings.size();) {
      std::size_t end = entry.spellings.find(' ', start);
      if (end == std::string_view::npos) end = entry.spellings.size();
      if (header_key(entry.spellings.substr(start, end - start)) == key) return entry.table;
      start = end + 1;
    }
  }
  return {};
}

std::string_view builtin_column(std::string_view table, std::string_view header) {
  const std::string key = header_key(header);
  for (const BuiltinHeaders& entry : kBuiltinHeaders) {
    if (entry.table != table) continue;
    for (std::size_t start = 0; start < entry.spellings.size();) {
      std::size_t end = entry.spellings.find(' ', start);
      if (end == std::string_view::npos) end = entry.spellings.size();
      if (header_key(entry.spellings.substr(start, end - start)) == key) return entry.column;
      start = end + 1;
    }
  }
  return {};
}

std::optional<char> parse_delimiter(std::string_view text, std::string* error) {
  // `\t` as typed on a command line (--delimiter '\t' passes the two characters).
  if (text == "\\t" || ascii_lower(text) == "tab") return '\t';
  const unsigned char c = text.size() == 1 ? static_cast<unsigned char>(text[0]) : 0;
  if (text.size() != 1 || c == '"' || c == '\r' || c == '\n' || c == 0 || c >= 0x80) {
    if (error)
      *error = tr("expected one ASCII character other than a quote or a line break, such as , or ; or \\t (a tab)");
    return std::nullopt;
  }
  return static_cast<char>(c);
}

}  // namespace chataudit
