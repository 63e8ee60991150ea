// SPEC §3 as data. The loader, the in-memory database and the inventory man page follow this table.
#include "policy/schema.h"

#include <array>

namespace chataudit {
namespace {

using T = ColumnType;

// Enumerations: canonical words first, then every other accepted spelling (simplified and
// traditional Chinese, and the words spreadsheets commonly carry).
constexpr std::string_view kPersonStatus[] = {"active", "transferred", "departed"};
constexpr EnumSynonym kPersonStatusSynonyms[] = {
    {"在职", "active"},      {"在職", "active"},      {"在岗", "active"},      {"在崗", "active"},
    {"正常", "active"},      {"调动", "transferred"}, {"調動", "transferred"}, {"调离", "transferred"},
    {"調離", "transferred"}, {"调出", "transferred"}, {"調出", "transferred"}, {"离职", "departed"},
    {"離職", "departed"},    {"离任", "departed"},    {"離任", "departed"},    {"退休", "departed"},
};
constexpr std::string_view kAccountStatus[] = {"active", "closed"};
constexpr EnumSynonym kAccountStatusSynonyms[] = {
    {"正常", "active"}, {"在用", "active"},   {"运行", "active"},   {"運行", "active"},   {"注销", "closed"},
    {"註銷", "closed"}, {"注銷", "closed"},   {"已注销", "closed"}, {"已註銷", "closed"}, {"关闭", "closed"},
    {"關閉", "closed"}, {"已关闭", "closed"}, {"已關閉", "closed"}, {"撤销", "closed"},   {"撤銷", "closed"},
};
constexpr std::string_view kGroupStatus[] = {"active", "dissolved"};
constexpr EnumSynonym kGroupStatusSynonyms[] = {
    {"正常", "active"},      {"在用", "active"},      {"运行", "active"},    {"運行", "active"},
    {"已解散", "dissolved"}, {"解散", "dissolved"},   {"撤销", "dissolved"}, {"撤銷", "dissolved"},
    {"已撤销", "dissolved"}, {"已撤銷", "dissolved"},
};
constexpr std::string_view kAccountKind[] = {"subscription", "service", "app", "other"};
constexpr EnumSynonym kAccountKindSynonyms[] = {
    {"订阅号", "subscription"},
    {"訂閱號", "subscription"},
    {"服务号", "service"},
    {"服務號", "service"},
    {"应用", "app"},
    {"應用", "app"},
    {"客户端", "app"},
    {"客戶端", "app"},
    {"其他", "other"},
};
constexpr std::string_view kScope[] = {"org", "dept", "task"};
constexpr EnumSynonym kScopeSynonyms[] = {
    {"组织", "org"},  {"組織", "org"},  {"部门", "dept"}, {"部門", "dept"},
    {"专项", "task"}, {"專項", "task"}, {"任务", "task"}, {"任務", "task"},
};
constexpr std::string_view kTerm[] = {"long", "temporary"};
constexpr EnumSynonym kTermSynonyms[] = {
    {"长期", "long"}, {"長期", "long"}, {"临时", "temporary"}, {"臨時", "temporary"}, {"短期", "temporary"},
};
constexpr std::string_view kMemberRole[] = {"owner", "admin", "member"};
constexpr EnumSynonym kMemberRoleSynonyms[] = {
    {"群主", "owner"},  {"管理员", "admin"},  {"管理員", "admin"},  {"成员", "member"},
    {"成員", "member"}, {"群成员", "member"}, {"群成員", "member"},
};
constexpr std::string_view kPermissionRole[] = {"admin", "publisher", "editor", "reviewer"};
constexpr EnumSynonym kPermissionRoleSynonyms[] = {
    {"管理员", "admin"},     {"管理員", "admin"},     {"发布", "publisher"},  {"發布", "publisher"},
    {"发布员", "publisher"}, {"發布員", "publisher"}, {"编辑", "editor"},     {"編輯", "editor"},
    {"审核", "reviewer"},    {"審核", "reviewer"},    {"审核员", "reviewer"}, {"審核員", "reviewer"},
};
constexpr std::string_view kSuccessionKind[] = {"group", "account"};
constexpr EnumSynonym kSuccessionKindSynonyms[] = {
    {"群", "group"},       {"工作群", "group"}, {"公众号", "account"},
    {"公眾號", "account"}, {"账号", "account"}, {"賬號", "account"},
};

constexpr ColumnSpec enumeration(std::string_view name, std::span<const std::string_view> words,
                                 std::span<const EnumSynonym> synonyms, std::string_view default_word = {},
                                 bool required = false) {
  return ColumnSpec{name, T::enumeration, required, words, default_word, synonyms};
}

constexpr ColumnSpec kOrgs[] = {
    {"org_id", T::id, true}, {"name", T::text}, {"parent_id", T::id}, {"leader_id", T::id}, {"level", T::text},
};
constexpr ColumnSpec kDepts[] = {
    {"dept_id", T::id, true}, {"org_id", T::id, true}, {"name", T::text}, {"head_id", T::id}, {"supervisor_id", T::id},
};
constexpr ColumnSpec kPeople[] = {
    {"person_id", T::id, true},
    {"real_name", T::text},
    {"org_id", T::id},
    {"dept_id", T::id},
    enumeration("status", kPersonStatus, kPersonStatusSynonyms, "active"),
    {"status_since", T::date},
    {"external", T::boolean},
    {"email", T::text},  // where the person's reports are mailed (--mail-to '{email}')
};
constexpr ColumnSpec kAccounts[] = {
    {"account_id", T::id, true},
    {"name", T::text},
    enumeration("kind", kAccountKind, kAccountKindSynonyms),
    {"org_id", T::id, true},
    {"dept_id", T::id},
    {"created_on", T::date},
    {"approved_by", T::id},
    {"approved_on", T::date},
    {"collective_decision", T::boolean},
    {"recorded_on", T::date},
    {"filed_on", T::date},
    {"owner_id", T::id},
    {"review_levels", T::integer},
    enumeration("status", kAccountStatus, kAccountStatusSynonyms, "active"),
    {"closed_on", T::date},
    {"closure_filed_on", T::date},
    {"content_cleared_on", T::date},
};
constexpr ColumnSpec kGroups[] = {
    {"group_id", T::id, true},
    {"name", T::text},
    enumeration("scope", kScope, kScopeSynonyms, "org"),
    {"org_id", T::id, true},
    {"dept_id", T::id},
    enumeration("term", kTerm, kTermSynonyms, "long"),
    {"created_on", T::date},
    {"approved_by", T::id},
    {"approved_on", T::date},
    {"filed_on", T::date},
    {"work_ended_on", T::date},
    {"owner_id", T::id},
    enumeration("status", kGroupStatus, kGroupStatusSynonyms, "active"),
    {"dissolved_on", T::date},
    {"closure_filed_on", T::date},
    {"content_cleared_on", T::date},
    {"last_activity_on", T::date},
    {"allows_external", T::boolean},
};
constexpr ColumnSpec kMembers[] = {
    {"group_id", T::id, true},
    {"handle", T::id},
    {"person_id", T::id},
    {"display_name", T::text},
    enumeration("role", kMemberRole, kMemberRoleSynonyms),
    {"joined_on", T::date},
    {"left_on", T::date},
};
constexpr ColumnSpec kPermissions[] = {
    {"account_id", T::id, true},
    {"person_id", T::id, true},
    enumeration("role", kPermissionRole, kPermissionRoleSynonyms),
    {"granted_on", T::date},
    {"revoked_on", T::date},
};
constexpr ColumnSpec kSuccessions[] = {
    enumeration("kind", kSuccessionKind, kSuccessionKindSynonyms, {}, true),
    {"object_id", T::id, true},
    {"from_person_id", T::id},
    {"to_person_id", T::id, true},
    {"approved_by", T::id},
    {"approved_on", T::date},
    {"effective_on", T::date},
};

constexpr TableSpec kSchema[] = {
    {"orgs", "org_id", kOrgs},         {"depts", "dept_id", kDepts},
    {"people", "person_id", kPeople},  {"accounts", "account_id", kAccounts},
    {"groups", "group_id", kGroups},   {"members", "", kMembers},
    {"permissions", "", kPermissions}, {"successions", "", kSuccessions},
};

constexpr ParentReference kParentReferences[] = {
    {"members", "group_id", "groups", "group_id"},
    {"permissions", "account_id", "accounts", "account_id"},
    {"successions", "object_id", "groups", "group_id", "kind", "group"},
    {"successions", "object_id", "accounts", "account_id", "kind", "account"},
};

}  // namespace

const ColumnSpec* TableSpec::find(std::string_view column) const {
  for (const ColumnSpec& spec : columns)
    if (spec.name == column) return &spec;
  return nullptr;
}

std::span<const TableSpec> inventory_schema() { return kSchema; }

const TableSpec* find_table(std::string_view name) {
  for (const TableSpec& table : kSchema)
    if (table.name == name) return &table;
  return nullptr;
}

std::string inventory_table_names() {
  std::string names;
  for (const TableSpec& table : kSchema) names += (names.empty() ? "" : ", ") + std::string(table.name);
  return names;
}

std::span<const ParentReference> parent_references() { return kParentReferences; }

}  // namespace chataudit
