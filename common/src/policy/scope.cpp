// A run's scope as data: the history's key, the JSON reports' `scope` object, one line for people.
#include "policy/scope.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

namespace chataudit {

namespace {

nlohmann::json given_fields(const Scope& scope) {
  nlohmann::json out = nlohmann::json::object();
  out["inventory"] = scope.inventory;
  if (!scope.job.empty()) out["job"] = scope.job;
  if (!scope.org.empty()) out["org"] = scope.org;
  if (!scope.person.empty()) out["person"] = scope.person;
  if (!scope.group.empty()) out["group"] = scope.group;
  if (!scope.rules.empty()) out["rules"] = scope.rules;
  if (!scope.skip_rules.empty()) out["skip_rules"] = scope.skip_rules;
  if (!scope.set.empty()) out["set"] = scope.set;
  if (!scope.min_severity.empty()) out["min_severity"] = scope.min_severity;
  return out;
}

}  // namespace

std::string Scope::key() const {
  nlohmann::json out = given_fields(*this);
  out["tool"] = tool;
  out["policy_id"] = policy_id;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Scope::json() const {
  return given_fields(*this).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Scope::line(Lang lang) const {
  const bool zh = lang == Lang::zh;
  std::vector<std::string> parts;
  parts.push_back(inventory_shown);
  if (!job.empty()) parts.push_back(fmt::format(fmt::runtime(zh ? "任务 {}" : "job {}"), job));
  if (!org.empty()) parts.push_back(fmt::format(fmt::runtime(zh ? "组织 {} 及其下级" : "org {} and its subtree"), org));
  if (!person.empty()) parts.push_back(fmt::format(fmt::runtime(zh ? "人员 {}" : "person {}"), person));
  if (!group.empty()) parts.push_back(fmt::format(fmt::runtime(zh ? "工作群 {}" : "group {}"), group));
  if (!rules.empty())
    parts.push_back(fmt::format(fmt::runtime(zh ? "仅规则 {}" : "only rules {}"), fmt::join(rules, zh ? "、" : ", ")));
  if (!skip_rules.empty())
    parts.push_back(
        fmt::format(fmt::runtime(zh ? "跳过规则 {}" : "skipping rules {}"), fmt::join(skip_rules, zh ? "、" : ", ")));
  for (const auto& [name, value] : set)
    parts.push_back(fmt::format(fmt::runtime(zh ? "参数 {}={}" : "set {}={}"), name, value));
  if (!min_severity.empty()) {
    static const std::map<std::string, std::string> kZh{{"error", "错误"}, {"warning", "警告"}, {"notice", "提示"}};
    const auto word = kZh.find(min_severity);
    parts.push_back(zh ? fmt::format("仅列{}及以上", word == kZh.end() ? min_severity : word->second)
                       : fmt::format("{} and above only", min_severity));
  }
  return fmt::format("{}{}", zh ? "范围：" : "Scope: ", fmt::join(parts, zh ? "；" : "; "));
}

std::string scope_path(const std::string& path) {
  if (path == "-") return path;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !(S_ISREG(info.st_mode) || S_ISDIR(info.st_mode))) return path;
  std::error_code error;
  const std::filesystem::path real = std::filesystem::canonical(path, error);
  return error ? path : real.string();
}

}  // namespace chataudit
