#pragma once
// The renderers, one per format; report.cpp dispatches. Internal to the library.
#include <string>

#include "chataudit/report.h"

namespace chataudit::formats {

std::string text(const Report& report);
std::string json(const Report& report);
std::string jsonl(const Report& report);
std::string csv(const Report& report);
std::string markdown(const Report& report);
std::string html(const Report& report);
std::string email(const Report& report);
std::string junit(const Report& report);

}  // namespace chataudit::formats
